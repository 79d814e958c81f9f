"""Which of a ``synth tune`` run's moved ranges moved the domain classifier and the KID.

``comparison.md`` of a tuning run gives the base and the tuned spec on the held-out real part;
when several ranges moved at once it cannot say which of them did what. This tool renders the
base spec with each moved range applied alone (the tuned value, every other range as in the
base), and the base and tuned specs themselves, and scores each against the run's held-out real
part (``split.json``): C2ST AUC and KID with 95% intervals, and the low-level statistics. The task
score is left out: it needs a training run per variant (see the run's ``comparison.md`` for the
task figures of the base and the tuned spec).

    python tools/tuning_attribution.py out/signs-tune --base scenes/signs-base.yaml \\
        --real ../shared/data/gtsrb-test-32px-subset [--n 5000] [--workers 2] [--json FILE]

About 7.5 s per variant on 2 CPU cores for 1,000 32x32 renders against 1,290 real images.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from renderer.datasets import load, to_eval_set  # noqa: E402
from renderer.evaluate.evalset import EvalSet  # noqa: E402
from renderer.experiments.evaluation import evaluate, flatten_metrics  # noqa: E402
from renderer.parallel.local import WorkerPool  # noqa: E402
from renderer.rendered_sets import render_evalset  # noqa: E402
from renderer.spec.load import load_spec  # noqa: E402

# the C2ST and KID settings of the tuning runs' evaluation block; no task, up to 2,000 images a side
EVALUATION = {"task": None, "max_images": 2000, "fid_bootstrap": 0, "kid_subsets": 20,
              "kid_bootstrap": 20, "c2st_bootstrap": 50, "n_show": 2, "threads": 1}
SHOWN = ("c2st_auc", "kid", "stats.brightness.difference", "stats.contrast.difference",
         "stats.saturation.difference", "stats.sharpness.difference")


def override(path: str, value: Any) -> str:
    """``--set`` text for one field: its value as flow-style YAML."""
    return f"{path}={yaml.safe_dump(value, default_flow_style=True).strip()}"


def variants(comparison: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(label, overrides) of the base, each moved range alone, and the tuned spec."""
    tuned = comparison["tuned"]
    alone = [(f"{path} alone", [override(path, tuned[path])]) for path in comparison["moved"]]
    every = [override(path, value) for path, value in tuned.items()]
    return [("base", []), *alone, ("tuned (all moved ranges)", every)]


def cell(metric: tuple[float, float, float]) -> str:
    """A metric with its interval where it has one (NaN bounds: none)."""
    value, low, high = metric
    return f"{value:.4g}" + ("" if math.isnan(low) else f" [{low:.4g}, {high:.4g}]")


def add_scoring_args(parser: argparse.ArgumentParser) -> None:
    """The options ``score_variants`` and its output take (shared with spec_attribution)."""
    parser.add_argument("--n", type=int, default=5000, help="renders per variant")
    parser.add_argument("--seed", type=int, default=1, help="render seed (the comparison's: 1)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write every variant's metrics here")


def score_variants(spec_path: Path, labelled: list[tuple[str, list[str]]], real: EvalSet, n: int,
                   seed: int, workers: int) -> dict[str, Any]:
    """Render ``n`` images of the spec under each (label, overrides) and score them against
    ``real``; prints a Markdown table row by row and returns every variant's metrics."""
    print("| variant | " + " | ".join(SHOWN) + " |")
    print("| --- |" + " --- |" * len(SHOWN))
    rows = {}
    with WorkerPool(workers) as pool:
        for label, overrides in labelled:
            started = time.perf_counter()
            spec = load_spec(spec_path, overrides=overrides)
            metrics = flatten_metrics(evaluate(render_evalset(spec, seed, n, pool), real,
                                               EVALUATION))
            rows[label] = {"overrides": overrides, "seconds": time.perf_counter() - started,
                           **{name: [None if math.isnan(x) else x for x in metrics[name]]
                               for name in SHOWN if name in metrics}}
            print(f"| {label} | " + " | ".join(cell(metrics[name]) if name in metrics else "-"
                                               for name in SHOWN) + " |", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="synth tune output folder (comparison.json, split.json)")
    parser.add_argument("--base", type=Path, required=True, help="the spec the run started from")
    parser.add_argument("--real", type=Path, required=True, help="the run's real set")
    add_scoring_args(parser)
    args = parser.parse_args(argv)
    comparison = json.loads((args.run / "comparison.json").read_text())
    held_out = json.loads((args.run / "split.json").read_text())["held_out"]["indices"]
    real = to_eval_set(load(args.real), held_out)
    print(f"held-out real part: {len(real)} images; {args.n} renders per variant, seed {args.seed}")
    rows = score_variants(args.base, variants(comparison), real, args.n, args.seed, args.workers)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
