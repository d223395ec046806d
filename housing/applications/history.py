"""What changed between two versions of an application's answers, field by field.

Pure: takes the answers as JSON-like data, so it is tested with plain values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Change:
    path: Path
    before: Any
    after: Any


def flatten(value: Any, path: Path = ()) -> dict[Path, Any]:
    """Every leaf of nested answers by its path; an empty list or mapping is a leaf."""
    if isinstance(value, Mapping) and value:
        leaves: dict[Path, Any] = {}
        for key, inner in value.items():
            leaves.update(flatten(inner, (*path, str(key))))
        return leaves
    if isinstance(value, Sequence) and not isinstance(value, str | bytes) and value:
        leaves = {}
        for index, inner in enumerate(value):
            leaves.update(flatten(inner, (*path, index)))
        return leaves
    return {path: value}


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[Change]:
    """The fields whose answer differs, in the order of the later answers (then the removed
    ones). A field going from missing to blank is not a change."""
    old = flatten(dict(before or {}))
    new = flatten(dict(after or {}))
    found = []
    for path in [*new, *(path for path in old if path not in new)]:
        was, now = old.get(path), new.get(path)
        if was == now or (_blank(was) and _blank(now)):
            continue
        found.append(Change(path, was, now))
    return found
