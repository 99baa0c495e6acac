"""`bootstrap-tui verify` end to end against the sandbox: terminal vs pipe, formats, exit
codes, -o, and checks that cannot run (AccessDenied in one account, a region not enabled)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from bootstrap_tui.cli import main

from .conftest import CLI, aim_at_sandbox, member_accounts, root_fixed

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs"
ANSI_COLOUR = "\x1b[1;31m"  # FAIL in bold red


def run_cli(args, env, timeout=180):
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout)


def run_in_ptys(args, env, timeout=180):
    """Run the CLI with stdout and stderr on two separate pseudo-terminals; return
    (exit code, stdout text, stderr text)."""
    out_master, out_slave = pty.openpty()
    err_master, err_slave = pty.openpty()
    proc = subprocess.Popen(
        [*CLI, *args], env=env, stdin=subprocess.DEVNULL, stdout=out_slave, stderr=err_slave
    )
    os.close(out_slave)
    os.close(err_slave)
    chunks = {out_master: b"", err_master: b""}
    open_fds = set(chunks)
    try:
        while open_fds:
            ready, _, _ = select.select(list(open_fds), [], [], timeout)
            if not ready:
                raise TimeoutError("CLI produced nothing for too long")
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the child closed its side
                    data = b""
                if data:
                    chunks[fd] += data
                else:
                    open_fds.discard(fd)
        code = proc.wait(timeout=timeout)
    finally:
        proc.kill() if proc.poll() is None else None
        os.close(out_master)
        os.close(err_master)
    return code, chunks[out_master].decode(), chunks[err_master].decode()


def test_piped_output_has_no_colour_and_stderr_stays_empty(cli_env, tmp_path):
    result = run_cli(
        ["--state-file", str(tmp_path / "s.yaml"), "verify", "--step", "root-mfa"], cli_env
    )
    assert result.returncode == 1, result.stderr  # drifted: root has keys and no MFA
    assert "\x1b" not in result.stdout
    assert result.stderr == "", "nothing extra on stderr when it is not a terminal"
    lines = result.stdout.splitlines()
    assert lines[0].startswith("bootstrap-tui verify — management account 123456789012")
    table = [line for line in lines if line.startswith(("FAIL", "PASS", "ERROR", "WARN", "MANUAL"))]
    assert table[0].startswith("FAIL") and not table[-1].startswith(("FAIL", "ERROR")), (
        "failures first"
    )
    assert "Remediation" in result.stdout
    assert lines[-1].startswith(f"{len(table)} checks: ")


def test_terminal_gets_colour_and_progress_and_no_color_is_honoured(cli_env, tmp_path):
    args = ["--state-file", str(tmp_path / "s.yaml"), "verify", "--step", "root-mfa"]
    code, out, err = run_in_ptys(args, cli_env)
    assert code == 1
    assert f"{ANSI_COLOUR}FAIL" in out and "\x1b[0m" in out
    assert "verifying…" in err and "checked" in err, "progress on a terminal's stderr"
    assert err.endswith("\r\x1b[K"), "the progress line is cleared at the end"

    code, out, err = run_in_ptys(args, {**cli_env, "NO_COLOR": "1"})
    assert code == 1
    assert "\x1b[" not in out, "NO_COLOR: no escape sequence in the report"
    assert "FAIL" in out and "root.no-access-keys" in out

    code, out, _ = run_in_ptys([*args, "-o", str(tmp_path / "r.txt")], cli_env)
    assert code == 1
    assert "\x1b" not in (tmp_path / "r.txt").read_text(), "a file never gets colour"


def test_check_that_cannot_run_is_error_for_its_scope_only(sandbox, cli_env, tmp_path):
    denied, opted_out = sorted(member_accounts(sandbox).values())[:2]
    sandbox.configure(faults=f"deny=guardduty:*@{denied},not-opted-in=us-west-2@{opted_out}")
    try:
        out = tmp_path / "verify.json"
        result = run_cli(
            [
                "--state-file",
                str(tmp_path / "s.yaml"),
                "verify",
                "--step",
                "security-services",
                "--format",
                "json",
                "-o",
                str(out),
            ],
            cli_env,
        )
    finally:
        sandbox.configure(faults="")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, json.loads((DOCS / "verify-json.schema.json").read_text()))
    by_scope = {(r["check_id"], r["account"], r["region"]): r for r in doc["results"]}

    denied_gd = by_scope[("security-services.guardduty-enabled", denied, "us-east-1")]
    assert denied_gd["status"] == "ERROR"
    assert (
        "access denied" in denied_gd["message"]
        and "guardduty:ListDetectors" in denied_gd["message"]
    )
    region_off = by_scope[("security-services.guardduty-enabled", opted_out, "us-west-2")]
    assert region_off["status"] == "ERROR"
    assert "us-west-2" in region_off["message"] and "not enabled" in region_off["message"]
    # the same check ran everywhere else, including the other region of the opted-out account
    others = [
        r
        for (cid, acct, reg), r in by_scope.items()
        if cid == "security-services.guardduty-enabled"
        and (acct, reg)
        not in ((denied, "us-east-1"), (denied, "us-west-2"), (opted_out, "us-west-2"))
    ]
    assert len(others) == len(sandbox.info()["accounts"]) * 2 - 3
    assert all(r["status"] in ("PASS", "FAIL") for r in others), others
    assert sum(r["status"] == "PASS" for r in others) >= 5
    errors = [r for r in doc["results"] if r["status"] == "ERROR"]
    assert {r["account"] for r in errors} == {denied, opted_out}
    assert doc["summary"]["ERROR"] == len(errors) and doc["summary"]["failed"] is True


@pytest.fixture(scope="module")
def reports(sandbox, tmp_path_factory):
    """Verify of three steps in each format through cli.main (in process), each to -o FILE."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("verify-home")
    aim_at_sandbox(mp, sandbox, home)
    state = home / "s.yaml"
    out: dict[str, object] = {}
    try:
        for fmt in ("json", "junit", "sarif", "md"):
            path = home / f"report.{fmt}"
            code = main(
                [
                    "--state-file",
                    str(state),
                    "verify",
                    "--step",
                    "root-mfa",
                    "--step",
                    "accounts",
                    "--step",
                    "log-archive",
                    "--format",
                    fmt,
                    "-o",
                    str(path),
                ]
            )
            out[fmt] = (code, path)
    finally:
        mp.undo()
    return out


