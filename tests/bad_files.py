"""Real bad files for fault tests (and ``tools/bad_inputs.py``): broken images, fonts and datasets.

Each maker writes real bytes as a careless user or a half-finished download would leave them; no
mocks. ``BAD_IMAGES`` maps a case to (maker, words the error must contain).
"""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILTIN_FONT = REPO_ROOT / "assets" / "fonts" / "DejaVuSans.ttf"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(pixels: np.ndarray, color_type: int, depth: int) -> bytes:
    """A PNG of ``pixels`` written by hand (any colour type and bit depth, e.g. 16-bit gray)."""
    height, width = pixels.shape[:2]
    dtype = ">u2" if depth == 16 else "u1"
    raw = b"".join(b"\0" + pixels[y].astype(dtype).tobytes() for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw))
            + _chunk(b"IEND", b""))


def good_rgba(size: int = 40) -> np.ndarray:
    """An opaque square on a transparent ground: a usable cutout."""
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[size // 4: 3 * size // 4, size // 4: 3 * size // 4] = [200, 60, 40, 255]
    return rgba


def write_good_png(path: Path) -> Path:
    """A usable RGBA cutout."""
    Image.fromarray(good_rgba()).save(path)
    return path


def _truncated(path: Path) -> Path:
    data = png_bytes(good_rgba(), 6, 8)
    path.write_bytes(data[: len(data) // 2])
    return path


def _corrupt(path: Path) -> Path:
    data = bytearray(png_bytes(good_rgba(), 6, 8))
    start = data.index(b"IDAT") + 8  # inside the compressed pixels
    for k in range(start, start + 12):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def _giant(path: Path) -> Path:
    """A 100000 x 100000 header over a few bytes: a decompression bomb."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 6, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
                     + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b""))
    return path


def _write(data: Callable[[], bytes]) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(data())
        return path
    return make


def _save(image: Callable[[], Image.Image], fmt: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        image().save(path, fmt)
        return path
    return make


GRAY16 = np.arange(40 * 40, dtype=np.uint16).reshape(40, 40) * 40
# case -> (maker writing the file at the given .png/.tif path, words the message must contain)
BAD_IMAGES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "zero-bytes": (_write(lambda: b""), "empty file (0 bytes)"),
    "not-an-image": (_write(lambda: b"this is text, not a picture\n"), "not an image file"),
    "truncated": (_truncated, "truncated or corrupt"),
    "corrupt-pixels": (_corrupt, "truncated or corrupt"),
    "giant": (_giant, "too large"),
    "cmyk": (_save(lambda: Image.new("CMYK", (40, 40), (0, 0, 0, 0)), "TIFF"),
             "no alpha channel (mode CMYK)"),
    "gray-16-bit": (_write(lambda: png_bytes(GRAY16, 0, 16)), "no alpha channel (mode I;16)"),
    "palette-no-alpha": (_save(lambda: Image.new("P", (40, 40), 1), "PNG"),
                         "no alpha channel (mode P)"),
    "rgb-no-alpha": (_save(lambda: Image.new("RGB", (40, 40), (9, 9, 9)), "PNG"),
                     "no alpha channel (mode RGB)"),
    "fully-transparent": (_save(lambda: Image.new("RGBA", (40, 40), (9, 9, 9, 0)), "PNG"),
                          "fully transparent"),
    "zero-height": (_write(lambda: png_bytes(np.zeros((0, 4, 4), np.uint8), 6, 8)),
                    "not an image file"),
}


def bad_image_name(case: str) -> str:
    """File name of a case (the CMYK one is a TIFF: Pillow writes CMYK only there and in JPEG)."""
    return f"{case}.tif" if case == "cmyk" else f"{case}.png"


def cutout_scene(folder: Path, bad_cases: list[str], good: int = 1) -> Path:
    """``folder/scene.yaml`` drawing cutouts from ``folder/things/thing/``: ``good`` usable files
    and one file per bad case. Returns the spec path."""
    cls = folder / "things" / "thing"
    cls.mkdir(parents=True, exist_ok=True)
    for k in range(good):
        write_good_png(cls / f"good-{k}.png")
    for case in bad_cases:
        BAD_IMAGES[case][0](cls / bad_image_name(case))
    spec = {"canvas": {"width": 48, "height": 48},
            "objects": [{"name": "things", "asset": {"kind": "cutout", "dir": "things",
                                                      "balance": "files"},
                         "count": [1, 2], "pose": {"scale": [0.3, 0.5]}}],
            "output": {"image_format": "png"}}
    path = folder / "scene.yaml"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def glyph_scene(folder: Path, texts: list[str], fonts: dict[str, bytes | None]) -> Path:
    """``folder/scene.yaml`` drawing ``texts`` with fonts written under ``folder/fonts``: a None
    value copies the bundled DejaVu Sans, bytes are written as they are."""
    (folder / "fonts").mkdir(parents=True, exist_ok=True)
    for name, data in fonts.items():
        if data is None:
            shutil.copyfile(BUILTIN_FONT, folder / "fonts" / name)
        else:
            (folder / "fonts" / name).write_bytes(data)
    spec = {"canvas": {"width": 48, "height": 48},
            "objects": [{"name": "letters", "asset": {"kind": "glyph", "text": texts,
                                                       "fonts": [f"fonts/{n}" for n in fonts]},
                         "count": 1, "pose": {"scale": [0.4, 0.6]}}],
            "output": {"image_format": "png"}}
    path = folder / "scene.yaml"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def truncated_font() -> bytes:
    """The first 3000 bytes of a real font: the table directory points past the end."""
    return BUILTIN_FONT.read_bytes()[:3000]


def blank_glyph_font(chars: str = "AB") -> bytes:
    """A valid TrueType font whose cmap maps ``chars`` to glyphs without a single contour."""
    import io

    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    pen.moveTo((50, 0))
    pen.lineTo((50, 700))
    pen.lineTo((450, 700))
    pen.lineTo((450, 0))
    pen.closePath()
    names = [f"g{ord(c)}" for c in chars]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", *names])
    builder.setupCharacterMap({ord(c): n for c, n in zip(chars, names, strict=True)})
    builder.setupGlyf({".notdef": pen.glyph(), **{n: TTGlyphPen(None).glyph() for n in names}})
    builder.setupHorizontalMetrics({n: (500, 0) for n in [".notdef", *names]})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Blank", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def break_coco(root: Path) -> list[str]:
    """Damage a rendered COCO folder as real sets are damaged; returns what each problem names,
    in the order they are met.

    An image entry without ``file_name``, an annotation naming no image, a box with a string in
    it (image 0's), a truncated PNG and an empty file. The manifest goes (a real set has none).
    """
    path = root / "annotations.json"
    data = json.loads(path.read_text())
    del data["images"][2]["file_name"]
    orphan = len(data["annotations"])
    data["annotations"].append({"id": 10**6, "image_id": 4242, "category_id": 1,
                                "bbox": [0, 0, 1, 1]})
    first = next(i for i, a in enumerate(data["annotations"]) if a["image_id"] == 0)
    data["annotations"][first]["bbox"] = [1, 2, "wide", 4]
    path.write_text(json.dumps(data, indent=1))
    files = sorted((root / "images").iterdir())
    files[3].write_bytes(files[3].read_bytes()[:150])
    files[4].write_bytes(b"")
    (root / "manifest.json").unlink()
    return ["images[2].file_name", f"annotations[{orphan}].image_id: 4242",
            f"annotations[{first}].bbox", files[3].name, files[4].name]


def break_yolo(root: Path) -> list[str]:
    """Damage a rendered YOLO folder: a 4-value line, a class out of range, an unreadable image."""
    labels = sorted((root / "labels").iterdir())
    labels[0].write_text("0 0.5 0.5 0.2\n")
    labels[1].write_text(labels[1].read_text() + "77 0.5 0.5 0.1 0.1\n")
    images = sorted((root / "images").iterdir())
    images[2].write_bytes(b"GIF89a not really")
    (root / "manifest.json").unlink()
    return [f"{labels[0].name} line 1", f"{labels[1].name} line", images[2].name]
