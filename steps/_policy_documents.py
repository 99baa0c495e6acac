"""IAM and resource policy documents as JSON: parse, list statements, compare."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote


def canonical(doc: Any) -> str:
    """A stable text of a document (sorted keys), for comparing two policies."""
    return json.dumps(doc, sort_keys=True, indent=2)


def parse_policy(text: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """A policy document from its JSON text (URL-encoded as IAM returns it, or not)."""
    if text is None:
        return None
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


def statements(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The document's statements as a list (a lone statement object included)."""
    if not policy:
        return []
    items = policy.get("Statement", [])
    return [items] if isinstance(items, dict) else list(items)
