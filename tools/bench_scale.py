"""Scale-out benchmark: throughput of 1 and 2 local workers and of Ray on this machine, and
driver / worker memory as N grows.

    python tools/bench_scale.py [--n 3000] [--memory-n 10000 100000] [--json out.json]
    python tools/bench_scale.py --spec scenes/quickstart.yaml --n 500 --memory-n --no-ray
    python tools/bench_scale.py --n 0 --memory-n 10000 100000     # memory only

Every figure comes from ``synth render`` as a user runs it (subprocesses, COCO output, the same
shards for every backend), all in one run, because shared machines are noisy: compare figures
of one run with each other, not with another run's.

- ``wall_img_s``: N / wall time of the whole command (start-up and merge included).
- ``steady_img_s``: images per second between the first and the last finished shard (from the
  shards' ``done`` records): the rate a long run converges to.
- ``img_per_cpu_s``: images per CPU second of the command and all its processes (workers, Ray's
  daemons), start-up included; ``marginal_img_per_cpu_s`` the same without start-up (from a run
  of N and one of N/5): the per-core rate, least disturbed by other load on the machine;
  ``fixed_cpu_s`` what one command costs whatever N.
- scaling efficiency = steady rate of 2 workers / (2 x steady rate of 1 worker), meaningful on
  an idle machine only; CPU efficiency = marginal images per CPU second of 2 workers / of 1
  (what parallelism costs in CPU, valid on a busy machine too). Ray overhead: the same ratios
  against the local backend with the same CPUs, Ray's extra fixed CPU and start-up time.
- memory: resident set (VmRSS) of the driver and of each worker sampled every 0.2 s, at several
  points of the run, and the peak (VmHWM); flat in N when the 100k figures match the 10k ones.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A small scene: what scale-out costs shows best when images are cheap.
SMALL_SPEC = """\
version: 1
canvas: {width: 128, height: 96}
background: {kind: noise, scale: [8, 32]}
objects:
  - name: shapes
    asset: {kind: shape}
    count: [1, 3]
    pose: {scale: [0.2, 0.4], rotation: [-90, 90]}
  - name: glyphs
    asset: {kind: glyph, text: [A, B, "7"]}
    count: [0, 1]
    pose: {scale: [0.2, 0.35]}
effects:
  - {kind: gaussian_noise, sigma: [2, 5]}
output: {image_format: jpg}
"""
SAMPLE_EVERY_S = 0.2
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Memory runs render tiny frames: what grows with N is bookkeeping, not pixels, and 100k images
# should not hold a shared machine for long.
MEMORY_RUN_CANVAS = ("--set", "canvas.width=64", "--set", "canvas.height=48")
# Ray starts a local cluster with token authentication and would otherwise store a new token in
# ~/.ray; a token made for this run keeps the benchmark free of side effects.
RAY_ENV = {"RAY_AUTH_TOKEN": secrets.token_hex(32)}


def _status_kib(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds the process itself used so far), from /proc/*/stat."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return table


def _descendants(pid: int, table: dict[int, tuple[int, float]]) -> list[int]:
    """Child processes of ``pid``, recursively."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, (pp, _) in table.items() if pp == parent]
        found += children
        frontier += children
    return found


def _is_worker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read()
    except OSError:
        return False
    return b"spawn_main" in cmdline and b"resource_tracker" not in cmdline


def _done_count(out: Path) -> int:
    folder = out / ".synth" / "done"
    return sum(1 for _ in os.scandir(folder)) if folder.is_dir() else 0


def _watch(proc: subprocess.Popen[bytes], out: Path, started: float,
           watch_memory: bool) -> tuple[list[dict[str, float]], dict[str, float]]:
    """Wait for ``proc``, sampling the CPU time of its process tree and, if asked, memory.

    CPU time is summed over every process of the tree as last seen (Ray's workers are children
    of its raylet, which the driver never waits for, so ``getrusage`` would miss them); a process
    loses at most one sampling interval of CPU time.
    """
    samples: list[dict[str, float]] = []
    peaks = {"driver": 0.0, "worker": 0.0}
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        table = _process_table()
        tree = [proc.pid, *_descendants(proc.pid, table)]
        cpu.update({p: table[p][1] for p in tree if p in table})
        if watch_memory:
            driver = _status_kib(proc.pid, "VmRSS") or 0
            workers_rss = [_status_kib(p, "VmRSS") or 0 for p in tree[1:] if _is_worker(p)]
            peaks["driver"] = max(peaks["driver"], _status_kib(proc.pid, "VmHWM") or 0)
            peaks["worker"] = max([peaks["worker"], *workers_rss])
            if driver:
                samples.append({"t_s": round(time.time() - started, 1),
                                "shards_done": _done_count(out),
                                "driver_mib": round(driver / 1024, 1),
                                "worker_max_mib": round(max(workers_rss, default=0) / 1024, 1)})
        time.sleep(SAMPLE_EVERY_S)
    peaks["cpu_s"] = sum(cpu.values())
    return samples, peaks


