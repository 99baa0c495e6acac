"""Tamper evidence for exports: SHA-256 of canonical JSON, and a check of a written file.

- Each evidence item of a json export (a check's per-scope result, a manual or
  organizational item) carries `sha256`: the SHA-256 of its canonical JSON without
  that key.
- A json export carries `integrity.sha256`: the SHA-256 of the canonical JSON of the
  whole document without its `integrity` member.
- An md or html export ends with one line `<!-- bootstrap-tui sha256: HEX -->`,
  HEX being the SHA-256 of every byte before that line (`head -n -1 FILE | sha256sum`).

Canonical JSON: keys sorted, separators `,` and `:`, non-ASCII kept, UTF-8.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from collections.abc import Iterator, Mapping

__all__ = [
    "canonical_json",
    "item_digest",
    "seal_item",
    "seal_document",
    "seal_text",
    "check_export",
    "TRAILER_PREFIX",
]

ALGORITHM = "sha256"
CANONICAL = "JSON with sorted keys, separators ',' and ':', non-ASCII kept, UTF-8"
TRAILER_PREFIX = "<!-- bootstrap-tui sha256: "
_TRAILER = re.compile(r"<!-- bootstrap-tui sha256: ([0-9a-f]{64}) -->\n?\Z")
MAX_CHECK_BYTES = 256 * 1024 * 1024


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def item_digest(item: Mapping[str, Any]) -> str:
    """SHA-256 of an item's canonical JSON, its own `sha256` key left out."""
    return hashlib.sha256(
        canonical_json({k: v for k, v in item.items() if k != "sha256"})
    ).hexdigest()


def seal_item(item: dict[str, Any]) -> dict[str, Any]:
    item["sha256"] = item_digest(item)
    return item


def document_digest(doc: Mapping[str, Any]) -> str:
    return hashlib.sha256(
        canonical_json({k: v for k, v in doc.items() if k != "integrity"})
    ).hexdigest()


def seal_document(doc: dict[str, Any]) -> dict[str, Any]:
    """Add `integrity` (algorithm, canonical form, digest of the rest) to a json export."""
    doc["integrity"] = {
        "algorithm": ALGORITHM,
        "canonical": CANONICAL,
        "sha256": document_digest(doc),
    }
    return doc


def seal_text(text: str) -> str:
    """An md or html export with its digest line appended."""
    body = text if text.endswith("\n") else text + "\n"
    return f"{body}{TRAILER_PREFIX}{hashlib.sha256(body.encode('utf-8')).hexdigest()} -->\n"


def evidence_items(doc: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(label, item) for every sealed item of a json export, as found there (a file being
    checked may hold anything; the checklist being built holds the dicts it seals in place)."""
    for check in doc.get("checks") or ():
        for index, result in enumerate(check.get("results") or ()):
            where = "/".join(str(result.get(k)) for k in ("account", "region") if result.get(k))
            yield f"check {check.get('id')} result {index + 1} ({where or 'no scope'})", result
    for key in ("manual_items", "org_items"):
        for item in doc.get(key) or ():
            yield f"{key[:-1].replace('_', ' ')} {item.get('id')}", item


def check_export(path: Path) -> tuple[bool, list[str]]:
    """Whether a written export is unchanged, and one line per finding.
    Raises ValueError when the file is not a sealed bootstrap-tui export."""
    if path.stat().st_size > MAX_CHECK_BYTES:
        raise ValueError(f"{path} is larger than {MAX_CHECK_BYTES // (1024 * 1024)} MiB")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None
    if text.lstrip().startswith("{"):
        return _check_json(path, text)
    return _check_trailer(path, text)


def _check_json(path: Path, text: str) -> tuple[bool, list[str]]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc})") from None
    seal = doc.get("integrity") if isinstance(doc, dict) else None
    if not isinstance(seal, dict) or seal.get("algorithm") != ALGORITHM:
        raise ValueError(
            f"{path} has no sha256 integrity record (not a bootstrap-tui "
            "json export, or one made before version that added it)"
        )
    findings, ok = [], True
    for label, item in evidence_items(doc):
        if not isinstance(item, Mapping):
            continue
        if item.get("sha256") != item_digest(item):
            ok = False
            findings.append(f"changed: {label}")
    if seal.get("sha256") != document_digest(doc):
        ok = False
        findings.append("changed: the document (its sha256 does not match its content)")
    items = sum(1 for _ in evidence_items(doc))
    if ok:
        findings.append(
            f"ok: {items} evidence items and the whole document match their "
            f"sha256 ({seal['sha256']})"
        )
    return ok, findings


def _check_trailer(path: Path, text: str) -> tuple[bool, list[str]]:
    match = _TRAILER.search(text)
    if not match:
        raise ValueError(
            f"{path} has no '{TRAILER_PREFIX}…' last line (not a bootstrap-tui "
            "md or html export; csv exports carry no digest)"
        )
    body = text[: match.start()]
    actual = hashlib.sha256(body.encode("utf-8")).hexdigest()
    if actual != match.group(1):
        return False, [
            f"changed: the file's sha256 is {actual}, its last line says {match.group(1)}"
        ]
    return True, [f"ok: the file matches its sha256 ({actual})"]
