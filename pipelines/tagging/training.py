"""Trains the learned tagger from the development halves of the labelled files (fixed seed, reproducible)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from monitor.config.watchlist import Watchlist
from pipelines.tagging.classifier import FEATURES, N_FEATURES, VARIANTS, Classifier, LinearModel, featurize, rule_view
from pipelines.tagging.evaluation import GoldPost, load_gold, with_mode

MIN_POSITIVES = 8
"""A label with fewer positive examples in the training data keeps the rules' decision."""
MIN_PRECISION = 0.8
"""Thresholds are chosen for the best out-of-fold F1 among those with at least this precision."""
C_GRID = (0.5, 2.0, 8.0)
"""Inverse regularisation strengths tried per variant (out-of-fold micro-F1 picks one)."""
FOLDS = 5
PRUNE = 0.005
"""Weights smaller than this are dropped from the saved model (on the development posts this changes
no decision and moves no probability by more than 0.01; it keeps the packaged file small)."""
DEFAULT_GOLD = (Path("tests/data/labelled_posts.jsonl"), Path("tests/data/real_posts.jsonl"))


@dataclass
class TrainingData:
    """Features and gold labels of the training posts, and what the rules alone decided."""

    labels: list[str]
    features: dict[str, sparse.csr_matrix]  # variant -> posts × N_FEATURES
    targets: np.ndarray  # posts × labels, 0/1
    rules: np.ndarray  # posts × labels, the rules' decisions
    groups: np.ndarray  # posts: one number per source page (posts quoted from one page share a fold)
    tied: np.ndarray  # posts: the rules tied the post to China (see classifier.is_tied)


@dataclass
class LabelReport:
    """Out-of-fold quality of one label of one variant, at its chosen threshold."""

    variant: str
    label: str
    positives: int
    threshold: float
    precision: float
    recall: float
    f1: float


def training_data(watchlist: Watchlist, posts: Sequence[GoldPost]) -> TrainingData:
    """Run the rules over the posts and build both variants' features and the label matrix."""
    from pipelines.tagging.classifier import token_ids
    from pipelines.tagging.components import TAGS_KEY, doc_matched
    from pipelines.tagging.pipeline import build_pipeline

    nlp = build_pipeline(with_mode(watchlist, "rules"))  # the model's input is the rules' output
    entity_category = {e.name: e.category for e in watchlist.entities}
    labels = [f"cat:{c}" for c in watchlist.categories] + [f"int:{i}" for i in watchlist.interests]
    tokens, views = [], []
    for doc in nlp.pipe(gp.post.full_text for gp in posts):
        tokens.append(token_ids(doc))
        views.append(rule_view(doc.user_data[TAGS_KEY], doc_matched(doc), entity_category))
    targets = np.zeros((len(posts), len(labels)), dtype=np.int8)
    rules = np.zeros((len(posts), len(labels)), dtype=bool)
    for row, (gp, view) in enumerate(zip(posts, views, strict=True)):
        gold = {f"cat:{c}" for c in gp.gold.get("categories", [])} | {f"int:{i}" for i in gp.gold.get("interests", [])}
        ruled = {f"cat:{c}" for c in view.categories} | {f"int:{i}" for i in view.interests}
        for col, label in enumerate(labels):
            targets[row, col] = label in gold
            rules[row, col] = label in ruled
    features = {"text": featurize(tokens, None, nlp.vocab.strings), "stacked": featurize(tokens, views, nlp.vocab.strings)}
    _, groups = np.unique([gp.post.url or gp.post.id for gp in posts], return_inverse=True)
    tied = np.fromiter((v.tied for v in views), dtype=bool, count=len(views))
    return TrainingData(labels, features, targets, rules, groups, tied)


def _f1(predicted: np.ndarray, y: np.ndarray) -> float:
    tp = int((predicted & (y == 1)).sum())
    wrong = int((predicted & (y == 0)).sum()) + int((~predicted & (y == 1)).sum())
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def _fit(x: sparse.csr_matrix, y: np.ndarray, c: float, seed: int) -> LogisticRegression:
    model = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", random_state=seed, max_iter=200)
    return model.fit(x, y)


