"""The engine as steps and front ends get it: fully connected, or not at all (issue 17)."""

from __future__ import annotations

import pytest

from bootstrap_tui.context import StepContext
from bootstrap_tui.engine import Options, connect_engine
from bootstrap_tui.errors import ConfigError, RefusedError
from bootstrap_tui.model import Plan, Step
from bootstrap_tui.state import AccountLock, StateStore


@pytest.fixture
def creds(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


class CreatesSomething(Step):
    id = "first"
    title = "First"

    def plan(self, ctx: StepContext) -> Plan:
        plan = Plan(self.id)
        plan.add("create", "widget", "one")
        return plan


class RefusesUntilTheFirstIsApplied(Step):
    id = "second"
    title = "Second"
    requires = ("first",)

    def plan(self, ctx: StepContext) -> Plan:
        raise RefusedError("the widget does not exist yet", "apply the first step")


def test_connect_engine_returns_an_engine_with_every_connection_field_set(moto, creds, tmp_path):
    engine = connect_engine(Options(endpoint_url=moto, state_file=tmp_path / "state.yaml"))
    try:
        assert engine.identity.account_id == engine.management_account_id == "123456789012"
        assert engine.state.path == tmp_path / "state.yaml"
        assert engine.factory.client("sts").get_caller_identity()["Account"] == "123456789012"
        assert engine.context("organization").identity is engine.identity
    finally:
        engine.close()


def test_a_refused_connection_leaves_no_lock_behind(moto, creds, tmp_path):
    state = tmp_path / "state.yaml"
    state.write_text("schema_version: 1\nmanagement_account_id: '999988887777'\nsteps: {}\n")
    with pytest.raises(ConfigError) as caught:
        connect_engine(Options(endpoint_url=moto, state_file=state))
    assert "belongs to account 999988887777" in caught.value.message
    StateStore(state).open().close()
    lock = AccountLock("123456789012", state)
    lock.acquire()
    lock.release()


def test_before_connect_checks_the_offline_engine_and_nothing_is_opened(moto, creds, tmp_path):
    def refuse(engine):
        engine.step_ids(["no-such-step"])

    with pytest.raises(ConfigError) as caught:
        connect_engine(
            Options(endpoint_url=moto, state_file=tmp_path / "state.yaml"), before_connect=refuse
        )
    assert caught.value.message == "unknown step 'no-such-step'"
    assert not (tmp_path / "state.yaml").exists()


def test_plan_ahead_shows_a_step_that_refuses_as_waiting_for_the_earlier_one(moto, creds, tmp_path):
    engine = connect_engine(
        Options(endpoint_url=moto, state_file=tmp_path / "state.yaml"),
        steps=[CreatesSomething(), RefusesUntilTheFirstIsApplied()],
    )
    try:
        first, second = engine.plan_ahead(["first", "second"])
    finally:
        engine.close()
    assert [c.describe() for c in first.changes] and first.waiting is None
    assert second.waiting == (
        "planned in full once first is applied (the widget does not exist yet)"
    )
    assert not second.changes
