"""Trials: one spec variant rendered and evaluated, identified by a hash, stored atomically.

A trial is finished when ``trials/<key>/result.json`` exists; it is written (atomically) after
the trial's reports, so an interrupted experiment resumes by skipping finished trials. The key
hashes everything the result depends on: the parameter values, the base spec's hash, the trial's
spec, ``n``, the seed, the evaluation options and the real set (not the trial's label: two
trials with equal values are one trial).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renderer.experiments.evaluation import (
    evaluate,
    flatten_metrics,
    load_real,
    write_trial_report,
)
from renderer.experiments.objectives import task_metrics
from renderer.experiments.paired import extract, save_features
from renderer.experiments.pool import ExperimentPool
from renderer.io import write_json_atomic
from renderer.rendered_sets import render_evalset
from renderer.scene_context import SceneContext
from renderer.spec.load import validate_spec
from renderer.spec.scene import SceneSpec

if TYPE_CHECKING:
    from renderer.evaluate.evalset import EvalSet

log = logging.getLogger(__name__)

KEY_LENGTH = 16  # hex digits of sha256: collisions are out of reach for any experiment size


@dataclass(frozen=True)
class RealSource:
    """The real set: a dataset path (loaded by each process once) or an in-memory ``EvalSet``."""

    path: Path | None = None
    limit: int | None = None
    seed: int = 0
    evalset: EvalSet | None = None

    def load(self) -> EvalSet:
        """The real images as an ``EvalSet``."""
        if self.evalset is not None:
            return self.evalset
        if self.path is None:
            raise ValueError("no real set: give a real set path (experiment 'real:' or --real)")
        return load_real(self.path, self.limit, self.seed)

    @cached_property
    def identity(self) -> Any:
        """What the trial key records about the real set."""
        if self.evalset is not None:
            digest = hashlib.sha256()
            for image in self.evalset.images:
                digest.update(str(image.shape).encode())
                digest.update(image.tobytes())
            if self.evalset.labels is not None:
                digest.update(self.evalset.labels.astype("int64").tobytes())
            return {"evalset": digest.hexdigest(), "n": len(self.evalset)}
        return {"path": str(self.path), "limit": self.limit, "seed": self.seed}


@dataclass(frozen=True)
class TrialSetup:
    """What every trial of an experiment shares."""

    n: int
    seed: int
    real: RealSource
    evaluation: dict[str, Any] = field(default_factory=dict)
    context: SceneContext = field(default_factory=SceneContext)
    html: bool = False
    features: bool = False  # also store the images' features (for paired differences)
    task: dict[str, Any] | None = None  # task objective (see renderer.experiments.objectives)


@dataclass(frozen=True)
class Trial:
    """One spec variant: ``params`` are what varies (table columns), ``data`` the full spec."""

    label: str
    params: dict[str, Any]
    data: dict[str, Any]
    base_hash: str

    def key(self, setup: TrialSetup) -> str:
        """Identity of this trial's result (see the module docstring)."""
        record = {"params": self.params, "base": self.base_hash, "data": self.data,
                  "n": setup.n, "seed": setup.seed, "evaluation": setup.evaluation,
                  "real": setup.real.identity}
        if setup.task is not None:  # absent otherwise: keys of earlier experiments stay valid
            record["task"] = setup.task
        text = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:KEY_LENGTH]

    def spec(self, setup: TrialSetup) -> SceneSpec:
        """The validated spec of this trial (raises ``SpecError`` naming the trial)."""
        return validate_spec(self.data, f"trial {self.label}", setup.context)


class TrialStore:
    """Trial folders under ``root/trials``: ``result.json`` (finished marker) and reports."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root) / "trials"

    def folder(self, key: str) -> Path:
        """Folder of trial ``key``."""
        return self.root / key

    def load(self, key: str) -> dict[str, Any] | None:
        """The stored result of trial ``key``, or None when it has not finished."""
        path = self.folder(key) / "result.json"
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            log.warning("%s is unreadable: the trial runs again", path)
            return None

    def save(self, key: str, record: dict[str, Any]) -> None:
        """Write the finished marker (last, atomically)."""
        write_json_atomic(self.folder(key) / "result.json", record)


@dataclass(frozen=True)
class TrialJob:
    """Everything a process needs to run one trial."""

    trial: Trial
    key: str
    setup: TrialSetup
    root: Path

    @property
    def store(self) -> TrialStore:
        """The experiment's trial store."""
        return TrialStore(self.root)


def execute_trial(job: TrialJob, pool: ExperimentPool | None = None) -> dict[str, Any]:
    """Render the trial's images (across ``pool``, if given), evaluate, write reports and result.

    Returns:
        The result record: key, label, params, metrics (``name -> [value, low, high]``), timing.
    """
    clock = _Clock()
    spec = job.trial.spec(job.setup)
    synthetic = render_evalset(spec, job.setup.seed, job.setup.n, pool)
    clock.lap("render_s")
    real = job.setup.real.load()
    clock.lap("real_s")
    result = evaluate(synthetic, real, job.setup.evaluation)
    clock.lap("eval_s")
    folder = job.store.folder(job.key)
    folder.mkdir(parents=True, exist_ok=True)
    if job.setup.html:
        write_trial_report(result, synthetic, real, folder)
    else:
        write_json_atomic(folder / "report.json", result)
    clock.lap("report_s")
    if job.setup.features:
        save_features(folder, extract(synthetic, job.setup.evaluation))
        clock.lap("features_s")
    metrics = flatten_metrics(result)
    if job.setup.task is not None:
        metrics.update(task_metrics(job.setup.task, synthetic, real))
        clock.lap("task_s")
    record = {
        "key": job.key, "label": job.trial.label, "params": job.trial.params,
        "spec_hash": spec.spec_hash(), "n": job.setup.n, "seed": job.setup.seed,
        "metrics": {name: [_finite(v) for v in values] for name, values in metrics.items()},
        "timing": clock.laps,
    }
    clock.laps["total_s"] = time.perf_counter() - clock.start
    job.store.save(job.key, record)
    log.info("trial %s (%s) finished in %.1f s", job.key, job.trial.label,
             record["timing"]["total_s"])
    return record


class _Clock:
    """Seconds spent in each step of a trial (stored in its record, never in its key)."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now


def _finite(value: float | None) -> float | None:
    """JSON has no NaN: a missing interval end is stored as null."""
    return value if value is not None and math.isfinite(value) else None
