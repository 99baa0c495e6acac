"""Bad values that used to end in "unexpected error … this is a bug" (exit 70), or were
accepted silently, get a one-line message and exit 2 (issue 16, items 8, 9 and 13)."""

from __future__ import annotations

import os

import pytest

from bootstrap_tui.errors import StateError, ValidationError
from bootstrap_tui.model import Field
from bootstrap_tui.state import StateStore

from conftest import error_lines, isolated_env, reset_sandbox, run_cli

USAGE = [
    (
        ["--state-file", "", "status"],
        "argument --state-file: expected a file path, got an empty value",
    ),
    (
        ["--profile-file", "", "status"],
        "argument --profile-file: expected a value, got an empty one",
    ),
    (["--aws-profile", "", "status"], "argument --aws-profile: expected a value, got an empty one"),
    (["--state-file", "{home}", "status"], "is a directory; give a file path"),
    (
        ["apply", "--yes", "--confirm-destructive", "nope"],
        "--confirm-destructive: unknown step 'nope'",
    ),
    (
        ["--endpoint-url", "http://127.0.0.1:PORT", "status"],  # the README's old placeholder
        "argument --endpoint-url: expected an http(s):// URL with a host, got 'http://127.0.0.1:PORT'",
    ),
]


@pytest.mark.parametrize("args, needle", USAGE, ids=[" ".join(a) for a, _ in USAGE])
def test_usage_errors_exit_2_before_any_aws_call(tmp_path, args, needle):
    env = isolated_env(tmp_path, "http://127.0.0.1:9")  # nothing listens: no call may be made
    result = run_cli(*[a.format(home=tmp_path) for a in args], env=env)
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert "unexpected error" not in result.stderr


def test_endpoint_that_is_not_a_url_is_a_usage_error(tmp_path):
    env = isolated_env(tmp_path, "not a url")
    result = run_cli("status", env=env)
    assert result.returncode == 2, result.stderr
    assert error_lines(result.stderr)[0] == (
        "bootstrap-tui: AWS_ENDPOINT_URL: expected an http(s):// URL with a host, got 'not a url'"
    )


def test_an_endpoint_with_a_placeholder_port_is_a_usage_error(tmp_path):
    result = run_cli("status", env=isolated_env(tmp_path, "http://127.0.0.1:PORT"))
    assert result.returncode == 2, result.stderr
    assert error_lines(result.stderr)[0] == (
        "bootstrap-tui: AWS_ENDPOINT_URL: expected an http(s):// URL with a host, got "
        "'http://127.0.0.1:PORT'"
    )
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "where", ["/proc/self/state.yaml", "/proc/nonexistent/dir/state.yaml", "lock on /dev/full"]
)
def test_unusable_state_locations_are_one_line_errors(sandbox, tmp_path, where):
    reset_sandbox(sandbox)
    state = tmp_path / "state.yaml"
    if where == "lock on /dev/full":  # a full disk while the lock file is written
        (tmp_path / "state.yaml.lock").symlink_to("/dev/full")
    else:
        state = where
    # apply changes things, so it locks the state file (status only reads: it takes no lock)
    result = run_cli(
        "--state-file",
        str(state),
        "apply",
        "--yes",
        "--step",
        "management-account",
        env=isolated_env(tmp_path, sandbox.endpoint),
    )
    assert result.returncode == 2, result.stderr
    lines = error_lines(result.stderr)
    assert lines[0].startswith(f"bootstrap-tui: cannot lock the state file: {state}.lock: "), lines
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "raw", ["ada\nroot", "ada\rroot", "ada\troot", "ada\x85root", "ada\u2028root", "ada\x00"]
)
@pytest.mark.parametrize("kind", ["name", "email", "text"])
def test_names_and_emails_refuse_control_characters(kind, raw):
    value = raw.replace("ada", "ada@example.com") if kind == "email" else raw
    with pytest.raises(ValidationError, match="contains control characters"):
        Field("admin_user_name", "user", kind=kind).parse(value)


def test_surrounding_whitespace_is_trimmed():
    assert Field("admin_user_name", "user", kind="name").parse("  ada  ") == "ada"
    assert (
        Field("admin_email", "email", kind="email").parse(" ada@example.com\n") == "ada@example.com"
    )


def test_a_dangling_symlinked_state_file_creates_no_folders(tmp_path):
    target = tmp_path / "missing" / "deeper" / "state.yaml"
    link = tmp_path / "state.yaml"
    link.symlink_to(target)
    with StateStore(link) as store:
        with pytest.raises(
            StateError, match=f"cannot save the state file {link} \\(a symlink to {target}\\)"
        ):
            store.save()
    assert not (tmp_path / "missing").exists()


def test_deleting_the_lock_file_does_not_let_a_second_run_in(tmp_path):
    path = tmp_path / "state.yaml"
    with StateStore(path) as first:
        first.save()
        os.unlink(tmp_path / "state.yaml.lock")
        with pytest.raises(
            StateError, match="lock file .* is missing and another bootstrap-tui run is using"
        ):
            StateStore(path).open()
        first.save()
    with StateStore(path) as again:  # alone, the missing lock file is simply re-created
        assert again.exists
    assert (tmp_path / "state.yaml.lock").exists()


@pytest.mark.parametrize(
    "args, hint",
    [
        (["stauts"], "did you mean 'status'?"),
        (["exprot"], "did you mean 'export'?"),
        (["verify", "--format", "jsn"], "did you mean 'json'?"),
    ],
)
def test_a_mistyped_command_or_choice_gets_did_you_mean(tmp_path, args, hint):
    result = run_cli(*args, env=isolated_env(tmp_path, "http://127.0.0.1:9"))
    assert result.returncode == 2, result.stderr
    assert hint in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_choice_far_from_every_valid_one_gets_no_guess(tmp_path):
    result = run_cli("frobnicate", env=isolated_env(tmp_path, "http://127.0.0.1:9"))
    assert result.returncode == 2 and "did you mean" not in result.stderr, result.stderr
