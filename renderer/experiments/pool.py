"""A process pool that lives as long as an experiment, and in-memory rendering of one trial.

Starting worker processes costs seconds (imports, fonts, assets); an experiment runs tens of
trials, so one pool serves them all. It runs two kinds of job: chunks of sample indices (one
trial rendered by every worker, evaluated here) or whole trials (many trials at once, one per
worker, each rendering serially).
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from renderer.parallel.process_settings import tune_render_process
from renderer.spec.scene import SceneSpec

if TYPE_CHECKING:
    from renderer.datasets.base import LoadedSample
    from renderer.evaluate.evalset import EvalSet

J = TypeVar("J")
R = TypeVar("R")

CHUNKS_PER_WORKER = 4  # small enough chunks that a slow one does not leave workers idle
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def init_worker() -> None:
    """Worker set-up: render-process tuning, and one thread per library (processes are the
    parallelism; torch's or BLAS's own threads on top only contend for the same cores)."""
    tune_render_process()
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"  # read by torch and BLAS when they load in this process
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: only numpy's already-loaded BLAS stays multi-threaded
        return
    threadpool_limits(1)


class ExperimentPool:
    """``workers`` spawned processes (none when ``workers <= 1``: jobs run in this process)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, int(workers))
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> ExperimentPool:
        if self.workers > 1:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=init_worker)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=exc[0] is None, cancel_futures=True)
            self._executor = None

    def map_ordered(self, fn: Callable[[J], R], jobs: list[J]) -> list[R]:
        """``[fn(job) for job in jobs]``, run across the workers."""
        if self._executor is None:
            return [fn(job) for job in jobs]
        return [f.result() for f in [self._executor.submit(fn, job) for job in jobs]]

    def imap_unordered(self, fn: Callable[[J], R], jobs: Iterable[J]) -> Iterator[R]:
        """Results of ``fn`` on every job as they complete (at most 2 jobs per worker queued)."""
        if self._executor is None:
            yield from (fn(job) for job in jobs)
            return
        pending: set[Future[R]] = set()
        for job in jobs:
            pending.add(self._executor.submit(fn, job))
            if len(pending) >= 2 * self.workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in done)


@dataclass(frozen=True)
class ChunkJob:
    """Render ``indices`` of ``(spec, seed)``."""

    spec: SceneSpec
    seed: int
    indices: tuple[int, ...]


def render_chunk(job: ChunkJob) -> list[LoadedSample]:
    """Render a chunk as loader records without instance maps (only what evaluation reads)."""
    from renderer.datasets import from_sample
    from renderer.render import render_sample

    out = []
    for index in job.indices:
        loaded = from_sample(render_sample(job.spec, job.seed, index))
        out.append(dataclasses.replace(loaded, mask_source=None))  # drops the instance map
    return out


def chunk_indices(n: int, parts: int) -> list[tuple[int, ...]]:
    """``range(n)`` cut into at most ``parts`` contiguous, nearly equal chunks."""
    parts = max(1, min(parts, n))
    bounds = [round(k * n / parts) for k in range(parts + 1)]
    return [tuple(range(a, b)) for a, b in itertools.pairwise(bounds) if b > a]


def render_evalset(spec: SceneSpec, seed: int, n: int,
                   pool: ExperimentPool | None = None) -> EvalSet:
    """Images ``0..n-1`` of ``(spec, seed)`` rendered in memory as an ``EvalSet``.

    Memory: about ``n x width x height x channels`` bytes plus labels and plans.
    """
    from renderer.datasets import to_eval_set

    workers = pool.workers if pool is not None else 1
    jobs = [ChunkJob(spec, seed, chunk) for chunk in chunk_indices(n, workers * CHUNKS_PER_WORKER)]
    chunks: list[list[Any]] = (pool.map_ordered(render_chunk, jobs) if pool is not None
                               else [render_chunk(job) for job in jobs])
    return to_eval_set([sample for chunk in chunks for sample in chunk])
