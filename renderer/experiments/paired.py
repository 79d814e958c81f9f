"""Paired KID differences: what common random numbers buy.

Image ``i`` of two variants of a spec, rendered with one seed, shares every draw except those of
the changed randomizer. Resampling the *same* image indices for both variants (and the same real
images) in each bootstrap round keeps that pairing, so the interval of
``KID(variant) - KID(base)`` reflects only the change, and is much narrower than the two KID
intervals combined as if independent.

The difference is of the full-sample unbiased MMD^2 (the statistic KID averages over subsets)
with the cubic polynomial kernel, on the features of the evaluation's extractor.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from renderer.rng import stream

if TYPE_CHECKING:
    from renderer.evaluate.evalset import EvalSet

FEATURES_FILE = "features.npy"
DEFAULT_BOOTSTRAP = 200


def extract(evalset: EvalSet, options: dict[str, Any]) -> np.ndarray:
    """(N, d) float32 features of every image, with the extractor the evaluation options name."""
    from renderer.evaluate.features import build_extractor, extract_features
    from renderer.experiments.evaluation import make_config

    config = make_config(options)
    extractor = build_extractor(config.extractor, weights=config.weights, device=config.device)
    return extract_features(extractor, evalset.images, batch_size=config.batch_size).astype(
        np.float32)


def save_features(folder: Path, features: np.ndarray) -> None:
    """Store a trial's features next to its result (written before the finished marker)."""
    from renderer.io import open_atomic

    with open_atomic(folder / FEATURES_FILE, "wb") as fh:
        np.save(fh, features)


def load_features(folder: Path) -> np.ndarray | None:
    """A trial's stored features, or None."""
    path = folder / FEATURES_FILE
    return np.load(path) if path.is_file() else None


def paired_kid_difference(variant: np.ndarray, base: np.ndarray, real: np.ndarray, *,
                          rng: np.random.Generator, n_bootstrap: int = DEFAULT_BOOTSTRAP,
                          confidence: float = 0.95) -> tuple[float, float, float]:
    """``MMD^2(variant, real) - MMD^2(base, real)`` and its paired percentile bootstrap interval.

    Args:
        variant: (n, d) features; row i is image i of the variant.
        base: (n, d) features; row i is image i of the base spec (same seed, same index).
        real: (m, d) features of the real set.
        rng: draws the bootstrap resamples.
        n_bootstrap: resamples (each reweights the same image indices on both synthetic sides).
        confidence: level of the interval.
    """
    from renderer.evaluate.distances import kernel_quadratic_forms
    from renderer.evaluate.result import bootstrap_counts, percentile_interval

    if variant.shape != base.shape:
        raise ValueError(f"paired sets need equal shapes, got {variant.shape} and {base.shape}")
    ws = np.hstack([np.ones((len(base), 1)), bootstrap_counts(len(base), n_bootstrap, rng=rng)])
    wr = np.hstack([np.ones((len(real), 1)), bootstrap_counts(len(real), n_bootstrap, rng=rng)])
    a, b, r = (x.astype(np.float64) for x in (variant, base, real))
    m, n = ws.sum(axis=0), wr.sum(axis=0)
    pairs = m * m - np.square(ws).sum(axis=0)
    # the real-real term of MMD^2 is the same on both sides and cancels: never computed
    within = (kernel_quadratic_forms(a, a, ws, ws, same=True)
              - kernel_quadratic_forms(b, b, ws, ws, same=True)) / pairs
    across = (kernel_quadratic_forms(a, r, ws, wr, same=False)
              - kernel_quadratic_forms(b, r, ws, wr, same=False)) / (m * n)
    difference = within - 2.0 * across
    low, high = percentile_interval(difference[1:], confidence)
    return float(difference[0]), low, high


def paired_differences(folders: list[Path], base_folder: Path, real_features: np.ndarray,
                       seed: int) -> list[tuple[float, float, float] | None]:
    """Paired KID differences of each trial folder against the base trial's (None if missing)."""
    base = load_features(base_folder)
    out: list[tuple[float, float, float] | None] = []
    for k, folder in enumerate(folders):
        variant = load_features(folder)
        if base is None or variant is None or variant.shape != base.shape:
            out.append(None)
            continue
        rng = stream(seed, k, "experiments/paired-bootstrap")
        out.append(paired_kid_difference(variant, base, real_features, rng=rng))
    return out
