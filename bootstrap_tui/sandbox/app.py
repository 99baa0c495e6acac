"""The sandbox WSGI application: control endpoint, latency, faults, fakes, then moto."""

from __future__ import annotations

import io
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from . import authz, motoaccess, requestlog
from .control import ControlEndpoint
from .faults import FaultInjector
from .fakes import build_fakes
from .fakes.base import Fake
from .routing import CREDENTIAL_RE, classify
from .state import SandboxState
from .wire import AwsError, Call, Response, error_response

StartResponse = Callable[..., Any]


def _headers_from(environ: dict[str, Any]) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    return headers


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    return body


def send(response: Response, start_response: StartResponse) -> list[bytes]:
    headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(response.body))))
    start_response(f"{response.status} {_reason(response.status)}", headers)
    return [response.body]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class SandboxApp:
    """Wraps moto's DomainDispatcherApplication with the sandbox's own layer."""

    def __init__(self, sandbox: Any):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.sandbox = sandbox
        self.moto_app = DomainDispatcherApplication(create_backend_app)
        self.state: SandboxState = sandbox.state
        self.fakes: dict[str, list[Fake]] = build_fakes(self.state)
        self.control = ControlEndpoint(sandbox)
        self.faults: FaultInjector | None = None
        self.latency_ms = 0.0
        self._latency_random = random.Random(0)
        self._latency_lock = threading.Lock()
        # a persistent sandbox answers one request at a time, so a snapshot never sees half of one
        self.busy: Any = threading.RLock() if sandbox.snapshot is not None else _NoLock()

    def configure(self, latency_ms: float, faults: FaultInjector | None) -> None:
        self.latency_ms = latency_ms
        self.faults = faults

    def reset_fakes(self) -> None:
        for fakes in self.fakes.values():
            for fake in fakes:
                fake.reset()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox"):
            with self.busy:
                self.state.changes += environ.get("REQUEST_METHOD") != "GET"
                return self.control(environ, start_response)
        if path.startswith("/moto-api") or path == "/favicon.ico":
            return self.moto_app(environ, start_response)
        headers = _headers_from(environ)
        found = CREDENTIAL_RE.search(headers.get("authorization", ""))
        service = found.group(3).lower() if found else None
        body = b"" if service == "s3" else _read_body(environ)
        if service != "s3":
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        call = Call(
            method=environ.get("REQUEST_METHOD", "GET"),
            path=path,
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
        )
        classify(call)
        call.account = motoaccess.account_for_key(call.access_key, self.state.management_account_id)
        self._note_root_key_use(call)
        requestlog.record(self.state, call)
        self._sleep()
        if self.faults is not None:
            fault = self.faults.fault_for(
                call, lambda: motoaccess.caller_arn(call.access_key, call.account)
            )
            if fault is not None:
                return send(error_response(call.protocol, fault, call.service), start_response)
        try:
            denied = authz.check(call)
        except Exception as exc:
            denied = AwsError(
                "InternalFailure",
                f"sandbox: evaluating IAM: {type(exc).__name__}: {exc}",
                500,
                sender=False,
            )
        if denied is not None:
            return send(error_response(call.protocol, denied, call.service), start_response)
        with self.busy:
            try:
                self.state.tick()
                response = self._dispatch(call, environ)
            except AwsError as error:
                response = error_response(call.protocol, error, call.service)
            if response is None:
                response = self._call_moto(call, environ)
            if _may_change(call):
                self.state.changes += 1
        return send(response, start_response)

    def _note_root_key_use(self, call: Call) -> None:
        """A request signed with a root access key is its last use (IAM credential report)."""
        from .patches import ROOT_KEYS
        from .state import utcnow

        if call.access_key in ROOT_KEYS:
            self.state.root(call.account).key_last_used = (
                utcnow(),
                call.region,
                call.service or "",
            )

    def _sleep(self) -> None:
        if self.latency_ms <= 0:
            return
        with self._latency_lock:
            factor = self._latency_random.uniform(0.8, 1.2)
        time.sleep(self.latency_ms * factor / 1000.0)

    def _dispatch(self, call: Call, environ: dict[str, Any]) -> Response | None:
        fakes = self.fakes.get(call.service or "", [])
        for fake in fakes:
            response = fake.handle(call, lambda: self._call_moto(call, environ))
            if response is not None:
                return response
        if any(fake.owns_service for fake in fakes):
            raise _unsupported(call)
        return None

    def _call_moto(self, call: Call, environ: dict[str, Any]) -> Response:
        """Run moto on the request and capture its response."""
        captured: dict[str, Any] = {}

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        env = dict(environ)
        if call.service != "s3":
            env["wsgi.input"] = io.BytesIO(call.body)
        try:
            chunks = self.moto_app(env, capture)
            try:
                body = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        except NotImplementedError:
            return error_response(call.protocol, _unsupported(call), call.service)
        except Exception as exc:
            if not _moto_serves(call):
                return error_response(call.protocol, _unsupported(call), call.service)
            error = AwsError(
                "InternalFailure", f"sandbox: {type(exc).__name__}: {exc}", 500, sender=False
            )
            return error_response(call.protocol, error, call.service)
        status = int(captured["status"].split(" ", 1)[0])
        response = Response(status, list(captured["headers"]), body)
        if status >= 500 and "html" in (response.header("content-type") or ""):
            return error_response(call.protocol, _unsupported(call), call.service)
        if status in (404, 405) and _is_html_page(response.body):
            return error_response(call.protocol, _unsupported(call), call.service)
        if status == 404 and call.protocol != "rest-xml" and _looks_unimplemented(body):
            return error_response(call.protocol, _unsupported(call), call.service)
        return response


_READS = ("Describe", "Get", "List", "Head", "Lookup", "Search", "Batch Get")


def _may_change(call: Call) -> bool:
    """Whether a request may change what the sandbox holds (reads by name or HTTP method)."""
    if call.operation:
        return not call.operation.startswith(_READS)
    return call.method not in ("GET", "HEAD")


class _NoLock:
    """A stand-in for the lock of a sandbox that keeps nothing between runs."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _is_html_page(body: bytes) -> bool:
    """moto's web framework answers an unrouted request with an HTML page, never AWS's error shape."""
    return body[:100].lstrip().lower().startswith((b"<!doctype html", b"<html"))


def _moto_serves(call: Call) -> bool:
    """Whether moto has a backend for the call's service (else its dispatcher fails on the host)."""
    from moto import backend_index

    host = f"http://{call.service}.{call.region or 'us-east-1'}.amazonaws.com"
    return any(pattern.match(host) for _, pattern in backend_index.backend_url_patterns)


def _looks_unimplemented(body: bytes) -> bool:
    return bool(re.search(rb"not (yet )?implemented", body[:2000], re.IGNORECASE))


def _unsupported(call: Call) -> AwsError:
    operation = call.operation or f"{call.method} {call.path}"
    return AwsError(
        "NotImplemented",
        f"The bootstrap-tui sandbox does not support {call.service or 'this service'}:{operation}",
        501,
        sender=False,
    )
