"""The worker pool of an experiment: one pool serves all its trials (worker start costs seconds).

It runs two kinds of job: chunks of sample indices (one trial rendered by every worker,
``renderer.rendered_sets.render_evalset``, evaluated here) or whole trials (many trials at once,
one per worker, each rendering serially). Its workers also evaluate, so each library (torch,
BLAS) gets one thread: processes are the parallelism.
"""

from __future__ import annotations

import os

from renderer.parallel.local import WorkerPool
from renderer.parallel.process_settings import tune_render_process

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def init_worker() -> None:
    """Worker set-up: render-process tuning, and one thread per library (torch's or BLAS's own
    threads on top of the processes only contend for the same cores)."""
    tune_render_process()
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"  # read by torch and BLAS when they load in this process
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: only numpy's already-loaded BLAS stays multi-threaded
        return
    threadpool_limits(1)


class ExperimentPool(WorkerPool):
    """``workers`` spawned processes set up by ``init_worker`` (none when ``workers <= 1``)."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers, initializer=init_worker)
