"""synth: render synthetic, labeled image datasets and measure their gap to real images.

The whole product rests on one pure function::

    from renderer import load_spec, render_sample
    spec = load_spec("scenes/quickstart.yaml")
    sample = render_sample(spec, seed=0, index=17)   # same bytes everywhere

Importing this package never imports torch.
"""

from renderer.version import __version__

__all__ = ["__version__", "load_spec", "render_plan", "render_sample", "sample_plan"]


def __getattr__(name: str):
    if name == "load_spec":
        from renderer.spec.load import load_spec

        return load_spec
    if name in ("render_sample", "render_plan"):
        from renderer import render

        return getattr(render, name)
    if name == "sample_plan":
        from renderer.plan import sample_plan

        return sample_plan
    raise AttributeError(name)
