"""A corrupt or unsaved evidence file is said out loud (issue 16, item 4): export writes every
format with a warning and exits 5, verify moves the unusable file aside for inspection, and a
failed evidence save is a warning and exit 5, not only a line in the log file."""

from __future__ import annotations

import json

import pytest

from bootstrap_tui.errors import EXIT_EVIDENCE, EXIT_OK
from bootstrap_tui.report.evidence import evidence_path

from conftest import isolated_env, read_state, reset_sandbox, run_cli

FORMATS = ("md", "csv", "json", "html")


@pytest.fixture(scope="module")
def verified(sandbox, tmp_path_factory):
    """A compliant organization verified once: state file and evidence file on disk."""
    reset_sandbox(sandbox, seed="compliant", accounts=1)
    home = tmp_path_factory.mktemp("evidence")
    env = isolated_env(home, sandbox.endpoint)
    state = home / "state.yaml"
    result = run_cli("--state-file", str(state), "verify", "--soft-fail", env=env)
    assert result.returncode == EXIT_OK, result.stderr[-2000:]
    assert json.loads(evidence_path(state).read_text())["checks"]
    return env, state


def _fresh_copy(verified, tmp_path):
    """The verified state and evidence, copied so each test changes only its own."""
    env, state = verified
    copy = tmp_path / "state.yaml"
    copy.write_bytes(state.read_bytes())
    evidence_path(copy).write_bytes(evidence_path(state).read_bytes())
    return env, copy


def _export(env, state, fmt):
    return run_cli("--state-file", str(state), "export", "--format", fmt, env=env)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_with_a_cut_evidence_file_warns_in_every_format_and_exits_5(verified, tmp_path, fmt):
    env, state = _fresh_copy(verified, tmp_path)
    good = _export(env, state, fmt)
    assert good.returncode == EXIT_OK and "Warning" not in good.stdout, good.stderr
    evidence = evidence_path(state)
    cut = evidence.read_bytes()[: evidence.stat().st_size // 2]
    evidence.write_bytes(cut)

    result = _export(env, state, fmt)

    assert result.returncode == EXIT_EVIDENCE, result.stderr
    assert (
        f"bootstrap-tui: warning: the evidence file {evidence} is unusable (it is not valid "
        "JSON (cut short or edited?)" in result.stderr
    )
    assert "Traceback" not in result.stderr
    said = {
        "md": "> **Warning: the evidence file",
        "csv": "warning,,,,,,,WARNING,",
        "html": '<p class="evidence-warning" role="alert"><strong>Warning: the evidence file',
        "json": None,
    }[fmt]
    if fmt == "json":
        warnings = json.loads(result.stdout)["warnings"]
        assert len(warnings) == 1 and warnings[0].startswith(
            f"the evidence file {evidence} is unusable"
        )
    else:
        assert said in result.stdout
    assert evidence.read_bytes() == cut  # left in place for inspection


def test_verify_moves_the_unusable_file_aside_and_starts_a_new_one(verified, tmp_path):
    env, state = _fresh_copy(verified, tmp_path)
    evidence = evidence_path(state)
    evidence.write_text('{"schema_version": 1, "kind": "bootstrap-tui/latest-evidence", "che')

    result = run_cli("--state-file", str(state), "verify", "--soft-fail", env=env)

    assert result.returncode == EXIT_OK, result.stderr[-2000:]
    aside = list(tmp_path.glob(f"{evidence.name}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text().endswith('"che')
    assert oct(aside[0].stat().st_mode & 0o777) == "0o600"
    assert (
        f"bootstrap-tui: note: the evidence file was unusable; it was moved aside to "
        f"{aside[0]} for inspection" in result.stderr
    )
    assert json.loads(evidence.read_text())["checks"]
    again = _export(env, state, "md")
    assert again.returncode == EXIT_OK and "Warning" not in again.stdout, again.stderr


def test_a_failed_evidence_save_is_a_warning_exit_5_and_recorded_for_export(verified, tmp_path):
    env, state = _fresh_copy(verified, tmp_path)
    evidence = evidence_path(state)
    evidence.unlink()
    evidence.symlink_to(tmp_path / "no-such-folder" / "evidence.json")  # cannot be written

    # every check of this step passes, so only the lost evidence can make the exit code
    result = run_cli("--state-file", str(state), "verify", "--step", "organization", env=env)

    assert result.returncode == EXIT_EVIDENCE, result.stderr[-2000:]
    why = f"cannot write {evidence}: directory {tmp_path / 'no-such-folder'} does not exist"
    assert (
        f"bootstrap-tui: warning: the evidence of this run was not saved: {why}\n" in result.stderr
    )
    last = read_state(state)["evidence_history"][-1]
    assert last["evidence_error"] == why
    exported = _export(env, state, "md")
    assert exported.returncode == EXIT_EVIDENCE
    assert (
        f"> **Warning: the evidence of the last verify ({last['at']}) could not be saved"
        in exported.stdout
    )
