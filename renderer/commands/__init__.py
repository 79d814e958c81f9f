"""Sub-commands of ``synth``: one module each, with ``add_parser(sub)`` setting ``run``."""

from renderer.commands import ablate, eval, preview, render, schema, sweep, tune, validate

COMMANDS = [render, preview, validate, schema, eval, sweep, ablate, tune]
