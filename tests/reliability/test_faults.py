"""Faults: throttling, 5xx, AccessDenied (one operation, one account) and the endpoint
going away in the middle of an apply, all on the embedded sandbox over real HTTP.

Results are compared per check x account (by name) x region against a fault-free run:
account ids differ between fresh sandboxes, names do not. Each test prints its figures
(requests, injected faults, seconds); run with `-s` to see them.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    APPLY,
    account_names,
    count_faults,
    error_lines,
    make_engine,
    read_state,
    requests_seen,
    reset_sandbox,
    run_cli,
    start_cli,
    isolated_env,
)

SUBSET = ("management-account", "root-mfa", "organization", "accounts")
SUBSET_ARGS = tuple(arg for step in SUBSET for arg in ("--step", step))
RATE_FAULTS = ("throttle=0.3", "error5xx=0.1")
# every test here runs the CLI or the engine over a seeded organization: well over 10 s
pytestmark = pytest.mark.slow


def status_map(results: list[Any], names: dict[str, str]) -> dict[tuple, str]:
    """{(check id, account name, region): status} of engine CheckResults or JSON results."""
    out = {}
    for result in results:
        if isinstance(result, dict):
            key = (
                result["check_id"],
                names.get(result["account"], result["account"]),
                result["region"],
            )
            out[key] = result["status"]
        else:
            key = (result.check_id, names.get(result.account, result.account), result.region)
            out[key] = result.status.value
    return out


def apply_subset(box: Any, tmp: Path, faults: str) -> dict[str, Any]:
    """Apply SUBSET from a fresh sandbox under `faults`, then verify it fault-free."""
    reset_sandbox(box)
    box.configure(faults=faults)
    injected = count_faults(box)
    started = time.monotonic()
    engine = make_engine(box.endpoint, tmp / "state.yaml")
    try:
        for step_id in SUBSET:
            engine.apply(step_id)
        elapsed = time.monotonic() - started
        requests = requests_seen(box.endpoint)["total"]
        box.configure(faults="")
        run = engine.verify(SUBSET)
        statuses = {sid: engine.state.status(sid) for sid in SUBSET}
    finally:
        engine.close()
    return {
        "statuses": status_map(run.results, account_names(box.endpoint)),
        "steps": statuses,
        "elapsed": elapsed,
        "requests": requests,
        "injected": injected,
    }


# ---------------------------------------------------------------- verify: rate faults, AccessDenied


def _verify_json(endpoint: str, state: Path, home: Path) -> tuple[int, dict[str, Any], str]:
    result = run_cli(
        "--state-file", str(state), "verify", "--format", "json", env=isolated_env(home, endpoint)
    )
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


@pytest.fixture(scope="module")
def compliant_verify(sandbox, tmp_path_factory) -> dict[str, Any]:
    """A compliant organization (one workload account) and its fault-free CLI verify."""
    reset_sandbox(sandbox, seed="compliant", accounts=1)
    home = tmp_path_factory.mktemp("home")
    code, report, _ = _verify_json(sandbox.endpoint, home / "state.yaml", home)
    names = account_names(sandbox.endpoint)
    return {
        "code": code,
        "results": report["results"],
        "names": names,
        "home": home,
        "statuses": status_map(report["results"], names),
    }


def test_verify_under_faults_gives_the_same_results(sandbox, compliant_verify, tmp_path):
    """The compliant organization verified with 30 % throttling, then with 10 % 5xx: every
    check x account x region has the status of the fault-free verify."""
    engine = make_engine(sandbox.endpoint, tmp_path / "state.yaml", simulate_console=False)
    expected = compliant_verify["statuses"]
    assert len(expected) > 100 and {"PASS", "FAIL"} <= set(expected.values())
    figures = []
    try:
        for faults in RATE_FAULTS:
            sandbox.configure(faults=faults)
            injected = count_faults(sandbox)
            started = time.monotonic()
            run = engine.verify()
            figures.append(
                f"{faults}: {run.calls} requests, injected {dict(injected)}, "
                f"{time.monotonic() - started:.1f}s"
            )
            assert sum(injected.values()) > 0
            assert status_map(run.results, compliant_verify["names"]) == expected, faults
    finally:
        sandbox.configure(faults="")
        engine.close()
    print("\nverify " + "; ".join(figures))


def _changed(baseline: dict[str, Any], results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = baseline["names"]
    return [
        r
        for r in results
        if baseline["statuses"][(r["check_id"], names.get(r["account"], r["account"]), r["region"])]
        != r["status"]
    ]


def test_verify_with_one_operation_denied(sandbox, compliant_verify):
    home = compliant_verify["home"]
    sandbox.configure(faults="deny=iam:GetAccountSummary")
    try:
        code, report, _ = _verify_json(sandbox.endpoint, home / "state.yaml", home)
    finally:
        sandbox.configure(faults="")
    changed = _changed(compliant_verify, report["results"])
    assert code == 1
    assert changed and len(changed) < len(report["results"]) / 2
    for result in changed:
        assert result["status"] == "ERROR"
        assert result["message"].startswith(
            "access denied: the current identity may not call "
            f"iam:GetAccountSummary (IAM.GetAccountSummary) in "
            f"account {result['account']}"
        ), result["message"]
    assert ("root.mfa-enabled", "123456789012") in {(r["check_id"], r["account"]) for r in changed}
    evidence = read_state(home / "state.yaml")["evidence_history"][-1]
    assert {evidence["checks"][r["check_id"]] for r in changed} == {"ERROR"}


def test_verify_with_one_account_denied(sandbox, compliant_verify):
    names = compliant_verify["names"]
    audit = next(i for i, n in names.items() if n == "Audit")
    home = compliant_verify["home"]
    sandbox.configure(faults=f"deny=*:*@{audit}")
    try:
        code, report, _ = _verify_json(sandbox.endpoint, home / "state.yaml", home)
    finally:
        sandbox.configure(faults="")
    changed = _changed(compliant_verify, report["results"])
    # a check that does not judge the audit account at all (AWS Backup's: not a workload
    # account, decided from the organization's OUs) has nothing a denial could change
    baseline = compliant_verify["statuses"]
    in_audit = [
        r
        for r in report["results"]
        if r["account"] == audit
        and baseline[(r["check_id"], names[audit], r["region"])] != "NOT_APPLICABLE"
    ]
    assert code == 1
    # checks of the audit account answered from the management account (Identity Center
    # assignments) still pass; every other one is an ERROR that names the account
    assert in_audit and sum(r in changed for r in in_audit) >= 0.9 * len(in_audit)
    for result in changed:  # accounts.automation-role exists to say the role is unusable: FAIL
        assert result["status"] == (
            "FAIL" if result["check_id"] == "accounts.automation-role" else "ERROR"
        )
        assert (
            "accessdenied" in result["message"].lower().replace(" ", "")
            and audit in result["message"]
        ), result
    unchanged = len(report["results"]) - len(changed)
    assert unchanged > len(changed), (unchanged, len(changed))


# ---------------------------------------------------------------- apply under faults


@pytest.fixture(scope="module")
def clean_subset(sandbox, tmp_path_factory) -> dict[str, Any]:
    return apply_subset(sandbox, tmp_path_factory.mktemp("clean"), "")


@pytest.mark.parametrize("faults", RATE_FAULTS)
def test_apply_under_faults_converges_to_the_clean_result(sandbox, clean_subset, tmp_path, faults):
    faulted = apply_subset(sandbox, tmp_path, faults)
    print(
        f"\napply {','.join(SUBSET)} under {faults}: {faulted['requests']} requests "
        f"({clean_subset['requests']} without faults), injected {dict(faulted['injected'])}, "
        f"{faulted['elapsed']:.1f}s ({clean_subset['elapsed']:.1f}s without faults)"
    )
    rate = float(faults.split("=")[1])
    assert sum(faulted["injected"].values()) >= rate * faulted["requests"] / 3
    assert set(faulted["steps"].values()) <= {"verified", "manual-pending"}, faulted["steps"]
    assert faulted["statuses"] == clean_subset["statuses"]


@pytest.fixture(scope="module")
def denied_apply(sandbox, tmp_path_factory) -> dict[str, Any]:
    """CLI apply of SUBSET with organizations:CreateAccount denied, then again without."""
    reset_sandbox(sandbox)
    home = tmp_path_factory.mktemp("home")
    state = home / "state.yaml"
    env = isolated_env(home, sandbox.endpoint)
    sandbox.configure(faults="deny=organizations:CreateAccount")
    denied = run_cli("--state-file", str(state), *APPLY, *SUBSET_ARGS, env=env)
    sandbox.configure(faults="")
    after_denied = read_state(state)
    resumed = run_cli("--state-file", str(state), *APPLY, *SUBSET_ARGS, env=env)
    return {
        "denied": denied,
        "after_denied": after_denied,
        "resumed": resumed,
        "state": state,
        "env": env,
        "home": home,
    }


def test_apply_with_an_operation_denied_fails_that_step_clearly(sandbox, denied_apply):
    denied = denied_apply["denied"]
    assert denied.returncode == 3, denied.stderr
    assert "Traceback" not in denied.stderr
    lines = error_lines(denied.stderr)
    assert lines[0] == (
        "bootstrap-tui: access denied: the current identity may not call "
        "organizations:CreateAccount (Organizations.CreateAccount) in account "
        "123456789012 (us-east-1)"
    )
    assert len(lines) == 2 and "grant organizations:CreateAccount" in lines[1]
    steps = denied_apply["after_denied"]["steps"]
    assert {sid: steps[sid]["status"] for sid in SUBSET[:3]} == dict.fromkeys(SUBSET[:3], "applied")
    assert steps["accounts"]["status"] == "failed"
    assert "organizations:CreateAccount" in steps["accounts"]["error"]


def test_apply_resumes_once_the_permission_is_back(sandbox, denied_apply):
    resumed = denied_apply["resumed"]
    assert resumed.returncode == 0, resumed.stderr
    steps = read_state(denied_apply["state"])["steps"]
    assert {sid: steps[sid]["status"] for sid in SUBSET} == dict.fromkeys(SUBSET, "applied")
    names = list(account_names(sandbox.endpoint).values())
    assert len(names) == 5 and len(set(names)) == 5
    assert requests_seen(sandbox.endpoint)["requests"]["organizations:CreateAccount"] == 1 + 4


def test_apply_with_one_account_denied_names_it_and_recovers(sandbox, denied_apply):
    assert denied_apply["resumed"].returncode == 0
    state, env = denied_apply["state"], denied_apply["env"]
    audit = next(i for i, n in account_names(sandbox.endpoint).items() if n == "Audit")
    args = (
        "--state-file",
        str(state),
        *APPLY,
        "--step",
        "guardrails",
        "--confirm-destructive",
        "guardrails",
    )
    sandbox.configure(faults=f"deny=*:*@{audit}")
    try:
        denied = run_cli(*args, env=env)
    finally:
        sandbox.configure(faults="")
    assert denied.returncode == 3, denied.stderr
    assert "Traceback" not in denied.stderr
    lines = error_lines(denied.stderr)
    assert lines[0].startswith("bootstrap-tui: access denied: the current identity may not call ")
    assert f"in account {audit} (" in lines[0]
    steps = read_state(state)["steps"]
    assert steps["guardrails"]["status"] == "failed"
    assert f"in account {audit}" in steps["guardrails"]["error"]
    assert {steps[sid]["status"] for sid in SUBSET} == {"applied"}
    again = run_cli(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert read_state(state)["steps"]["guardrails"]["status"] == "applied"


# ---------------------------------------------------------------- the endpoint goes away


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 in front of the sandbox. `cut()` resets every connection
    and closes the port (as when the endpoint's process dies); `restore()` listens on the
    same port again, so the state file's endpoint is valid once more."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.restore()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            doomed, self._sockets = self._sockets, set()
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept loop and frees the port
            except OSError:
                pass
            listener.close()
        for sock in doomed:  # shutdown wakes the pumps blocked in recv; close alone would not
            try:
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._listener is not listener:  # cut while this one was being accepted
                    client.close()
                    upstream.close()
                    return
                self._sockets |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _operation_recorded(state: Path) -> bool:
    try:
        return bool(read_state(state)["steps"].get("accounts", {}).get("operations"))
    except Exception:
        return False


def test_endpoint_lost_mid_apply_then_back_resumes_without_duplicates(sandbox, tmp_path):
    """Cut the connection while the accounts step polls CreateAccount: exit 3 with a clear
    error, a valid state with the request id kept; once the endpoint is back, the same
    command finishes and no account was requested twice."""
    reset_sandbox(sandbox)
    sandbox.configure(op_delay_s=3)
    proxy = CuttableProxy(sandbox.port)
    state = tmp_path / "state.yaml"
    env = isolated_env(tmp_path, proxy.endpoint)
    args = ("--state-file", str(state), *APPLY, *SUBSET_ARGS)
    process = start_cli(*args, env=env)
    try:
        _wait_for(
            lambda: _operation_recorded(state) or process.poll() is not None,
            120,
            "the accounts step to record its CreateAccount request",
        )
        assert process.poll() is None, process.communicate()
        proxy.cut()
        cut_at = time.monotonic()
        _, stderr = process.communicate(timeout=120)
        gave_up_after = time.monotonic() - cut_at
    finally:
        if process.poll() is None:
            process.kill()
    print(f"\nendpoint cut: apply gave up after {gave_up_after:.1f}s (default retries)")
    assert process.returncode == 3, stderr
    assert "Traceback" not in stderr
    lines = error_lines(stderr)
    assert lines[0].startswith(f"bootstrap-tui: could not connect to {proxy.endpoint} during "), (
        lines
    )
    assert len(lines) == 2 and "make sure it is still running" in lines[1]
    data = read_state(state)
    steps = data["steps"]
    assert steps["organization"]["status"] == "applied"
    assert steps["accounts"]["status"] == "failed"
    assert "could not connect" in steps["accounts"]["error"]
    in_flight = steps["accounts"]["operations"]
    assert in_flight
    proxy.restore()
    sandbox.configure(op_delay_s=0.05)
    resumed = run_cli(*args, env=env)
    proxy.cut()
    assert resumed.returncode == 0, resumed.stderr
    assert {read_state(state)["steps"][sid]["status"] for sid in SUBSET} == {"applied"}
    names = Counter(account_names(sandbox.endpoint).values())
    assert len(names) == 5 and set(names.values()) == {1}, names
    assert requests_seen(sandbox.endpoint)["requests"]["organizations:CreateAccount"] == 4
