"""Sim-to-real check of the traffic-sign scene: train on rendered signs only, test on real GTSRB.

Renders N signs from a scene spec (default ``scenes/signs.yaml``) in a pool of worker processes,
trains a small CNN on the CPU for a fixed schedule and reports overall and per-class accuracy on
the real GTSRB test subset. No real image is used for training or model selection: the number of
epochs is fixed and the last model is the one scored.

    python tools/signs_check.py [--n 20000] [--epochs 6] [--seed 0] [--set PATH=VALUE ...]

About 8 minutes on one busy CPU core (rendering uses ``--workers`` processes, training one
thread). The real set is read from ``../shared/data/gtsrb-test-32px-subset`` beside the repository unless
``--real`` says otherwise. ``--cache DIR`` keeps rendered sets (keyed by spec hash, seed and N) so
that training-only variations do not render again. ``--errors PNG`` draws the misclassified
real images; ``--crop LO HI`` emulates a GTSRB-style crop-to-sign step (see
``render_gtsrb_crop``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

import check_training  # noqa: E402
from check_training import (  # noqa: E402
    confusion_summary,
    finish_report,
    init_weights,
    score_tuning_trial,
    train_classifier,
)

from renderer.datasets.gtsrb import N_CLASSES, load_gtsrb  # noqa: E402
from renderer.effects import apply_effect  # noqa: E402
from renderer.evaluate.evalset import EvalSet  # noqa: E402
from renderer.experiments.holdout import holdout_indices  # noqa: E402
from renderer.plan import sample_plan  # noqa: E402
from renderer.render import render_plan, render_sample  # noqa: E402
from renderer.rng import stream  # noqa: E402
from renderer.spec.load import load_spec  # noqa: E402
from renderer.spec.scene import SceneSpec  # noqa: E402

DEFAULT_REAL = ROOT.parent / "shared" / "data" / "gtsrb-test-32px-subset"
DEFAULT_SPEC = ROOT / "scenes" / "signs.yaml"
SIZE = 32
# The README table's recipe: this tool's command-line defaults, its synth-tune task's and the
# real-data table's (tools/real_data_table.py).
RECIPE: dict[str, Any] = {"n": 20000, "epochs": 6, "batch": 128, "lr": 3e-3, "width": 16,
                          "shift": 2, "seed": 0, "workers": 2}

_worker_spec: SceneSpec | None = None
_worker_crop: tuple[float, float] | None = None


def _init_worker(spec_path: str, overrides: list[str], crop: tuple[float, float] | None) -> None:
    global _worker_spec, _worker_crop
    cv2.setNumThreads(1)
    _worker_spec = load_spec(Path(spec_path), overrides=overrides)
    _worker_crop = crop


def render_gtsrb_crop(spec: SceneSpec, seed: int, index: int,
                      fill: tuple[float, float]) -> tuple[np.ndarray, int | None]:
    """Render like GTSRB was made: crop the sign's box plus a margin, resize, then the camera.

    Emulates a core ``classification.center: box`` mode (see the report): the scene is drawn
    without its effects on a larger canvas, the labeled sign's amodal box is stretched to
    ``fill`` (drawn uniform in the range, fraction of the 32 px side) non-uniformly, as GTSRB's
    ``cv2.resize`` of ROI-plus-border crops did, and the plan's effects run on the 32x32 result.
    """
    plan = sample_plan(spec, seed, index)
    bare = replace(plan, effects=tuple({**e, "applied": False} for e in plan.effects))
    sample = render_plan(bare, spec)
    signs = [o for o in sample.objects if o.class_name is not None]
    if not signs:
        return np.zeros((SIZE, SIZE, 3), np.uint8), None
    x0, y0, x1, y1 = signs[0].amodal_bbox
    rng = stream(seed, index, "gtsrb_crop")
    frac = float(rng.uniform(*fill))
    sx = SIZE * frac * float(rng.uniform(0.97, 1.03)) / (x1 - x0)
    sy = SIZE * frac * float(rng.uniform(0.97, 1.03)) / (y1 - y0)
    cx = SIZE * float(rng.uniform(0.49, 0.53))
    cy = SIZE * float(rng.uniform(0.49, 0.53))
    affine = np.array([[sx, 0, cx - sx * (x0 + x1) / 2], [0, sy, cy - sy * (y0 + y1) / 2]])
    image = sample.image
    if min(sx, sy) < 1:  # low-pass before shrinking, as an area filter would
        image = cv2.GaussianBlur(image, (0, 0), 0.5 / sx, sigmaY=0.5 / sy)
    image = cv2.warpAffine(image, affine, (SIZE, SIZE), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REFLECT)
    for effect in plan.effects:
        image = apply_effect(image, effect)
    return image, sample.label


def _render_chunk(job: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Render indices [start, stop); a sample whose sign could not be placed gets label -1."""
    seed, start, stop = job
    if _worker_spec is None:
        raise RuntimeError("render worker used before its initialiser ran")
    images = np.empty((stop - start, SIZE, SIZE, 3), np.uint8)
    labels = np.empty(stop - start, np.int64)
    for k, index in enumerate(range(start, stop)):
        if _worker_crop is not None:
            image, label = render_gtsrb_crop(_worker_spec, seed, index, _worker_crop)
        else:
            sample = render_sample(_worker_spec, seed, index)
            image, label = sample.image, sample.label
            if image.shape[:2] != (SIZE, SIZE):  # a larger canvas is shrunk as a whole
                image = cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
        images[k] = image
        labels[k] = -1 if label is None else label
    return images, labels


