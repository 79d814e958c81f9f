"""``synth ablate SPEC --real REAL``: each randomizer off in turn, ranked by its part in the gap."""

from __future__ import annotations

import argparse
from pathlib import Path

from renderer.commands.sweep import add_experiment_arguments, experiment_changes, trial_printer


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ablate", help="turn each randomizer off in turn and rank its effect on "
                                      "the gap to a real set")
    p.add_argument("spec", type=Path, help="scene spec, or an experiment file")
    p.add_argument("--real", help="real set (any format 'synth' reads)")
    p.add_argument("-o", "--out", type=Path,
                   help="output folder (default: out/ablate-<spec name>; rerun to resume)")
    p.add_argument("--objective", help="metric of the gap (default kid), e.g. c2st_auc, "
                                       "tstr_error, brightness_w1")
    p.add_argument("--group", choices=["field", "block"], default="field",
                   help="one variant per randomized field (default) or per spec block")
    p.add_argument("--no-paired", dest="paired", action="store_false",
                   help="skip the paired KID intervals (saves a feature pass per variant)")
    add_experiment_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from renderer.experiments.ablation import run_ablation
    from renderer.experiments.options import build_experiment

    experiment = build_experiment(args.spec, {**experiment_changes(args), "real": args.real,
                                              "objective": args.objective})
    out = args.out or Path("out") / f"ablate-{experiment.spec.stem}"
    progress = trial_printer(0, experiment.objective.metric, args.quiet)
    result = run_ablation(experiment, out, workers=args.workers, group=args.group,
                          paired=args.paired, progress=progress)
    print(f"{len(result.rows)} randomizers ablated ({len(result.skipped)} left out as inactive "
          f"or not applicable); contribution to the gap in {result.objective}:")
    for rank, row in enumerate(result.rows[:10], start=1):
        print(f"  {rank:2d}. {row.contribution[0]:+.4g}  {row.name} ({row.change})")
    print(f"table: {out / 'ablation.md'} and {out / 'ablation.csv'}; chart: "
          f"{out / 'ablation.png'}")
    return 0
