"""Where bundled assets live, and how spec paths resolve.

A spec names files relative to its own folder, or bundled ones with the ``builtin:`` prefix::

    asset: {kind: cutout, dir: builtin:signs}       # the bundled sign templates
    asset: {kind: cutout, dir: my_cutouts}          # <spec folder>/my_cutouts

A path that leaves the allowed roots (the spec's folder, the bundled assets and any root the
user adds) is refused unless the user allows it: specs travel between people.

Asset kinds that draw from a folder of files build their *pool* once per process with
``usable_files``: every file is checked in full when the pool is built (decoded, not just its
header), so a bad file is an error naming it before anything renders, or, with
``skip_bad_assets``, is left out of the pool. Pools are the same in every process, so the output
stays independent of worker count and of which indices are rendered. ``bad_assets(spec)`` builds
every pool a spec names and lists what was left out (for the manifest).
"""

from __future__ import annotations

import logging
import struct
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel

log = logging.getLogger(__name__)
BUILTIN_PREFIX = "builtin:"
P = TypeVar("P", bound=BaseModel)
MAX_PIXELS = 64_000_000  # refuse decompression bombs before decoding them
SIXTEEN_BIT_GRAY = ("I;16", "I;16L", "I;16B", "I;16N")
# What Pillow's decoders raise on corrupt or truncated data (Warning: see read_image).
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error, Warning)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type name when the message is empty."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class AssetError(ValueError):
    """A referenced asset is missing, unreadable or unusable; the message names the file."""


@cache
def builtin_root() -> Path:
    """Folder of the bundled assets: inside the installed package, else the source tree's."""
    packaged = Path(str(resources.files("renderer"))) / "_assets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "assets"


@dataclass(frozen=True)
class SceneContext:
    """What rendering needs besides the spec itself: where relative paths start, and the rules.

    Attributes:
        base_dir: folder of the spec file (the working directory for specs built in code).
        extra_roots: further folders the user allows assets from.
        allow_any_path: accept paths outside every root (``--allow-any-path``).
        skip_bad_assets: leave unusable files out of asset pools instead of failing
            (``--skip-bad-assets``); a pool left empty is still an error.
    """

    base_dir: Path = field(default_factory=Path.cwd)
    extra_roots: tuple[Path, ...] = ()
    allow_any_path: bool = False
    skip_bad_assets: bool = False

    def resolve(self, ref: str, what: str = "asset") -> Path:
        """Resolve a spec path; raises ``AssetError`` naming the path if it escapes or is missing."""
        return _resolve(self, ref, what)


@lru_cache(maxsize=4096)
def _resolve(ctx: SceneContext, ref: str, what: str) -> Path:
    """Cached body of ``SceneContext.resolve`` (rasters ask for the same files per image)."""
    if ref.startswith(BUILTIN_PREFIX):
        root = builtin_root()
        path = (root / ref[len(BUILTIN_PREFIX):]).resolve()
        roots = [root.resolve()]
    else:
        path = (ctx.base_dir / Path(ref).expanduser()).resolve()
        roots = [ctx.base_dir.resolve(), builtin_root().resolve(),
                 *(r.resolve() for r in ctx.extra_roots)]
    if not ctx.allow_any_path and not any(path.is_relative_to(r) for r in roots):
        raise AssetError(
            f"{what} path {ref!r} resolves outside the spec's folder and the asset roots; "
            "pass --asset-root DIR or --allow-any-path to allow it"
        )
    if not path.exists():
        raise AssetError(f"{what} not found: {ref!r} (looked at {path})")
    return path


