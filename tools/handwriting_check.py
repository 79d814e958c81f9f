"""Sim-to-real check of a digits scene: train on what the spec renders, test on real digits.

Renders N images of a classification spec whose classes are "0".."9" (default
``scenes/digits.yaml``; the class of each image is whatever the spec draws, so the balance of
classes is the spec's), trains a small CNN on the CPU with a schedule fixed up front, and reports
accuracy on the real MNIST test set and on scikit-learn's 8x8 digits (upsampled and normalised the
way MNIST was; never used for tuning), with per-class accuracy and the largest confusions. No real
image is used for training or model selection.

    python tools/handwriting_check.py [--spec scenes/digits.yaml] [--n 100000] [--epochs 3]
        [--seed 0] [--cache DIR] [--grid grid.png] [--json out.json] [--confusions conf.png]
    python tools/handwriting_check.py --reference   # what "good" is: train on real MNIST

``--reference`` trains the same CNN on the first half of the MNIST test set instead and scores
the second half and scikit-learn's digits. MNIST is read from ``../shared/data/mnist-test``
beside the repository unless ``--mnist`` says otherwise; without it only the scikit-learn digits
are scored (and ``--reference`` cannot run).
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import sys
import time
from pathlib import Path

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
    real_halves,
    score_tuning_trial,
    train_classifier,
)
from mnist_protocol import mnist_normalize  # noqa: E402

from renderer.classes import class_table  # noqa: E402
from renderer.datasets import load  # noqa: E402
from renderer.evaluate.evalset import EvalSet  # noqa: E402
from renderer.render import render_sample  # noqa: E402
from renderer.spec.load import load_spec  # noqa: E402
from renderer.spec.scene import SceneSpec  # noqa: E402

DEFAULT_SPEC = ROOT / "scenes" / "digits.yaml"
DEFAULT_MNIST = ROOT.parent / "shared" / "data" / "mnist-test"
DIGITS = tuple(str(k) for k in range(10))


def render_digits(spec: SceneSpec, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Images 0..n-1 of ``spec`` seeded ``seed``: (n, 28, 28) uint8 and their class indices."""
    names = class_table(spec).names
    if tuple(names) != DIGITS or spec.task != "classification":
        raise SystemExit(f"the spec must be a classification scene of the classes 0..9, got {names}")
    if (spec.canvas.width, spec.canvas.height, spec.canvas.mode) != (28, 28, "gray"):
        raise SystemExit("the spec must render 28x28 gray images, as MNIST's are")
    images = np.empty((n, 28, 28), np.uint8)
    labels = np.empty(n, np.int64)
    for i in range(n):
        sample = render_sample(spec, seed, i)
        images[i], labels[i] = sample.image[..., 0], sample.label
    return images, labels


def renderer_digest() -> str:
    """sha256 of every source file of the renderer: a change anywhere may change the pixels."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "renderer").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def cached_digits(spec: SceneSpec, cache: Path | None, n: int, seed: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``render_digits``, kept in ``cache`` under a key of everything that decides the pixels
    (the resolved spec, the renderer's source, n and seed)."""
    if cache is None:
        return render_digits(spec, n, seed)
    key = hashlib.sha256(f"{spec.spec_hash()}/{renderer_digest()}/{n}/{seed}".encode())
    path = cache / f"digits-{key.hexdigest()[:16]}.npz"
    if path.is_file():
        with np.load(path) as data:
            return data["images"], data["labels"]
    images, labels = render_digits(spec, n, seed)
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.npz")
    np.savez(partial, images=images, labels=labels)
    partial.replace(path)  # a run killed while saving leaves no half-written cache entry
    return images, labels


