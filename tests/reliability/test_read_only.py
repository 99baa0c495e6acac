"""verify is read-only: every request the sandbox receives during a full verify (all steps,
all accounts, all governed regions) is a read, and the guard stops a mutating call before
it is sent.

Requests are recorded twice: by the sandbox's HTTP server (a WSGI wrapper that parses each
request with the sandbox's own routing) and by the ClientFactory's on_call hook; both lists
must match, so no request bypasses the guarded factory.
"""

from __future__ import annotations

import io
import threading
from collections import Counter

import pytest

from bootstrap_tui.aws import is_read_only_operation
from bootstrap_tui.engine import Engine, Options
from bootstrap_tui.model import Check, Outcome, Plan, Scope, Severity, Status, Step
from bootstrap_tui.sandbox.app import _headers_from, _read_body
from bootstrap_tui.sandbox.routing import classify
from bootstrap_tui.sandbox.testing import running_sandbox
from bootstrap_tui.sandbox.wire import Call

pytestmark = pytest.mark.slow

# Not named like a read, but they change nothing a baseline cares about:
ALLOWED = {
    # the factory's own role assumption into member accounts: issues temporary credentials
    ("sts", "AssumeRole"),
    # starts building the IAM credential report (a cached, read-only document) that
    # GetCredentialReport then returns; the guard's READ_ONLY_PREFIXES accepts it too
    ("iam", "GenerateCredentialReport"),
}
S3_READ_METHODS = {"GET", "HEAD"}


class RequestRecorder:
    """WSGI middleware around the sandbox app: records (service, operation, account) of
    every AWS request while `recording` is set, then hands the request on unchanged."""

    def __init__(self, app):
        self.app = app
        self.recording = False
        self.requests: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if self.recording and not path.startswith(("/_sandbox", "/moto-api")):
            headers = _headers_from(environ)
            call = Call(
                method=environ.get("REQUEST_METHOD", "GET"),
                path=path,
                query={},
                headers=headers,
                body=b"",
            )
            classify(call)
            if call.service != "s3":
                body = _read_body(environ)
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
                call.body = body
                classify(call)
            operation = call.operation or f"{call.method} {path.split('?')[0]}"
            with self.lock:
                self.requests.append((call.service or "?", operation, call.method))
        return self.app(environ, start_response)


def is_read(service: str, operation: str, method: str) -> bool:
    if service == "s3" and " " in operation:  # REST S3 / s3control: the HTTP verb says it
        return method in S3_READ_METHODS
    return is_read_only_operation(operation) or (service, operation) in ALLOWED


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A sandbox converged by a full apply, with the request recorder installed."""
    state = tmp_path_factory.mktemp("read-only") / "state.yaml"
    with running_sandbox(set_env=True, op_delay_s=0.1) as sandbox:
        recorder = RequestRecorder(sandbox._server.app)
        sandbox._server.app = recorder
        applier = Engine(
            Options(endpoint_url=sandbox.endpoint, state_file=state, simulate_console=True)
        )
        applier.connect()
        try:
            for step in applier.steps:
                applier.apply(step.id, confirm_destructive=lambda plan: True)
        finally:
            applier.close()
        engine = Engine(Options(endpoint_url=sandbox.endpoint, state_file=state))  # a new run
        engine.connect()
        try:
            yield engine, recorder
        finally:
            engine.close()


def test_a_full_verify_sends_only_reads(world):
    engine, recorder = world
    sent: list[tuple[str, str]] = []
    engine.factory.on_call = lambda service, operation, account, region: sent.append(
        (service, operation)
    )
    recorder.requests.clear()
    recorder.recording = True
    try:
        run = engine.verify()
    finally:
        recorder.recording = False
        engine.factory.on_call = None
    counts = run.counts()
    assert counts["ERROR"] == 0, [r.message for r in run.results if r.status == Status.ERROR][:3]
    assert counts["PASS"] >= 100
    accounts = {r.account for r in run.results}
    assert len(accounts) == 5 and {r.region for r in run.results} >= {"us-east-1", "us-west-2"}
    received = recorder.requests
    writes = sorted({(s, o) for s, o, m in received if not is_read(s, o, m)})
    assert writes == []
    operations = Counter(o for _, o, _ in received)
    assert operations["AssumeRole"] >= 4 and len(operations) > 40
    # every request reached the server through the guarded factory, and nothing else was sent
    assert len(received) == len(sent) == run.calls


class TamperingStep(Step):
    """A step whose check tries to change AWS: the guard must stop it."""

    id = "tampering"
    title = "Tampering"
    requires = ()

    def plan(self, ctx):
        return Plan(self.id)

    def apply(self, ctx, plan):
        return None


def tamper(ctx, account, region):
    ctx.client("organizations").create_organizational_unit(ParentId="r-0000", Name="Evil")
    return Outcome.ok("should never get here")


def tamper_member(ctx, account, region):
    ctx.client("ec2", account=account, region=region).enable_ebs_encryption_by_default()
    return Outcome.ok("should never get here")


TamperingStep.checks = (
    Check("tamper.org", "creates an OU", Severity.LOW, Scope.MANAGEMENT, tamper, "none"),
    Check(
        "tamper.ec2",
        "changes EBS defaults",
        Severity.LOW,
        Scope.ACCOUNT_REGION,
        tamper_member,
        "none",
        accounts="members",
    ),
)


def test_the_guard_blocks_a_mutating_call_during_verify(world):
    engine, recorder = world
    step = TamperingStep()
    engine.steps.append(step)
    engine.by_id[step.id] = step
    recorder.requests.clear()
    recorder.recording = True
    try:
        run = engine.verify([step.id], record=False)
    finally:
        recorder.recording = False
        engine.steps.remove(step)
        del engine.by_id[step.id]
    assert run.results and all(r.status == Status.ERROR for r in run.results)
    org = next(r for r in run.results if r.check_id == "tamper.org")
    assert org.message.startswith("read-only mode blocked organizations:CreateOrganizationalUnit")
    assert org.evidence == {"error": "ReadOnlyViolation"}
    member = next(r for r in run.results if r.check_id == "tamper.ec2")
    assert f"ec2:EnableEbsEncryptionByDefault in account {member.account}" in member.message
    sent = {o for _, o, _ in recorder.requests}
    assert "CreateOrganizationalUnit" not in sent and "EnableEbsEncryptionByDefault" not in sent
    ous = engine.client("organizations").list_organizational_units_for_parent(
        ParentId=engine.client("organizations").list_roots()["Roots"][0]["Id"]
    )
    assert "Evil" not in {ou["Name"] for ou in ous["OrganizationalUnits"]}
