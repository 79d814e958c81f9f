"""How failures reach the user: one line, and an exit code that tells input errors apart.

The error types are imported only when a failure is reported, so that ``synth --help`` does not
pay for the modules that define them.
"""

from __future__ import annotations

EXIT_FAILURE = 1
EXIT_INPUT = 2


def one_line(exc: BaseException) -> str:
    """The user-facing message of an exception, on one line."""
    from renderer.datasets.base import DatasetError
    from renderer.io import OutputError
    from renderer.scene_context import AssetError
    from renderer.spec.load import SpecError
    from renderer.usage_error import UsageError

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
    from renderer.scene_context import AssetError
    from renderer.spec.load import SpecError

    return EXIT_INPUT if isinstance(exc, SpecError | AssetError | ValueError) else EXIT_FAILURE
