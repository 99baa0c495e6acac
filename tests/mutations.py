"""Hypothesis strategies that damage a valid document: the fuzz tests of profiles and state files."""

from __future__ import annotations

import copy
from typing import Any
from collections.abc import Iterator

from hypothesis import strategies as st


def paths(data: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path (keys and indexes) into nested dicts and lists, the empty one first."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, prefix + (index,))


def mutated(
    base: Any, values: st.SearchStrategy, *, most: int = 4, add: bool = True
) -> st.SearchStrategy:
    """Copies of `base` with 1..`most` values replaced by `values`, deleted or (with `add`) added."""
    every_path = [p for p in paths(base) if p]
    actions = ["replace", "delete", "add"] if add else ["replace", "delete"]

    @st.composite
    def damaged(draw: Any) -> Any:
        data = copy.deepcopy(base)
        for _ in range(draw(st.integers(1, most))):
            path = draw(st.sampled_from(every_path))
            node = data
            try:
                for part in path[:-1]:
                    node = node[part]
                action = draw(st.sampled_from(actions))
                if action == "replace":
                    node[path[-1]] = draw(values)
                elif action == "delete":
                    del node[path[-1]]
                elif isinstance(node, dict):
                    node[draw(st.text(max_size=10))] = draw(values)
                else:
                    node.append(draw(values))
            except (KeyError, IndexError, TypeError, AttributeError):
                continue
        return data

    return damaged()
