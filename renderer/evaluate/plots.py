"""Matplotlib figures of the report, rendered with the Agg canvas to PNG bytes.

No ``pyplot``: each figure is a plain ``Figure`` with its own Agg canvas, so nothing global changes
and no display is needed. Math-text parsing is off, so a class name with ``$`` in it is drawn as
it is. PNGs carry no software/date metadata: same result, same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

SYNTHETIC_COLOUR, REAL_COLOUR = "#d95f02", "#1b9e77"
STYLE = {"text.parse_math": False, "font.size": 9, "axes.titlesize": 10}


def render(draw: Callable[[Figure], None], size: tuple[float, float]) -> bytes:
    """Create a figure of ``size`` inches, let ``draw`` fill it, return it as PNG bytes."""
    with mpl.rc_context(STYLE):
        figure = Figure(figsize=size, dpi=90, layout="constrained")
        FigureCanvasAgg(figure)
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _pair_histogram(ax: Axes, synthetic: np.ndarray, real: np.ndarray, title: str,
                    xlabel: str = "") -> None:
    values = [v[np.isfinite(v)] for v in (np.asarray(synthetic, float), np.asarray(real, float))]
    both = np.concatenate(values)
    if both.size == 0:
        ax.set_title(f"{title} (no values)")
        return
    low, high = np.percentile(both, [0.5, 99.5])
    bins = np.linspace(low, high if high > low else low + 1.0, 31)
    for v, colour, label in zip(values, (SYNTHETIC_COLOUR, REAL_COLOUR), ("synthetic", "real"),
                                strict=True):
        ax.hist(np.clip(v, bins[0], bins[-1]), bins=bins, density=True, alpha=0.55,
                color=colour, label=label)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_yticks([])


def histogram_grid(synthetic: dict[str, Sequence[float]], real: dict[str, Sequence[float]],
                   units: dict[str, str]) -> bytes:
    """Small multiples: one synthetic-vs-real histogram per statistic in ``units``."""
    names = [n for n in units if n in synthetic and n in real]
    cols = 3
    rows = max(1, -(-len(names) // cols))

    def draw(figure: Figure) -> None:
        axes = figure.subplots(rows, cols, squeeze=False).ravel()
        for ax, name in zip(axes, names, strict=False):
            _pair_histogram(ax, np.asarray(synthetic[name]), np.asarray(real[name]), name,
                            units[name])
        for ax in axes[len(names):]:
            ax.set_axis_off()
        axes[0].legend(loc="best")

    return render(draw, (10, 2.4 * rows))


def histogram_pair(synthetic: Sequence[float], real: Sequence[float], title: str,
                   xlabel: str) -> bytes:
    """One synthetic-vs-real histogram."""
    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        _pair_histogram(ax, np.asarray(synthetic), np.asarray(real), title, xlabel)
        ax.legend(loc="best")

    return render(draw, (6, 3))


def intervals(rows: list[tuple[str, float, float | None, float | None]], title: str,
              reference: float | None = None) -> bytes:
    """Horizontal point-and-interval chart of ``(label, value, ci_low, ci_high)`` rows."""
    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        for y, (_, value, low, high) in enumerate(rows):
            if low is not None and high is not None:
                ax.plot([low, high], [y, y], color="0.4", linewidth=2)
            ax.plot([value], [y], "o", color=SYNTHETIC_COLOUR)
        if reference is not None:
            ax.axvline(reference, color="0.6", linestyle="--", linewidth=1)
        ax.set_yticks(range(len(rows)), [label for label, *_ in rows])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_title(title)

    return render(draw, (6, 0.5 + 0.45 * max(len(rows), 1)))


def grouped_bars(categories: Sequence[str], series: dict[str, Sequence[float | None]],
                 title: str, ylabel: str) -> bytes:
    """Bars of several series (e.g. synthetic vs real class fractions) per category."""
    colours = [SYNTHETIC_COLOUR, REAL_COLOUR, "#7570b3", "#e7298a"]
    width = 0.8 / max(len(series), 1)

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        x = np.arange(len(categories))
        for i, (label, values) in enumerate(series.items()):
            heights = [np.nan if v is None else v for v in values]
            ax.bar(x + (i - (len(series) - 1) / 2) * width, heights, width, label=label,
                   color=colours[i % len(colours)])
        ax.set_xticks(x, [str(c)[:24] for c in categories], rotation=90 if len(x) > 12 else 0)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(loc="best")

    return render(draw, (max(6.0, 0.22 * len(categories) + 2), 3.6))


def confusion_matrix(matrix: np.ndarray, names: Sequence[str], title: str) -> bytes:
    """Row-normalised confusion matrix heatmap (rows: true class, columns: predicted)."""
    counts = np.asarray(matrix, dtype=np.float64)
    normalised = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    side = min(9.0, 2.5 + 0.18 * len(names))

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        image = ax.imshow(normalised, vmin=0, vmax=1, cmap="viridis")
        labels = [str(n)[:16] for n in names]
        ax.set_xticks(range(len(names)), labels, rotation=90)
        ax.set_yticks(range(len(names)), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title)
        figure.colorbar(image, ax=ax, shrink=0.8)

    return render(draw, (side + 1.0, side))


def pr_curves(recall: Sequence[float], curves: dict[str, Sequence[float]], title: str) -> bytes:
    """Precision-recall curves, one line per named series."""

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        for name, precision in curves.items():
            ax.plot(recall, precision, label=str(name)[:24], linewidth=1.2)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_title(title)
        if curves:
            ax.legend(loc="lower left", fontsize=7, ncols=2 if len(curves) > 6 else 1)

    return render(draw, (6, 4))
