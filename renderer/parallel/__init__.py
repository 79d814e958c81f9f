"""Executors that run shard jobs: local processes (default) and Ray (``parallel.ray``)."""

from renderer.parallel.local import run_jobs

__all__ = ["run_jobs"]
