"""Sanity checker for tests/data/real_posts.jsonl (real public texts, labelled blind).

Usage: python tests/data/check_real_posts.py
Checks JSON validity, unique ids and texts, canonical labels (docs/taxonomy.md), each entity with
its category, quotes of at most 500 characters with a source address, and the composition the set
must keep: >= 1,500 texts, >= 35% not English over >= 8 languages, >= 300 texts with no label.
Prints per-language and per-label counts. Before adding texts, run
../shared/tools/holdout_guard.py on them (0 overlaps with the private evaluation set).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_labelled_posts import load_taxonomy  # noqa: E402

DATA = Path(__file__).resolve().parent / "real_posts.jsonl"
MIN_POSTS, MIN_NON_EN, MIN_LANGS, MIN_NEGATIVES = 1500, 0.35, 8, 300


def check(path: Path = DATA) -> tuple[dict, list[str]]:
    """(statistics, errors) of a real-posts file."""
    cats, ints, ents = load_taxonomy()
    errors: list[str] = []
    ids: set[str] = set()
    texts: set[str] = set()
    langs, c_cat, c_int = Counter(), Counter(), Counter()
    negatives = total = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            r = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: invalid JSON ({exc})")
            continue
        total += 1
        rid = r.get("id", f"line {n}")
        if rid in ids or not str(rid).startswith("real-"):
            errors.append(f"{rid}: duplicate or badly named id")
        ids.add(rid)
        text = str(r.get("text", ""))
        if not text.strip() or len(text) > 500:
            errors.append(f"{rid}: text empty or over 500 characters")
        if text.strip() in texts:
            errors.append(f"{rid}: same text as an earlier item")
        texts.add(text.strip())
        if not str(r.get("url", "")).startswith(("http://", "https://")):
            errors.append(f"{rid}: no source address")
        g = r.get("gold") or {}
        if g.get("lang") != r.get("lang"):
            errors.append(f"{rid}: gold.lang != lang")
        for c in g.get("categories", []):
            errors += [f"{rid}: unknown category {c!r}"] if c not in cats else []
        for i in g.get("interests", []):
            errors += [f"{rid}: unknown interest {i!r}"] if i not in ints else []
        for e in g.get("entities", []):
            if e not in ents:
                errors.append(f"{rid}: unknown entity {e!r}")
            elif ents[e] not in g.get("categories", []):
                errors.append(f"{rid}: entity {e!r} without its category {ents[e]!r}")
        langs[r.get("lang")] += 1
        c_cat.update(g.get("categories", []))
        c_int.update(g.get("interests", []))
        negatives += not (g.get("categories") or g.get("interests") or g.get("entities"))
    non_en = total - langs["en"]
    stats = {
        "posts": total,
        "non_english_share": round(non_en / max(total, 1), 3),
        "languages": dict(langs.most_common()),
        "no_label": negatives,
        "categories": dict(sorted(c_cat.items())),
        "interests": dict(sorted(c_int.items())),
    }
    if total < MIN_POSTS:
        errors.append(f"only {total} texts (< {MIN_POSTS})")
    if non_en < MIN_NON_EN * total:
        errors.append(f"only {non_en} texts not in English (< {MIN_NON_EN:.0%})")
    if len([lang for lang in langs if lang != "en"]) < MIN_LANGS:
        errors.append(f"fewer than {MIN_LANGS} languages besides English")
    if negatives < MIN_NEGATIVES:
        errors.append(f"only {negatives} texts with no label (< {MIN_NEGATIVES})")
    return stats, errors


def main() -> int:
    stats, errors = check()
    print(json.dumps(stats, ensure_ascii=False, indent=1))
    for e in errors:
        print("ERROR:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
