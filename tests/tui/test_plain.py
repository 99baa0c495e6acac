"""Plain mode driven through questionary's test input (prompt_toolkit pipe input)."""

from __future__ import annotations

import io

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from bootstrap_tui.engine import Options
from bootstrap_tui.plain import run_plain, validator
from tests.tui.fakes import Cloud, FakeEngine

ENTER = "\r"
WIPE = "\x7f" * 40  # backspaces over a pre-filled default


def _run(keys: str, state_file, cloud: Cloud) -> tuple[int, str]:
    out = io.StringIO()
    options = Options(state_file=state_file)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        code = run_plain(
            options,
            sandbox=True,
            input=pipe,
            output=DummyOutput(),
            out=out,
            engine_factory=lambda o: FakeEngine.connected(o, cloud),
        )
    return code, out.getvalue()


def _status(state_file) -> dict[str, str]:
    from bootstrap_tui.state import read_state_file

    return {k: v["status"] for k, v in read_state_file(state_file)["steps"].items()}


def test_plain_mode_walks_every_step_to_verified(tmp_path):
    cloud = Cloud()
    state_file = tmp_path / "state.yaml"
    keys = (
        ENTER  # management-account: set up
        + WIPE
        + "Bad Alias"
        + ENTER  # rejected by Field.parse
        + WIPE
        + "acme-prod"
        + ENTER  # accepted
        + ENTER  # email: demo default
        + ENTER  # apply 1 change? yes
        + ENTER
        + ENTER  # root-mfa: set up; simulate (sandbox)
        + ENTER
        + ENTER  # organization: set up; apply? yes
        + ENTER
        + ENTER
        + "delete"
        + ENTER  # guardrails: destructive, typed word
    )
    code, out = _run(keys, state_file, cloud)
    assert code == 0, out
    assert _status(state_file) == {
        "management-account": "verified",
        "root-mfa": "verified",
        "organization": "verified",
        "guardrails": "verified",
    }
    assert cloud.alias == "acme-prod" and cloud.default_vpcs == 0 and cloud.root_mfa
    assert "Progress: 4/4 verified" in out
    assert "! delete default vpc 'vpc-0'" in out
    assert "creating the organization: SUCCEEDED" in out


def test_plain_mode_quit_keeps_progress_and_resumes(tmp_path):
    cloud = Cloud()
    state_file = tmp_path / "state.yaml"
    down = "\x1b[B"
    code, out = _run(ENTER + ENTER + ENTER + ENTER + down + down + ENTER, state_file, cloud)
    assert code == 0
    assert _status(state_file) == {"management-account": "verified"}
    # second run: step 1 is done; skip root-mfa, then quit
    code, out = _run(down + ENTER + down + down + ENTER, state_file, cloud)
    assert code == 0
    assert "[1/4] Management account: verified" in out
    assert "Progress: 1/4 verified" in out


def test_plain_mode_asks_once_who_attests(tmp_path):
    cloud = Cloud()
    state_file = tmp_path / "state.yaml"
    down = "\x1b[B"
    keys = (
        ENTER
        + ENTER
        + ENTER
        + ENTER  # management-account, as above
        + ENTER
        + "n"
        + "y"  # root-mfa: no simulation; done by hand
        + ENTER  # an empty name is refused
        + "Jane Doe, CTO"
        + ENTER  # who attests
        + down
        + down
        + ENTER
    )  # organization: quit
    code, out = _run(keys, state_file, cloud)
    assert code == 0, out
    from bootstrap_tui.state import read_state_file

    saved = read_state_file(state_file)
    assert saved["attested_by"] == "Jane Doe, CTO"
    assert saved["attestations"]["root.mfa-device"]["person"] == "Jane Doe, CTO"


def test_plain_mode_refuses_destructive_without_the_word(tmp_path):
    cloud = Cloud(op_polls=1)
    cloud.alias, cloud.org = "acme-management", "o-1"
    state_file = tmp_path / "state.yaml"
    down = "\x1b[B"
    keys = (
        ENTER
        + ENTER
        + ENTER  # management-account: converged, no question
        + down
        + ENTER  # skip root-mfa
        + ENTER  # organization: converged, applied
        + ENTER
        + ENTER
        + "nope"
        + ENTER
    )  # guardrails: wrong word
    code, out = _run(keys, state_file, cloud)
    assert code == 0, out
    assert "not confirmed; nothing was changed" in out
    assert cloud.default_vpcs == 2
    assert _status(state_file)["organization"] == "verified"
    assert "root-mfa" not in _status(state_file)


def test_plain_mode_interrupted_input_exits_130(tmp_path):
    code, out = _run("\x03", tmp_path / "state.yaml", Cloud())  # ctrl-c at the first prompt
    assert code == 130


def test_validator_reports_the_fields_problem():
    from bootstrap_tui.model import Field

    check = validator(Field("email", "Email", kind="email"))
    assert check("founder@example.com") is True
    assert "not an email address" in check("nope")
    assert check("") == "a value is required"


@pytest.mark.parametrize("bad", ["", "   "])
def test_validator_required(bad):
    from bootstrap_tui.model import Field

    assert validator(Field("alias", "Alias", kind="alias"))(bad) == "a value is required"
