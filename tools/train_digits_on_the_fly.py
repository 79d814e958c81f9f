"""Train a small CNN on digits rendered on the fly; test it on the real MNIST test set.

    python tools/train_digits_on_the_fly.py [--steps 2000] [--batch 32] [--workers 1]
        [--spec scenes/digits.yaml] [--real ../shared/data/mnist-test]

Training images come from ``renderer.torch.SyntheticStream`` (an endless stream: no image is
seen twice) through a DataLoader; nothing is written to disk. The real test set is read with
``renderer.datasets.load`` (MNIST idx files). Prints the command, the wall time, the training
throughput and the accuracy on all real test images (per class too). Runs on one CPU thread for
the model plus ``--workers`` rendering processes. Reproducible without torch's global RNG: the
model is initialised from a local generator and the data comes from the spec's named streams.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
from check_training import init_weights
from torch import nn
from torch.utils.data import DataLoader

from renderer.datasets import load
from renderer.torch import SyntheticStream

ROOT = Path(__file__).resolve().parents[1]
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def small_cnn(classes: int, generator: torch.Generator) -> nn.Module:
    """Two conv blocks and two dense layers (~0.2 M parameters), initialised from ``generator``.

    Built on the meta device and initialised explicitly, so torch's global RNG is never drawn.
    """
    with torch.device("meta"):
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, classes))
    model.to_empty(device="cpu")
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_parameters()  # ones, zeros and fresh running statistics: no draws
    return init_weights(model, generator)


def normalise(images: torch.Tensor) -> torch.Tensor:
    """uint8 (B, 1, 28, 28) -> float, standardised with MNIST's statistics."""
    return (images.float() / 255 - MNIST_MEAN) / MNIST_STD


def evaluate(model: nn.Module, real: Path, class_names: tuple[str, ...]) -> dict[str, object]:
    """Accuracy on every image of the real set (class names matched by name)."""
    data = load(real)
    images = torch.from_numpy(np.stack([s.image for s in data])).permute(0, 3, 1, 2)
    to_ours = {k: class_names.index(n) for k, n in enumerate(data.class_names) if n in class_names}
    labels = torch.tensor([to_ours[s.label] for s in data])
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(normalise(b)).argmax(1) for b in images.split(1000)])
    correct = predicted == labels
    per_class = {class_names[c]: round(correct[labels == c].float().mean().item(), 4)
                 for c in range(len(class_names)) if (labels == c).any()}
    return {"real_images": len(labels), "accuracy": round(correct.float().mean().item(), 4),
            "per_class": per_class}


def train(args: argparse.Namespace) -> dict[str, object]:
    stream = SyntheticStream(args.spec, seed=args.seed)
    if stream.spec.task != "classification":
        raise SystemExit(f"{args.spec}: needs a classification scene")
    loader = DataLoader(stream, batch_size=args.batch, num_workers=args.workers,
                        persistent_workers=args.workers > 0,
                        prefetch_factor=4 if args.workers else None,
                        generator=torch.Generator().manual_seed(args.seed))
    model = small_cnn(len(stream.class_names), torch.Generator().manual_seed(args.seed))
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=args.lr,
                                                   total_steps=args.steps)
    model.train()
    started, losses = time.perf_counter(), []
    for step, (images, labels) in enumerate(loader, start=1):
        loss = nn.functional.cross_entropy(model(normalise(images)), labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
        if step % max(1, args.steps // 10) == 0:
            print(f"step {step}/{args.steps}: loss {np.mean(losses[-100:]):.4f}", flush=True)
        if step == args.steps:
            break
    elapsed = time.perf_counter() - started
    return {"model": model, "train_s": round(elapsed, 1),
            "train_img_s": round(args.steps * args.batch / elapsed, 1),
            "final_loss": round(float(np.mean(losses[-100:])), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "scenes" / "digits.yaml")
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "data" / "mnist-test",
                        help="real MNIST test folder (idx files)")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="DataLoader rendering processes")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.real.exists():
        raise SystemExit(f"real test set {args.real} not found (pass --real)")
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]), flush=True)
    torch.set_num_threads(1)
    started = time.perf_counter()
    result = train(args)
    model = result.pop("model")
    result.update(evaluate(model, args.real, SyntheticStream(args.spec).class_names))
    result.update({"spec": str(args.spec), "steps": args.steps, "batch": args.batch,
                   "workers": args.workers, "wall_s": round(time.perf_counter() - started, 1)})
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
