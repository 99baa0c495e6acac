"""Base class for the sandbox's own service fakes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..state import SandboxState
from ..wire import JSON, REST_JSON, AwsError, Call, Response, json_response

MotoCaller = Callable[[], Response]


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z][a-z])|(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class Fake:
    """A fake for one AWS service (by SigV4 signing name).

    An operation is handled by a method ``op_<snake_case_name>(call)``; it
    returns a dict (a JSON body), a ``Response``, or None to let moto answer.
    ``self.moto()`` forwards the current request to moto and returns its
    response, for fakes that only correct moto's answer. A fake with
    ``owns_service`` answers every operation of its service: operations it
    lacks get a NotImplemented error instead of going to moto.
    """

    service = ""
    name = ""
    owns_service = False

    def __init__(self, state: SandboxState):
        self.state = state
        self.moto: MotoCaller = _no_moto

    def reset(self) -> None:
        """Forget all state (called by /_sandbox/reset)."""

    def handle(self, call: Call, moto: MotoCaller) -> Response | None:
        if not call.operation:
            return None
        method = getattr(self, "op_" + snake_case(call.operation), None)
        if method is None:
            return None
        self.moto = moto
        with self.state.lock:
            result = method(call)
        if result is None or isinstance(result, Response):
            return result
        protocol = call.protocol if call.protocol in (JSON, REST_JSON) else JSON
        return json_response(result, protocol=protocol)


def _no_moto() -> Response:
    raise RuntimeError("moto is not available outside a request")


def require(params: dict[str, Any], *names: str) -> None:
    """Raise ValidationException naming the first missing parameter."""
    for name in names:
        if params.get(name) in (None, ""):
            raise AwsError(
                "ValidationException",
                f"1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must not be null",
            )
