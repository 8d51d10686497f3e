"""The tagger on tricky posts: exclusions, context, languages, hashtags, emoji; config-driven behaviour."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import ConfigError, load_watchlist
from monitor.posts import Post
from pipelines.tagging import PIPE_NAMES, Tagger, build_tagger
from pipelines.tagging.evaluation import evaluate, load_gold, split_of, with_mode
from pipelines.tagging.patterns import inflections, surface_variants

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ROOT / "config" / "keywords.yaml"


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    """The keyword rules alone (mode `rules`): what these tests pin down; the learned model has its own tests."""
    return Tagger(with_mode(load_watchlist(KEYWORDS), "rules"))


def tag(tagger: Tagger, text: str):  # noqa: ANN201
    return next(tagger.tag_texts([text]))


def test_pipeline_is_inspectable_spacy(tagger: Tagger):
    assert tuple(tagger.nlp.pipe_names) == PIPE_NAMES[:3]
    assert tuple(build_tagger(KEYWORDS).nlp.pipe_names) == PIPE_NAMES  # the default mode adds the model
    assert tagger.nlp.get_pipe_meta("culture_matcher").factory == "culture_matcher"


# -- entities, variants, hashtags, emoji -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entities", "categories"),
    [
        ("queued 3 hours at POP MART for the new Labubu", ["Pop Mart", "Labubu"], ["toy"]),
        ("my haul today #labubu #popmart", ["Labubu", "Pop Mart"], ["toy"]),
        ("Labubu😭😭😭 why are you so expensive", ["Labubu"], ["toy"]),
        ("🔥Genshin🔥 new banner", ["Genshin Impact"], ["game"]),
        ("Honkai Star Rail 3.7 is great", ["Honkai: Star Rail"], ["game"]),
        ("#HonkaiStarRail leaks", ["Honkai: Star Rail"], ["game"]),
        ("Heaven Official’s Blessing season 2 when", ["Heaven Official's Blessing"], ["animation"]),
        ("saw G.E.M. live, what a voice", ["G.E.M."], ["music"]),
        ("G.E.M.'s new song 😭", ["G.E.M."], ["music"]),
        ("the three body problem netflix show", ["The Three-Body Problem"], ["literature"]),
        ("three-body problem made me cry", ["The Three-Body Problem"], ["literature"]),
        ("collecting all the Labubus this year", ["Labubu"], ["toy"]),
    ],
)
def test_entities_with_variants_hashtags_and_emoji(tagger: Tagger, text, entities, categories):
    tags = tag(tagger, text)
    assert sorted(tags.entities) == sorted(entities)
    assert tags.categories == categories


@pytest.mark.parametrize("text", ["new c-drama rec?", "new c drama rec?", "new cdrama rec?", "loving this #cdrama", "CDRAMAS are my life"])
def test_category_cue_spelling_variants(tagger: Tagger, text):
    assert tag(tagger, text).categories == ["drama"]


def test_spans_explain_each_label(tagger: Tagger):
    text = "Bought a Labubu at Pop Mart"
    tags = tag(tagger, text)
    by_label = {(s["kind"], s["label"]): text[s["start"] : s["end"]] for s in tags.spans}
    assert by_label[("entity", "Labubu")] == "Labubu"
    assert by_label[("entity", "Pop Mart")] == "Pop Mart"
    assert by_label[("interest", "shopping")] == "Bought"


# -- exclusions and context (each configured ambiguity) ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "so much drama at work today, my manager and HR again",
        "family drama at thanksgiving, pass the potatoes",
        "my dog's favorite toy is a rubber chicken",
        "My Wukong robot vacuum keeps getting stuck under the couch",
        "UBTech's Wukong educational robot is piloted in schools",
        "Inherited my grandmother's fine china, is it dishwasher safe?",
        "This electric hot pot is perfect for dorms, 20% off today",
        "My aunt Molly is turning 90, party ideas?",
        "coworker called me a crybaby for taking a sick day",
        "YOLO on TSLA puts again",
        "Hi Mom! landed safe in Denver",
        "Found a white snake (leucistic corn snake) at the reptile expo",
        "Soul Land Estates: 4 bed, 2 bath, open house sunday",
        "jugo de mandarina recién exprimido 🍊",
        "Tokyo itinerary done! Shibuya and Kyoto",
        "Taking Spanish at community college",
        "ZZZ so tired tonight",
        "what a gem of a show",
    ],
)
def test_hard_negatives_get_no_tags(tagger: Tagger, text):
    tags = tag(tagger, text)
    assert (tags.categories, tags.entities, tags.interests) == ([], [], []), tags.spans


def test_fast_travel_in_a_game_is_not_travel(tagger: Tagger):
    tags = tag(tagger, "Genshin fast travel waypoints are too far apart in the new region")
    assert tags.entities == ["Genshin Impact"] and tags.interests == []


def test_ambiguous_names_count_with_context(tagger: Tagger):
    assert tag(tagger, "Molly 20th anniversary figure at Pop Mart").entities == ["Molly", "Pop Mart"]
    assert tag(tagger, "Wukong boss fights are brutal, Game Science cooked").entities == ["Black Myth: Wukong"]
    assert tag(tagger, "Hi Mom on Netflix, Jia Ling is a treasure").entities == ["Hi Mom"]


def test_travel_needs_a_chinese_place_or_a_china_phrase(tagger: Tagger):
    assert tag(tagger, "I need to go to Chongqing after that drama").interests == ["travel"]
    assert tag(tagger, "I need to go to Lisbon after that drama").interests == []
    assert tag(tagger, "240-hour visa-free transit in Chengdu, question").interests == ["travel"]
    assert tag(tagger, "240-hour visa-free transit question").interests == []  # nothing ties it to China


def test_shopping_needs_a_culture_context(tagger: Tagger):
    assert "shopping" in tag(tagger, "bought two Dimoo blind boxes").interests
    assert tag(tagger, "bought a motorcycle yesterday").interests == []


def test_place_inside_a_title_is_not_a_place(tagger: Tagger):
    tags = tag(tagger, "Went to see Blossoms Shanghai again tonight")
    assert tags.entities == ["Blossoms Shanghai"] and "travel" not in tags.interests


def test_inflected_interest_phrases(tagger: Tagger):
    assert "language" in tag(tagger, "I started learning Chinese because of Genshin").interests
    assert "language" in tag(tagger, "she learned mandarin in a year").interests
    assert "food" in tag(tagger, "free dumplings after the Wandering Earth screening").interests


# -- languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "entities", "interests"),
    [
        ("Hice fila 5 horas en Pop Mart para comprar un Labubu", "es", ["Pop Mart", "Labubu"], ["shopping"]),
        ("Comecei a aprender mandarim por causa dos doramas chineses", "pt", [], ["language"]),
        ("antri Labubu di Pop Mart Grand Indonesia dari jam 6 pagi", "id", ["Labubu", "Pop Mart"], ["shopping"]),
        ("Je pars étudier un an à l'Université de Pékin grâce à une bourse", "fr", [], ["study"]),
        ("Mein Chinesischlehrer sagt, meine Töne sind endlich sauber. Danke, Jay Chou", "de", ["Jay Chou"], ["language"]),
        ("đi Thành Đô 5 ngày, ăn lẩu Tứ Xuyên mỗi tối", "vi", [], ["travel", "food"]),
        ("ต่อคิวลาบูบู้ที่ป๊อปมาร์ทตั้งแต่ตีห้า", "th", ["Labubu", "Pop Mart"], ["shopping"]),
        ("原宿のポップマートでラブブ買うのに3時間並んだ", "ja", ["Pop Mart", "Labubu"], ["shopping"]),
        ("충칭 여행 다녀왔어요! 훠궈 진짜 맛있고 무비자라 편했어요", "ko", [], ["travel", "food"]),
        ("在纽约的泡泡玛特排了三个小时才买到Labubu", "zh", ["Pop Mart", "Labubu"], ["shopping"]),
    ],
)
def test_each_language(tagger: Tagger, text, lang, entities, interests):
    tags = tag(tagger, text)
    assert tags.lang == lang
    assert sorted(tags.entities) == sorted(entities)
    assert tags.interests == interests


def test_korean_particles_and_substrings(tagger: Tagger):
    assert tag(tagger, "라부부를 드디어 샀다").entities == ["Labubu"]
    assert tag(tagger, "갑자기 고양이가 나타났다").entities == []  # 나타 (Ne Zha) inside 나타나다 needs context


def test_tag_posts_keeps_order_and_uses_title(tagger: Tagger):
    now = datetime(2026, 11, 20, tzinfo=UTC)
    posts = [
        Post(source="x", id=str(i), title=title, text=text, created_at=now)
        for i, (title, text) in enumerate([("Labubu haul", "so cute"), (None, "nothing here"), (None, "Jay Chou concert")])
    ]
    tags = list(tagger.tag_posts(posts))
    assert [t.entities for t in tags] == [["Labubu"], [], ["Jay Chou"]]


def test_worker_pool_gives_the_same_tags_in_order(tagger: Tagger):
    texts = ["Labubu at Pop Mart", "nothing to see", "trip to Chengdu for hot pot", "原神の新キャラ"] * 300
    pooled = Tagger(tagger.watchlist, workers=2)
    assert list(pooled.tag_texts(texts)) == list(tagger.tag_texts(texts))
    product = build_tagger(KEYWORDS)  # rules + learned model, one process and two
    assert list(build_tagger(KEYWORDS, workers=2).tag_texts(texts)) == list(product.tag_texts(texts))


# -- sentences written for these tests, not taken from the gold set ------------------------------

FRESH = [
    ("Just got back from two weeks in Xi'an and Chengdu, the pandas were worth the 14h flight", {"travel"}),
    ("Is Alipay easy to set up as a tourist? Heading to Beijing in March", {"travel"}),
    ("Made my own mapo tofu after watching Blossoms Shanghai, turned out spicy af", {"food"}),
    ("anyone know a good Sichuan place in Toronto? the cdrama hotpot scenes are killing me", {"food"}),
    ("Applying for the CSC scholarship this year, wish me luck. Genshin made me love China", {"study"}),
    ("Got into a master's program in Hangzhou!", {"study"}),
    ("Started Mandarin classes because of Jay Chou, my tones are terrible", {"language"}),
    ("Passed HSK 2 today 🎉 thanks to all the cdramas", {"language"}),
    ("Pop Mart shares jumped 8% after record Labubu sales in Europe", {"business"}),
    ("miHoYo is reportedly laying off staff at its Singapore office", {"business"}),
    ("ReelShort's parent raised $100 million in new funding", {"business"}),
    ("finally copped the Skullpanda I wanted, paid way too much on the resale market", {"shopping"}),
    ("Jay Chou tickets go on sale Friday, who's trying?", {"shopping"}),
    ("ordered the Genshin Hu Tao figure from the official store", {"shopping"}),
    ("Fui a Shanghái en mayo y probé los xiaolongbao, increíbles", {"travel", "food"}),
    ("Estou aprendendo chinês há um ano por causa dos doramas", {"language"}),
    ("J'ai acheté trois Labubu à la boutique Pop Mart de Paris", {"shopping"}),
    ("Ich fliege im Sommer nach Chengdu, wegen der Pandas und wegen Genshin", {"travel"}),
    ("Aku mau kuliah S2 di Beijing pakai beasiswa pemerintah China", {"study"}),
    ("Mình vừa mua được Labubu ở Pop Mart Vincom", {"shopping"}),
    ("อยากไปเที่ยวเฉิงตูเพราะดูซีรีส์จีน", {"travel"}),
    ("中国語の勉強を始めました。原神のおかげです", {"language"}),
    ("라부부 사려고 팝마트 앞에서 3시간 줄 섰어", {"shopping"}),
    ("我的外国朋友因为看《庆余年》开始学中文", {"language"}),
    ("Booked flights to Lisbon for the summer, so excited", set()),
    ("My kid's toy collection is out of control", set()),
    ("The stock market is crazy today", set()),
    ("Mandarin oranges are in season!", set()),
    ("Genshin's new region is gorgeous, fast travel points everywhere", set()),
    ("Day 3 in Chongqing: the 8D city is real, took the monorail through a building", {"travel"}),
    ("My Guilin photos are finally up! Li river cruise was unreal", {"travel"}),
    ("planning a China trip around Black Myth Wukong locations, any tips?", {"travel"}),
    ("we did Beijing-Xi'an-Shanghai by bullet train, super easy with Trip.com", {"travel"}),
    ("visiting Zhangjiajie next spring because of Avatar and Genshin", {"travel"}),
    ("Chinatown dim sum crawl after the Ne Zha 2 screening 🥟", {"food"}),
    ("Tried making jianbing at home, nowhere near as good as Tianjin", {"food"}),
    ("the hot pot in Love Between Fairy and Devil ep 12 made me so hungry lol", {"food"}),
    ("Learning to read simplified characters through web novels, slowly", {"language"}),
    ("My Chinese tutor on italki assigns me cdrama clips as homework", {"language"}),
    ("Anyone done a summer program at Fudan? Thinking of it after years of cdramas", {"study"}),
    ("Got the Chinese Government Scholarship!! Moving to Nanjing in September", {"study"}),
    ("Black Myth: Wukong sold 20 million copies in a month", {"business"}),
    ("Tencent invests in a new short drama studio in LA", {"business"}),
    ("Pop Mart opened its 500th overseas store, revenue doubled", {"business"}),
    ("NetEase closes its Japanese studio after Marvel Rivals success? weird timing", {"business"}),
    ("pre-ordered the Wuthering Waves Jinhsi figure, ships in March", {"shopping"}),
    ("spent 300 dollars on Labubu blind boxes this month, send help", {"shopping"}),
    ("Where can I buy official Heaven Official's Blessing merch in Europe?", {"shopping"}),
    ("Hacipupu restocks at 10am, set your alarms", {"shopping"}),
    ("Compré boletos para el concierto de Jackson Wang en CDMX", {"shopping"}),
    ("Consegui ingresso pro show do Jay Chou em São Paulo!!!", {"shopping"}),
    ("Les ventes de Pop Mart explosent en France grâce à Labubu", {"business"}),
    ("Nächstes Jahr mache ich ein Auslandssemester in Peking", {"study"}),
    ("Belajar bahasa Mandarin gara-gara Genshin, sekarang udah HSK 3", {"language"}),
    ("Đi Trùng Khánh chơi 5 ngày, đồ ăn cay mà ngon", {"travel", "food"}),
    ("เก็บเงินไปเที่ยวเซี่ยงไฮ้ ดูคอนเสิร์ตเจย์ โชว์", {"travel"}),
    ("上海に行って小籠包を食べたい", {"travel", "food"}),
    ("중국어 공부 시작했어요 원신 때문에", {"language"}),
    ("泡泡玛特海外营收增长超过三倍", {"business"}),
    ("Honestly the Labubu craze made me look up flights to Beijing lol", {"travel"}),
    ("3 nights in Hangzhou, West Lake at sunrise looked straight out of a xianxia drama", {"travel"}),
    ("Has anyone used the 144h transit from Guangzhou? going for the Pop Mart stores", {"travel"}),
    ("after Soul Land I really want to see Yunnan someday", {"travel"}),
    ("mi sueño es ir a Chengdu a ver los pandas después de ver tantos c-dramas", {"travel"}),
    ("Minha viagem pra Xangai foi incrível, comprei vários Labubus", {"travel", "shopping"}),
    ("Voyage à Pékin le mois prochain, des conseils ?", {"travel"}),
    ("ngetrip ke Chongqing bulan depan, ada rekomendasi?", {"travel"}),
    ("hotpot night with friends after binging The Untamed 🌶️", {"food"}),
    ("The dumplings scene in Hidden Love had me ordering takeout immediately", {"food"}),
    ("Recette de raviolis chinois inspirée de Joy of Life", {"food"}),
    ("Nach Ne Zha 2 gab es bei uns Jiaozi, selbst gemacht", {"food"}),
    ("found an amazing malatang place near campus, tastes like the cdrama ones", {"food"}),
    ("Got accepted to Peking University's master's program 😭", {"study"}),
    ("Is the HSK 4 enough for a Chinese university scholarship?", {"study", "language"}),
    ("I'm memorizing Jay Chou lyrics to practice my Mandarin pronunciation", {"language"}),
    ("My Duolingo streak is 200 days, all because of Love Between Fairy and Devil", {"language"}),
    ("Finally can watch cdramas without subtitles after 2 years of Chinese lessons!", {"language"}),
    ("HoYoverse revenue fell 20% last quarter as Genshin ages", {"business"}),
    ("Labubu maker Pop Mart is now worth more than Sanrio", {"business"}),
    ("Tencent Video signs licensing deal with Netflix for 10 cdramas", {"business"}),
    ("Pop Mart is hiring store managers in London", {"business"}),
    ("bought 4 blind boxes and got the secret one!!!", {"shopping"}),
    ("The Skullpanda restock sold out in 2 minutes again", {"shopping"}),
    ("Which site ships Genshin merch to Brazil cheapest?", {"shopping"}),
    ("I spent my whole paycheck on Love and Deepspace merch", {"shopping"}),
    ("queued since 5am at Pop Mart for Labubu 😭", {"shopping"}),
    ("got my Jay Chou concert tickets!!!!", {"shopping"}),
    # marketplace and after-sale words count as shopping near merch
    ("the Shopee seller sent me a bootleg Skullpanda and is ignoring my refund request", {"shopping"}),
    # idioms with business words are not business; store openings are
    ("I grew up on Jay Chou, this concert is the real deal", set()),
    ("Pop Mart abrirá una segunda tienda en Sevilla el próximo año", {"business"}),
    # Cantonese counts as Chinese; Confucius Institute courses are language classes, not study
    ("signed up for Cantonese lessons after a month of Jackson Wang on repeat", {"language"}),
    ("Me inscribí en el Instituto Confucio para empezar chino en enero", {"language"}),
    # a Taiwanese city is a place in the Chinese-speaking world for travel
    ("flying to Kaohsiung next week for the Jay Chou show", {"travel"}),
    # business requires_context: money talk counts next to Chinese culture, places or companies only
    ("The new superhero sequel could gross $1bn at the box office", set()),
    ("Ne Zha 2 has grossed over $2bn at the box office", {"business"}),
    # a meal in a drama post is not an interest in Chinese food
    ("my dad keeps bringing up Nirvana in Fire at dinner", set()),
]


@pytest.mark.parametrize(("text", "interests"), FRESH)
def test_interests_on_fresh_sentences(tagger: Tagger, text, interests):
    assert set(tag(tagger, text).interests) == interests


# -- configuration drives tagging -------------------------------------------------------------

MINIMAL = """\
categories:
  toy:
    label: Toys
    cues: [blind box]
