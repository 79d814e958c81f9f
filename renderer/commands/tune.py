"""``synth tune SPEC --real REAL --budget 50``: search the spec's ranges for the smallest gap."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from renderer.commands.sweep import add_experiment_arguments, experiment_changes, trial_printer


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tune", help="search the spec's ranges (Optuna TPE, pruned multi-fidelity "
                                    "trials) for the smallest gap to a real set's tuning part, "
                                    "then compare on its held-out part")
    p.add_argument("spec", type=Path, help="scene spec, or an experiment file")
    p.add_argument("--real", help="real set (any format 'synth' reads)")
    p.add_argument("--budget", type=int, default=50,
                   help="trials to complete, counting those of a resumed study (default 50)")
    p.add_argument("-o", "--out", type=Path,
                   help="output folder (default: out/tune-<spec name>; rerun to resume)")
    p.add_argument("--objective", help="metric to optimise (default kid), e.g. c2st_auc, "
                                       "task.error, tstr_error, brightness_w1 (minimised; accuracies, "
                                       "mAPs, precision, recall, density, coverage are "
                                       "maximised)")
    p.add_argument("--search", action="append", default=[], metavar="PATH=LOW:HIGH",
                   help="bounds a range moves within, e.g. lighting.ambient=0.2:2 (repeatable)")
    p.add_argument("--only", action="append", metavar="PATH",
                   help="tune only this range (repeatable; default: every active range)")
    p.add_argument("--expand", type=float,
                   help="ranges without --search move within their bounds widened this many "
                        "times, clipped to the field's limits (default 1)")
    p.add_argument("--holdout", type=float,
                   help="fraction of each real class held out of the search and used only for "
                        "the before/after comparison (default 0.5)")
    p.add_argument("--holdout-seed", type=int, help="seed of the hold-out split (default 0)")
    p.add_argument("--rungs", type=_counts, metavar="N1,N2",
                   help="cheaper image counts a trial is scored on first, e.g. 250,500 with "
                        "-n 1000 (multi-fidelity; unpromising trials stop early)")
    p.add_argument("--pruner", choices=("successive_halving", "hyperband", "median", "none"),
                   help="what stops trials at a rung (default successive_halving)")
    p.add_argument("--confirm", type=_counts, metavar="TOP[,SEEDS]",
                   help="before picking, render the TOP best trials and the original ranges "
                        "again on SEEDS more seeds (default 2) and pick the best mean on the "
                        "tuning part that beats the original ranges beyond the noise "
                        "(--confirm-margin), e.g. --confirm 3 (the best of many noisy trials is "
                        "mostly the luckiest)")
    p.add_argument("--confirm-margin", type=float, metavar="SE",
                   help="with --confirm: a trial replaces the original ranges only when its "
                        "per-seed lead over them exceeds SE standard errors (default 1; 0 picks "
                        "the best mean; alone it implies --confirm 3)")
    p.add_argument("--penalty", action="append", default=[], metavar="METRIC=WEIGHT",
                   help="add WEIGHT x METRIC to the objective, e.g. c2st_auc=0.1 (repeatable)")
    add_experiment_arguments(p)
    p.set_defaults(run=run)


def _counts(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected image counts like 250,500") from None


def _confirm(counts: list[int] | None, margin: float | None) -> dict[str, float] | None:
    margins = {} if margin is None else {"margin": margin}
    if counts is None:
        return margins or None
    if len(counts) not in (1, 2):
        raise ValueError(f"--confirm: expected TOP or TOP,SEEDS, got {counts}")
    return {"top": counts[0], **({"seeds": counts[1]} if len(counts) == 2 else {}), **margins}


def _objective(args: argparse.Namespace) -> dict[str, object] | None:
    from renderer.experiments.options import parse_assignments

    if not args.penalty:
        return None if args.objective is None else {"metric": args.objective}
    penalty = parse_assignments(args.penalty, "--penalty")
    return {"metric": args.objective or "kid", "penalty": penalty}


def run(args: argparse.Namespace) -> int:
    from renderer.experiments.options import build_experiment, parse_bounds
    from renderer.experiments.table import interval_text, metric
    from renderer.experiments.tuning import run_tuning

    if args.budget < 1:
        raise ValueError("--budget must be >= 1")
    changes = {**experiment_changes(args), "real": args.real, "objective": _objective(args),
               "search": parse_bounds(args.search) or None, "tune": args.only,
               "expand": args.expand, "holdout": args.holdout, "holdout_seed": args.holdout_seed,
               "rungs": args.rungs, "pruner": args.pruner,
               "confirm": _confirm(args.confirm, args.confirm_margin)}
    experiment = build_experiment(args.spec, changes)
    out = args.out or Path("out") / f"tune-{experiment.spec.stem}"
    if not args.verbose:
        import optuna

        optuna.logging.set_verbosity(logging.WARNING)  # its per-trial INFO lines
    # the budget's trials, then the original and tuned specs on held-out images
    confirm = experiment.confirm
    rescored = 0 if confirm is None else (confirm.top + 1) * confirm.seeds
    progress = trial_printer(args.budget + rescored + 2, experiment.objective.metric, args.quiet)
    result = run_tuning(experiment, out, budget=args.budget, workers=args.workers,
                        progress=progress)
    key = result.objective
    tuned = ("the search kept the original ranges" if result.after is result.before
             else f"tuned {interval_text(*metric(result.after, key))}")
    print(f"{len(result.trials)} trials completed, {result.pruned} pruned; {key} on the held-out "
          f"real part ({len(result.split.held_out)} images the search never read): original "
          f"{interval_text(*metric(result.before, key))}, {tuned}")
    print(f"tuned spec: {out / 'tuned.yaml'}; before/after: {out / 'comparison.md'}")
    return 0
