"""Run a list of trials: skip finished ones, spread the rest over the cores, collect results.

Scheduling: with at least as many pending trials as workers, each worker runs whole trials
(rendering serially); with fewer, trials run one after another here, each rendered by every
worker (and evaluated in this process). Either way every core is busy and results are identical:
rendering is a pure function of ``(spec, seed, index)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from renderer.experiments.pool import ExperimentPool
from renderer.experiments.trials import Trial, TrialJob, TrialSetup, TrialStore, execute_trial

log = logging.getLogger(__name__)

Progress = Callable[[dict[str, Any], bool], Any]  # (result record, was it cached)


@dataclass(frozen=True)
class TrialRun:
    """Where and how an experiment's trials run."""

    root: Path
    setup: TrialSetup
    workers: int = 1


def _run_whole(job: TrialJob) -> dict[str, Any]:
    return execute_trial(job)


def run_trials(trials: list[Trial], run: TrialRun, progress: Progress | None = None,
               pool: ExperimentPool | None = None) -> list[dict[str, Any]]:
    """Result records of ``trials`` in order, computing only the unfinished ones.

    Args:
        trials: the trials (each validated before any work starts).
        run: output folder, shared setup, worker count.
        progress: called with each record and whether it was already finished.
        pool: a pool to reuse (tuning runs trials one at a time); else one is made here.
    """
    return run_setups([(trial, run.setup) for trial in trials], run.root, run.workers,
                      progress, pool)


def run_setups(items: list[tuple[Trial, TrialSetup]], root: Path, workers: int = 1,
               progress: Progress | None = None,
               pool: ExperimentPool | None = None) -> list[dict[str, Any]]:
    """Like :func:`run_trials`, each trial with its own setup (tuning's cheap rungs: other n)."""
    store = TrialStore(root)
    jobs: list[TrialJob] = []
    results: dict[str, dict[str, Any]] = {}
    for trial, setup in items:
        trial.spec(setup)  # fail before hours of work, naming the bad trial
        key = trial.key(setup)
        cached = store.load(key)
        if cached is not None:
            results[key] = cached
            if progress:
                progress(cached, True)
        elif all(job.key != key for job in jobs):
            jobs.append(TrialJob(trial, key, setup, root))
    log.info("%d trials: %d finished earlier, %d to run", len(items), len(results), len(jobs))

    def done(record: dict[str, Any]) -> None:
        results[record["key"]] = record
        if progress:
            progress(record, False)

    if jobs:
        if pool is not None:
            _dispatch(jobs, pool, done)
        else:
            with ExperimentPool(min(workers, _useful_workers(jobs, workers))) as own:
                _dispatch(jobs, own, done)
    return [results[trial.key(setup)] for trial, setup in items]


def _useful_workers(jobs: list[TrialJob], workers: int) -> int:
    """No more processes than there are samples to render in the biggest unit of work."""
    return max(1, min(workers, max(len(jobs), jobs[0].setup.n)))


def _dispatch(jobs: list[TrialJob], pool: ExperimentPool,
              done: Callable[[dict[str, Any]], None]) -> None:
    if pool.workers > 1 and len(jobs) >= pool.workers:
        for record in pool.imap_unordered(_run_whole, jobs):
            done(record)
        return
    for job in jobs:
        done(execute_trial(job, pool))
