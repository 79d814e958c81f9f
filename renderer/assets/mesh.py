"""3D meshes: files (OBJ, PLY, STL, GLB with UV textures) or procedural solids, drawn under a
6-DoF pose by the scene's camera (needs the ``[3d]`` extra).

Procedural sources need no download: ``dice`` (rounded cube with pips in the standard layout,
opposite faces sum to 7; its class is the face that ends up on top, read from the pose),
``box`` (rounded edges; ``aspect`` = height / side), ``cylinder`` (``aspect`` = height /
diameter), ``sphere``, ``torus`` (``aspect`` = tube / ring radius) and ``glyph`` (a character of
``font`` extruded; ``aspect`` = depth / height). ``size`` is the longest side in metres (default
5 cm, 16 mm for dice); a file keeps its own size times ``scale`` (metres per file unit) unless
``size`` is given. ``detail``
(1-5) sets the tessellation. In a flat scene a mesh is drawn as seen from above.

Materials: ``roughness`` (0 glossy .. 1 matte) and ``specular`` set the highlight,
``translucency`` lets light wrap around the body and through its shadow (tinted plastic),
``marble`` is the probability of veins of ``marble_color``, ``pip_color`` colours a die's pips,
``pip_radius`` and ``pip_spacing`` (fractions of the die's side) size them and space their centres.

YAML::

    asset:
      kind: mesh
      source: {procedural: dice, edge_radius: [0.08, 0.15]}
      size: [0.014, 0.02]
      material: {color: {hue: [0, 360]}, roughness: [0.2, 0.6], specular: [0.1, 0.6],
                 translucency: [0, 0.5], marble: 0.2, pip_color: {rgb: [250, 250, 250]}}
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from renderer.assets.base import ASSETS, AssetInfo, AssetRaster
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.color import ColorSpec
from renderer.spec.params import FloatParam, NamesParam

PROCEDURAL = ("dice", "box", "cylinder", "sphere", "torus", "glyph")
KEYPOINTS = ("centroid", *(f"corner{i:03b}" for i in range(8)))
DEFAULT_SIZE = 0.05  # metres: a hand-sized object
DICE_SIZE = 0.016  # the common 16 mm die
_ASPECT = {"box": 1.0, "cylinder": 1.0, "torus": 0.35, "glyph": 0.3}


class MeshSource(SpecModel):
    """Where the mesh comes from: ``procedural`` (a name) or ``file`` (a path)."""

    procedural: Literal[PROCEDURAL] | None = None  # type: ignore[valid-type]
    file: str | None = Field(None, min_length=1)
    scale: float = Field(1.0, gt=0, le=1e6)
    edge_radius: FloatParam(ge=0, le=1) = [0.1, 0.2]
    aspect: FloatParam(ge=0.05, le=20) | None = None
    detail: int = Field(3, ge=1, le=5)
    text: NamesParam() = "A"
    font: str = "builtin:fonts/DejaVuSans.ttf"

    @model_validator(mode="after")
    def _one_source(self) -> MeshSource:
        if (self.procedural is None) == (self.file is None):
            raise ValueError("give exactly one of 'procedural' and 'file'")
        return self


class MeshMaterial(SpecModel):
    """Surface of a mesh (see the module docstring)."""

    color: ColorSpec = ColorSpec(saturation=[0.3, 1], value=[0.3, 1])
    roughness: FloatParam(ge=0, le=1) = [0.3, 0.7]
    specular: FloatParam(ge=0, le=1) = [0.1, 0.5]
    translucency: FloatParam(ge=0, le=1) = 0
    marble: FloatParam(ge=0, le=1) = 0
    marble_color: ColorSpec = ColorSpec(rgb=(240, 240, 235))
    marble_scale: FloatParam(ge=0.1, le=1000) = [6, 16]
    pip_color: ColorSpec = ColorSpec(rgb=(245, 245, 245))
    pip_radius: FloatParam(ge=0.01, le=0.2) = 0.085
    pip_spacing: FloatParam(ge=0.1, le=0.4) = 0.25


class MeshParams(SpecModel):
    """A 3D mesh asset (see module docstring)."""

    kind: Literal["mesh"] = "mesh"
    source: MeshSource = MeshSource(procedural="box")
    size: FloatParam(ge=1e-4, le=1000) | None = None
    material: MeshMaterial = MeshMaterial()


def _classes(params: MeshParams) -> tuple[str, ...]:
    src = params.source
    if src.procedural == "dice":
        return tuple(str(v) for v in range(1, 7))
    if src.procedural == "glyph":
        return tuple(src.text.names)
    if src.file is not None:
        return (Path(src.file).stem,)
    return (str(src.procedural),)


def _material(m: MeshMaterial, rng: np.random.Generator) -> dict[str, Any]:
    record: dict[str, Any] = {
        "color": m.color.sample(rng), "roughness": float(m.roughness.sample(rng)),
        "specular": float(m.specular.sample(rng)),
        "translucency": float(m.translucency.sample(rng)), "marble": None,
        "pip_color": m.pip_color.sample(rng)}
    if rng.random() < float(m.marble.sample(rng)):
        directions = rng.normal(size=(4, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        waves = np.column_stack([directions, rng.uniform(3, 12, 4), rng.uniform(0, 2 * np.pi, 4)])
        record["marble"] = {"color": m.marble_color.sample(rng),
                            "scale": float(m.marble_scale.sample(rng)),
                            "turbulence": float(rng.uniform(1.0, 3.0)),
                            "width": float(rng.uniform(0.05, 0.2)),
                            "strength": float(rng.uniform(0.5, 1.0)),
                            "waves": np.round(waves, 6).tolist()}
    # drawn last: a spec leaving them at their constant defaults keeps its earlier draws
    record["pip_radius"] = float(m.pip_radius.sample(rng))
    record["pip_spacing"] = float(m.pip_spacing.sample(rng))
    return record


@ASSETS.register("mesh")
class Mesh:
    """3D mesh asset."""

    Params = MeshParams

    @staticmethod
    def describe(params: MeshParams, ctx: SceneContext) -> AssetInfo:
        from renderer.mesh.sources import mesh_of

        _require_3d()
        if params.source.file is not None:  # a bad file fails here, before anything is written
            mesh_of(_source_record(params, None, None), ctx)
        classes = _classes(params)
        return AssetInfo(classes, {c: KEYPOINTS for c in classes})

    @staticmethod
    def sample(params: MeshParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        src = params.source
        # shape numbers rounded to 0.01: a few cached meshes then serve a whole run
        edge = round(float(src.edge_radius.sample(rng)), 2)
        aspect = round(float(src.aspect.sample(rng)), 2) if src.aspect is not None else None
        text = src.text.sample(rng) if src.procedural == "glyph" else None
        record = _source_record(params, edge, aspect, text)
        record["size"] = _size(params, record, rng, ctx)
        record["material"] = _material(params.material, rng)
        return record

    @staticmethod
    def raster(record: dict[str, Any], size_px: int, ctx: SceneContext) -> AssetRaster:
        key = json.dumps({k: v for k, v in record.items() if k != "class_name"}, sort_keys=True)
        return _raster(key, size_px, ctx)


def _require_3d() -> None:
    """A clear error when the ``[3d]`` extra is missing (checked before anything renders)."""
    import importlib.util

    missing = [m for m in ("trimesh", "embreex", "shapely", "mapbox_earcut")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise ValueError(f"asset kind mesh needs {', '.join(missing)}: "
                         "pip install 'synth[3d]'")


def _source_record(params: MeshParams, edge: float | None, aspect: float | None,
                   text: str | None = None) -> dict[str, Any]:
    src = params.source
    if src.file is not None:
        return {"kind": "mesh", "class_name": Path(src.file).stem, "source": "file",
                "file": src.file, "scale": 1.0}
    name = str(src.procedural)
    record: dict[str, Any] = {"kind": "mesh", "class_name": text or ("1" if name == "dice" else name),
                              "source": name, "detail": src.detail,
                              "aspect": aspect if aspect is not None else _ASPECT.get(name, 1.0)}
    if name in ("dice", "box"):
        record["edge_radius"] = edge
    if name == "glyph":
        record.update(text=text, font=src.font)
    return record


def _size(params: MeshParams, record: dict[str, Any], rng: np.random.Generator,
          ctx: SceneContext) -> float:
    """Metres per mesh unit (procedural meshes are 1 unit long)."""
    if params.size is None:
        if record["source"] == "file":
            return params.source.scale
        return DICE_SIZE if record["source"] == "dice" else DEFAULT_SIZE
    drawn = float(params.size.sample(rng))
    if record["source"] != "file":
        return drawn
    from renderer.mesh.sources import mesh_of

    return drawn / float(np.ptp(mesh_of(record, ctx).vertices, axis=0).max())


@lru_cache(maxsize=256)
def _raster(key: str, size_px: int, ctx: SceneContext) -> AssetRaster:
    from renderer.mesh.sprite import top_view

    return top_view(json.loads(key), size_px, ctx)
