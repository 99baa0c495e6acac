"""Unit tests (no AWS): SCP validation and safety refusals, and pure helpers of the
baseline steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bootstrap_tui.errors import ConfigError, RefusedError
from steps import scp_policies as scp

IDS = [
    "deny-leave-org",
    "protect-security-services",
    "deny-root-member",
    "region-deny",
    "protect-log-archive",
    "require-ebs-encryption",
]
REGIONS = ["us-east-1", "us-west-2"]


def values(**changes) -> scp.FillValues:
    base = dict(
        allowed_regions=list(REGIONS),
        automation_role="OrganizationAccountAccessRole",
        log_archive_bucket="bootstrap-org-trail-111122223333-us-east-1",
        extra_buckets=["bootstrap-access-logs-111122223333-us-east-1"],
    )
    base.update(changes)
    return scp.FillValues(**base)


def write(tmp_path: Path, name: str, doc) -> Path:
    (tmp_path / f"{name}.json").write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return tmp_path


def deny(action, condition=None, sid="S1", resource="*"):
    st = {"Sid": sid, "Effect": "Deny", "Action": action, "Resource": resource}
    if condition:
        st["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [st]}


# ------------------------------------------------------------------ shipped policies


@pytest.mark.parametrize(
    "ct_roles", [[], ["AWSControlTowerExecution", "aws-controltower-*", "stacksets-exec-*"]]
)
def test_shipped_policies_are_valid_and_fit(ct_roles):
    filled, bundles = scp.build(IDS, values(extra_exempt_roles=ct_roles), REGIONS)
    assert set(filled) == set(IDS)
    for doc in filled.values():
        assert scp.validate("x", doc) == []
        assert "${" not in json.dumps(doc)
    assert 1 <= len(bundles) <= scp.MAX_SCPS_PER_TARGET - 1
    for bundle in bundles:
        assert len(scp.minify(bundle["document"])) <= scp.MAX_POLICY_CHARS
        sids = [st["Sid"] for st in bundle["document"]["Statement"]]
        assert len(sids) == len(set(sids))
    region_deny = filled["region-deny"]["Statement"][0]
    assert region_deny["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == REGIONS
    assert (
        "arn:aws:iam::*:role/OrganizationAccountAccessRole"
        in region_deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    )
    for service in (
        "iam:*",
        "organizations:*",
        "sts:*",
        "cloudfront:*",
        "route53:*",
        "support:*",
        "budgets:*",
        "ce:*",
        "health:*",
        "account:*",
        "sso:*",
    ):
        assert service in region_deny["NotAction"]
    log = json.dumps(filled["protect-log-archive"])
    assert "arn:aws:s3:::bootstrap-org-trail-111122223333-us-east-1/*" in log


def test_shipped_policies_work_with_every_profile():
    from bootstrap_tui.profile import load_profile

    for name in ("startup-minimal", "soc2", "iso27001", "pci-dss"):
        profile = load_profile(name)
        v = values(
            allowed_regions=list(profile.guardrails.allowed_regions),
            automation_role=profile.automation_role,
        )
        ids = list(profile.guardrails.scps)
        for control_tower in (False, True):  # with Control Tower, every OU keeps a slot for its SCP
            scp.build(
                ids,
                v,
                profile.governed_regions,
                targets=profile.scp_targets(),
                control_tower=control_tower,
            )


def test_region_deny_denies_other_regions_but_not_global_services():
    filled, _ = scp.build(["region-deny"], values(), REGIONS)
    doc = filled["region-deny"]
    dev = {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/Dev"}
    assert scp.denies(doc, "ec2:RunInstances", {**dev, "aws:RequestedRegion": "eu-west-1"})
    assert not scp.denies(doc, "ec2:RunInstances", {**dev, "aws:RequestedRegion": "us-west-2"})
    assert not scp.denies(doc, "iam:CreateRole", {**dev, "aws:RequestedRegion": "eu-west-1"})
    robot = {
        "aws:PrincipalArn": "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole",
        "aws:RequestedRegion": "eu-west-1",
    }
    assert not scp.denies(doc, "ec2:RunInstances", robot)


def test_deny_root_member_spares_roles_and_root_sessions():
    filled, _ = scp.build(["deny-root-member"], values(), REGIONS)
    doc = filled["deny-root-member"]
    assert scp.denies(doc, "s3:ListBucket", {"aws:PrincipalArn": "arn:aws:iam::111122223333:root"})
    assert not scp.denies(
        doc,
        "s3:ListBucket",
        {"aws:PrincipalArn": "arn:aws:iam::111122223333:root", "aws:AssumedRoot": "true"},
    )
    assert not scp.denies(
        doc, "s3:ListBucket", {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/X"}
    )


# ------------------------------------------------------------------ validation


def test_size_limit(tmp_path):
    big = deny([f"ec2:Action{i:04d}" for i in range(400)])
    problems = scp.validate("big", big)
    assert any("at most 5120" in p for p in problems)
    write(tmp_path, "big", big)
    with pytest.raises(ConfigError, match="5120"):
        scp.build(["big"], values(), REGIONS, directory=tmp_path)


def test_size_counts_minified_characters():
    doc = deny(["s3:GetObject"])
    pretty = json.dumps(doc, indent=8)
    assert len(pretty) > len(scp.minify(doc))
    assert scp.validate("ok", json.loads(pretty)) == []


def test_unknown_condition_key_is_refused(tmp_path):
    doc = deny("s3:*", {"StringEquals": {"aws:RequestedRegoin": "us-east-1"}})
    assert any(
        "unknown condition key 'aws:RequestedRegoin'" in p for p in scp.validate("typo", doc)
    )
    write(tmp_path, "typo", doc)
    with pytest.raises(ConfigError, match="unknown condition key"):
        scp.build(["typo"], values(), REGIONS, directory=tmp_path)


def test_tag_keys_and_case_insensitive_keys_are_known():
    doc = deny(
        "kms:DisableKey", {"StringEquals": {"aws:ResourceTag/team": "x", "AWS:PrincipalArn": "y"}}
    )
    assert scp.validate("ok", doc) == []


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(Version="2008-10-17"), "Version"),
        (lambda d: d["Statement"][0].update(Principal="*"), "Principal"),
        (lambda d: d["Statement"][0].update(Effect="Maybe"), "Effect"),
        (lambda d: d["Statement"][0].pop("Resource"), "Resource"),
        (lambda d: d["Statement"][0].update(NotAction=["s3:*"]), "exactly one of Action"),
        (lambda d: d["Statement"][0].update(Action="s3 GetObject"), "not an action"),
        (
            lambda d: d["Statement"][0].update(
                Condition={"StringEqualz": {"aws:PrincipalArn": "x"}}
            ),
            "operator",
        ),
        (lambda d: d["Statement"][0].update(Sid="has-dash"), "Sid"),
    ],
)
def test_validation_problems(mutate, message):
    doc = deny("s3:GetObject")
    mutate(doc)
    assert any(message in p for p in scp.validate("p", doc))


def test_invalid_json_and_unknown_id(tmp_path):
    write(tmp_path, "broken", "{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        scp.build(["broken"], values(), REGIONS, directory=tmp_path)
    with pytest.raises(ConfigError, match="no reviewed SCP"):
        scp.build(["missing"], values(), REGIONS, directory=tmp_path)
    with pytest.raises(ConfigError, match="not a valid SCP id"):
        scp.load_templates(["../etc/passwd"], tmp_path)


def test_empty_placeholder_is_refused(tmp_path):
    write(tmp_path, "logs", deny("s3:DeleteBucket", resource="${LOG_ARCHIVE_RESOURCES}"))
    with pytest.raises(ConfigError, match="LOG_ARCHIVE_RESOURCES"):
        scp.build(
            ["logs"], values(log_archive_bucket=None, extra_buckets=[]), REGIONS, directory=tmp_path
        )


# ------------------------------------------------------------------ safety refusals


def test_lockout_deny_assume_role_without_exemption(tmp_path):
    write(tmp_path, "lock", deny("sts:AssumeRole"))
    with pytest.raises(RefusedError, match="lock"):
        scp.build(["lock"], values(), REGIONS, directory=tmp_path)


def test_lockout_deny_iam_star_without_exemption(tmp_path):
    write(
        tmp_path,
        "noiam",
        deny("iam:*", {"StringNotEquals": {"aws:PrincipalAccount": "999999999999"}}),
    )
    with pytest.raises(RefusedError, match="automation role"):
        scp.build(["noiam"], values(), REGIONS, directory=tmp_path)


def test_lockout_exemption_makes_it_safe(tmp_path):
    write(
        tmp_path,
        "iamguard",
        deny("iam:*", {"ArnNotLike": {"aws:PrincipalArn": "${EXEMPT_ROLE_ARNS}"}}),
    )
    scp.build(["iamguard"], values(), REGIONS, directory=tmp_path)
    write(
        tmp_path,
        "wrongrole",
        deny("iam:*", {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Other"}}),
    )
    with pytest.raises(RefusedError):
        scp.build(["wrongrole"], values(), REGIONS, directory=tmp_path)


def test_lockout_through_not_action(tmp_path):
    write(
        tmp_path,
        "everything",
        {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "A", "Effect": "Deny", "NotAction": ["s3:*"], "Resource": "*"}],
        },
    )
    with pytest.raises(RefusedError, match="sts:AssumeRole"):
        scp.build(["everything"], values(), REGIONS, directory=tmp_path)


def test_region_deny_must_allow_governed_regions():
    with pytest.raises(RefusedError, match="us-west-2"):
        scp.build(["region-deny"], values(allowed_regions=["us-east-1"]), REGIONS)


def test_policy_that_denies_an_allowed_region_is_refused(tmp_path):
    doc = deny(
        "*",
        {
            "StringEquals": {"aws:RequestedRegion": ["us-west-2"]},
            "ArnNotLike": {"aws:PrincipalArn": "${EXEMPT_ROLE_ARNS}"},
        },
    )
    write(tmp_path, "nowest", doc)
    with pytest.raises(RefusedError, match="us-west-2"):
        scp.build(["nowest"], values(), REGIONS, directory=tmp_path)


def test_condition_semantics():
    ctx = {"aws:PrincipalArn": "arn:aws:iam::1:role/R"}
    assert scp.condition_holds(
        {"StringNotEquals": {"aws:RequestedRegion": "x"}}, ctx
    )  # missing + negated
    assert not scp.condition_holds({"StringEquals": {"aws:RequestedRegion": "x"}}, ctx)
    assert scp.condition_holds({"StringEqualsIfExists": {"aws:RequestedRegion": "x"}}, ctx)
    assert scp.condition_holds({"Null": {"aws:AssumedRoot": "true"}}, ctx)
    assert scp.condition_holds({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, ctx)
    assert not scp.condition_holds(
        {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/R"]}}, ctx
    )


# ------------------------------------------------------------------ packing


def test_pack_merges_and_names_bundles():
    docs = {f"p{i}": deny([f"s3:Action{i}{j}" for j in range(40)], sid="S") for i in range(6)}
    bundles = scp.pack(docs)
    assert [b["ids"] for b in bundles][0][0] == "p0"
    assert sum(len(b["ids"]) for b in bundles) == 6
    assert all(len(scp.minify(b["document"])) <= scp.MAX_POLICY_CHARS for b in bundles)
    assert bundles[0]["document"]["Statement"][0]["Sid"] == "P0S"


def test_pack_refuses_more_than_the_ou_quota():
    docs = {f"p{i}": deny([f"s3:Action{i}{j:03d}" for j in range(200)]) for i in range(6)}
    with pytest.raises(RefusedError, match="besides FullAWSAccess"):
        scp.pack(docs)


def test_control_tower_keeps_a_slot_in_every_ou(tmp_path):
    """Four policies too big to merge fit an OU next to FullAWSAccess, not next to Control Tower's SCP too."""
    ids = [f"big{i}" for i in range(4)]
    for number, name in enumerate(ids):
        write(tmp_path, name, deny([f"s3:Action{number}{j:03d}" for j in range(180)]))
    _, bundles = scp.build(ids, values(), REGIONS, directory=tmp_path)
    assert len(bundles) == 4
    with pytest.raises(RefusedError, match="only 3 besides FullAWSAccess and Control Tower's"):
        scp.build(ids, values(), REGIONS, directory=tmp_path, control_tower=True)
    assert (
        len(scp.build(ids[:3], values(), REGIONS, directory=tmp_path, control_tower=True)[1]) == 3
    )


