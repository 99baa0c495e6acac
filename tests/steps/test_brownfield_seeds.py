"""Every brownfield seed taken through the README's unattended flow: `plan`, then
`apply --yes --simulate-console --confirm-destructive guardrails`, then `verify`.

For each seed: every change apply made to a resource that existed before is in the up-front
plan (raw boto3 state before and after, compared with the plan's lines), nothing is duplicated,
and verify's verdicts agree with the raw state read back with plain boto3.

Assertions that wait for another branch's fix are marked xfail(strict=True) with the issue item;
the lead removes the mark after merging that branch.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from tests.steps.brownfield_raw import HOME, Run, run_flow
from tests.steps.sandboxes import sandbox_endpoint

from bootstrap_tui.sandbox import brownfield as seed

pytestmark = pytest.mark.slow

SEEDS = ("brownfield-org", "brownfield-services", "brownfield-iam", "half-finished")
_runs: dict[tuple[str, str], Run] = {}


@pytest.fixture(scope="module")
def box():
    with sandbox_endpoint() as running:
        yield running


@pytest.fixture
def runs(box):
    """A seed taken through a flow (default: the README's), run once per module and kept as data."""

    def get(name: str, flow: str = "plan-first") -> Run:
        if (name, flow) not in _runs:
            _runs[(name, flow)] = run_flow(box, name, flow)
        return _runs[(name, flow)]

    return get


# ------------------------------------------------------------------ what the plan must show

_NUMBER_FIELDS = {"MinimumPasswordLength", "MaxPasswordAge", "PasswordReusePrevention"}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _password_tokens(account: str, old: dict, new: dict | None) -> list[list[str]]:
    if new is None:
        return [[account, "password policy"]]
    # ExpirePasswords is derived from MaxPasswordAge; a missing field is 0 / false, as IAM reports it
    fields = sorted((set(old) | set(new)) - {"ExpirePasswords"})
    default = {f: 0 if f in _NUMBER_FIELDS else False for f in fields}
    return [
        [account, f"{f} {_text(old.get(f, default[f]))} → {_text(new.get(f, default[f]))}"]
        for f in fields
        if old.get(f, default[f]) != new.get(f, default[f])
    ]


def _recorder_tokens(key: tuple, old: dict, new: dict | None) -> list[list[str]]:
    _, account, region, _name = key
    tokens = [account, region, "recorder"]
    if new is not None and old["group"] != new["group"]:
        tokens += old["group"].get("resourceTypes") or []
    if new is not None and old["role"] != new["role"]:
        tokens.append(old["role"])
    return [tokens]


def plan_tokens(key: tuple, old: Any, new: Any) -> list[list[str]]:
    """Token sets, each of which one plan line must contain, for the change ``old`` → ``new`` of ``key``
    (``new`` None: the resource is gone)."""
    kind = key[0]
    if kind == "ou":
        name = key[1].split("/")[-1]
        return [[name]] if new is None else [[name, scp] for scp in sorted(set(old) ^ set(new))]
    if kind == "password-policy":
        return _password_tokens(key[1], old, new)
    if kind == "recorder":
        return _recorder_tokens(key, old, new)
    if kind == "channel":
        return [[key[1], key[2], old]]
    if kind in ("detector", "vpc"):
        return [[key[1], key[2], key[3]]]
    if kind == "iam-user":
        return [[key[1], key[2]]]
    if kind in ("contact", "alias"):
        return [[old]]
    return [[key[1]]]  # account, scp, trail: by name


def unplanned(run: Run, kinds: set[str]) -> list[str]:
    """Changes to pre-existing resources of ``kinds`` that no plan line shows."""
    lines = run.plan_lines()
    missing = []
    for key, old in run.before.items():
        new = run.after.get(key)
        if key[0] not in kinds or new == old:
            continue
        for tokens in plan_tokens(key, old, new):
            if not any(all(t in line for t in tokens) for line in lines):
                missing.append(f"{key}: {old!r} → {new!r} (no plan line with {tokens})")
    return missing


ORG = {"ou", "account", "scp"}
SERVICES = {"trail", "recorder", "channel", "detector"}
IAM = {"password-policy", "iam-user", "vpc", "contact", "alias"}
FLOWS = ("plan-first", "step-by-step")
XFAIL: dict[tuple[str, str, str], str] = {}


def _change_cases():
    for name in SEEDS:
        for flow in FLOWS:
            for label, kinds in (("organization", ORG), ("services", SERVICES), ("iam", IAM)):
                reason = XFAIL.get((name, flow, label))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(name, flow, kinds, id=f"{name}-{flow}-{label}", marks=marks)


@pytest.mark.parametrize(("name", "flow", "kinds"), _change_cases())
def test_every_change_to_an_existing_resource_is_in_the_plan(runs, name, flow, kinds):
    run = runs(name, flow)
    assert run.applied.returncode == 0, run.applied.stderr[-3000:]
    assert unplanned(run, kinds) == []


# ------------------------------------------------------------------ nothing duplicated


@pytest.mark.parametrize("name", SEEDS)
def test_nothing_is_duplicated(runs, name):
    run = runs(name)
    org = run.raw_after["org"]
    for what in ("ous", "accounts", "scps"):
        assert [n for n, k in Counter(org[what]).items() if k > 1] == [], what
    trails = run.raw_after["trails"]
    assert sum(t["organization"] for t in trails.values()) == 1, trails
    purposes = [p for found in run.raw_after["accounts"].values() for p in found["key_purposes"]]
    assert "org-trail" in purposes, purposes  # the KMS keys are read: the trail's key is there
    for account, found in run.raw_after["accounts"].items():
        assert [p for p, k in Counter(found["key_purposes"]).items() if k > 1] == [], (
            account,
            found["key_purposes"],
        )
        for region, regional in found["regions"].items():
            for what in ("recorders", "channels", "detectors"):
                assert len(regional[what]) <= 1, (account, region, what, regional[what])
    before = {k for k in run.before if k[0] in ("trail", "recorder", "channel", "detector")}
    assert before <= set(run.after), "a resource of the user's was replaced or deleted"


# ------------------------------------------------------------------ verify agrees with the raw state


def _recorder_ok(regional: dict, region: str) -> bool:
    recorders = list(regional["recorders"].values())
    if len(recorders) != 1 or not regional["channels"]:
        return False
    group = recorders[0]["group"]
    return (
        recorders[0]["recording"]
        and bool(group.get("allSupported"))
        and bool(group.get("includeGlobalResourceTypes")) == (region == HOME)
    )


@pytest.mark.parametrize("name", SEEDS)
def test_config_and_guardduty_verdicts_match_the_raw_state(runs, name):
    run = runs(name)
    for account, found in run.raw_after["accounts"].items():
        for region, regional in found["regions"].items():
            enabled = list(regional["detectors"].values()) == ["ENABLED"]
            assert run.verdicts("security-services.guardduty-enabled", account, region) == (
                ["PASS"] if enabled else ["FAIL"]
            ), (account, region, regional["detectors"])
            recorder = run.verdicts("security-services.config-recorder", account, region)
            assert (recorder == ["PASS"]) == _recorder_ok(regional, region), (
                account,
                region,
                regional,
            )


@pytest.mark.parametrize("name", SEEDS)
def test_password_policy_and_vpc_verdicts_match_the_raw_state(runs, name):
    run = runs(name)
    for account, found in run.raw_after["accounts"].items():
        policy = found["iam"]["password_policy"] or {}
        strong = (
            policy.get("MinimumPasswordLength", 0) >= 14
            and policy.get("PasswordReusePrevention", 0) >= 24
            and all(
                policy.get(f)
                for f in (
                    "RequireSymbols",
                    "RequireNumbers",
                    "RequireUppercaseCharacters",
                    "RequireLowercaseCharacters",
                )
            )
        )
        assert (run.verdicts("guardrails.password-policy", account) == ["PASS"]) == strong, (
            account,
            policy,
        )
        for region, regional in found["regions"].items():
            vpcs = regional["default_vpcs"]
            assert run.verdicts("guardrails.no-default-vpc", account, region) == (
                ["FAIL"] if vpcs else ["PASS"]
            ), (account, region, vpcs)


@pytest.mark.parametrize("name", SEEDS)
def test_scp_verdict_matches_the_raw_attachments(runs, name):
    run = runs(name)
    org = run.raw_after["org"]
    tops = [p for p in org["ous"] if "/" not in p]
    guardrails = {
        n for p in tops for n in org["attached"][p] if n.startswith("bootstrap-guardrails")
    }
    protected = guardrails != set() and all(guardrails <= set(org["attached"][p]) for p in tops)
    assert (run.verdicts("guardrails.scps-attached") == ["PASS"]) == protected, org["attached"]
    assert protected  # no OU of the user's was excluded, so all of them get the guardrails


@pytest.mark.parametrize("name", SEEDS)
def test_iam_user_verdict_matches_the_raw_state(runs, name):
    run = runs(name)
    users = run.raw_after["accounts"][run.management]["iam"]["users"]
    long_lived = [u for u, found in users.items() if found["active_keys"] or found["console"]]
    assert (run.verdicts("bootstrap-cleanup.no-iam-users", run.management) == ["FAIL"]) == bool(
        long_lived
    ), users


# ------------------------------------------------------------------ per seed: what the user had


def test_services_the_users_trail_is_kept_and_the_org_trail_added(runs):
    run = runs("brownfield-services")
    trails = run.raw_after["trails"]
    assert trails[seed.FOUNDER_TRAIL] == run.before[("trail", seed.FOUNDER_TRAIL)]  # not modified
    org_trail = next(t for t in trails.values() if t["organization"])
    assert org_trail["multi_region"] and org_trail["logging"] and org_trail["validation"]
    assert run.verdicts("log-archive.trail-multi-region") == ["PASS"]


def test_services_the_users_recorder_records_everything_after_apply(runs):
    run = runs("brownfield-services")
    regional = run.raw_after["accounts"][run.management]["regions"][HOME]
    recorder = regional["recorders"][seed.FOUNDER_RECORDER]
    assert recorder["recording"] and recorder["group"].get("allSupported"), recorder
    assert run.verdicts("security-services.config-recorder", run.management, HOME) == ["PASS"]


def test_services_the_disabled_detector_is_enabled_not_replaced(runs):
    run = runs("brownfield-services")
    (detector,) = [k[3] for k in run.before if k[:3] == ("detector", run.management, HOME)]
    assert run.raw_after["accounts"][run.management]["regions"][HOME]["detectors"] == {
        detector: "ENABLED"
    }


def test_iam_the_founder_keeps_access_and_the_stricter_settings(runs):
    run = runs("brownfield-iam")
    mgmt = run.raw_after["accounts"][run.management]["iam"]
    assert mgmt["users"][seed.FOUNDER_USER] == {
        "active_keys": 1,
        "console": True,
    }  # never deleted by the tool
    policy = mgmt["password_policy"]
    assert (
        policy["MinimumPasswordLength"] == seed.IAM_PASSWORD_POLICY["MinimumPasswordLength"]
    )  # stricter: kept
    assert policy["MaxPasswordAge"] == seed.IAM_PASSWORD_POLICY["MaxPasswordAge"]
    assert policy["PasswordReusePrevention"] == 24 and policy["RequireSymbols"]  # weaker: raised
    remediation = next(r for r in run.verified if r["check_id"] == "bootstrap-cleanup.no-iam-users")
    assert seed.FOUNDER_USER in str(remediation)


def test_iam_the_default_vpc_with_a_custom_group_is_kept_whole(runs):
    run = runs("brownfield-iam")
    dev_app = next(a for a, n in run.names.items() if n == "Dev App")
    vpcs = run.raw_after["accounts"][dev_app]["regions"][HOME]["default_vpcs"]
    assert [v["groups"] for v in vpcs.values()] == [[seed.FOUNDER_SECURITY_GROUP]]
    (vpc,) = vpcs
    assert vpcs[vpc] == run.before[("vpc", dev_app, HOME, vpc)]  # subnets and gateway untouched


def test_half_finished_the_detached_scp_and_the_extra_ou_get_the_guardrails(runs):
    run = runs("half-finished")
    attached = run.raw_after["org"]["attached"]
    assert attached[seed.HALF_FINISHED_OU] == attached[seed.HALF_FINISHED_DETACHED_FROM]
    assert len(run.before[("ou", seed.HALF_FINISHED_DETACHED_FROM)]) < len(
        attached[seed.HALF_FINISHED_DETACHED_FROM]
    )
    guard = next(p for p in run.plan["plans"] if p["step"] == "guardrails")
    said = guard["notes"] + [f"{k['name']} {k['detail']}" for k in guard.get("kept", [])]
    assert guard["waiting"] is None and any(seed.HALF_FINISHED_OU in line for line in said)


# ------------------------------------------------------------------ the plan names what the user has


def users_own(run: Run) -> list[list[str]]:
    """Token sets naming each resource the founder made by hand in ``run.seed``."""
    detectors = [
        [run.management, HOME, k[3]]
        for k in run.before
        if k[:3] == ("detector", run.management, HOME)
    ]
    org = [["Prod"], ["Dev"], ["Prod App"], ["Dev App"], [seed.BROWNFIELD_SCP], *detectors]
    return {
        "brownfield-org": org,
        "brownfield-services": [
            *org,
            [seed.FOUNDER_TRAIL],
            [run.management, HOME, "recorder", seed.FOUNDER_RECORDER],
        ],
        "brownfield-iam": [
            ["Dev"],
            ["Dev App"],
            [f"IAM user {seed.FOUNDER_USER} "],
            [seed.FOUNDER_SECURITY_GROUP],
            [seed.FOUNDER_ALIAS],
        ],
        "half-finished": [[seed.HALF_FINISHED_OU]],
    }[run.seed]


NAMES_XFAIL: dict[tuple[str, str], str] = {}


def _name_cases():
    for name in SEEDS:
        for flow in FLOWS:
            reason = NAMES_XFAIL.get((name, flow))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, flow, id=f"{name}-{flow}", marks=marks)


