"""Emerging terms: words, two-word phrases and hashtags whose document frequency stands out this week."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from pipelines.trends.stats import chi2_sf_1df, g2_2x2, log_ratio

TermKind = Literal["word", "phrase", "hashtag"]

_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_MENTION_RE = re.compile(r"(?<!\w)@\w+")
# One pass: '#hashtags', words (letters/digits with inner ' - . :), numbers, runs of CJK characters.
_TOKEN_RE = re.compile(
    r"(?<!\w)#\w{2,64}|[^\W\d_](?:[\w'’\-.:]*\w)?|\d+(?:\.\d+)?|[\u3400-\u9fff\uf900-\ufaff]{2,8}"
)
_CJK_RE = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")

# Function words and web noise in the languages the sources mostly carry (en, es, pt, fr, de, id).
STOPWORDS: frozenset[str] = frozenset(
    """
a about above after again against all almost also am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
during each even ever every few for from further get gets getting got had hadn't has hasn't have haven't
having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've
if in into is isn't it it's its itself just let's like lol made make many may me more most much must
mustn't my myself new no nor not now of off on once one only or other ought our ours ourselves out over own
really same say said see she she'd she'll she's should shouldn't so some still such than that that's the
their theirs them themselves then there there's these they they'd they'll they're they've thing things
think this those though through to too under until up upon us very via was wasn't way we we'd we'll we're
we've well were weren't what what's when when's where where's which while who who's whom why why's will
with won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves
im ive dont cant didnt doesnt isnt wont thats theres youre gonna wanna got yeah yes ok okay omg pls please
amp http https www com co rt via vs etc e.g i.e
de la el en y los las del un una por con para es que se no al lo como más mas pero sus le ya o
o os as um uma do da dos das em no na nos nas por para com não mais
le la les des un une et est en du au aux pour pas sur qui que dans ce il elle
der die das und ist nicht ein eine zu den mit von sich auf für
yang dan di ke dari ini itu untuk dengan tidak ada
week today time year years day days people post posts video videos watch watching watched
""".split()
)


@dataclass(frozen=True)
class TermDoc:
    """The distinct terms of one post, and who wrote it (for the distinct-author floor)."""

    terms: frozenset[str]
    author: str | None


@dataclass(frozen=True)
class EmergingTerm:
    """A term that stands out this week: document frequencies, G², p-value, log2 ratio."""

    term: str
    kind: TermKind
    docs: int
    baseline_docs: int
    share: float
    baseline_share: float
    g2: float
    p_value: float
    log_ratio: float
    authors: int
    related: tuple[str, ...] = ()  # other terms found in (nearly) the same posts, e.g. the words of a phrase
    catalogued: str = ""  # "Meteor Garden (drama)" when the term names a work of the catalogue

    @property
    def keyword(self) -> str:
        """How to write it in keywords.yaml (hashtags without '#')."""
        return self.term.lstrip("#")


def normalize(text: str) -> str:
    """Case-folded NFKC text, URLs and @mentions removed."""
    text = unicodedata.normalize("NFKC", text)
    text = _URL_RE.sub(" ", text)
    text = _MENTION_RE.sub(" ", text)
    return text.casefold()


def _words(text: str) -> list[str]:
    return [w for w in _TOKEN_RE.findall(text) if not w.startswith("#")]


@lru_cache(maxsize=200_000)
def _is_content(word: str) -> bool:
    if len(word) < 2 or word in STOPWORDS or word[0].isdigit():
        return False
    return len(word) >= 3 or bool(_CJK_RE.match(word))


def extract_terms(text: str) -> frozenset[str]:
    """Distinct terms of a text: content words, bigrams of adjacent content words, '#hashtags'.

    A stopword, number, short word or hashtag between two words breaks the bigram chain.
    """
    out: set[str] = set()
    previous: str | None = None
    for token in _TOKEN_RE.findall(normalize(text)):
        if token[0] == "#":
            out.add(token)
            previous = None
        elif _is_content(token):
            out.add(token)
            if previous is not None:
                out.add(previous + " " + token)
            previous = token
        else:
            previous = None
    return frozenset(out)


def term_kind(term: str) -> TermKind:
    """'hashtag', 'phrase' (two words) or 'word'."""
    if term.startswith("#"):
        return "hashtag"
    return "phrase" if " " in term else "word"


def watched_forms(phrases: Iterable[str]) -> set[str]:
    """Normalised forms of watched names/aliases/hashtags/cues, as extract_terms would spell them."""
    out: set[str] = set()
    for phrase in phrases:
        words = [w for w in _words(normalize(phrase.lstrip("#"))) if w]
        if not words:
            continue
        out.add(" ".join(words))
        out.add("#" + "".join(words))
    return out


def is_watched(term: str, watched: set[str]) -> bool:
    """True when the term is a watched form (or hashtag), contains one as whole words, or is part of
    one as whole words ('wukong' of 'black myth wukong': suggesting it would only repeat the name)."""
    if term in watched:
        return True
    if term.startswith("#"):
        return False
    padded = f" {term} "
    return any(not w.startswith("#") and (f" {w} " in padded or padded in f" {w} ") for w in watched)


def document_frequencies(docs: Iterable[TermDoc]) -> tuple[Counter[str], int]:
    """(term -> number of docs containing it, number of docs)."""
    df: Counter[str] = Counter()
    n = 0
    for doc in docs:
        n += 1
        df.update(doc.terms)
    return df, n


def distinct_authors(docs: Iterable[TermDoc], terms: set[str]) -> dict[str, int]:
    """term -> number of distinct authors among the docs containing it (only for `terms`)."""
    authors: dict[str, set[str]] = {t: set() for t in terms}
    for doc in docs:
        if doc.author:
            for term in doc.terms & terms:
                authors[term].add(doc.author)
    return {t: len(a) for t, a in authors.items()}


def g2_threshold(p_value: float) -> float:
    """The G² (chi-squared, 1 df) value whose upper tail is `p_value` (bisection)."""
    low, high = 0.0, 400.0
    for _ in range(80):
        mid = (low + high) / 2
        if chi2_sf_1df(mid) > p_value:
            low = mid
        else:
            high = mid
    return high


def emerging_terms(
    current: Sequence[TermDoc],
    baseline: Sequence[TermDoc],
    *,
    watched: set[str],
    min_docs: int = 5,
    min_authors: int = 3,
    alpha: float = 0.001,
    min_log_ratio: float = 1.0,
    limit: int = 10,
) -> list[EmergingTerm]:
    """Terms over-represented in `current` docs against `baseline` docs, watched terms excluded.

    A term qualifies with at least `min_docs` documents and `min_authors` distinct authors this
    week, log2 ratio >= `min_log_ratio` (at least twice as frequent) and G² above the
    Bonferroni-corrected threshold: p < alpha / (number of terms tested), because tens of
    thousands of words and bigrams are tested at once. Phrases and words that say the same thing
    are collapsed (see `_subsumed`), and terms of the same posts are grouped under the strongest
    one (`related`). Sorted by G², kind, then term, so the order is deterministic.
    """
    df_now, n_now = document_frequencies(current)
    df_base, n_base = document_frequencies(baseline)
    if n_now == 0 or n_base == 0:
        return []
    tested = {t: a for t, a in df_now.items() if a >= min_docs}
    if not tested:
        return []
    min_g2 = g2_threshold(alpha / len(tested))
    scored: dict[str, tuple[int, int, float, float]] = {}
    for term, a in tested.items():
        b = df_base.get(term, 0)
        lr = log_ratio(a, n_now, b, n_base)
        if lr < min_log_ratio:
            continue
        g2 = g2_2x2(a, n_now, b, n_base)
        if g2 >= min_g2 and not is_watched(term, watched):
            scored[term] = (a, b, g2, lr)
    authors = distinct_authors(current, set(scored))
    found = {
        term: EmergingTerm(
            term=term,
            kind=term_kind(term),
            docs=a,
            baseline_docs=b,
            share=a / n_now,
            baseline_share=b / n_base,
            g2=g2,
            p_value=chi2_sf_1df(g2),
            log_ratio=lr,
            authors=authors[term],
        )
        for term, (a, b, g2, lr) in scored.items()
        if authors[term] >= min_authors
    }
    kept = {t.term: t for t in found.values() if not _subsumed(t, found)}
    return _cluster(current, kept)[:limit]


_KIND_RANK = {"phrase": 0, "hashtag": 1, "word": 2}


def _spells(tag: EmergingTerm, phrase: EmergingTerm) -> bool:
    """'#thejadeheiress' spells the phrase 'jade heiress' (hashtags join words without spaces)."""
    return tag.kind == "hashtag" and phrase.kind == "phrase" and phrase.term.replace(" ", "") in tag.term


def _cluster(docs: Sequence[TermDoc], terms: Mapping[str, EmergingTerm], min_overlap: float = 0.8) -> list[EmergingTerm]:
    """Merge terms that occur in (nearly) the same posts — one event often yields a phrase, its
    hashtag and a few words. The strongest term (G², then phrase > hashtag > word, then
    alphabetical) leads; the others become its `related` terms. Related: Jaccard overlap of
    their posts >= `min_overlap`, or a hashtag that spells a phrase ('#thejadeheiress')."""
    postings: dict[str, set[int]] = {t: set() for t in terms}
    wanted = set(terms)
    for index, doc in enumerate(docs):
        for term in doc.terms & wanted:
            postings[term].add(index)
    order = sorted(terms.values(), key=lambda t: (-round(t.g2, 6), _KIND_RANK[t.kind], t.term))
    taken: set[str] = set()
    out: list[EmergingTerm] = []
    for lead in order:
        if lead.term in taken:
            continue
        taken.add(lead.term)
        related = []
        for other in order:
            if other.term in taken:
                continue
            a, b = postings[lead.term], postings[other.term]
            members = [lead, *(terms[r] for r in related)]
            if len(a & b) >= min_overlap * len(a | b) or any(_spells(m, other) or _spells(other, m) for m in members):
                related.append(other.term)
                taken.add(other.term)
        out.append(replace(lead, related=tuple(related)))
    return out


def _subsumed(term: EmergingTerm, found: Mapping[str, EmergingTerm]) -> bool:
    """Phrase vs its words: keep whichever says it better.

    A phrase is dropped when one of its words alone has G² at least 1.5 times higher (the word
    carries the signal); a word is dropped when a kept phrase containing it covers >= 80 % of its
    documents (the phrase is the more specific name).
    """
    if term.kind == "phrase":
        return any(w in found and found[w].g2 >= term.g2 * 1.5 for w in term.term.split())
    if term.kind == "word":
        return any(
            other.kind == "phrase"
            and term.term in other.term.split()
            and other.docs >= 0.8 * term.docs
            and not _subsumed(other, found)
            for other in found.values()
        )
    return False
