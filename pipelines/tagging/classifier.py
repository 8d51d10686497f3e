"""The learned tagger beside the rules: hashed word and character n-grams (plus rule matches) → per-label logistic scores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from murmurhash import hash as murmur32

from monitor.posts import PostTags
from pipelines.tagging import patterns as P

N_FEATURES = 2**18
FEATURES = "v5 binary: spacy-lower-hash unigrams+bigrams, char 4-grams of words, rule features v3 (match evidence)"
"""Names the feature scheme; a model file built for another scheme is refused with a clear message."""
MAX_TOKENS = 200
"""Tokens of a post read by the model (the head carries the topic; keeps long posts cheap)."""
VARIANTS = ("text", "stacked")
"""`text`: word n-grams only (mode `model`); `stacked`: n-grams plus what the rules found (mode `both`)."""
TIE_GROUPS = frozenset({"china_places", "chinese_language", "china_companies"})
"""Keyword groups that tie a post to China (besides any category)."""
BUNDLED = Path(__file__).parent / "model" / "classifier.npz"



@dataclass(frozen=True)
class RuleView:
    """What the rules found in a post, as the stacked model reads it."""

    categories: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    entity_categories: tuple[str, ...] = ()
    works: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    """Keyword matches before the rules weighed them: `int~:travel` (a weak travel phrase, with or
    without its context), `noun:drama`, `cat:game` (a cue), `int-:food` (an exclusion)…"""

    tied: bool = False
    """The rules tied the post to China (see `is_tied`): the learned model decides only on tied posts."""


EVIDENCE_KINDS = frozenset({P.INTEREST, P.INTEREST_WEAK, P.INTEREST_CONTEXT, P.INTEREST_EXCLUDE, P.CUE, P.CUE_EXCLUDE, P.NOUN})


def is_tied(tags: PostTags, matched: Sequence[tuple[str, str]]) -> bool:
    """The rules tied the post to China: a category, a Chinese place, currency, language or company,
    or an interest of their own (which the rules give only with a tie, e.g. a Chinese dish). An
    interest or category needs such a tie, so the learned model decides only on tied posts; this is
    checked before a post's `RuleView` is built, so untied posts cost nothing more."""
    return bool(tags.categories) or bool(tags.interests) or any(kind == P.GROUP and owner in TIE_GROUPS for kind, owner in matched)


def rule_view(tags: PostTags, matched: Sequence[tuple[str, str]], entity_category: dict[str, str]) -> RuleView:
    """The rules' findings in one post: its tags, the keyword groups that matched and the other evidence."""
    works = tuple(sorted({sp["label"] for sp in tags.spans if sp["kind"] == "work"}))
    return RuleView(
        categories=tuple(tags.categories),
        interests=tuple(tags.interests),
        entity_categories=tuple(sorted({entity_category.get(e, "") for e in tags.entities} - {""})),
        works=works,
        groups=tuple(sorted({owner for kind, owner in matched if kind == P.GROUP})),
        evidence=tuple(sorted({f"{kind}:{owner}" for kind, owner in matched if kind in EVIDENCE_KINDS})),
        tied=is_tied(tags, matched),
    )


_BIGRAM = np.uint64(0x9E3779B97F4A7C15)
_SALT_BIGRAM = np.uint64(0x5BD1E995)


def token_ids(doc: Any) -> np.ndarray:
    """spaCy's hashes of the lower-cased tokens of a doc (its first MAX_TOKENS): the model's words."""
    from spacy.attrs import LOWER

    return doc.to_array(LOWER)[:MAX_TOKENS]


CHAR_GRAMS = (4,)
"""Character n-gram sizes read inside each word of at least MIN_GRAM_WORD letters (with `<` `>` at
its ends): they carry a word's stem across inflections and related languages (viaggio/viaje/viagem).
4-grams alone did as well out of fold as 4- and 5-grams together, at half the columns."""
MIN_GRAM_WORD = 4
CACHE_LIMIT = 50_000
"""Words whose n-gram columns are kept per process; the cache is emptied when it grows past this."""


