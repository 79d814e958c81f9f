"""Asset pools: the usable files of a folder-backed asset kind, checked once per process.

Asset kinds that draw from a folder of files build their *pool* once per process with
``usable_files``: every file is checked in full when the pool is built (decoded, not just its
header), so a bad file is an error naming it before anything renders, or, with
``skip_bad_assets``, is left out of the pool. Pools are the same in every process, so the output
stays independent of worker count and of which indices are rendered. ``bad_assets(spec)`` builds
every pool a spec names and lists what was left out (for the manifest).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from renderer.scene_context import AssetError, SceneContext

log = logging.getLogger(__name__)
P = TypeVar("P", bound=BaseModel)


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
