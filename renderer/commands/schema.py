"""``synth schema``: print the spec's JSON Schema (for editor completion and validation)."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the scene spec's JSON Schema")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from renderer.spec.scene import SceneSpec

    print(json.dumps(SceneSpec.model_json_schema(), indent=2))
    return 0