@pytest.mark.parametrize(("name", "flow"), _name_cases())
def test_the_plan_names_everything_the_user_made(runs, name, flow):
    run = runs(name, flow)
    lines = run.plan_lines()
    assert [t for t in users_own(run) if not any(all(x in line for x in t) for line in lines)] == []


# ------------------------------------------------------------------ apply does what the plan says

DELIVERY_XFAIL: dict[tuple[str, str], str] = {}


def _delivery_cases():
    for name in SEEDS:
        for flow in FLOWS:
            reason = DELIVERY_XFAIL.get((name, flow))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, flow, id=f"{name}-{flow}", marks=marks)


@pytest.mark.parametrize(("name", "flow"), _delivery_cases())
def test_config_delivers_where_the_plan_said(runs, name, flow):
    run = runs(name, flow)
    ids = run.raw_after["org"]["ids"]

    def created(text: str) -> str:
        """The up-front plan's placeholders (<Log Archive, to be created>) as the ids apply gave them."""
        return re.sub(
            r"<([^<>,]+), to be created>", lambda m: ids.get(m.group(1), m.group(0)), text or ""
        )

    planned = {}
    for plan in run.plan["plans"]:
        for c in plan["changes"]:
            buckets = re.findall(
                r"(?:s3://|s3BucketName \S+ → )([a-z0-9.-]+)", created(c["detail"])
            )
            if "Config recorder" in c["resource"] and buckets:
                planned[(created(c["account"]), c["region"])] = buckets[-1]
    assert (run.management, HOME) in planned, "no plan line for the management account's recorder"
    raw = {
        (a, r): sorted(regional["channels"].values())
        for a, found in run.raw_after["accounts"].items()
        for r, regional in found["regions"].items()
    }
    assert {k: raw[k] for k in planned if raw[k] != [planned[k]]} == {}


