"""Which variants an ablation runs: each randomizer of a spec turned off, one at a time.

Found generically from the spec model (:mod:`renderer.experiments.knobs`):

- each effect: removed;
- each unlabeled layer (distractors, occluders): removed;
- each option of a background mix (two or more): removed;
- each probability (``p``, ``*_p``, ``flip_h``, ``flip_v``, ``monochrome``) above 0: set to 0,
  and lighting features (``spots.count``, ``vignette``): set to 0;
- blend modes: ``none``; any other choice of names (outside assets): its most likely name;
- every other non-constant distribution: collapsed to its ``center()``.

A variant whose plans equal the base's on the probe images changes nothing (e.g. a colour range
under a fixed ``rgb``) and is reported as inactive instead of being run; one that makes the spec
invalid (e.g. removing the only layer) is reported as not applicable.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

from renderer.experiments.axes import apply_parameters, field_path, value_label
from renderer.experiments.knobs import Knob, plan_signatures, spec_knobs, variant_changes_plans
from renderer.spec.params import NameChoice
from renderer.spec.scene import SceneSpec

PROBABILITY_FIELDS = ("p", "flip_h", "flip_v", "monochrome")
OFF_FIELDS = ("lighting.spots.count", "lighting.vignette")


@dataclass(frozen=True)
class Ablation:
    """One variant: ``name`` (readable), ``path`` changed, ``change`` in words, spec ``data``."""

    name: str
    path: str
    change: str
    data: dict[str, Any]


def _removed(data: dict[str, Any], path: str) -> dict[str, Any]:
    """A copy of ``data`` without the list item at ``path`` (``effects[2]``)."""
    out = copy.deepcopy(data)
    *parents, index = field_path(path)
    node: Any = out
    for step in parents:
        node = node[step]
    del node[index]
    return out


def _narrow_value(knob: Knob) -> tuple[Any, str] | None:
    """(new value, change in words) of a knob, or None when it is already narrow."""
    value = knob.value
    if isinstance(value, NameChoice):
        if knob.field == "modes":
            return None if value.names == ("none",) else ("none", "none")
        if knob.constant:
            return None
        heaviest = value.names[max(range(len(value.names)), key=value.weights.__getitem__)]
        return heaviest, f"only {heaviest}"
    if knob.field in PROBABILITY_FIELDS or knob.field.endswith("_p") or knob.path in OFF_FIELDS:
        return None if value.bounds() == (0, 0) else (0, "off (0)")
    if knob.constant:
        return None
    centre = value.center()
    centre = int(round(centre)) if value.integer else float(centre)
    return centre, f"{value_label(value.to_data())} -> {value_label(centre)}"


def _structural(spec: SceneSpec, data: dict[str, Any]) -> list[Ablation]:
    out = []
    for i, effect in enumerate(spec.effects):
        name = effect.name or effect.kind
        out.append(Ablation(f"{name} (effect)", f"effects[{i}]", "removed",
                            _removed(data, f"effects[{i}]")))
    for i, layer in enumerate(spec.objects):
        if not layer.labeled:
            name = spec.layer_name(i)
            out.append(Ablation(f"{name} (unlabeled layer)", f"objects[{i}]", "removed",
                                _removed(data, f"objects[{i}]")))
    options = getattr(spec.background, "options", None)
    if options and len(options) > 1:
        for k, option in enumerate(options):
            out.append(Ablation(f"background {option.background.kind} (mix option {k})",
                                f"background.options[{k}]", "removed",
                                _removed(data, f"background.options[{k}]")))
    return out


def _group_key(knob: Knob) -> str:
    owner, _, rest = knob.name.partition(": ")
    return f"{owner}: {rest.split('.')[0]}" if rest else owner


def candidate_ablations(spec: SceneSpec, data: dict[str, Any],
                        group: Literal["field", "block"] = "field") -> list[Ablation]:
    """Every ablation of the spec, before the inactive ones are filtered out.

    Args:
        spec: the validated base spec.
        data: the base spec as written (variants are edits of it).
        group: ``field``: one variant per randomized field; ``block``: the fields of one block
            (a layer's pose, its material, the directional light...) narrowed together.
    """
    narrowed: dict[str, list[tuple[Knob, Any, str]]] = {}
    for knob in spec_knobs(spec):
        change = _narrow_value(knob)
        if change is not None:
            key = knob.name if group == "field" else _group_key(knob)
            narrowed.setdefault(key, []).append((knob, *change))
    out = _structural(spec, data)
    for name, items in narrowed.items():
        params = {knob.path: value for knob, value, _ in items}
        change = "; ".join(text if len(items) == 1 else f"{knob.path.rsplit('.', 1)[-1]} {text}"
                           for knob, _, text in items)
        out.append(Ablation(name, ", ".join(params), change, apply_parameters(data, params)))
    return out


def plan_ablations(spec: SceneSpec, data: dict[str, Any], seed: int,
                   group: Literal["field", "block"] = "field",
                   probes: int = 32) -> tuple[list[Ablation], list[tuple[Ablation, str]]]:
    """(variants to run, [(variant, reason)] left out as inactive or not applicable)."""
    base_plans = plan_signatures(spec, seed, probes)
    run, skipped = [], []
    for ablation in candidate_ablations(spec, data, group):
        changes = variant_changes_plans(ablation.data, base_plans, seed, spec.context)
        if changes is None:
            skipped.append((ablation, "not applicable (the spec would be invalid)"))
        elif not changes:
            skipped.append((ablation, f"inactive (no plan changes on {probes} probe images)"))
        else:
            run.append(ablation)
    return run, skipped
