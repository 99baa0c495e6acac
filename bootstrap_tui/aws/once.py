"""Values built once, by whichever thread needs them first."""

from __future__ import annotations

import threading
from typing import Any
from collections.abc import Callable


class BuiltOnce:
    """Builds `store[key]` on first use under a lock of that key's own.

    A value already built is read without any lock; building one (tens of milliseconds
    of CPU for a botocore client or model) holds up only the threads waiting for that key.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[Any, ...], threading.Lock] = {}

    def get(
        self, store: dict[tuple[Any, ...], Any], key: tuple[Any, ...], build: Callable[[], Any]
    ) -> Any:
        found = store.get(key)
        if found is None:
            with self._lock:
                key_lock = self._key_locks.setdefault(key, threading.Lock())
            with key_lock:
                found = store.get(key)
                if found is None:
                    found = store[key] = build()
        return found

    def forget(self, store: dict[tuple[Any, ...], Any], keys: list[tuple[Any, ...]]) -> list[Any]:
        """Drop ``keys`` from ``store`` (and their locks); the values that were there."""
        dropped = [value for key in keys if (value := store.pop(key, None)) is not None]
        with self._lock:
            for key in keys:
                self._key_locks.pop(key, None)
        return dropped
