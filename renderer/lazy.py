"""Package attributes that import their module on first use (PEP 562), so imports cost what is used."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_names(package: str, table: Mapping[str, str], namespace: dict[str, Any]
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose public names load lazily.

    Args:
        package: the package's ``__name__`` (for the error message).
        table: public name -> module that defines it.
        namespace: the package's ``globals()`` (what ``dir`` lists besides the lazy names).

    Example::

        _LAZY = {"EvalSet": "renderer.evaluate.evalset"}
        __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
    """
    def getattr_(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(table[name]), name)

    def dir_() -> list[str]:
        return sorted({*namespace, *table})

    return getattr_, dir_
