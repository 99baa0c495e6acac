"""Engine bookkeeping without AWS: answers, stale dependants, refusals before anything is sent."""

from __future__ import annotations

import pytest

from bootstrap_tui.aws import Identity
from bootstrap_tui.engine import Engine, Options, retry_settings
from bootstrap_tui.errors import ConfigError, RefusedError, ValidationError
from bootstrap_tui.model import Plan
from bootstrap_tui.state import StateStore, read_state_file


@pytest.fixture
def engine(tmp_path):
    """An engine on a real state file and an IAM user's identity, not connected to AWS (these
    paths never call it)."""
    made = Engine(Options(state_file=tmp_path / "state.yaml"))
    made.state = StateStore(tmp_path / "state.yaml").open()
    made.identity = Identity("123456789012", "arn:aws:iam::123456789012:user/admin", "AIDAEXAMPLE")
    yield made
    made.close()


def test_changed_answers_mark_applied_dependants_stale(engine):
    for sid in ("management-account", "root-mfa", "organization", "accounts", "guardrails"):
        engine.state.set_status(sid, "applied")
    engine.state.set_status("log-archive", "verified")
    engine.state.set_status("identity-center", "failed")

    engine.set_answers("organization", {"governed_regions": "us-east-1, eu-west-1"})

    status = {sid: engine.state.status(sid) for sid in engine.by_id}
    assert status["accounts"] == status["guardrails"] == status["log-archive"] == "stale"
    assert status["security-services"] == "pending"  # never applied: nothing to go stale
    assert status["identity-center"] == "failed"  # failed stays failed
    assert status["management-account"] == status["root-mfa"] == "applied"  # not dependants
    on_disk = read_state_file(engine.state.path)
    assert on_disk["steps"]["guardrails"]["status"] == "stale"
    assert on_disk["steps"]["organization"]["answers"]["governed_regions"] == [
        "us-east-1",
        "eu-west-1",
    ]
    assert engine.governed_regions == ["us-east-1", "eu-west-1"]


def test_unchanged_answers_leave_statuses_alone(engine):
    engine.set_answers("organization", {"governed_regions": ["us-east-1", "eu-west-1"]})
    engine.state.set_status("accounts", "verified")
    engine.set_answers("organization", {"governed_regions": "us-east-1,eu-west-1"})
    assert engine.state.status("accounts") == "verified"


def test_invalid_answer_names_step_and_field_and_stores_nothing(engine):
    engine.state.set_status("accounts", "applied")
    with pytest.raises(ValidationError) as caught:
        engine.set_answers("organization", {"governed_regions": ["us-east-1", "moon-1"]})
    assert str(caught.value).startswith(
        "organization: governed_regions: 'moon-1' is not an AWS region"
    )
    assert engine.state.answers("organization") == {}
    assert engine.state.status("accounts") == "applied"


def test_apply_refuses_the_root_user_before_anything_happens(engine):
    engine.identity = Identity("123456789012", "arn:aws:iam::123456789012:root", "123456789012")
    with pytest.raises(RefusedError) as caught:
        engine.apply("management-account", Plan("management-account"))
    assert "root user of account 123456789012" in caught.value.message
    assert "bootstrap IAM user" in caught.value.hint
    assert engine.state.status("management-account") == "pending"


def test_apply_refuses_a_step_whose_requirements_are_not_done(engine):
    engine.state.set_status("management-account", "applied")
    with pytest.raises(RefusedError) as caught:
        engine.apply("accounts", Plan("accounts"))
    assert "step accounts needs organization first" in caught.value.message
    assert "apply --step organization" in caught.value.hint
    assert engine.state.status("accounts") == "pending"


def test_retry_settings_default_env_and_explicit(monkeypatch):
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    assert retry_settings(None, None) == (15, "standard")  # measured: docs/reliability.md
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("AWS_RETRY_MODE", "Standard")
    assert retry_settings(None, None) == (3, "standard")
    assert retry_settings(8, "adaptive") == (8, "adaptive")


@pytest.mark.parametrize(
    "attempts,mode,needle",
    [
        ("many", None, "AWS_MAX_ATTEMPTS='many' is not a whole number"),
        ("0", None, "max attempts must be at least 1, got 0"),
        (None, "turbo", "retry mode 'turbo' is not one of adaptive, standard, legacy"),
    ],
)
def test_bad_retry_settings_are_config_errors(monkeypatch, attempts, mode, needle):
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    if attempts is not None:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", attempts)
    if mode is not None:
        monkeypatch.setenv("AWS_RETRY_MODE", mode)
    with pytest.raises(ConfigError, match=needle):
        retry_settings(None, None)


def test_a_step_with_hundreds_of_fields_builds_them_once_per_answers(tmp_path, monkeypatch):
    """The accounts step has three fields per account: at 200 accounts, looking each field up
    in a fresh list made one answers() call cost 0.7 s, and a plan calls it once per account."""
    from bootstrap_tui.sandbox.seeds import write_seed_profile

    profile = write_seed_profile(tmp_path, 200)
    made = Engine(Options(state_file=tmp_path / "state.yaml", profile=profile))
    step = made.by_id["accounts"]
    built = []
    fields = type(step).fields
    monkeypatch.setattr(type(step), "fields", lambda self, p: built.append(1) or fields(self, p))
    answers = made.answers("accounts")
    assert answers["workload-200_name"] == "Workload 200"
    assert len(built) == 1


def test_a_verify_s_memoized_answers_never_hide_answers_saved_beside_it(engine):
    """The wizard saves and plans one step while it verifies another (issue 19): answers the
    verify memoized are its own, so the founder's new answers are read at once elsewhere."""
    import threading

    engine.set_answers("organization", {"governed_regions": "us-east-1"})
    memoized, release = threading.Event(), threading.Event()
    seen_in_verify: list = []

    def verify() -> None:
        with engine._answers_memoized():
            seen_in_verify.append(engine.answers("organization")["governed_regions"])
            memoized.set()
            release.wait(10)
            seen_in_verify.append(engine.answers("organization")["governed_regions"])

    thread = threading.Thread(target=verify)
    thread.start()
    try:
        assert memoized.wait(10)
        engine.set_answers("organization", {"governed_regions": "us-east-1, eu-west-1"})
        assert engine.answers("organization")["governed_regions"] == ["us-east-1", "eu-west-1"]
    finally:
        release.set()
        thread.join(10)
    assert seen_in_verify == [["us-east-1"], ["us-east-1"]]  # one verify, one set of answers
