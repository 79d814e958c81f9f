"""Precision, recall, density and coverage (Naeem et al., "Reliable Fidelity and Diversity Metrics
for Generative Models", ICML 2020).

Each real (and each synthetic) image gets a ball whose radius is the distance to its k-th nearest
neighbour in its own set; then, with M synthetic and N real images:

- **precision**: fraction of synthetic images inside at least one real ball (fidelity);
- **recall**: fraction of real images inside at least one synthetic ball (diversity);
- **density**: sum over synthetic images of the number of real balls containing them, / (k M);
  about 1 when the two sets are alike, above 1 when synthetic images crowd dense real regions;
- **coverage**: fraction of real balls that contain at least one synthetic image; robust to
  outliers, unlike recall.

``k = 5`` by default, the value the paper recommends (it keeps coverage of identical
distributions near ``1 - 1/2^k``, ~0.97 with 10,000 samples per side). Distances are Euclidean in
the feature space given (``standardise`` in :mod:`renderer.evaluate.knn` for mixed-scale features).

YAML (``synth eval`` configuration)::

    prdc: {k: 5}
"""

from __future__ import annotations

import numpy as np

from renderer.evaluate.knn import Neighbourhoods, neighbourhoods
from renderer.evaluate.result import Result

DEFAULT_K = 5


def prdc(synthetic: np.ndarray, real: np.ndarray, *, k: int = DEFAULT_K) -> dict[str, Result]:
    """Precision, recall, density and coverage of ``synthetic`` against ``real`` features.

    Args:
        synthetic: (M, d) features of the synthetic set.
        real: (N, d) features of the real set.
        k: neighbour rank defining each image's ball.

    Returns:
        ``{"precision", "recall", "density", "coverage"}`` results (no interval: NaN bounds).
    """
    return prdc_from(neighbourhoods(synthetic, real, k=k))


def prdc_from(nb: Neighbourhoods) -> dict[str, Result]:
    """The four metrics from precomputed neighbourhoods (shared with nearest.py)."""
    m, n = len(nb.synthetic_radius), len(nb.real_radius)
    values = {"precision": (nb.balls_containing > 0).mean(),
              "recall": nb.real_recalled.mean(),
              "density": nb.balls_containing.sum() / (nb.k * m),
              # a real ball holds a synthetic image iff its nearest synthetic one lies inside it
              "coverage": (nb.r2s_distance <= nb.real_radius).mean()}
    return {name: Result(float(v), float("nan"), float("nan"), m, n, {"k": nb.k})
            for name, v in values.items()}