class CharGrams:
    """Feature columns of the character n-grams of words, cached per lower-cased word hash."""

    def __init__(self) -> None:
        self._cache: dict[int, np.ndarray] = {}

    def of_words(self, keys: np.ndarray, strings: Any) -> list[np.ndarray]:
        """Columns of each word's n-grams (`keys`: spaCy LOWER hashes, `strings`: its StringStore)."""
        cache = self._cache
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        out = []
        for key in keys.tolist():
            cols = cache.get(key)
            if cols is None:
                cols = cache[key] = self._word(strings[key])
            out.append(cols)
        return out

    @staticmethod
    def _word(word: str) -> np.ndarray:
        if len(word) < MIN_GRAM_WORD or not word.isalpha():
            return np.zeros(0, dtype=np.int64)
        marked = f"<{word}>"
        grams = [f"c{n}:{marked[i : i + n]}" for n in CHAR_GRAMS for i in range(len(marked) - n + 1)]
        return np.array([feature_column(g) for g in grams], dtype=np.int64)


def _ragged(pieces: list[np.ndarray], pick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(concatenation of pieces[pick[0]], pieces[pick[1]], …; how many values each pick gave)."""
    sizes = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
    flat = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    taken = sizes[pick]
    total = int(taken.sum())
    out_starts = np.cumsum(taken) - taken
    positions = np.arange(total) - np.repeat(out_starts - starts[pick], taken)
    return flat[positions], taken


_CHAR_GRAMS = CharGrams()


def rule_features(view: RuleView) -> list[str]:
    """Stacking features: each rule label, a China tie, each interest crossed with the tie, each
    pair of interests the rules found together (chain-store news matches food and business words),
    and each piece of match evidence alone and crossed with the tie."""
    tie = bool(view.categories) or any(g in TIE_GROUPS for g in view.groups)
    feats = ["tie" if tie else "notie"]
    feats += ["rc:" + c for c in view.categories]
    feats += ["re:" + c for c in view.entity_categories]
    feats += ["rw:" + w for w in view.works]
    feats += ["g:" + g for g in view.groups]
    for interest in view.interests:
        feats += ["ri:" + interest, f"ri:{interest}&{'tie' if tie else 'notie'}"]
    feats += [f"ri:{a}+{b}" for i, a in enumerate(view.interests) for b in view.interests[i + 1 :]]
    feats += [f"m:{e}" for e in view.evidence] + [f"m:{e}&{'tie' if tie else 'notie'}" for e in view.evidence]
    if view.categories:
        feats.append("rc:any")
    return feats


def featurize(id_arrays: Sequence[np.ndarray], views: Sequence[RuleView] | None, strings: Any) -> sparse.csr_matrix:
    """The feature matrix of a batch (rule features only for the stacked variant); 1 where a feature occurs.

    Words (spaCy's 64-bit hashes of lower-cased tokens, so no Python string per token), neighbour
    pairs (character pairs in CJK, Thai and Hangul, which the tokenizer splits per character) and the
    character n-grams of each distinct word are computed for the whole batch at once; `strings` is
    the pipeline's StringStore (the words behind the hashes).
    """
    n = len(id_arrays)
    lengths = np.fromiter((len(a) for a in id_arrays), dtype=np.int64, count=n)
    ids = np.concatenate(id_arrays) if n else np.zeros(0, dtype=np.uint64)
    post = np.repeat(np.arange(n), lengths)
    rows, cols = [post], [(ids % np.uint64(N_FEATURES)).astype(np.int64)]
    if len(ids) > 1:
        same_post = post[:-1] == post[1:]
        with np.errstate(over="ignore"):
            bigrams = (ids[:-1] * _BIGRAM + ids[1:]) ^ _SALT_BIGRAM
        rows.append(post[:-1][same_post])
        cols.append((bigrams[same_post] % np.uint64(N_FEATURES)).astype(np.int64))
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    starts = np.concatenate(([True], ordered[1:] != ordered[:-1])) if len(ids) else np.zeros(0, dtype=bool)
    words = ordered[starts]
    first = np.empty(len(ids), dtype=np.int64)
    first[order] = np.cumsum(starts) - 1  # each token's index among the distinct words
    grams, per_token = _ragged(_CHAR_GRAMS.of_words(words, strings), first)
    rows.append(np.repeat(post, per_token))
    cols.append(grams)
    if views is not None:
        ruled = [rule_columns(v) for v in views]
        rows.append(np.repeat(np.arange(n), [len(r) for r in ruled]))
        cols.append(np.fromiter((c for r in ruled for c in r), dtype=np.int64))
    keys = np.sort(np.concatenate(rows) * N_FEATURES + np.concatenate(cols))
    if len(keys) > 1:  # each (post, column) once (a plain sort: np.unique's hashing is slower here)
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    indptr = np.searchsorted(keys, np.arange(n + 1) * N_FEATURES)
    return sparse.csr_matrix((np.ones(len(keys), dtype=np.float32), keys % N_FEATURES, indptr), shape=(n, N_FEATURES))


def feature_column(feature: str) -> int:
    """The column of a named feature (rule features: `tie`, `rc:drama`, `ri:travel&notie`…)."""
    return (murmur32(feature) & 0x7FFFFFFF) % N_FEATURES


def rule_columns(view: RuleView) -> list[int]:
    """Columns of a post's stacking features (see `rule_features`)."""
    return [feature_column(f) for f in rule_features(view)]


@dataclass
class LinearModel:
    """One variant: a sparse weight row, an intercept and a decision threshold per label."""

    labels: list[str]
    weights: sparse.csr_matrix  # labels × N_FEATURES
    intercepts: np.ndarray
    thresholds: np.ndarray
    _table: np.ndarray | None = field(default=None, repr=False, compare=False)
    """N_FEATURES × labels, built at first use (13 labels: 13.6 MB)."""

    def scores(self, features: sparse.csr_matrix) -> np.ndarray:
        """Probabilities, posts × labels (a sparse batch times a dense column-major weight table)."""
        if self._table is None:
            self._table = np.ascontiguousarray(self.weights.T.toarray(), dtype=np.float32)
        logits = features @ self._table + self.intercepts
        return 1.0 / (1.0 + np.exp(-logits))

    def decide(self, features: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, boolean decisions) for a batch."""
        probs = self.scores(features)
        return probs, probs >= self.thresholds


@dataclass
class Classifier:
    """Both variants, loaded from (or saved to) one compressed `.npz` file with a JSON header."""

    models: dict[str, LinearModel]
    meta: dict[str, Any]

    def save(self, path: Path) -> None:
        """Write the model file (deterministic content for the same training data and seed)."""
        arrays: dict[str, np.ndarray] = {"meta": np.array(json.dumps(self.meta, sort_keys=True))}
        for name, m in self.models.items():
            w = m.weights.tocsr()
            w.sort_indices()
            arrays |= {
                f"{name}.labels": np.array(json.dumps(m.labels)),
                f"{name}.data": w.data.astype(np.float32),
                f"{name}.indices": w.indices.astype(np.int32),
                f"{name}.indptr": w.indptr.astype(np.int32),
                f"{name}.intercepts": m.intercepts.astype(np.float32),
                f"{name}.thresholds": m.thresholds.astype(np.float32),
            }
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(handle, **arrays)

    @classmethod
    def load(cls, path: Path) -> Classifier:
        """Read a model file; ValueError with the path when it is missing or not a model."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                models = {}
                for name in VARIANTS:
                    labels = json.loads(str(data[f"{name}.labels"]))
                    weights = sparse.csr_matrix(
                        (data[f"{name}.data"], data[f"{name}.indices"], data[f"{name}.indptr"]),
                        shape=(len(labels), meta["n_features"]),
                    )
                    models[name] = LinearModel(labels, weights, data[f"{name}.intercepts"], data[f"{name}.thresholds"])
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"cannot load tagging model {path}: {exc}") from None
        if meta.get("n_features") != N_FEATURES or meta.get("features") != FEATURES:
            raise ValueError(f"tagging model {path} was built with other features; rebuild it with `pulse train`")
        return cls(models, meta)