interests:
  food:
    label: Food
    phrases:
      en: [hot pot]
entities:
  - {name: Labubu, category: toy, aliases: [拉布布]}
"""


def test_editing_the_config_changes_tagging(tmp_path: Path):
    path = tmp_path / "keywords.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    text = "Crystal Bunny figure and hot pot tonight"
    before = tag(build_tagger(path, language=False), text)
    assert before.entities == [] and before.interests == ["food"]
    path.write_text(
        MINIMAL
        + "  - {name: Crystal Bunny, category: toy, aliases: [Kristallhase]}\n"
        + "rules:\n  exclude: [hot pot tonight]\n",
        encoding="utf-8",
    )
    after = tag(build_tagger(path, language=False), text)
    assert after.entities == ["Crystal Bunny"] and after.categories == ["toy"]
    assert after.interests == []  # the new global exclusion hides "hot pot"


@pytest.mark.parametrize(
    ("snippet", "line", "field", "message"),
    [
        ("  - {name: Bad, category: toy, aliases: ['re:(unclosed']}\n", 12, "entities[1].aliases", "invalid regular expression"),
        ("  - {name: Bad, category: toy, aliases: ['!!']}\n", 12, "entities[1].aliases", "no letter or digit"),
        ("  - {name: Bad, category: toy, aliases: ['   ']}\n", 12, "entities[1].aliases", "expected a list of strings"),
        ("  - {name: Bad, category: toy, context: ['@nowhere']}\n", 12, "entities[1].context[0]", "unknown group '@nowhere'"),
        ("  - {name: Bad, category: toy, hashtags: ['no spaces']}\n", 12, "entities[1].hashtags", "may only contain"),
    ],
)
def test_broken_patterns_are_reported_with_file_and_line(tmp_path: Path, snippet, line, field, message):
    path = tmp_path / "keywords.yaml"
    path.write_text(MINIMAL + snippet, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        build_tagger(path)
    problem = info.value.problems[0]
    assert problem.file.endswith("keywords.yaml")
    assert problem.line == line
    assert problem.field.startswith(field)
    assert message in problem.message
    assert str(problem).startswith(f"{problem.file}:{line}: ")


def test_bad_language_key_is_located(tmp_path: Path):
    path = tmp_path / "keywords.yaml"
    path.write_text(MINIMAL.replace("      en: [hot pot]", "      English: [hot pot]"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_watchlist(path)
    assert info.value.problems[0].line == 8 and "language key" in info.value.problems[0].message


def test_shipped_config_is_valid():
    watchlist = load_watchlist(KEYWORDS)
    assert len(watchlist.entities) == 76
    assert {"travel", "food", "study", "language", "business", "shopping"} == set(watchlist.interests)


# -- pattern generation and evaluation helpers --------------------------------------------------


def _lower(values: set[str]) -> set[str]:
    return {v.lower() for v in values}


def test_surface_variants_and_inflections():
    assert {"c-drama", "c drama", "cdrama"} <= _lower(surface_variants("C-Drama"))
    assert {"honkai star rail", "honkaistarrail"} <= _lower(surface_variants("Honkai: Star Rail", joined=True))
    assert "labubus" in _lower(surface_variants("Labubu", plural=True))
    assert _lower(surface_variants("G.E.M.", joined=True, plural=True)) == {"g.e.m."}  # never "gem"
    assert {"learning chinese", "learned chinese", "learns chinese"} <= inflections("learn chinese", "en")
    assert "chinese classes" in inflections("chinese class", "en")
    assert inflections("火锅", "zh") == {"火锅"}


def test_split_is_deterministic_and_balanced():
    ids = [f"gold-{n:04d}" for n in range(1, 401)]
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    dev = sum(split_of(i) == "dev" for i in ids)
    assert 150 < dev < 250


def test_evaluate_counts_precision_and_recall(tagger: Tagger):
    gold = load_gold(ROOT / "tests" / "data" / "labelled_posts.jsonl", "dev")[:30]
    result = evaluate(gold, tagger.tag_posts([g.post for g in gold]), "dev")
    micro = result.groups["entities"].micro
    assert micro.tp + micro.fn == sum(len(g.gold["entities"]) for g in gold)
    assert 0.0 <= micro.f1 <= 1.0 and result.lang_total == 30


def test_language_id_prefers_watched_languages_only_when_unsure(tagger: Tagger):
    from pipelines.tagging.language import LanguageIdentifier

    unsure = "sumpah kocak bgt"  # fastText's first guess: Turkish, at 0.31
    assert LanguageIdentifier().identify(unsure) not in {"id", "en"}
    assert LanguageIdentifier(prefer={"id", "en"}).identify(unsure) in {"id", "en"}
    sure = "gue pengen banget ke sana tahun depan wkwk"  # Indonesian at 0.90: kept
    assert LanguageIdentifier(prefer={"en"}).identify(sure) == "id"
    assert set(tagger.nlp.get_pipe_config("culture_language")["prefer"]) >= {"en", "es", "id", "th", "zh"}


def test_pipeline_is_rebuilt_when_the_vocabulary_grows_and_tags_stay_the_same(tagger: Tagger):
    from pipelines.tagging import build_tagger as fresh_tagger

    texts = [f"queued at Pop Mart for Labubu, ticket zq{i}x 😭 #tag{i}" for i in range(6000)]
    small = fresh_tagger(tagger.watchlist)
    small.max_lexemes = 1_000  # every post brings new words: the first chunk crosses the limit
    first_nlp = small.nlp
    tags = list(small.tag_texts(texts))
    assert small.nlp is not first_nlp
    assert len(small.nlp.vocab) < len(first_nlp.vocab)
    assert tags == list(tagger.tag_texts(texts))


def test_two_processes_rebuild_and_refork_with_the_same_tags(tagger: Tagger):
    from pipelines.tagging import build_tagger as fresh_tagger

    texts = [f"flew to Chengdu for hot pot zq{i}x, then a Pop Mart haul #tag{i}" for i in range(5000)]
    pooled = fresh_tagger(tagger.watchlist, workers=2)
    pooled.max_lexemes = 1_000
    first_nlp = pooled.nlp
    assert list(pooled.tag_texts(texts)) == list(tagger.tag_texts(texts))
    assert pooled.nlp is not first_nlp


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300) | st.text(alphabet="#@$€¥.,:-'’ \n\tLabubuPopMartgenshin原神라부부ลาบูบู้🔥\u200d\ufe0f0123", max_size=200))
def test_any_text_gets_tags_whose_spans_point_into_it(tagger: Tagger, text: str):
    tags = tagger.tag_text(text)
    assert tags.lang is None or isinstance(tags.lang, str)
    for span in tags.spans:
        assert text[span["start"] : span["end"]] == span["text"]
    assert list(tagger.tag_texts([text])) == [tags]  # batched and per-call tagging agree
