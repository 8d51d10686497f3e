"""Tagging beyond the watchlist: China ties, the catalogue of works, the learned model (texts written for these tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from monitor.config import ConfigError, load_watchlist
from monitor.config.catalogue import CatalogueEntry
from pipelines.tagging import Tagger
from pipelines.tagging.catalogue import builtin_entries
from pipelines.tagging.classifier import BUNDLED, Classifier
from pipelines.tagging.evaluation import with_mode
from pipelines.tagging.patterns import work_spellings
from pipelines.tagging.training import train

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ROOT / "config" / "keywords.yaml"


@pytest.fixture(scope="module")
def watchlist():  # noqa: ANN201
    return load_watchlist(KEYWORDS)


@pytest.fixture(scope="module")
def rules(watchlist) -> Tagger:  # noqa: ANN001
    return Tagger(with_mode(watchlist, "rules"))


@pytest.fixture(scope="module")
def product(watchlist) -> Tagger:  # noqa: ANN001
    return Tagger(watchlist)


def tag(tagger: Tagger, text: str):  # noqa: ANN201
    return next(tagger.tag_texts([text]))


# -- an interest needs a tie to China ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Queued four hours for the stadium show tickets and they sold out anyway",
        "Twelve days of Rundreise through the temples of Kyoto and Nara, best holiday ever",
        "We visited the filming locations of our favourite Korean drama in Seoul",
        "Anyone else doing the visa-free transit thing on their layover? Booked it yesterday",
    ],
)
def test_interest_without_a_china_tie_gives_nothing(rules: Tagger, product: Tagger, text: str):
    assert tag(rules, text).interests == []
    assert tag(product, text).interests == []


def test_the_same_words_tied_to_china_count(rules: Tagger):
    assert tag(rules, "Queued four hours at Pop Mart for the new Labubu and they sold out anyway").interests == [
        "shopping"
    ]
    assert "travel" in tag(rules, "Booked the visa-free transit through Chengdu for my layover").interests


def test_studying_there_is_study_not_travel_unless_a_trip_is_described(rules: Tagger):
    assert tag(rules, "Starting my semester at Fudan University in Shanghai, the campus is huge").interests == ["study"]
    both = tag(rules, "Semester at Fudan University done, now a weekend trip to Hangzhou before flying home")
    assert set(both.interests) == {"travel", "study"}


def test_a_concert_tour_is_not_travel(rules: Tagger):
    assert "travel" not in tag(rules, "Jay Chou announced the European leg of his world tour").interests


# -- the catalogue: categories beyond the watchlist ------------------------------------------


def test_an_unlisted_catalogued_title_gives_its_category(rules: Tagger, watchlist):  # noqa: ANN001
    watched = {e.name.casefold() for e in watchlist.entities}
    titles: dict[str, set[str]] = {}
    for entry in builtin_entries():
        titles.setdefault(entry.name.casefold(), set()).add(entry.category)
    tagged = 0
    for entry in builtin_entries():
        strong, _ = work_spellings(entry)
        if entry.name not in strong or entry.name.casefold() in watched or len(titles[entry.name.casefold()]) > 1:
            continue
        tags = tag(rules, f"Last night I finally got around to {entry.name} and I have thoughts")
        if tags.entities:
            continue  # a watched entity's spelling inside the title wins, as documented
        assert entry.category in tags.categories, (entry.name, tags)
        assert any(sp["kind"] == "work" and sp["label"] == entry.name for sp in tags.spans)
        tagged += 1
        if tagged == 25:
            break
    assert tagged == 25


def test_a_chinese_title_from_the_catalogue_counts_in_any_script(rules: Tagger):
    tags = tag(rules, "看完了流星花園，哭了一整晚")
    assert tags.categories == ["drama"]
    assert tags.entities == []


@pytest.mark.parametrize("text", ["Be the hero of your own story", "I bought a bag of dumplings for lunch break"])
def test_an_ambiguous_title_alone_gives_nothing(rules: Tagger, text: str):
    assert tag(rules, text).categories == []


def test_an_ambiguous_title_counts_next_to_its_category(rules: Tagger):
    tags = tag(rules, "Jet Li in Hero is still the most beautiful wuxia film I know")
    assert "film" in tags.categories
    assert any(sp["kind"] == "work" and sp["label"] == "Hero" for sp in tags.spans)


def test_genre_words_next_to_an_origin_give_the_category(rules: Tagger):
    assert tag(rules, "My mum watches Chinese fantasy shows every night").categories == ["drama"]
    assert tag(rules, "Hong Kong series on TV in the 90s were the best").categories == ["drama"]
    assert tag(rules, "Estou viciada em séries chinesas").categories == ["drama"]
    assert tag(rules, "Chinese animation series are getting better").categories == ["animation"]
    assert tag(rules, "The three shows by the singer sold out").categories == []


def test_team_catalogue_file_extends_the_bundled_one(tmp_path: Path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        yaml.safe_dump([{"name": "Zzyzx Moonfall Chronicles", "category": "game", "kind": "game", "aliases": []}])
    )
    keywords = tmp_path / "keywords.yaml"
    data = yaml.safe_load(KEYWORDS.read_text(encoding="utf-8"))
    data["catalogue"] = {"files": ["extra.yaml"], "entries": [{"name": "Qqvex Dynasty Tales", "category": "drama"}]}
    data["model"] = {"mode": "rules"}
    keywords.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    tagger = Tagger(load_watchlist(keywords))
    assert tag(tagger, "Zzyzx Moonfall Chronicles has a new patch").categories == ["game"]
    assert tag(tagger, "rewatching Qqvex Dynasty Tales").categories == ["drama"]


def test_a_broken_catalogue_file_is_a_located_config_error(tmp_path: Path):
    (tmp_path / "extra.yaml").write_text("- name: Somework\n  category: podcast\n")
    data = yaml.safe_load(KEYWORDS.read_text(encoding="utf-8"))
    data["catalogue"] = {"files": ["extra.yaml", "missing.yaml"]}
    keywords = tmp_path / "keywords.yaml"
    keywords.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_watchlist(keywords)
    text = str(caught.value)
    assert "extra.yaml:2: [0].category: expected one of" in text
    assert "catalogue file 'missing.yaml' not found" in text


def test_an_animated_film_is_animation_not_film(rules: Tagger):
    assert tag(rules, "Is this Chinese film the best donghua of the year? The animation is stunning").categories == ["animation"]
    assert tag(rules, "A Chinese film about a courier in Chongqing, two hours of rain and neon").categories == ["film"]


def test_a_category_yielding_to_an_unknown_one_is_a_located_config_error(tmp_path: Path):
    data = yaml.safe_load(KEYWORDS.read_text(encoding="utf-8"))
    data["categories"]["film"]["yields_to"] = ["cartoons"]
    keywords = tmp_path / "keywords.yaml"
    keywords.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_watchlist(keywords)
    assert "categories.film.yields_to[0]: unknown category 'cartoons'" in str(caught.value)


def test_words_joined_by_an_ellipsis_or_a_comma_are_split_numbers_and_initials_are_not(rules: Tagger):
    from pipelines.tagging.pipeline import make_nlp

    words = [t.text for t in make_nlp()("so tired...dramas chinos,again 1,000 fans of G.E.M. 3.5 stars")]
    assert words[:6] == ["so", "tired", "...", "dramas", "chinos", ","]
    assert "1,000" in words and "G.E.M" in words and "3.5" in words
    assert tag(rules, "so tired after work...dramas chinos are my comfort now").categories == ["drama"]


# -- word stems for inflected languages --------------------------------------------------------


def _with_travel_weak(tmp_path: Path, lang: str, values: list[str]) -> Path:
    data = yaml.safe_load(KEYWORDS.read_text(encoding="utf-8"))
    data["interests"]["travel"]["weak"] = {lang: values}
    data["model"] = {"mode": "rules"}
    keywords = tmp_path / "keywords.yaml"
    keywords.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return keywords


def test_a_word_stem_matches_inflected_forms_at_the_start_of_a_word(tmp_path: Path):
    tagger = Tagger(load_watchlist(_with_travel_weak(tmp_path, "xx", ["zwervel*"])))
    for text in ("Zwervelden drie weken door Chengdu", "we gingen zwervelen in Chengdu", "ZWERVELTOCHT: Chengdu!"):
        result = tag(tagger, text)
        assert result.interests == ["travel"], text
        assert any(sp["kind"] == "interest" and sp["text"].lower().startswith("zwervel") for sp in result.spans), text
    assert tag(tagger, "onzwervelbaar in Chengdu").interests == []  # inside a word: no
    assert tag(tagger, "zwervelden drie weken door Osaka").interests == []  # still needs its China tie


@pytest.mark.parametrize("bad", ["ab*", "two words*", "mid*dle*", "*"])
def test_a_malformed_word_stem_is_a_located_config_error(tmp_path: Path, bad: str):
    with pytest.raises(ConfigError) as caught:
        load_watchlist(_with_travel_weak(tmp_path, "xx", ["trip", bad]))
    message = str(caught.value)
    assert "keywords.yaml:" in message and "interests.travel.weak.xx: word stem" in message
    assert repr(bad) in message


def test_bundled_catalogue_is_valid_and_large():
    entries = builtin_entries()
    assert len(entries) >= 1500
    assert len({(e.name.casefold(), e.category) for e in entries}) == len(entries)
    assert {e.category for e in entries} == {"drama", "game", "toy", "animation", "film", "literature", "music"}
    assert all(isinstance(e, CatalogueEntry) for e in entries)


# -- the learned model ------------------------------------------------------------------------


def test_bundled_model_file_loads_and_is_small():
    classifier = Classifier.load(BUNDLED)
    assert BUNDLED.stat().st_size < 20 * 1024 * 1024
    assert set(classifier.models) == {"text", "stacked"}
    for model in classifier.models.values():
        assert model.weights.shape[0] == len(model.labels) == len(model.thresholds)
        assert all(label.startswith(("cat:", "int:")) for label in model.labels)


def test_a_broken_model_file_is_refused_with_its_path(tmp_path: Path):
    broken = tmp_path / "model.npz"
    broken.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="model.npz"):
        Classifier.load(broken)


def test_model_tags_say_so(product: Tagger):
    texts = [
        "The drama's royal banquets made me crave everything they ate, I need to find those dishes",
        "Learning Chinese from Jay Chou lyrics, my tones are finally getting better",
        "Pop Mart opened its first store in Amsterdam and the line went round the block",
    ]
    for tags in product.tag_texts(texts):
        for sp in tags.spans:
            if "by" in sp:
                assert sp["by"].startswith("model ")
                assert (sp["label"] in tags.categories) or (sp["label"] in tags.interests)


def test_modes_rules_model_both_all_run(watchlist):  # noqa: ANN001
    text = "Pop Mart shares jumped after record Labubu sales in Europe"
    for mode in ("rules", "model", "both"):
        tags = tag(Tagger(with_mode(watchlist, mode)), text)
        assert tags.entities == ["Labubu", "Pop Mart"] or tags.entities == ["Pop Mart", "Labubu"]
        assert "toy" in tags.categories  # watched entities' categories always count


def test_a_retrain_with_the_same_seed_gives_the_same_tags(tmp_path: Path, watchlist):  # noqa: ANN001
    gold = tmp_path / "gold.jsonl"
    lines = (ROOT / "tests" / "data" / "labelled_posts.jsonl").read_text(encoding="utf-8").splitlines()[:400]
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts = [json.loads(line)["text"] for line in lines[:120]]
    tags = []
    for run in ("a", "b"):
        classifier, _ = train(watchlist, [gold], seed=7)
        path = tmp_path / f"model-{run}.npz"
        classifier.save(path)
        mode = watchlist.model.model_copy(update={"mode": "both", "file": str(path)})
        tagger = Tagger(watchlist.model_copy(update={"model": mode}), language=False)
        tags.append(list(tagger.tag_texts(texts)))
    assert tags[0] == tags[1]
    assert any(t.categories or t.interests for t in tags[0])


def test_real_labelled_set_keeps_its_composition():
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_real_posts", ROOT / "tests" / "data" / "check_real_posts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stats, errors = module.check()
    assert errors == []
    assert stats["posts"] >= 1500 and stats["no_label"] >= 300


def test_suggestions_point_at_catalogued_works_not_watched(watchlist):  # noqa: ANN001
    from pipelines.trends.build import catalogued_terms
    from pipelines.trends.terms import EmergingTerm

    def term(text: str, related: tuple[str, ...] = ()) -> EmergingTerm:
        return EmergingTerm(text, "phrase", 30, 2, 0.03, 0.002, 80.0, 1e-9, 3.9, 12, related)

    marked = catalogued_terms([term("meteor garden"), term("#meteorgarden"), term("bus strike", ("garden",))], watchlist)
    assert marked[0].catalogued == marked[1].catalogued == "Meteor Garden (drama)"
    assert marked[2].catalogued == ""


# -- this session's design changes ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Big argument at the office today, the intern and the accountant fought over the window again",
        "Waved at my dad from the stands during the football game and the camera caught me",
        "Got the last ticket for the festival, the queue went round the block twice",
    ],
)
def test_the_model_adds_nothing_to_a_post_without_a_china_tie(product: Tagger, text: str):
    tags = tag(product, text)
    assert tags.categories == [] and tags.interests == []
    assert not any("by" in sp for sp in tags.spans)


def test_a_price_in_yuan_ties_a_post_to_china(rules: Tagger):
    assert "travel" in tag(rules, "Paid 90 yuan a night for the hostel and the sleeper train took eleven hours").interests
    assert tag(rules, "Paid 90 euros a night for the hostel and the sleeper train took eleven hours").interests == []


def test_people_names_get_no_joined_spelling(rules: Tagger):
    for text in ("Huge queue at the bakery this morning", "Lichen all over the garden wall after the rain"):
        tags = tag(rules, text)
        assert tags.categories == [] and not any(sp["kind"] == "work" for sp in tags.spans), (text, tags)
    assert "drama" in tag(rules, "Hu Ge carries every scene of that palace drama").categories


def test_a_multiword_title_in_another_alphabet_counts_even_when_the_work_is_ambiguous():
    entry = CatalogueEntry(
        name="Moonlit Garden", category="literature", kind="novel", origin="cn",
        aliases=["Лунный сад над рекой", "Сад"], ambiguous=True,
    )
    strong, weak = work_spellings(entry)
    assert "Лунный сад над рекой" in strong
    assert "Сад" in weak and "Moonlit Garden" in weak


def test_model_features_share_character_ngrams_across_inflections():
    from spacy.lang.en import English

    from pipelines.tagging.classifier import featurize, token_ids

    nlp = English()
    docs = [nlp("viaggiare"), nlp("viaggio"), nlp("biblioteca biblioteca")]
    matrix = featurize([token_ids(d) for d in docs], None, nlp.vocab.strings)
    a, b, c = (set(matrix[i].indices) for i in range(3))
    assert a & b  # "<via", "viag", "iagg"... are shared, the whole words are not
    assert matrix[2].data.max() == 1.0  # a repeated word counts once (binary features)


def test_the_tie_check_and_the_rule_view_agree_on_what_ties_a_post(watchlist):  # noqa: ANN001
    from pipelines.tagging.classifier import is_tied, rule_view
    from pipelines.tagging.components import TAGS_KEY, doc_matched
    from pipelines.tagging.pipeline import build_pipeline

    nlp = build_pipeline(with_mode(watchlist, "rules"))
    expected = {
        "Paid 90 yuan for dumplings near the station": True,  # a Chinese currency
        "Our office drama never ends, the printer war continues": False,
        "Learning Mandarin with my tutor every Sunday": True,  # the Chinese language
        "Booked a week in Lisbon for the spring holidays": False,
        "Genshin's new region looks gorgeous": True,  # a category
    }
    for text, doc in zip(expected, nlp.pipe(expected)):
        tags, matched = doc.user_data[TAGS_KEY], doc_matched(doc)
        assert is_tied(tags, matched) is expected[text], text
        assert rule_view(tags, matched, {}).tied is expected[text], text


def test_a_noun_inside_a_longer_noun_of_another_category_does_not_cancel_it(rules: Tagger):
    assert tag(rules, "Une très bonne série d'animation chinoise, vue en une soirée").categories == ["animation"]
    assert tag(rules, "une série télé chinoise sur la cuisine").categories == ["drama"]
    assert tag(rules, "Chinese animation series keep getting better").categories == ["animation"]
