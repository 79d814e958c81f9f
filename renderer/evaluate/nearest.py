"""Nearest neighbours across the two sets, in feature space, to spot missing modes.

- synthetic -> real: each synthetic image's closest real image. The farthest ones are synthetic
  images unlike anything real (a spec range that is too wide, an artefact).
- real -> synthetic: each real image's closest synthetic image, compared with its closest *other*
  real image. A real image whose nearest synthetic neighbour is much farther than its nearest real
  neighbour sits in a region the spec never renders: a missing mode (a pose, a class look, a
  background the randomisation does not reach).
"""

from __future__ import annotations

import numpy as np

from renderer.evaluate.knn import Neighbourhoods


def _pairs(order: np.ndarray, index: np.ndarray, distance: np.ndarray, score: np.ndarray
           ) -> list[dict[str, float | int]]:
    return [{"index": int(i), "neighbour": int(index[i]), "distance": float(distance[i]),
             "score": float(score[i])} for i in order]


def nearest_analysis(nb: Neighbourhoods, *, n_show: int = 8) -> dict:
    """Nearest-neighbour relations between the synthetic and the real set.

    Args:
        nb: neighbourhoods of the two sets (:func:`renderer.evaluate.knn.neighbourhoods`).
        n_show: how many examples each list keeps for the report.

    Returns:
        JSON-able dict: per-image neighbours and distances both ways, summary medians, and the
        examples ``farthest_synthetic``, ``closest_synthetic`` and ``missing_modes`` (each entry:
        index in its own set, index of its neighbour in the other set, distance, score).
    """
    # how much farther the synthetic set is than the real set itself, around each real image
    ratio = nb.r2s_distance / np.maximum(nb.real_nearest, 1e-12)
    by_s2r = np.argsort(nb.s2r_distance, kind="stable")
    missing = np.argsort(-ratio, kind="stable")[:n_show]
    return {
        "synthetic_to_real": {"neighbour": nb.s2r_index, "distance": nb.s2r_distance},
        "real_to_synthetic": {"neighbour": nb.r2s_index, "distance": nb.r2s_distance,
                              "ratio": ratio},
        "summary": {
            "median_synthetic_to_real": float(np.median(nb.s2r_distance)),
            "median_real_to_synthetic": float(np.median(nb.r2s_distance)),
            "median_real_to_real": float(np.median(nb.real_nearest)),
            "median_ratio": float(np.median(ratio)),
            "real_farther_than_twice_own_neighbour": float((ratio > 2.0).mean()),
        },
        "farthest_synthetic": _pairs(by_s2r[::-1][:n_show], nb.s2r_index, nb.s2r_distance,
                                     nb.s2r_distance),
        "closest_synthetic": _pairs(by_s2r[:n_show], nb.s2r_index, nb.s2r_distance,
                                    nb.s2r_distance),
        "missing_modes": _pairs(missing, nb.r2s_index, nb.r2s_distance, ratio),
    }
