"""Local executor: shard jobs in worker processes (or in this process for one worker)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from renderer.parallel.process_settings import tune_render_process

J = TypeVar("J")
R = TypeVar("R")


def run_jobs(fn: Callable[[J], R], jobs: Iterable[J], workers: int,
             on_done: Callable[[R], Any]) -> None:
    """Run ``fn`` on every job, calling ``on_done`` with each result as it completes.

    At most ``2 * workers`` jobs are in flight, so a run of millions of shards holds only a few
    futures. ``spawn`` start: workers never inherit the parent's threads or locks.
    """
    if workers <= 1:
        tune_render_process()
        for job in jobs:
            on_done(fn(job))
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                             initializer=tune_render_process) as pool:
        pending: set[Future[R]] = set()
        iterator = iter(jobs)
        try:
            for job in iterator:
                pending.add(pool.submit(fn, job))
                if len(pending) >= 2 * workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        on_done(future.result())
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    on_done(future.result())
        except BaseException:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
