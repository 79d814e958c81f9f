"""Blockwise Euclidean k-nearest-neighbour structure shared by PRDC and nearest.py.

Distance matrices of two 10,000-image sets would take 800 MB each in float64, and each costs
n^2 d flops; :func:`neighbourhoods` walks each of the three matrices (real-real, synthetic-
synthetic, real-synthetic) once, in row blocks, and keeps only what the metrics need, so memory
stays O(block x n).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

BLOCK_ROWS = 1024


def standardise(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """z-score both sets with the mean and standard deviation of ``b`` (the real set).

    Without it the Euclidean distance is dominated by whichever feature block has the largest
    scale. A dimension constant in ``b`` gets a floor scale (1e-3 of the median), not infinity.
    """
    mean = b.mean(axis=0)
    std = b.std(axis=0)
    floor = 1e-3 * float(np.median(std)) + 1e-12
    std = np.maximum(std, floor)
    return (a - mean) / std, (b - mean) / std


def distance_blocks(x: np.ndarray, y: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(start, D)`` with D[i, j] = |x[start + i] - y[j]| for successive row blocks of x."""
    y_sq = np.einsum("ij,ij->i", y, y)
    for start in range(0, len(x), BLOCK_ROWS):
        rows = x[start:start + BLOCK_ROWS]
        squared = np.einsum("ij,ij->i", rows, rows)[:, None] + y_sq[None, :] - 2.0 * rows @ y.T
        yield start, np.sqrt(np.clip(squared, 0.0, None))


def own_neighbours(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distance of each row of ``x`` to its k-th and to its nearest *other* row, in one pass."""
    if not 1 <= k < len(x):
        raise ValueError(f"k={k} needs between 1 and {len(x) - 1} neighbours in a set of {len(x)}")
    kth, nearest = np.empty(len(x)), np.empty(len(x))
    for start, block in distance_blocks(x, x):
        rows = np.arange(len(block))
        block[rows, rows + start] = -1.0  # self sorts first whatever the round-off
        ordered = np.partition(block, sorted({1, k}), axis=1)
        kth[start:start + len(block)] = ordered[:, k]
        nearest[start:start + len(block)] = ordered[:, 1]
    return kth, nearest


@dataclass(frozen=True)
class Neighbourhoods:
    """k-NN relations of a synthetic set (M images) and a real set (N images).

    Attributes:
        k: neighbour rank of the radii.
        real_radius: (N,) distance of each real image to its k-th nearest other real image.
        synthetic_radius: (M,) the same within the synthetic set.
        real_nearest: (N,) distance of each real image to its nearest other real image.
        s2r_index: (M,) nearest real image of each synthetic image; ``s2r_distance`` its distance.
        r2s_index: (N,) nearest synthetic image of each real image; ``r2s_distance`` its distance.
        balls_containing: (M,) how many real balls (radius ``real_radius``) hold each synthetic.
        real_recalled: (N,) whether a real image lies in at least one synthetic ball.
    """

    k: int
    real_radius: np.ndarray
    synthetic_radius: np.ndarray
    real_nearest: np.ndarray
    s2r_index: np.ndarray
    s2r_distance: np.ndarray
    r2s_index: np.ndarray
    r2s_distance: np.ndarray
    balls_containing: np.ndarray
    real_recalled: np.ndarray


def neighbourhoods(synthetic: np.ndarray, real: np.ndarray, *, k: int) -> Neighbourhoods:
    """Compute :class:`Neighbourhoods` of (M, d) ``synthetic`` and (N, d) ``real`` features."""
    real_radius, real_nearest = own_neighbours(real, k)
    synthetic_radius, _ = own_neighbours(synthetic, k)
    m, n = len(synthetic), len(real)
    balls = np.zeros(m)
    recalled = np.zeros(n, dtype=bool)
    r2s_index, r2s_distance = np.empty(n, dtype=np.int64), np.empty(n)
    s2r_index, s2r_distance = np.zeros(m, dtype=np.int64), np.full(m, np.inf)
    for start, block in distance_blocks(real, synthetic):  # block[i, j] = |real_i - synthetic_j|
        stop = start + len(block)
        balls += (block <= real_radius[start:stop, None]).sum(axis=0)
        recalled[start:stop] = (block <= synthetic_radius[None, :]).any(axis=1)
        r2s_index[start:stop] = block.argmin(axis=1)
        r2s_distance[start:stop] = block[np.arange(len(block)), r2s_index[start:stop]]
        best = block.argmin(axis=0)
        best_distance = block[best, np.arange(m)]
        closer = best_distance < s2r_distance  # strict: ties keep the earlier (lower) index
        s2r_index[closer] = best[closer] + start
        s2r_distance[closer] = best_distance[closer]
    return Neighbourhoods(k, real_radius, synthetic_radius, real_nearest, s2r_index, s2r_distance,
                          r2s_index, r2s_distance, balls, recalled)
