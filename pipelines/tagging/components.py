"""spaCy components of the tagger, registered as factories: language, keyword matcher, tag rules, learned model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import minibatch

from monitor.config.user_regex import UserRegexes
from monitor.config.watchlist import Watchlist
from monitor.posts import PostTags
from pipelines.tagging import patterns as P
from pipelines.tagging.catalogue import load_catalogue
from pipelines.tagging.language import LanguageIdentifier
from pipelines.tagging.stems import StemMatcher

for _name in ("culture_lang", "culture_matches", "culture_tags"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

def _ext(name: str) -> tuple[str, str, None, None]:
    """The user_data key behind `doc._.<name>` (direct access skips building an Underscore object)."""
    return ("._.", name, None, None)


LANG_KEY, MATCHES_KEY, TAGS_KEY = _ext("culture_lang"), _ext("culture_matches"), _ext("culture_tags")
RAW_TEXT = "culture_raw_text"
"""user_data key of the text a doc was made from (set by RawTextTokenizer)."""


def raw_text(doc: Doc) -> str:
    """The doc's text without rebuilding it token by token (`Doc.text` is slow on hot paths)."""
    text = doc.user_data.get(RAW_TEXT)
    return text if text is not None else doc.text


class RawTextTokenizer:
    """Wraps a spaCy tokenizer and keeps the input text on each doc; everything else is delegated."""

    def __init__(self, tokenizer: Any):
        self.inner = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.inner(text)
        doc.user_data[RAW_TEXT] = text
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class BatchPipe:
    """`pipe()` that runs one component over a whole batch before the next component starts.

    Keeping one component's data (fastText weights, the matcher's tables) hot in the CPU cache for a
    batch is measurably faster than interleaving three components doc by doc.
    """

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            yield from [self(doc) for doc in batch]


# -- language ---------------------------------------------------------------------------------


class LanguageComponent(BatchPipe):
    """Sets `doc._.culture_lang` (ISO 639-1 code or None)."""

    def __init__(self, min_score: float, prefer: list[str]):
        self.identifier = LanguageIdentifier(min_score=min_score, prefer=set(prefer))

    def __call__(self, doc: Doc) -> Doc:
        doc.user_data[LANG_KEY] = self.identifier.identify(raw_text(doc))
        return doc


@Language.factory("culture_language", default_config={"min_score": 0.0, "prefer": []})
def make_language(nlp: Language, name: str, min_score: float, prefer: list[str]) -> LanguageComponent:
    """Language identification (writing system, then the bundled fastText lite model)."""
    return LanguageComponent(min_score, prefer)


# -- matcher ----------------------------------------------------------------------------------


class KeywordMatcher(BatchPipe):
    """Finds every configured phrase (PhraseMatcher on LOWER), word stem and regex; sets `doc._.culture_matches`.

    Matches are (kind, owner, start token, end token); kinds are described in `patterns.py`.
    """

    def __init__(self, nlp: Language, watchlist: Watchlist):
        self.patterns = P.build_patterns(watchlist, load_catalogue(watchlist.catalogue))
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for match_key, values in self.patterns.phrases.items():
            self.matcher.add(match_key, [_pattern_doc(nlp, value) for value in sorted(values)])
        # RE2, each pattern compiled on its own (linear time; flags and groups as written).
        self.regexes = [(P.split_key(match_key), UserRegexes(rs)) for match_key, rs in self.patterns.regexes.items()]
        self.stems = StemMatcher(self.patterns.stems)
        self._keys = {nlp.vocab.strings.add(k): P.split_key(k) for k in self.patterns.phrases}

    def __call__(self, doc: Doc) -> Doc:
        keys = self._keys
        found = [(*keys[mid], start, end) for mid, start, end in self.matcher(doc)]
        spans = [(kind_owner, start, end) for kind_owner, regex in self.regexes for start, end in regex.spans(raw_text(doc))]
        spans += [(P.split_key(match_key), start, end) for match_key, start, end in self.stems.spans(raw_text(doc))]
        for (kind, owner), start, end in spans:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None and len(span):
                found.append((kind, owner, span.start, span.end))
        doc.user_data[MATCHES_KEY] = list(dict.fromkeys(found)) if spans else found  # a stem and a phrase may find the same words
        return doc


def _pattern_doc(nlp: Language, text: str) -> Doc:
    """The pattern as the tokenizer would split it; words of letters only skip the tokenizer (fast)."""
    words = text.split(" ")
    if all(w.isalpha() and not P.CJK_RE.search(w) for w in words):
        return Doc(nlp.vocab, words=words)
    return nlp.make_doc(text)


