"""Render a dataset to disk: sharded, resumable, identical for any worker count or backend.

A shard is an index range. Each shard job renders its samples, writes their files atomically, a
part file of labels and plans, and finally a ``done`` record with checksums. The driver merges the
parts when every shard is done. An interrupted run continues with ``resume=True``: finished shards
are skipped and the final files are byte-identical to an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from renderer.asset_pools import bad_assets, warn_skipped
from renderer.classes import class_table
from renderer.io import (
    OutputError,
    encode_image,
    open_atomic,
    write_bytes_atomic,
    write_json_atomic,
)
from renderer.output_folder import (
    check_resume,
    destination_path,
    done_path,
    prepare_output,
    remove_stale_temps,
)
from renderer.render import render_sample
from renderer.spec.scene import SceneSpec
from renderer.splits import Split
from renderer.version import __version__
from renderer.writers import WRITERS, DatasetInfo
from renderer.writers.base import part_path
from renderer.writers.split import writer_class

log = logging.getLogger(__name__)
# Default shards per run: enough to balance a few dozen workers and keep the progress bar moving;
# fixed (not per worker) so any backend and worker count give the same shards and files.
TARGET_SHARDS = 64
MAX_SHARD_SIZE = 1000


@dataclass(frozen=True)
class RunConfig:
    """How to render: output folder, which indices, format, parallelism.

    ``indices`` renders exactly those sample indices (e.g. ``--index 17``) instead of
    ``range(start, start + n)``. ``options`` are recorded with the run (a resume must match):
    writer options such as ``yolo_mode``, ``split`` (split name -> fraction, e.g.
    ``{"train": 0.9, "val": 0.1}``; see ``renderer/splits.py``), and ``skip_bad_assets`` (leave
    unusable asset files out of their pools; the spec's context carries it to every worker).
    """

    out: Path
    n: int
    seed: int
    format: str = "coco"
    start: int = 0
    indices: tuple[int, ...] | None = None
    workers: int = 1
    shard_size: int | None = None
    resume: bool = False
    overwrite: bool = False
    backend: str = "local"
    address: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ShardJob:
    """Everything a worker needs to render one shard (small: the spec pickles in kilobytes).

    ``indices`` is a ``range`` for contiguous runs, so a shard of a billion-image run pickles in
    bytes and the driver never holds a list of all indices.
    """

    spec: SceneSpec
    seed: int
    shard: int
    indices: Sequence[int]
    out: Path
    format: str
    info: DatasetInfo


def render_shard(job: ShardJob) -> dict[str, Any]:
    """Render and write one shard; returns (and stores) its record with checksums."""
    output = job.spec.output
    writer = writer_class(job.format, job.info)(job.out, job.info, job.shard)
    writer.open()
    digest = hashlib.sha256()
    plans: list[str] = []
    objects = 0
    split_counts = dict.fromkeys(job.info.split.names, 0) if job.info.split else None
    for index in job.indices:
        sample = render_sample(job.spec, job.seed, index)
        image = encode_image(sample.image, output.image_format, output.jpeg_quality,
                             output.png_compression)
        for rel, data in writer.write(sample, image):
            digest.update(f"{rel}\0{hashlib.sha256(data).hexdigest()}\n".encode())
        if output.semantic_mask:
            rel = f"semantic/{index:06d}.png"
            (job.out / "semantic").mkdir(exist_ok=True)
            # 8-bit PNGs while class ids fit, else 16-bit: never wrap ids around silently
            dtype = "uint8" if len(job.info.class_names) < 256 else "uint16"
            data = encode_image(sample.semantic_mask().astype(dtype)[..., None], "png")
            write_bytes_atomic(job.out / rel, data)
            digest.update(f"{rel}\0{hashlib.sha256(data).hexdigest()}\n".encode())
        objects += len(sample.objects)
        if split_counts is not None:
            split_counts[job.info.split.of(index)] += 1
        plans.append(json.dumps({"index": index, "plan": sample.plan}, separators=(",", ":")))
    writer.close()
    write_bytes_atomic(part_path(job.out, "plans", job.shard),
                       ("\n".join(plans) + "\n").encode() if plans else b"")
    record = {"shard": job.shard, "first": job.indices[0], "count": len(job.indices),
              "objects": objects, "sha256": digest.hexdigest()}
    if split_counts is not None:
        record["splits"] = split_counts
    write_json_atomic(done_path(job.out, job.shard), record)
    return record


def _shards(config: RunConfig) -> list[Sequence[int]]:
    indices: Sequence[int] = (config.indices if config.indices is not None
                              else range(config.start, config.start + config.n))
    size = config.shard_size or getattr(WRITERS.get(config.format), "default_shard_size", None)
    if not size:
        size = max(1, min(MAX_SHARD_SIZE, -(-len(indices) // TARGET_SHARDS)))
    return [indices[i:i + size] for i in range(0, len(indices), size)]


def _state(spec: SceneSpec, config: RunConfig, shards: list[Sequence[int]]) -> dict[str, Any]:
    return {"spec_hash": spec.spec_hash(), "seed": config.seed, "format": config.format,
            "shards": [[s[0], len(s)] for s in shards], "options": config.options}


def run_dataset(spec: SceneSpec, config: RunConfig,
                progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Render the dataset described by ``config``; returns the manifest (also written to disk)."""
    started = time.perf_counter()
    spec, config = _skip_option(spec, config)
    warn_skipped(bad_assets(spec, spec.context))  # every pool checked before anything is written
    classes = class_table(spec)
    info = DatasetInfo(class_names=classes.names, keypoint_names=classes.keypoint_names,
                       image_format=spec.output.image_format, task=spec.task,
                       gray=spec.canvas.mode == "gray", semantic_mask=spec.output.semantic_mask,
                       options=config.options, split=_split(config))
    out = destination_path(config.out)
    config = replace(config, out=out)
    writer_class(config.format, info)(out, info, 0)  # validates format/scene compatibility early
    prepare_output(config)
    shards = _shards(config)
    check_resume(out, _state(spec, config, shards))
    todo = [ShardJob(spec, config.seed, k, s, out, config.format, info)
            for k, s in enumerate(shards) if not done_path(out, k).exists()]
    skipped = len(shards) - len(todo)
    if skipped:
        log.info("resuming: %d of %d shards already complete", skipped, len(shards))
        if progress:
            progress(sum(len(s) for k, s in enumerate(shards) if done_path(out, k).exists()))

    def done(record: dict[str, Any]) -> None:
        if not done_path(out, record["shard"]).exists():
            raise OutputError(f"shard {record['shard']} was written where this machine cannot see "
                              f"it: {out} must be one shared folder, at the same path on every node")
        if progress:
            progress(record["count"])

    log.info("rendering %d shards with the %s backend", len(todo), config.backend)
    try:
        if config.backend == "ray":
            from renderer.parallel.ray import run_jobs_ray

            run_jobs_ray(render_shard, todo, config.address, done, workers=config.workers)
        else:
            from renderer.parallel import run_jobs

            run_jobs(render_shard, todo, max(1, config.workers), done)
        return finalize(spec, config, info, shards, time.perf_counter() - started)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"writing to {out} failed: {exc.strerror or exc}; free space or "
                          "fix permissions, then rerun with --resume") from None