def test_targets_group_policies():
    _, bundles = scp.build(IDS, values(), REGIONS, targets={"protect-log-archive": ["Security"]})
    by_target = {tuple(b["targets"]): b["ids"] for b in bundles}
    assert by_target[("Security",)] == ["protect-log-archive"]


# ------------------------------------------------------------------ other pure helpers


def test_password_policy_gaps():
    from steps.guardrails import DEFAULT_PASSWORD_POLICY, password_policy_gaps

    assert password_policy_gaps(None, DEFAULT_PASSWORD_POLICY) == ["no password policy"]
    good = {
        "MinimumPasswordLength": 14,
        "PasswordReusePrevention": 24,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True,
        "ExpirePasswords": True,
        "MaxPasswordAge": 90,
    }
    assert password_policy_gaps(good, DEFAULT_PASSWORD_POLICY) == []
    weak = {**good, "MinimumPasswordLength": 8, "PasswordReusePrevention": 5}
    gaps = password_policy_gaps(weak, DEFAULT_PASSWORD_POLICY)
    assert any("minimum length 8" in g for g in gaps) and any("reuse" in g for g in gaps)


def test_session_duration_helpers():
    from steps.identity_center import iso_hours, parse_iso

    assert iso_hours(1) == "PT1H" and iso_hours(12) == "PT12H" and iso_hours(1.5) == "PT1H30M"
    assert parse_iso("PT8H") == 8 and parse_iso("PT30M") == 0.5


