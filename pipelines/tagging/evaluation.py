"""Scores the tagger against a labelled gold file: per-label and micro P/R/F1, language accuracy."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.posts import Post, PostTags

GROUPS = ("categories", "entities", "interests")
SPLITS = ("dev", "heldout", "all")


def split_of(post_id: str) -> str:
    """'dev' or 'heldout', fixed by a hash of the id (about half each, stable as the file grows)."""
    return "dev" if hashlib.sha256(post_id.encode("utf-8")).digest()[0] % 2 == 0 else "heldout"


@dataclass
class GoldPost:
    """One labelled post."""

    post: Post
    gold: dict[str, Any]


def load_gold(path: Path, split: str = "all") -> list[GoldPost]:
    """The labelled posts of one split; a bad line raises ValueError naming its number."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (expected one of {', '.join(SPLITS)})")
    out = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                gold = raw.pop("gold")
                post = Post.model_validate(raw)
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
            if split == "all" or split_of(post.id) == split:
                out.append(GoldPost(post, gold))
    return out


@dataclass
class Counts:
    """True positives, false positives and false negatives of one label."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class GroupScore:
    """Scores of one label group (categories, entities or interests)."""

    labels: dict[str, Counts] = field(default_factory=dict)
    micro: Counts = field(default_factory=Counts)
    false_positives: dict[str, list[str]] = field(default_factory=dict)
    false_negatives: dict[str, list[str]] = field(default_factory=dict)

    def add(self, post_id: str, gold: Iterable[str], predicted: Iterable[str]) -> None:
        g, p = set(gold), set(predicted)
        for label in g | p:
            counts = self.labels.setdefault(label, Counts())
            if label in g and label in p:
                counts.tp += 1
                self.micro.tp += 1
            elif label in p:
                counts.fp += 1
                self.micro.fp += 1
                self.false_positives.setdefault(label, []).append(post_id)
            else:
                counts.fn += 1
                self.micro.fn += 1
                self.false_negatives.setdefault(label, []).append(post_id)

    def macro_f1(self) -> float:
        return sum(c.f1 for c in self.labels.values()) / len(self.labels) if self.labels else 1.0

    def worst(self, n: int = 5) -> list[tuple[str, Counts]]:
        """Labels with the most errors (false positives + false negatives)."""
        ranked = sorted(self.labels.items(), key=lambda kv: (-(kv[1].fp + kv[1].fn), kv[0]))
        return [(label, c) for label, c in ranked if c.fp + c.fn][:n]


@dataclass
class Evaluation:
    """The whole evaluation of one split."""

    split: str
    posts: int
    groups: dict[str, GroupScore]
    lang_correct: int
    lang_total: int
    lang_confusions: dict[tuple[str, str], int]

    @property
    def lang_accuracy(self) -> float:
        return self.lang_correct / self.lang_total if self.lang_total else 1.0

    def summary(self) -> dict[str, Any]:
        """Micro P/R/F1 per group and language accuracy, JSON-ready."""
        out: dict[str, Any] = {"split": self.split, "posts": self.posts}
        for name, group in self.groups.items():
            m = group.micro
            out[name] = {"precision": round(m.precision, 4), "recall": round(m.recall, 4), "f1": round(m.f1, 4)}
        out["lang_accuracy"] = round(self.lang_accuracy, 4)
        return out


def evaluate(gold_posts: list[GoldPost], predictions: Iterable[PostTags], split: str = "all") -> Evaluation:
    """Compare predictions (same order as gold_posts) with the gold labels."""
    groups = {name: GroupScore() for name in GROUPS}
    lang_ok = lang_total = 0
    confusions: dict[tuple[str, str], int] = {}
    for gp, tags in zip(gold_posts, predictions, strict=True):
        for name in GROUPS:
            groups[name].add(gp.post.id, gp.gold.get(name, []), getattr(tags, name))
        gold_lang = gp.gold.get("lang")
        if gold_lang:
            lang_total += 1
            if tags.lang == gold_lang:
                lang_ok += 1
            else:
                pair = (gold_lang, tags.lang or "none")
                confusions[pair] = confusions.get(pair, 0) + 1
    return Evaluation(split, len(gold_posts), groups, lang_ok, lang_total, confusions)


def run_evaluation(tagger: Any, path: Path, split: str = "all") -> Evaluation:
    """Tag the gold posts of one split with `tagger` (ignoring the posts' own lang) and score them."""
    gold_posts = load_gold(path, split)
    posts = [gp.post.model_copy(update={"lang": None}) for gp in gold_posts]
    return evaluate(gold_posts, tagger.tag_posts(posts), split)


MODES = ("rules", "model", "both")


def with_mode(watchlist: Any, mode: str) -> Any:
    """The watchlist with `model.mode` set (rules, model or both)."""
    return watchlist.model_copy(update={"model": watchlist.model.model_copy(update={"mode": mode})})


def compare_modes(
    watchlist: Any, paths: Iterable[Path], modes: Iterable[str] = MODES, splits: Iterable[str] = ("dev", "heldout")
) -> list[tuple[str, str, str, Evaluation]]:
    """(file name, split, mode, evaluation) for every labelled file, split and tagging mode."""
    from pipelines.tagging.pipeline import Tagger

    out = []
    for mode in modes:
        tagger = Tagger(with_mode(watchlist, mode))
        for path in paths:
            for split in splits:
                out.append((Path(path).name, split, mode, run_evaluation(tagger, Path(path), split)))
    return out
