"""Benchmark of ``synth eval``'s engine: wall time per section and peak memory of a full report.

    python tools/bench_eval.py [--case mnist gtsrb] [--synthetic render|halves] [--threads 2]

Cases (real data from ../shared/data, absent from a user's clone):

- ``mnist``: 10,000 rendered ``scenes/digits.yaml`` digits vs the 10,000 real MNIST test digits
  (28x28 gray); with ``--synthetic halves`` the MNIST test set split in two halves (5,000 vs
  5,000) stands in for a synthetic set.
- ``gtsrb``: 2,580 rendered ``scenes/signs.yaml`` signs vs the 2,580 real GTSRB crops (32x32 RGB);
  ``--synthetic halves``: 1,290 vs 1,290 real crops.

Rendered sets are cached as .npz under ``--out`` (rendering is not part of the measurement). Each
case then runs in a fresh process limited to ``--threads`` threads (torch, BLAS, OpenMP), so its
peak RSS is its own; the figures are printed as JSON lines and saved to ``--out/results.jsonl``.
Wall times are per section of the engine; ``process_cpu_s`` (the whole child process, loading
included) is the fairer figure on a shared, busy machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SCENES = {"mnist": ROOT / "scenes" / "digits.yaml", "gtsrb": ROOT / "scenes" / "signs.yaml"}


def load_mnist() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The 10,000 MNIST test digits (N, 28, 28, 1) uint8, labels, class names "0".."9"."""
    folder = SHARED / "mnist-test"
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz") as fh:
        images = np.frombuffer(fh.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1)
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as fh:
        labels = np.frombuffer(fh.read(), np.uint8, offset=8).astype(np.int64)
    return images, labels, tuple(str(i) for i in range(10))


def load_gtsrb() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The 2,580 real GTSRB 32x32 crops, class ids, names "00".."42"."""
    from PIL import Image

    folder = SHARED / "gtsrb-test-32px-subset"
    rows = (folder / "GT-final_test.subset.csv").read_text().splitlines()[1:]
    images, labels = [], []
    for row in rows:
        fields = row.split(";")
        with Image.open(folder / "Images" / fields[0]) as image:
            images.append(np.asarray(image.convert("RGB")))
        labels.append(int(fields[-1]))
    return np.stack(images), np.asarray(labels, np.int64), tuple(f"{i:02d}" for i in range(43))


def render_cached(case: str, n: int, cache: Path) -> Path:
    """Render ``n`` images of the case's scene once (seed 0) into ``cache`` (.npz + plans)."""
    path = cache / f"{case}-render-{n}.npz"
    if path.is_file():
        return path
    from renderer.classes import class_table
    from renderer.render import render_sample
    from renderer.spec.load import load_spec

    spec = load_spec(SCENES[case])
    samples = [render_sample(spec, 0, i) for i in range(n)]
    samples = [s for s in samples if s.label is not None]  # a fully hidden object has none
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, images=np.stack([s.image for s in samples]),
             labels=np.asarray([s.label for s in samples], np.int64),
             names=np.asarray(class_table(spec).names),
             plans=np.asarray([json.dumps(s.plan) for s in samples]))
    return path


class _Laps(logging.Handler):
    """Collects the engine's per-section timings from its log lines."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.laps: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        match = re.match(r"evaluate: (.+) done in ([\d.]+) s", record.getMessage())
        if match:
            self.laps[match.group(1)] = float(match.group(2))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(case: str, synthetic_mode: str, out: Path) -> dict[str, object]:
    """Run one full evaluation + report in this process and return its figures."""
    import torch

    from renderer.evaluate import EvalConfig, EvalSet, run_evaluation, write_report

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    real_images, real_labels, names = load_mnist() if case == "mnist" else load_gtsrb()
    if synthetic_mode == "halves":
        order = np.random.default_rng(0).permutation(len(real_images))
        syn_idx, real_idx = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2:])
        syn_images, syn_labels, syn_names, plans = (real_images[syn_idx], real_labels[syn_idx],
                                                    names, None)
        real_images, real_labels = real_images[real_idx], real_labels[real_idx]
    else:
        data = np.load(render_cached(case, len(real_images), out / "cache"))
        syn_images, syn_labels = data["images"], data["labels"]
        syn_names = tuple(str(n) for n in data["names"])
        plans = [json.loads(p) for p in data["plans"]]

    def evalset(images: np.ndarray, labels: np.ndarray, classes: tuple[str, ...], prefix: str,
                meta: list[dict] | None) -> EvalSet:
        return EvalSet(list(images), labels, classes, None,
                       tuple(f"{prefix}{i:05d}" for i in range(len(images))), meta)

    synthetic = evalset(syn_images, syn_labels, syn_names, "syn", plans)
    real = evalset(real_images, real_labels, names, "real", None)
    laps = _Laps()
    logging.getLogger("renderer.evaluate").addHandler(laps)
    logging.getLogger("renderer.evaluate").setLevel(logging.INFO)
    start = time.perf_counter()
    config = EvalConfig(seed=0, device="cpu", threads=int(os.environ["OMP_NUM_THREADS"]))
    result = run_evaluation(synthetic, real, config)
    evaluated = time.perf_counter()
    write_report(result, synthetic, real, out / f"{case}-{synthetic_mode}")
    done = time.perf_counter()
    summary = {k: round(v["value"], 4) for k, v in result["summary"].items()}
    return {"case": case, "synthetic": synthetic_mode, "n_synthetic": len(synthetic),
            "n_real": len(real), "threads": int(os.environ["OMP_NUM_THREADS"]),
            "evaluate_s": round(evaluated - start, 1), "report_s": round(done - evaluated, 1),
            "total_s": round(done - start, 1), "sections_s": laps.laps,
            "process_cpu_s": round(_cpu_seconds(), 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "summary": summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs="+", choices=sorted(SCENES), default=sorted(SCENES))
    parser.add_argument("--synthetic", choices=["render", "halves"], default="render")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench_eval")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"bench_eval: the real data folder {SHARED} is absent; nothing to measure")
        return 0
    if args.child:
        print(json.dumps(measure(args.case[0], args.synthetic, args.out)))
        return 0
    if args.synthetic == "render":
        for case in args.case:  # outside the measured process
            n = 10_000 if case == "mnist" else 2_580
            print(f"bench_eval: rendering {n} {case} images (cached) ...", flush=True)
            render_cached(case, n, args.out / "cache")
    env = {**os.environ, **{var: str(args.threads) for var in (
        "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    args.out.mkdir(parents=True, exist_ok=True)
    for case in args.case:
        command = [sys.executable, __file__, "--child", "--case", case, "--synthetic",
                   args.synthetic, "--out", str(args.out)]
        line = subprocess.run(command, env=env, check=True, capture_output=True,
                              text=True).stdout.strip().splitlines()[-1]
        print(line, flush=True)
        with open(args.out / "results.jsonl", "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
