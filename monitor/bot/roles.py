"""What one `pulse run` process does: collect, tag, bot, or all three (the default)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Role = Literal["collect", "tag", "bot"]
ROLES: tuple[Role, ...] = ("collect", "tag", "bot")
ALL_ROLES: frozenset[str] = frozenset(ROLES)

DESCRIPTIONS = {
    "collect": "run each enabled source on its schedule (one run per tick across processes on PostgreSQL)",
    "tag": "tag newly stored posts (processes split the backlog on PostgreSQL)",
    "bot": "Telegram commands, weekly digest, spike alerts (one polling process per bot token)",
}


def parse_roles(values: Iterable[str] | None) -> frozenset[str]:
    """Roles from `--role` values: repeated and/or comma-separated; 'all' or nothing means every role.

    Raises ValueError naming the unknown role.
    """
    roles: set[str] = set()
    for value in values or ():
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name == "all":
                roles |= ALL_ROLES
            elif name in ALL_ROLES:
                roles.add(name)
            else:
                raise ValueError(f"unknown role {part.strip()!r} (use {', '.join(ROLES)} or all)")
    return frozenset(roles) if roles else ALL_ROLES


def describe(roles: frozenset[str]) -> str:
    """'collect,tag' in a fixed order, or 'all'."""
    return "all" if roles == ALL_ROLES else ",".join(r for r in ROLES if r in roles)
