"""The scene spec: the root model of a YAML file.

YAML::

    version: 1
    canvas: {width: 640, height: 480, mode: rgb}
    task: detection                # or classification (one labeled object, ImageFolder output)
    background: {kind: noise}
    objects:
      - {name: shapes, asset: {kind: shape}, count: [2, 5]}
    lighting: {ambient: [0.7, 1.2]}
    effects: [{kind: gaussian_noise, sigma: [1, 5]}]
    camera: {fov: 50, elevation: [60, 90]}   # for mesh objects (see spec.camera)
    output: {image_format: jpg, jpeg_quality: 95}
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal, Union

from pydantic import Field, PrivateAttr, model_validator

from renderer.backgrounds import BackgroundSpec
from renderer.effects import EFFECTS
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.camera import Camera
from renderer.spec.lighting import Lighting
from renderer.spec.native import NativeResolution
from renderer.spec.objects import ObjectLayer

EffectSpec = Annotated[Union[EFFECTS.params_models()], Field(discriminator="kind")]  # noqa: UP007

MAX_PIXELS = 16_777_216  # 4096 x 4096: a larger canvas is almost always a typo


class Canvas(SpecModel):
    """Image size in pixels and colour mode (``gray`` writes single-channel images); ``native``
    draws frames at another size first (see ``renderer.spec.native``)."""

    width: int = Field(640, ge=8, le=8192)
    height: int = Field(480, ge=8, le=8192)
    mode: Literal["rgb", "gray"] = "rgb"
    native: NativeResolution | None = Field(None, description="draw at another size, then resize")

    @model_validator(mode="after")
    def _bounded_area(self) -> Canvas:
        if self.width * self.height > MAX_PIXELS:
            raise ValueError(f"canvas of {self.width}x{self.height} exceeds {MAX_PIXELS} pixels")
        if self.native is not None:
            largest = self.width * self.height * self.native.scale.bounds()[1] ** 2
            if largest > MAX_PIXELS:
                raise ValueError(f"native: frames up to {largest:.0f} pixels exceed {MAX_PIXELS} "
                                 "(lower native.scale)")
        return self


class Output(SpecModel):
    """How images are encoded on disk (PNG compression 0-9: 1 is fast and still lossless)."""

    image_format: Literal["jpg", "png"] = "jpg"
    jpeg_quality: int = Field(95, ge=1, le=100)
    png_compression: int = Field(1, ge=0, le=9)
    semantic_mask: bool = False


class Classification(SpecModel):
    """Options of classification scenes: optional MNIST-style centring of the ink.

    ``center: mass`` fits the object's extent into a ``box``-pixel square and moves its centre of
    mass to the canvas centre, as MNIST's preprocessing did.
    """

    center: Literal["none", "mass"] = "none"
    box: int = Field(20, ge=1, le=8192)
    supersample: int = Field(1, ge=1, le=8, description="render at this multiple, then centre")


class SceneSpec(SpecModel):
    """Root of a scene spec. Every numeric field takes a constant or a distribution."""

    version: Literal[1] = 1
    seed: int = Field(0, ge=0, le=2**63 - 1)
    canvas: Canvas = Canvas()
    task: Literal["detection", "classification"] = "detection"
    background: BackgroundSpec = Field(default_factory=lambda: {"kind": "noise"})
    objects: list[ObjectLayer] = Field(min_length=1, max_length=64)
    lighting: Lighting = Lighting()
    effects: list[EffectSpec] = Field(default_factory=list, max_length=64)
    output: Output = Output()
    classification: Classification = Classification()
    shuffle_depth: bool = Field(False, description="draw layers in random depth order")
    camera: Camera | None = Field(None, description="camera of 3D (mesh) objects")

    _context: SceneContext = PrivateAttr(default_factory=SceneContext)
    _hash: str | None = PrivateAttr(default=None)
    # derived from the spec and its context, cached by renderer.classes.class_table
    _class_table: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _names_and_task(self) -> SceneSpec:
        layer_names = [layer.name or f"layer{i}" for i, layer in enumerate(self.objects)]
        if len(set(layer_names)) != len(layer_names):
            raise ValueError("objects: layer names must be unique")
        effect_names = [e.name or e.kind for e in self.effects]
        duplicates = sorted({n for n in effect_names if effect_names.count(n) > 1})
        if duplicates:
            raise ValueError(f"effects: give each repeated kind a distinct 'name' ({duplicates})")
        if self.classification.center == "mass" and self.task != "classification":
            raise ValueError("classification.center: mass needs task: classification")
        if self.classification.center == "mass" and self.canvas.native is not None:
            raise ValueError("canvas.native: not with classification.center: mass, which resizes "
                             "the frame itself (use classification.supersample)")
        if self.task == "classification":
            labeled = [layer for layer in self.objects if layer.labeled]
            if len(labeled) != 1 or labeled[0].count.bounds() != (1, 1):
                raise ValueError("classification scenes need exactly one labeled layer with count 1")
        return self

    @property
    def camera_or_default(self) -> Camera:
        """The scene's camera (the default one when mesh layers come without a camera block)."""
        return self.camera or Camera()

    @property
    def render_size(self) -> tuple[int, int]:
        """(width, height) of the frame objects are drawn in (supersampled before centring)."""
        k = self.classification.supersample if self.classification.center == "mass" else 1
        return self.canvas.width * k, self.canvas.height * k

    def layer_name(self, i: int) -> str:
        """Name of object layer ``i`` (its RNG stream and its key in plans)."""
        return self.objects[i].name or f"layer{i}"

    @property
    def context(self) -> SceneContext:
        """Where this spec's relative paths start (set by ``load_spec``)."""
        return self._context

    def with_context(self, ctx: SceneContext) -> SceneSpec:
        """A copy of this spec resolving paths through ``ctx``."""
        spec = self.model_copy()
        spec._context = ctx
        spec._class_table = None  # asset folders may resolve differently under ctx
        return spec

    def to_data(self) -> dict[str, Any]:
        """The resolved spec as plain JSON-able data (every default filled in)."""
        data = self.model_dump(mode="json")
        if data["camera"] is None:
            del data["camera"]  # flat scenes keep the data (and hash) they had before 3D existed
        return data

    def spec_hash(self) -> str:
        """sha256 of the resolved spec: equal hashes render equal datasets."""
        if self._hash is None:
            text = json.dumps(self.to_data(), sort_keys=True, separators=(",", ":"))
            self._hash = hashlib.sha256(text.encode()).hexdigest()
        return self._hash
