"""Fault injection: parse ``--faults`` SPEC and decide the fate of each request."""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .wire import AwsError, Call, access_denied, region_not_enabled, server_error, throttled

DENY_RE = re.compile(
    r"^(?P<service>[a-z0-9*-]+):(?P<operation>[A-Za-z0-9*]+)(?:@(?P<account>\d{12}))?$"
)
KEY_RE = re.compile(r"^[A-Z0-9]{16,128}$")
REGION_RE = re.compile(r"^(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)(?:@(?P<account>\d{12}))?$")


class FaultSpecError(ValueError):
    """A SPEC item could not be parsed; the message names the bad item."""


@dataclass(frozen=True)
class DenyRule:
    service: str
    operation: str
    account: str | None = None

    def matches(self, call: Call) -> bool:
        if self.account and self.account != call.account:
            return False
        operation = call.operation or (s3_operation(call) if call.service == "s3" else "")
        return fnmatch.fnmatchcase(call.service or "", self.service) and fnmatch.fnmatchcase(
            operation or "", self.operation
        )


_S3_ROUTES: list[tuple[str, bool, frozenset[str], str]] = []
_S3_LOCK = threading.Lock()


def _s3_routes() -> list[tuple[str, bool, frozenset[str], str]]:
    """(method, has key, sub-resources, operation) of every S3 operation, most specific first,
    from botocore's model (requestUri such as "/{Bucket}?policy" or "/{Bucket}/{Key+}")."""
    with _S3_LOCK:
        if not _S3_ROUTES:
            import botocore.session

            model = botocore.session.get_session().get_service_data("s3")
            for name, op in model["operations"].items():
                path, _, query = op["http"]["requestUri"].partition("?")
                subresources = frozenset(p.partition("=")[0] for p in query.split("&") if p)
                _S3_ROUTES.append((op["http"]["method"], "{Key+}" in path, subresources, name))
            _S3_ROUTES.sort(key=lambda route: -len(route[2]))
        return _S3_ROUTES


def s3_operation(call: Call) -> str | None:
    """The S3 operation of a path-style request (S3 requests carry no Action or target)."""
    named = call.query.get("x-id")
    if named:
        return named[0]
    parts = [part for part in call.path.split("/") if part]
    if not parts:
        return "ListBuckets" if call.method == "GET" else None
    has_key = len(parts) > 1
    for method, wants_key, subresources, name in _s3_routes():
        if method == call.method and wants_key == has_key and subresources <= call.query.keys():
            if name in ("CopyObject", "PutObject"):  # same route; the copy names its source
                return "CopyObject" if "x-amz-copy-source" in call.headers else "PutObject"
            return name
    return None


@dataclass
class FaultSpec:
    """Parsed fault configuration."""

    throttle: float = 0.0
    error5xx: float = 0.0
    deny: list[DenyRule] = field(default_factory=list)
    seed: int | None = None
    not_opted_in: list[tuple[str, str | None]] = field(default_factory=list)
    invalid_keys: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(
            self.throttle or self.error5xx or self.deny or self.not_opted_in or self.invalid_keys
        )


def _rate(item: str, value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise FaultSpecError(
            f"bad fault item {item!r}: rate must be a number between 0 and 1"
        ) from None
    if not 0.0 <= rate <= 1.0:
        raise FaultSpecError(f"bad fault item {item!r}: rate must be between 0 and 1")
    return rate


def parse_fault_spec(spec: str | None) -> FaultSpec:
    """Parse ``throttle=0.3,error5xx=0.1,deny=svc:Op[@account],seed=N``."""
    result = FaultSpec()
    if not spec or not spec.strip():
        return result
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise FaultSpecError(f"bad fault item {item!r}: expected KEY=VALUE")
        if key == "throttle":
            result.throttle = _rate(item, value)
        elif key == "error5xx":
            result.error5xx = _rate(item, value)
        elif key == "deny":
            found = DENY_RE.match(value)
            if not found:
                raise FaultSpecError(
                    f"bad fault item {item!r}: expected deny=service:Operation[@account]"
                )
            result.deny.append(DenyRule(found["service"], found["operation"], found["account"]))
        elif key == "not-opted-in":
            found = REGION_RE.match(value)
            if not found:
                raise FaultSpecError(
                    f"bad fault item {item!r}: expected not-opted-in=region[@account]"
                )
            result.not_opted_in.append((found["region"], found["account"]))
        elif key == "invalid-key":
            if not KEY_RE.match(value):
                raise FaultSpecError(f"bad fault item {item!r}: expected invalid-key=ACCESS_KEY_ID")
            result.invalid_keys.append(value)
        elif key == "seed":
            try:
                result.seed = int(value)
            except ValueError:
                raise FaultSpecError(f"bad fault item {item!r}: seed must be an integer") from None
        else:
            raise FaultSpecError(
                f"bad fault item {item!r}: unknown fault {key!r} (use throttle, error5xx, deny, not-opted-in, invalid-key, seed)"
            )
    return result


class FaultInjector:
    """Decides, reproducibly, which requests fail and how."""

    def __init__(self, spec: FaultSpec, seed: int = 0):
        self.spec = spec
        self._random = random.Random(spec.seed if spec.seed is not None else seed)
        self._lock = threading.Lock()

    def fault_for(self, call: Call, caller_arn: Callable[[], str]) -> AwsError | None:
        if call.access_key in self.spec.invalid_keys:
            return region_not_enabled(call)  # AWS gives an unknown or deleted key the same answer
        for region, account in self.spec.not_opted_in:
            if call.region == region and account in (None, call.account):
                return region_not_enabled(call)
        for rule in self.spec.deny:
            if rule.matches(call):
                return access_denied(call, caller_arn())
        if not (self.spec.throttle or self.spec.error5xx):
            return None
        with self._lock:
            draw = self._random.random()
            unavailable = self._random.random() < 0.5
        if draw < self.spec.throttle:
            return throttled(call)
        if draw < self.spec.throttle + self.spec.error5xx:
            return server_error(call, unavailable)
        return None
