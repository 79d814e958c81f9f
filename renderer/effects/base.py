"""The effect registry: camera and sensor effects applied to the finished frame, in spec order.

Every effect has a probability ``p`` and an optional ``name`` (its RNG stream; defaults to its
kind). Plan time draws the record (``sample``); render time applies it (``apply``), deterministically.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from pydantic import Field

from renderer.registry import Registry
from renderer.spec.base import SpecModel


class EffectParams(SpecModel):
    """Fields shared by every effect."""

    name: str | None = Field(None, description="RNG stream name; defaults to the kind")
    p: float = Field(1.0, ge=0, le=1, description="probability that the effect is applied")


class Effect(Protocol):
    """Contract of an effect (see ``blur`` for the smallest example)."""

    Params: type[EffectParams]

    @staticmethod
    def sample(params: Any, *, rng: np.random.Generator) -> dict[str, Any]: ...

    @staticmethod
    def apply(image: np.ndarray, record: dict[str, Any]) -> np.ndarray: ...


EFFECTS: Registry[Effect] = Registry("effect")


def sample_effect(params: EffectParams, *, rng: np.random.Generator) -> dict[str, Any]:
    """Draw whether the effect applies, then its parameters (both from the effect's own stream)."""
    applied = bool(rng.random() < params.p)
    record = EFFECTS.get(params.kind).sample(params, rng=rng) if applied else {}  # type: ignore[attr-defined]
    return {"kind": params.kind, "applied": applied, **record}  # type: ignore[attr-defined]


def apply_effect(image: np.ndarray, record: dict[str, Any]) -> np.ndarray:
    """Apply a sampled effect record to an RGB uint8 image (identity when not applied)."""
    if not record["applied"]:
        return image
    return EFFECTS.get(record["kind"]).apply(image, record)