@Language.factory("culture_matcher", default_config={"watchlist": {"categories": {"none": {"label": "none"}}}})
def make_matcher(nlp: Language, name: str, watchlist: dict[str, Any]) -> KeywordMatcher:
    """Keyword matching for everything in the watchlist (entities, cues, interests, rules)."""
    return KeywordMatcher(nlp, Watchlist.model_validate(watchlist))


# -- rules ------------------------------------------------------------------------------------


PEOPLE_KINDS = frozenset({"actor", "director", "screenwriter"})
"""Catalogue kinds that are people: they work across dramas and films, so they only fill a gap."""

_POSITIVE = frozenset({P.ENTITY, P.ENTITY_WEAK, P.CUE, P.NOUN, P.INTEREST, P.INTEREST_WEAK, P.WORK, P.WORK_WEAK})


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether [start, end) lies strictly inside a longer one of `spans` ("Shanghai" in "Blossoms Shanghai")."""
    for s, e in spans:
        if s <= start and end <= e and e - s > end - start:
            return True
    return False


def _hits(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether [start, end) overlaps any of `spans` (a plain loop: this runs for every match)."""
    for s, e in spans:
        if start < e and s < end:
            return True
    return False


class TagRules(BatchPipe):
    """Turns raw matches into tags: exclusions, context, categories from entities; sets `doc._.culture_tags`."""

    def __init__(self, watchlist: Watchlist):
        self.window = watchlist.rules.exclude_window
        self.entities = watchlist.entities
        self.entity_needs_context = [bool(e.requires_context) for e in watchlist.entities]
        self.entity_context_groups = [P.group_refs([*e.requires_context, *e.context]) for e in watchlist.entities]
        self.category_order = list(watchlist.categories)
        self.interest_order = list(watchlist.interests)
        self.interest_context_groups = {n: P.group_refs(i.context) for n, i in watchlist.interests.items()}
        self.yields_to = {n: set(i.weak_yields_to) for n, i in watchlist.interests.items() if i.weak_yields_to}
        self.category_yields = {n: set(c.yields_to) for n, c in watchlist.categories.items() if c.yields_to}
        self.ties = {n: P.group_refs(i.tie) for n, i in watchlist.interests.items() if i.tie}
        catalogue = load_catalogue(watchlist.catalogue)
        self.works = [(w.name, w.category) for w in catalogue]
        self.people = {i for i, w in enumerate(catalogue) if w.kind in PEOPLE_KINDS}
        rules = watchlist.rules
        self.origin = (rules.origin_group, rules.origin_before, rules.origin_after)

    def __call__(self, doc: Doc) -> Doc:
        doc.user_data[TAGS_KEY] = self.tags(doc)
        return doc

    @staticmethod
    def _works(
        by_kind: dict[str, list[tuple[str, int, int]]], global_ex: list[tuple[int, int]]
    ) -> dict[int, tuple[bool, list[tuple[int, int]]]]:
        """Catalogue works found: index -> (any spelling that counts alone?, spans).

        A watched entity's spelling wins over a catalogue spelling it overlaps (the watchlist decides
        what is tracked), and global exclusions cancel works as they cancel everything else.
        """
        if P.WORK not in by_kind and P.WORK_WEAK not in by_kind:
            return {}
        taken = [(s, e) for kind in (P.ENTITY, P.ENTITY_WEAK) for _, s, e in by_kind.get(kind, ())] + global_ex
        out: dict[int, tuple[bool, list[tuple[int, int]]]] = {}
        for kind in (P.WORK, P.WORK_WEAK):
            for owner, s, e in by_kind.get(kind, ()):
                if _hits(s, e, taken):
                    continue
                sure, where = out.get(int(owner), (False, []))
                out[int(owner)] = (sure or kind == P.WORK, [*where, (s, e)])
        return out

    def _origin_nouns(
        self, nouns: list[tuple[str, int, int]], group_spans: list[tuple[str, int, int]]
    ) -> list[tuple[str, int, int]]:
        """Category nouns next to an origin word, as cue spans covering both ("Chinese fantasy shows").

        Another category's noun between them wins ("Chinese animation series" is animation, not drama),
        unless it lies inside this noun ("série d'animation chinoise": the drama noun "série" inside
        the animation noun does not cancel it).
        """
        group, before, after = self.origin
        origins = [(s, e) for owner, s, e in group_spans if owner == group]
        out = []
        for owner, s, e in nouns:
            for os_, oe in origins:
                if 0 <= s - oe <= before:
                    span = (owner, os_, e)
                elif 0 <= os_ - e <= after:
                    span = (owner, s, oe)
                else:
                    continue
                if not any(o != owner and span[1] <= ns and ne <= span[2] and not (s <= ns and ne <= e) for o, ns, ne in nouns):
                    out.append(span)
                    break
        return out

    def tags(self, doc: Doc) -> PostTags:
        """The tags of one matched doc."""
        matches = doc.user_data.get(MATCHES_KEY) or []
        lang = doc.user_data.get(LANG_KEY)
        if not any(m[0] in _POSITIVE for m in matches):
            return PostTags(lang=lang)
        by_kind: dict[str, list[tuple[str, int, int]]] = {}
        for kind, owner, start, end in matches:
            by_kind.setdefault(kind, []).append((owner, start, end))

        global_ex = [(s, e) for _, s, e in by_kind.get(P.GLOBAL_EXCLUDE, ())]
        window = self.window

        def alive(kind_ex: str, owner: str, start: int, end: int) -> bool:
            for s, e in global_ex:
                if start < e and s < end:
                    return False
            for ex_owner, s, e in by_kind.get(kind_ex, ()):
                if ex_owner == owner and start < e + window and s < end + window:
                    return False
            return True

        group_spans = by_kind.get(P.GROUP, [])
        if global_ex:
            group_spans = [(o, s, e) for o, s, e in group_spans if not _hits(s, e, global_ex)]
        groups = {owner for owner, _, _ in group_spans}
        spans: list[dict[str, Any]] = []

        # entities
        ent_spans: list[tuple[int, int]] = []
        strong: dict[int, list[tuple[int, int]]] = {}
        weak: dict[int, list[tuple[int, int]]] = {}
        for kind, target in ((P.ENTITY, strong), (P.ENTITY_WEAK, weak)):
            for owner, s, e in by_kind.get(kind, ()):
                if alive(P.ENTITY_EXCLUDE, owner, s, e):
                    target.setdefault(int(owner), []).append((s, e))
        cues: dict[str, list[tuple[int, int]]] = {}
        for owner, s, e in [*by_kind.get(P.CUE, ()), *self._origin_nouns(by_kind.get(P.NOUN, []), group_spans)]:
            if alive(P.CUE_EXCLUDE, owner, s, e):
                cues.setdefault(owner, []).append((s, e))
        context_hits = {int(owner) for owner, _, _ in by_kind.get(P.ENTITY_CONTEXT, ())}
        works = self._works(by_kind, global_ex)
        sure_categories = {self.entities[i].category for i in strong if not self.entity_needs_context[i]}
        sure_categories |= set(cues) | {self.works[i][1] for i, (sure, _) in works.items() if sure}
        found: dict[int, list[tuple[int, int]]] = {}
        for index in sorted(set(strong) | set(weak)):
            entity = self.entities[index]
            has_context = (
                index in context_hits
                or entity.category in sure_categories
                or any(g in groups for g in self.entity_context_groups[index])
            )
            if index in strong and (not self.entity_needs_context[index] or has_context):
                found[index] = strong[index]
            elif has_context and (index in weak or index in strong):
                found[index] = strong.get(index, []) + weak.get(index, [])
        entities: list[str] = []
        categories: set[str] = set(cues)
        for index, where in sorted(found.items(), key=lambda item: min(item[1])):
            entity = self.entities[index]
            entities.append(entity.name)
            categories.add(entity.category)
            for s, e in where:
                ent_spans.append((s, e))
                spans.append(_span(doc, "entity", entity.name, s, e))
        for name, where in cues.items():
            for s, e in where:
                spans.append(_span(doc, "category", name, s, e))
        nouns = by_kind.get(P.NOUN, [])
        named_works = {self.works[i][1] for i, (sure, _) in works.items() if sure and i not in self.people}
        for index, (sure, where) in works.items():
            name, category = self.works[index]
            named = any(o == category and not _hits(s, e, where) for o, s, e in nouns)  # not "Singer" itself
            if index in self.people and category not in categories and (categories or named_works):
                continue  # an actor or director hints at a category only when nothing else says one
            if sure or category in categories or category in sure_categories or named:
                categories.add(category)
                for s, e in where:
                    if sure or e - s >= 2:  # a place or dish inside a title ("The Great Wall") is not an interest
                        ent_spans.append((s, e))
                    spans.append(_span(doc, "work", name, s, e))

        # a category shown only by cues and nouns gives way to one that names it better ("animated film")
        for name in [c for c in self.category_yields if c in categories and self.category_yields[c] & categories]:
            if any(self.entities[i].category == name for i in found) or any(self.works[i][1] == name for i in works):
                continue  # a watched entity or a catalogued work names this category itself
            categories.discard(name)
            spans = [sp for sp in spans if not (sp["kind"] == "category" and sp["label"] == name)]

        # interests: places and other group words inside an entity name do not count
        groups = {o for o, s, e in group_spans if not _inside(s, e, ent_spans)} if ent_spans else groups
        interest_hits: dict[str, list[tuple[int, int]]] = {}
        weak_only: set[str] = set()
        context_interests = {owner for owner, _, _ in by_kind.get(P.INTEREST_CONTEXT, ())}
        for kind in (P.INTEREST, P.INTEREST_WEAK):
            for owner, s, e in by_kind.get(kind, ()):
                if ent_spans and _hits(s, e, ent_spans):
                    continue  # "Shanghai" inside "Blossoms Shanghai"
                if not alive(P.INTEREST_EXCLUDE, owner, s, e):
                    continue
                if kind == P.INTEREST_WEAK:
                    refs = self.interest_context_groups.get(owner, [])
                    ok = owner in context_interests or any(
                        (g == "culture" and categories) or g in groups for g in refs
                    )
                    if not ok:
                        continue
                    if owner not in interest_hits:
                        weak_only.add(owner)
                else:
                    weak_only.discard(owner)
                interest_hits.setdefault(owner, []).append((s, e))
        for owner in weak_only & set(self.yields_to):
            if self.yields_to[owner] & set(interest_hits):
                del interest_hits[owner]
        for owner in set(interest_hits) & set(self.ties):
            if not any((g == "culture" and categories) or g in groups for g in self.ties[owner]):
                del interest_hits[owner]
        for name, where in interest_hits.items():
            for s, e in where:
                spans.append(_span(doc, "interest", name, s, e))

        return PostTags(
            categories=[c for c in self.category_order if c in categories],
            entities=entities,
            interests=[i for i in self.interest_order if i in interest_hits],
            lang=lang,
            spans=sorted(spans, key=lambda sp: (sp["start"], sp["kind"])),
        )