def read_image(path: Path, ref: str, what: str, mode: str,
               inspect: Callable[[Image.Image], None] | None = None) -> np.ndarray:
    """Decode an image file completely as an 8-bit ``mode`` array ("RGB" or "RGBA").

    Empty, unreadable, zero-size, giant (> ``MAX_PIXELS``), truncated or corrupt files and
    32-bit modes raise ``AssetError`` naming ``ref``; 16-bit gray keeps its high byte (Pillow's own
    conversion would clip it to white). Pillow's warnings (corrupt EXIF, truncated reads, bombs)
    count as errors, so a file is usable or not whatever the caller's warning filters.

    Args:
        path: the resolved file.
        ref: the file as the spec names it (for messages).
        what: the kind of file (``cutout``, ``background image``).
        mode: Pillow mode of the result.
        inspect: sees the opened image before its pixels are decoded; raises ``AssetError``.
    """
    try:
        if path.stat().st_size == 0:
            raise AssetError(f"{what} {ref!r} is an empty file (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with Image.open(path) as im:
                w, h = im.size
                if w == 0 or h == 0:
                    raise AssetError(f"{what} {ref!r} is empty ({w}x{h} pixels)")
                if w * h > MAX_PIXELS:
                    raise AssetError(f"{what} {ref!r} is too large ({w}x{h} > {MAX_PIXELS} pixels)")
                if inspect is not None:
                    inspect(im)
                if im.mode in ("I", "F"):
                    raise AssetError(f"{what} {ref!r} has 32-bit pixels (mode {im.mode}); save it "
                                     "as an 8- or 16-bit image")
                if im.mode in SIXTEEN_BIT_GRAY:
                    gray = (np.asarray(im, dtype=np.uint16) >> 8).astype(np.uint8)
                    return np.asarray(Image.fromarray(gray, "L").convert(mode))
                return np.asarray(im.convert(mode))
    except AssetError:  # a ValueError: keep it from the decoder errors below
        raise
    except UnidentifiedImageError:
        raise AssetError(f"{what} {ref!r} is not an image file Pillow can read (unknown format "
                         "or corrupt header)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AssetError(f"{what} {ref!r} is too large (more than {MAX_PIXELS} pixels)") from None
    except FileNotFoundError:
        raise AssetError(f"{what} not found: {ref!r}") from None
    except (PermissionError, IsADirectoryError) as exc:
        raise AssetError(f"{what} {ref!r} cannot be read: {exc.strerror}") from None
    except DECODE_ERRORS as exc:
        raise AssetError(f"{what} {ref!r} cannot be decoded (truncated or corrupt): "
                         f"{first_line(exc)}") from None


@dataclass(frozen=True)
class SkippedAsset:
    """A file left out of an asset pool: its reference as the spec names it, and why (one line)."""

    file: str
    problem: str


@dataclass(frozen=True)
class FilePool:
    """The usable files of one pool, in a fixed order, and the files left out of it."""

    files: tuple[str, ...]
    skipped: tuple[SkippedAsset, ...] = ()


def usable_files(pool: str, refs: Iterable[str], check: Callable[[str], object],
                 ctx: SceneContext) -> FilePool:
    """Check every file of a pool in full; the first bad one raises unless ``skip_bad_assets``.

    Args:
        pool: what the pool is, for the error when none is usable (``cutout class folder x/y``).
        refs: file references in pool order.
        check: raises ``AssetError`` (naming the file and the problem) for an unusable file.
        ctx: the scene context (``skip_bad_assets``).

    Raises:
        AssetError: a bad file without ``skip_bad_assets``, or a pool with no usable file.
    """
    files: list[str] = []
    skipped: list[SkippedAsset] = []
    for ref in refs:
        try:
            check(ref)
        except AssetError as exc:
            if not ctx.skip_bad_assets:
                raise
            # INFO only: every worker process builds its pools again, the driver warns once.
            log.info("left out of the %s: %s", pool, exc)
            skipped.append(SkippedAsset(ref, str(exc)))
            continue
        files.append(ref)
    if not files:
        first = f" ({len(skipped)} bad, e.g. {skipped[0].problem})" if skipped else ""
        raise AssetError(f"{pool} has no usable file{first}")
    return FilePool(tuple(files), tuple(skipped))


# Params type of a component with a file pool -> what its pool left out (see ``bad_assets``).
_POOLS: dict[type[BaseModel], Callable[[Any, SceneContext], tuple[SkippedAsset, ...]]] = {}


def register_pool(params_type: type[P]
                  ) -> Callable[[Callable[[P, SceneContext], tuple[SkippedAsset, ...]]],
                                Callable[[P, SceneContext], tuple[SkippedAsset, ...]]]:
    """Register how to build the file pool of a component's params (``bad_assets`` calls it)."""
    def decorate(fn: Callable[[P, SceneContext], tuple[SkippedAsset, ...]]
                 ) -> Callable[[P, SceneContext], tuple[SkippedAsset, ...]]:
        _POOLS[params_type] = fn
        return fn
    return decorate


def _models(value: Any) -> Iterable[BaseModel]:
    """Every pydantic model inside ``value`` (itself included), depth first, in field order."""
    if isinstance(value, BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from _models(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _models(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _models(item)


def bad_assets(spec: BaseModel, ctx: SceneContext) -> tuple[SkippedAsset, ...]:
    """Build every file pool ``spec`` names; return the files left out (sorted, no repeats).

    Raises:
        AssetError: a bad file (without ``ctx.skip_bad_assets``) or an empty pool.
    """
    found: dict[str, SkippedAsset] = {}
    for model in _models(spec):
        builder = _POOLS.get(type(model))
        if builder is not None:
            found.update((s.file, s) for s in builder(model, ctx))
    return tuple(found[k] for k in sorted(found))


def warn_skipped(skipped: Iterable[SkippedAsset]) -> None:
    """One warning line per file left out of a pool."""
    for item in skipped:
        log.warning("skipped bad asset: %s", item.problem)
