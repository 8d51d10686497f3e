"""Checks the bundled catalogue (pipelines/tagging/catalogue/*.yaml): schema, duplicate names, shared spellings.

    python scripts/check_catalogue.py

Exit 1 on a schema error or a duplicate (name, category); shared spellings across categories are
listed (they are allowed: the tagger asks for the category's context before counting them).
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.tagging.catalogue import BUILTIN_DIR, read_entries  # noqa: E402


def main() -> int:
    problems: list[str] = []
    keys: Counter[tuple[str, str]] = Counter()
    spellings: dict[str, set[str]] = defaultdict(set)
    per_file: dict[str, Counter[str]] = {}
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        try:
            entries = read_entries(path)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        per_file[path.name] = Counter(e.category for e in entries)
        for entry in entries:
            keys[(entry.name.casefold(), entry.category)] += 1
            for spelling in (entry.name, *entry.aliases):
                spellings[" ".join(spelling.casefold().split())].add(entry.category)
    problems += [f"duplicate entry {name!r} ({category})" for (name, category), n in keys.items() if n > 1]
    for name, counts in per_file.items():
        print(f"{name}: {sum(counts.values())} entries ({', '.join(f'{c} {n}' for c, n in sorted(counts.items()))})")
    shared = sorted(s for s, cats in spellings.items() if len(cats) > 1)
    print(f"{len(keys)} entries; {len(shared)} spellings shared by works of different categories (need context)")
    for problem in problems:
        print("error:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
