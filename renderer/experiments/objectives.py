"""What a tuning trial is scored by: task objectives (pluggable) and combined objectives.

A task objective trains something on the rendered images and scores it on the real ones; it adds
``task.*`` metrics (``task.error``, ``task.accuracy``...) to the trial's record, beside the
evaluation engine's. The experiment's ``task: {kind: NAME, ...options}`` picks one:

- a registered name: ``tstr`` (the engine's classifier trained on every rendered image, scored
  on every real one; :mod:`renderer.evaluate.taskgap.task_score`) or ``detection`` (the
  detection task gap's default detector trained on every rendered image, scored with COCO mAP
  on every real one: ``task.map50``, ``task.error``...;
  :mod:`renderer.evaluate.taskgap.detection_score`);
- ``module:function``: any importable function ``fn(synthetic, real, options) -> metrics``
  (``name -> [value, low, high]``), e.g. a project's own training recipe.

``synth sweep``, ``synth ablate`` and ``synth tune`` score every trial by it (``synth tune``
hands it only the tuning part of the real set). Other code may add names with
:func:`register_task`. A combined objective adds weighted penalties to the ranked metric (see
:class:`renderer.experiments.config.Objective`).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from renderer.experiments.evaluation import resolve_metric

if TYPE_CHECKING:
    from renderer.evaluate.evalset import EvalSet
    from renderer.experiments.config import Objective

TaskFn = Callable[["EvalSet", "EvalSet", dict[str, Any]], dict[str, list[Any]]]

# name -> "module:function", imported on first use (tasks import torch; the registry does not)
TASKS: dict[str, str] = {
    "tstr": "renderer.evaluate.taskgap.task_score:tstr_score",
    "detection": "renderer.evaluate.taskgap.detection_score:detection_score",
}


def register_task(name: str, target: str) -> None:
    """Make ``task: {kind: name}`` call ``target`` (``"module:function"``).

    Raises:
        ValueError: the name is taken by another target.
    """
    if TASKS.get(name, target) != target:
        raise ValueError(f"task {name!r} is already registered ({TASKS[name]})")
    TASKS[name] = target


def resolve_task(kind: str) -> TaskFn:
    """The function of a task name or ``module:function`` path.

    Raises:
        ValueError: unknown name, or a path that does not import.
    """
    target = TASKS.get(kind, kind)
    module_name, sep, attribute = target.partition(":")
    if not sep:
        raise ValueError(f"task: unknown kind {kind!r} (known: {', '.join(sorted(TASKS))}; or "
                         "'module:function')")
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"task: cannot load {target!r} ({exc})") from None
    return function


def task_metrics(task: dict[str, Any], synthetic: EvalSet, real: EvalSet) -> dict[str, list[Any]]:
    """The metrics of the experiment's task objective on one trial's images."""
    options = {k: v for k, v in task.items() if k != "kind"}
    return resolve_task(task["kind"])(synthetic, real, options)


def objective_score(objective: Objective, metrics: dict[str, Any]) -> float:
    """The number the search ranks a trial by, in the objective's direction.

    The objective's metric plus each penalty metric times its weight (minus, for ``goal: max``);
    NaN when a metric has no value.
    """
    def value(name: str) -> float:
        number = metrics[resolve_metric(name, metrics)][0]
        return math.nan if number is None else float(number)

    sign = 1.0 if objective.direction == "min" else -1.0
    return value(objective.metric) + sign * sum(
        weight * value(name) for name, weight in objective.penalty.items())


def objective_label(objective: Objective) -> str:
    """``task.error + 0.1 * c2st_auc``: the objective as written."""
    sign = "+" if objective.direction == "min" else "-"
    return " ".join([objective.metric, *(f"{sign} {w:g} * {name}"
                                         for name, w in objective.penalty.items())])