def _span(doc: Doc, kind: str, label: str, start: int, end: int) -> dict[str, Any]:
    first, last = doc[start], doc[end - 1]
    start_char, end_char = first.idx, last.idx + len(last)
    return {"kind": kind, "label": label, "text": raw_text(doc)[start_char:end_char], "start": start_char, "end": end_char}


@Language.factory("culture_rules", default_config={"watchlist": {"categories": {"none": {"label": "none"}}}})
def make_rules(nlp: Language, name: str, watchlist: dict[str, Any]) -> TagRules:
    """Exclusions, context rules and category derivation from the watchlist."""
    return TagRules(Watchlist.model_validate(watchlist))


def iter_tags(docs: Iterable[Doc]) -> Iterator[PostTags]:
    """The tags set by `culture_rules` on each doc."""
    for doc in docs:
        yield doc.user_data.get(TAGS_KEY)


# -- learned model ----------------------------------------------------------------------------


def doc_matched(doc: Doc) -> list[tuple[str, str]]:
    """(kind, owner) of every keyword match in a doc (what the learned model reads of the rules' evidence)."""
    return [(kind, owner) for kind, owner, _, _ in doc.user_data.get(MATCHES_KEY) or ()]


class ModelTags(BatchPipe):
    """Replaces the rules' categories and interests with the learned model's decisions.

    The model decides only on posts the rules tied to China (`classifier.is_tied`: a category, an interest,
    or a Chinese place, currency, language or company): an interest or category needs that tie, so the model
    adds nothing to an untied post, and the rules have nothing there for it to remove.
    Mode `model` reads words only; mode `both` also reads what the rules found (stacking). Watched
    entities stay the rules' (and their categories always count); labels the model file has no
    classifier for keep the rules' decision. A tag the model adds gets a span on the word that
    weighed most for it, marked `"by": "model 0.83"` (the probability).
    """

    def __init__(self, watchlist: Watchlist, mode: str, path: str):
        from pipelines.tagging.classifier import Classifier

        self.classifier = Classifier.load(Path(path))
        self.variant = "text" if mode == "model" else "stacked"
        self.model = self.classifier.models[self.variant]
        self.entity_category = {e.name: e.category for e in watchlist.entities}
        self.category_order = list(watchlist.categories)
        self.interest_order = list(watchlist.interests)

    def __call__(self, doc: Doc) -> Doc:
        self._apply([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            self._apply(batch)
            yield from batch

    def _apply(self, docs: list[Doc]) -> None:
        from pipelines.tagging.classifier import featurize, is_tied, rule_view, token_ids

        matched = [doc_matched(doc) for doc in docs]
        tied = [i for i, doc in enumerate(docs) if is_tied(doc.user_data[TAGS_KEY], matched[i])]
        if not tied:  # untied posts: nothing to decide (see classifier.is_tied)
            return
        tokens = [token_ids(docs[i]) for i in tied]
        stacked = None
        if self.variant == "stacked":
            stacked = [rule_view(docs[i].user_data[TAGS_KEY], matched[i], self.entity_category) for i in tied]
        probs, decisions = self.model.decide(featurize(tokens, stacked, docs[0].vocab.strings))
        for row, i in enumerate(tied):
            doc = docs[i]
            doc.user_data[TAGS_KEY] = self._merge(doc, doc.user_data[TAGS_KEY], decisions[row], probs[row], tokens[row])

    def _merge(self, doc: Doc, rules: PostTags, yes: Any, probs: Any, tokens: Any) -> PostTags:
        decided = {label: bool(y) for label, y in zip(self.model.labels, yes, strict=True)}
        ruled = {"cat:" + c for c in rules.categories} | {"int:" + i for i in rules.interests}
        if all(y == (label in ruled) for label, y in decided.items()):
            return rules  # the model agrees with the rules on every label it decides
        categories = {c for c in rules.categories if decided.get("cat:" + c, True)}
        categories |= {self.entity_category[e] for e in rules.entities if e in self.entity_category}
        categories |= {label[4:] for label, y in decided.items() if y and label.startswith("cat:")}
        interests = {i for i in rules.interests if decided.get("int:" + i, True)}
        interests |= {label[4:] for label, y in decided.items() if y and label.startswith("int:")}
        kept = {"category": categories, "interest": interests}
        spans = [sp for sp in rules.spans if sp["kind"] not in kept or sp["label"] in kept[sp["kind"]]]
        for kind, prefix, labels, ruled in (
            ("category", "cat:", categories, set(rules.categories)),
            ("interest", "int:", interests, set(rules.interests)),
        ):
            for label in sorted(labels - ruled):
                spans.append(self._model_span(doc, kind, label, self.model.labels.index(prefix + label), probs, tokens))
        return PostTags(
            categories=[c for c in self.category_order if c in categories],
            entities=rules.entities,
            interests=[i for i in self.interest_order if i in interests],
            lang=rules.lang,
            spans=sorted(spans, key=lambda sp: (sp["start"], sp["kind"])),
        )

    def _model_span(self, doc: Doc, kind: str, label: str, row: int, probs: Any, tokens: Any) -> dict[str, Any]:
        """A span on the token whose own weight counts most for `label` (the whole text if none does)."""
        from pipelines.tagging.classifier import N_FEATURES

        weights = self.model.weights
        start, end = weights.indptr[row], weights.indptr[row + 1]
        columns, values = weights.indices[start:end], weights.data[start:end]  # sorted columns of one label
        wanted = (tokens % N_FEATURES).astype(columns.dtype)
        at = np.minimum(np.searchsorted(columns, wanted), max(len(columns) - 1, 0))
        own = np.where(columns[at] == wanted, values[at], 0.0) if len(columns) and len(wanted) else np.zeros(0)
        if not len(own) or own.max() <= 0:
            span = {"kind": kind, "label": label, "text": "", "start": 0, "end": 0}
        else:
            best = int(own.argmax())
            span = _span(doc, kind, label, best, best + 1)
        span["by"] = f"model {probs[row]:.2f}"
        return span


@Language.factory(
    "culture_model",
    default_config={"watchlist": {"categories": {"none": {"label": "none"}}}, "mode": "both", "path": ""},
)
def make_model(nlp: Language, name: str, watchlist: dict[str, Any], mode: str, path: str) -> ModelTags:
    """The learned classifier over the rules' output (see `pipelines/tagging/classifier.py`)."""
    return ModelTags(Watchlist.model_validate(watchlist), mode, path)
