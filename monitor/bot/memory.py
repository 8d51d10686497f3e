"""Keeps `pulse run`'s memory flat under a flood of commands: few malloc arenas and a small worker pool."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

WORKERS = 3
"""Threads for blocking work (queries, reports, tagging); more only add memory on a 2-core machine."""
MALLOC_ARENAS = 2
"""glibc gives each busy thread its own heap arena (up to 8 per core) that it rarely returns."""
_M_ARENA_MAX = -8  # mallopt parameter of glibc's malloc.h


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas (as MALLOC_ARENA_MAX would); False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def use_small_worker_pool(loop: asyncio.AbstractEventLoop, workers: int = WORKERS) -> None:
    """Make `asyncio.to_thread` run on at most `workers` threads."""
    loop.set_default_executor(ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pulse-worker"))
