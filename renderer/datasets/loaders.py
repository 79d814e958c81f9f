"""The registry of dataset readers: each format's module registers its ``load_*`` function.

Example::

    @register_loader("coco", itemwise=True)
    def load_coco(path: Path, problems: Problems | None = None) -> LoadedDataset: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from renderer.datasets.base import LoadedDataset
from renderer.registry import Registry

F = TypeVar("F", bound=Callable[..., LoadedDataset])


@dataclass(frozen=True)
class Loader:
    """A registered reader.

    Attributes:
        read: ``read(path)``, or ``read(path, problems)`` when ``itemwise``.
        itemwise: checks annotations item by item while loading and takes a ``Problems``; the
            other readers' items fail only when read (see ``to_eval_set``).
    """

    read: Callable[..., LoadedDataset]
    itemwise: bool = False


LOADERS: Registry[Loader] = Registry("dataset format")


def register_loader(name: str, *, itemwise: bool = False) -> Callable[[F], F]:
    """Function decorator registering a reader as format ``name`` (returns it unchanged)."""
    def decorate(read: F) -> F:
        LOADERS.register(name)(Loader(read, itemwise))
        return read
    return decorate
