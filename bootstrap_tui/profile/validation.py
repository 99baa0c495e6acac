"""Checking a (merged) profile: every problem as "FILE:LINE: field.path: problem — expected ...".

Two passes over the raw YAML data. The structural pass walks the model classes
(model.py) and checks each value against its field's rule; the cross-field
pass checks references between sections (OU paths, account keys, group and
permission set names, SCP files) and consistency (retention vs. Object Lock,
Control Tower's limits, Security Hub needing Config).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeGuard

from bootstrap_tui.profile.model import (
    AUDIT_KEY,
    CT_MAX_RETENTION_DAYS,
    KEBAB,
    LOG_ARCHIVE_KEY,
    MANAGEMENT_KEY,
    MAX_OU_DEPTH,
    MOVED,
    OU,
    Profile,
    model_class,
)
from bootstrap_tui.profile.rules import (
    Bool,
    Either,
    Enum,
    Int,
    List,
    Rule,
    Section,
    Table,
    Text,
    is_required,
    rule_fields,
)
from bootstrap_tui.resources import data_dir
from bootstrap_tui.yamlio import Lines, index_path, key_path

_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
PROFILE_RULE = Section("A baseline profile.", Profile)


# ------------------------------------------------------------------ wording


def expected(spec: Rule) -> str:
    """What a value of this rule looks like, as the error messages and docs say it."""
    if isinstance(spec, Text):
        return spec.expected
    if isinstance(spec, Int):
        return f"a whole number from {spec.lo} to {spec.hi}"
    if isinstance(spec, Bool):
        return "true or false"
    if isinstance(spec, Enum):
        return "one of: " + ", ".join(spec.values)
    if isinstance(spec, List):
        item = spec.items
        if isinstance(item, Section):
            if model_class(item.of) is OU:
                return "a list of OUs (each with a name and optional children)"
            return "a list of mappings with fields: " + ", ".join(field_names(item))
        return f"a list, each item {expected(item)}"
    if isinstance(spec, Section):
        return "a mapping with fields: " + ", ".join(field_names(spec))
    if isinstance(spec, Table):
        return f"a mapping of {expected(spec.key)} to {expected(spec.values)}"
    return " or ".join(expected(o) for o in spec.options)


def field_names(section: Section) -> list[str]:
    return [f.name for f in rule_fields(model_class(section.of))]


def found(value: Any) -> str:
    """What the file holds instead, e.g. "found the number 3"."""
    if value is None:
        return "found nothing (null)"
    if isinstance(value, bool):
        return f"found {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"found the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"found {shown!r}"
    if isinstance(value, list):
        return "found a list"
    if isinstance(value, dict):
        return "found a mapping"
    if isinstance(value, (date, datetime)):
        return f"found the date {value}"
    return f"found {type(value).__name__}"


def _did_you_mean(value: str, choices: Any, cutoff: float = 0.6) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def _matches_type(spec: Rule, value: Any) -> bool:
    if isinstance(spec, (Text, Enum)):
        return isinstance(value, str)
    if isinstance(spec, Int):
        return is_int(value)
    if isinstance(spec, Bool):
        return isinstance(value, bool)
    if isinstance(spec, List):
        return isinstance(value, list)
    if isinstance(spec, (Section, Table)):
        return isinstance(value, dict)
    return any(_matches_type(o, value) for o in spec.options)


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# ------------------------------------------------------------------ structure


class Checker:
    """Collects "FILE:LINE: path: problem — expected ..." messages."""

    def __init__(self, lines: Lines, filename: str):
        self.lines = lines
        self.filename = filename
        self.errors: list[tuple[int, str]] = []
        self.bad: set[str] = set()

    def line(self, path: str) -> int:
        probe = path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = _parent(probe)
        return self.lines.get("extends", self.lines.get("", 1))

    def error(self, path: str, problem: str, expected: str | None = None) -> None:
        self.bad.add(path)
        where = f"{path}: " if path else ""
        tail = f" — expected {expected}" if expected else ""
        self.errors.append(
            (self.line(path), f"{self.filename}:{self.line(path)}: {where}{problem}{tail}")
        )

    def check(self, spec: Rule, value: Any, path: str) -> bool:
        """Structural check of `value` against `spec`; False when it is unusable."""
        if not _matches_type(spec, value):
            wanted = expected(spec)
            if isinstance(spec, Text) and isinstance(value, (int, float)):
                wanted += " (in quotes)"
            self.error(path, found(value), wanted)
            return False
        if isinstance(spec, Text):
            return self._text(spec, value, path)
        if isinstance(spec, Int):
            if not spec.lo <= value <= spec.hi:
                self.error(path, f"{value} is out of range", expected(spec))
                return False
            return True
        if isinstance(spec, Enum):
            if value not in spec.values:
                hint = _did_you_mean(value, spec.values)
                self.error(path, f"{found(value)}{hint}", expected(spec))
                return False
            return True
        if isinstance(spec, List):
            return self._list(spec, value, path)
        if isinstance(spec, Section):
            return self._section(spec, value, path)
        if isinstance(spec, Table):
            ok = True
            for key, item in value.items():
                sub = key_path(path, key)
                ok = self.check(spec.key, key, sub) and ok
                ok = self.check(spec.values, item, sub) and ok
            return ok
        if isinstance(spec, Either):
            for option in spec.options:
                if _matches_type(option, value):
                    return self.check(option, value, path)
        return True

    def _text(self, spec: Text, value: str, path: str) -> bool:
        if not value.strip():
            self.error(path, "is empty", spec.expected)
            return False
        if _CONTROL_CHARS.search(value):
            self.error(path, "contains a control character", spec.expected)
            return False
        if len(value) > spec.max_len:
            self.error(path, f"is {len(value)} characters long", f"at most {spec.max_len}")
            return False
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            hint = _did_you_mean(value, spec.suggest) if spec.suggest else ""
            self.error(path, f"{found(value)}{hint}", spec.expected)
            return False
        return True

    def _list(self, spec: List, value: list[Any], path: str) -> bool:
        ok = True
        if len(value) < spec.min_items:
            self.error(
                path, f"has {len(value)} item(s)", f"at least {spec.min_items}: {expected(spec)}"
            )
            ok = False
        if len(value) > spec.max_items:
            self.error(path, f"has {len(value)} items", f"at most {spec.max_items}")
            return False
        seen: dict[Any, int] = {}
        for index, item in enumerate(value):
            sub = index_path(path, index)
            item_ok = self.check(spec.items, item, sub)
            ok = ok and item_ok
            if item_ok and spec.unique and isinstance(item, (str, int)):
                if item in seen:
                    self.error(
                        sub,
                        f"{item!r} is listed twice (also at {index_path(path, seen[item])})",
                        "each value once",
                    )
                    ok = False
                seen.setdefault(item, index)
        return ok

    def _section(self, spec: Section, value: dict[Any, Any], path: str) -> bool:
        fields = {f.name: f for f in rule_fields(model_class(spec.of))}
        choices = "one of: " + ", ".join(fields)
        ok = True
        for key, item in value.items():
            sub = key_path(path, key)
            if not isinstance(key, str):
                self.error(sub, f"field names must be text, {found(key)}", choices)
                ok = False
            elif sub in MOVED:
                self.error(sub, f"this setting moved to {MOVED[sub]}", f"set {MOVED[sub]} instead")
                ok = False
            elif key not in fields:
                self.error(sub, f"unknown field{_unknown_hint(key, fields)}", choices)
                ok = False
            else:
                ok = self.check(fields[key].metadata["rule"], item, sub) and ok
        for name, field in fields.items():
            if is_required(field) and name not in value:
                self.error(key_path(path, name), "missing", expected(field.metadata["rule"]))
                ok = False
        return ok


def _unknown_hint(key: str, fields: dict[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ------------------------------------------------------------------ cross-field rules


def _dicts(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _section_of(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def scp_directory() -> Path | None:
    directory = data_dir("profiles") / "scps"
    return directory if directory.is_dir() else None


def _walk_ous(
    items: Any, prefix: str, path: str, depth: int, out: dict[str, tuple[str, int]], check: Checker
) -> None:
    siblings: set[str] = set()
    for index, ou in _dicts(items):
        name = ou.get("name")
        if not isinstance(name, str):
            continue
        sub = index_path(path, index)
        full = f"{prefix}/{name}" if prefix else name
        if name in siblings:
            check.error(
                key_path(sub, "name"), f"duplicate OU {full!r}", "OU names unique among siblings"
            )
            continue
        siblings.add(name)
        if depth > MAX_OU_DEPTH:
            check.error(
                key_path(sub, "name"),
                f"OU {full!r} is nested {depth} levels deep",
                f"at most {MAX_OU_DEPTH} levels (an AWS Organizations limit)",
            )
            continue
        out[full] = (sub, depth)
        _walk_ous(ou.get("children"), full, key_path(sub, "children"), depth + 1, out, check)


def _ou_ref(
    check: Checker, ous: dict[str, Any], value: Any, path: str, allow_root: bool = False
) -> None:
    if (
        not isinstance(value, str)
        or path in check.bad
        or value in ous
        or (allow_root and value == "Root")
    ):
        return
    hint = _did_you_mean(value, ous)
    choices = (["Root"] if allow_root else []) + list(ous)
    check.error(
        path, f"{value!r} is not an OU in organization.ous{hint}", "one of: " + ", ".join(choices)
    )


def _check_accounts(data: dict[str, Any], ous: dict[str, Any], check: Checker) -> dict[str, int]:
    """Unique keys, names and emails; known OUs; Log Archive and Audit present.
    Returns each account key -> its index."""
    accounts = list(_dicts(data.get("accounts")))
    keys: dict[str, int] = {}
    for field in ("key", "name", "email_local"):
        seen: dict[str, int] = {}
        for index, account in accounts:
            value = account.get(field)
            if not isinstance(value, str):
                continue
            if value in seen:
                check.error(
                    key_path(index_path("accounts", index), field),
                    f"{value!r} is used twice (also accounts[{seen[value]}])",
                    f"a unique {field} per account",
                )
            seen.setdefault(value, index)
        if field == "key":
            keys = seen
    for index, account in accounts:
        _ou_ref(check, ous, account.get("ou"), key_path(index_path("accounts", index), "ou"))
    if isinstance(data.get("accounts"), list):
        for required, label in ((LOG_ARCHIVE_KEY, "Log Archive"), (AUDIT_KEY, "Audit")):
            if required not in keys:
                check.error(
                    "accounts",
                    f"no account with key {required!r}",
                    f"the {label} account listed with key: {required}",
                )
    if MANAGEMENT_KEY in keys:
        check.error(
            key_path(index_path("accounts", keys[MANAGEMENT_KEY]), "key"),
            "'management' is reserved for the management account",
            "another key",
        )
    return keys


def _check_control_tower(
    data: dict[str, Any], ous: dict[str, Any], keys: dict[str, int], check: Checker
) -> None:
    """Registered OUs exist; with Control Tower, Log Archive and Audit share the
    security OU, which is not registered by the profile."""
    tower = _section_of(data, "control_tower")
    registered = _strs(tower.get("register_ous"))
    for index, ou in enumerate(registered):
        _ou_ref(check, ous, ou, index_path("control_tower.register_ous", index))
    if tower.get("enabled") is not True:
        return
    tops: dict[str, str | None] = {LOG_ARCHIVE_KEY: None, AUDIT_KEY: None}
    for _, account in _dicts(data.get("accounts")):
        if (
            isinstance(account.get("key"), str)
            and account["key"] in tops
            and isinstance(account.get("ou"), str)
        ):
            tops[account["key"]] = account["ou"]
    la, au = tops[LOG_ARCHIVE_KEY], tops[AUDIT_KEY]
    if la and au and (la != au or "/" in la):
        check.error(
            key_path(index_path("accounts", keys[AUDIT_KEY]), "ou"),
            f"with Control Tower the Log Archive and Audit accounts share one "
            f"top-level OU, found {la!r} and {au!r}",
            "both in the same top-level OU such as Security",
        )
    elif la and la in registered:
        check.error(
            index_path("control_tower.register_ous", registered.index(la)),
            f"{la!r} is the landing zone's security OU, which Control Tower sets up itself",
            "only workload OUs",
        )


def _check_home_region(data: dict[str, Any], check: Checker) -> None:
    regions = _strs(data.get("governed_regions"))
    home = data.get("home_region")
    if isinstance(home, str) and "home_region" not in check.bad and regions and home not in regions:
        check.error(
            "home_region", f"{home!r} is not in governed_regions", "one of: " + ", ".join(regions)
        )


def _check_identity_center(data: dict[str, Any], keys: dict[str, int], check: Checker) -> None:
    """Unique group and permission set names; assignments name known ones and accounts."""
    center = _section_of(data, "identity_center")
    known: dict[str, set[str]] = {}
    for list_name in ("groups", "permission_sets"):
        seen: dict[str, int] = {}
        for index, item in _dicts(center.get(list_name)):
            name = item.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                check.error(
                    key_path(index_path(f"identity_center.{list_name}", index), "name"),
                    f"{name!r} is defined twice",
                    "unique names",
                )
            seen.setdefault(name, index)
        known[list_name] = set(seen)
    valid_targets = set(keys) | {MANAGEMENT_KEY}
    for index, item in _dicts(center.get("assignments")):
        base = index_path("identity_center.assignments", index)
        for field, list_name in (("group", "groups"), ("permission_set", "permission_sets")):
            value = item.get(field)
            if isinstance(value, str) and value not in known[list_name]:
                names = sorted(known[list_name])
                check.error(
                    key_path(base, field),
                    f"{value!r} is not in identity_center.{list_name}{_did_you_mean(value, names)}",
                    "one of: " + ", ".join(names),
                )
        for position, key in enumerate(_strs(item.get("accounts"))):
            if key not in valid_targets:
                check.error(
                    index_path(key_path(base, "accounts"), position),
                    f"{key!r} is not an account key",
                    "one of: " + ", ".join(sorted(valid_targets)),
                )


def _check_retention(data: dict[str, Any], check: Checker) -> None:
    """Object Lock within retention; Control Tower's maximum; PCI DSS's minimum."""
    logs = _section_of(data, "log_archive")
    retention, lock = (
        logs.get(k) if f"log_archive.{k}" not in check.bad else None
        for k in ("retention_days", "object_lock_days")
    )
    if is_int(retention) and is_int(lock) and lock > retention:
        check.error(
            "log_archive.object_lock_days",
            f"{lock} is longer than retention_days ({retention})",
            "at most log_archive.retention_days",
        )
    if not is_int(retention):
        return
    tower = _section_of(data, "control_tower")
    if tower.get("enabled") is True and retention > CT_MAX_RETENTION_DAYS:
        check.error(
            "log_archive.retention_days",
            f"{retention} days is longer than Control Tower keeps logs",
            f"at most {CT_MAX_RETENTION_DAYS} with control_tower.enabled (loggingBucket retentionDays)",
        )
    if "pci-dss-4.0" in _strs(data.get("frameworks")) and retention < 365:
        check.error(
            "log_archive.retention_days",
            f"{retention} days is too short for PCI DSS",
            "at least 365 (PCI DSS 4.0 requirement 10.5.1)",
        )


def _check_guardrails(data: dict[str, Any], ous: dict[str, Any], check: Checker) -> None:
    """SCP files exist; SCP targets name listed SCPs and OUs; allowed regions cover governed."""
    guard = _section_of(data, "guardrails")
    scps = _strs(guard.get("scps"))
    directory = scp_directory()
    if directory is not None:
        available = sorted(p.stem for p in directory.glob("*.json"))
        for index, scp in enumerate(scps):
            if re.fullmatch(KEBAB, scp) and scp not in available:
                check.error(
                    index_path("guardrails.scps", index),
                    f"no SCP file profiles/scps/{scp}.json",
                    "one of: " + ", ".join(available),
                )
    targets = guard.get("scp_targets")
    for scp, paths in targets.items() if isinstance(targets, dict) else ():
        where = key_path("guardrails.scp_targets", scp)
        if isinstance(scp, str) and scp not in scps:
            check.error(
                where, f"{scp!r} is not in guardrails.scps", "an SCP listed in guardrails.scps"
            )
        for index, ou in enumerate(_strs(paths)):
            _ou_ref(check, ous, ou, index_path(where, index), allow_root=True)
    allowed = _strs(guard.get("allowed_regions"))
    governed = data.get("governed_regions")
    for index, region in enumerate(governed if allowed and isinstance(governed, list) else []):
        if (
            isinstance(region, str)
            and index_path("governed_regions", index) not in check.bad
            and region not in allowed
        ):
            check.error(
                "guardrails.allowed_regions",
                f"does not include governed region {region!r}",
                "every governed region (the region-deny SCP would block it)",
            )


def _check_services(data: dict[str, Any], ous: dict[str, Any], check: Checker) -> None:
    services = _section_of(data, "security_services")
    backup = _section_of(services, "backup")
    for index, ou in enumerate(_strs(backup.get("target_ous"))):
        _ou_ref(check, ous, ou, index_path("security_services.backup.target_ous", index))
    if (
        _section_of(services, "securityhub").get("enabled") is True
        and _section_of(services, "config").get("enabled") is False
    ):
        check.error(
            "security_services.config.enabled",
            "false while Security Hub is enabled",
            "true (Security Hub controls are evaluated by AWS Config)",
        )


def _cross_field(data: dict[str, Any], check: Checker) -> None:
    """Cross-field rules: references, uniqueness and consistency."""
    ous: dict[str, tuple[str, int]] = {}
    _walk_ous(_section_of(data, "organization").get("ous"), "", "organization.ous", 1, ous, check)
    keys = _check_accounts(data, ous, check)
    _check_control_tower(data, ous, keys, check)
    _check_home_region(data, check)
    _check_identity_center(data, keys, check)
    _check_retention(data, check)
    _check_guardrails(data, ous, check)
    _check_services(data, ous, check)


def validate_profile(data: Any, lines: Lines, filename: str) -> list[str]:
    """Every problem of a (merged) profile, in file order; [] when it is valid."""
    check = Checker(lines or {}, filename)
    if not isinstance(data, dict):
        check.error("", found(data), "a mapping of profile fields (name, description, ...)")
    else:
        check.check(PROFILE_RULE, data, "")
        _cross_field(data, check)
    seen: set[str] = set()
    out = []
    for _, message in sorted(check.errors, key=lambda e: e[0]):
        if message not in seen:
            seen.add(message)
            out.append(message)
    return out
