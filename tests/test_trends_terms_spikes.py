"""Emerging terms (G², log-ratio, floors, watchlist exclusion) and spike detection, on constructed data."""

from __future__ import annotations

from datetime import date, timedelta

from pipelines.trends.spikes import SpikeRule, detect_spikes, spikes_in_series
from pipelines.trends.terms import TermDoc, emerging_terms, extract_terms, is_watched, watched_forms


def test_extract_terms_words_bigrams_hashtags():
    terms = extract_terms("OMG the Sky Dream series is out!! #SkyDream https://x.com/abc @someone 2026")
    assert {"sky", "dream", "series", "sky dream", "dream series", "#skydream"} <= terms
    assert not {"the", "is", "omg", "https", "someone", "2026", "x.com"} & terms
    assert "out" not in terms  # under three letters or a stopword: no signal
    # A stopword breaks a phrase: no "series out" or "dream the".
    assert "series out" not in terms
    # CJK runs are kept whole (no segmentation): names work when separated by spaces or punctuation.
    assert "苍兰诀" in extract_terms("追完了，苍兰诀 so good")


def doc(text: str, author: str) -> TermDoc:
    return TermDoc(extract_terms(text), author)


def test_emerging_terms_finds_the_new_term_and_skips_the_rest():
    baseline = [doc(f"labubu plush cute collection shelf {i % 7}", f"b{i % 50}") for i in range(400)]
    current = [doc(f"labubu plush cute collection shelf {i % 7}", f"c{i % 40}") for i in range(70)]
    current += [doc("queue for the zimomo drop tonight", f"z{i % 10}") for i in range(30)]  # new, 10 authors
    current += [doc("megaspam giveaway link", "bot") for _ in range(30)]  # new, one author
    watched = watched_forms(["Labubu", "#labubu", "blind box"])
    found = emerging_terms(current, baseline, watched=watched, min_docs=5, min_authors=3)
    terms = [t.term for t in found]
    # One event, one line: the phrase leads, the words of the same posts are listed with it.
    assert len(found) == 1
    assert {found[0].term, *found[0].related} == {"queue", "zimomo drop", "drop tonight"}  # words inside phrases dropped
    assert found[0].kind == "phrase"
    assert not any("megaspam" in t for t in terms)  # single author
    assert not any("labubu" in t for t in terms)  # watched, and not new
    assert "plush" not in terms and "cute" not in terms  # same rate as before
    top = found[0]
    assert top.docs == 30 and top.baseline_docs == 0 and top.authors == 10
    assert top.share == 30 / 130
    assert top.g2 > 10.83 and top.log_ratio > 1 and top.p_value < 0.001
    assert found == emerging_terms(current, baseline, watched=watched, min_docs=5, min_authors=3)


def test_emerging_terms_min_docs_and_empty_inputs():
    baseline = [doc("nothing here", "a")] * 50
    current = [doc("fresh thing appears", f"u{i}") for i in range(4)]
    assert emerging_terms(current, baseline, watched=set(), min_docs=5) == []
    assert emerging_terms([], baseline, watched=set()) == []
    assert emerging_terms(current, [], watched=set()) == []


def test_watched_forms_cover_names_hashtags_and_phrases():
    watched = watched_forms(["Black Myth: Wukong", "#ReelShort", "blind box"])
    assert is_watched("#reelshort", watched)
    assert is_watched("reelshort", watched)
    assert is_watched("blind box", watched)
    # Part of a watched name or alias is never suggested: it would only repeat the name.
    assert is_watched("black myth", watched) and is_watched("wukong", watched) and is_watched("box", watched)
    assert is_watched("myth wukong", watched)
    assert is_watched("wuko", watched) is False  # whole words only
    assert is_watched("wukong fans", watched) is False
    assert is_watched("#blindbox", watched)


def series_with(values: dict[int, int], length: int = 40, base: int = 4) -> list[int]:
    counts = [base + (i % 3) - 1 for i in range(length)]  # 3,4,5,3,4,5… mean 4
    for index, value in values.items():
        counts[index] = value
    return counts


def test_one_jump_is_one_spike():
    counts = series_with({30: 25})
    points = detect_spikes(counts)
    assert [p.index for p in points] == [30]
    history = counts[2:30]  # the 28 days before
    mean = sum(history) / 28
    assert points[0].mean == mean
    assert points[0].threshold == mean + 3.0 * mean**0.5  # Poisson floor: variance (≈0.67) < mean


def test_cooldown_makes_a_multi_day_event_alert_once():
    counts = series_with({30: 25, 31: 30, 32: 28, 33: 27})
    assert [p.index for p in detect_spikes(counts)] == [30]
    # A new event after the cooldown alerts again.
    counts = series_with({20: 25, 36: 60}, length=40)
    assert [p.index for p in detect_spikes(counts, SpikeRule(cooldown_days=3))] == [20, 36]


def test_small_counts_and_short_history_do_not_alert():
    assert detect_spikes([0] * 30 + [4]) == []  # 0 → 4: above k·σ of zeros but under min_count
    assert detect_spikes([0] * 30 + [6]) != []  # 0 → 6 clears both (σ floored at 1)
    assert detect_spikes([1, 1, 1, 40]) == []  # under min_history days
    rule = SpikeRule(min_count=30)
    assert detect_spikes(series_with({30: 25}), rule) == []
    # 1.4 a day → 7 clears mean + 3σ (≈ 4.9) but P(X >= 7 | 1.4) ≈ 8e-4: chance, with many entities.
    quiet = [1, 2, 1, 1, 2, 1, 2] * 4
    assert detect_spikes([*quiet, 7]) == []
    assert detect_spikes([*quiet, 7], SpikeRule(max_p=1e-2)) != []


def test_spikes_in_series_gives_dates_and_keys():
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(40)]
    spikes = spikes_in_series("Labubu", "toy", days, series_with({35: 30}))
    assert len(spikes) == 1
    assert spikes[0].day == date(2026, 12, 6)
    assert spikes[0].key == "spike:Labubu:2026-12-06"
    assert spikes[0].ratio == 30 / 4


def test_a_hashtag_that_spells_a_phrase_is_listed_with_it():
    baseline = [doc("ordinary drama talk tonight", f"b{i}") for i in range(200)]
    endings = ["finale was wild", "episode twelve hurt", "soundtrack slaps", "ending explained"]
    current = [doc(f"the jade heiress {endings[i % 4]}", f"a{i}") for i in range(30)]
    current += [doc("#TheJadeHeiress crying again", f"h{i}") for i in range(12)]
    found = emerging_terms(current, baseline, watched=set(), min_docs=5, min_authors=3)
    lead = next(t for t in found if t.term == "jade heiress")
    assert "#thejadeheiress" in lead.related
    assert "#thejadeheiress" not in [t.term for t in found]
