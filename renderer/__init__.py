"""synth: render synthetic, labeled image datasets and measure their gap to real images.

The whole product rests on one pure function::

    from renderer import load_spec, render_sample
    spec = load_spec("scenes/quickstart.yaml")
    sample = render_sample(spec, seed=0, index=17)   # same bytes everywhere

Importing this package never imports torch; each name below loads its module on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from renderer.lazy import lazy_names

if TYPE_CHECKING:
    from renderer.plan import sample_plan
    from renderer.render import render_plan, render_sample
    from renderer.spec.load import load_spec
    from renderer.version import __version__

# Public name -> the module that defines it.
_LAZY = {
    "__version__": "renderer.version",
    "load_spec": "renderer.spec.load",
    "render_plan": "renderer.render",
    "render_sample": "renderer.render",
    "sample_plan": "renderer.plan",
}

__all__ = ["__version__", "load_spec", "render_plan", "render_sample", "sample_plan"]


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