def test_aws_config_file_is_never_edited_without_consent(tmp_path):
    from steps.identity_center import BEGIN, END, config_write_plan, merged, write_config

    block = f"{BEGIN}\n[sso-session bootstrap-tui]\nsso_region = us-east-1\n{END}\n"
    target = tmp_path / "config"
    assert config_write_plan(target, False, block) == (target, block)  # new file
    target.write_text("[default]\nregion = eu-west-1\n")
    side, content = config_write_plan(target, False, block)
    assert side == tmp_path / "config.bootstrap-tui" and content == block
    write_config(side, content, target)
    assert target.read_text() == "[default]\nregion = eu-west-1\n"
    assert config_write_plan(target, False, block) is None  # converged
    path, content = config_write_plan(target, True, block)
    assert path == target and content.startswith("[default]") and block in content
    backup = write_config(target, content, target)
    assert backup and backup.read_text() == "[default]\nregion = eu-west-1\n"
    assert (target.stat().st_mode & 0o777) == 0o600
    assert config_write_plan(target, True, block) is None
    newer = block.replace("us-east-1", "us-west-2")
    assert merged(target.read_text(), newer).count(BEGIN) == 1


def test_every_part2_check_has_mappings_and_remediation():
    from steps import bootstrap_cleanup, guardrails, identity_center, log_archive, security_services

    known = {"cis-aws-3.0", "soc2", "iso27001-2022", "pci-dss-4.0", "aws-ssb"}
    seen = set()
    for module in (identity_center, log_archive, guardrails, security_services, bootstrap_cleanup):
        for check in module.STEP.checks:
            assert check.id not in seen
            seen.add(check.id)
            assert check.remediation.strip(), check.id
            assert check.mappings(), check.id
            assert set(check.mappings()) <= known, check.id
            assert check.id.startswith(module.STEP.id + "."), check.id


