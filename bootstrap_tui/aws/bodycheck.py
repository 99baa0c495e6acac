"""Refuse a response whose body is shorter than its Content-Length.

botocore reads bodies with urllib3's ``enforce_content_length=False``
(botocore/httpsession.py), so a connection cut in the middle of a 200 body
parses as ``{}`` or a partial document and looks like success. The wrapper
below checks each buffered body against its Content-Length inside the HTTP
send, where botocore catches transport errors: the ConnectionClosedError it
raises is retried by the standard, adaptive and legacy retry handlers like a
dropped connection. A ``before-parse`` handler cannot do this: botocore's
endpoint does not catch exceptions raised there, so nothing would retry them.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ConnectionClosedError

_NO_BODY_STATUS = frozenset({204, 304})


def declared_length(request: Any, response: Any) -> int | None:
    """Content-Length the body must have, or None when it cannot be checked."""
    if getattr(request, "stream_output", False) or request.method == "HEAD":
        return None
    status = response.status_code
    if status < 200 or status in _NO_BODY_STATUS:
        return None
    headers = response.headers
    if headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
        return None
    value = headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def check_complete(request: Any, response: Any) -> None:
    """Raise ConnectionClosedError when a buffered body is shorter than declared."""
    expected = declared_length(request, response)
    if expected is not None and len(response.content) < expected:
        raise ConnectionClosedError(
            endpoint_url=request.url,
            request=request,
            error=f"body cut short: {len(response.content)} of {expected} bytes",
        )


class CompleteBodySession:
    """Wraps a botocore HTTP session; `send` refuses truncated bodies."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def send(self, request: Any) -> Any:
        response = self._inner.send(request)
        check_complete(request, response)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def install(client: Any) -> None:
    """Make `client` refuse truncated bodies (once; a no-op if botocore changed shape)."""
    endpoint = getattr(client, "_endpoint", None)
    inner = getattr(endpoint, "http_session", None)
    if endpoint is not None and inner is not None and not isinstance(inner, CompleteBodySession):
        endpoint.http_session = CompleteBodySession(inner)
