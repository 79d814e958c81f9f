"""Measure the gap between a synthetic image set and a real one (``synth eval``).

Features (:mod:`~renderer.evaluate.features`), set distances (FID, KID), precision / recall /
density / coverage, a domain classifier, low-level image and label statistics with hints, the
task gap (train on synthetic, test on real: a classifier or a detector, see
:mod:`renderer.evaluate.taskgap`), nearest neighbours, and a JSON + HTML report.

Example::

    from renderer.evaluate import EvalConfig, EvalSet, run_evaluation, write_report

    result = run_evaluation(synthetic, real, EvalConfig(seed=0))
    write_report(result, synthetic, real, Path("report"))

Each name loads its module on first use: importing this package (or ``EvalSet`` alone) does not
import torch, torchvision, scipy, scikit-learn or matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from renderer.lazy import lazy_names

if TYPE_CHECKING:
    from renderer.evaluate.config import EvalConfig
    from renderer.evaluate.evalset import EvalSet
    from renderer.evaluate.report import (
        check_gates,
        parse_fail_above,
        run_evaluation,
        write_report,
    )
    from renderer.evaluate.taskgap.classification import TaskConfig
    from renderer.evaluate.taskgap.options import DetectionConfig

# Public name -> the module that defines it.
_LAZY = {
    "EvalConfig": "renderer.evaluate.config",
    "EvalSet": "renderer.evaluate.evalset",
    "TaskConfig": "renderer.evaluate.taskgap.classification",
    "DetectionConfig": "renderer.evaluate.taskgap.options",
    "check_gates": "renderer.evaluate.report",
    "parse_fail_above": "renderer.evaluate.report",
    "run_evaluation": "renderer.evaluate.report",
    "write_report": "renderer.evaluate.report",
}

__all__ = ["DetectionConfig", "EvalConfig", "EvalSet", "TaskConfig", "check_gates",
           "parse_fail_above", "run_evaluation", "write_report"]


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