def render_signs(spec_path: Path, overrides: list[str], n: int, seed: int, workers: int,
                 cache: Path | None, crop: tuple[float, float] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rendered signs (n, 32, 32, 3) uint8 RGB and their class indices."""
    spec = load_spec(spec_path, overrides=overrides)
    tag = f"-crop{crop[0]:g}-{crop[1]:g}" if crop else ""
    cached = cache / f"signs-{spec.spec_hash()[:16]}{tag}-s{seed}-n{n}.npz" if cache else None
    if cached is not None and cached.is_file():
        data = np.load(cached)
        return data["images"], data["labels"]
    chunk = 500
    jobs = [(seed, start, min(start + chunk, n)) for start in range(0, n, chunk)]
    with get_context("fork").Pool(workers, _init_worker, (str(spec_path), overrides, crop)) as pool:
        parts = pool.map(_render_chunk, jobs)
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    placed = labels >= 0
    if not placed.all():
        print(f"  {int((~placed).sum())} of {n} samples have no sign (placement failed): dropped")
        images, labels = images[placed], labels[placed]
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cached, images=images, labels=labels)
    return images, labels


def load_real(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The real GTSRB images resized to 32x32 RGB (n, 32, 32, 3) and their class ids."""
    ds = load_gtsrb(folder)
    images, labels = [], []
    for sample in ds:
        image = sample.image
        if image.shape[:2] != (SIZE, SIZE):
            image = cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
        images.append(image)
        labels.append(sample.label)
    return np.stack(images), np.asarray(labels, np.int64)


class Standardise(nn.Module):
    """Per-image zero mean, unit variance: removes global exposure and contrast (train and test)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True)
        return (x - mean) / (std + 0.02)


def small_cnn(generator: torch.Generator, width: int = 16) -> nn.Module:
    """Three conv blocks and a linear head, initialised from ``generator`` (global RNG untouched)."""
    def block(cin: int, cout: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    w = width
    model = nn.Sequential(Standardise(),
                          *block(3, w), *block(w, w), nn.MaxPool2d(2),
                          *block(w, 2 * w), *block(2 * w, 2 * w), nn.MaxPool2d(2),
                          *block(2 * w, 4 * w), *block(4 * w, 4 * w), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * w * 16, 256), nn.BatchNorm1d(256), nn.ReLU(),
                          nn.Linear(256, N_CLASSES))
    init_weights(model, generator)
    return model


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (n, 32, 32, 3) -> float (n, 3, 32, 32) in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255)


def shift_batch(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Random translation by up to ``max_shift`` px (replicate padding, then a random crop)."""
    if max_shift == 0:
        return x
    padded = nn.functional.pad(x, (max_shift,) * 4, mode="replicate")
    offsets = torch.randint(0, 2 * max_shift + 1, (len(x), 2), generator=generator)
    return torch.stack([padded[i, :, dy:dy + SIZE, dx:dx + SIZE]
                        for i, (dy, dx) in enumerate(offsets.tolist())])


def train(model: nn.Module, images: np.ndarray, labels: np.ndarray, epochs: int, batch: int,
          lr: float, max_shift: int, generator: torch.Generator, verbose: bool = True) -> None:
    """The shared training loop with this tool's settings: random shifts, stronger regularisation."""
    train_classifier(model, to_tensor(images), torch.from_numpy(labels), epochs=epochs,
                     batch=batch, lr=lr, weight_decay=5e-4, label_smoothing=0.1,
                     generator=generator, augment=lambda x: shift_batch(x, max_shift, generator),
                     verbose=verbose)


def predict(model: nn.Module, images: np.ndarray) -> np.ndarray:
    """Predicted class of each image."""
    return check_training.predict(model, to_tensor(images), chunk=500)


def train_and_predict(images: np.ndarray, labels: np.ndarray, test: np.ndarray, epochs: int, *,
                      batch: int, lr: float, width: int, shift: int, seed: int,
                      verbose: bool = True) -> np.ndarray:
    """This tool's recipe in one call (settings as in ``RECIPE``): a seeded CNN trained on
    ``images`` (n, 32, 32, 3 uint8 RGB), then its predicted class of each ``test`` image."""
    generator = torch.Generator().manual_seed(seed)
    model = small_cnn(generator, width)
    train(model, images, labels, epochs, batch, lr, shift, generator, verbose=verbose)
    return predict(model, test)


def tune_task(synthetic: EvalSet, real: EvalSet, options: dict[str, object]) -> dict[str, list]:
    """``synth tune`` task objective: this tool's recipe trained on the trial's rendered signs and
    scored on the real images it is given (the tuning part only).

    Experiment file: ``task: {kind: "signs_check:tune_task", epochs: 4}`` (with ``tools/`` on
    ``PYTHONPATH``); options ``epochs``, ``batch``, ``lr``, ``width``, ``shift``, ``seed`` default to
    this tool's.
    """
    recipe = {**RECIPE, **options}

    def stack(images: list[np.ndarray]) -> np.ndarray:
        return np.stack([im if im.shape[:2] == (SIZE, SIZE)
                         else cv2.resize(im, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
                         for im in images])

    def fit_predict(images: list[np.ndarray], labels: np.ndarray,
                    real_images: list[np.ndarray]) -> np.ndarray:
        return train_and_predict(stack(images), labels, stack(real_images), int(recipe["epochs"]),
                                 batch=int(recipe["batch"]), lr=float(recipe["lr"]),
                                 width=int(recipe["width"]), shift=int(recipe["shift"]),
                                 seed=int(recipe["seed"]), verbose=False)

    return score_tuning_trial(synthetic, real, fit_predict, int(recipe["seed"]))


def score(predicted: np.ndarray, labels: np.ndarray) -> dict[str, object]:
    """Overall and per-class accuracy and the largest confusions (printed and returned)."""
    result = confusion_summary(predicted, labels, N_CLASSES, top=10)
    per_class = result["per_class"]
    print(f"real GTSRB: accuracy {result['accuracy']:.4f} on {len(labels)} images")
    for row in range(0, N_CLASSES, 11):
        print("  " + "  ".join(f"{k:02d}:{per_class[k]:.2f}"
                               for k in range(row, min(row + 11, N_CLASSES))))
    print("  top confusions (true->predicted: count): "
          + ", ".join(f"{t}->{p}: {c}" for t, p, c in result["confusions"]))
    return result


def save_grid(images: np.ndarray, path: Path, count: int = 144, cols: int = 12,
              captions: list[str] | None = None) -> None:
    """The first ``count`` images enlarged 3x in a grid, optionally captioned."""
    tiles = [cv2.resize(im, (96, 96), interpolation=cv2.INTER_NEAREST) for im in images[:count]]
    for tile, text in zip(tiles, captions or [], strict=False):
        cv2.putText(tile, text, (2, 92), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 3)
        cv2.putText(tile, text, (2, 92), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1)
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % cols)
    rows = [np.hstack(tiles[r:r + cols]) for r in range(0, len(tiles), cols)]
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="PATH=VALUE", help="override a spec field (repeatable)")
    parser.add_argument("--n", type=int, default=RECIPE["n"], help="rendered training signs")
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--batch", type=int, default=RECIPE["batch"])
    parser.add_argument("--lr", type=float, default=RECIPE["lr"])
    parser.add_argument("--width", type=int, default=RECIPE["width"],
                        help="channels of the first conv block")
    parser.add_argument("--shift", type=int, default=RECIPE["shift"],
                        help="train-time translation, pixels")
    parser.add_argument("--seed", type=int, default=RECIPE["seed"])
    parser.add_argument("--workers", type=int, default=RECIPE["workers"], help="render processes")
    parser.add_argument("--threads", type=int, default=1, choices=(1, 2))
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL)
    parser.add_argument("--cache", type=Path, help="keep rendered sets here")
    parser.add_argument("--crop", type=float, nargs=2, metavar=("LO", "HI"),
                        help="GTSRB-style crop: render on the spec's (larger) canvas, stretch the "
                             "sign's box to LO..HI of the frame, then apply the effects")
    parser.add_argument("--grid", type=Path, help="write a PNG grid of rendered samples here")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--errors", type=Path,
                        help="write a PNG grid of the tuning half's misclassified real images "
                             "(true>predicted)")
    args = parser.parse_args(argv)
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    if not (args.real / "GT-final_test.subset.csv").is_file() and not args.real.is_dir():
        parser.error(f"real GTSRB set not found at {args.real} (use --real)")
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)
    started = time.perf_counter()
    images, labels = render_signs(args.spec, args.overrides, args.n, args.seed, args.workers,
                                  args.cache, tuple(args.crop) if args.crop else None)
    render_s = time.perf_counter() - started
    print(f"rendered {len(images)} signs in {render_s:.1f} s", flush=True)
    if args.grid:
        save_grid(images, args.grid)
    real, real_labels = load_real(args.real)
    train_started = time.perf_counter()
    predicted = train_and_predict(images, labels, real, args.epochs, batch=args.batch, lr=args.lr,
                                  width=args.width, shift=args.shift, seed=args.seed)
    train_s = time.perf_counter() - train_started
    print(f"trained and scored in {train_s:.1f} s ({args.threads} thread(s))", flush=True)
    report: dict[str, object] = {"n": len(images), "epochs": args.epochs, "seed": args.seed,
                                 "spec": str(args.spec), "overrides": args.overrides,
                                 "render_s": render_s, "train_s": train_s,
                                 "gtsrb": score(predicted, real_labels)}
    # the halves of the README real-data table (and synth tune's default split): spec work
    # reads the tuning half's confusions, the held-out half is the figure that is reported
    tuning, held_out = holdout_indices(real_labels, len(real_labels), 0.5, seed=0)
    print("tuning half of the real-data table's split:")
    report["tuning_half"] = score(predicted[tuning], real_labels[tuning])
    print("held-out half of the real-data table's split:")
    report["held_out_half"] = score(predicted[held_out], real_labels[held_out])
    if args.errors:  # the tuning half's only: what spec work may look at
        wrong = tuning[predicted[tuning] != real_labels[tuning]]
        save_grid(real[wrong], args.errors, count=len(wrong), cols=16,
                  captions=[f"{real_labels[i]}>{predicted[i]}" for i in wrong])
    return finish_report(report, started, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
