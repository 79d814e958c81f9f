"""``synth preview SPEC -n 16 -o grid.png``: a contact sheet with the labels drawn."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from renderer.commands.common import add_spec_arguments, spec_from_args


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("preview", help="write a contact sheet with labels drawn")
    add_spec_arguments(p)
    p.add_argument("-o", "--out", type=Path, default=Path("preview.png"), help="PNG to write")
    p.add_argument("-n", type=int, default=16, help="number of samples (default 16)")
    p.add_argument("--start", type=int, default=0, help="first index")
    p.add_argument("--seed", type=int, help="run seed (default: the spec's seed)")
    p.add_argument("--tile", type=int, default=320, help="tile size in pixels")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from renderer.asset_pools import bad_assets, warn_skipped
    from renderer.io import OutputError, encode_image, write_bytes_atomic
    from renderer.preview import contact_sheet
    from renderer.render import render_sample

    if not 1 <= args.n <= 1024 or not 32 <= args.tile <= 2048:
        raise ValueError("-n must be in 1..1024 and --tile in 32..2048")
    spec = spec_from_args(args)
    warn_skipped(bad_assets(spec, spec.context))
    seed = spec.seed if args.seed is None else args.seed
    samples = [render_sample(spec, seed, i) for i in range(args.start, args.start + args.n)]
    sheet = contact_sheet(samples, columns=math.ceil(math.sqrt(args.n)), tile=args.tile)
    try:
        write_bytes_atomic(args.out, encode_image(sheet, "png", png_compression=3))
    except OSError as exc:
        raise OutputError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    objects = sum(len(s.objects) for s in samples)
    print(f"wrote {args.out} ({args.n} samples, {objects} labeled objects)")
    return 0
