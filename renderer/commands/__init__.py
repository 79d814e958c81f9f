"""Sub-commands of ``synth``: one module each, with ``add_parser(sub)`` setting ``run``."""

from renderer.commands import ablate, preview, render, schema, sweep, tune, validate

COMMANDS = [render, preview, validate, schema, sweep, ablate, tune]
