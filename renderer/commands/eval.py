"""``synth eval --synthetic S --real R -o report/``: measure the sim-to-real gap.

The synthetic side is a rendered dataset folder, or a scene spec rendered on the fly (``-n``).
Writes ``report.json`` (every number) and a self-contained ``index.html``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from renderer.commands.failures import EXIT_FAILURE

SPEC_SUFFIXES = (".yaml", ".yml")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="measure the gap between a synthetic and a real image set")
    p.add_argument("--synthetic", type=Path, required=True,
                   help="rendered dataset folder, or a scene spec (.yaml) rendered on the fly")
    p.add_argument("--real", type=Path, required=True,
                   help="real set: COCO, YOLO, ImageFolder, MNIST idx folder, GTSRB folder")
    p.add_argument("-o", "--out", type=Path, default=Path("report"), help="report folder")
    p.add_argument("-n", type=int, default=2000, help="images to render when --synthetic is a spec")
    p.add_argument("--seed", type=int, help="render seed (default: the spec's) and evaluation seed")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a field of the synthetic spec")
    p.add_argument("--max-images", type=int, help="cap per side (a seeded random subset)")
    p.add_argument("--extractor", default="randfeat",
                   help="feature extractor: randfeat (weight-free, offline), inception, resnet50")
    p.add_argument("--weights", type=Path, help="weights file of a pretrained extractor")
    p.add_argument("--no-tstr", action="store_true", help="skip train-on-synthetic/test-on-real")
    p.add_argument("--epochs", type=int, help="TSTR training epochs")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="processes that render a spec")
    p.add_argument("--fail-above", metavar="METRIC=VALUE[,...]",
                   help="exit 1 when a metric exceeds its limit, e.g. kid=0.05,c2st_auc=0.8")
    p.add_argument("--on-error", choices=["stop", "skip"], default="stop",
                   help="a malformed item of a dataset folder (undecodable image, bad annotation "
                        "or label line): stop with its file and line/field (default), or skip "
                        "it with a warning and count it in the report")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(run=run)


def _synthetic_set(args: argparse.Namespace, seed: int | None) -> Any:
    from renderer.datasets import load, to_eval_set
    from renderer.experiments.pool import ExperimentPool
    from renderer.rendered_sets import render_evalset
    from renderer.spec.load import load_spec

    if args.synthetic.suffix.lower() in SPEC_SUFFIXES and args.synthetic.is_file():
        spec = load_spec(args.synthetic, args.overrides)
        with ExperimentPool(args.workers) as pool:
            return render_evalset(spec, spec.seed if seed is None else seed, args.n, pool)
    if args.overrides:
        raise ValueError("--set applies only when --synthetic is a spec")
    return to_eval_set(load(args.synthetic, on_error=args.on_error), on_error=args.on_error)


def headline_numbers(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{metric: {value, ci_low, ci_high}}`` of the headline metrics present in a result."""
    picks = {"fid": result.get("fid"), "kid": result.get("kid"), "c2st_auc": result.get("c2st")}
    for name in ("precision", "recall", "density", "coverage"):
        picks[name] = (result.get("prdc") or {}).get(name)
    task = result.get("tstr") or {}
    picks.update(tstr_accuracy=task.get("tstr"), trtr_accuracy=task.get("trtr"),
                 tstr_gap=task.get("gap"))
    return {name: {k: r.get(k) for k in ("value", "ci_low", "ci_high")}
            for name, r in picks.items() if isinstance(r, dict) and r.get("value") is not None}


def run(args: argparse.Namespace) -> int:
    from renderer.datasets import load, to_eval_set
    from renderer.io import OutputError

    # Annotations are checked before the evaluation stack (torch) is imported: seconds sooner.
    real_data = load(args.real, on_error=args.on_error)
    try:  # an unusable report folder fails now, not after a long evaluation
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the report folder {args.out}: {exc.strerror or exc}"
                          ) from None
    from renderer.evaluate.config import EvalConfig
    from renderer.evaluate.engine import run_evaluation
    from renderer.evaluate.gates import check_gates, parse_fail_above

    gates = parse_fail_above(args.fail_above) if args.fail_above else {}
    config = EvalConfig(extractor=args.extractor, weights=args.weights,
                        max_images=args.max_images, seed=args.seed or 0)
    if args.no_tstr:
        config = replace(config, task=None)
    elif args.epochs is not None and config.task is not None:
        config = replace(config, task=replace(config.task, epochs=args.epochs))
    synthetic = _synthetic_set(args, args.seed)
    real = to_eval_set(real_data, on_error=args.on_error)
    result = run_evaluation(synthetic, real, config)
    from renderer.evaluate.report import write_report

    try:
        json_path, html_path = write_report(result, synthetic, real, args.out)
    except OSError as exc:
        raise OutputError(f"cannot write the report to {args.out}: {exc.strerror or exc}") from None
    headline = headline_numbers(result)
    if args.json:
        print(json.dumps(headline, indent=2))
    else:
        for name, r in headline.items():
            interval = ("" if r["ci_low"] is None or r["ci_high"] is None
                        else f"  [{r['ci_low']:.4g}, {r['ci_high']:.4g}]")
            print(f"{name:>14}: {r['value']:.4g}{interval}")
        skipped = {side: entry["count"] for side, entry in result["skipped"].items() if entry["count"]}
        if skipped:
            print("skipped: " + ", ".join(f"{n} {side}" for side, n in skipped.items())
                  + " malformed items (listed in the report)")
        print(f"report: {html_path} (numbers in {json_path})")
    failed = check_gates(result, gates)
    for message in failed:
        print(f"synth: gate failed: {message}", file=sys.stderr)
    return EXIT_FAILURE if failed else 0
