"""Named random streams: the only way randomness enters the renderer.

Each component draws from its own generator keyed by ``(seed, index, component path)``. Adding,
removing or re-parameterising one component therefore leaves every other draw unchanged, so two
variants of a spec differ image by image only in what was changed (common random numbers).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


def stable_id(name: str) -> int:
    """Return a process-independent 32-bit id of ``name`` (crc32; Python's ``hash`` is salted)."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, index: int, component: str) -> np.random.Generator:
    """Return the generator of ``component`` for sample ``index`` of a run seeded with ``seed``.

    Args:
        seed: run seed (non-negative integer).
        index: sample index (non-negative integer).
        component: slash-separated component path, e.g. ``"objects/shapes/2/pose"``.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(index, stable_id(component)))
    return np.random.Generator(np.random.PCG64(sequence))


def weighted_index(rng: np.random.Generator, weights: Sequence[float]) -> int:
    """An index drawn with probability proportional to ``weights`` (>= 0, positive sum)."""
    w = np.asarray(weights, np.float64)
    return int(rng.choice(len(w), p=w / w.sum()))


def child_seed(rng: np.random.Generator) -> int:
    """Draw a 63-bit seed for many-valued detail (noise grids, jitter) replayed at render time."""
    return int(rng.integers(0, 2**63 - 1))
