"""Classifier two-sample test (C2ST, Lopez-Paz & Oquab 2017): can a classifier tell the sets apart?

A logistic regression on standardised features is trained to separate synthetic (1) from real (0)
with stratified k-fold cross-validation; every image is scored by the model that did not see it
(out-of-fold probability of "synthetic"). The ROC AUC of those scores is the statistic: 0.5 means
the sets are indistinguishable to a linear probe of the features, 1.0 means perfectly separable.
The interval is a percentile bootstrap of the AUC over images (resampled within each side); the
per-fold AUCs are reported too. Per-image scores let the report show the most synthetic-looking
and the most real-looking images.

YAML (``synth eval`` configuration)::

    c2st: {folds: 5, C: 1.0}
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import rankdata
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from renderer.evaluate.result import Result, percentile_interval


def auc(scores_positive: np.ndarray, scores_negative: np.ndarray) -> float:
    """ROC AUC = P(score of a positive > score of a negative), ties counted half (Mann-Whitney)."""
    ranks = rankdata(np.concatenate([scores_positive, scores_negative]))
    n_pos, n_neg = len(scores_positive), len(scores_negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def out_of_fold_scores(x: np.ndarray, y: np.ndarray, *, rng: np.random.Generator, folds: int,
                       c: float) -> tuple[np.ndarray, list[float], bool]:
    """Out-of-fold P(y=1) for every row, the AUC of each fold and whether every fit converged."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True,
                               random_state=int(rng.integers(2**31 - 1)))
    scores = np.empty(len(y))
    fold_aucs, converged = [], True
    for train, test in splitter.split(x, y):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(x[train], y[train])
        converged &= not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        scores[test] = model.predict_proba(x[test])[:, 1]
        fold_aucs.append(auc(scores[test][y[test] == 1], scores[test][y[test] == 0]))
    return scores, fold_aucs, converged


def c2st(synthetic: np.ndarray, real: np.ndarray, *, rng: np.random.Generator, folds: int = 5,
         c: float = 1.0, n_bootstrap: int = 200, confidence: float = 0.95,
         n_show: int = 8) -> Result:
    """Cross-validated domain-classifier AUC between ``synthetic`` and ``real`` features.

    Args:
        synthetic: (M, d) features of the synthetic set.
        real: (N, d) features of the real set.
        rng: draws the fold assignment and the bootstrap resamples.
        folds: stratified cross-validation folds (capped by the smaller set).
        c: inverse L2 regularisation strength of the logistic regression.
        n_bootstrap: resamples for the AUC interval.
        confidence: level of the percentile interval.
        n_show: how many example indices each list of the ``extra`` keeps.

    Returns:
        AUC with interval; ``extra`` holds ``fold_aucs``, ``accuracy`` (threshold 0.5),
        per-image ``scores_synthetic`` / ``scores_real`` (out-of-fold P(synthetic)) and index lists
        ``most_synthetic_looking`` / ``most_real_looking`` (synthetic images) and
        ``real_most_synthetic_looking`` (real images).
    """
    folds = min(folds, len(synthetic), len(real))
    if folds < 2:
        raise ValueError("the domain classifier needs at least 2 images per side")
    x = np.vstack([synthetic, real])
    y = np.concatenate([np.ones(len(synthetic), dtype=int), np.zeros(len(real), dtype=int)])
    scores, fold_aucs, converged = out_of_fold_scores(x, y, rng=rng, folds=folds, c=c)
    syn_scores, real_scores = scores[: len(synthetic)], scores[len(synthetic):]
    value = auc(syn_scores, real_scores)
    boots = [auc(syn_scores[rng.integers(0, len(syn_scores), len(syn_scores))],
                 real_scores[rng.integers(0, len(real_scores), len(real_scores))])
             for _ in range(n_bootstrap)]
    low, high = percentile_interval(np.array(boots), confidence)
    order_syn = np.argsort(-syn_scores, kind="stable")
    extra = {
        "fold_aucs": fold_aucs, "folds": folds, "classifier": f"logistic regression (C={c})",
        "accuracy": float(((scores > 0.5) == (y == 1)).mean()), "converged": converged,
        "n_bootstrap": n_bootstrap, "confidence": confidence,
        "scores_synthetic": syn_scores, "scores_real": real_scores,
        "most_synthetic_looking": order_syn[:n_show].tolist(),
        "most_real_looking": order_syn[::-1][:n_show].tolist(),
        "real_most_synthetic_looking": np.argsort(-real_scores, kind="stable")[:n_show].tolist(),
    }
    return Result(value, low, high, len(synthetic), len(real), extra)