def render(spec: Path, out: Path, n: int, workers: int, backend: str = "local",
           watch_memory: bool = False,
           extra: tuple[str, ...] = ()) -> dict[str, float | list[dict[str, float]]]:
    """Run ``synth render`` once; wall time, steady rate and (optionally) memory samples."""
    command = [sys.executable, "-m", "renderer.cli", "render", str(spec), "-n", str(n), "-o",
               str(out), "--workers", str(workers), "--backend", backend, "--quiet", *extra]
    # stderr to a file, not a pipe: a chatty run never blocks on it
    with tempfile.TemporaryFile() as errors:
        started = time.time()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors,
                                env={**os.environ, **RAY_ENV})
        samples, peaks = _watch(proc, out, started, watch_memory)
        wall = time.time() - started
        if proc.returncode:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{errors.read().decode()[-2000:]}")
    done = sorted(p.stat().st_mtime for p in (out / ".synth" / "done").iterdir())
    manifest = json.loads((out / "manifest.json").read_text())
    first_count = manifest["shards"][0]["count"]  # shards are equal but for the last one
    result: dict[str, float | list[dict[str, float]]] = {
        "wall_s": round(wall, 2), "wall_img_s": round(n / wall, 1),
        "steady_img_s": round((n - first_count) / max(done[-1] - done[0], 1e-9), 1),
        "first_shard_s": round(done[0] - started, 2),
        # CPU seconds of the command and all its processes (workers, Ray's daemons): images
        # per CPU second is the per-core rate, whatever else loads the machine.
        "cpu_s": round(peaks["cpu_s"], 1),
        "img_per_cpu_s": round(n / peaks["cpu_s"], 1),
        "bytes_per_image": round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / n),
    }
    if watch_memory:
        result["driver_peak_mib"] = round(peaks["driver"] / 1024, 1)
        result["worker_peak_mib"] = round(peaks["worker"] / 1024, 1)
        result["samples"] = _spread(samples, 6)
    return result


def _spread(samples: list[dict[str, float]], k: int) -> list[dict[str, float]]:
    """``k`` samples evenly spread over the run (the first and the last included)."""
    if len(samples) <= k:
        return samples
    return [samples[round(i * (len(samples) - 1) / (k - 1))] for i in range(k)]


def throughput(spec: Path, tmp: Path, n: int, with_ray: bool) -> dict[str, object]:
    """Each configuration at ``n`` and ``n / 5`` images: rates, and what start-up costs.

    The difference of the two runs is the marginal cost of ``0.8 n`` images, free of start-up
    (imports, worker and Ray start, merge): ``marginal_img_per_cpu_s`` is the per-core rate a
    long run converges to, ``fixed_cpu_s`` what one command costs whatever N.
    """
    configs = {"local_1": (1, "local"), "local_2": (2, "local")}
    if with_ray:
        configs["ray_2"] = (2, "ray")
    results: dict[str, object] = {}
    for name, (workers, backend) in configs.items():
        small = render(spec, tmp / f"{name}_small", n // 5, workers, backend)
        full = render(spec, tmp / name, n, workers, backend)
        marginal = (n - n // 5) / max(full["cpu_s"] - small["cpu_s"], 1e-9)
        full["marginal_img_per_cpu_s"] = round(marginal, 1)
        full["fixed_cpu_s"] = round(full["cpu_s"] - n / marginal, 1)
        results[name] = full
        print(name, full, file=sys.stderr)
    one, two = results["local_1"], results["local_2"]
    results["scaling_efficiency_2_workers"] = round(
        two["steady_img_s"] / (2 * one["steady_img_s"]), 3)
    results["cpu_efficiency_2_workers"] = round(
        two["marginal_img_per_cpu_s"] / one["marginal_img_per_cpu_s"], 3)
    if with_ray:
        ray = results["ray_2"]
        results["ray_steady_overhead"] = round(1 - ray["steady_img_s"] / two["steady_img_s"], 3)
        results["ray_marginal_cpu_overhead"] = round(
            1 - ray["marginal_img_per_cpu_s"] / two["marginal_img_per_cpu_s"], 3)
        results["ray_extra_fixed_cpu_s"] = round(ray["fixed_cpu_s"] - two["fixed_cpu_s"], 1)
        results["ray_extra_startup_s"] = round(ray["first_shard_s"] - two["first_shard_s"], 2)
    return results


def memory(spec: Path, tmp: Path, counts: list[int]) -> dict[str, object]:
    """Driver and worker memory of 2-worker runs of each size (COCO: the largest merge)."""
    results: dict[str, object] = {}
    for n in counts:
        out = tmp / f"memory_{n}"
        results[f"memory_{n}"] = render(spec, out, n, 2, "local", watch_memory=True,
                                        extra=MEMORY_RUN_CANVAS)
        print(f"memory_{n}", results[f"memory_{n}"], file=sys.stderr)
        shutil.rmtree(out)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="images per throughput run")
    parser.add_argument("--memory-n", type=int, nargs="*", default=[10_000, 100_000],
                        help="image counts of the memory runs (2 local workers, 64x48 frames)")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray run")
    parser.add_argument("--spec", type=Path, help="scene to render (default: a small built-in one)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results: dict[str, object] = {"cpu_count": os.cpu_count(), "n": args.n,
                                  "spec": str(args.spec or "built-in small scene (128x96)"),
                                  "loadavg_1min_at_start": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        spec = args.spec.absolute() if args.spec else tmp / "small.yaml"
        if not args.spec:
            spec.write_text(SMALL_SPEC)
        if args.n:
            results.update(throughput(spec, tmp, args.n, not args.no_ray))
        results.update(memory(spec, tmp, args.memory_n))
    results["loadavg_1min_at_end"] = round(os.getloadavg()[0], 2)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
