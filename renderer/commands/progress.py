"""Progress of long task-gap trainings on the terminal: a tqdm bar, or a line every 30 s."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from renderer.evaluate.taskgap.training import TrainingProgress

LINE_EVERY_S = 30.0


class TrainingBar:
    """Training progress callback: one tqdm bar per training on a terminal, else text lines."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.last_line = 0.0
        self.interactive = sys.stderr.isatty()

    def __call__(self, p: TrainingProgress) -> None:
        if not self.interactive:
            now = time.monotonic()
            if now - self.last_line >= LINE_EVERY_S or p.step == p.total:
                print(f"detector: step {p.step}/{p.total}, loss {p.loss:.3f}, "
                      f"{p.images_per_s:.1f} images/s, ETA {p.eta_s:.0f} s", file=sys.stderr)
                self.last_line = now
            return
        from tqdm import tqdm

        if self.bar is None or p.step < self.bar.n:
            self.bar = tqdm(total=p.total, desc="training detector", unit="step",
                            file=sys.stderr, leave=False)
        self.bar.update(p.step - self.bar.n)
        self.bar.set_postfix(loss=f"{p.loss:.3f}", img_s=f"{p.images_per_s:.1f}")
        if p.step >= p.total:
            self.bar.close()
            self.bar = None


def training_progress() -> TrainingBar:
    """A fresh progress callback for ``synth eval``'s task gap."""
    return TrainingBar()
