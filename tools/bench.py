"""Render-core benchmark (scenes/bench.yaml): throughput per core, JPEG-encode ratio, scaling,
time to first image, peak memory.

    python tools/bench.py [--n 300] [--passes 3] [--scale-n 5000] [--spec scenes/bench.yaml]
    python tools/bench.py --spec scenes/bench3d.yaml --one-core   # the 3D case (bar: 30 img/s)

Figures are medians of repeated passes; ratios are measured in the same run, because machines are
shared and noisy. CPU time (process_time) is reported next to wall time: on a busy machine it is
the fairer per-core figure. Rendering processes pin OpenCV to one thread and tune glibc malloc
themselves (``renderer.parallel.tuning``), so the figures are those a user gets.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _one_core(spec_path: Path, n: int, passes: int) -> dict[str, float]:
    from renderer.classes import class_table
    from renderer.io import encode_image
    from renderer.parallel.tuning import tune_render_process
    from renderer.render import render_sample
    from renderer.run import ShardJob, render_shard
    from renderer.spec.load import load_spec
    from renderer.writers import DatasetInfo

    tune_render_process()
    spec = load_spec(spec_path)
    table = class_table(spec)
    info = DatasetInfo(table.names, table.keypoint_names, "jpg", spec.task, False)
    for i in range(5):
        render_sample(spec, 0, i)  # warm caches (fonts, cutouts, noise bank)
    full_wall, full_cpu, enc_wall, enc_cpu = [], [], [], []
    frames = [render_sample(spec, 0, i).image for i in range(n)]
    for p in range(passes):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            (out / ".synth/parts").mkdir(parents=True)
            (out / ".synth/done").mkdir(parents=True)
            job = ShardJob(spec, 0, p, tuple(range(n)), out, "coco", info)
            w0, c0 = time.perf_counter(), time.process_time()
            render_shard(job)
            full_wall.append((time.perf_counter() - w0) / n)
            full_cpu.append((time.process_time() - c0) / n)
        w0, c0 = time.perf_counter(), time.process_time()
        for frame in frames:
            encode_image(frame, "jpg", 95)
        enc_wall.append((time.perf_counter() - w0) / n)
        enc_cpu.append((time.process_time() - c0) / n)
    med = statistics.median
    return {"render_label_write_ms_wall": 1000 * med(full_wall),
            "render_label_write_ms_cpu": 1000 * med(full_cpu),
            "jpeg_encode_ms_wall": 1000 * med(enc_wall), "jpeg_encode_ms_cpu": 1000 * med(enc_cpu)}


def _cli(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run ``synth`` in a subprocess; return wall seconds and the child's peak RSS (KiB)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork + exec, so a child would report
    # this (larger) benchmark process's peak instead of its own
    code = ("import sys; from renderer.cli import main; rc = main(sys.argv[1:]); "
            "hwm = [ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]; "
            "print('PEAK', hwm, 'TORCH', 'torch' in sys.modules, file=sys.stderr); sys.exit(rc)")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, check=True)
    wall = time.perf_counter() - t0
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("PEAK")][-1].split()
    if line[3] != "False":
        raise SystemExit("synth render imported torch")
    return wall, int(line[1])


def _first_image_latency(spec_path: Path, env: dict[str, str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "o"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "renderer.cli", "render", str(spec_path),
                                 "-n", "200", "-o", str(out), "--workers", "1", "--quiet"],
                                env=env, stdout=subprocess.DEVNULL)
        first = out / "images" / "000000.jpg"
        while not first.exists():
            if proc.poll() is not None:
                raise SystemExit("render exited before writing an image")
            time.sleep(0.005)
        latency = time.perf_counter() - t0
        proc.wait()
        return latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "scenes" / "bench.yaml")
    parser.add_argument("--n", type=int, default=300, help="images per pass")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--scale-n", type=int, default=5000,
                        help="images of the 1- vs 2-worker CLI runs (long enough that process "
                             "start-up, a fixed cost of about 0.5 s per spawned worker, does not "
                             "dominate: 2,000 images are only 7 s of work per process)")
    parser.add_argument("--one-core", action="store_true",
                        help="only the one-core figures (render + labels + write vs JPEG encode)")
    args = parser.parse_args()
    env = dict(os.environ)

    r = _one_core(args.spec, args.n, args.passes)
    if args.one_core:
        print(json.dumps(_rates(args, r), indent=2))
        return
    with tempfile.TemporaryDirectory() as tmp:
        n2 = args.scale_n
        base = ["render", str(args.spec), "-n", str(n2), "--quiet"]
        w1, _ = _cli([*base, "-o", f"{tmp}/w1", "--workers", "1"], env)
        w2, _ = _cli([*base, "-o", f"{tmp}/w2", "--workers", "2"], env)
        _, rss_small = _cli(["render", str(args.spec), "-n", "200", "-o", f"{tmp}/m1",
                             "--workers", "1", "--quiet"], env)
        _, rss_large = _cli(["render", str(args.spec), "-n", "2000", "-o", f"{tmp}/m2",
                             "--workers", "1", "--quiet"], env)
    latency = _first_image_latency(args.spec, env)
    result = {
        **_rates(args, r),
        "cli_wall_s_1_worker": round(w1, 2), "cli_wall_s_2_workers": round(w2, 2),
        "speedup_2_workers": round(w1 / w2, 2),
        "first_image_s": round(latency, 3),
        "peak_rss_mb_n200": round(rss_small / 1024, 1),
        "peak_rss_mb_n2000": round(rss_large / 1024, 1),
    }
    print(json.dumps(result, indent=2))


def _rates(args: argparse.Namespace, r: dict[str, float]) -> dict[str, object]:
    """One-core throughput figures and their ratio to JPEG-encoding the same frames."""
    return {
        "spec": str(args.spec.relative_to(ROOT) if args.spec.is_relative_to(ROOT) else args.spec),
        "n_per_pass": args.n,
        **{k: round(v, 3) for k, v in r.items()},
        "img_per_s_one_core_wall": round(1000 / r["render_label_write_ms_wall"], 1),
        "img_per_s_one_core_cpu": round(1000 / r["render_label_write_ms_cpu"], 1),
        "jpeg_encode_img_per_s_cpu": round(1000 / r["jpeg_encode_ms_cpu"], 1),
        "render_rate_over_encode_rate_cpu": round(r["jpeg_encode_ms_cpu"]
                                                   / r["render_label_write_ms_cpu"], 3),
        "cpu_count": os.cpu_count(),
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    main()
