"""Any albumentations transform by name, seeded per sample. The only albumentations importer.

albumentations is pinned to 2.0.8, its last MIT release. The transform is built inside a
``Compose(seed=None)`` and handed generators made from the sample's own seed before each call:
``Compose(seed=...)`` would mix in the DataLoader worker seed and break per-index determinism.
Only image-level (pixel) transforms are allowed, since geometric ones would move pixels away from
their labels.

YAML::

    effects:
      - {kind: albumentations, transform: ISONoise, args: {intensity: [0.1, 0.5]}, p: 0.3}
"""

from __future__ import annotations

import os
import random
from functools import lru_cache
from types import ModuleType
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from renderer.effects.base import EFFECTS, EffectParams
from renderer.rng import child_seed

JsonValue = Any


class AlbumentationsParams(EffectParams):
    """Transform class name (pixel-level only) and its keyword arguments (JSON values)."""

    kind: Literal["albumentations"] = "albumentations"
    transform: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$")
    args: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("transform")
    @classmethod
    def _known_pixel_transform(cls, name: str) -> str:
        transform_class(name)
        return name


def _albumentations() -> ModuleType:
    """Import albumentations without its import-time update check.

    Unless ``NO_ALBUMENTATIONS_UPDATE`` is set, importing it queries PyPI (up to 2 s) and warns
    when offline, which fails every run where warnings are errors.
    """
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    import albumentations

    return albumentations


def transform_class(name: str) -> type:
    """The albumentations pixel-level transform class called ``name``; ``ValueError`` otherwise."""
    A = _albumentations()  # noqa: N806 - the library's own convention

    candidate = getattr(A, name, None)
    if not isinstance(candidate, type) or not issubclass(candidate, A.ImageOnlyTransform):
        raise ValueError(f"{name!r} is not an albumentations pixel-level transform")
    return candidate


@lru_cache(maxsize=64)
def _compose(name: str, args_key: str) -> Any:
    import json

    transform = transform_class(name)(**json.loads(args_key), p=1.0)
    return _albumentations().Compose([transform], seed=None, strict=True)


@EFFECTS.register("albumentations")
class Albumentations:
    """Adapter running one albumentations transform."""

    Params = AlbumentationsParams

    @staticmethod
    def sample(params: AlbumentationsParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {"transform": params.transform, "args": params.args, "seed": child_seed(rng)}

    @staticmethod
    def apply(image: np.ndarray, record: dict[str, Any]) -> np.ndarray:
        import json

        compose = _compose(record["transform"], json.dumps(record["args"], sort_keys=True))
        seed = record["seed"]
        compose.set_random_state(np.random.default_rng(seed), random.Random(seed))
        return compose(image=image)["image"]
