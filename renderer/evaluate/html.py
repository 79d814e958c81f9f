"""Building blocks of the self-contained HTML report.

Every piece of text goes through :func:`esc` (``html.escape`` with quotes) before it reaches the
page, whatever its origin: image names and class names come from user files, and a class named
``<script>alert(1)</script>`` must show as text. Images are inline base64 PNG (``data:`` URIs),
so the page has no external references.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence

import cv2
import numpy as np

from renderer.io import encode_image

THUMB_MIN, THUMB_MAX = 64, 128  # pixels: small images are enlarged (nearest), large ones reduced

CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
h3{font-size:15px}table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.num{text-align:right;font-variant-numeric:tabular-nums}
.strip{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
figure{margin:0;text-align:center;font-size:11px;max-width:140px;overflow-wrap:anywhere}
figure img{image-rendering:pixelated;border:1px solid #ccc}
.warn{background:#fff4e0;border-left:4px solid #e69500;padding:6px 10px}
.pair{display:flex;gap:4px;border:1px solid #ddd;padding:4px;border-radius:4px}
.differs{font-weight:600}.muted{color:#777}img.plot{max-width:100%}
.gallery figure{max-width:520px}
"""


def esc(value: object) -> str:
    """HTML-escape ``str(value)`` (quotes too)."""
    return html.escape(str(value), quote=True)


def fmt(value: object, digits: int = 4) -> str:
    """A number with ``digits`` significant digits ("-" for None), escaped."""
    if value is None:
        return "-"
    if isinstance(value, float | int | np.floating | np.integer) and not isinstance(value, bool):
        return esc(f"{float(value):.{digits}g}")
    return esc(value)


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def plot(png: bytes, alt: str) -> str:
    """An inline plot image."""
    return f'<img class="plot" src="{data_uri(png)}" alt="{esc(alt)}">'


def thumbnail(image: np.ndarray, max_side: int = THUMB_MAX) -> bytes:
    """PNG of ``image`` scaled so its longer side is between THUMB_MIN and ``max_side`` pixels."""
    h, w = image.shape[:2]
    scale = max(1.0, THUMB_MIN / max(h, w))
    scale = min(scale, max_side / max(h, w))
    if scale != 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        interpolation = cv2.INTER_NEAREST if scale > 1 else cv2.INTER_AREA
        image = cv2.resize(image, size, interpolation=interpolation).reshape(
            size[1], size[0], image.shape[2])
    return encode_image(np.ascontiguousarray(image), "png", png_compression=6)


def _figure(image: np.ndarray, caption: str, max_side: int = THUMB_MAX) -> str:
    return (f'<figure><img src="{data_uri(thumbnail(image, max_side))}" alt="{esc(caption)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def strip(images: Iterable[np.ndarray], captions: Iterable[str],
          max_side: int = THUMB_MAX) -> str:
    """A wrapping row of captioned thumbnails (longer side at most ``max_side`` pixels)."""
    figures = [_figure(image, caption, max_side)
               for image, caption in zip(images, captions, strict=True)]
    return f'<div class="strip">{"".join(figures)}</div>'


def pair_strip(pairs: Iterable[tuple[np.ndarray, str, np.ndarray, str]]) -> str:
    """A wrapping row of framed image pairs ``(left image, caption, right image, caption)``."""
    blocks = [f'<div class="pair">{_figure(a, ca)}{_figure(b, cb)}</div>' for a, ca, b, cb in pairs]
    return f'<div class="strip">{"".join(blocks)}</div>'


def table(headers: Sequence[str], rows: Iterable[Sequence[object]],
          row_classes: Iterable[str] | None = None) -> str:
    """A table; cells are formatted with :func:`fmt` (numbers) and escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    classes = list(row_classes) if row_classes is not None else None
    body = []
    for i, row in enumerate(rows):
        cells = "".join(
            f'<td class="num">{fmt(c)}</td>' if isinstance(c, float | int) and not isinstance(
                c, bool) else f"<td>{fmt(c)}</td>" for c in row)
        css = f' class="{esc(classes[i])}"' if classes and classes[i] else ""
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def paragraph(text: str, css: str = "") -> str:
    """An escaped paragraph."""
    return f'<p class="{esc(css)}">{esc(text)}</p>' if css else f"<p>{esc(text)}</p>"


def section(title: str, *parts: str) -> str:
    """A titled section of already-built HTML parts."""
    return f"<section><h2>{esc(title)}</h2>{''.join(parts)}</section>"


def subsection(title: str, *parts: str) -> str:
    """A titled sub-section of already-built HTML parts."""
    return f"<h3>{esc(title)}</h3>{''.join(parts)}"


def page(title: str, sections: Iterable[str]) -> str:
    """The complete document."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{esc(title)}</h1>{''.join(sections)}</body></html>\n")