@pytest.mark.parametrize(
    "action",
    [
        "cloudtrail:LookupEvents",
        "ecr-public:GetAuthorizationToken",
        "compute-optimizer:GetEnrollmentStatus",
        "notifications:ListChannels",
        "resource-explorer-2:Search",
        "tag:GetResources",
    ],
)
def test_region_deny_exempts_what_control_towers_region_deny_exempts(action):
    """The NotAction list follows Control Tower's GRREGIONDENY control (Controls reference)."""
    filled, _ = scp.build(["region-deny"], values(), REGIONS)
    outside = {
        "aws:PrincipalArn": "arn:aws:iam::111122223333:role/Developer",
        "aws:RequestedRegion": "eu-central-1",
    }
    assert scp.denies(filled["region-deny"], action, outside) == []
    assert scp.denies(filled["region-deny"], "ec2:RunInstances", outside) != []


def test_exempt_role_arns_take_the_callers_partition():
    ct_roles = ["AWSControlTowerExecution", "aws-controltower-*", "stacksets-exec-*"]
    gov = ["us-gov-west-1"]
    filled, bundles = scp.build(
        IDS, values(partition="aws-us-gov", extra_exempt_roles=ct_roles, allowed_regions=gov), gov
    )
    exempt = filled["region-deny"]["Statement"][0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert exempt and all(arn.startswith("arn:aws-us-gov:iam::*:role/") for arn in exempt)
    assert "arn:aws-us-gov:s3:::bootstrap-org-trail-111122223333-us-east-1/*" in json.dumps(
        filled["protect-log-archive"]
    )
    assert all(len(scp.minify(b["document"])) <= scp.MAX_POLICY_CHARS for b in bundles)
