"""The background registry and the contract of a background kind."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from renderer.registry import Registry
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel


class BackgroundKind(Protocol):
    """Contract of a background kind (see ``solid`` for the smallest example)."""

    Params: type[SpecModel]

    @staticmethod
    def sample(params: Any, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]: ...

    @staticmethod
    def render(record: dict[str, Any], height: int, width: int, ctx: SceneContext) -> np.ndarray: ...


BACKGROUNDS: Registry[BackgroundKind] = Registry("background")
