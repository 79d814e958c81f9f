"""Named random streams: the only way randomness enters the renderer.

Each component draws from its own generator keyed by ``(seed, index, component path)``. Adding,
removing or re-parameterising one component therefore leaves every other draw unchanged, so two
variants of a spec differ image by image only in what was changed (common random numbers).
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Sequence
from functools import lru_cache

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
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        _entropy(seed, index, stable_id(component)))))


def _words(value: int) -> list[int]:
    """``value``'s little-endian 32-bit words (at least one), as numpy splits an int seed."""
    words = [value & 0xFFFFFFFF]
    while value := value >> 32:
        words.append(value & 0xFFFFFFFF)
    return words


def _entropy(seed: int, index: int, component_id: int) -> np.ndarray:
    """The words ``SeedSequence(seed, spawn_key=(index, component_id))`` mixes: the seed's words
    padded with zeros to the pool size (4), then the spawn key's. Passing them as one uint32
    array gives the same sequence at half the cost (numpy re-converts a spawn key on every
    construction, and a plan makes about 36 streams)."""
    run = _words(seed)
    return np.array(run + [0] * (4 - len(run)) + _words(index) + _words(component_id), np.uint32)


def cumulative(p: np.ndarray) -> tuple[float, ...]:
    """Normalised cumulative probabilities, computed as ``Generator.choice(n, p=p)`` does."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return tuple(cdf.tolist())


def proportional_cdf(weights: Sequence[float]) -> tuple[float, ...]:
    """``cumulative`` of ``weights`` normalised by their (sequential) sum."""
    return cumulative(np.asarray(weights, np.float64) / sum(weights))


def draw_index(rng: np.random.Generator, cdf: tuple[float, ...]) -> int:
    """The index ``rng.choice(len(cdf), p=p)`` draws for ``cdf = cumulative(p)``, from the same
    single uniform searched to the right, without re-checking ``p`` on every draw: about 20x
    faster, and a plan makes a dozen such draws per object."""
    return bisect.bisect_right(cdf, rng.random())


@lru_cache(maxsize=1024)
def _weights_cdf(weights: tuple[float, ...]) -> tuple[float, ...]:
    # normalised by numpy's (pairwise) sum, as weighted_index always did; proportional_cdf sums
    # sequentially, as the choice distributions did: the two sums can differ in the last bit,
    # which would move a draw that lands on a boundary, so each keeps its own
    w = np.asarray(weights, np.float64)
    return cumulative(w / w.sum())


def weighted_index(rng: np.random.Generator, weights: Sequence[float]) -> int:
    """An index drawn with probability proportional to ``weights`` (>= 0, positive sum)."""
    return draw_index(rng, _weights_cdf(tuple(weights)))


def child_seed(rng: np.random.Generator) -> int:
    """Draw a 63-bit seed for many-valued detail (noise grids, jitter) replayed at render time."""
    return int(rng.integers(0, 2**63 - 1))
