"""Config errors that name the file, the line and the field, and how pydantic errors become them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError

if TYPE_CHECKING:
    from monitor.config.yaml_source import YamlDocument


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in one config file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


def sort_problems(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    """Grouped by file (in the order the files were read), then by line; a problem without a line comes first."""
    order: dict[str, int] = {}
    for problem in problems:
        order.setdefault(problem.file, len(order))
    return sorted(problems, key=lambda p: (order[p.file], p.line or 0))


class ConfigError(Exception):
    """Raised when a config file cannot be used; carries every problem found."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_location(loc: tuple[str | int, ...]) -> str:
    """('entities', 3, 'aliases') -> 'entities[3].aliases'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_FRIENDLY = {
    "list_type": "expected a list",
    "dict_type": "expected a mapping (key: value pairs)",
    "model_type": "expected a mapping (key: value pairs)",
    "string_type": "expected a string",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
}


def _message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "value_error":
        msg = str(error.get("msg", ""))
        return msg.removeprefix("Value error, ")
    if kind == "assertion_error":
        return str(error.get("msg", "")).removeprefix("Assertion failed, ")
    if kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        return f"expected one of {expected}, got {error.get('input')!r}"
    if kind in _FRIENDLY:
        return _FRIENDLY[kind]
    return str(error.get("msg", "invalid value"))


def problems_from_validation(
    exc: ValidationError, doc: "YamlDocument", display_name: str, prefix: tuple[str | int, ...] = ()
) -> list[ConfigProblem]:
    """Turn a pydantic ValidationError on data from `doc` into located problems."""
    problems = []
    for error in exc.errors():
        loc = tuple(part for part in (*prefix, *error["loc"]) if not (isinstance(part, str) and part.startswith("function-")))
        problems.append(ConfigProblem(display_name, doc.line_of(loc), format_location(loc), _message(error)))
    return problems
