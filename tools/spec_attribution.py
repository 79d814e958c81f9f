"""Which changes of a scene spec moved the domain classifier and the KID, on a held-out real half.

A spec changed by hand in several places at once (or a tuned one) is scored beside variants of
itself, each a list of ``--set`` overrides that takes one change back, against the held-out half
of the real set (the README real-data table's split: stratified by class, seed 0): C2ST AUC and
KID with 95% intervals, and the low-level statistics. The task score is left out: it needs a
training run per variant (``tools/signs_check.py --set ...`` trains one).

    python tools/spec_attribution.py scenes/signs.yaml experiments/signs-changes.yaml \\
        --real ../shared/data/gtsrb-test-32px-subset [--n 5000] [--workers 2] [--json FILE]

The variants file maps a label to its overrides (``[]`` for the spec as it is)::

    as it is: []
    without street backgrounds: ["background.options[5].weight=0"]

About 7.5 s per variant on 2 CPU cores for 1,000 32x32 renders against 1,290 real images.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from tuning_attribution import add_scoring_args, score_variants  # noqa: E402

from renderer.datasets import load, to_eval_set  # noqa: E402
from renderer.experiments.holdout import split_real  # noqa: E402


def read_variants(path: Path) -> dict[str, list[str]]:
    """Label -> overrides, checked: a mapping of lists of ``PATH=VALUE`` strings."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
            isinstance(v, list) and all(isinstance(s, str) and "=" in s for s in v)
            for v in data.values()):
        raise SystemExit(f"{path}: expected a mapping of label -> list of PATH=VALUE overrides")
    return {str(label): overrides for label, overrides in data.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", type=Path, help="the scene spec the variants change")
    parser.add_argument("variants", type=Path, help="YAML: label -> list of PATH=VALUE overrides")
    parser.add_argument("--real", type=Path, required=True, help="the real set (labelled)")
    add_scoring_args(parser)
    args = parser.parse_args(argv)
    variants = read_variants(args.variants)
    real = split_real(to_eval_set(load(args.real)), 0.5, seed=0).held_out
    print(f"held-out real half: {len(real)} images; {args.n} renders per variant, seed {args.seed}")
    rows = score_variants(args.spec, list(variants.items()), real, args.n, args.seed, args.workers)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
