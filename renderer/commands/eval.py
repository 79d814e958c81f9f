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

from renderer.errors import EXIT_FAILURE

SPEC_SUFFIXES = (".yaml", ".yml")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="measure the gap between a synthetic and a real image set")
    p.add_argument("--synthetic", type=Path, required=True,
                   help="rendered dataset folder, or a scene spec (.yaml) rendered on the fly")
    p.add_argument("--real", type=Path, required=True,
                   help="real set: COCO, YOLO, ImageFolder, MNIST idx folder, GTSRB or GTSDB folder")
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
    p.add_argument("--task", default="auto", metavar="KIND|YAML",
                   help="task gap: auto (detection when both sides have boxes), classification, "
                        "detection, or with settings, e.g. "
                        "'detection: {model: centernet, epochs: 10, image_size: 320}'")
    p.add_argument("--class-map", type=Path, metavar="FILE",
                   help="YAML mapping class names to categories, applied to both sides")
    p.add_argument("--detector-weights", type=Path, metavar="FILE",
                   help="backbone weights of the detection task gap's model (a state dict)")
    p.add_argument("--epochs", type=int, help="task-gap training epochs")
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


def _is_spec(path: Path) -> bool:
    return path.suffix.lower() in SPEC_SUFFIXES and path.is_file()


def _synthetic_set(args: argparse.Namespace, seed: int | None, pool: Any) -> tuple[Any, Any]:
    """The synthetic EvalSet, and the spec when it was rendered from one (else None)."""
    from renderer.datasets import load, to_eval_set
    from renderer.experiments.pool import render_evalset
    from renderer.spec.load import load_spec

    if _is_spec(args.synthetic):
        spec = load_spec(args.synthetic, args.overrides)
        return render_evalset(spec, spec.seed if seed is None else seed, args.n, pool), spec
    if args.overrides:
        raise ValueError("--set applies only when --synthetic is a spec")
    return to_eval_set(load(args.synthetic, on_error=args.on_error),
                       on_error=args.on_error), None


def _config(args: argparse.Namespace) -> Any:
    from renderer.evaluate.config import EvalConfig
    from renderer.evaluate.taskgap.common import load_class_map
    from renderer.evaluate.taskgap.options import parse_task

    config = EvalConfig(extractor=args.extractor, weights=args.weights,
                        max_images=args.max_images, seed=args.seed or 0)
    kind, classification, detection = parse_task(args.task, config.task, config.detection)
    if args.epochs is not None:
        classification = replace(classification, epochs=args.epochs)
        detection = replace(detection, epochs=args.epochs)
    if args.detector_weights is not None:
        detection = replace(detection, weights=args.detector_weights)
    class_map = load_class_map(args.class_map) if args.class_map else None
    return replace(config, task=None if args.no_tstr else classification, task_kind=kind,
                   detection=detection, class_map=class_map)


def _train_source(args: argparse.Namespace, spec: Any, seed: int | None, real: Any,
                  config: Any, pool: Any) -> Any:
    """Fresh renders per epoch for the detector, when asked for and the synthetic side is a spec."""
    per_epoch = config.detection.renders_per_epoch
    if spec is None or per_epoch is None or config.task is None:
        return None
    from renderer.evaluate.taskgap.common import apply_class_map
    from renderer.evaluate.taskgap.sources import RenderedSource

    names = apply_class_map(real, config.class_map or {}).class_names or ()
    # indices past the ones rendered for the metrics: the training renders are all new
    return RenderedSource(spec, spec.seed if seed is None else seed, per_epoch, names, pool,
                          config.class_map, first_index=args.n)


def headline_numbers(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{metric: {value, ci_low, ci_high}}`` of the headline metrics present in a result."""
    picks = {"fid": result.get("fid"), "kid": result.get("kid"), "c2st_auc": result.get("c2st")}
    for name in ("precision", "recall", "density", "coverage"):
        picks[name] = (result.get("prdc") or {}).get(name)
    task = result.get("tstr") or {}
    metric = "map50" if task.get("task") == "detection" else "accuracy"
    picks.update({f"tstr_{metric}": task.get("tstr"), f"trtr_{metric}": task.get("trtr"),
                  "tstr_gap": task.get("gap")})
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
    from renderer.commands.progress import training_progress
    from renderer.evaluate.engine import run_evaluation
    from renderer.evaluate.gates import check_gates, parse_fail_above
    from renderer.experiments.pool import ExperimentPool

    gates = parse_fail_above(args.fail_above) if args.fail_above else {}
    config = _config(args)
    with ExperimentPool(args.workers if _is_spec(args.synthetic) else 1) as pool:
        synthetic, spec = _synthetic_set(args, args.seed, pool)
        real = to_eval_set(real_data, on_error=args.on_error)
        source = _train_source(args, spec, args.seed, real, config, pool)
        result = run_evaluation(synthetic, real, config, {"train_source": source,
                                                          "progress": training_progress()})
    from renderer.evaluate.report import write_report

    try:
        json_path, html_path = write_report(result, synthetic, real, args.out)
    except OSError as exc:
        raise OutputError(f"cannot write the report to {args.out}: {exc.strerror or exc}") from None
    headline = headline_numbers(result)
    reason = (result.get("tstr") or {}).get("skipped_reason")
    if args.json:
        print(json.dumps(headline, indent=2))
        if reason:
            print(f"task gap: not run: {reason}", file=sys.stderr)
    else:
        for name, r in headline.items():
            interval = ("" if r["ci_low"] is None or r["ci_high"] is None
                        else f"  [{r['ci_low']:.4g}, {r['ci_high']:.4g}]")
            print(f"{name:>14}: {r['value']:.4g}{interval}")
        if reason:
            print(f"task gap: not run: {reason}")
        skipped = {side: entry["count"] for side, entry in result["skipped"].items() if entry["count"]}
        if skipped:
            print("skipped: " + ", ".join(f"{n} {side}" for side, n in skipped.items())
                  + " malformed items (listed in the report)")
        print(f"report: {html_path} (numbers in {json_path})")
    failed = check_gates(result, gates)
    for message in failed:
        print(f"synth: gate failed: {message}", file=sys.stderr)
    return EXIT_FAILURE if failed else 0
