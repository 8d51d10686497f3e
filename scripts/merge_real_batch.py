"""Appends a labelled batch (JSON Lines from an annotator) to tests/data/real_posts.jsonl.

    python scripts/merge_real_batch.py BATCH.jsonl

Ids get the `real-` prefix (`b09-0001` -> `real-b09-0001`, so the dev/held-out split by id hash is
fixed from then on); texts already in the set are skipped. Run ../shared/tools/holdout_guard.py on
the batch first, and score it with `pulse eval --gold BATCH.jsonl` before tuning on it (log the
score in docs/tagging-log.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "tests" / "data" / "real_posts.jsonl"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    existing = {json.loads(line)["text"].strip() for line in TARGET.read_text(encoding="utf-8").splitlines() if line}
    added = skipped = 0
    with TARGET.open("a", encoding="utf-8") as out:
        for line in Path(argv[0]).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item["text"].strip() in existing:
                skipped += 1
                continue
            existing.add(item["text"].strip())
            if not item["id"].startswith("real-"):
                item["id"] = "real-" + item["id"]
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            added += 1
    print(f"added {added}, skipped {skipped} already in the set")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
