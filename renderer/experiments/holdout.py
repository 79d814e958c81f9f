"""The honest protocol of ``synth tune``: the real set split into a tuning part and a held-out part.

The search only ever reads the tuning part; the before/after comparison only the held-out part.
The split is stratified by class (a random split when the real set has no labels) and seeded, so
every run, and every tool that reports on the held-out part, splits alike. With ``fraction=0.5``
and seed 0 it is the split of the README's real-data table (``tools/real_data_table.py``): its
"held-out half" is the held-out part here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from renderer.io import write_bytes_atomic
from renderer.rng import stream

if TYPE_CHECKING:
    from renderer.evaluate.evalset import EvalSet

# The stream name the real-data table has always split with: renaming it would move its halves.
SPLIT_STREAM = "real_data_table/split"


def holdout_indices(labels: np.ndarray | None, size: int, fraction: float,
                    seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint sorted (tuning, held-out) indices of a real set of ``size`` images.

    Args:
        labels: class index per image (-1: unlabelled), or None for an unlabelled set.
        size: number of images.
        fraction: share of each class (of the whole set when unlabelled) held out.
        seed: seed of the split.
    """
    from renderer.evaluate.taskgap.classification import (
        stratified_split,  # torch: imported only when splitting
    )

    rng = stream(seed, 0, SPLIT_STREAM)
    if labels is None or (labels < 0).any():
        labels = np.zeros(size, np.int64)  # one stratum: a plain seeded random split
    return stratified_split(np.asarray(labels), fraction, rng=rng)


@dataclass(frozen=True)
class RealSplit:
    """The real set cut in two; ``tuning`` is all the search sees."""

    tuning: EvalSet
    held_out: EvalSet
    tuning_indices: np.ndarray
    held_out_indices: np.ndarray
    fraction: float
    seed: int

    def save(self, path: Path) -> None:
        """``split.json``: which real images (index and name) each part holds."""
        record = {"fraction_held_out": self.fraction, "seed": self.seed, "stream": SPLIT_STREAM,
                  "tuning": {"indices": self.tuning_indices.tolist(),
                             "names": list(self.tuning.names)},
                  "held_out": {"indices": self.held_out_indices.tolist(),
                               "names": list(self.held_out.names)}}
        write_bytes_atomic(path, json.dumps(record, indent=1).encode("utf-8"))


def split_real(real: EvalSet, fraction: float, seed: int) -> RealSplit:
    """The real set split into a tuning and a held-out part (see the module docstring).

    Raises:
        ValueError: a part would be empty.
    """
    tuning, held_out = holdout_indices(real.labels, len(real), fraction, seed)
    if len(tuning) == 0 or len(held_out) == 0:
        raise ValueError(f"real set of {len(real)} images: too small to hold out {fraction:g} "
                         "of it and tune on the rest (see 'holdout')")
    return RealSplit(real.subset(tuning), real.subset(held_out), tuning, held_out, fraction,
                     seed)
