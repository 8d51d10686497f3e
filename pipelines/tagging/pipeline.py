"""Builds the tagging `spacy.Language` from a Watchlist, and the `Tagger` that runs it over posts."""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import spacy
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex

from monitor.config.watchlist import Watchlist
from monitor.posts import Post, PostTags
from pipelines.tagging import components  # noqa: F401  (registers the factories)
from pipelines.tagging.classifier import BUNDLED as BUNDLED_MODEL
from pipelines.tagging.components import TAGS_KEY, RawTextTokenizer
from pipelines.tagging.patterns import CJK_CHARS

logger = logging.getLogger(__name__)

PIPE_NAMES = ("culture_language", "culture_matcher", "culture_rules", "culture_model")
MAX_CHARS = 20_000
"""Longer posts are cut before tagging (a year of posts must stay fast; the head carries the topic)."""


PREFIX = r"^[^\w\s]"
"""A token may start with one punctuation mark or symbol, split off: `#labubu`, `(Ne`, `¿Qué`."""
SUFFIX = r"(?:['’][sS]|[^\w\s])$"
"""... and end with a possessive or one mark: `G.E.M.'s`, `Rail"`, `wow!!`."""
URL = r"(?:https?://|www\.)\S+$"
"""A link is one token (spaCy's general URL pattern costs 20% of tokenizing on text with new words)."""
INFIXES = (
    r"(?<=\w)[-–—/:+=&~](?=\w)",
    r"(?<=\w)(?:\.{2,}|…)(?=\w)",
    r"(?<=[^\W\d_])[,;!?](?=[^\W\d_])",
    f"[{CJK_CHARS}]",
    f"(?<=[{CJK_CHARS}])[^\\w\\s]",
    f"[^\\w\\s](?=[{CJK_CHARS}])",
)
"""Split inside a word at joiners (`pre-order`, `x/y`), at an ellipsis or a comma between letters
(`universiti...drama`, `wow,great`; not `1,000` or `G.E.M.`), around every CJK/Thai/Hangul
character, and at a mark next to one (`드라마박스(DramaBox)가` keeps `DramaBox` a token of its own)."""


def make_nlp() -> Language:
    """A blank multi-language pipeline with a compact tokenizer for keyword matching.

    spaCy's own tokenizer class with three small affix rules instead of the multi-language tables,
    and lexemes that only compute their lowercase form: the same boundaries wherever a keyword can
    sit, at under half the cost on text with many new words (real posts: names, typos, hashtags).
    Patterns go through the same tokenizer, so whatever it splits, it splits alike in both.
    """
    nlp = spacy.blank("xx")
    nlp.vocab.lex_attr_getters = {LOWER: str.lower}  # PhraseMatcher(attr="LOWER") is all that reads them
    tokenizer = Tokenizer(
        nlp.vocab,
        rules={},
        prefix_search=re.compile(PREFIX).search,
        suffix_search=re.compile(SUFFIX).search,
        infix_finditer=compile_infix_regex(INFIXES).finditer,
        url_match=re.compile(URL).match,  # links stay whole: a keyword inside a URL is not a mention
    )
    nlp.tokenizer = RawTextTokenizer(tokenizer)
    return nlp


def watched_languages(watchlist: Watchlist) -> list[str]:
    """The language codes the interest phrases are written for (language ID prefers these when unsure)."""
    codes = {code for interest in watchlist.interests.values() for code in (*interest.phrases, *interest.weak)}
    return sorted(codes - {"any"})


def build_pipeline(watchlist: Watchlist, *, language: bool = True) -> Language:
    """The tagging pipeline: `culture_language` (optional), `culture_matcher`, `culture_rules`."""
    nlp = make_nlp()
    config = {"watchlist": watchlist.model_dump(mode="json")}
    if language:
        nlp.add_pipe("culture_language", config={"prefer": watched_languages(watchlist)})
    nlp.add_pipe("culture_matcher", config=config)
    nlp.add_pipe("culture_rules", config=config)
    if watchlist.model.mode != "rules":
        path = watchlist.model.file or str(BUNDLED_MODEL)
        nlp.add_pipe("culture_model", config={**config, "mode": watchlist.model.mode, "path": path})
    return nlp


CHUNK = 4096
"""Texts tagged per step of `Tagger.tag_texts` (with the cyclic garbage collector paused)."""
MAX_LEXEMES = 200_000
"""Every new word a post brings stays in the spaCy vocabulary (and tokenizer cache): ~1 kB each, so
re-tagging a year of posts would grow without bound. Past this many lexemes the pipeline is built
afresh (~2 s), which keeps peak memory flat; spaCy's `memory_zone()` per chunk did the same at half
the speed (the common words are re-learnt every chunk).
"""


