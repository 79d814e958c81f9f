"""Local executors: a pool of spawned worker processes, and ``run_jobs`` for shard jobs on it.

``spawn`` start: workers never inherit the parent's threads or locks. The pool lives as long as
its ``with`` block, so callers that run many jobs (an experiment's trials) pay the worker start
(imports, fonts, assets: seconds) once.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from renderer.parallel.process_settings import tune_render_process

J = TypeVar("J")
R = TypeVar("R")


class WorkerPool:
    """``workers`` spawned processes (none when ``workers <= 1``: jobs run in this process).

    Args:
        workers: number of processes.
        initializer: run once in each worker process as it starts.
    """

    def __init__(self, workers: int, initializer: Callable[[], None] | None = None) -> None:
        self.workers = max(1, int(workers))
        self.initializer = initializer
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> WorkerPool:
        if self.workers > 1:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=self.initializer)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            # on an error, queued jobs are cancelled and running ones are not waited for
            self._executor.shutdown(wait=exc[0] is None, cancel_futures=True)
            self._executor = None

    def map_ordered(self, fn: Callable[[J], R], jobs: list[J]) -> list[R]:
        """``[fn(job) for job in jobs]``, run across the workers."""
        if self._executor is None:
            return [fn(job) for job in jobs]
        return [f.result() for f in [self._executor.submit(fn, job) for job in jobs]]

    def imap_unordered(self, fn: Callable[[J], R], jobs: Iterable[J]) -> Iterator[R]:
        """Results of ``fn`` on every job as they complete.

        At most ``2 * workers`` jobs are in flight, so a run of millions of shards holds only a
        few futures.
        """
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


def run_jobs(fn: Callable[[J], R], jobs: Iterable[J], workers: int,
             on_done: Callable[[R], Any]) -> None:
    """Run ``fn`` on every job in render worker processes, calling ``on_done`` with each result
    as it completes (in this process, tuned as a worker, when ``workers <= 1``)."""
    if workers <= 1:
        tune_render_process()
    with WorkerPool(workers, initializer=tune_render_process) as pool:
        for result in pool.imap_unordered(fn, jobs):
            on_done(result)
