"""``UsageError``: an option or setting value that cannot work.

Library code raises it (class maps, task options, detector names); the CLI prints its message as
one line and exits 2, as for any other invalid input.
"""


class UsageError(ValueError):
    """An option value that cannot work (its message names the option and what is wrong)."""
