"""How failures reach the user: one line, and an exit code that tells input errors apart."""

from __future__ import annotations

from renderer.datasets.base import DatasetError
from renderer.io import OutputError
from renderer.resources import AssetError
from renderer.spec.load import SpecError

EXIT_FAILURE = 1
EXIT_INPUT = 2


class UsageError(ValueError):
    """An option value that cannot work (its message names the option and what is wrong)."""


def one_line(exc: BaseException) -> str:
    """The user-facing message of an exception, on one line."""
    if isinstance(exc, SpecError):
        return f"{exc.source}: " + "; ".join(exc.problems)
    if isinstance(exc, AssetError | OutputError | DatasetError | UsageError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory"
    text = str(exc).strip().splitlines()
    detail = text[0] if text else ""
    return f"{type(exc).__name__}: {detail} (run with --debug for the traceback)"


def exit_code(exc: BaseException) -> int:
    """2 for invalid input (spec, assets), 1 for everything else."""
    return EXIT_INPUT if isinstance(exc, SpecError | AssetError | ValueError) else EXIT_FAILURE
