"""Validation that reports every problem at once: invalid parts are set aside so the rest is still checked."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Location = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


def _prune(data: dict[str, Any], loc: Location, removed: dict[str, set[int]], dropped: set[str]) -> None:
    """Remove the smallest part of `data` an error at `loc` is about: a field of an item, else the item, else the key.

    A list item is only marked in `removed` (taken out later, so indices stay those of the file).
    """
    if not loc or loc[0] not in data:
        return
    head = loc[0]
    value = data[head]
    if len(loc) == 1:
        data.pop(head, None)
        return
    key = loc[1]
    if isinstance(value, list) and isinstance(key, int) and key < len(value):
        item = value[key]
        if len(loc) >= 3 and isinstance(item, dict) and loc[2] in item:
            item.pop(loc[2])  # the item may still be valid without this field
        else:
            removed.setdefault(str(head), set()).add(key)
        return
    if isinstance(value, dict) and key in value:
        entry = value[key]
        if len(loc) >= 3 and isinstance(entry, dict) and loc[2] in entry:
            entry.pop(loc[2])
        else:
            dropped.add(str(key))
            value.pop(key)
        return
    data.pop(head, None)


def validate_partially(model: type[M], data: dict[str, Any], rounds: int = 4) -> tuple[M | None, ValidationError | None, dict[str, list[int]], set[str]]:
    """(model of what is valid, the first error, list indices kept per field, mapping keys dropped).

    The model is None when the invalid parts could not be set aside in a few rounds. Indices map a
    position in the pruned lists back to the file's, so later cross-checks can name the right line.
    """
    try:
        return model.model_validate(data), None, {}, set()
    except ValidationError as first:
        error = first
    work = copy.deepcopy(data)
    removed: dict[str, set[int]] = {}
    dropped: set[str] = set()
    current: ValidationError = error
    kept: dict[str, list[int]] = {}
    for _ in range(rounds):
        for item in current.errors():
            loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            if len(loc) >= 2 and loc[0] in kept and isinstance(loc[1], int):  # a position in the pruned list
                loc = (loc[0], kept[str(loc[0])][loc[1]], *loc[2:])
            _prune(work, loc, removed, dropped)
        pruned = dict(work)
        kept = {}
        for field, indices in removed.items():
            kept[field] = [i for i in range(len(work[field])) if i not in indices]
            pruned[field] = [work[field][i] for i in kept[field]]
        try:
            return model.model_validate(pruned), error, kept, dropped
        except ValidationError as again:
            current = again
    return None, error, {}, dropped
