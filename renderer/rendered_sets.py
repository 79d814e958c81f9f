"""Render a spec's images in memory as an ``EvalSet``, across a worker pool when one is given.

Used by ``synth eval`` on a spec and by experiments (every trial is rendered this way).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from renderer.spec.scene import SceneSpec

if TYPE_CHECKING:
    from renderer.datasets.base import LoadedSample
    from renderer.evaluate.evalset import EvalSet
    from renderer.parallel.local import WorkerPool

CHUNKS_PER_WORKER = 4  # small enough chunks that a slow one does not leave workers idle


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


def render_evalset(spec: SceneSpec, seed: int, n: int, pool: WorkerPool | None = None) -> EvalSet:
    """Images ``0..n-1`` of ``(spec, seed)`` rendered in memory as an ``EvalSet``.

    Memory: about ``n x width x height x channels`` bytes plus labels and plans.
    """
    from renderer.datasets import to_eval_set

    workers = pool.workers if pool is not None else 1
    jobs = [ChunkJob(spec, seed, chunk) for chunk in chunk_indices(n, workers * CHUNKS_PER_WORKER)]
    chunks: list[list[Any]] = (pool.map_ordered(render_chunk, jobs) if pool is not None
                               else [render_chunk(job) for job in jobs])
    return to_eval_set([sample for chunk in chunks for sample in chunk])
