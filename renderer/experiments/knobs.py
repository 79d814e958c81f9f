"""The randomizers of a spec, found by walking the spec model (no per-component lists).

Every numeric field holding a non-constant ``Dist`` is a knob, wherever it sits (pose, material,
lighting, an effect, a background option, an asset); so is every weighted choice of names outside
asset blocks (asset names are classes, not randomizers). Each knob knows its dot path, a readable
name (layers and effects by their names), and the field's validator limits.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from renderer.plan import sample_plan
from renderer.scene_context import SceneContext
from renderer.spec.distributions import Dist
from renderer.spec.load import SpecError, validate_spec
from renderer.spec.params import NameChoice
from renderer.spec.scene import SceneSpec

PROBE_IMAGES = 32  # plans compared to tell whether a change reaches the images at all


@dataclass(frozen=True)
class Knob:
    """One randomized field of a spec.

    Attributes:
        path: dot path into the spec (``objects[0].pose.rotation``), the ``--set`` syntax.
        name: readable name (``digit: pose.rotation``, ``blur: sigma``, ``lighting: ambient``).
        field: the field's own name (``rotation``).
        value: its ``Dist`` or ``NameChoice``.
        limits: (lowest, highest) values the field's validator accepts (infinite when open).
    """

    path: str
    name: str
    field: str
    value: Dist | NameChoice
    limits: tuple[float, float]

    @property
    def constant(self) -> bool:
        """Whether the field takes a single value."""
        if isinstance(self.value, NameChoice):
            return len(self.value.names) == 1
        lo, hi = self.value.bounds()
        return lo == hi


def field_limits(model: type[BaseModel], name: str) -> tuple[float, float]:
    """The ``ge``/``le`` bounds a ``FloatParam``/``IntParam`` field was declared with."""
    info = model.model_fields.get(name)
    for meta in (info.metadata if info is not None else ()):
        func = getattr(meta, "func", None)
        code = getattr(func, "__code__", None)
        if code is None or not func.__closure__:
            continue
        cells = dict(zip(code.co_freevars, (c.cell_contents for c in func.__closure__),
                         strict=True))
        if "ge" in cells and "le" in cells:
            lo, hi = cells["ge"], cells["le"]
            return (-math.inf if lo is None else float(lo), math.inf if hi is None else float(hi))
    return (-math.inf, math.inf)


def _walk(node: BaseModel, path: str, in_asset: bool) -> Iterator[tuple[str, str, Any, tuple]]:
    """(path, field name, value, limits) of every Dist / NameChoice below ``node``."""
    for name in type(node).model_fields:
        value = getattr(node, name)
        here = f"{path}.{name}" if path else name
        if isinstance(value, Dist) or (isinstance(value, NameChoice) and not in_asset):
            yield here, name, value, field_limits(type(node), name)
        elif isinstance(value, BaseModel):
            yield from _walk(value, here, in_asset or name == "asset")
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _walk(item, f"{here}[{i}]", in_asset or name == "asset")


def readable(spec: SceneSpec, path: str) -> str:
    """``objects[0].pose.scale`` -> ``digit: pose.scale``; ``effects[1]`` -> ``effect blur``."""
    head, _, rest = path.partition(".")
    if head.startswith("objects["):
        owner = spec.layer_name(int(head[8:-1]))
    elif head.startswith("effects["):
        effect = spec.effects[int(head[8:-1])]
        owner = effect.name or effect.kind
    elif head == "background" and rest.startswith("options["):
        k = int(rest[8:rest.index("]")])
        option = spec.background.options[k].background  # type: ignore[union-attr]
        owner, rest = f"background {option.kind}", rest[rest.index("]") + 1:].lstrip(".")
        rest = rest.removeprefix("background.")
    else:
        owner, rest = head, rest
    return f"{owner}: {rest}" if rest else owner


def spec_knobs(spec: SceneSpec) -> list[Knob]:
    """Every Dist / NameChoice field of ``spec`` (constant ones too), in spec order."""
    return [Knob(path, readable(spec, path), name, value, limits)
            for path, name, value, limits in _walk(spec, "", False)]


def plan_signatures(spec: SceneSpec, seed: int, probes: int = PROBE_IMAGES) -> list[dict]:
    """The plans of the first ``probes`` images, without the spec hash."""
    out = []
    for index in range(probes):
        plan = sample_plan(spec, seed, index).to_dict()
        plan.pop("spec_hash")
        out.append(plan)
    return out


def variant_changes_plans(data: dict[str, Any], base_plans: list[dict], seed: int,
                          ctx: SceneContext) -> bool | None:
    """Whether spec ``data`` draws different plans from the base on the probe images.

    Named streams keep every other draw equal, so an unchanged plan means the change never
    reached the images (e.g. a colour range under a fixed ``rgb``, a light whose ``p`` is 0).
    None when ``data`` is not a valid spec.
    """
    try:
        spec = validate_spec(data, "variant", ctx)
    except SpecError:
        return None
    return plan_signatures(spec, seed, len(base_plans)) != base_plans
