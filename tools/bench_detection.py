"""Detection task-gap benchmark: train the default detector on fresh renders, score real photos.

    python tools/bench_detection.py [--n 5000] [--spec scenes/quickstart.yaml] [--real DIR]
                                    [--threads 2] [--workers 2] [--image-size 320]

Renders ``--n`` images of the spec (640x480 for the quickstart scene) streamed through the
experiment pool (fresh renders, never all in memory), trains the detector for one pass over them
(``--n / batch`` steps), then detects on every image of the real set (default: the dice or GTSDB
development part of ``../shared/data`` when present, else 200 renders of another seed) and scores
with COCOeval + bootstrap. Reports wall and CPU time per phase (on a shared machine CPU time is
the fairer figure; rendering CPU is spent in the workers), training images/s, inference
images/s and peak resident memory of this process and of the render workers. Classes of both
sides are merged into one ("object"): the timing does not depend on names matching.

A run with a smaller ``--n`` prints the training phase extrapolated to 5,000 images (training
time grows linearly with images; set-up, inference and scoring do not), labelled as such.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FULL_N = 5000


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0


class Phase:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Phase:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _real_set(path: str | None, spec: object) -> tuple[object, str]:
    from renderer.datasets import load, to_eval_set
    from renderer.rendered_sets import render_evalset

    candidates = [Path(path)] if path else [SHARED / "dice-dev", SHARED / "gtsdb-dev"]
    for folder in candidates:
        if folder.is_dir():
            return to_eval_set(load(folder)), str(folder.name)
    return render_evalset(spec, 999, 200), "200 renders (seed 999; no real set found)"  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=FULL_N, help="training renders")
    parser.add_argument("--spec", default=str(ROOT / "scenes" / "quickstart.yaml"))
    parser.add_argument("--real", help="real detection set (default: ../shared/data)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--workers", type=int, default=2, help="render processes")
    parser.add_argument("--image-size", type=int, default=320, help="training crop side (px)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    import logging

    import torch

    from renderer.evaluate.taskgap.common import apply_class_map
    from renderer.evaluate.taskgap.detection import evaluate_detector
    from renderer.evaluate.taskgap.options import DetectionConfig
    from renderer.evaluate.taskgap.sources import RenderedSource
    from renderer.evaluate.taskgap.training import LogProgress, train_detector
    from renderer.experiments.pool import ExperimentPool
    from renderer.spec.load import load_spec

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(args.threads)
    spec = load_spec(args.spec)
    real, real_name = _real_set(args.real, spec)
    merged = {name: "object" for name in real.class_names or ()}  # type: ignore[attr-defined]
    real = apply_class_map(real, merged)  # type: ignore[arg-type]
    steps = max(1, args.n // args.batch_size)
    config = DetectionConfig(image_size=args.image_size, batch_size=args.batch_size, steps=steps,
                             device=args.device, n_bootstrap=200)
    with ExperimentPool(args.workers) as pool:
        source = RenderedSource(spec, spec.seed, args.n, ("object",), pool,
                                class_map={name: "object" for name in _spec_classes(spec)})
        with Phase() as train_phase:
            detector, history = train_detector(source, 1, config, rng=np.random.default_rng(0),
                                               progress=LogProgress(30.0))
    with Phase() as eval_phase:
        scores = evaluate_detector(detector, real, np.arange(len(real)), ["object"], config,
                                   rng=np.random.default_rng(1))["scores"]
    figures = {
        "training_renders": history["images"], "steps": history["steps"],
        "image_size": args.image_size, "threads": args.threads, "workers": args.workers,
        "real_set": real_name, "real_images": len(real),
        "render_and_train_wall_s": round(train_phase.wall, 1),
        "render_and_train_cpu_s_main_process": round(train_phase.cpu, 1),
        "training_images_per_s": round(history["images_per_s"], 2),
        "inference_and_scoring_wall_s": round(eval_phase.wall, 1),
        "inference_and_scoring_cpu_s": round(eval_phase.cpu, 1),
        "inference_images_per_s": round(len(real) / max(eval_phase.wall, 1e-9), 2),
        "peak_rss_mb_main": round(_peak_mb(resource.RUSAGE_SELF), 1),
        "peak_rss_mb_largest_worker": round(_peak_mb(resource.RUSAGE_CHILDREN), 1),
        "map50_tstr_class_agnostic": scores["map50"]["value"],
    }
    if args.n < FULL_N:
        scale = FULL_N / args.n
        figures["EXTRAPOLATED_to_5000_renders_wall_s"] = round(
            train_phase.wall * scale + eval_phase.wall, 1)
    print(json.dumps(figures, indent=1))


def _spec_classes(spec: object) -> list[str]:
    from renderer.classes import class_table

    return list(class_table(spec).names)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