def test_every_format_exits_1_and_is_written_0600(reports):
    for fmt, (code, path) in reports.items():
        assert code == 1, fmt
        assert path.stat().st_mode & 0o777 == 0o600, fmt


def test_junit_is_what_ci_systems_read(reports):
    _, path = reports["junit"]
    verify = json.loads(reports["json"][1].read_text())
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["root-mfa", "accounts", "log-archive"]
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    names = set()
    for suite in suites:
        cases = suite.findall("testcase")
        tally = {"failures": 0, "errors": 0, "skipped": 0}
        for case in cases:
            outcome = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
            assert len(outcome) <= 1
            for tag, key in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
                tally[key] += outcome == [tag]
            assert case.get("classname") == suite.get("name")
            names.add((case.get("classname"), case.get("name")))
        assert int(suite.get("tests")) == len(cases)
        for key, value in tally.items():
            assert int(suite.get(key)) == value, (suite.get("name"), key)
        total["tests"] += len(cases)
        for key in tally:
            total[key] += tally[key]
    for key, value in total.items():
        assert int(root.get(key)) == value, key
    assert len(names) == total["tests"] == verify["summary"]["total"], "one testcase per scope"
    assert total["failures"] == verify["summary"]["FAIL"] > 0


def test_sarif_is_2_1_0_with_a_rule_per_check_and_levels_by_severity(reports):
    doc = json.loads(reports["sarif"][1].read_text())
    verify = json.loads(reports["json"][1].read_text())
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    rule_ids = [r["id"] for r in rules]
    assert len(rule_ids) == len(set(rule_ids))
    assert {r["check_id"] for r in verify["results"]} <= set(rule_ids)
    non_pass = [r for r in verify["results"] if r["status"] != "PASS"]
    assert len(run["results"]) == len(non_pass)
    severity = {r["check_id"]: r["severity"] for r in verify["results"]}
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        if result["message"]["text"].startswith("FAIL") and severity[result["ruleId"]] in (
            "critical",
            "high",
        ):
            assert result["level"] == "error"
        logical = result["locations"][0]["logicalLocations"][0]
        assert logical["fullyQualifiedName"].startswith("aws://")
        assert result["properties"]["account"] in logical["fullyQualifiedName"]


def test_md_report(reports):
    text = reports["md"][1].read_text()
    assert text.startswith("# bootstrap-tui verify report")
    assert "(`log-archive`)" in text and "### Remediation" in text
    assert "| ❌ FAIL |" in text


def test_soft_fail_turns_1_into_0_and_a_clean_step_exits_0(in_sandbox_env, tmp_path, capsys):
    state = str(tmp_path / "s.yaml")
    assert main(["--state-file", state, "verify", "--step", "root-mfa"]) == 1
    assert main(["--state-file", state, "verify", "--step", "root-mfa", "--soft-fail"]) == 0
    capsys.readouterr()
    with root_fixed(in_sandbox_env):
        code = main(["--state-file", state, "verify", "--step", "root-mfa", "--format", "json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    # root.hardware-mfa stays MANUAL: the API cannot tell a hardware key from a synced passkey
    assert doc["summary"]["failed"] is False
    assert doc["summary"]["PASS"] + doc["summary"]["MANUAL"] == doc["summary"]["total"]
    assert doc["summary"]["MANUAL"] == 1


def test_output_into_a_missing_directory_is_a_one_line_error(in_sandbox_env, tmp_path, capsys):
    target = tmp_path / "nope" / "r.json"
    code = main(
        [
            "--state-file",
            str(tmp_path / "s.yaml"),
            "verify",
            "--step",
            "root-mfa",
            "--format",
            "json",
            "-o",
            str(target),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"directory {target.parent} does not exist" in err
    assert "Traceback" not in err and not target.parent.exists()


def test_nothing_set_up_is_exit_4_with_what_to_do(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "xdg"),
    }
    result = run_cli(["--sandbox", "--state-file", str(tmp_path / "s.yaml"), "verify"], env)
    assert result.returncode == 4, result.stderr
    assert "nothing is set up yet" in result.stderr and "apply --yes" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_export_before_anything_is_set_up_is_exit_4_like_verify(tmp_path, fmt):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "xdg"),
    }
    result = run_cli(["--sandbox", "export", "--format", fmt, "-o", str(tmp_path / "out")], env)
    assert result.returncode == 4, result.stderr
    assert "nothing is set up yet" in result.stderr and "apply --yes" in result.stderr
    assert not (tmp_path / "out").exists() and "Traceback" not in result.stderr