def _out_of_fold(x: sparse.csr_matrix, y: np.ndarray, c: float, seed: int, groups: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities; folds never split a page's posts (neighbouring quotes would leak)."""
    probs = np.zeros(len(y))
    for train, test in GroupKFold(FOLDS).split(x, groups=groups):
        if y[train].min() == y[train].max():
            probs[test] = float(y[train][0])
            continue
        probs[test] = _fit(x[train], y[train], c, seed).predict_proba(x[test])[:, 1]
    return probs


def _gated(data: TrainingData, probs: np.ndarray) -> np.ndarray:
    """Probabilities as the tagger uses them: 0 where the rules found no tie to China (the model
    decides nothing there)."""
    return np.where(data.tied, probs, 0.0)


def choose_threshold(probs: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """(threshold, precision, recall, F1): best F1 with precision ≥ MIN_PRECISION, else best F1."""
    best: tuple[float, float, float, float] | None = None
    fallback = (0.5, 0.0, 0.0, 0.0)
    positives = int(y.sum())
    for threshold in np.round(np.arange(0.1, 0.91, 0.025), 3):
        predicted = probs >= threshold
        tp = int((predicted & (y == 1)).sum())
        fp = int((predicted & (y == 0)).sum())
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / positives if positives else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        candidate = (float(threshold), precision, recall, f1)
        if f1 > fallback[3]:
            fallback = candidate
        if precision >= MIN_PRECISION and (best is None or f1 > best[3]):
            best = candidate
    return best or fallback


def train(
    watchlist: Watchlist,
    gold_files: Sequence[Path] = DEFAULT_GOLD,
    *,
    seed: int = 13,
    on_step: Callable[[str], None] | None = None,
) -> tuple[Classifier, list[LabelReport]]:
    """Train both variants on the development halves of `gold_files`; thresholds from out-of-fold scores."""
    say = on_step or (lambda _msg: None)
    posts = [gp for path in gold_files for gp in load_gold(Path(path), "dev")]
    say(f"{len(posts)} development posts from {len(gold_files)} file(s)")
    data = training_data(watchlist, posts)
    usable = [i for i, _ in enumerate(data.labels) if data.targets[:, i].sum() >= MIN_POSITIVES]
    models, reports = {}, []
    for variant in VARIANTS:
        used = np.unique(data.features[variant].indices)  # fit on the columns that occur (fast), map back after
        x = data.features[variant][:, used]
        best_c, best_score, best_oof = C_GRID[0], -1.0, {}
        for c in C_GRID:
            oof = {i: _gated(data, _out_of_fold(x, data.targets[:, i], c, seed, data.groups)) for i in usable}
            tp = fp = fn = 0
            for i in usable:
                threshold = choose_threshold(oof[i], data.targets[:, i])[0]
                predicted, y = oof[i] >= threshold, data.targets[:, i] == 1
                tp += int((predicted & y).sum())
                fp += int((predicted & ~y).sum())
                fn += int((~predicted & y).sum())
            score = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            say(f"{variant}: C={c} out-of-fold micro-F1 {score:.3f}")
            if score > best_score:
                best_c, best_score, best_oof = c, score, oof
        rows, intercepts, thresholds, labels = [], [], [], []
        for i in usable:
            y = data.targets[:, i]
            threshold, precision, recall, f1 = choose_threshold(best_oof[i], y)
            rules_f1 = _f1(data.rules[:, i], y)
            if variant == "stacked" and f1 < rules_f1:
                say(f"{variant}: {data.labels[i]} stays with the rules (out-of-fold F1 {f1:.3f} < rules {rules_f1:.3f})")
                continue
            labels.append(data.labels[i])
            fitted = _fit(x, y, best_c, seed)
            coef = fitted.coef_[0].astype(np.float32)
            coef[np.abs(coef) < PRUNE] = 0.0
            rows.append(sparse.csr_matrix((coef, used, [0, len(used)]), shape=(1, N_FEATURES)))
            intercepts.append(float(fitted.intercept_[0]))
            thresholds.append(threshold)
            reports.append(LabelReport(variant, data.labels[i], int(y.sum()), threshold, precision, recall, f1))
        weights = sparse.vstack(rows).tocsr() if rows else sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
        weights.eliminate_zeros()
        models[variant] = LinearModel(labels, weights, np.array(intercepts), np.array(thresholds))
    meta = {
        "n_features": N_FEATURES,
        "features": FEATURES,
        "seed": seed,
        "training_posts": len(posts),
        "gold_files": [Path(p).name for p in gold_files],
        "labels": {variant: m.labels for variant, m in models.items()},
    }
    return Classifier(models, meta), reports
