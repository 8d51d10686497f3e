"""Sanity checker for tests/data/labelled_posts.jsonl (the tagger's gold set).

Usage: python tests/data/check_labelled_posts.py [--min-posts N]
Checks JSON validity, id order/uniqueness, that every label is a canonical taxonomy string,
and the composition targets; prints per-language / per-label statistics.
"""
import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "labelled_posts.jsonl"
TAXONOMY = ROOT / "docs" / "taxonomy.md"
SOURCES = {"reddit", "x", "mastodon", "bluesky", "rss", "youtube"}
FOREIGN = ["es", "pt", "id", "fr", "de", "vi", "th", "ja", "ko"]


def load_taxonomy(path=TAXONOMY):
    text = path.read_text(encoding="utf-8")
    def section(name):
        m = re.search(rf"## {name}\n(.*?)(?=\n## |\Z)", text, re.S)
        return m.group(1)
    cats = [x.strip() for x in section("Categories").split(",") if x.strip()]
    ints = [x.strip() for x in section("Interests").split(",") if x.strip()]
    ents = {}
    for m in re.finditer(r"^- (\w+): (.*?)(?=^- |\Z)", section(r"Entities[^\n]*"), re.S | re.M):
        for name in m.group(2).replace("\n", " ").split(","):
            name = re.sub(r"\s+", " ", name).strip()
            if name:
                ents[name] = m.group(1)
    return set(cats), set(ints), ents


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-posts", type=int, default=440)
    args = ap.parse_args(argv)
    cats, ints, ents = load_taxonomy()
    errors = []
    rows = []
    for n, line in enumerate(DATA.read_text(encoding="utf-8").splitlines(), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: invalid JSON ({exc})")
    seen = set()
    c_lang, c_cat, c_int, c_ent = Counter(), Counter(), Counter(), Counter()
    hard = multi_int = multi_ent = 0
    for n, r in enumerate(rows, 1):
        rid = r.get("id")
        if rid != f"gold-{n:04d}":
            errors.append(f"line {n}: id {rid!r} out of order")
        if rid in seen:
            errors.append(f"line {n}: duplicate id {rid}")
        seen.add(rid)
        for key in ("source", "id", "url", "author", "text", "created_at", "lang", "metrics", "gold"):
            if key not in r:
                errors.append(f"{rid}: missing {key}")
        if r.get("source") not in SOURCES:
            errors.append(f"{rid}: bad source {r.get('source')!r}")
        if not str(r.get("created_at", "")).startswith(("2026-09", "2026-10", "2026-11")):
            errors.append(f"{rid}: created_at outside Sept-Nov 2026")
        g = r.get("gold", {})
        if g.get("lang") != r.get("lang"):
            errors.append(f"{rid}: gold.lang != lang")
        for c in g.get("categories", []):
            if c not in cats:
                errors.append(f"{rid}: unknown category {c!r}")
        for i in g.get("interests", []):
            if i not in ints:
                errors.append(f"{rid}: unknown interest {i!r}")
        for e in g.get("entities", []):
            if e not in ents:
                errors.append(f"{rid}: unknown entity {e!r}")
            elif ents[e] not in g.get("categories", []):
                errors.append(f"{rid}: entity {e!r} without its category {ents[e]!r}")
        for k in ("categories", "entities", "interests"):
            if len(set(g.get(k, []))) != len(g.get(k, [])):
                errors.append(f"{rid}: duplicate {k}")
        c_lang[r.get("lang")] += 1
        c_cat.update(g.get("categories", []))
        c_int.update(g.get("interests", []))
        c_ent.update(g.get("entities", []))
        hard += bool(r.get("hard_negative"))
        multi_int += len(g.get("interests", [])) >= 2
        multi_ent += len(g.get("entities", [])) >= 2
    total = len(rows)
    non_en = total - c_lang["en"]
    print(f"posts: {total}  non-English: {non_en} ({non_en / max(total, 1):.1%})  hard negatives: {hard}")
    print(f"posts with 2+ interests: {multi_int}  with 2+ entities: {multi_ent}  distinct entities: {len(c_ent)}")
    print("languages:", dict(c_lang.most_common()))
    print("categories:", {c: c_cat[c] for c in sorted(cats)})
    print("interests:", {i: c_int[i] for i in sorted(ints)})
    print("entities unused:", sorted(set(ents) - set(c_ent)))
    if total < args.min_posts:
        errors.append(f"only {total} posts (< {args.min_posts})")
    if non_en < 0.3 * total:
        errors.append("fewer than 30% non-English posts")
    for lang in FOREIGN:
        if c_lang[lang] < 12:
            errors.append(f"language {lang}: {c_lang[lang]} posts (< 12)")
    if hard < 100:
        errors.append(f"only {hard} hard negatives (< 100)")
    for c in cats:
        if c_cat[c] < 25:
            errors.append(f"category {c}: {c_cat[c]} posts (< 25)")
    for i in ints:
        if c_int[i] < 30:
            errors.append(f"interest {i}: {c_int[i]} posts (< 30)")
    if len(c_ent) < 50:
        errors.append(f"only {len(c_ent)} distinct entities (< 50)")
    for e in errors:
        print("ERROR:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
