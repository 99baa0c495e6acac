"""The step model: inputs, plans, checks and their results.

Pure data and validation; no AWS calls, no UI. Steps in steps/ build on these
types, front ends render them, reports serialise them.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Iterable, Mapping, Sequence

from bootstrap_tui.errors import ValidationError
from bootstrap_tui.frameworks import FRAMEWORKS
from bootstrap_tui.frameworks.mappings import mappings_of

if TYPE_CHECKING:
    from bootstrap_tui.context import StepContext


def parse_timestamp(value: Any) -> dt.datetime | None:
    """An aware datetime from an ISO 8601 string or datetime (naive means UTC); None for
    anything else, such as the credential report's "N/A" or "no_information"."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


__all__ = [
    "Field",
    "Change",
    "Kept",
    "Plan",
    "ManualItem",
    "Check",
    "CheckResult",
    "Outcome",
    "Status",
    "Severity",
    "Scope",
    "StepStatus",
    "Step",
    "FRAMEWORKS",
    "FREE_MAIL_DOMAINS",
]


FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.com",
        "yandex.com",
        "zoho.com",
        "fastmail.com",
    }
)

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@([A-Za-z0-9\-]{1,63}\.)+[A-Za-z]{2,63}$")
_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_ALIAS = re.compile(r"^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$")
# every field is one line: no control character (newline and tab included), C1 control or
# line separator
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class Status(str, enum.Enum):
    """Result of one check in one scope."""

    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"
    MANUAL = "MANUAL"
    ERROR = "ERROR"
    # the check does not apply here (the message says why); never counts as passing
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Severity(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class Scope(str, enum.Enum):
    """Where a check runs: once, in every account, or every account x governed region."""

    MANAGEMENT = "management"
    ACCOUNT = "account"
    ACCOUNT_REGION = "account-region"
    REGION = "region"  # management account, every governed region


class StepStatus(str, enum.Enum):
    PENDING = "pending"
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    APPLIED = "applied"
    VERIFIED = "verified"
    FAILED = "failed"
    SKIPPED = "skipped"
    MANUAL_PENDING = "manual-pending"
    STALE = "stale"


# ----------------------------------------------------------------- inputs


def _text(value: Any, label: str, max_len: int = 256) -> str:
    """Trimmed one-line text; control characters (newlines included) are refused."""
    if value is None:
        raise ValidationError(label, "a value is required")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValidationError(label, f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    if _CONTROL.search(text):
        raise ValidationError(label, "contains control characters")
    if len(text) > max_len:
        raise ValidationError(label, f"is {len(text)} characters long; at most {max_len} allowed")
    return text


def parse_email(value: Any, label: str = "email") -> str:
    text = _text(value, label, 254)
    if not _EMAIL.match(text):
        raise ValidationError(
            label, f"{text!r} is not an email address (expected name@example.com)"
        )
    return text


def parse_domain(value: Any, label: str = "domain") -> str:
    text = _text(value, label, 253).lower().rstrip(".")
    if text.startswith("@"):
        text = text[1:]
    if not _DOMAIN.match(text):
        raise ValidationError(label, f"{text!r} is not a domain name (expected example.com)")
    return text


def parse_region(value: Any, label: str = "region") -> str:
    text = _text(value, label, 32)
    if not _REGION.match(text):
        raise ValidationError(
            label, f"{text!r} is not an AWS region code (expected e.g. eu-west-1)"
        )
    return text


def parse_int(
    value: Any, label: str, minimum: int | None = None, maximum: int | None = None
) -> int:
    if isinstance(value, bool):
        raise ValidationError(label, "expected a whole number, got true/false")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise ValidationError(label, f"expected a whole number, got {str(value)[:40]!r}") from None
    if minimum is not None and number < minimum:
        raise ValidationError(label, f"must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ValidationError(label, f"must be at most {maximum}, got {number}")
    return number


def parse_bool(value: Any, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"y", "yes", "true", "1", "on"}:
        return True
    if text in {"n", "no", "false", "0", "off"}:
        return False
    raise ValidationError(label, f"expected yes or no, got {text[:40]!r}")


def parse_alias(value: Any, label: str = "account alias") -> str:
    text = _text(value, label, 63)
    if len(text) < 3 or not _ALIAS.match(text):
        raise ValidationError(
            label,
            f"{text!r} is not a valid alias (3-63 lowercase letters, digits and single hyphens)",
        )
    return text


_PHONE = re.compile(r"^[\s0-9()+\-]+$")


def parse_phone(value: Any, label: str = "phone number") -> str:
    """A phone number as AWS alternate contacts accept it (digits, spaces, + - ( ))."""
    text = _text(value, label, 25)
    if not _PHONE.match(text) or sum(ch.isdigit() for ch in text) < 5:
        raise ValidationError(
            label, f"{text!r} is not a phone number (digits, spaces, + - ( ); e.g. +1 206 555 0100)"
        )
    return text


def parse_cidr(value: Any, label: str) -> str:
    text = _text(value, label, 43)
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise ValidationError(label, f"{text!r} is not a CIDR block") from None


@dataclass(frozen=True)
class Field:
    """One typed input of a step.

    kind: text | email | domain | region | regions | int | bool | choice | alias | name | phone
    default: a literal default, or a callable (profile, answers) -> default.
    demo: the value used on a sandbox endpoint when no answer exists.
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = True
    help: str = ""
    default: Any = None
    demo: Any = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    warn: Callable[[Any, Mapping[str, Any]], str | None] | None = None

    def parse(self, raw: Any) -> Any:
        """Return the validated value or raise ValidationError naming this field."""
        label = self.name
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise ValidationError(label, "a value is required")
            return None
        kind = self.kind
        if kind == "email":
            return parse_email(raw, label)
        if kind == "domain":
            return parse_domain(raw, label)
        if kind == "region":
            return parse_region(raw, label)
        if kind == "regions":
            items = raw.split(",") if isinstance(raw, str) else raw
            if not isinstance(items, (list, tuple)):
                raise ValidationError(label, "expected a list of region codes")
            regions = [parse_region(item, label) for item in items]
            if not regions and self.required:
                raise ValidationError(label, "at least one region is required")
            return list(dict.fromkeys(regions))
        if kind == "int":
            return parse_int(raw, label, self.minimum, self.maximum)
        if kind == "bool":
            return parse_bool(raw, label)
        if kind == "alias":
            return parse_alias(raw, label)
        if kind == "phone":
            return parse_phone(raw, label)
        if kind == "choice":
            text = _text(raw, label)
            if text not in self.choices:
                raise ValidationError(label, f"{text!r} is not one of {', '.join(self.choices)}")
            return text
        if kind in ("text", "name"):
            text = _text(raw, label, 128 if kind == "name" else 1024)
            if not text and self.required:
                raise ValidationError(label, "a value is required")
            return text
        raise ValidationError(label, f"unknown field kind {kind!r}")

    def warning(self, value: Any, answers: Mapping[str, Any]) -> str | None:
        """A non-blocking advice message for a valid value (e.g. free-mail domain)."""
        return self.warn(value, answers) if self.warn and value is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
            "help": self.help,
            "choices": list(self.choices),
        }


# ----------------------------------------------------------------- plans


@dataclass
class Change:
    """One concrete change a plan proposes (create OU "Security" under Root, ...)."""

    action: str
    resource: str
    name: str
    detail: str = ""
    account: str | None = None
    region: str | None = None
    destructive: bool = False
    irreversible: bool = (
        False  # cannot be undone later (e.g. Object Lock); confirmed like destructive
    )
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def mark(self) -> str:
        """The plan's one-glance marker: "!!" irreversible, "!" destructive, "+" otherwise."""
        return "!!" if self.irreversible else "!" if self.destructive else "+"

    def describe(self) -> str:
        where = "".join(f" [{p}]" for p in (self.account, self.region) if p)
        detail = f" — {self.detail}" if self.detail else ""
        return f"{self.action} {self.resource} {self.name!r}{where}{detail}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "name": self.name,
            "detail": self.detail,
            "account": self.account,
            "region": self.region,
            "destructive": self.destructive,
            "irreversible": self.irreversible,
        }


@dataclass
class Kept:
    """Something that exists and that the plan adopts or leaves as it is ("reusing organization
    o-abc", "keeping trail X"): a plan line of its own, never a change, and apply never modifies it."""

    verb: str  # reusing | keeping | leaving
    resource: str
    name: str
    detail: str = ""
    account: str | None = None
    region: str | None = None

    mark = "="

    def describe(self) -> str:
        where = "".join(f" [{p}]" for p in (self.account, self.region) if p)
        detail = f" — {self.detail}" if self.detail else ""
        return f"{self.verb} {self.resource} {self.name!r}{where}{detail}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "verb": self.verb,
            "resource": self.resource,
            "name": self.name,
            "detail": self.detail,
            "account": self.account,
            "region": self.region,
        }


@dataclass(frozen=True)
class ManualItem:
    """Something only a human can do (usually in the console); the user attests to it."""

    id: str
    title: str
    instructions: str
    check_id: str | None = None  # the check that verifies what the API can show


@dataclass
class Plan:
    step_id: str
    changes: list[Change] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)  # what exists and is adopted or left alone
    notes: list[str] = field(default_factory=list)
    manual: list[ManualItem] = field(default_factory=list)
    skipped: str | None = None  # reason when the step does not apply to this profile
    blocked: str | None = None  # reason the step cannot make its changes from this session
    waiting: str | None = None  # what earlier step or input this plan waits for (plan ahead only)

    @property
    def converged(self) -> bool:
        return not self.changes and not self.blocked and not self.waiting

    @property
    def destructive(self) -> list[Change]:
        """Changes that need the typed confirmation: destructive and irreversible ones."""
        return [c for c in self.changes if c.destructive or c.irreversible]

    @property
    def confirm_kind(self) -> str:
        """How the changes needing confirmation are called: "destructive", "irreversible" or both."""
        return " or ".join(
            kind
            for kind, on in (
                ("destructive", any(c.destructive for c in self.changes)),
                ("irreversible", any(c.irreversible for c in self.changes)),
            )
            if on
        )

    def add(self, action: str, resource: str, name: str, **kwargs: Any) -> Change:
        change = Change(action, resource, name, **kwargs)
        self.changes.append(change)
        return change

    def keep(self, verb: str, resource: str, name: str, **kwargs: Any) -> Kept:
        """Say what of the user's this plan adopts or leaves alone (one line each)."""
        line = Kept(verb, resource, name, **kwargs)
        self.kept.append(line)
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step_id,
            "changes": [c.to_dict() for c in self.changes],
            "kept": [k.to_dict() for k in self.kept],
            "notes": list(self.notes),
            "skipped": self.skipped,
            "blocked": self.blocked,
            "waiting": self.waiting,
            "manual": [m.id for m in self.manual],
        }


