"""Axes of a sweep: the values each spec field takes, their combinations, and applying them.

An axis is a dot path into the spec (``lighting.ambient``, ``effects[0].sigma``) with a list of
values (grid) or seeded random draws. Values are anything the field accepts: a constant, a
``[low, high]`` range, a distribution mapping.
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import numpy as np

from renderer.experiments.config import RandomAxis
from renderer.rng import stable_id
from renderer.spec.load import SpecError, apply_override, parse_override

SIGNIFICANT_DIGITS = 6  # drawn values are rounded so trial tables and hashes stay readable


def field_path(text: str) -> list[str | int]:
    """``effects[0].sigma`` -> ``["effects", 0, "sigma"]`` (the ``--set`` path syntax)."""
    return parse_override(f"{text}=null")[0]


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return float(value)
    digits = SIGNIFICANT_DIGITS - int(math.floor(math.log10(abs(value)))) - 1
    return float(round(value, digits))


def draw_axis(axis: RandomAxis, *, rng: np.random.Generator) -> list[Any]:
    """The ``axis.random`` values of a random axis, drawn from ``rng``."""
    values: list[Any] = []
    for _ in range(axis.random):
        if axis.log:
            centre = math.exp(rng.uniform(math.log(axis.low), math.log(axis.high)))
        else:
            centre = rng.uniform(axis.low, axis.high)
        if axis.width is None:
            values.append(int(round(centre)) if axis.integer else _round(centre))
            continue
        width = (rng.uniform(*axis.width) if isinstance(axis.width, tuple)
                 else float(axis.width))
        low, high = centre - width / 2, centre + width / 2
        if axis.integer:
            values.append([int(math.floor(low)), int(math.ceil(high))])
        else:
            values.append([_round(low), _round(high)])
    return values


def axis_values(path: str, axis: list[Any] | RandomAxis, *, seed: int) -> list[Any]:
    """Values of one axis; a random axis draws from its own stream of ``(seed, path)``."""
    if isinstance(axis, RandomAxis):
        sequence = np.random.SeedSequence(seed, spawn_key=(stable_id(f"axis/{path}"),))
        return draw_axis(axis, rng=np.random.Generator(np.random.PCG64(sequence)))
    return list(axis)


def combine_axes(axes: dict[str, list[Any] | RandomAxis], combine: str,
                 seed: int) -> list[dict[str, Any]]:
    """Parameter sets of every trial: the cartesian product of the axes, or their zip.

    ``zip`` pairs the i-th values of every axis (all axes need as many values); with random axes
    it is a random search of joint draws.
    """
    if not axes:
        return [{}]
    names = list(axes)
    columns = [axis_values(name, axes[name], seed=seed) for name in names]
    if combine == "zip":
        lengths = {len(c) for c in columns}
        if len(lengths) != 1:
            raise SpecError("axes", [f"combine: zip needs axes of equal length, got "
                                     f"{dict(zip(names, map(len, columns), strict=True))}"])
        rows = zip(*columns, strict=True)
    else:
        rows = itertools.product(*columns)
    return [dict(zip(names, row, strict=True)) for row in rows]


def apply_parameters(data: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of spec ``data`` with every ``path: value`` of ``params`` set."""
    out = copy.deepcopy(data)
    for path, value in params.items():
        apply_override(out, field_path(path), copy.deepcopy(value), f"{path}={value}")
    return out


def numeric_position(value: Any) -> float | None:
    """Where a value lies on a plot axis: a number, a range's centre, else None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if (isinstance(value, list | tuple) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        return (float(value[0]) + float(value[1])) / 2
    return None


def value_label(value: Any) -> str:
    """Short text of a parameter value (CSV cells, plot ticks)."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_label(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_label(v)}" for k, v in value.items()) + "}"
    return str(value)
