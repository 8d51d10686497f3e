"""Base class for config models: unknown keys are errors, so typos are caught."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class StrictModel(BaseModel):
    """A config section: unknown fields are rejected, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _list_of_strings(value: Any) -> Any:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("expected a list of strings")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValueError("expected a list of strings")
    return value


StrList = Annotated[list[str], BeforeValidator(_list_of_strings)]
"""A YAML list whose items are non-empty strings, with a friendly error otherwise."""