# ----------------------------------------------------------------- checks


@dataclass
class Outcome:
    """What a check function returns for one scope."""

    status: Status
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def ok(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.PASS, message, evidence)

    @classmethod
    def fail(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.FAIL, message, evidence)

    @classmethod
    def warn(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.WARN, message, evidence)

    @classmethod
    def manual(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.MANUAL, message, evidence)

    @classmethod
    def not_applicable(cls, reason: str, **evidence: Any) -> Outcome:
        """The check does not apply in this scope; `reason` says why (never a pass)."""
        return cls(Status.NOT_APPLICABLE, reason, evidence)


# a check's function: (ctx, account id, region) -> its outcome(s); the region is a str for the
# REGION and ACCOUNT_REGION scopes and None for the others, so each check declares which it gets
CheckFn = Callable[["StepContext", str, Any], "Outcome | Iterable[Outcome]"]


@dataclass(frozen=True)
class Check:
    """A read-only verification with its metadata (severity, mappings, remediation).

    run(ctx, account_id, region) -> Outcome, where region is None for the scopes
    that do not need it. ctx.client(...) gives read-only clients.
    """

    id: str
    title: str
    severity: Severity
    scope: Scope
    run: CheckFn
    remediation: str
    prowler: str | None = None  # the closest Prowler check id
    accounts: str = "all"  # for ACCOUNT scopes: all | members | management | role:<role>

    prowler_also: Sequence[str] = ()  # further Prowler checks this check also covers
    no_prowler: str = ""  # why no Prowler check measures this (required when prowler is None)
    # Test doubles only: real checks' mappings live in bootstrap_tui/frameworks/<id>.yaml.
    frameworks: Mapping[str, Sequence[str]] | None = field(default=None, kw_only=True)

    def mappings(self) -> dict[str, list[str]]:
        """Framework id -> control ids this check proves, from the framework files."""
        if self.frameworks is not None:
            return {k: list(v) for k, v in self.frameworks.items() if v}
        return mappings_of(self.id)


