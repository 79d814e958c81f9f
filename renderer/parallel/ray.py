"""Ray executor: shard jobs as Ray tasks, on this machine or on a cluster.

Each job is one task (one CPU). Ray re-runs a task whose worker process or node died
(``max_retries``), so a lost worker costs only its shard: shards write their files atomically
and identically on every attempt. Errors raised by the job itself (a full disk, a bad asset) are
not retried; they stop the run, and ``--resume`` continues it.

Ray is imported here only, and only when this backend is used: the default install works
without it (``pip install 'synth[scale]'`` adds it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from renderer.parallel.process_settings import tune_render_process
from renderer.text import first_line

log = logging.getLogger(__name__)

J = TypeVar("J")
R = TypeVar("R")

DEFAULT_MAX_RETRIES = 3
IN_FLIGHT_PER_CPU = 2
CAPACITY_REFRESH_S = 10.0  # how often the cluster's CPU count is asked again (autoscaling)


class RayBackendError(RuntimeError):
    """Ray is missing, the cluster cannot be reached, or a task was lost for good."""


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayBackendError("--backend ray needs Ray: pip install 'synth[scale]' "
                              "(or use the default --backend local)") from None
    return ray


def _connect(ray: Any, address: str | None, workers: int | None) -> bool:
    """Join the cluster at ``address`` or start a local one; True when this call started Ray."""
    if ray.is_initialized():
        log.info("using the Ray session already started in this process")
        return False
    try:
        if address or os.environ.get("RAY_ADDRESS"):
            ray.init(address=address, logging_level=logging.WARNING)
        else:  # "local": never join a cluster that `ray start` once ran on this machine
            ray.init(address="local", num_cpus=workers, include_dashboard=False,
                     logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as exc:
        where = address or os.environ.get("RAY_ADDRESS") or "a new local cluster"
        raise RayBackendError(
            f"cannot start or join Ray at {where}: {first_line(exc)} (a cluster with token "
            "authentication also needs RAY_AUTH_MODE=token and its token here)") from exc
    return True


def _tuned_call(fn: Callable[[J], R], job: J) -> R:
    """Run one job in a Ray worker set up as the local backend sets up its processes."""
    tune_render_process()  # idempotent, microseconds: simpler than a per-worker setup hook
    return fn(job)


def _capacity(ray: Any, max_in_flight: int | None) -> int:
    """Tasks to keep submitted: enough to keep every CPU busy, few enough to stay small.

    Asked again every ``CAPACITY_REFRESH_S``, so an autoscaling cluster that grows gets more.
    """
    if max_in_flight:
        return max_in_flight
    cpus = int(ray.cluster_resources().get("CPU", 1))
    return max(2, IN_FLIGHT_PER_CPU * cpus)


def _collect(ray: Any, pending: dict[Any, Any], on_done: Callable[[Any], Any],
             max_retries: int) -> None:
    """Wait for at least one pending task and hand its result to ``on_done``."""
    ready, _ = ray.wait(list(pending), num_returns=1)
    for ref in ready:
        job = pending.pop(ref)
        try:
            result = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            # The job's own exception (e.g. OSError on a full disk), not Ray's wrapper, so the
            # caller handles it as it would from the local backend.
            if isinstance(exc.cause, BaseException):
                raise exc.cause from exc
            raise
        except ray.exceptions.RayError as exc:
            name = f"shard {job.shard}" if hasattr(job, "shard") else "a task"
            raise RayBackendError(
                f"{name} failed on all {max_retries + 1} attempts, its worker or node lost "
                f"({type(exc).__name__}: {first_line(exc)}); rerun with --resume to continue"
            ) from exc
        on_done(result)


def run_jobs_ray(fn: Callable[[J], R], jobs: Iterable[J], address: str | None,
                 on_done: Callable[[R], Any], *, workers: int | None = None,
                 max_retries: int = DEFAULT_MAX_RETRIES,
                 max_in_flight: int | None = None) -> None:
    """Run ``fn`` on every job as a Ray task, calling ``on_done`` with each result as it lands.

    Args:
        fn: a picklable function of one job (Ray ships a module-level function by name, so
            every node needs its module installed; a nested one by value).
        jobs: the jobs; consumed lazily, so a generator of millions of jobs is fine.
        address: cluster to join (``auto`` or ``HOST:PORT``). None joins ``$RAY_ADDRESS`` if set,
            else starts a local Ray with ``workers`` CPUs. An already initialised Ray session in
            this process is used as it is.
        on_done: called in this process, in completion order (feeds the progress bar).
        workers: CPUs of a local Ray started here (default: all cores).
        max_retries: re-runs of a task whose worker or node died.
        max_in_flight: tasks submitted at once (default: 2 per CPU of the cluster).

    Raises:
        RayBackendError: Ray missing or unreachable, or a task lost more than ``max_retries``
            times. An exception raised by ``fn`` itself is re-raised as it is.
    """
    ray = _import_ray()
    started = _connect(ray, address, workers)
    remote = ray.remote(num_cpus=1, max_retries=max_retries)(_tuned_call)
    pending: dict[Any, Any] = {}
    limit, checked = _capacity(ray, max_in_flight), time.monotonic()
    try:
        for job in jobs:
            pending[remote.remote(fn, job)] = job
            if time.monotonic() - checked > CAPACITY_REFRESH_S:
                limit, checked = _capacity(ray, max_in_flight), time.monotonic()
            while len(pending) >= limit:
                _collect(ray, pending, on_done, max_retries)
        while pending:
            _collect(ray, pending, on_done, max_retries)
    except BaseException:
        # Ctrl-C or a failed shard: stop the rest; files they were writing stay temporary
        # (removed by --resume), finished shards stay finished.
        for ref in pending:
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()


__all__ = ["RayBackendError", "run_jobs_ray"]
