"""Benchmark: one watchlist edit from the chat on the shipped keywords file, step by step.

    .venv/bin/python bench/chat_edit.py [--runs 5]

Times the parts of `/watch NAME as CATEGORY` that do not depend on the database: the round-trip
parse and splice (`add_entity`), the validation a hand edit gets (`validate_text`: the whole
loader, catalogue files included), building the tagger for the new watchlist (what the reload
does before it swaps), and `remove_entity` (what `/unwatch` does). The re-tag of recent posts that
follows depends on how many posts the database holds (see bench/tagging.py for posts/s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config.keywords_editor import NewEntity, add_entity, remove_entity, validate_text  # noqa: E402

KEYWORDS = ROOT / "config" / "keywords.yaml"


def _time(fn) -> tuple[float, object]:  # noqa: ANN001
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from pipelines.tagging import build_tagger

    text = KEYWORDS.read_text(encoding="utf-8")
    entity = NewEntity("Zimomo", "toy", ("zimomos",))
    steps: dict[str, list[float]] = {"add_entity": [], "validate_text": [], "build_tagger": [], "remove_entity": []}
    for _ in range(args.runs):
        seconds, edited = _time(lambda: add_entity(text, entity, "added by @bench (id 0) via Telegram, now"))
        steps["add_entity"].append(seconds)
        seconds, watchlist = _time(lambda edited=edited: validate_text(KEYWORDS, edited))
        steps["validate_text"].append(seconds)
        seconds, _ = _time(lambda watchlist=watchlist: build_tagger(watchlist))
        steps["build_tagger"].append(seconds)
        seconds, (restored, _) = _time(lambda edited=edited: remove_entity(edited, "Zimomo"))
        steps["remove_entity"].append(seconds)
        assert restored == text
    print(f"keywords file: {KEYWORDS.relative_to(ROOT)} ({len(text.encode()):,} bytes, {text.count(chr(10)):,} lines), {args.runs} runs")
    for name, values in steps.items():
        print(f"{name:>14}: median {statistics.median(values) * 1000:8.1f} ms  (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})")


if __name__ == "__main__":
    main()
