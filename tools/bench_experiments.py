"""Experiment benchmark: per-trial overhead beyond render + evaluation, and trials per hour.

    python tools/bench_experiments.py [--n 5000] [--trials 2] [--workers 1] [--real DIR]

Two measurements, both with ``run_sweep`` (a sweep over the blur of ``scenes/digits.yaml``):

1. **Overhead** at a tiny N (``--overhead-n``, default 40; ``--overhead-trials`` trials): the
   wall time of the whole sweep minus the render and evaluation time its trials report, per
   trial. It covers trial set-up (spec validation, keys, resume checks), turning samples into an
   evaluation set, writing report.json and result.json, and the sweep's outputs (CSV, plots,
   best.yaml); process-pool start-up is reported apart.
2. **Throughput** at ``--n`` (default 5,000) with the real set (``--real``, default
   ``../shared/data/mnist-test`` if present, else 10,000 images of the digits scene rendered with
   another seed): seconds per trial split into render / evaluation (per engine section) / rest,
   and trials per hour = 3600 / seconds per trial (times ``--workers`` trials at once when the
   sweep has that many trials and memory allows).

The evaluation uses the engine's defaults unless ``--eval NAME=VALUE`` says otherwise; the task
gap (TSTR) defaults to a 2-epoch small CNN here (``--eval task=null`` skips it). Prints a JSON
report (``--json FILE`` also writes it). Machines are shared: the load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist-test"
SECTION = re.compile(r"evaluate: (.+) done in ([0-9.]+) s")


class SectionTimes(logging.Handler):
    """Collects the engine's per-section timings (its INFO lines) in this process."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.sections: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        match = SECTION.match(record.getMessage())
        if match:
            self.sections[match.group(1)] = self.sections.get(match.group(1), 0.0) + float(
                match.group(2))


def experiment(n: int, trials: int, evaluation: dict[str, Any], real: Path | None,
               real_limit: int | None) -> Any:
    from renderer.experiments import Experiment

    sigmas = [[round(0.2 + 0.3 * k, 2), round(0.7 + 0.3 * k, 2)] for k in range(trials)]
    return Experiment(spec=ROOT / "scenes" / "digits.yaml", real=real, real_limit=real_limit,
                      n=n, seed=0, evaluation=evaluation, axes={"effects[0].sigma": sigmas})


def rendered_real(n: int) -> Any:
    from renderer.experiments.pool import ExperimentPool
    from renderer.rendered_sets import render_evalset
    from renderer.spec.load import load_spec

    with ExperimentPool(os.cpu_count() or 1) as pool:
        return render_evalset(load_spec(ROOT / "scenes" / "digits.yaml"), 12345, n, pool)


def measure(exp: Any, out: Path, workers: int, real: Any) -> dict[str, Any]:
    """Run one sweep; wall time, the trials' own timings and the engine's section times."""
    from renderer.experiments import run_sweep

    handler = SectionTimes()
    engine_log = logging.getLogger("renderer.evaluate.engine")
    engine_log.addHandler(handler)
    engine_log.setLevel(logging.INFO)
    start = time.perf_counter()
    result = run_sweep(exp, out, workers=workers, real=real)
    wall = time.perf_counter() - start
    engine_log.removeHandler(handler)
    timing = [r["timing"] for r in result.records]
    trials = len(timing)

    def per_trial(name: str) -> float:
        return sum(t.get(name, 0.0) for t in timing) / trials

    return {"trials": trials, "workers": workers, "wall_s": wall, "wall_per_trial_s": wall / trials,
            "render_s": per_trial("render_s"), "eval_s": per_trial("eval_s"),
            "trial_total_s": per_trial("total_s"),
            "eval_sections_s": {k: v / trials for k, v in handler.sections.items()}}


def pool_start_s(workers: int) -> float:
    """Seconds to start the pool's processes and run one trivial job in each."""
    from renderer.experiments.pool import ExperimentPool

    start = time.perf_counter()
    with ExperimentPool(workers) as pool:
        pool.map_ordered(abs, list(range(workers)))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="images per trial (throughput)")
    parser.add_argument("--trials", type=int, default=2, help="trials of the throughput sweep")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--real", type=Path, help="real set (default: shared MNIST test set)")
    parser.add_argument("--real-limit", type=int, help="real images used (default: all)")
    parser.add_argument("--overhead-n", type=int, default=40)
    parser.add_argument("--overhead-trials", type=int, default=6)
    parser.add_argument("--eval", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()

    from renderer.experiments.options import parse_assignments

    evaluation = {"task": {"epochs": 2}, **parse_assignments(args.eval, "--eval")}
    real_path = args.real or (SHARED_MNIST if SHARED_MNIST.is_dir() else None)
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(),
                                          "load_average_start": os.getloadavg()},
                              "evaluation": evaluation}
    with tempfile.TemporaryDirectory() as tmp:
        small = rendered_real(200)
        report["pool_start_s"] = pool_start_s(max(args.workers, 2))
        overhead = measure(experiment(args.overhead_n, args.overhead_trials, evaluation, None,
                                      None), Path(tmp) / "overhead", 1, small)
        overhead["overhead_per_trial_s"] = (overhead["wall_per_trial_s"] - overhead["render_s"]
                                            - overhead["eval_s"])
        report["overhead"] = overhead
        if not args.skip_throughput:
            real = None if real_path else rendered_real(10_000)
            exp = experiment(args.n, args.trials, evaluation, real_path, args.real_limit)
            run = measure(exp, Path(tmp) / "throughput", args.workers, real)
            run["real"] = str(real_path.name) if real_path else "10,000 rendered digits"
            run["trials_per_hour"] = 3600.0 / run["wall_per_trial_s"]
            run["overhead_per_trial_s"] = (run["wall_per_trial_s"] - run["render_s"]
                                           - run["eval_s"])
            report["throughput"] = {"n": args.n, **run}
    report["machine"]["load_average_end"] = os.getloadavg()
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