# ------------------------------------------------------------------ the seeds hold what docs/sandbox.md says


def _seed_facts(run: Run) -> dict[str, bool]:
    had, mgmt = run.before, run.management
    detectors = [v for k, v in had.items() if k[:3] == ("detector", mgmt, HOME)]
    org = {
        "own OUs": {("ou", "Prod"), ("ou", "Dev")} <= set(had),
        "own SCP on Dev": seed.BROWNFIELD_SCP in had[("ou", "Dev")]
        if ("ou", "Dev") in had
        else False,
        "disabled detector": detectors == ["DISABLED"],
        "mixed password policy": had.get(("password-policy", mgmt), {}).get("MaxPasswordAge") == 30,
    }
    if run.seed == "brownfield-org":
        return org
    if run.seed == "brownfield-services":
        recorder = had.get(("recorder", mgmt, HOME, seed.FOUNDER_RECORDER), {})
        trail = had.get(("trail", seed.FOUNDER_TRAIL), {})
        return {
            **org,
            "own trail": trail.get("multi_region") is False and trail.get("logging") is True,
            "EC2-only stopped recorder": recorder.get("group", {}).get("resourceTypes")
            == seed.FOUNDER_RECORDED_TYPES
            and recorder.get("recording") is False,
            "own channel": had.get(("channel", mgmt, HOME, "default"))
            == seed.founder_config_bucket(mgmt),
        }
    if run.seed == "brownfield-iam":
        dev_app = next(a for a, n in run.names.items() if n == "Dev App")
        groups = [v["groups"] for k, v in had.items() if k[:3] == ("vpc", dev_app, HOME)]
        return {
            "admin user": had.get(("iam-user", mgmt, seed.FOUNDER_USER))
            == {"active_keys": 1, "console": True},
            "mixed password policy": had.get(("password-policy", mgmt), {}).get(
                "PasswordReusePrevention"
            )
            == 5,
            "custom security group": groups == [[seed.FOUNDER_SECURITY_GROUP]],
            "account alias": had.get(("alias", mgmt)) == seed.FOUNDER_ALIAS,
        }
    workloads, sandbox_ou = had[("ou", seed.HALF_FINISHED_DETACHED_FROM)], had[("ou", "Sandbox")]
    return {
        "extra OU": had.get(("ou", seed.HALF_FINISHED_OU)) == ["FullAWSAccess"],
        "one guardrail detached": len(workloads) == len(sandbox_ou) - 1,
        "organization trail": any(v["organization"] for k, v in had.items() if k[0] == "trail"),
        "security services not applied": not detectors,
    }


@pytest.mark.parametrize("name", SEEDS)
def test_the_seed_holds_what_the_docs_say(runs, name):
    facts = _seed_facts(runs(name))
    assert [fact for fact, holds in facts.items() if not holds] == []