def load_mnist(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test images (10000, 28, 28) uint8 and labels, through the package's reader."""
    data = load(folder / "t10k-images-idx3-ubyte.gz", format="mnist")
    images = np.stack([data[k].image[..., 0] for k in range(len(data))])
    return images, np.array([data[k].label for k in range(len(data))], np.int64)


def load_sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits (16 levels) made MNIST-like: upsampled 4x, box fit, centred.

    Each 8x8 pixel counts the ink of a 4x4 block of a 32x32 bitmap, so 4x bilinear upsampling
    estimates that bitmap's coverage before the MNIST normalisation.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    images = np.empty((len(data.images), 28, 28), np.uint8)
    for i, small in enumerate(data.images):
        coverage = np.round(small * (255 / 16)).astype(np.uint8)
        images[i] = mnist_normalize(cv2.resize(coverage, (32, 32), interpolation=cv2.INTER_LINEAR))
    return images, data.target.astype(np.int64)


def small_cnn(generator: torch.Generator, channels: int = 16) -> nn.Module:
    """Two conv blocks and a linear head, initialised from ``generator``.

    ``channels`` (first block; the second has twice as many) = 16 gives about 0.23 M parameters.
    """
    def block(cin: int, cout: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    c1, c2 = channels, 2 * channels
    model = nn.Sequential(*block(1, c1), *block(c1, c1), nn.MaxPool2d(2),
                          *block(c1, c2), *block(c2, c2), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(c2 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    init_weights(model, generator)  # local generator: the global torch RNG stays untouched
    return model


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (n, 28, 28) -> float (n, 1, 28, 28) in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images).copy()).float().div_(255).unsqueeze(1)


def train(model: nn.Module, images: np.ndarray, labels: np.ndarray, epochs: int, batch: int,
          generator: torch.Generator, verbose: bool = True) -> None:
    """The shared training loop with this tool's settings (lr 3e-3, light regularisation)."""
    train_classifier(model, to_tensor(images), torch.from_numpy(labels), epochs=epochs,
                     batch=batch, lr=3e-3, weight_decay=1e-4, label_smoothing=0.05,
                     generator=generator, verbose=verbose)


def trained_cnn(images: np.ndarray, labels: np.ndarray, epochs: int, *, batch: int = 128,
                channels: int = 16, seed: int = 0, verbose: bool = True) -> nn.Module:
    """This tool's recipe in one call: a CNN seeded with ``seed``, trained on ``images``
    (n, 28, 28 uint8 gray) for ``epochs``. The defaults are the tool's."""
    generator = torch.Generator().manual_seed(seed)
    model = small_cnn(generator, channels)
    train(model, images, labels, epochs, batch, generator, verbose=verbose)
    return model


def predict(model: nn.Module, images: np.ndarray) -> np.ndarray:
    """Predicted class of each image."""
    return check_training.predict(model, to_tensor(images), chunk=1000)


def tune_task(synthetic: EvalSet, real: EvalSet, options: dict[str, object]) -> dict[str, list]:
    """``synth tune`` task objective: this tool's recipe trained on the trial's rendered digits and
    scored on the real digits it is given (the tuning part only).

    Experiment file: ``task: {kind: "handwriting_check:tune_task", epochs: 3}`` (with ``tools/``
    on ``PYTHONPATH``); options ``epochs``, ``batch``, ``channels``, ``seed`` default to this
    tool's.
    """
    recipe = {"epochs": 3, "batch": 128, "channels": 16, "seed": 0, **options}

    def gray(images: list[np.ndarray]) -> np.ndarray:
        return np.stack([im if im.ndim == 2 else im[..., 0] for im in images])

    def fit_predict(images: list[np.ndarray], labels: np.ndarray,
                    real_images: list[np.ndarray]) -> np.ndarray:
        model = trained_cnn(gray(images), labels, int(recipe["epochs"]),
                            batch=int(recipe["batch"]), channels=int(recipe["channels"]),
                            seed=int(recipe["seed"]), verbose=False)
        return predict(model, gray(real_images))

    return score_tuning_trial(synthetic, real, fit_predict, int(recipe["seed"]))


def score(name: str, predicted: np.ndarray, labels: np.ndarray) -> dict[str, object]:
    """Overall and per-class accuracy and the eight largest confusions (printed and returned)."""
    result = confusion_summary(predicted, labels, 10, top=8)
    print(f"{name}: accuracy {result['accuracy']:.4f} on {len(labels)} images")
    print("  per class: " + "  ".join(f"{k}:{a:.3f}" for k, a in enumerate(result["per_class"])))
    print("  top confusions (true->predicted: count): "
          + ", ".join(f"{t}->{p}: {c}" for t, p, c in result["confusions"]))
    return result


def save_grid(images: np.ndarray, labels: np.ndarray, path: Path, per_class: int = 16) -> None:
    """Rows of ``per_class`` samples of each class 0..9, enlarged 3x (short rows padded black)."""
    rows = []
    for k in range(10):
        picked = images[np.nonzero(labels == k)[0][:per_class]]
        row = np.zeros((28, 28 * per_class), np.uint8)
        row[:, : 28 * len(picked)] = np.hstack(list(picked)) if len(picked) else 0
        rows.append(row)
    cv2.imwrite(str(path), cv2.resize(np.vstack(rows), None, fx=3, fy=3,
                                      interpolation=cv2.INTER_NEAREST))


def save_confusions(images: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
                    confusions: list[tuple[int, int, int]], path: Path, per_row: int = 16) -> None:
    """One row of misclassified images per (true, predicted) pair, in the order given."""
    rows = []
    for true, wrong, _ in confusions:
        picked = images[np.nonzero((labels == true) & (predicted == wrong))[0][:per_row]]
        row = np.zeros((28, 28 * per_row), np.uint8)
        row[:, : 28 * len(picked)] = np.hstack(list(picked)) if len(picked) else 0
        rows.append(row)
    cv2.imwrite(str(path), cv2.resize(np.vstack(rows), None, fx=3, fy=3,
                                      interpolation=cv2.INTER_NEAREST))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="digits scene to render")
    parser.add_argument("--n", type=int, default=100000, help="rendered training images")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0, help="render seed and training seed")
    parser.add_argument("--threads", type=int, default=1, choices=(1, 2))
    parser.add_argument("--channels", type=int, default=16, help="width of the CNN's first block")
    parser.add_argument("--cache", type=Path,
                        help="folder keeping rendered sets, keyed by the spec and renderer source")
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST)
    parser.add_argument("--reference", action="store_true",
                        help="train on the first half of MNIST test instead (what good is)")
    parser.add_argument("--reference-epochs", type=int, default=20,
                        help="epochs over the 5000 real images of --reference")
    parser.add_argument("--grid", type=Path, help="write a PNG grid of training samples here")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--confusions", type=Path,
                        help="write a PNG of misclassified MNIST digits (rows: top confusions)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)
    started = time.perf_counter()
    has_mnist = (args.mnist / "t10k-images-idx3-ubyte.gz").is_file()
    real, real_labels = load_mnist(args.mnist) if has_mnist else (None, None)
    report: dict[str, object] = {"command": shlex.join(sys.argv), "seed": args.seed,
                                 "channels": args.channels}
    if args.reference:
        if real is None:
            raise SystemExit(f"--reference needs MNIST in {args.mnist}")
        images, labels, epochs = real[:5000], real_labels[:5000], args.reference_epochs
        real, real_labels = real[5000:], real_labels[5000:]
        report.update(trained_on="MNIST test[:5000]", scored_on="MNIST test[5000:]")
    else:
        spec = load_spec(args.spec)
        images, labels = cached_digits(spec, args.cache, args.n, args.seed)
        epochs = args.epochs
        report.update(spec=str(args.spec), spec_hash=spec.spec_hash(), n=args.n,
                      render_s=time.perf_counter() - started)
        print(f"rendered {args.n} images of {args.spec} in {report['render_s']:.1f} s", flush=True)
    report["epochs"] = epochs
    if args.grid:
        save_grid(images, labels, args.grid)
    train_started = time.perf_counter()
    model = trained_cnn(images, labels, epochs, batch=args.batch, channels=args.channels,
                        seed=args.seed)
    report["train_s"] = time.perf_counter() - train_started
    print(f"trained in {report['train_s']:.1f} s ({args.threads} thread(s))", flush=True)
    if real is not None:
        predicted = predict(model, real)
        report["mnist"] = score("MNIST test", predicted, real_labels)
        if not args.reference:
            held_out = real_halves(real_labels)[1]
            report["mnist"]["held_out_half"] = float(
                (predicted[held_out] == real_labels[held_out]).mean())
            print(f"  held-out half of the real-data table's split: "
                  f"{report['mnist']['held_out_half']:.4f} on {len(held_out)} images")
        if args.confusions:
            save_confusions(real, real_labels, predicted, report["mnist"]["confusions"],
                            args.confusions)
    else:
        print(f"MNIST not found in {args.mnist}: skipped")
    digits, digit_labels = load_sklearn_digits()
    report["sklearn_digits"] = score("sklearn load_digits", predict(model, digits), digit_labels)
    return finish_report(report, started, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
