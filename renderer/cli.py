"""The ``synth`` command: a thin layer over the library. It owns all printing.

Errors are one line on stderr and a non-zero exit (2 for invalid input); ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from renderer.commands import COMMANDS


class _VersionAction(argparse.Action):
    """``--version``, reading the installed version only when asked (it costs an import)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from renderer.version import __version__

        print(f"synth {__version__}")
        parser.exit()


class _CliFormatter(logging.Formatter):
    """Log lines as ``synth: message``, warnings as ``synth: warning: message``."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        tag = "warning: " if record.levelno >= logging.WARNING else ""
        return f"synth: {tag}{record.getMessage()}"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="synth", description="Render synthetic, labeled image datasets and measure their gap "
                                  "to real images.")
    parser.add_argument("--version", action=_VersionAction,
                        help="show program's version number and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``synth`` console script."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # --debug and --verbose work before or after the sub-command.
    flags = [a for a in argv if a in ("--debug", "-v", "--verbose")]
    rest = [a for a in argv if a not in flags]
    args = parser.parse_args(flags + rest)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_CliFormatter())
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler])
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("synth: interrupted; rerun the same command with --resume to continue",
              file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        from renderer.commands.failures import exit_code, one_line

        print(f"synth: error: {one_line(exc)}", file=sys.stderr)
        return exit_code(exc)


if __name__ == "__main__":
    sys.exit(main())
