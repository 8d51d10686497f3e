"""The bundled synthetic sample corpus: reproducible, valid posts, and the documented trends present."""

from __future__ import annotations

import gzip
import importlib.util
import re
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest

from monitor.post_lines import parse_post_line
from monitor.posts import Post

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "monitor" / "sample_data"
CORPUS = SAMPLE_DIR / "sample_posts.jsonl.gz"
SCRIPT = ROOT / "scripts" / "generate_sample_corpus.py"
START = datetime(2026, 9, 28, tzinfo=UTC)
END = datetime(2026, 11, 23, tzinfo=UTC)

LABUBU = re.compile(r"labubu|pop ?mart|ラブブ|라부부|拉布布|ลาบูบู้|泡泡玛特|ポップマート|팝마트", re.IGNORECASE)
DRAMABOX = re.compile(r"drama ?box", re.IGNORECASE)
LEARNING = re.compile(
    r"learn|mandarin|hsk|chino|chinês|mandarim|chinois|mandarin|中国語|중국어|tiếng trung|ภาษาจีน", re.IGNORECASE
)
BLACK_MYTH = re.compile(r"black ?myth|黑神话", re.IGNORECASE)
TRIP = re.compile(r"trip|travel|visit|itinerary|viaje|voyage|reise|여행|聖地巡礼|fui pra", re.IGNORECASE)
PLACES = re.compile(r"shanxi|chongqing|temple|dazu|xiaoxitian|pingyao", re.IGNORECASE)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_sample_corpus", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


@pytest.fixture(scope="module")
def posts() -> list[Post]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        return [parse_post_line(line) for line in handle if line.strip()]


def week(post: Post) -> int:
    """0 for 2026-W40 … 7 for 2026-W47."""
    return (post.created_at - START).days // 7


def weekly(posts: list[Post], pattern: re.Pattern[str], extra: re.Pattern[str] | None = None) -> list[int]:
    counts = [0] * 8
    for post in posts:
        if pattern.search(post.full_text) and (extra is None or extra.search(post.full_text)):
            counts[week(post)] += 1
    return counts


def test_regenerating_gives_identical_bytes(generator: ModuleType, tmp_path: Path) -> None:
    import subprocess

    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "sample_posts.jsonl.gz").read_bytes() == CORPUS.read_bytes()
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    data, _ = generator.build()
    assert data == CORPUS.read_bytes()
    assert generator.build(seed=1)[0] != data  # the seed matters: the check above can fail


def test_file_is_small_gzip_without_timestamp() -> None:
    data = CORPUS.read_bytes()
    assert len(data) < 1_000_000
    assert data[:2] == b"\x1f\x8b"
    assert data[4:8] == b"\x00\x00\x00\x00"  # gzip mtime field


def test_every_line_is_a_post_in_the_eight_weeks(posts: list[Post]) -> None:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    assert len(posts) == len(lines) >= 2400
    ids = [p.id for p in posts]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("sample-") for i in ids)
    assert all(START <= p.created_at < END for p in posts)
    for zone in ("Europe/Berlin", "America/Los_Angeles", "Europe/Moscow"):  # the digest counts weeks locally
        local_weeks = {p.created_at.astimezone(ZoneInfo(zone)).isocalendar()[:2] for p in posts}
        assert local_weeks == {(2026, n) for n in range(40, 48)}, zone
    assert {p.source for p in posts} == {"reddit", "x", "mastodon", "bluesky", "rss", "youtube"}
    assert all(p.url and p.url.startswith("https://example.invalid/") for p in posts)
    assert all(p.text for p in posts)
    assert min(Counter(week(p) for p in posts).values()) >= 300
    assert "gold" not in lines[0] and '"synthetic"' not in lines[0]


def test_metrics_fit_the_source(posts: list[Post]) -> None:
    expected = {"reddit": {"score", "comments"}, "x": {"likes", "reposts", "replies", "views"},
                "bluesky": {"likes", "reposts", "replies"}, "mastodon": {"favourites", "reblogs", "replies"},
                "youtube": {"views", "likes", "comments"}, "rss": set()}
    for post in posts:
        assert set(post.metrics) == expected[post.source], post.id


def test_text_is_varied(posts: list[Post], generator: ModuleType) -> None:
    n_templates = sum(len(v) for v in generator.TEMPLATES.values())
    n_templates += sum(len(v) for table in (generator.BLACK_MYTH_TRAVEL, generator.JADE_HEIRESS,
                                            generator.PINO_JELLY, generator.NOISE) for v in table.values())
    assert n_templates >= 150
    assert len({p.author for p in posts}) >= 200
    assert len({p.full_text for p in posts}) >= 0.8 * len(posts)
    social = [p for p in posts if p.source in ("x", "bluesky", "mastodon")]
    langs = Counter(p.lang for p in social)
    assert set(langs) >= {"en", "es", "pt", "id", "fr", "de", "ja", "ko", "vi", "th"}
    assert 0.18 <= 1 - langs["en"] / len(social) <= 0.4
    for alias in ("Genshin", "原神", "#GenshinImpact", "HSR", "ラブブ", "LBFAD"):
        assert any(alias in p.full_text for p in posts), alias


