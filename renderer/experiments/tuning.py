"""``run_tuning``: closed-loop search over a spec's ranges that minimises a gap metric (Optuna).

The search space comes from the spec (:mod:`renderer.experiments.search_space`): every active
non-constant distribution, moved by centre and width. Optuna's TPE sampler (seeded) proposes
values; each proposal is one trial (rendered, evaluated, stored like a sweep's). The study lives in
``DIR/optuna.db`` (SQLite, study ``synth-tune``): a stopped run resumes where it stopped, and a
trial interrupted midway is proposed again.

The first trial is the spec's own ranges, so the search can only improve on its start. The
search picks its best trial on the search seed's images, which flatters it; the before/after
comparison therefore renders the original and the tuned spec on a held-out seed (seed + 1).

Output folder: ``optuna.db``, ``trials/``, ``tuning.csv``, ``history.png``, ``tuned.yaml``,
``comparison.md`` / ``comparison.json`` (before/after on the held-out seed).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renderer.experiments.ablation_plan import plan_ablations
from renderer.experiments.axes import apply_parameters
from renderer.experiments.common import BaseSpec, trial_setup, write_spec
from renderer.experiments.config import Experiment
from renderer.experiments.evaluation import resolve_metric
from renderer.experiments.knobs import spec_knobs
from renderer.experiments.pool import ExperimentPool
from renderer.experiments.runner import Progress, TrialRun, run_trials
from renderer.experiments.search_space import TunedRange, search_space
from renderer.experiments.table import trial_rows, write_csv
from renderer.experiments.trials import Trial, TrialStore
from renderer.experiments.tuning_report import write_comparison, write_history

if TYPE_CHECKING:
    import optuna

    from renderer.evaluate.evalset import EvalSet

log = logging.getLogger(__name__)

STUDY_NAME = "synth-tune"
STUDY_FILE = "optuna.db"


@dataclass(frozen=True)
class TuningResult:
    """Records of the search (trial order), the best one, and the held-out comparison."""

    out: Path
    objective: str
    direction: str
    trials: list[dict[str, Any]]
    best: dict[str, Any]
    tuned_values: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]


def tuning_space(experiment: Experiment, base: BaseSpec) -> list[TunedRange]:
    """The tuned ranges: the experiment's ``tune`` paths, else every range that reaches the images.

    A range whose change leaves the plans of the probe images unchanged (a colour range under a
    fixed ``rgb``, a light that is off) is not tuned: it cannot move the metric.
    """
    knobs = spec_knobs(base.spec)
    if experiment.tune:
        return search_space(knobs, experiment.expand, experiment.search, experiment.tune)
    active = {a.path for a in plan_ablations(base.spec, base.data, experiment.seed)[0]}
    active |= set(experiment.search)
    return search_space([k for k in knobs if k.path in active], experiment.expand,
                        experiment.search)


def _open_study(out: Path, experiment: Experiment, ranges: list[TunedRange]) -> optuna.Study:
    import optuna

    storage = optuna.storages.RDBStorage(f"sqlite:///{(out / STUDY_FILE).resolve().as_posix()}")
    direction = "minimize" if experiment.objective.direction == "min" else "maximize"
    names = sorted(n for r in ranges for n in r.names())
    existing = [s for s in optuna.get_all_study_summaries(storage) if s.study_name == STUDY_NAME]
    done = existing[0].n_trials if existing else 0
    sampler = optuna.samplers.TPESampler(seed=experiment.seed + done,  # no replay on resume
                                         n_startup_trials=10)
    study = optuna.create_study(storage=storage, study_name=STUDY_NAME, sampler=sampler,
                                direction=direction, load_if_exists=True)
    identity = {"objective": experiment.objective.metric, "direction": direction,
                "space": names}
    stored = study.user_attrs.get("identity")
    if stored is None:
        study.set_user_attr("identity", identity)
    elif stored != identity:
        raise ValueError(f"{out / STUDY_FILE} holds a study of another objective or search space "
                         f"({stored['objective']}, {len(stored['space'])} parameters); use "
                         "another output folder")
    return study


def _requeue_interrupted(study: optuna.Study) -> None:
    """Mark trials left running by an interrupted run failed, and propose their values again."""
    from optuna.trial import TrialState

    for frozen in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(frozen.number, state=TrialState.FAIL)
        study.enqueue_trial(dict(frozen.params))


def _values(ranges: list[TunedRange], params: dict[str, float]) -> dict[str, Any]:
    """Spec values of Optuna parameters."""
    return {r.knob.path: r.value(*(params[n] for n in r.names())) for r in ranges}


def run_tuning(experiment: Experiment, out: str | Path, *, budget: int = 50, workers: int = 1,
               real: EvalSet | None = None, progress: Progress | None = None) -> TuningResult:
    """Tune the spec's ranges for ``budget`` trials (resuming a stopped study in ``out``).

    Example::

        from renderer.experiments import Experiment, run_tuning
        exp = Experiment(spec="scenes/digits.yaml", real="data/mnist-test", n=1000,
                         objective="kid", search={"effects[0].sigma": (0.1, 3.0)})
        result = run_tuning(exp, "exp/tune", budget=50, workers=8)
        result.tuned_values, result.after["metrics"]["kid"]

    Args:
        experiment: base spec, real set, n, seed, evaluation, objective, ``search`` bounds,
            ``expand``, ``tune`` (paths to tune; default every active range).
        out: output folder (holds the Optuna study: rerunning resumes it).
        budget: completed trials to reach (finished ones count).
        workers: processes rendering each trial's images.
        real: an in-memory real set instead of ``experiment.real``.
        progress: called with each trial's record and whether it was finished earlier.
    """
    from optuna.trial import TrialState

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = BaseSpec.load(experiment.spec)
    ranges = tuning_space(experiment, base)
    if not ranges:
        raise ValueError(f"{experiment.spec}: nothing to tune (no non-constant range reaches "
                         "the images)")
    setup = trial_setup(experiment, base, real)
    run = TrialRun(out, setup, workers)
    base_hash = base.spec.spec_hash()
    study = _open_study(out, experiment, ranges)
    _requeue_interrupted(study)
    if not study.trials:
        study.enqueue_trial({k: v for r in ranges for k, v in r.start().items()})
    key = None
    with ExperimentPool(workers) as pool:
        while len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))) < budget:
            trial = study.ask()
            values = {r.knob.path: r.suggest(trial) for r in ranges}
            candidate = Trial(f"tune #{trial.number}", values,
                              apply_parameters(base.data, values), base_hash)
            record = run_trials([candidate], run, progress, pool)[0]
            key = key or resolve_metric(experiment.objective.metric, record["metrics"])
            value = record["metrics"][key][0]
            trial.set_user_attr("key", record["key"])
            if value is None or not math.isfinite(value):
                study.tell(trial, state=TrialState.FAIL)
            else:
                study.tell(trial, value)

        records = _records(study, TrialStore(out))
        if not records:
            raise ValueError(f"no trial of the study in {out} finished with a value of "
                             f"{experiment.objective.metric}")
        key = key or resolve_metric(experiment.objective.metric, records[0]["metrics"])
        best = TrialStore(out).load(study.best_trial.user_attrs["key"])
        tuned = _values(ranges, study.best_trial.params)
        held_out = dataclasses.replace(setup, seed=experiment.seed + 1)
        tuned_data = apply_parameters(base.data, tuned)
        pair = [Trial("original (held-out seed)", {}, base.data, base_hash)]
        if tuned_data != base.data:  # else the search kept the original ranges
            pair.append(Trial("tuned (held-out seed)", tuned, tuned_data, base_hash))
        compared = run_trials(pair, TrialRun(out, held_out, workers), progress, pool)
        before, after = compared[0], compared[-1]

    write_csv(out / "tuning.csv", *trial_rows(records, [r.knob.path for r in ranges]))
    write_spec(out / "tuned.yaml", tuned_data, base,
               f"Tuned by synth tune for {key} ({experiment.objective.direction}) over "
               f"{len(records)} trials")
    write_history(out / "history.png", records, key, experiment.objective.direction)
    result = TuningResult(out, key, experiment.objective.direction, records, best or {}, tuned,
                          before, after)
    write_comparison(out, result, ranges)
    return result


def _records(study: optuna.Study, store: TrialStore) -> list[dict[str, Any]]:
    """Stored records of the study's completed trials, in trial order."""
    from optuna.trial import TrialState

    out = []
    for frozen in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        record = store.load(frozen.user_attrs.get("key", ""))
        if record is not None:
            out.append({**record, "label": f"tune #{frozen.number}"})
    return out
