"""Organization trusted access and account adoption against the sandbox over real HTTP."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from tests.steps.engines import apply_all, make_engine
from tests.steps.sandboxes import sandbox_endpoint

from bootstrap_tui.errors import RefusedError

SELF_ENABLING = {
    "sso.amazonaws.com",
    "guardduty.amazonaws.com",
    "securityhub.amazonaws.com",
    "controltower.amazonaws.com",
    "member.org.stacksets.cloudformation.amazonaws.com",
}


@pytest.fixture(scope="module")
def engine():
    with sandbox_endpoint() as box:
        state = Path(tempfile.mkdtemp(prefix="bt-adopt-")) / "state.yaml"
        eng = make_engine(box.endpoint, state)
        try:
            apply_all(eng, upto="organization")
            yield eng
        finally:
            eng.close()


def _enabled(engine) -> set[str]:
    org = engine.client("organizations")
    return {
        s["ServicePrincipal"]
        for s in org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    }


def test_organization_enables_only_the_trusted_access_the_tool_needs(engine):
    enabled = _enabled(engine)
    assert {
        "cloudtrail.amazonaws.com",
        "config.amazonaws.com",
        "access-analyzer.amazonaws.com",
        "account.amazonaws.com",
        "iam.amazonaws.com",
    } <= enabled
    assert not enabled & SELF_ENABLING


def _create_by_hand(engine, name: str, email: str) -> str:
    org = engine.client("organizations")
    request = org.create_account(AccountName=name, Email=email)["CreateAccountStatus"]["Id"]
    for _ in range(200):
        status = org.describe_create_account_status(CreateAccountRequestId=request)[
            "CreateAccountStatus"
        ]
        if status["State"] != "IN_PROGRESS":
            break
        time.sleep(0.05)
    assert status["State"] == "SUCCEEDED"
    return status["AccountId"]


def test_same_name_other_email_is_not_adopted_without_confirmation(engine):
    stranger = _create_by_hand(engine, "Log Archive", "someone-else@example.org")
    plan = engine.plan("accounts")
    rows = [c for c in plan.changes if c.name == "Log Archive"]
    assert [c.action for c in rows] == ["resolve"]
    assert stranger in rows[0].detail and f"log-archive_adopt: {stranger}" in rows[0].detail
    with pytest.raises(RefusedError, match="log-archive_adopt"):
        engine.apply("accounts", plan)
    engine.set_answers("accounts", {"log-archive_adopt": stranger})
    plan = engine.plan("accounts")
    assert not [
        c for c in plan.changes if c.name == "Log Archive" and c.action in ("resolve", "create")
    ]
    assert any(stranger in note and "log-archive_adopt" in note for note in plan.notes)