def _prepare(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one chunk of docs.

    Tagging makes no reference cycles (a 100,000-post run leaves ~25 objects for the collector), yet
    the thousands of live Doc objects per chunk trigger repeated full-heap collections, which cost
    ~30% of the run. Reference counting still frees everything; the collector resumes between chunks.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Tagger:
    """Tags posts or texts with categories, entities, interests, language and explaining spans."""

    def __init__(self, watchlist: Watchlist, *, batch_size: int = 256, workers: int = 1, language: bool = True):
        self.watchlist = watchlist
        self.batch_size = batch_size
        self.workers = max(1, workers)
        self.language = language
        self.max_lexemes = MAX_LEXEMES
        self.nlp = build_pipeline(watchlist, language=language)

    @property
    def pipe_names(self) -> list[str]:
        """The components of the underlying spaCy pipeline."""
        return list(self.nlp.pipe_names)

    def tag_text(self, text: str) -> PostTags:
        """Tags of one text (one `nlp(text)` call)."""
        return self.nlp(_prepare(text)).user_data[TAGS_KEY]

    def tag_texts(self, texts: Iterable[str]) -> Iterator[PostTags]:
        """Tags of many texts, in order, batched through `nlp.pipe` (or a worker pool)."""
        texts = (_prepare(t) for t in texts)
        if self.workers > 1:
            yield from self._tag_parallel(texts)
            return
        while chunk := list(islice(texts, CHUNK)):
            with _gc_paused():
                tagged = [doc.user_data[TAGS_KEY] for doc in self.nlp.pipe(chunk, batch_size=self.batch_size)]
            if self._vocabulary_full():
                self._rebuild()
            yield from tagged

    def tag_posts(self, posts: Iterable[Post]) -> Iterator[PostTags]:
        """Tags of many posts (title + text), in order; the post's own `lang` fills a gap in detection."""
        pending: list[Post] = []

        def flush() -> Iterator[PostTags]:
            for post, tags in zip(pending, self.tag_texts(p.full_text for p in pending), strict=True):
                if tags.lang is None and post.lang:
                    tags.lang = post.lang
                yield tags

        for post in posts:
            pending.append(post)
            if len(pending) >= CHUNK:
                yield from flush()
                pending = []
        if pending:
            yield from flush()

    def _vocabulary_full(self) -> bool:
        return len(self.nlp.vocab) > self.max_lexemes

    def _rebuild(self) -> None:
        """A fresh pipeline: drops the words past posts added to the vocabulary (see MAX_LEXEMES)."""
        self.nlp = build_pipeline(self.watchlist, language=self.language)

    # -- worker processes that each run the same pipeline and return plain tags ---------------

    def _tag_parallel(self, texts: Iterable[str]) -> Iterator[PostTags]:
        """This process and `workers - 1` forked children each tag one chunk of every round.

        Children share this process's pipeline copy-on-write and send back plain tuples; doing a
        share of the work here instead of only feeding a pool keeps both cores busy on a 2-core
        machine. Order is kept. When the vocabulary passes `max_lexemes` the pipeline is rebuilt and
        the children are forked again from it.
        """
        global _WORKER_NLP
        ctx = mp.get_context("fork")
        size = self.batch_size * 4
        chunks = iter(lambda: list(islice(texts, size)), [])
        rounds = iter(lambda: list(islice(chunks, self.workers)), [])
        try:
            while True:
                _WORKER_NLP = self.nlp
                with ctx.Pool(self.workers - 1) as pool:
                    for batch in rounds:
                        pending = [pool.apply_async(_tag_chunk, (chunk,)) for chunk in batch[1:]]
                        yield from _as_tags(_tag_chunk(batch[0]))
                        for result in pending:
                            yield from _as_tags(result.get())
                        if self._vocabulary_full():
                            break
                    else:
                        return
                self._rebuild()
        finally:
            _WORKER_NLP = None


_WORKER_NLP: Language | None = None
_SPAN_KEYS = ("kind", "label", "text", "start", "end", "by")
"""Keys of a span; `by` only on tags the learned model added."""


def _as_tags(tagged: list[tuple]) -> Iterator[PostTags]:
    for categories, entities, interests, lang, spans in tagged:
        yield PostTags(categories, entities, interests, lang, [_span_dict(sp) for sp in spans])


def _span_dict(values: tuple) -> dict:
    return {k: v for k, v in zip(_SPAN_KEYS, values, strict=True) if v is not None or k != "by"}


def _tag_chunk(texts: list[str]) -> list[tuple]:
    assert _WORKER_NLP is not None
    out = []
    with _gc_paused():
        for doc in _WORKER_NLP.pipe(texts, batch_size=256):
            t = doc.user_data[TAGS_KEY]
            spans = [tuple(sp.get(k) for k in _SPAN_KEYS) for sp in t.spans]  # tuples pickle faster than dicts
            out.append((t.categories, t.entities, t.interests, t.lang, spans))
    return out


def build_tagger(watchlist: Watchlist | str | Path, **options) -> Tagger:  # noqa: ANN003
    """A Tagger for a Watchlist (or the path of a keywords file, validated with located errors)."""
    if not isinstance(watchlist, Watchlist):
        from monitor.config import load_watchlist

        watchlist = load_watchlist(Path(watchlist))
    return Tagger(watchlist, **options)
