"""Experiment files: a base spec, a real set, an evaluation, and what to vary.

Paths are relative to the experiment file. YAML::

    spec: ../scenes/digits.yaml          # base scene spec
    real: ../../shared/data/mnist-test   # any format renderer.datasets.load reads
    real_limit: 2000                     # optional: a seeded random subset of the real set
    n: 2000                              # synthetic images per trial
    seed: 0                              # run seed of every trial (common random numbers)
    evaluation: {tstr: false}            # options of the evaluation engine (EvalConfig fields)
    objective: kid                       # what "best" means (min); or {metric: ..., goal: max}
    combine: product                     # trials = every combination of axis values (or zip)
    axes:
      effects[0].sigma: [[0.3, 0.8], [1.0, 2.0]]              # grid: the values listed
      objects[0].pose.scale: {random: 3, low: 0.5, high: 0.9, width: 0.1}   # 3 seeded draws
    search:                              # synth tune: bounds each tuned range moves within
      lighting.ambient: [0.2, 2.0]
    expand: 1.0                          # synth tune: other ranges move within their bounds x this
    tune: [lighting.ambient]             # synth tune: only these (default: every active range)
    holdout: 0.5                         # synth tune: real images kept from the search (stratified)
    holdout_seed: 0                      # synth tune: seed of that split
    rungs: [250, 500]                    # synth tune: cheaper image counts a trial is scored on first
    pruner: successive_halving           # synth tune: stops unpromising trials at a rung
    confirm: {top: 3, seeds: 2, margin: 1}  # synth tune: re-score the 3 best (and the start) on
                                         #   2 more render seeds; pick the best mean that beats
                                         #   the start by over 1 standard error, else the start
    task: {kind: tstr, epochs: 4}        # task objective of every trial (metrics task.*), or
                                         # {kind: detection, steps: 300, class_map: cats.yaml}
    variants:                            # synth ablate: these variants instead of the automatic
      no blur: {effects[0].p: 0}         #   ones (name: {path: value, ...} changed from the spec)
    html: false                          # also write each trial's HTML report
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from renderer.spec.load import SpecError, format_location, read_yaml

OBJECTIVE_GOALS: dict[str, Literal["min", "max"]] = {
    "kid": "min", "fid": "min", "c2st_auc": "min", "tstr_error": "min",
    "tstr_accuracy": "max", "tstr_map50": "max", "precision": "max", "recall": "max",
    "density": "max", "coverage": "max",
    # task objectives: task.accuracy, task.error, task.map50, task.map50_agnostic, task.map
    "accuracy": "max", "error": "min", "map50": "max", "map50_agnostic": "max", "map": "max",
}
TASK_PATHS = ("class_map",)  # task options that name files (relative to the experiment file)


class ExperimentModel(BaseModel):
    """Base of experiment blocks: unknown keys are errors that name the field."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RandomAxis(ExperimentModel):
    """``random`` seeded draws of a value in ``[low, high]``.

    With ``width`` each draw is a range ``[c - w/2, c + w/2]`` around the drawn centre ``c``
    (``width`` a number, or ``[lo, hi]`` to draw the width too); ``log`` draws centres
    log-uniformly; ``integer`` rounds them.
    """

    random: int = Field(ge=1, le=10_000)
    low: float
    high: float
    width: float | tuple[float, float] | None = None
    log: bool = False
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> RandomAxis:
        if self.low > self.high:
            raise ValueError(f"low {self.low} > high {self.high}")
        if self.log and self.low <= 0:
            raise ValueError("log draws need low > 0")
        return self


class Objective(ExperimentModel):
    """The metric a trial is ranked by and whether lower or higher is better.

    ``penalty`` combines objectives: ``{metric: task.error, penalty: {c2st_auc: 0.1}}`` ranks by
    ``task.error + 0.1 * c2st_auc`` (penalty metrics are lower-is-better; with ``goal: max`` they
    are subtracted).
    """

    metric: str = "kid"
    goal: Literal["min", "max"] | None = None
    penalty: dict[str, float] = Field(default_factory=dict)

    @property
    def direction(self) -> Literal["min", "max"]:
        """``min`` or ``max`` (default: the metric's usual sense, else ``min``)."""
        if self.goal is not None:
            return self.goal
        return OBJECTIVE_GOALS.get(self.metric.rsplit(".", 1)[-1], "min")


