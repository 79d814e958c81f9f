"""``synth tune``'s pick among its best trials, re-scored on fresh renders (``confirm``).

One trial's objective comes from one set of rendered images (and, for a task objective, one
training run), so it is noisy; the trial that tops twenty such values is mostly the luckiest one
(the winner's curse), and its lead tends to vanish on data it was not picked on. With::

    confirm: {top: 3, seeds: 2, margin: 1.0}

the three best completed trials, and the start (trial 0, the spec's own ranges) when it is not
among them, are rendered again with the full budget on two more seeds (``seed + 2``,
``seed + 3``; ``seed + 1`` is the held-out comparison's) and scored on the same tuning part (a
task objective trains with its own options' seed, so what changes is the rendered images). The
pick is the best mean over the search's value and these among the trials whose lead over the
start (their per-seed improvement on it, averaged) exceeds ``margin`` standard errors of that
lead (default 1; ``margin: 0`` takes the best mean). When none does, the start is kept: a spec
is only replaced by ranges that beat it by more than the seed-to-seed noise, which a best mean
alone does not show when the candidates lie within a few images of each other. Re-scoring
reads the tuning part only, like the search. Each re-scored run is an ordinary stored trial (its
key holds the seed): a stopped run resumes without recomputing any.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from renderer.experiments.axes import apply_parameters
from renderer.experiments.objectives import objective_score
from renderer.experiments.pool import ExperimentPool
from renderer.experiments.runner import Progress, run_setups
from renderer.experiments.search_space import spec_values
from renderer.experiments.trials import Trial, TrialSetup

if TYPE_CHECKING:
    import optuna

    from renderer.experiments.tuning_search import Search

# seed + 1 renders the held-out comparison: re-scoring starts after it
FIRST_CONFIRM_OFFSET = 2


@dataclass(frozen=True)
class Confirmed:
    """One re-scored trial: its Optuna number and its objective per seed (the search's first)."""

    number: int
    seeds: list[int]
    values: list[float]
    picked: bool = False

    @property
    def mean(self) -> float:
        """Mean objective over the seeds (NaN when any run failed)."""
        return math.fsum(self.values) / len(self.values)


def confirm_candidates(study: optuna.Study, top: int) -> list[optuna.trial.FrozenTrial]:
    """The ``top`` best completed trials in rank order, then trial 0 if it is not among them."""
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    from optuna.study import StudyDirection

    sign = 1.0 if study.direction == StudyDirection.MINIMIZE else -1.0
    ranked = sorted(complete, key=lambda t: (sign * t.value, t.number))[:top]
    start = [t for t in complete if t.number == 0 and t not in ranked]
    return ranked + start


def confirm_best(study: optuna.Study, search: Search, top: int, seeds: int, margin: float,
                 pool: ExperimentPool,
                 progress: Progress | None = None) -> tuple[optuna.trial.FrozenTrial,
                                                            list[Confirmed]]:
    """Re-score the candidates on ``seeds`` more render seeds; the pick and every mean.

    Returns the chosen trial and the re-scored ones, best mean first, the chosen one marked
    ``picked`` (see :func:`pick_confirmed` for ``margin``).
    """
    experiment = search.experiment
    candidates = confirm_candidates(study, top)
    extra = [experiment.seed + FIRST_CONFIRM_OFFSET + j for j in range(seeds)]
    items: list[tuple[Trial, TrialSetup]] = []
    for frozen in candidates:
        values = spec_values(search.ranges, frozen.params)
        data = apply_parameters(search.base_data, values)
        for seed in extra:
            items.append((Trial(f"tune #{frozen.number} (confirm, seed {seed})", values, data,
                                search.base_hash),
                          dataclasses.replace(search.setup, seed=seed)))
    records = iter(run_setups(items, search.root, pool.workers, progress, pool))
    confirmed = []
    for frozen in candidates:
        scores = [objective_score(experiment.objective, next(records)["metrics"]) for _ in extra]
        confirmed.append(Confirmed(frozen.number, [experiment.seed, *extra],
                                   [float(frozen.value), *scores]))
    confirmed = pick_confirmed(rank_confirmed(confirmed, experiment.objective.direction),
                               experiment.objective.direction, margin)
    picked = next(c for c in confirmed if c.picked)
    chosen = next(t for t in candidates if t.number == picked.number)
    return chosen, confirmed


def rank_confirmed(confirmed: list[Confirmed], direction: str) -> list[Confirmed]:
    """Best mean first (``direction``: ``min`` or ``max``); a NaN mean last; the start (trial 0)
    before any trial it ties with, then lower trial numbers."""
    sign = 1.0 if direction == "min" else -1.0
    return sorted(confirmed, key=lambda c: (math.isnan(c.mean),
                                            0.0 if math.isnan(c.mean) else sign * c.mean,
                                            c.number != 0, c.number))


def lead_over_start(trial: Confirmed, start: Confirmed, direction: str) -> tuple[float, float]:
    """How much better than the start ``trial`` scored, seed by seed, averaged, and the standard
    error of that mean (both in the objective's units; positive = better; NaN when a run failed).

    Comparing on the same seeds takes out the part of the noise both share (the same seed's
    render order and training run).
    """
    sign = 1.0 if direction == "min" else -1.0
    leads = [sign * (s - t) for s, t in zip(start.values, trial.values, strict=True)]
    if any(math.isnan(v) for v in leads):
        return math.nan, math.nan
    return math.fsum(leads) / len(leads), statistics.stdev(leads) / math.sqrt(len(leads))


def pick_confirmed(ranked: list[Confirmed], direction: str, margin: float) -> list[Confirmed]:
    """``ranked`` (best mean first) with the pick marked: the first trial whose lead over the
    start exceeds ``margin`` standard errors (and zero), else the start itself.

    Without the start among them (it did not complete) the best mean is picked.

    Example: the start at errors [0.053, 0.057, 0.047] and a trial at [0.045, 0.064, 0.044]: the
    trial leads by 0.0013 +- 0.0044 (mean +- standard error); with ``margin`` 1 the start is kept.
    """
    start = next((c for c in ranked if c.number == 0), None)

    def beats_start(c: Confirmed) -> bool:
        if start is None or c is start:
            return True
        lead, stderr = lead_over_start(c, start, direction)
        return lead > 0 and lead > margin * stderr

    picked = next((c for c in ranked if beats_start(c)), ranked[0])
    return [dataclasses.replace(c, picked=c is picked) for c in ranked]
