"""Work out service, region, operation, protocol and calling account of a request."""

from __future__ import annotations

import json
import re
import threading
from typing import Any
from urllib.parse import parse_qs, unquote

from .wire import EC2, JSON, QUERY, REST_JSON, REST_XML, Call

CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")

# Signing name -> botocore service model name, where they differ.
MODEL_NAMES = {
    "access-analyzer": "accessanalyzer",
    "sso": "sso-admin",
}

_routers: dict[str, RestJsonRouter | None] = {}
_routers_lock = threading.Lock()


class RestJsonRouter:
    """Map (method, path) to an operation name using botocore's service model."""

    def __init__(self, model: dict[str, Any]):
        self.routes: list[tuple[int, str, re.Pattern[str], str]] = []
        for name, op in model["operations"].items():
            uri = op["http"]["requestUri"].split("?")[0]
            pattern, literal = self._compile(uri)
            self.routes.append((literal, op["http"]["method"], pattern, name))
        self.routes.sort(key=lambda route: -route[0])

    @staticmethod
    def _compile(uri: str) -> tuple[re.Pattern[str], int]:
        regex, literal, pos = "", 0, 0
        for match in re.finditer(r"\{([^}]+)\}", uri):
            static = uri[pos : match.start()]
            regex += re.escape(static)
            literal += len(static)
            name = match.group(1)
            greedy = name.endswith("+")
            group = re.sub(r"\W", "_", name.rstrip("+"))
            regex += f"(?P<{group}>.+)" if greedy else f"(?P<{group}>[^/]+)"
            pos = match.end()
        static = uri[pos:]
        regex += re.escape(static)
        literal += len(static)
        return re.compile("^" + regex.rstrip("/") + "/?$"), literal

    def match(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        for _, verb, pattern, name in self.routes:
            if verb != method:
                continue
            found = pattern.match(path)
            if found:
                return name, {k: unquote(v) for k, v in found.groupdict().items()}
        return None


def router_for(service: str) -> RestJsonRouter | None:
    """The cached router for a rest-json service, or None if botocore lacks a model."""
    with _routers_lock:
        if service not in _routers:
            import botocore.session

            name = MODEL_NAMES.get(service, service)
            try:
                model = botocore.session.get_session().get_service_data(name)
            except Exception:
                model = None
            _routers[service] = RestJsonRouter(model) if model else None
        return _routers[service]


def _first_values(query: dict[str, list[str]]) -> dict[str, str]:
    return {key: values[0] for key, values in query.items() if values}


def classify(call: Call) -> None:
    """Fill in service, region, access key, protocol, operation and params."""
    auth = call.headers.get("authorization", "")
    found = CREDENTIAL_RE.search(auth)
    if found:
        call.access_key, call.region, call.service = (
            found.group(1),
            found.group(2),
            found.group(3).lower(),
        )
    target = call.headers.get("x-amz-target")
    content_type = call.headers.get("content-type", "")
    if target:
        call.protocol = JSON
        call.operation = target.rsplit(".", 1)[-1]
        call.params = _json_body(call.body)
        return
    if call.service == "s3":
        call.protocol = REST_XML
        return
    form: dict[str, list[str]] = {}
    if content_type.startswith("application/x-www-form-urlencoded") and call.body:
        form = parse_qs(call.body.decode("utf-8", "replace"), keep_blank_values=True)
    action = (form.get("Action") or call.query.get("Action") or [""])[0]
    if action:
        call.protocol = EC2 if call.service == "ec2" else QUERY
        call.operation = action
        call.params = {**_first_values(call.query), **_first_values(form)}
        return
    call.protocol = REST_JSON
    router = router_for(call.service) if call.service else None
    params: dict[str, Any] = _first_values(call.query)
    if router:
        matched = router.match(call.method, call.path)
        if matched:
            call.operation, path_params = matched
            params.update(path_params)
    body = _json_body(call.body)
    params.update(body)
    call.params = params


def _json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
