"""``synth render SPEC -n N -o OUT``: render a labeled dataset to disk."""

from __future__ import annotations

import argparse
import json
import os
import sys

from renderer.commands.common import add_spec_arguments, spec_from_args


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a dataset to disk")
    add_spec_arguments(p)
    p.add_argument("-o", "--out", required=True, metavar="DEST",
                   help="output folder: a path or file:// URL (with Ray: shared by every node)")
    p.add_argument("-n", type=int, default=100, help="number of images (default 100)")
    p.add_argument("--index", type=int, action="append", metavar="I",
                   help="render only sample I (repeatable): the same bytes as in a full run")
    p.add_argument("--start", type=int, default=0, help="first index (default 0)")
    p.add_argument("--seed", type=int, help="run seed (default: the spec's seed)")
    p.add_argument("--format", default="coco",
                   choices=["coco", "yolo", "imagefolder", "webdataset", "bop"], help="dataset layout")
    p.add_argument("--image-format", choices=["jpg", "png"], help="override output.image_format")
    p.add_argument("--yolo-mode", choices=["boxes", "polygons"], default="boxes",
                   help="YOLO labels: boxes (detect) or polygons (segment)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes, or CPUs of a new local Ray (default: all cores)")
    p.add_argument("--shard-size", type=int,
                   help="images per shard (default: N/64, at most 1000; WebDataset: images per "
                        "tar, default 1000)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in OUT")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run in OUT")
    p.add_argument("--backend", choices=["local", "ray"], default="local",
                   help="local processes (default) or Ray tasks; both write the same files")
    p.add_argument("--address", help="Ray cluster to join: auto or HOST:PORT (default: "
                                     "$RAY_ADDRESS, else a local Ray with --workers CPUs)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from renderer.run import RunConfig, destination_path, manifest_summary, run_dataset

    if args.image_format:
        args.overrides.append(f"output.image_format={args.image_format}")
    spec = spec_from_args(args)
    if args.n < 0 or (args.shard_size is not None and args.shard_size < 1):
        raise ValueError("-n must be >= 0 and --shard-size >= 1")
    if args.format == "bop" and not any(layer.is_mesh for layer in spec.objects):
        raise ValueError("--format bop needs 3D objects: a layer with asset kind mesh")
    if args.index and any(i < 0 for i in args.index):
        raise ValueError("--index must be >= 0")
    indices = tuple(sorted(set(args.index))) if args.index else None
    total = len(indices) if indices is not None else args.n
    out = destination_path(args.out)
    config = RunConfig(
        out=out, n=args.n, seed=spec.seed if args.seed is None else args.seed,
        format=args.format, start=args.start, indices=indices, workers=args.workers,
        shard_size=args.shard_size, resume=args.resume, overwrite=args.overwrite,
        backend=args.backend, address=args.address, options={"yolo_mode": args.yolo_mode},
    )
    with tqdm(total=total, unit="img", disable=args.quiet, file=sys.stderr,
              dynamic_ncols=True) as bar:
        manifest = run_dataset(spec, config, progress=bar.update)
    summary = manifest_summary(manifest)
    counts = summary["counts"]
    print(f"wrote {counts['images']} images ({counts['objects']} labeled objects, "
          f"{counts['classes']} classes) as {args.format} to {out} "
          f"in {summary['elapsed_s']:.1f} s")
    print(f"manifest: {out / 'manifest.json'}")
    if args.verbose:
        print(json.dumps(summary, indent=2))
    return 0
