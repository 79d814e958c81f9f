"""``run_evaluation``: every metric of a synthetic set against a real one, as one JSON-able dict.

Each random choice draws from its own named stream (:func:`renderer.rng.stream` with the run's
seed and the section's name), so switching one section off or changing its settings leaves the
numbers of every other section unchanged.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from renderer.evaluate.c2st import c2st
from renderer.evaluate.config import EvalConfig
from renderer.evaluate.distances import frechet, kid
from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.features import build_extractor, extract_features
from renderer.evaluate.knn import neighbourhoods, standardise
from renderer.evaluate.label_stats import label_statistics
from renderer.evaluate.nearest import nearest_analysis
from renderer.evaluate.plans import plan_correlations
from renderer.evaluate.prdc import prdc_from
from renderer.evaluate.result import jsonable
from renderer.evaluate.stats import image_statistics
from renderer.evaluate.taskgap.run import run_task_gap
from renderer.rng import stream

log = logging.getLogger(__name__)
REPORT_VERSION = 1


def _stream(config: EvalConfig, name: str) -> np.random.Generator:
    return stream(config.seed, 0, f"evaluate/{name}")


def subsample_indices(n: int, cap: int | None, *, rng: np.random.Generator) -> np.ndarray:
    """All of ``range(n)``, or a sorted random ``cap`` of them."""
    if cap is None or n <= cap:
        return np.arange(n)
    return np.sort(rng.choice(n, size=cap, replace=False))


@contextlib.contextmanager
def thread_limit(threads: int | None) -> Iterator[None]:
    """Limit torch and BLAS/OpenMP to ``threads`` threads inside the block (None: no change)."""
    if threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(previous)


class _Timer:
    """Logs how long each section took (timings stay out of the result: same inputs, same bytes)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def lap(self, section: str) -> None:
        now = time.perf_counter()
        log.info("evaluate: %s done in %.1f s", section, now - self.start)
        self.start = now


def run_evaluation(synthetic: EvalSet, real: EvalSet, config: EvalConfig,
                   task_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Measure how far ``synthetic`` is from ``real``.

    Args:
        synthetic: the rendered set.
        real: the held-out real set.
        config: what to measure (defaults: weight-free features, every section).
        task_options: extra keyword arguments of the task gap
            (:func:`~renderer.evaluate.taskgap.run.run_task_gap`: ``train_source``,
            ``progress``).

    Returns:
        JSON-able dict with sections ``features``, ``samples``, ``fid``, ``kid``, ``prdc``,
        ``c2st``, ``nearest``, ``image_stats``, ``label_stats``, ``tstr``, ``plan_correlations``
        (None where not computed) and ``summary`` (headline numbers). Indices inside refer to
        positions in the subsets listed in ``samples`` (all images unless ``max_images``).
    """
    if min(len(synthetic), len(real)) < 2:
        raise ValueError("the evaluation needs at least 2 images per side")
    with thread_limit(config.threads):
        return _evaluate(synthetic, real, config, task_options)


def _evaluate(synthetic: EvalSet, real: EvalSet, config: EvalConfig,
              task_options: dict[str, Any] | None) -> dict[str, Any]:
    timer = _Timer()
    syn_idx = subsample_indices(len(synthetic), config.max_images,
                                rng=_stream(config, "subsample/synthetic"))
    real_idx = subsample_indices(len(real), config.max_images,
                                 rng=_stream(config, "subsample/real"))
    synthetic, real = synthetic.subset(syn_idx), real.subset(real_idx)
    extractor = build_extractor(config.extractor, weights=config.weights, device=config.device)
    feats_s = extract_features(extractor, synthetic.images, batch_size=config.batch_size)
    feats_r = extract_features(extractor, real.images, batch_size=config.batch_size)
    timer.lap("features")
    result: dict[str, Any] = {
        "version": REPORT_VERSION, "features": extractor.info(), "config": config.to_dict(),
        "samples": {"synthetic": len(synthetic), "real": len(real),
                    "synthetic_indices": syn_idx, "real_indices": real_idx},
        # items of the source sets left out as malformed (--on-error skip)
        "skipped": {side: {"count": len(evalset.skipped), "problems": list(evalset.skipped)}
                    for side, evalset in (("synthetic", synthetic), ("real", real))},
    }
    result["fid"] = frechet(feats_s, feats_r, rng=_stream(config, "fid"),
                            n_bootstrap=config.fid_bootstrap, confidence=config.confidence)
    result["kid"] = kid(feats_s, feats_r, rng=_stream(config, "kid"),
                        subset_size=config.kid_subset_size, n_subsets=config.kid_subsets,
                        n_bootstrap=config.kid_bootstrap, confidence=config.confidence)
    timer.lap("fid + kid")
    knn_s, knn_r = (standardise(feats_s, feats_r) if config.knn_space == "standardised"
                    else (feats_s, feats_r))
    nb = neighbourhoods(knn_s, knn_r, k=min(config.prdc_k, len(synthetic) - 1, len(real) - 1))
    result["prdc"] = prdc_from(nb)
    result["nearest"] = nearest_analysis(nb, n_show=config.n_show)
    timer.lap("prdc + nearest")
    result["c2st"] = c2st(feats_s, feats_r, rng=_stream(config, "c2st"),
                          folds=config.c2st_folds, c=config.c2st_c,
                          n_bootstrap=config.c2st_bootstrap, confidence=config.confidence,
                          n_show=config.n_show)
    timer.lap("c2st")
    result["plan_correlations"] = (
        plan_correlations(synthetic.meta, result["c2st"].extra["scores_synthetic"])
        if synthetic.meta is not None else None)
    result["image_stats"] = (image_statistics(synthetic.images, real.images)
                             if config.image_stats else None)
    result["label_stats"] = label_statistics(synthetic, real)
    timer.lap("statistics")
    result["tstr"] = run_task_gap(synthetic, real, config.task_kind, config.task,
                                  config.detection, rng=_stream(config, "tstr"),
                                  class_map=config.class_map, **(task_options or {}))
    timer.lap("task gap")
    result["summary"] = summary(result)
    return jsonable(_results_to_dicts(result))


def _results_to_dicts(value: Any) -> Any:
    """Turn every nested :class:`Result` into its dict form."""
    if hasattr(value, "to_dict") and hasattr(value, "ci_low"):
        return value.to_dict()
    if isinstance(value, dict):
        return {key: _results_to_dicts(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_results_to_dicts(v) for v in value]
    return value


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Headline numbers: ``{name: {"value", "ci_low", "ci_high"}}`` (the gate names)."""
    picks = {"fid": result.get("fid"), "kid": result.get("kid"),
             "c2st_auc": result.get("c2st")}
    for name in ("precision", "recall", "density", "coverage"):
        picks[name] = (result.get("prdc") or {}).get(name)
    task = result.get("tstr") or {}
    metric = "map50" if task.get("task") == "detection" else "accuracy"
    picks.update({f"tstr_{metric}": task.get("tstr"), f"trtr_{metric}": task.get("trtr"),
                  "tstr_gap": task.get("gap")})
    return {name: {k: _field(r, k) for k in ("value", "ci_low", "ci_high")}
            for name, r in picks.items() if r is not None}


def _field(entry: Any, key: str) -> Any:
    return entry.get(key) if isinstance(entry, dict) else getattr(entry, key)