@dataclass
class CheckResult:
    check_id: str
    step_id: str
    title: str
    status: Status
    severity: Severity
    message: str
    remediation: str
    account: str | None = None
    region: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    frameworks: dict[str, list[str]] = field(default_factory=dict)
    prowler: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "step": self.step_id,
            "title": self.title,
            "status": self.status.value,
            "severity": self.severity.value,
            "account": self.account,
            "region": self.region,
            "message": self.message,
            "evidence": self.evidence,
            "remediation": self.remediation,
            "frameworks": self.frameworks,
            "prowler": self.prowler,
        }


# ----------------------------------------------------------------- steps


class Step:
    """Base class of a wizard step. Subclasses live in steps/, one per module.

    Override plan() and apply(); declare inputs, manual items and checks as
    class attributes. The engine supplies a StepContext (bootstrap_tui.context).
    """

    id: str = ""
    title: str = ""
    summary: str = ""
    requires: tuple[str, ...] = ()
    inputs: tuple[Field, ...] = ()
    manual: tuple[ManualItem, ...] = ()
    checks: tuple[Check, ...] = ()
    long_running: bool = False

    def fields(self, profile: Any) -> tuple[Field, ...]:
        """The step's inputs for a profile (override when they depend on it)."""
        return self.inputs

    def skip_reason(self, ctx: StepContext) -> str | None:
        """Return why this step does not apply to the selected profile, or None."""
        return None

    def needs(self, profile: Any) -> tuple[str, ...]:
        """The `requires` that are real prerequisites for this profile (override to drop one a
        profile makes unnecessary). Apply waits for these only; a skipped step holds no one back."""
        return self.requires

    def plan(self, ctx: StepContext) -> Plan:
        raise NotImplementedError

    def apply(self, ctx: StepContext, plan: Plan) -> None:
        raise NotImplementedError

    def input(self, name: str) -> Field:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def doc_name(self) -> str:
        return f"steps/{self.id}.md"

    def __repr__(self) -> str:
        return f"<Step {self.id}>"
