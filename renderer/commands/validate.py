"""``synth validate SPEC``: list every problem with its field path (exit 2), or say it is fine.

Every asset file is checked; each bad one is a line of its own (with ``--skip-bad-assets``: a
warning, and the spec is fine while every pool keeps a usable file).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from renderer.commands.common import add_spec_arguments, spec_from_args
from renderer.commands.failures import EXIT_INPUT


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a spec and its assets")
    add_spec_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from renderer.asset_pools import bad_assets, warn_skipped
    from renderer.classes import class_table
    from renderer.plan import sample_plan
    from renderer.scene_context import AssetError
    from renderer.spec.load import SpecError

    try:
        spec = spec_from_args(args)
        # Check in skip mode so that every bad file is listed, not only the first one.
        skipped = bad_assets(spec, replace(spec.context, skip_bad_assets=True))
        if skipped and not args.skip_bad_assets:
            for item in skipped:
                print(f"{args.spec}: {item.problem}", file=sys.stderr)
            return EXIT_INPUT
        warn_skipped(skipped)
        classes = class_table(spec)  # resolves every asset, font and folder
        sample_plan(spec, spec.seed, 0)
    except SpecError as exc:
        for problem in exc.problems:
            print(f"{exc.source}: {problem}", file=sys.stderr)
        return EXIT_INPUT
    except AssetError as exc:
        print(f"{args.spec}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print(f"{args.spec}: ok ({len(classes.names)} classes, {len(spec.objects)} object layers, "
          f"spec hash {spec.spec_hash()[:12]})")
    return 0
