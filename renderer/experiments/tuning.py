"""``run_tuning``: closed-loop search over a spec's ranges that closes a gap to real data (Optuna).

The search space comes from the spec (:mod:`renderer.experiments.search_space`): every active
non-constant distribution, moved by centre and width. Optuna's TPE sampler (seeded) proposes
values; each proposal is one trial (rendered, evaluated, stored like a sweep's), scored on cheap
rungs first and pruned when unpromising (:mod:`renderer.experiments.tuning_search`). The study
lives in ``DIR/optuna.db`` (SQLite, study ``synth-tune``): a stopped run resumes where it stopped,
and a trial interrupted midway is proposed again.

The honest protocol (:mod:`renderer.experiments.holdout`): the real set is split, seeded and
stratified, into a tuning part and a held-out part. Every search trial is scored on the tuning
part only; the original and the tuned spec are then rendered on fresh images (seed + 1) and
compared on the held-out part, which no search trial read, with the full budget and intervals.
The first trial is the spec's own ranges, so the search can only improve on its start.

Output folder: ``optuna.db``, ``split.json``, ``trials/``, ``tuning.csv``, ``history.png``,
``tuned.yaml``, ``comparison.md`` / ``comparison.json`` (before/after on the held-out part, the
ranges that moved and the low-level statistics they moved).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renderer.experiments.ablation_plan import plan_ablations
from renderer.experiments.axes import apply_parameters
from renderer.experiments.common import BaseSpec, trial_setup, write_spec
from renderer.experiments.config import Experiment
from renderer.experiments.evaluation import resolve_metric
from renderer.experiments.holdout import RealSplit, split_real
from renderer.experiments.knobs import spec_knobs
from renderer.experiments.objectives import objective_label
from renderer.experiments.pool import ExperimentPool
from renderer.experiments.runner import Progress, run_setups
from renderer.experiments.search_space import TunedRange, search_space, spec_values
from renderer.experiments.table import trial_rows, write_csv
from renderer.experiments.trials import RealSource, Trial, TrialStore
from renderer.experiments.tuning_confirm import Confirmed, confirm_best
from renderer.experiments.tuning_report import write_comparison, write_history
from renderer.experiments.tuning_search import Search, make_pruner, run_search

if TYPE_CHECKING:
    import optuna

    from renderer.evaluate.evalset import EvalSet

log = logging.getLogger(__name__)

STUDY_NAME = "synth-tune"
STUDY_FILE = "optuna.db"


@dataclass(frozen=True)
class TuningResult:
    """Records of the search (trial order), the best one, and the held-out comparison.

    ``before`` / ``after``: the original and the tuned spec on fresh images, scored against the
    held-out real part (``split``), never seen by the search. ``confirmed``: with ``confirm``,
    the re-scored best trials, best mean first (the first is ``best``).
    """

    out: Path
    objective: str
    direction: str
    trials: list[dict[str, Any]]
    best: dict[str, Any]
    tuned_values: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]
    split: RealSplit
    pruned: int = 0
    objective_label: str = ""
    confirmed: list[Confirmed] = dataclasses.field(default_factory=list)


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


def _open_study(out: Path, experiment: Experiment, ranges: list[TunedRange],
                parallel: bool) -> optuna.Study:
    import optuna

    storage = optuna.storages.RDBStorage(f"sqlite:///{(out / STUDY_FILE).resolve().as_posix()}")
    direction = "minimize" if experiment.objective.direction == "min" else "maximize"
    names = sorted(n for r in ranges for n in r.names())
    existing = [s for s in optuna.get_all_study_summaries(storage) if s.study_name == STUDY_NAME]
    done = existing[0].n_trials if existing else 0
    sampler = optuna.samplers.TPESampler(seed=experiment.seed + done,  # no replay on resume
                                         n_startup_trials=10, constant_liar=parallel)
    study = optuna.create_study(storage=storage, study_name=STUDY_NAME, sampler=sampler,
                                pruner=make_pruner(experiment), direction=direction,
                                load_if_exists=True)
    identity = {"objective": objective_label(experiment.objective), "direction": direction,
                "space": names, "rungs": [*experiment.rungs, experiment.n],
                "holdout": [experiment.holdout, experiment.holdout_seed]}
    stored = study.user_attrs.get("identity")
    if stored is None:
        study.set_user_attr("identity", identity)
    elif stored != identity:
        raise ValueError(f"{out / STUDY_FILE} holds a study of another objective, search space, "
                         f"rungs or hold-out ({stored.get('objective')}, "
                         f"{len(stored['space'])} parameters); use another output folder")
    return study


def _requeue_interrupted(study: optuna.Study) -> None:
    """Mark trials left running by an interrupted run failed, and propose their values again."""
    from optuna.trial import TrialState

    for frozen in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(frozen.number, state=TrialState.FAIL)
        study.enqueue_trial(dict(frozen.params))


def _split(experiment: Experiment, setup_real: RealSource, out: Path) -> RealSplit:
    split = split_real(setup_real.load(), experiment.holdout, experiment.holdout_seed)
    split.save(out / "split.json")
    log.info("real set: %d images to tune on, %d held out", len(split.tuning),
             len(split.held_out))
    return split


def run_tuning(experiment: Experiment, out: str | Path, *, budget: int = 50, workers: int = 1,
               real: EvalSet | None = None, progress: Progress | None = None) -> TuningResult:
    """Tune the spec's ranges for ``budget`` trials (resuming a stopped study in ``out``).

    Example::

        from renderer.experiments import Experiment, run_tuning
        exp = Experiment(spec="scenes/digits.yaml", real="data/mnist-test", n=1000,
                         rungs=[250, 500], objective={"metric": "task.error",
                                                      "penalty": {"c2st_auc": 0.05}},
                         task={"kind": "tstr", "epochs": 4},
                         search={"effects[0].sigma": (0.1, 3.0)})
        result = run_tuning(exp, "exp/tune", budget=50, workers=2)
        result.tuned_values, result.after["metrics"]["task.accuracy"]

    Args:
        experiment: base spec, real set, n, seed, evaluation, objective, ``search`` bounds,
            ``expand``, ``tune`` (paths to tune; default every active range), ``holdout``,
            ``rungs``, ``pruner``, ``task``.
        out: output folder (holds the Optuna study: rerunning resumes it).
        budget: trials to finish (completed or pruned, counting those of a resumed study).
        workers: processes; that many trials run at once.
        real: an in-memory real set instead of ``experiment.real`` (split like it).
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
    split = _split(experiment, setup.real, out)
    setup = dataclasses.replace(setup, real=RealSource(evalset=split.tuning))
    base_hash = base.spec.spec_hash()
    study = _open_study(out, experiment, ranges, parallel=workers > 1)
    _requeue_interrupted(study)
    if not study.trials:
        study.enqueue_trial({k: v for r in ranges for k, v in r.start().items()})
    search = Search(experiment, ranges, base.data, base_hash, setup, out)
    with ExperimentPool(workers) as pool:
        run_search(study, search, budget, pool, progress)
        records = _records(study, TrialStore(out))
        if not records:
            raise ValueError(f"no trial of the study in {out} finished with a value of "
                             f"{objective_label(experiment.objective)}")
        key = resolve_metric(experiment.objective.metric, records[0]["metrics"])
        chosen, confirmed = study.best_trial, []
        if experiment.confirm is not None:
            confirm = experiment.confirm
            chosen, confirmed = confirm_best(study, search, confirm.top, confirm.seeds,
                                             confirm.margin, pool, progress)
        best = TrialStore(out).load(chosen.user_attrs["key"])
        tuned = spec_values(ranges, chosen.params)
        tuned_data = apply_parameters(base.data, tuned)
        # fresh images (seed + 1) against the held-out part, which no search trial read
        held_out = dataclasses.replace(setup, seed=experiment.seed + 1,
                                       real=RealSource(evalset=split.held_out))
        pair = [(Trial("original (held-out)", {}, base.data, base_hash), held_out)]
        if tuned_data != base.data:  # else the search kept the original ranges
            pair.append((Trial("tuned (held-out)", tuned, tuned_data, base_hash), held_out))
        compared = run_setups(pair, out, workers, progress, pool)
        before, after = compared[0], compared[-1]

    pruned = len(study.get_trials(deepcopy=False, states=(TrialState.PRUNED,)))
    label = objective_label(experiment.objective)
    write_csv(out / "tuning.csv", *trial_rows(records, [r.knob.path for r in ranges]))
    write_spec(out / "tuned.yaml", tuned_data, base,
               f"Tuned by synth tune for {label} ({experiment.objective.direction}) over "
               f"{len(records)} completed trials ({pruned} more pruned)")
    write_history(out / "history.png", records, key, experiment.objective.direction)
    result = TuningResult(out, key, experiment.objective.direction, records, best or {}, tuned,
                          before, after, split, pruned, label, confirmed)
    write_comparison(out, result, ranges, experiment)
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