class Confirm(ExperimentModel):
    """``synth tune``'s re-scoring of its best trials before the pick
    (:mod:`renderer.experiments.tuning_confirm`)."""

    top: int = Field(3, ge=1, le=100)
    seeds: int = Field(2, ge=1, le=20)
    # standard errors of its per-seed lead a trial must beat the start by (0: the best mean)
    margin: float = Field(1.0, ge=0.0, le=10.0)


class Experiment(ExperimentModel):
    """A parsed experiment file (see the module docstring); paths are absolute."""

    spec: Path
    real: Path | None = None
    real_limit: int | None = Field(None, ge=2)
    n: int = Field(1000, ge=2, le=10_000_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    evaluation: dict[str, Any] = Field(default_factory=dict)
    objective: Objective = Objective()
    combine: Literal["product", "zip"] = "product"
    axes: dict[str, list[Any] | RandomAxis] = Field(default_factory=dict)
    search: dict[str, tuple[float, float]] = Field(default_factory=dict)
    expand: float = Field(1.0, ge=1.0, le=1000.0)
    tune: list[str] = Field(default_factory=list)
    holdout: float = Field(0.5, gt=0.0, lt=1.0)
    holdout_seed: int = Field(0, ge=0, le=2**63 - 1)
    rungs: list[int] = Field(default_factory=list)
    pruner: Literal["successive_halving", "hyperband", "median", "none"] = "successive_halving"
    confirm: Confirm | None = None
    task: dict[str, Any] | None = None
    variants: dict[str, dict[str, Any]] = Field(default_factory=dict)
    html: bool = False

    @model_validator(mode="before")
    @classmethod
    def _objective_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("objective"), str):
            return {**data, "objective": {"metric": data["objective"]}}
        return data

    @model_validator(mode="after")
    def _axes(self) -> Experiment:
        for path, values in self.axes.items():
            if isinstance(values, list) and not values:
                raise ValueError(f"axes.{path}: give at least one value")
        for path, (low, high) in self.search.items():
            if low > high:
                raise ValueError(f"search.{path}: low {low} > high {high}")
        if any(r < 2 or r >= self.n for r in self.rungs) or self.rungs != sorted(set(self.rungs)):
            raise ValueError(f"rungs: expected increasing image counts from 2 to below n={self.n}, "
                             f"got {self.rungs}")
        for name, params in self.variants.items():
            if not params:
                raise ValueError(f"variants.{name}: give at least one 'path: value'")
        if self.task is not None and not isinstance(self.task.get("kind"), str):
            raise ValueError("task: give 'kind:' (or --task): a registered task name or "
                             "'module:function'")
        return self


def parse_experiment(data: Any, base_dir: Path, source: str = "experiment") -> Experiment:
    """Validate experiment data; relative ``spec``/``real`` paths (and the task's ``class_map``)
    start at ``base_dir``.

    Raises:
        SpecError: one ``field.path: message`` line per problem.
    """
    if not isinstance(data, dict):
        raise SpecError(source, ["(root): expected a mapping of experiment fields"])
    resolved = dict(data)
    for key in ("spec", "real"):
        if isinstance(resolved.get(key), str):
            resolved[key] = (base_dir / resolved[key]).resolve()
    task = resolved.get("task")
    if isinstance(task, dict):
        resolved["task"] = {k: str((base_dir / v).resolve()) if k in TASK_PATHS
                            and isinstance(v, str) else v for k, v in task.items()}
    try:
        return Experiment.model_validate(resolved)
    except ValidationError as exc:
        problems = [f"{format_location(e['loc'], data)}: "
                    f"{e['msg'].removeprefix('Value error, ')}"
                    for e in exc.errors(include_url=False)]
        raise SpecError(source, problems) from None


def load_experiment(path: str | Path, **changes: Any) -> Experiment:
    """Read an experiment file; ``changes`` replace fields (e.g. ``n=200`` from the CLI).

    Example::

        exp = load_experiment("experiments/digits-sweep.yaml", n=500)
    """
    path = Path(path)
    experiment = parse_experiment(read_yaml(path), path.resolve().parent, str(path))
    if changes:
        data = {**experiment.model_dump(), **{k: v for k, v in changes.items() if v is not None}}
        experiment = parse_experiment(data, path.resolve().parent, str(path))
    return experiment
