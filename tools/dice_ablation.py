"""A short ablation of the dice scene: materials, surfaces, lighting, camera tilt, distractors and
camera effects switched off or narrowed one at a time, each variant's renders compared with the
real dice photos by KID and C2ST AUC (``renderer.evaluate`` defaults, one thread).

Every variant renders the same indices of the same seed, so image ``i`` of two variants differs
only in what the variant changed. KID on whole photos measures the look of the frame (surface,
light, noise, colours), not whether a detector reads pips; ``tools/dice_check.py --set ...``
gives a variant's detection figure (40+ minutes each on 2 CPU cores).

    python tools/dice_ablation.py [--n 200] [--real ../shared/data/dice-dev] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from renderer.datasets import load, to_eval_set  # noqa: E402
from renderer.evaluate import EvalConfig, EvalSet, run_evaluation  # noqa: E402
from renderer.render import render_sample  # noqa: E402
from renderer.spec.load import load_spec  # noqa: E402

SPEC = ROOT / "scenes" / "dice.yaml"
DICE_LAYERS, DISTRACTOR_LAYERS = (0, 1, 2), (3, 4, 5)
VARIANTS = {
    "full scene": [],
    "materials: opaque, no marble, white pips": [
        s for i in DICE_LAYERS for s in (f"objects[{i}].asset.material.marble=0",
                                         f"objects[{i}].asset.material.translucency=0",
                                         f"objects[{i}].asset.material.pip_color={{rgb: [245, 245, 245]}}")],
    "surfaces: plain board only": [f"background.options[{k}].weight=0" for k in (1, 2, 3)],
    "surfaces: no tray": ["background.options[3].weight=0"],
    "lighting: no key light (no shadows, no highlights)": ["lighting.directional.p=0"],
    "camera: straight down only": ["camera.elevation=90"],
    "distractors: none": [f"objects[{i}].count=0" for i in DISTRACTOR_LAYERS],
    "camera effects: none (no blur, exposure, noise, JPEG)": ["effects=[]"],
}


def rendered_set(overrides: list[str], n: int, seed: int) -> EvalSet:
    """``n`` renders of the dice scene with ``overrides`` (one class: any die)."""
    spec = load_spec(SPEC, overrides=overrides)
    images = [render_sample(spec, seed, i).image for i in range(n)]
    return EvalSet(images, np.zeros(n, np.int64), ("die",), None,
                   tuple(f"syn{i:06d}" for i in range(n)), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="renders per variant")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "data" / "dice-dev")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    real = to_eval_set(load(args.real))
    real = EvalSet(real.images, np.zeros(len(real), np.int64), ("die",), None, real.names, None)
    config = EvalConfig(device="cpu", threads=1, task=None, image_stats=False)
    rows = {}
    for name, overrides in VARIANTS.items():
        start = time.perf_counter()
        result = run_evaluation(rendered_set(overrides, args.n, args.seed), real, config)
        rows[name] = {"overrides": overrides, "kid": result["kid"], "c2st_auc": result["c2st"],
                      "seconds": round(time.perf_counter() - start, 1)}
        kid, auc = result["kid"], result["c2st"]
        print(f"{name}: KID {kid['value']:.4f} [{kid['ci_low']:.4f}, {kid['ci_high']:.4f}], "
              f"C2ST AUC {auc['value']:.3f} [{auc['ci_low']:.3f}, {auc['ci_high']:.3f}]", flush=True)
    if args.out is not None:
        keep = ("value", "ci_low", "ci_high")
        args.out.write_text(json.dumps(
            {k: {**v, "kid": {m: v["kid"][m] for m in keep},
                 "c2st_auc": {m: v["c2st_auc"][m] for m in keep}} for k, v in rows.items()},
            indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
