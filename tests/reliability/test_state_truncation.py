"""A state file cut short anywhere is refused, never loaded with data missing (issue 16,
item 5). The sweep prints its figures; run with `-s` to see them."""

from __future__ import annotations

import pytest

from bootstrap_tui.errors import StateError
from bootstrap_tui.state import END_MARKER, SCHEMA_VERSION, StateStore, read_state_file

from conftest import APPLY, error_lines, isolated_env, reset_sandbox, run_cli

pytestmark = pytest.mark.slow
STEPS = ("management-account", "root-mfa", "organization", "accounts")


@pytest.fixture(scope="module")
def real_state(sandbox, tmp_path_factory):
    """(state file, its bytes, env) after a real apply of the first four steps."""
    reset_sandbox(sandbox)
    home = tmp_path_factory.mktemp("truncation")
    state = home / "state.yaml"
    env = isolated_env(home, sandbox.endpoint)
    args = [arg for step in STEPS for arg in ("--step", step)]
    result = run_cli("--state-file", str(state), *APPLY, *args, env=env)
    assert result.returncode == 0, result.stderr
    return state, state.read_bytes(), env


def test_every_truncation_point_is_refused(real_state, tmp_path):
    _, raw, _ = real_state
    assert read_state_file_bytes(tmp_path, raw)["steps"]["accounts"]["status"] == "applied"
    silent = []
    for cut in range(len(raw)):
        try:
            read_state_file_bytes(tmp_path, raw[:cut])
        except StateError as exc:
            assert str(tmp_path / "state.yaml") in exc.message
        else:
            silent.append(cut)
    legacy = unmarked_schema_1(raw)
    silent_legacy = 0
    for cut in range(len(legacy)):
        try:
            read_state_file_bytes(tmp_path, legacy[:cut])
            silent_legacy += 1
        except StateError:
            pass
    print(
        f"\ntruncation sweep: {len(raw)} points, {len(silent)} silent loads; the same file "
        f"as schema 1 without the marker (as older versions wrote it): {len(legacy)} points, "
        f"{silent_legacy} silent loads"
    )
    assert silent == []
    assert silent_legacy > 0  # the sweep does find what the marker now refuses


def unmarked_schema_1(raw: bytes) -> bytes:
    text = raw.decode()
    assert text.startswith(f"schema_version: {SCHEMA_VERSION}\n") and text.endswith(END_MARKER)
    return (
        "schema_version: 1\n" + text[len(f"schema_version: {SCHEMA_VERSION}\n") : -len(END_MARKER)]
    ).encode()


def read_state_file_bytes(tmp_path, raw: bytes):
    path = tmp_path / "state.yaml"
    path.write_bytes(raw)
    return read_state_file(path)


def test_truncated_state_is_refused_naming_the_backup_and_left_untouched(real_state, tmp_path):
    state, raw, env = real_state
    assert state.with_name("state.yaml.bak").is_file()  # every save keeps the previous one
    cut = raw[: len(raw) * 2 // 3]
    state.write_bytes(cut)
    try:
        result = run_cli("--state-file", str(state), "status", env=env)
        assert result.returncode == 2, result.stderr
        lines = error_lines(result.stderr)
        assert lines[0] == (
            f"bootstrap-tui: state file {state} is incomplete: it was cut "
            "short (its end marker line is missing)"
        )
        assert f"cp {state}.bak {state}" in lines[1]
        assert state.read_bytes() == cut
        restored = state.with_name("state.yaml.bak").read_bytes()
        assert restored.endswith(END_MARKER.encode())
        assert read_state_file_bytes(tmp_path, restored)["schema_version"] == SCHEMA_VERSION
    finally:
        state.write_bytes(raw)


def test_an_older_unmarked_state_file_loads_once_and_is_rewritten_marked(tmp_path):
    path = tmp_path / "state.yaml"
    legacy = "schema_version: 1\nmanagement_account_id: '123456789012'\nsteps: {}\n"
    path.write_text(legacy)
    with StateStore(path) as store:
        assert store.data["management_account_id"] == "123456789012"
        store.save()
    text = path.read_text()
    assert text.startswith(f"schema_version: {SCHEMA_VERSION}\n") and text.endswith(END_MARKER)
    assert (tmp_path / "state.yaml.bak").read_text() == legacy
    path.write_text(text[: -len(END_MARKER)])
    with pytest.raises(StateError, match="is incomplete"):
        read_state_file(path)
