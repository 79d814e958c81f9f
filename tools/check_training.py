"""What the sim-to-real check tools share: weight init, the training loop, prediction, scoring.

``handwriting_check.py`` (digits), ``signs_check.py`` (signs) and ``real_data_table.py`` train
small CNNs the same way: AdamW with a one-cycle schedule over a fixed number of epochs, batches
in an order drawn from a seeded ``torch.Generator`` (torch's global RNG is never drawn), no early
stopping and no real image used for model selection. ``train_digits_on_the_fly.py`` shares the
initialisation.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.plots import REAL_COLOUR, SYNTHETIC_COLOUR, render
from renderer.evaluate.taskgap.classification import aligned_labels
from renderer.evaluate.taskgap.task_score import accuracy_metrics, labelled_pair
from renderer.experiments.holdout import holdout_indices


def init_weights(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Kaiming-uniform conv and linear weights drawn from ``generator``, zero biases."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            nn.init.kaiming_uniform_(module.weight, nonlinearity="relu", generator=generator)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


def train_classifier(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int,
                     batch: int, lr: float, weight_decay: float, label_smoothing: float,
                     generator: torch.Generator,
                     augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
                     verbose: bool = True) -> None:
    """AdamW with a one-cycle schedule to ``lr``; the order of batches comes from ``generator``.

    Args:
        x: (n, C, H, W) float inputs; y: (n,) int64 class indices.
        epochs: passes over ``x`` (the last partial batch of each is left out).
        augment: applied to each batch's inputs (may draw from ``generator``).
        verbose: print each epoch's training loss and accuracy.
    """
    per_epoch = len(x) // batch
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr,
                                                   total_steps=epochs * per_epoch)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        total, correct = 0.0, 0
        for k in range(per_epoch):
            idx = order[k * batch: (k + 1) * batch]
            optimiser.zero_grad()
            logits = model(x[idx] if augment is None else augment(x[idx]))
            loss = loss_fn(logits, y[idx])
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
            correct += int((logits.argmax(1) == y[idx]).sum())
        if verbose:
            print(f"  epoch {epoch + 1}/{epochs}: train loss {total / per_epoch:.4f}, "
                  f"train accuracy {correct / (per_epoch * batch):.4f}", flush=True)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, chunk: int) -> np.ndarray:
    """Predicted class of each input, ``chunk`` inputs at a time."""
    model.eval()
    return np.concatenate([model(x[k: k + chunk]).argmax(1).numpy() for k in range(0, len(x), chunk)])


def confusion_summary(predicted: np.ndarray, labels: np.ndarray, n_classes: int,
                      top: int) -> dict[str, object]:
    """Overall and per-class accuracy and the ``top`` largest confusions (true, predicted, count)."""
    confusion = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(1), 1)
    off = confusion - np.diag(confusion.diagonal())
    worst = [(int(t), int(p), int(off[t, p])) for t, p in
             zip(*np.unravel_index(np.argsort(off, axis=None)[::-1][:top], off.shape), strict=True)]
    return {"accuracy": float((predicted == labels).mean()),
            "per_class": [float(a) for a in per_class], "confusions": worst, "n": len(labels)}


def finish_report(report: dict[str, object], started: float, json_path: Path | None) -> int:
    """Add the wall time (s since ``started``, a ``time.perf_counter`` reading), print it, write
    the report as JSON when asked; the tool's exit status."""
    report["wall_s"] = time.perf_counter() - started
    print(f"wall time {report['wall_s']:.1f} s")
    if json_path:
        json_path.write_text(json.dumps(report, indent=2))
    return 0


class Laps:
    """Wall seconds of a run's phases: ``laps("render_s")`` ends a phase begun where the last ended.

    ``laps.seconds()`` gives every phase and ``total_s`` (from the Laps' creation), rounded to 0.1 s.
    """

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.phases: dict[str, float] = {}

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self.last, 1)
        self.last = now

    def seconds(self) -> dict[str, float]:
        return {**self.phases, "total_s": round(time.perf_counter() - self.start, 1)}


FitPredict = Callable[[list[np.ndarray], np.ndarray, list[np.ndarray]], np.ndarray]


def score_tuning_trial(synthetic: EvalSet, real: EvalSet, fit_predict: FitPredict,
                       seed: int) -> dict[str, list]:
    """A ``synth tune`` task objective from a tool's recipe: ``fit_predict(train_images,
    train_labels, test_images)`` trains on the trial's renders whose class the real set has and
    returns its predicted class for each scored real image (the tuning part only); the result is
    the task metrics (accuracy with its interval, per class) the search ranks trials by.

    One torch thread: trials run in parallel processes, one per core.
    """
    torch.set_num_threads(1)
    usable, scored, names = labelled_pair(synthetic, real)
    train_labels = aligned_labels(synthetic, real)[0][usable]
    # module constructors draw their default weights from torch's global RNG before the tool's
    # seeded init replaces them: fork it, so a trial leaves the caller's random state as it was
    with torch.random.fork_rng(devices=[]):
        predicted = fit_predict([synthetic.images[i] for i in usable], train_labels,
                                [real.images[i] for i in scored])
    return accuracy_metrics(predicted, real.labels[scored], len(names), seed)


def real_halves(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(fit, held-out) indices of a real set: the real-data table's TRTR trains on the first, and
    every tool scores the second. Stratified by class, seeded by a named stream, so every tool
    splits alike; it is ``synth tune``'s default split too (tuning part, held-out part)."""
    return holdout_indices(labels, len(labels), 0.5, seed=0)


def tstr_trtr_bars(names: list[str], bars: tuple[tuple[list[float], str], tuple[list[float], str]],
                   *, ylabel: str, title: str, xlabel: str | None = None,
                   fit_x: bool = False) -> bytes:
    """PNG of a score per class, TSTR beside TRTR: ``bars`` is ``((values, legend label),
    (values, legend label))`` in that order; ``fit_x`` trims the x axis to the bars."""
    width = 0.4

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        x = np.arange(len(names))
        for shift, (values, label), colour in zip((-1, 1), bars, (SYNTHETIC_COLOUR, REAL_COLOUR),
                                                  strict=True):
            ax.bar(x + shift * width / 2, values, width, color=colour, label=label)
        ax.set_xticks(x, names, rotation=90 if len(names) > 12 else 0)
        if fit_x:
            ax.set_xlim(-0.6, len(names) - 0.4)
        ax.set_ylim(0, 1)
        if xlabel is not None:
            ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        figure.legend(loc="outside lower center", ncols=2)

    return render(draw, (max(8.0, 0.22 * len(names) + 2), 3.8))
