"""Spec blocks of an object layer: pose, material, blending.

YAML (one layer)::

    - name: signs
      asset: {kind: cutout, dir: builtin:signs}
      count: [1, 3]
      pose: {scale: [0.1, 0.3], rotation: [-15, 15], yaw: [-30, 30], max_occlusion: 0.5}
      material: {hue_shift: [-5, 5], saturation_scale: [0.7, 1.2], value_scale: [0.5, 1.2]}
      blend: {modes: {none: 2, feather: 1, motion: 1, poisson: 1}}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, model_validator

from renderer.assets import ASSETS, choice
from renderer.spec.base import SpecModel
from renderer.spec.color import ColorSpec
from renderer.spec.params import FloatParam, IntParam, NamesParam
from renderer.textures import TEXTURES

AssetSpec = Annotated[Union[ASSETS.params_models()], Field(discriminator="kind")]  # noqa: UP007
TextureSpec = Annotated[Union[TEXTURES.params_models()], Field(discriminator="kind")]  # noqa: UP007
choice.ChoiceOption.model_rebuild(_types_namespace={"AssetSpec": AssetSpec})
choice.ChoiceParams.model_rebuild()

BLEND_MODES = ("none", "feather", "motion", "poisson")


class Pose(SpecModel):
    """Where and how an object lies on the canvas.

    ``x``/``y`` place the object's centre as a fraction of the canvas; ``scale`` is the object's
    longest side as a fraction of the canvas's shorter side (``scale_unit: px`` for pixels);
    ``aspect`` stretches width; angles in degrees; ``yaw``/``pitch`` tilt the object out of the
    image plane (rendered as a perspective warp). ``max_truncation`` bounds the fraction of the
    object's box outside the canvas, ``max_occlusion`` the fraction hidden by objects in front.
    """

    x: FloatParam(ge=-1, le=2) = [0, 1]
    y: FloatParam(ge=-1, le=2) = [0, 1]
    scale: FloatParam(ge=0) = [0.1, 0.3]
    scale_unit: Literal["fraction", "px"] = "fraction"
    aspect: FloatParam(ge=0.05, le=20) = 1.0
    rotation: FloatParam(ge=-3600, le=3600) = 0
    flip_h: FloatParam(ge=0, le=1) = 0
    flip_v: FloatParam(ge=0, le=1) = 0
    yaw: FloatParam(ge=-80, le=80) = 0
    pitch: FloatParam(ge=-80, le=80) = 0
    max_truncation: float = Field(0.3, ge=0, le=1)
    max_occlusion: float = Field(0.6, ge=0, le=1)


class MeshPose(SpecModel):
    """6-DoF pose of a mesh object (the ``pose`` block of a layer whose asset is a ``mesh``).

    ``rotation``: ``uniform_so3`` (uniform over all orientations), ``euler`` (``roll``, ``pitch``,
    ``yaw`` ranges in degrees about the object's x, y, z, applied in that order) or ``look_at``
    (the object's +z faces the camera, then turned by ``yaw`` about it). The object's centre
    lands on the ray through canvas fraction (``x``, ``y``) at ``distance`` metres from the
    camera (the ground point on that ray when ``distance`` is unset). ``rest_on: ground`` then
    drops it straight down onto the ground, lying on one of its stable faces: the face is the
    one most downward under the drawn rotation, then the object turns about the vertical by a
    uniform angle, as a tossed object would settle. ``tilt`` (degrees, resting objects only)
    then leans it about a random horizontal axis, lowered back onto the ground: a die propped on
    a neighbour or a tray's wall (``{dist: choice, values: [0, 0, 0, 15, 25]}``: a few lean).
    Truncation and occlusion are bounded as for flat objects, with the projected box of the mesh.

    YAML::

        pose: {rotation: uniform_so3, rest_on: ground, distance: [0.4, 0.8]}
    """

    rotation: Literal["uniform_so3", "euler", "look_at"] = "uniform_so3"
    roll: FloatParam(ge=-360, le=360) = 0
    pitch: FloatParam(ge=-360, le=360) = 0
    yaw: FloatParam(ge=-360, le=360) = [-180, 180]
    rest_on: Literal["none", "ground"] = "none"
    tilt: FloatParam(ge=0, le=90) = 0
    x: FloatParam(ge=-1, le=2) = [0.1, 0.9]
    y: FloatParam(ge=-1, le=2) = [0.1, 0.9]
    distance: FloatParam(ge=0.001, le=10000) | None = None
    max_truncation: float = Field(0.3, ge=0, le=1)
    max_occlusion: float = Field(0.6, ge=0, le=1)


class _MeshPoseData(dict):  # type: ignore[type-arg]
    """A mesh layer's raw ``pose`` block, marked so the union validates it as a ``MeshPose``."""


def _pose_kind(value: Any) -> str:
    return "mesh" if isinstance(value, MeshPose | _MeshPoseData) else "flat"


class Material(SpecModel):
    """Surface of an object.

    Assets without colours of their own (shapes, glyphs, handwriting) are filled with ``color``,
    or with a procedural ``texture`` with probability ``texture_p``. Every asset then gets an HSV
    jitter: ``hue_shift`` in degrees, ``saturation_scale`` and ``value_scale`` as gains.

    ``ambient_response`` says how much of ``lighting.ambient`` the object takes: its pixels are
    lit by ``ambient ** ambient_response`` while the rest of the frame gets ``ambient``. 1 (the
    default) lights it like the scene; 0 leaves it at its own brightness in a dark or bright frame,
    as retroreflective sheeting under a car's headlights or a lit screen looks; values between
    give a partly self-lit object. Colour temperature, vignette and spots still apply to it.

    YAML::

        material: {value_scale: [0.5, 1.5], ambient_response: [0, 1]}
    """

    color: ColorSpec = ColorSpec(saturation=[0.4, 1], value=[0.4, 1])
    texture: TextureSpec | None = None
    texture_p: FloatParam(ge=0, le=1) = 0.0
    hue_shift: FloatParam(ge=-180, le=180) = 0
    saturation_scale: FloatParam(ge=0, le=10) = 1
    value_scale: FloatParam(ge=0, le=10) = 1
    ambient_response: FloatParam(ge=0, le=1) = 1


class Blend(SpecModel):
    """How a pasted object meets the scene (mixing modes stops detectors keying on seams).

    ``feather`` softens the alpha edge by ``feather_px`` (Gaussian sigma, pixels); ``motion``
    smears object and alpha along a line of ``motion_px`` pixels; ``poisson`` blends gradients
    (OpenCV seamless cloning) and keeps ``poisson_strength`` of it: the fraction of the object's
    colour offset to the background that the blend replaces (1 = a full seamless clone, which
    turns a flat-coloured object into the background's colour, so its label would mark nothing
    visible; 0 = the plain composite).

    YAML::

        blend: {modes: {none: 3, feather: 1, motion: 1, poisson: 1}, poisson_strength: [0.3, 0.7]}
    """

    modes: NamesParam(BLEND_MODES) = "none"
    feather_px: FloatParam(ge=0, le=50) = [0.5, 2.0]
    motion_px: FloatParam(ge=1, le=100) = [3, 9]
    poisson_strength: FloatParam(ge=0, le=1) = [0.3, 0.7]


class Mount(SpecModel):
    """A post under each object of the layer (a sign on its pole), drawn behind it, unlabeled.

    ``p`` is the probability that an object has one; ``length`` is the post's visible length in
    object heights below the object's box, ``width`` its width as a fraction of the object's
    width. The post follows the object's in-plane rotation.

    ``stack_p`` is the probability that a second object of the layer (a fresh asset draw) hangs
    on the same post right under the first, as road signs do (a yield or priority sign above a
    speed limit): ``stack_scale`` is its size relative to the first, ``stack_gap`` the gap
    between them in heights of the first (negative: they overlap). It shares the first's pose,
    material and blend, is labeled like it, and the post then starts under it.

    YAML::

        mount: {p: 0.8, length: [1, 4], width: [0.05, 0.12],
                color: {saturation: [0, 0.15], value: [0.3, 0.8]},
                stack_p: 0.25, stack_scale: [0.7, 1.0], stack_gap: [-0.05, 0.1]}
    """

    p: FloatParam(ge=0, le=1) = 1.0
    length: FloatParam(ge=0, le=100) = [1, 4]
    width: FloatParam(ge=0.01, le=1) = [0.05, 0.12]
    color: ColorSpec = ColorSpec(saturation=[0, 0.15], value=[0.3, 0.8])
    stack_p: FloatParam(ge=0, le=1) = 0.0
    stack_scale: FloatParam(ge=0.1, le=3) = [0.7, 1.0]
    stack_gap: FloatParam(ge=-0.5, le=5) = [-0.05, 0.1]


class ObjectLayer(SpecModel):
    """A group of objects drawn from one asset source.

    ``labeled: false`` makes distractors and occluders: drawn, occluding, never annotated.
    ``class_name`` gives every object of the layer one class instead of the asset's own.
    ``mount`` stands each object on a post (see :class:`Mount`).
    """

    name: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+$", max_length=64)
    asset: AssetSpec
    class_name: str | None = Field(None, min_length=1, max_length=128)
    labeled: bool = True
    count: IntParam(ge=0, le=1000) = 1
    pose: Annotated[Union[Annotated[Pose, Tag("flat")],  # noqa: UP007
                          Annotated[MeshPose, Tag("mesh")]], Discriminator(_pose_kind)] = Pose()
    material: Material = Material()
    blend: Blend = Blend()
    mount: Mount | None = None

    @model_validator(mode="before")
    @classmethod
    def _mesh_pose(cls, data: Any) -> Any:
        """A mesh layer's ``pose`` block is a ``MeshPose``; every other layer's a ``Pose``."""
        if (isinstance(data, dict) and isinstance(data.get("asset"), dict)
                and data["asset"].get("kind") == "mesh"
                and isinstance(data.get("pose", {}), dict)):
            return {**data, "pose": _MeshPoseData(data.get("pose", {}))}
        return data

    @property
    def is_mesh(self) -> bool:
        """Whether the layer's objects are 3D meshes."""
        return isinstance(self.pose, MeshPose)
