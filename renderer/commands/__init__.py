"""Sub-commands of ``synth``: one module each, with ``add_parser(sub)`` setting ``run``."""

from renderer.commands import preview, render, schema, validate

COMMANDS = [render, preview, validate, schema]
