"""Set-to-set distances on features: Fréchet distance (the FID formula) and KID.

Both are pure cores ``compute(a, b, *, rng) -> Result`` over (n, d) feature arrays, ``a`` the
synthetic side, ``b`` the real one; ``rng`` drives the bootstrap only.

- **Fréchet distance** (Heusel et al. 2017): ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^1/2)``.
  The trace of the matrix square root is computed as clean-fid and pytorch-fid intend, but without
  their complex-valued ``scipy.linalg.sqrtm`` round trip: ``tr (S_a S_b)^1/2 = tr (R S_b R)^1/2``
  with ``R = S_a^1/2`` from a symmetric eigendecomposition; ``R S_b R`` is symmetric positive
  semi-definite, so its eigenvalues are real and tiny negative round-off is clipped to zero. It is
  biased upwards for small n: compare values only at equal sample sizes.
- **KID** (Bińkowski et al. 2018): unbiased MMD^2 with the cubic polynomial kernel
  ``k(x, y) = (x.y / d + 1)^3``, averaged over ``n_subsets`` random subsets of ``subset_size`` per
  side (the published estimator, as clean-fid / torchmetrics compute it); unbiased, so it is
  comparable across sample sizes and can be slightly negative.

Confidence intervals come from bootstraps over resampled images: for FID a normal interval from
the bootstrap standard error (resampling duplicates images and biases FID upwards, so bootstrap
percentiles would sit above the estimate), for KID a percentile interval of the bootstrap values
shifted by their bias (same reason). For KID all subsets and all bootstrap resamples are
evaluated in one blockwise pass over the full kernel matrices, each as a weight vector (a
resample's multiplicities, a subset's 0/1 indicator), so memory stays O(block x n).

YAML (``synth eval`` configuration)::

    fid_bootstrap: 25
    kid_subset_size: 1000
    kid_subsets: 100
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from renderer.evaluate.result import Result, bootstrap_counts, percentile_interval

BLOCK_ROWS = 1024  # rows of a kernel block: 1024 x 10,000 float64 = 80 MB


def gaussian_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and unbiased covariance (d, d) of the rows of ``x``."""
    return x.mean(axis=0), np.cov(x, rowvar=False).reshape(x.shape[1], x.shape[1])


def sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric PSD matrix (negative round-off eigenvalues -> 0)."""
    eigenvalues, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return (vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ vectors.T


def frechet_distance(mu_a: np.ndarray, sigma_a: np.ndarray, mu_b: np.ndarray,
                     sigma_b: np.ndarray) -> float:
    """Fréchet distance between N(mu_a, sigma_a) and N(mu_b, sigma_b) (clipped at 0)."""
    root_a = sqrtm_psd(sigma_a)
    middle = root_a @ sigma_b @ root_a
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2.0), 0.0, None)).sum()
    diff = mu_a - mu_b
    value = diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * trace_sqrt
    return max(float(value), 0.0)


def _weighted_stats(x: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance of a resample given as multiplicities ``weights``."""
    n = weights.sum()
    mu = weights @ x / n
    centred = x - mu
    return mu, (centred.T * weights) @ centred / (n - 1.0)


def frechet(a: np.ndarray, b: np.ndarray, *, rng: np.random.Generator, n_bootstrap: int = 25,
            confidence: float = 0.95) -> Result:
    """Fréchet distance between feature sets ``a`` and ``b`` with a bootstrap interval.

    Args:
        a: (n_a, d) features of the synthetic set.
        b: (n_b, d) features of the real set.
        rng: drives the bootstrap resamples.
        n_bootstrap: resamples of both sets (0 or 1: no interval); each costs two covariances
            and two d x d eigendecompositions (~1 s at d = 842, n = 10,000 on one core).
        confidence: level of the percentile interval.
    """
    mu_a, sigma_a = gaussian_stats(a)
    mu_b, sigma_b = gaussian_stats(b)
    value = frechet_distance(mu_a, sigma_a, mu_b, sigma_b)
    counts_a = bootstrap_counts(len(a), n_bootstrap, rng=rng)
    counts_b = bootstrap_counts(len(b), n_bootstrap, rng=rng)
    boots = [frechet_distance(*_weighted_stats(a, counts_a[:, r]),
                              *_weighted_stats(b, counts_b[:, r])) for r in range(n_bootstrap)]
    # resampling duplicates images, which inflates FID like a smaller sample would, so the
    # bootstrap gives the spread (standard error) and the interval is centred on the estimate
    spread = float(np.std(boots, ddof=1)) if len(boots) > 1 else math.nan
    z = float(norm.ppf(0.5 + confidence / 2.0))
    low, high = max(value - z * spread, 0.0), value + z * spread
    diff = mu_a - mu_b
    extra = {"mean_term": float(diff @ diff), "dim": int(a.shape[1]), "n_bootstrap": n_bootstrap,
             "confidence": confidence, "bootstrap_std": spread,
             "interval": "normal bootstrap: value +- z * standard error over resamples",
             "note": "biased upwards at small n; compare only at equal sample sizes"}
    if min(len(a), len(b)) <= a.shape[1]:
        extra["warning"] = (f"fewer samples than feature dimensions ({a.shape[1]}): "
                            "covariances are singular")
    return Result(value, low, high, len(a), len(b), extra)


