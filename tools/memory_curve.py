"""Resident memory (RSS) of one process over many renders: does a long run stay flat?

    python tools/memory_curve.py [SPEC] [-n 100000] [--points 20] [--seed 0] [--encode] [--json]

Renders indices 0..N-1 of SPEC (default scenes/bench.yaml) with ``render_sample`` in this one
process, as a render worker does (one OpenCV thread, the workers' malloc settings), and samples
RSS from ``/proc/self/statm`` at evenly spaced points. ``--encode`` also encodes each image as the
spec's output format. The table gives RSS and its change since the first point after warm-up
(caches of rasters, fonts and photos fill during the first renders; growth after that is a leak).

Linux only (``/proc``). One core: keep other work off it for a smooth curve; the figures are
memory, not time, so a busy machine only makes the run longer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STATM = Path("/proc/self/statm")
MIB = 1024 * 1024


def rss_bytes() -> int:
    """Resident set size of this process in bytes (second field of /proc/self/statm, in pages)."""
    return int(STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(spec_path: Path, n: int, points: int, seed: int, warmup: int, encode: bool
            ) -> dict[str, Any]:
    """RSS at 0, warm-up, then ``points`` evenly spaced render counts up to ``n``."""
    from renderer.io import encode_image
    from renderer.parallel.process_settings import tune_render_process
    from renderer.render import render_sample
    from renderer.spec.load import load_spec

    tune_render_process()
    spec = load_spec(spec_path)
    output = spec.output
    marks = sorted({warmup, *(round(n * k / points) for k in range(1, points + 1))} - {0})
    curve = [{"renders": 0, "rss_mib": rss_bytes() / MIB, "elapsed_s": 0.0}]
    started, done = time.perf_counter(), 0
    for mark in marks:
        for index in range(done, mark):
            sample = render_sample(spec, seed, index)
            if encode:
                encode_image(sample.image, output.image_format, output.jpeg_quality,
                             output.png_compression)
        done = mark
        curve.append({"renders": mark, "rss_mib": rss_bytes() / MIB,
                      "elapsed_s": time.perf_counter() - started})
    warm = next(p for p in curve if p["renders"] >= warmup)
    growth = curve[-1]["rss_mib"] - warm["rss_mib"]
    peak = max(p["rss_mib"] for p in curve if p["renders"] >= warmup) - warm["rss_mib"]
    return {"spec": str(spec_path), "n": n, "seed": seed, "warmup": warmup, "encode": encode,
            "curve": curve, "growth_after_warmup_mib": growth, "peak_after_warmup_mib": peak}


def print_table(result: dict[str, Any]) -> None:
    warm = next(p for p in result["curve"] if p["renders"] >= result["warmup"])
    print(f"RSS over {result['n']} renders of {result['spec']} (seed {result['seed']}"
          f"{', encoded' if result['encode'] else ''}); warm-up {result['warmup']} renders\n")
    print("| renders | RSS MiB | change since warm-up MiB | elapsed s |")
    print("|---:|---:|---:|---:|")
    for p in result["curve"]:
        change = f"{p['rss_mib'] - warm['rss_mib']:+.2f}" if p["renders"] >= warm["renders"] else ""
        print(f"| {p['renders']} | {p['rss_mib']:.2f} | {change} | {p['elapsed_s']:.1f} |")
    print(f"\ngrowth after warm-up: {result['growth_after_warmup_mib']:+.2f} MiB "
          f"(largest excursion {result['peak_after_warmup_mib']:+.2f} MiB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", type=Path, nargs="?", default=ROOT / "scenes" / "bench.yaml")
    parser.add_argument("-n", type=int, default=100_000, help="renders (default 100000)")
    parser.add_argument("--points", type=int, default=20, help="RSS samples after warm-up")
    parser.add_argument("--warmup", type=int, help="renders before the reference point "
                                                   "(default: 2%% of N, at least 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encode", action="store_true", help="also encode every image")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    if not STATM.exists():
        print("memory_curve: needs Linux /proc/self/statm", file=sys.stderr)
        return 2
    if args.n < 1 or args.points < 1:
        parser.error("-n and --points must be >= 1")
    sys.path.insert(0, str(ROOT))
    warmup = min(args.n, args.warmup if args.warmup is not None else max(200, args.n // 50))
    result = measure(args.spec, args.n, args.points, args.seed, warmup, args.encode)
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
