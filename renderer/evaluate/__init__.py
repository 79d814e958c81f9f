"""Measure the gap between a synthetic image set and a real one (``synth eval``).

Features (:mod:`~renderer.evaluate.features`), set distances (FID, KID), precision / recall /
density / coverage, a domain classifier, low-level image and label statistics with hints, the
task gap (train on synthetic, test on real), nearest neighbours, and a JSON + HTML report.

Example::

    from renderer.evaluate import EvalConfig, EvalSet, run_evaluation, write_report

    result = run_evaluation(synthetic, real, EvalConfig(seed=0))
    write_report(result, synthetic, real, Path("report"))
"""

from renderer.evaluate.config import EvalConfig
from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.report import check_gates, parse_fail_above, run_evaluation, write_report
from renderer.evaluate.taskgap.classification import TaskConfig

__all__ = ["EvalConfig", "EvalSet", "TaskConfig", "check_gates", "parse_fail_above",
           "run_evaluation", "write_report"]