def poly_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cubic polynomial kernel ``(x.y / d + 1)^3`` between the rows of ``x`` and ``y``."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def kernel_quadratic_forms(x: np.ndarray, y: np.ndarray, wx: np.ndarray, wy: np.ndarray,
                           same: bool) -> np.ndarray:
    """``sum_ij wx[i, c] k(x_i, y_j) wy[j, c]`` for every column c; over i != j only if ``same``.

    With ``same`` (x is y, wx is wy) the pairs of an image with itself (or with its own bootstrap
    duplicate) are left out: keeping them is what biases a resampled MMD^2 upwards.
    """
    total = np.zeros(wx.shape[1])
    for start in range(0, len(x), BLOCK_ROWS):
        block = poly_kernel(x[start:start + BLOCK_ROWS], y)
        w_rows = wx[start:start + BLOCK_ROWS]
        total += np.einsum("ic,ic->c", w_rows, block @ wy)
        if same:
            rows = np.arange(len(w_rows))
            total -= block[rows, rows + start] @ np.square(w_rows)
    return total


def weighted_mmd2(a: np.ndarray, b: np.ndarray, wa: np.ndarray, wb: np.ndarray) -> np.ndarray:
    """Unbiased MMD^2 (cubic kernel) of every weighted resample (one per column of wa/wb).

    Within-set sums run over pairs of distinct images, so they are normalised by
    ``sum_{i != j} w_i w_j = m^2 - sum w_i^2`` (``m (m - 1)`` for a 0/1 subset indicator).
    """
    m, n = wa.sum(axis=0), wb.sum(axis=0)
    pairs_a = m * m - np.square(wa).sum(axis=0)
    pairs_b = n * n - np.square(wb).sum(axis=0)
    kaa = kernel_quadratic_forms(a, a, wa, wa, same=True)
    kbb = kernel_quadratic_forms(b, b, wb, wb, same=True)
    kab = kernel_quadratic_forms(a, b, wa, wb, same=False)
    return kaa / pairs_a + kbb / pairs_b - 2.0 * kab / (m * n)


def subset_indicators(n: int, size: int, count: int, *, rng: np.random.Generator) -> np.ndarray:
    """(n, count) 0/1 matrix: each column selects ``size`` of n samples without replacement."""
    indicators = np.zeros((n, count))
    for c in range(count):
        indicators[rng.choice(n, size=size, replace=False), c] = 1.0
    return indicators


def kid(a: np.ndarray, b: np.ndarray, *, rng: np.random.Generator, subset_size: int = 1000,
        n_subsets: int = 100, n_bootstrap: int = 100, confidence: float = 0.95) -> Result:
    """Kernel Inception Distance between feature sets ``a`` and ``b`` (see module docstring).

    Args:
        a: (n_a, d) features of the synthetic set.
        b: (n_b, d) features of the real set.
        rng: draws the subsets and the bootstrap resamples.
        subset_size: samples per side in each subset (capped at the smaller set).
        n_subsets: subsets averaged into the value.
        n_bootstrap: resamples of both sets for the interval of the full-sample MMD^2.
        confidence: level of the percentile interval.
    """
    if min(len(a), len(b)) < 2 or n_subsets < 1:
        raise ValueError("KID needs at least 2 samples per side and 1 subset")
    size = min(subset_size, len(a), len(b))
    wa = np.hstack([np.ones((len(a), 1)), subset_indicators(len(a), size, n_subsets, rng=rng),
                    bootstrap_counts(len(a), n_bootstrap, rng=rng)])
    wb = np.hstack([np.ones((len(b), 1)), subset_indicators(len(b), size, n_subsets, rng=rng),
                    bootstrap_counts(len(b), n_bootstrap, rng=rng)])
    mmd2 = weighted_mmd2(a, b, wa, wb)
    subsets = mmd2[1:1 + n_subsets]
    boots = mmd2[1 + n_subsets:]
    # a resample's MMD^2 estimates the distance between the two *empirical* distributions, which
    # exceeds the population's (by O(1/n)); shifting by that bias centres the interval on the
    # estimate, as for FID
    low, high = percentile_interval(boots - (boots.mean() - mmd2[0]) if boots.size else boots,
                                    confidence)
    extra = {"subset_std": float(subsets.std()), "subset_size": size, "n_subsets": n_subsets,
             "mmd2_full_sample": float(mmd2[0]), "kernel": "(x.y/d + 1)^3",
             "n_bootstrap": n_bootstrap, "confidence": confidence,
             "interval": "bias-shifted percentile bootstrap of the full-sample unbiased MMD^2"}
    return Result(float(subsets.mean()), low, high, len(a), len(b), extra)
