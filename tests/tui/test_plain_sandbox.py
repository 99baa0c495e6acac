"""Plain mode on the real sandbox, through questionary's pipe input (issue 15, Low): a field
the plan finds invalid is asked again alone, not with every field of the step."""

from __future__ import annotations

import io

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.plain import PlainWizard

ENTER = "\r"
WIPE = "\x7f" * 60  # backspaces over a pre-filled default


@pytest.fixture
def sandbox(monkeypatch):
    from bootstrap_tui.sandbox.testing import running_sandbox

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with running_sandbox(seed="fresh", op_delay_s=0.05) as box:
        yield box


def test_plain_mode_asks_only_the_field_the_plan_rejects(sandbox, tmp_path):
    engine = Engine(
        Options(
            endpoint_url=sandbox.endpoint, state_file=tmp_path / "state.yaml", simulate_console=True
        )
    )
    engine.connect()
    try:
        for sid in ("management-account", "root-mfa", "organization"):
            engine.apply(sid)
        keys = (
            WIPE
            + "log@acme.test"
            + ENTER
            + ENTER
            + ENTER  # Log Archive: email, name, adopt
            + WIPE
            + "log@acme.test"
            + ENTER
            + ENTER
            + ENTER  # Audit: the same email
            + ENTER * 6  # Production, Staging: defaults
            + WIPE
            + "audit@acme.test"
            + ENTER  # asked again: only Audit's email
            + "n"
        )  # apply? no
        out = io.StringIO()
        with create_pipe_input() as pipe:
            pipe.send_text(keys)
            wizard = PlainWizard(engine, sandbox=True, input=pipe, output=DummyOutput(), out=out)
            wizard.do_step(engine.by_id["accounts"])
        text = out.getvalue()
        assert "✘ Audit: root email: log@acme.test is also the email of account" in text, text
        assert "not applied; nothing was changed" in text
        answers = engine.answers("accounts")
        assert answers["log-archive_email"] == "log@acme.test"
        assert answers["audit_email"] == "audit@acme.test"
    finally:
        engine.close()
