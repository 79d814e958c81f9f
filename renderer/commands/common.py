"""Arguments and helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from renderer.spec.scene import SceneSpec


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    """SPEC, ``--set`` overrides and asset-path permissions."""
    parser.add_argument("spec", type=Path, help="scene spec (YAML)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="PATH=VALUE",
                        help="override a spec field, e.g. --set objects[0].count=[1,3] "
                             "(repeatable; the spec is validated again)")
    parser.add_argument("--asset-root", action="append", type=Path, default=[], metavar="DIR",
                        help="also allow assets from DIR")
    parser.add_argument("--allow-any-path", action="store_true",
                        help="allow asset paths outside the spec's folder and the asset roots")
    parser.add_argument("--skip-bad-assets", action="store_true",
                        help="leave unusable asset files (corrupt, truncated, wrong mode, font "
                             "without a glyph...) out of their pool with a warning instead of "
                             "failing; the manifest lists them")


def spec_from_args(args: argparse.Namespace) -> SceneSpec:
    """Load the spec named by the arguments."""
    from renderer.scene_context import SceneContext
    from renderer.spec.load import load_spec

    ctx = SceneContext(extra_roots=tuple(args.asset_root), allow_any_path=args.allow_any_path,
                       skip_bad_assets=args.skip_bad_assets)
    return load_spec(args.spec, args.overrides, ctx)
