"""Built-in profiles, the Profile API, extends, and the corpus of broken profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap_tui.profile import loading
from bootstrap_tui.errors import ConfigError
from bootstrap_tui.profile import (
    AccountSpec,
    Profile,
    list_profiles,
    load_profile,
    profile_from_text,
    schema_reference,
    validate_profile,
)
from bootstrap_tui.resources import data_dir
from bootstrap_tui.yamlio import dump, load_with_lines

HERE = Path(__file__).parent
BROKEN = sorted((HERE / "broken").glob("*.yaml"))
BUILTINS = ["startup-minimal", "soc2", "iso27001", "pci-dss"]


def errors_of(exc: ConfigError) -> list[str]:
    return getattr(exc, "errors", None) or [exc.message]


# ------------------------------------------------------------------ built-ins


def test_list_profiles_order_and_descriptions():
    names = [name for name, _ in list_profiles()]
    assert names[:4] == BUILTINS
    assert all(desc for _, desc in list_profiles())


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_profile_loads_and_validates(name):
    prof = load_profile(name)
    assert isinstance(prof, Profile)
    assert prof.name == name
    assert prof.path == data_dir("profiles") / f"{name}.yaml"
    path = data_dir("profiles") / f"{name}.yaml"
    data, lines = load_with_lines(path.read_bytes(), str(path))
    assert validate_profile(data, lines, str(path)) == []
    assert prof.home_region in prof.governed_regions
    assert set(prof.governed_regions) <= set(prof.guardrails.allowed_regions)
    assert prof.account("log-archive") and prof.account("audit")
    for account in prof.accounts:
        assert account.ou in prof.ous()
    assert prof.guardrails.password_policy.min_length >= 14
    assert prof.automation_role == "OrganizationAccountAccessRole"


def test_profiles_differ_where_the_issue_says():
    minimal, soc2, iso, pci = (load_profile(n) for n in BUILTINS)
    assert not minimal.control_tower_enabled and len(minimal.governed_regions) == 2
    assert soc2.control_tower_enabled and soc2.frameworks == ("soc2", "cis-aws-3.0", "aws-ssb")
    assert soc2.control_tower.controls
    assert "iso27001-2022" in iso.frameworks and iso.control_tower_enabled
    assert "pci-dss-4.0" in pci.frameworks and "cis-aws-3.0" in pci.frameworks
    assert "Workloads/CDE" in pci.ous()
    assert pci.guardrails.password_policy.min_length >= 15
    assert pci.log_archive.retention_days >= 365
    assert pci.log_archive.object_lock_days >= 365
    assert pci.identity_center.session_limit_hours < soc2.identity_center.session_limit_hours


def test_profile_accessors():
    prof = load_profile("startup-minimal")
    assert prof.ous() == [
        "Security",
        "Infrastructure",
        "Workloads",
        "Workloads/Prod",
        "Workloads/NonProd",
        "Sandbox",
        "Suspended",
    ]
    assert prof.account("prod") == AccountSpec("prod", "Production", "Workloads/Prod", "prod")
    assert prof.account("nope") is None
    assert prof.accounts[2].ou == "Workloads/Prod"
    assert prof.control_tower.controls == ()
    assert prof.log_archive.transition_to_glacier_days is None
    assert prof.scp_targets()["deny-leave-org"] == [
        "Security",
        "Infrastructure",
        "Workloads",
        "Sandbox",
        "Suspended",
    ]
    assert load_profile("soc2").scp_targets()["protect-log-archive"] == ["Security"]
    data = prof.data
    data["governed_regions"].append("eu-west-1")
    assert prof.governed_regions == ("us-east-1", "us-west-2")
    with pytest.raises(AttributeError):
        prof.name = "other"
    with pytest.raises(AttributeError):
        prof.log_archive.retention_days = 1


def test_defaults_are_filled(tmp_path):
    text = (data_dir("profiles") / "startup-minimal.yaml").read_text()
    text = text.replace("automation_role: OrganizationAccountAccessRole\n", "")
    text = text.replace("  controls: []\n", "")
    prof = profile_from_text(text, "x.yaml")
    assert prof.automation_role == "OrganizationAccountAccessRole"
    assert prof.control_tower.controls == ()
    assert prof.identity_center.permission_sets[0].description == ""
    assert prof.audit_role.name == "bootstrap-tui-audit"


def test_load_by_path(tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("name: mine\ndescription: Mine.\nextends: soc2\n")
    prof = load_profile(str(target))
    assert prof.name == "mine" and prof.path == target and prof.extends == "soc2"
    assert load_profile(target).control_tower_enabled


def test_unknown_builtin_lists_the_available_ones():
    with pytest.raises(ConfigError) as info:
        load_profile("soc3")
    assert info.value.message == "unknown baseline profile 'soc3' (did you mean 'soc2'?)"
    assert "startup-minimal, soc2, iso27001, pci-dss" in info.value.hint


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ConfigError, match="cannot read profile .*nope.yaml"):
        load_profile(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_profile(tmp_path)


# ------------------------------------------------------------------ extends


def test_extends_deep_merges_mappings_and_replaces_lists():
    prof = profile_from_text(
        "name: eu-startup\ndescription: EU variant.\nextends: startup-minimal\n"
        "home_region: eu-west-1\ngoverned_regions: [eu-west-1, eu-central-1]\n"
        "guardrails:\n  allowed_regions: [eu-west-1, eu-central-1, us-east-1]\n"
        "  password_policy: {min_length: 16}\n",
        "eu.yaml",
    )
    assert prof.name == "eu-startup" and prof.description == "EU variant."
    assert prof.governed_regions == ("eu-west-1", "eu-central-1")
    policy = prof.guardrails.password_policy
    assert policy.min_length == 16 and policy.reuse_prevention == 24
    assert prof.guardrails.scps == load_profile("startup-minimal").guardrails.scps


def test_extends_needs_its_own_name():
    with pytest.raises(ConfigError) as info:
        profile_from_text("extends: soc2\n", "f.yaml")
    assert errors_of(info.value) == [
        "f.yaml:1: name: missing — expected a name of its own for a profile that extends another"
    ]


def test_extends_cycle_is_reported(tmp_path, monkeypatch):
    (tmp_path / "a.yaml").write_text("name: a\ndescription: A.\nextends: b\n")
    (tmp_path / "b.yaml").write_text("name: b\ndescription: B.\nextends: a\n")
    monkeypatch.setattr(loading, "builtin_dir", lambda: tmp_path)
    with pytest.raises(ConfigError) as info:
        load_profile("a")
    assert errors_of(info.value) == [
        f"{tmp_path / 'b.yaml'}:3: extends: 'a' extends itself through a -> b -> a"
        " — expected a chain without cycles"
    ]


def test_inherited_error_points_at_extends_line():
    with pytest.raises(ConfigError) as info:
        profile_from_text(
            "name: x\ndescription: X.\nextends: startup-minimal\n"
            "organization:\n  ous: [{name: Security}]\n",
            "x.yaml",
        )
    errors = errors_of(info.value)
    assert (
        "x.yaml:3: accounts[2].ou: 'Workloads/Prod' is not an OU in organization.ous "
        "— expected one of: Security" in errors
    )


def test_backup_targets_name_ous_of_the_profile():
    profile = profile_from_text(
        "name: x\ndescription: X.\nextends: startup-minimal\nsecurity_services:\n  backup:\n"
        "    enabled: true\n    target_ous: [Workloads/Prod]\n    monthly_retention_days: 0\n",
        "x.yaml",
    )
    backup = profile.security_services.backup
    assert (backup.target_ous, backup.vault_lock, backup.tag_key) == (
        ("Workloads/Prod",),
        "GOVERNANCE",
        "backup",
    )
    with pytest.raises(ConfigError) as info:
        profile_from_text(
            "name: x\ndescription: X.\nextends: startup-minimal\nsecurity_services:\n"
            "  backup:\n    target_ous: [Workload]\n    vault_lock: FOREVER\n",
            "x.yaml",
        )
    errors = errors_of(info.value)
    assert any(
        "security_services.backup.target_ous[0]: 'Workload' is not an OU in organization.ous" in e
        for e in errors
    ), errors
    assert any("security_services.backup.vault_lock" in e and "FOREVER" in e for e in errors), (
        errors
    )


# ------------------------------------------------------------------ broken corpus


def test_corpus_is_big_enough():
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_profile_gives_the_exact_message(path):
    header = path.read_bytes().split(b"\n")[0].decode("utf-8")
    assert header.startswith("# expect: ")
    expected = header.removeprefix("# expect: ").replace("{file}", str(path))
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    assert errors_of(info.value) == [expected]
    assert "Traceback" not in str(info.value)


def test_huge_file(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"name: huge\n" + b"# padding\n" * 110_000)
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    assert info.value.message == (
        f"{path}:1: the file is {path.stat().st_size} bytes; the limit is 1 MiB (1048576 bytes)"
    )


def test_all_errors_are_reported_in_file_order(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(
        "name: many\nextends: startup-minimal\nhome_region: mars-1\n"
        "frameworks: [sox]\nlog_archive: {retention_days: 0}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    errors = errors_of(info.value)
    assert [e.split(":")[1] for e in errors] == ["3", "4", "5"]
    assert info.value.message.startswith(f"{path}: 3 problems in the profile:\n  {path}:3: ")


def test_validate_profile_on_non_mapping():
    assert validate_profile([1], {"": 1}, "f.yaml") == [
        "f.yaml:1: found a list — expected a mapping of profile fields (name, description, ...)"
    ]


# ------------------------------------------------------------------ docs


def test_docs_embed_the_generated_reference():
    docs = (data_dir("docs") / "profiles.md").read_text(encoding="utf-8")
    assert schema_reference() in docs
    for name in BUILTINS:
        assert f"`{name}`" in docs


@pytest.mark.parametrize("name", BUILTINS)
def test_typed_profile_round_trips_through_yaml(name):
    prof = load_profile(name)
    again = profile_from_text(dump(prof.data), "again.yaml")
    assert again == prof
    assert isinstance(again.security_services.budget.thresholds_percent, tuple)
