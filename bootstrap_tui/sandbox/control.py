"""The control endpoint: ``/_sandbox/info``, ``/_sandbox/root``, ``/_sandbox/reopen``,
``/_sandbox/identity-center``, ``/_sandbox/control-tower``, ``/_sandbox/reset``,
``/_sandbox/config``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from .wire import Response

CONTROL_VERSION = 1


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _json(status: int, data: Any) -> Response:
    return Response(
        status, [("Content-Type", "application/json")], json.dumps(data, default=str).encode()
    )


class ControlEndpoint:
    """Serves the sandbox's own JSON API (never faulted, never delayed)."""

    def __init__(self, sandbox: Any):
        self.sandbox = sandbox

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        from .app import send

        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "").rstrip("/")
        routes = {
            ("GET", "/_sandbox/info"): self.info,
            ("POST", "/_sandbox/root"): self.set_root,
            ("GET", "/_sandbox/root"): self.get_root,
            ("POST", "/_sandbox/reopen"): self.reopen,
            ("POST", "/_sandbox/reset"): self.reset,
            ("POST", "/_sandbox/identity-center"): self.enable_identity_center,
            ("POST", "/_sandbox/control-tower"): self.publish_landing_zone_version,
            ("POST", "/_sandbox/config"): self.set_config,
            ("GET", "/_sandbox/requests"): self.get_requests,
            ("DELETE", "/_sandbox/requests"): self.clear_requests,
        }
        handler = routes.get((method, path))
        try:
            if handler is None:
                raise ControlError(404, f"no control route {method} {path}")
            response = handler(self._body(environ))
        except ControlError as error:
            response = _json(error.status, {"error": error.message})
        return send(response, start_response)

    @staticmethod
    def _body(environ: dict[str, Any]) -> dict[str, Any]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ControlError(400, f"body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ControlError(400, "body must be a JSON object")
        return data

    def info(self, _: dict[str, Any]) -> Response:
        return _json(200, self.sandbox.info())

    def get_root(self, _: dict[str, Any]) -> Response:
        return _json(
            200, {"roots": [self.sandbox.root_facts(a) for a in self.sandbox.account_ids()]}
        )

    def set_root(self, body: dict[str, Any]) -> Response:
        account = str(body.get("account") or self.sandbox.management_account_id)
        if not account.isdigit() or len(account) != 12:
            raise ControlError(400, f"account must be a 12-digit account id, got {account!r}")
        changes: dict[str, Any] = {}
        for key in ("mfa", "access_keys"):
            if key in body:
                if not isinstance(body[key], bool):
                    raise ControlError(400, f"{key} must be true or false")
                changes[key] = body[key]
        if "password_last_used" in body:
            value = body["password_last_used"]
            try:
                changes["password_last_used"] = dt.datetime.fromisoformat(value) if value else None
            except (TypeError, ValueError):
                raise ControlError(
                    400, "password_last_used must be an ISO 8601 timestamp or null"
                ) from None
        unknown = set(body) - {"account", "mfa", "access_keys", "password_last_used"}
        if unknown:
            raise ControlError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
        created = self.sandbox.set_root(account, **changes)
        facts = self.sandbox.root_facts(account)
        return _json(200, {**facts, "access_key": created} if created else facts)

    def reopen(self, body: dict[str, Any]) -> Response:
        """AWS Support reinstates a closed member account (possible within 90 days of CloseAccount)."""
        account = str(body.get("account") or "")
        unknown = set(body) - {"account"}
        if unknown:
            raise ControlError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
        try:
            self.sandbox.reopen_account(account)
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        return _json(200, self.sandbox.info())

    def enable_identity_center(self, body: dict[str, Any]) -> Response:
        """The console-only "Enable" of IAM Identity Center's organization instance."""
        from .fakes.ssoadmin import enable_organization_instance

        unknown = set(body) - {"account", "enabled"}
        if unknown:
            raise ControlError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
        if body.get("enabled") is not True:
            raise ControlError(
                400, "enabled must be true (delete the instance with sso-admin DeleteInstance)"
            )
        account = str(body.get("account") or self.sandbox.management_account_id)
        try:
            with self.sandbox.state.lock:
                return _json(200, enable_organization_instance(account))
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        except LookupError as exc:
            raise ControlError(409, str(exc)) from None

    def publish_landing_zone_version(self, body: dict[str, Any]) -> Response:
        """AWS releases a landing zone version: GetLandingZone's latestAvailableVersion becomes it."""
        import re

        from .fakes.controltower import ControlTowerFake

        unknown = set(body) - {"latest_version"}
        version = str(body.get("latest_version") or "")
        if unknown or not re.fullmatch(r"\d+\.\d+", version):
            raise ControlError(400, 'send {"latest_version": "MAJOR.MINOR"}')
        fake = next(
            f for f in self.sandbox.app.fakes["controltower"] if isinstance(f, ControlTowerFake)
        )
        with self.sandbox.state.lock:
            fake.data.latest_version = version
        return _json(200, {"latest_version": version})

    def reset(self, body: dict[str, Any]) -> Response:
        seed = body.get("seed", self.sandbox.seed)
        accounts = body.get("accounts", self.sandbox.accounts)
        if seed not in ("fresh", "compliant", "drifted"):
            raise ControlError(400, f"unknown seed {seed!r} (use fresh, compliant or drifted)")
        if not isinstance(accounts, int) or accounts < 0:
            raise ControlError(400, "accounts must be a non-negative integer")
        self.sandbox.reset(seed=seed, accounts=accounts)
        return _json(200, self.sandbox.info())

    def get_requests(self, _: dict[str, Any]) -> Response:
        from . import requestlog

        return _json(200, requestlog.snapshot(self.sandbox.state))

    def clear_requests(self, _: dict[str, Any]) -> Response:
        from . import requestlog

        requestlog.clear(self.sandbox.state)
        return _json(200, requestlog.snapshot(self.sandbox.state))

    def set_config(self, body: dict[str, Any]) -> Response:
        from .faults import FaultSpecError

        unknown = set(body) - {"latency_ms", "faults", "op_delay_s"}
        if unknown:
            raise ControlError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
        for key in ("latency_ms", "op_delay_s"):
            if key in body and (
                isinstance(body[key], bool) or not isinstance(body[key], (int, float))
            ):
                raise ControlError(
                    400, f"{key} must be a number of {'ms' if key == 'latency_ms' else 'seconds'}"
                )
        faults = body.get("faults")
        if "faults" in body and faults is not None and not isinstance(faults, str):
            raise ControlError(400, 'faults must be a SPEC string, "" or null (no faults)')
        try:
            self.sandbox.configure(
                latency_ms=body.get("latency_ms"),
                faults="" if "faults" in body and faults is None else faults,
                op_delay_s=body.get("op_delay_s"),
            )
        except (FaultSpecError, ValueError, TypeError) as exc:
            raise ControlError(400, str(exc)) from None
        return _json(200, self.sandbox.info())
