"""The search loop of ``synth tune``: trials in parallel, scored on cheap rungs first, pruned.

Multi-fidelity: with ``rungs: [250, 500]`` and ``n: 1000`` a trial is first scored on the first
250 rendered images (images 0..249 of the same seed: each rung holds the previous one), reports
that value to Optuna's pruner, and only if the pruner lets it go on is it scored on 500, then on
all 1000; only full-budget values are final. Every rung's result is an ordinary stored trial (its
key holds ``n``), so a stopped run resumes without recomputing any of them.

Parallel trials: each round runs as many trial rungs as the pool has workers, one per process;
TPE proposes the round's new trials with the constant liar, so they differ.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renderer.experiments.axes import apply_parameters
from renderer.experiments.config import Experiment
from renderer.experiments.objectives import objective_score
from renderer.experiments.pool import ExperimentPool
from renderer.experiments.runner import Progress, run_setups
from renderer.experiments.search_space import TunedRange
from renderer.experiments.trials import Trial, TrialSetup

if TYPE_CHECKING:
    import optuna

log = logging.getLogger(__name__)


def make_pruner(experiment: Experiment) -> optuna.pruners.BasePruner:
    """The experiment's pruner over its rungs (none without rungs).

    Successive halving and Hyperband keep the best ``1 / factor`` of the trials at each rung,
    ``factor`` being the ratio of the first two budgets (rungs are best spaced geometrically);
    the median pruner stops a trial worse than the median of earlier ones at the same rung.
    """
    import optuna

    budgets = [*experiment.rungs, experiment.n]
    if len(budgets) < 2 or experiment.pruner == "none":
        return optuna.pruners.NopPruner()
    factor = max(2, round(budgets[1] / budgets[0]))
    if experiment.pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=budgets[0],
                                                      reduction_factor=factor)
    if experiment.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=budgets[0], max_resource=experiment.n,
                                              reduction_factor=factor)
    return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)


@dataclass
class _Running:
    """A trial between rungs: its Optuna handle, spec values and the next rung to score."""

    trial: optuna.trial.Trial
    values: dict[str, Any]
    rung: int = 0


@dataclass(frozen=True)
class Search:
    """What the loop needs besides the study: the experiment, ranges, base spec and where trials go.

    Attributes:
        experiment: objective, ``n`` and rungs.
        ranges: the tuned ranges.
        base_data: the base spec as written.
        base_hash: its hash (part of every trial key).
        setup: the full-budget trial setup (its real set: the tuning part only).
        root: output folder.
    """

    experiment: Experiment
    ranges: list[TunedRange]
    base_data: dict[str, Any]
    base_hash: str
    setup: TrialSetup
    root: Path

    @property
    def budgets(self) -> list[int]:
        """Images per rung, the last one the full budget."""
        return [*self.experiment.rungs, self.experiment.n]

    def trial(self, running: _Running) -> tuple[Trial, TrialSetup]:
        """The stored trial of one rung."""
        n = self.budgets[running.rung]
        label = f"tune #{running.trial.number}"
        if n != self.experiment.n:
            label += f" (rung n={n})"
        data = apply_parameters(self.base_data, running.values)
        return (Trial(label, running.values, data, self.base_hash),
                dataclasses.replace(self.setup, n=n))


def run_search(study: optuna.Study, search: Search, budget: int, pool: ExperimentPool,
               progress: Progress | None = None,
               on_record: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Ask, score and tell trials until ``budget`` trials are finished (complete or pruned)."""
    from optuna.trial import TrialState

    finished = len(study.get_trials(deepcopy=False,
                                    states=(TrialState.COMPLETE, TrialState.PRUNED)))
    waiting: list[_Running] = []
    width = pool.workers
    last = len(search.budgets) - 1
    while True:
        batch, waiting = waiting[:width], waiting[width:]
        while len(batch) < width and finished + len(batch) + len(waiting) < budget:
            trial = study.ask()
            batch.append(_Running(trial, {r.knob.path: r.suggest(trial) for r in search.ranges}))
        if not batch:
            return
        records = run_setups([search.trial(r) for r in batch], search.root, width, progress, pool)
        for running, record in zip(batch, records, strict=True):
            if on_record:
                on_record(record)
            value = objective_score(search.experiment.objective, record["metrics"])
            running.trial.set_user_attr("key", record["key"])
            if not math.isfinite(value):
                study.tell(running.trial, state=TrialState.FAIL)
                finished += 1
            elif running.rung == last:
                study.tell(running.trial, value)
                finished += 1
            else:
                running.trial.report(value, step=search.budgets[running.rung])
                if running.trial.should_prune():
                    log.info("trial %d pruned at n=%d", running.trial.number,
                             search.budgets[running.rung])
                    study.tell(running.trial, state=TrialState.PRUNED)
                    finished += 1
                else:
                    running.rung += 1
                    waiting.append(running)
