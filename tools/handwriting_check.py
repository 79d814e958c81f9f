"""Sim-to-real check of the handwriting model: train on rendered digits only, test on real ones.

Renders N digits (balanced classes, seeded, MNIST-normalised), trains a small CNN on the CPU and
reports accuracy on the real MNIST test set and on scikit-learn's 8x8 digits (upsampled and
normalised the way MNIST was; never used for tuning), with per-class accuracy and the largest
confusions. No real image is used for training or model selection: the schedule is fixed.

    python tools/handwriting_check.py [--n 60000] [--epochs 4] [--seed 0] [--grid grid.png]

MNIST is read from ``../shared/data/mnist-test`` beside the repository unless ``--mnist`` says
otherwise; without it only the scikit-learn digits are scored.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shlex
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from renderer.assets.handwriting import (  # noqa: E402
    HandwritingParams,
    render_handwritten,
    sample_style,
)
from renderer.effects.mnist_normalize import mnist_normalize  # noqa: E402
from renderer.rng import stream  # noqa: E402

DEFAULT_MNIST = ROOT.parent / "shared" / "data" / "mnist-test"
GENERATOR_SOURCES = [*(ROOT / "renderer" / "assets").glob("handwriting*.py"),
                     ROOT / "renderer" / "effects" / "mnist_normalize.py"]


def render_digits(n: int, seed: int, size_px: int, params: HandwritingParams
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` MNIST-normalised rendered digits (n, 28, 28) uint8 and labels (i % 10)."""
    images = np.empty((n, 28, 28), np.uint8)
    labels = np.arange(n, dtype=np.int64) % 10
    for i in range(n):
        digit = str(labels[i])
        style = sample_style(digit, params, rng=stream(seed, i, "handwriting"))
        images[i] = mnist_normalize(render_handwritten(digit, style, size_px))
    return images, labels


def cached_digits(cache: Path | None, n: int, seed: int, size_px: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``render_digits`` with default params, kept in ``cache`` under a key of everything that
    decides the pixels (the generator's source files, n, seed, size)."""
    if cache is None:
        return render_digits(n, seed, size_px, HandwritingParams())
    digest = hashlib.sha256(f"{n}/{seed}/{size_px}".encode())
    for path in sorted(GENERATOR_SOURCES):
        digest.update(path.read_bytes())
    path = cache / f"handwriting-{digest.hexdigest()[:16]}.npz"
    if path.is_file():
        with np.load(path) as data:
            return data["images"], data["labels"]
    images, labels = render_digits(n, seed, size_px, HandwritingParams())
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, images=images, labels=labels)
    return images, labels


def load_mnist(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test images (10000, 28, 28) uint8 and labels."""
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz") as fh:
        images = np.frombuffer(fh.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as fh:
        labels = np.frombuffer(fh.read(), np.uint8, offset=8).astype(np.int64)
    return images, labels


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
    for module in model.modules():  # local generator: the global torch RNG stays untouched
        if isinstance(module, nn.Conv2d | nn.Linear):
            nn.init.kaiming_uniform_(module.weight, nonlinearity="relu", generator=generator)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (n, 28, 28) -> float (n, 1, 28, 28) in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images).copy()).float().div_(255).unsqueeze(1)


def train(model: nn.Module, images: np.ndarray, labels: np.ndarray, epochs: int, batch: int,
          generator: torch.Generator) -> None:
    """AdamW with a one-cycle schedule; the order of batches comes from ``generator``."""
    x, y = to_tensor(images), torch.from_numpy(labels)
    steps = epochs * (len(x) // batch)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        total = 0.0
        for k in range(len(x) // batch):
            idx = order[k * batch: (k + 1) * batch]
            optimiser.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
        print(f"  epoch {epoch + 1}/{epochs}: train loss {total / (len(x) // batch):.4f}",
              flush=True)


@torch.no_grad()
def predict(model: nn.Module, images: np.ndarray) -> np.ndarray:
    """Predicted class of each image."""
    model.eval()
    x = to_tensor(images)
    return np.concatenate([model(x[k: k + 1000]).argmax(1).numpy() for k in range(0, len(x), 1000)])


def score(name: str, predicted: np.ndarray, labels: np.ndarray) -> dict[str, object]:
    """Overall and per-class accuracy and the eight largest confusions (printed and returned)."""
    confusion = np.zeros((10, 10), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(1), 1)
    overall = float((predicted == labels).mean())
    off = confusion - np.diag(confusion.diagonal())
    worst = [(int(t), int(p), int(off[t, p])) for t, p in
             zip(*np.unravel_index(np.argsort(off, axis=None)[::-1][:8], off.shape), strict=True)]
    print(f"{name}: accuracy {overall:.4f} on {len(labels)} images")
    print("  per class: " + "  ".join(f"{k}:{a:.3f}" for k, a in enumerate(per_class)))
    print("  top confusions (true->predicted: count): "
          + ", ".join(f"{t}->{p}: {c}" for t, p, c in worst))
    return {"accuracy": overall, "per_class": [float(a) for a in per_class],
            "confusions": worst, "n": len(labels)}


def save_grid(images: np.ndarray, labels: np.ndarray, path: Path, per_class: int = 16) -> None:
    """Rows of ``per_class`` samples of each class 0..9, enlarged 3x."""
    rows = [np.hstack([images[i] for i in np.nonzero(labels == k)[0][:per_class]])
            for k in range(10)]
    grid = np.vstack(rows)
    cv2.imwrite(str(path), cv2.resize(grid, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=60000, help="rendered training digits")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size-px", type=int, default=40, help="render size before normalising")
    parser.add_argument("--threads", type=int, default=1, choices=(1, 2))
    parser.add_argument("--channels", type=int, default=16, help="width of the CNN's first block")
    parser.add_argument("--cache", type=Path,
                        help="folder keeping rendered sets, keyed by the generator's source")
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST)
    parser.add_argument("--grid", type=Path, help="write a PNG grid of rendered samples here")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--confusions", type=Path,
                        help="write a PNG of misclassified MNIST digits (rows: top confusions)")
    args = parser.parse_args(argv)
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)
    started = time.perf_counter()
    images, labels = cached_digits(args.cache, args.n, args.seed, args.size_px)
    render_s = time.perf_counter() - started
    print(f"rendered {args.n} digits in {render_s:.1f} s", flush=True)
    if args.grid:
        save_grid(images, labels, args.grid)
    generator = torch.Generator().manual_seed(args.seed)
    model = small_cnn(generator, args.channels)
    train_started = time.perf_counter()
    train(model, images, labels, args.epochs, args.batch, generator)
    train_s = time.perf_counter() - train_started
    print(f"trained in {train_s:.1f} s ({args.threads} thread(s))", flush=True)
    report: dict[str, object] = {"n": args.n, "epochs": args.epochs, "seed": args.seed,
                                 "render_s": render_s, "train_s": train_s}
    if (args.mnist / "t10k-images-idx3-ubyte.gz").is_file():
        real, real_labels = load_mnist(args.mnist)
        predicted = predict(model, real)
        report["mnist"] = score("MNIST test", predicted, real_labels)
        if args.confusions:
            save_confusions(real, real_labels, predicted, report["mnist"]["confusions"],
                            args.confusions)
    else:
        print(f"MNIST not found in {args.mnist}: skipped")
    digits, digit_labels = load_sklearn_digits()
    report["sklearn_digits"] = score("sklearn load_digits", predict(model, digits), digit_labels)
    report["wall_s"] = time.perf_counter() - started
    print(f"wall time {report['wall_s']:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
