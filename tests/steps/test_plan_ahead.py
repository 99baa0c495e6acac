"""`plan` before anything is applied: every step is planned in full against what the earlier steps
will create (accounts still to be created appear as `<Name, to be created>`), nothing waits or exits 2,
and `apply --confirm-destructive` then makes no destructive change the plan did not list."""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_full_run import Cli, sandbox  # noqa: F401

pytestmark = pytest.mark.slow

PROFILES = ("startup-minimal", "soc2")


def sections(stdout: str) -> dict[str, str]:
    """Step id -> its header line's state and its body, from `plan`'s text output."""
    body = stdout.split("\nEstimated monthly total: ~$", 1)[0]
    parts = re.split(r"^([a-z-]+) \([^\n]*?\): ", body, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("profile", PROFILES)
def test_plan_on_a_fresh_account_shows_every_step(sandbox, tmp_path, profile):
    sandbox.reset(seed="fresh", accounts=0)
    planned = Cli(sandbox, profile, tmp_path)("plan")
    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr[-3000:]
    found = sections(planned.stdout)
    assert len(found) == 10, planned.stdout
    assert not [s for s, text in found.items() if text.startswith("waits")], planned.stdout
    assert "<Log Archive, to be created>" in found["security-services"], planned.stdout
    assert re.match(r"\d+ change\(s\)", found["guardrails"]), found["guardrails"][:300]


def _requests(sandbox, method: str = "GET") -> dict:
    request = urllib.request.Request(sandbox.endpoint + "/_sandbox/requests", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("seed", ("fresh", "brownfield-org"))
def test_plan_lists_every_change_then_apply_makes_only_those(sandbox, tmp_path, seed):
    sandbox.reset(seed=seed, accounts=0)
    cli = Cli(sandbox, "startup-minimal", tmp_path)
    text = cli("plan")
    assert text.returncode == 0, text.stdout[-3000:] + text.stderr[-3000:]
    found = sections(text.stdout)
    waiting = [s for s, body in found.items() if body.startswith("waits")]
    assert not waiting, text.stdout
    for step in ("log-archive", "guardrails", "security-services"):
        assert re.match(r"\d+ change\(s\)", found[step]), f"{step}: {found[step][:300]}"
    plans = {p["step"]: p for p in json.loads(cli("plan", "--format", "json").stdout)["plans"]}
    vpcs = [c for c in plans["guardrails"]["changes"] if c["resource"] == "default VPC"]
    new_accounts = {c["account"] for c in vpcs if c["account"].endswith(", to be created>")}
    assert new_accounts == {
        "<Log Archive, to be created>",
        "<Audit, to be created>",
        "<Production, to be created>",
        "<Staging, to be created>",
    }
    assert all(c["destructive"] for c in vpcs)
    deletes = [c for p in plans.values() for c in p["changes"] if c["destructive"]]
    _requests(sandbox, "DELETE")
    applied = cli.apply()
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]
    mutating = _requests(sandbox)["mutating"]
    assert mutating.get("ec2:DeleteVpc", 0) == len(vpcs)
    assert mutating.get("organizations:DeletePolicy", 0) == len(
        [c for c in deletes if c["resource"] == "SCP"]
    )


def test_a_founders_trail_is_kept_with_what_the_duplicate_costs(sandbox, tmp_path):
    from bootstrap_tui.costs import load_prices
    from bootstrap_tui.sandbox.testing import client

    sandbox.reset(seed="fresh", accounts=0)
    s3 = client(sandbox, "s3")
    s3.create_bucket(Bucket="founder-trail-logs")
    arn = "arn:aws:s3:::founder-trail-logs"
    s3.put_bucket_policy(
        Bucket="founder-trail-logs",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:GetBucketAcl",
                        "Resource": arn,
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"{arn}/AWSLogs/*",
                        "Condition": {
                            "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}
                        },
                    },
                ],
            }
        ),
    )
    client(sandbox, "cloudtrail").create_trail(
        Name="management-events", S3BucketName="founder-trail-logs"
    )
    planned = Cli(sandbox, "startup-minimal", tmp_path)(
        "plan", "--step", "log-archive", "--format", "json"
    )
    assert planned.returncode == 0, planned.stderr[-3000:]
    plan = json.loads(planned.stdout)["plans"][0]
    kept = [k for k in plan["kept"] if k["resource"] == "CloudTrail trail"]
    book = load_prices()
    cost = book.price("cloudtrail_extra_copy").cost(
        book.value("cloudtrail_events_per_account_region")
    )
    assert [k["name"] for k in kept] == ["management-events"]
    assert kept[0]["detail"].startswith(
        "single-region, your bucket s3://founder-trail-logs: management events "
        f"will be recorded twice, which costs about ${cost:,.2f}/month"
    )
    assert not [c for c in plan["changes"] if c["name"] == "management-events"]
    text = Cli(sandbox, "startup-minimal", tmp_path)("plan", "--step", "log-archive").stdout
    assert (
        "\n  = keeping CloudTrail trail 'management-events' [us-east-1] — single-region" in text
    ), text
