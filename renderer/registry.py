"""One registry per component kind: a YAML block selects a component by its ``kind:``.

Example::

    BACKGROUNDS = Registry("background")

    @BACKGROUNDS.register("solid")
    class Solid:
        Params = SolidParams          # pydantic model with ``kind: Literal["solid"]``
        ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to components of one kind; each component is registered exactly once."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Class decorator registering a component under ``name``."""

        def decorate(component: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = component
            return component

        return decorate

    def get(self, name: str) -> T:
        """Return the component registered as ``name``; the error lists the known names."""
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items))
            raise KeyError(f"unknown {self.kind} {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        """Registered names in registration order."""
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        """(name, component) pairs in registration order."""
        return list(self._items.items())

    def params_models(self) -> tuple[Any, ...]:
        """The ``Params`` model of every component, for building the spec's tagged union."""
        return tuple(component.Params for component in self._items.values())  # type: ignore[attr-defined]