def test_weekends_are_busier(posts: list[Post]) -> None:
    by_day = Counter(p.created_at.weekday() for p in posts)
    assert (by_day[5] + by_day[6]) / 2 > sum(by_day[d] for d in range(5)) / 5


def test_hard_negatives_and_noise_present(posts: list[Post]) -> None:
    texts = [p.full_text.lower() for p in posts]
    for phrase in ("drama at the office", "dog toy", "fast travel", "fine china", "porcelain china"):
        assert any(phrase in t for t in texts), phrase


def test_labubu_surge_in_latest_week_with_friday_spike(posts: list[Post]) -> None:
    counts = weekly(posts, LABUBU)
    baseline = sum(counts[3:7]) / 4
    assert counts[7] >= 1.8 * baseline
    assert max(counts[:7]) < 1.4 * baseline  # flat before
    w47 = [p for p in posts if week(p) == 7 and LABUBU.search(p.full_text)]
    by_day = Counter(p.created_at.date().isoformat() for p in w47)
    top_day, top = by_day.most_common(1)[0]
    assert top_day == "2026-11-20"
    assert top >= 2 * (len(w47) - top) / 6
    shopping = re.compile(
        r"queue|restock|resale|resell|sold out|sells out|bought|haul|lined up|in line|retail|spent|drop|preorder"
        r"|fila|antri|revend|esgot|agot|ต่อคิว|ของหมด|รีเซลล์|xếp hàng|hết hàng|줄|리셀|行列|転売|抽選|買",
        re.IGNORECASE,
    )
    assert sum(1 for p in w47 if shopping.search(p.full_text)) >= 0.5 * len(w47)


def test_dramabox_rises_steadily_with_language_interest(posts: list[Post]) -> None:
    counts = weekly(posts, DRAMABOX)
    assert counts[7] >= 2 * counts[0]
    assert sum(counts[4:]) >= 1.6 * sum(counts[:4])
    assert sum(1 for a, b in zip(counts, counts[1:], strict=False) if b >= a) >= 5
    learning = weekly(posts, DRAMABOX, LEARNING)
    assert sum(learning[6:]) >= 3 * sum(learning[:2])


def test_black_myth_travel_conversion(posts: list[Post]) -> None:
    travel = [0] * 8
    for post in posts:
        text = post.full_text
        if BLACK_MYTH.search(text) and (TRIP.search(text) or PLACES.search(text)):
            travel[week(post)] += 1
    assert max(travel[:6]) <= 4
    assert travel[6] >= 8 and travel[7] >= 12


def test_emerging_terms_only_in_latest_week_and_not_watched(posts: list[Post]) -> None:
    taxonomy = (ROOT / "docs" / "taxonomy.md").read_text(encoding="utf-8").lower()
    keywords = (ROOT / "config" / "keywords.yaml").read_text(encoding="utf-8").lower()
    for term, minimum in (("jade heiress", 40), ("pino jelly", 15)):
        counts = weekly(posts, re.compile(term, re.IGNORECASE))
        assert counts[:7] == [0] * 7, term
        assert counts[7] >= minimum, term
        assert term not in taxonomy and term not in keywords, f"{term!r} is now watched: pick a new emerging term"


def test_small_entities_change_by_a_few_posts(posts: list[Post]) -> None:
    tia = weekly(posts, re.compile(r"tia ray|袁娅维", re.IGNORECASE))
    assert tia[6] == 1 and tia[7] == 3
    film = weekly(posts, re.compile(r"full river red|满江红", re.IGNORECASE))
    assert max(film) <= 4


def test_readme_documents_synthetic_data_and_trends() -> None:
    text = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    for phrase in ("SYNTHETIC", "generate_sample_corpus.py", "Labubu", "DramaBox", "Black Myth", "The Jade Heiress",
                   "Pino Jelly", "2026-11-20", "20261123"):
        assert phrase in text, phrase


def test_other_categories_stay_stable_in_latest_week(generator: ModuleType) -> None:
    drafts = generator.Generator().build()
    counts = Counter((d.category, (d.when - START).days // 7) for d in drafts if d.stream != "black_myth_travel")
    for category in ("game", "animation", "film", "literature", "music", "noise"):
        baseline = sum(counts[(category, w)] for w in range(3, 7)) / 4
        latest = counts[(category, 7)]
        assert abs(latest - baseline) <= 2 * baseline**0.5 + 1, (category, latest, baseline)
