"""Seeds and constructor options."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from bootstrap_tui.sandbox import Sandbox
from bootstrap_tui.sandbox.testing import client

from .helpers import control


def test_compliant_and_drifted_seeds(sandbox: Sandbox) -> None:
    started = time.perf_counter()
    status, info = control(sandbox.endpoint, "/_sandbox/reset", {"seed": "compliant", "accounts": 2})
    print(f"compliant seed with 2 workload accounts: {time.perf_counter() - started:.2f}s")
    assert status == 200 and info["seed"] == "compliant"
    names = {a.get("name") for a in info["accounts"]}
    assert {"Log Archive", "Audit", "Workload 1", "Workload 2"} <= names
    assert all(a["root"]["mfa"] for a in info["accounts"])
    org = client(sandbox, "organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    top = {ou["Name"] for ou in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]}
    assert {"Security", "Infrastructure", "Workloads", "Sandbox", "Suspended"} <= top
    tower = client(sandbox, "controltower")
    zone = tower.list_landing_zones()["landingZones"][0]["arn"]
    assert tower.get_landing_zone(landingZoneIdentifier=zone)["landingZone"]["status"] == "ACTIVE"
    assert client(sandbox, "iam").get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1

    status, info = control(sandbox.endpoint, "/_sandbox/reset", {"seed": "drifted", "accounts": 0})
    assert status == 200
    management = next(a for a in info["accounts"] if a["management"])
    assert management["root"] == {"account": management["id"], "mfa": False, "access_keys": True,
                                  "password_last_used": None}
    assert client(sandbox, "guardduty", region="us-west-2").list_detectors()["DetectorIds"] == []


def test_constructor_latency_and_faults(exclusive: None) -> None:
    with Sandbox(latency_ms=50, faults="deny=sts:GetCallerIdentity", op_delay_s=0.3) as sandbox:
        sts = client(sandbox, "sts")
        started = time.perf_counter()
        with pytest.raises(ClientError) as info:
            sts.get_caller_identity()
        assert time.perf_counter() - started >= 0.04
        assert info.value.response["Error"]["Code"] == "AccessDenied"
        assert "arn:aws:sts::123456789012:user/moto" in info.value.response["Error"]["Message"]


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="seed"):
        Sandbox(seed="nope")
    with pytest.raises(ValueError, match="throttle"):
        Sandbox(faults="throttle=abc")
