"""Seeds are built once per version of the code and loaded from the user's cache afterwards
(issue 19): a cached seed is the very state the build left, and a code change invalidates it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.sandbox import Sandbox, seedcache, seeds
from bootstrap_tui.sandbox.plain import control
from bootstrap_tui.sandbox.testing import client, client_environment

import bootstrap_tui


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache directory of the test's own (platformdirs reads XDG_CACHE_HOME)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(seedcache.CACHE_ENV, raising=False)
    return seedcache.cache_dir()


def _verify(box: Sandbox, work: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    for key, value in client_environment(box.endpoint).items():
        monkeypatch.setenv(key, value)
    work.mkdir()
    profile = seeds.write_seed_profile(work, box.accounts, box.regions)
    engine = Engine(
        Options(endpoint_url=box.endpoint, state_file=work / "state.yaml", profile=profile)
    )
    engine.connect()
    try:
        run = engine.verify()
    finally:
        engine.close()
    return sorted((r.check_id, r.account, r.region, r.status.value) for r in run.results)


def _listing(box: Sandbox) -> dict[str, Any]:
    """What plain boto3 sees of the organization and the management account's resources."""
    org = client(box, "organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    ous = org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    return {
        "info": box.info(),
        "accounts": sorted(
            (a["Id"], a["Name"], a["Status"]) for a in org.list_accounts()["Accounts"]
        ),
        "ous": sorted((o["Id"], o["Name"]) for o in ous),
        "scps": sorted(
            (p["Id"], p["Name"])
            for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
        ),
        "buckets": sorted(b["Name"] for b in client(box, "s3").list_buckets()["Buckets"]),
        "trails": client(box, "cloudtrail").describe_trails()["trailList"],
        "roles": sorted(r["Arn"] for r in client(box, "iam").list_roles()["Roles"]),
    }


def test_a_cached_seed_is_the_state_its_build_left(
    exclusive: None, private_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    regions = ["us-east-1", "eu-west-1"]  # not the profile's us-east-1, us-west-2
    with Sandbox(seed="drifted", accounts=1, op_delay_s=0.3, regions=regions) as box:
        assert not box.seed_cached
        built = (_listing(box), _verify(box, tmp_path / "built", monkeypatch))
        assert [p.name for p in private_cache.iterdir()] == [
            seedcache.entry_path("drifted", 1, regions=regions).name
        ]

        box.reset()
        assert box.seed_cached
        cached = (_listing(box), _verify(box, tmp_path / "cached", monkeypatch))
    assert cached == built
    assert any(status == "FAIL" for *_, status in built[1])  # the drifts are there
    assert {region for _, _, region, _ in built[1]} == {None, "us-east-1", "eu-west-1"}


def test_an_entry_others_may_write_or_a_damaged_one_is_rebuilt(
    exclusive: None, private_cache: Path
) -> None:
    with Sandbox(seed="brownfield-org", op_delay_s=0.3) as box:
        entry = seedcache.entry_path("brownfield-org", 0)
        assert not box.seed_cached and entry.stat().st_mode & 0o777 == 0o600
        assert private_cache.stat().st_mode & 0o777 == 0o700
        names = {a["Name"] for a in client(box, "organizations").list_accounts()["Accounts"]}

        entry.chmod(0o664)
        box.reset()
        assert not box.seed_cached

        entry.write_bytes(b"not a snapshot")
        box.reset()
        assert not box.seed_cached

        box.reset()
        assert box.seed_cached
        assert {
            a["Name"] for a in client(box, "organizations").list_accounts()["Accounts"]
        } == names


def test_the_cache_can_be_switched_off(
    exclusive: None, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(seedcache.CACHE_ENV, "off")
    with Sandbox(seed="brownfield-org", op_delay_s=0.3) as box:
        box.reset()
        assert not box.seed_cached
    assert not private_cache.exists()


def test_a_code_change_invalidates_the_cache(tmp_path: Path) -> None:
    copy = tmp_path / "bootstrap_tui"
    shutil.copytree(
        Path(bootstrap_tui.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    before = seedcache.source_digest(copy)
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "x.pyc").write_bytes(b"bytecode")
    assert seedcache.source_digest(copy) == before  # bytecode is not code

    seeds_py = copy / "sandbox" / "seeds.py"
    seeds_py.write_text(seeds_py.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert seedcache.source_digest(copy) != before
    assert seedcache.entry_path("compliant", 3, "a") != seedcache.entry_path("compliant", 3, "b")
    assert seedcache.entry_path("compliant", 3, "a") != seedcache.entry_path("compliant", 4, "a")
    assert seedcache.entry_path("compliant", 3, "a", ["eu-west-1"]) != seedcache.entry_path(
        "compliant", 3, "a"
    )


_SIGN_AS_ROOT = """
import sys
from pathlib import Path
from bootstrap_tui.sandbox import Sandbox
from bootstrap_tui.sandbox.testing import client
with Sandbox(op_delay_s=0.3, snapshot=Path(sys.argv[1])) as box:
    assert box.restored
    sts = client(box, "sts", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
    print(sts.get_caller_identity()["Arn"])
"""


def test_a_restored_root_access_key_still_signs_as_the_root_user(
    exclusive: None, tmp_path: Path
) -> None:
    """In a new process, as the next `--sandbox` run or a cached seed's load would."""
    snapshot = tmp_path / "aws.pickle"
    with Sandbox(op_delay_s=0.3, snapshot=snapshot) as box:
        body = {"account": box.management_account_id, "access_keys": True}
        key = control(box.endpoint, "/_sandbox/root", body)["access_key"]
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            _SIGN_AS_ROOT,
            str(snapshot),
            key["AccessKeyId"],
            key["SecretAccessKey"],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert found.stdout.strip() == f"arn:aws:iam::{box.management_account_id}:root", found.stderr
