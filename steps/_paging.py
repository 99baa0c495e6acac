"""Pagination: every item of a list operation, across all its pages."""

from __future__ import annotations

from typing import Any


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item under `key` across all pages of `operation`."""
    if client.can_paginate(operation):
        return [
            item
            for page in client.get_paginator(operation).paginate(**kwargs)
            for item in page.get(key, [])
        ]
    return list(getattr(client, operation)(**kwargs).get(key, []))