def _split(config: RunConfig) -> Split | None:
    """The run's split (``options["split"]``: split name -> fraction), seeded by the run seed."""
    fractions = config.options.get("split")
    return Split.from_fractions(fractions, config.seed) if fractions else None


def _skip_option(spec: SceneSpec, config: RunConfig) -> tuple[SceneSpec, RunConfig]:
    """``skip_bad_assets`` from either the options or the spec's context, set in both."""
    if not (config.options.get("skip_bad_assets") or spec.context.skip_bad_assets):
        return spec, config
    return (spec.with_context(replace(spec.context, skip_bad_assets=True)),
            replace(config, options={**config.options, "skip_bad_assets": True}))


def finalize(spec: SceneSpec, config: RunConfig, info: DatasetInfo,
             shards: list[Sequence[int]], elapsed: float) -> dict[str, Any]:
    """Merge shard parts into the final files and write ``manifest.json``.

    The manifest holds nothing about how the run was executed (backend, workers) except
    ``elapsed_s`` (of the last session, when resumed), so every backend writes the same files.
    """
    out = config.out
    ids = list(range(len(shards)))
    records = [json.loads(done_path(out, k).read_text()) for k in ids]
    writer_class(config.format, info).finalize(out, info, ids)
    with open_atomic(out / "plans.jsonl") as fh:
        for k in ids:
            fh.write(part_path(out, "plans", k).read_text(encoding="utf-8"))
    remove_stale_temps(out)  # of workers killed mid-write whose shards were retried
    skipped = [asdict(item) for item in bad_assets(spec, spec.context)]  # pools are cached
    manifest = {
        "synth_version": __version__,
        "spec_hash": spec.spec_hash(),
        "seed": config.seed,
        "format": config.format,
        "image_format": spec.output.image_format,
        "counts": {"images": sum(r["count"] for r in records),
                   "objects": sum(r["objects"] for r in records),
                   "classes": len(info.class_names)},
        "class_names": list(info.class_names),
        "keypoint_names": {name: list(points) for name, points in info.keypoint_names.items()},
        "elapsed_s": round(elapsed, 3),
        "skipped_assets": {"count": len(skipped), "files": skipped},
        "shards": records,
        "spec": spec.to_data(),
    }
    if info.split is not None:  # absent without --split, so those manifests keep their bytes
        manifest["split"] = {name: {"fraction": fraction,
                                    "images": sum(r["splits"][name] for r in records)}
                             for name, fraction in zip(info.split.names, info.split.fractions,
                                                       strict=True)}
    write_json_atomic(out / "manifest.json", manifest)
    return manifest


def manifest_summary(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without its bulky parts (for printing)."""
    return {k: v for k, v in manifest.items() if k not in ("spec", "shards")}


__all__ = ["RunConfig", "ShardJob", "manifest_summary", "render_shard", "run_dataset"]
