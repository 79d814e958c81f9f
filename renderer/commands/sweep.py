"""``synth sweep EXPERIMENT -o DIR``: render and evaluate a spec at every combination of values."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_experiment_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags shared by sweep, ablate and tune (each overrides the experiment file's field)."""
    parser.add_argument("-n", type=int, help="synthetic images per trial")
    parser.add_argument("--seed", type=int, help="run seed of every trial")
    parser.add_argument("--real-limit", type=int, metavar="K",
                        help="use a seeded random subset of K real images")
    parser.add_argument("--eval", dest="eval_options", action="append", default=[],
                        metavar="NAME=VALUE",
                        help="evaluation option, e.g. --eval task=null --eval kid_subsets=50 "
                             "(repeatable; YAML values)")
    parser.add_argument("--task", metavar="KIND",
                        help="task objective adding task.* metrics to every trial: 'tstr', "
                             "'detection' or 'module:function'; options with --task-option")
    parser.add_argument("--task-option", action="append", default=[], metavar="NAME=VALUE",
                        help="option of the task objective, e.g. steps=300 (repeatable; YAML "
                             "values; merged into the experiment file's task)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: all cores)")
    parser.add_argument("--html", action="store_true", default=None,
                        help="also write each trial's HTML report")
    parser.add_argument("--quiet", action="store_true", help="no line per trial")


def experiment_changes(args: argparse.Namespace) -> dict[str, Any]:
    """Experiment fields set by the shared flags."""
    from renderer.experiments.options import parse_assignments

    evaluation = parse_assignments(args.eval_options, "--eval") if args.eval_options else None
    task = parse_assignments(args.task_option, "--task-option")
    if args.task is not None:
        task["kind"] = args.task
    return {"n": args.n, "seed": args.seed, "real_limit": args.real_limit,
            "evaluation": evaluation, "task": task or None, "html": args.html}


def trial_printer(total: int, objective: str,
                  quiet: bool) -> Callable[[dict[str, Any], bool], None]:
    """A progress callback printing one line per trial to stderr."""
    count = [0]
    started = time.perf_counter()

    def show(record: dict[str, Any], cached: bool) -> None:
        from renderer.experiments.evaluation import MetricError, resolve_metric
        from renderer.experiments.table import interval_text, metric

        count[0] += 1
        if quiet:
            return
        try:
            value = interval_text(*metric(record, resolve_metric(objective, record["metrics"])))
        except MetricError:
            value = "n/a"
        when = ("finished earlier" if cached
                else f"{record['timing']['total_s']:.1f} s, {time.perf_counter() - started:.0f} s "
                     "elapsed")
        counter = f"{count[0]}/{total}" if total else str(count[0])
        print(f"[{counter}] {objective} {value}  {record['label']}  ({when})",
              file=sys.stderr, flush=True)

    return show


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="evaluate a spec at every combination of axis values")
    p.add_argument("experiment", type=Path, help="experiment file (YAML)")
    p.add_argument("-o", "--out", type=Path, required=True,
                   help="output folder (rerun to resume: finished trials are skipped)")
    p.add_argument("--real", help="real set (overrides the experiment's 'real')")
    add_experiment_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from renderer.experiments.axes import combine_axes
    from renderer.experiments.options import build_experiment
    from renderer.experiments.sweep import run_sweep

    experiment = build_experiment(args.experiment, {**experiment_changes(args), "real": args.real})
    total = len(combine_axes(experiment.axes, experiment.combine, experiment.seed))
    progress = trial_printer(total, experiment.objective.metric, args.quiet)
    result = run_sweep(experiment, args.out, workers=args.workers, progress=progress)
    value = result.best["metrics"][result.objective]
    print(f"{len(result.records)} trials: {args.out / 'trials.csv'}, plots in {args.out / 'plots'}")
    print(f"best by {result.objective} ({experiment.objective.direction}): {value[0]:.6g}  "
          f"{result.best['label']}")
    print(f"best spec: {args.out / 'best.yaml'}")
    return 0
