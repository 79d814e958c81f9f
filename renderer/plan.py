"""``sample_plan``: the only place randomness happens.

A plan is a frozen, JSON-serialisable record of every draw for one image. It is stored with each
sample, so any image can be replayed (``render_plan(plan_from_dict(d), spec)``) and its drawn
values related to gap metrics later.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from renderer.assets import ASSETS
from renderer.backgrounds import sample_background
from renderer.compose.geometry import footprint, object_homography
from renderer.effects import sample_effect
from renderer.native import sample_native
from renderer.randomizers import sample_blend, sample_lighting, sample_material, sample_pose
from renderer.randomizers.mount import sample_mount, sample_stacked_pose
from renderer.rng import stream
from renderer.scene_context import SceneContext
from renderer.spec.objects import ObjectLayer
from renderer.spec.scene import SceneSpec

PLACEMENT_TRIES = 30


@dataclass(frozen=True)
class ObjectPlan:
    """Every draw for one object. ``pose`` is in canvas pixels and degrees."""

    layer: str
    instance: int
    labeled: bool
    class_name: str | None
    asset: dict[str, Any]
    pose: dict[str, Any]
    material: dict[str, Any]
    blend: dict[str, Any]


@dataclass(frozen=True)
class ScenePlan:
    """Every draw for one image; objects are listed back to front."""

    spec_hash: str
    seed: int
    index: int
    width: int
    height: int
    background: dict[str, Any]
    objects: tuple[ObjectPlan, ...]
    lighting: dict[str, Any]
    effects: tuple[dict[str, Any], ...]
    dropped: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (shares the plan's inner records: treat them as read-only)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["objects"] = [{f.name: getattr(o, f.name) for f in fields(o)} for o in self.objects]
        data["effects"] = list(self.effects)
        return data


def plan_from_dict(data: dict[str, Any]) -> ScenePlan:
    """Rebuild a plan stored as JSON (e.g. from a COCO image entry)."""
    objects = tuple(ObjectPlan(**o) for o in data["objects"])
    return ScenePlan(**{**data, "objects": objects, "effects": tuple(data["effects"])})


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def _area(box: tuple[float, ...]) -> float:
    return max(box[2] - box[0], 1e-9) * max(box[3] - box[1], 1e-9)


class _Placer:
    """Rejection placement that bounds truncation and (box-approximated) occlusion."""

    def __init__(self, width: int, height: int) -> None:
        self.canvas = (0.0, 0.0, float(width), float(height))
        self.placed: list[tuple[tuple[float, ...], float, float]] = []  # box, covered, limit

    def fits(self, box: tuple[float, ...], layer: ObjectLayer) -> bool:
        inside = _overlap(box, self.canvas) / _area(box)
        if 1.0 - inside > layer.pose.max_truncation + 1e-9:
            return False
        return all(covered + _overlap(other, box) / _area(other) <= limit + 1e-9
                   for other, covered, limit in self.placed)

    def add(self, box: tuple[float, ...], layer: ObjectLayer) -> None:
        self.placed = [(o, c + _overlap(o, box) / _area(o), lim) for o, c, lim in self.placed]
        if layer.labeled:
            self.placed.append((box, 0.0, layer.pose.max_occlusion))


def _class_name(layer: ObjectLayer, asset: dict[str, Any]) -> str | None:
    """The label of an object of ``layer`` drawn from ``asset`` (None: unlabeled)."""
    return (layer.class_name or asset["class_name"]) if layer.labeled else None


def _stacked(layer: ObjectLayer, first: ObjectPlan, box: tuple[float, ...], placer: _Placer,
             seed: int, index: int, base: str, ctx: SceneContext
             ) -> tuple[ObjectPlan, tuple[float, ...]] | None:
    """The second object hung on the post under ``first`` (canvas box ``box``) and its box, or
    None: not drawn (``mount.stack_p``), or no room for it in the frame."""
    assert layer.mount is not None
    rng = stream(seed, index, f"{base}/stack")
    drawn = sample_stacked_pose(layer.mount, box, first.pose, rng=rng)
    if drawn is None:
        return None
    pose, top = drawn
    asset = ASSETS.get(layer.asset.kind).sample(layer.asset, rng=rng, ctx=ctx)
    raster = ASSETS.get(asset["kind"]).raster(asset, int(np.ceil(pose["size"])), ctx)
    below = footprint(object_homography(raster.size, pose), raster.size)
    shift = top - below[1]  # the centre was an estimate: put the box top where it belongs
    pose = {**pose, "y": pose["y"] + shift}
    below = (below[0], below[1] + shift, below[2], below[3] + shift)
    if not placer.fits(below, layer):
        return None
    placer.add(below, layer)
    return replace(first, layer=f"{first.layer}.stacked", asset=asset, pose=pose,
                   class_name=_class_name(layer, asset)), below


def sample_plan(spec: SceneSpec, seed: int, index: int) -> ScenePlan:
    """Make every random draw of image ``index`` of the run seeded ``seed``."""
    ctx = spec.context
    native = sample_native(spec, seed, index)
    width, height = spec.render_size if native is None else (native["width"], native["height"])
    background = sample_background(spec.background, rng=stream(seed, index, "background"), ctx=ctx)

    pending: list[tuple[ObjectLayer, str, int]] = []
    for i, layer in enumerate(spec.objects):
        name = spec.layer_name(i)
        count = int(layer.count.sample(stream(seed, index, f"objects/{name}/count")))
        pending.extend((layer, name, k) for k in range(count))
    if spec.shuffle_depth and len(pending) > 1:
        order = stream(seed, index, "depth").permutation(len(pending))
        pending = [pending[j] for j in order]

    placer = _Placer(width, height)
    objects: list[ObjectPlan] = []
    dropped = 0
    extra: dict[str, Any] = {} if native is None else {"native": native}
    if any(layer.is_mesh for layer, _, _ in pending) or spec.camera is not None:
        from renderer.plan3d import sample_camera_record

        extra["camera"] = sample_camera_record(spec, seed, index, (width, height))
    meshes = [(layer, name, k) for layer, name, k in pending if layer.is_mesh]
    for layer, name, k in pending:
        if layer.is_mesh:
            continue
        base = f"objects/{name}/{k}"
        asset = ASSETS.get(layer.asset.kind).sample(layer.asset, rng=stream(seed, index, f"{base}/asset"),
                                                    ctx=ctx)
        pose_rng = stream(seed, index, f"{base}/pose")
        pose = sample_pose(layer.pose, rng=pose_rng, width=width, height=height)
        raster = ASSETS.get(asset["kind"]).raster(asset, int(np.ceil(pose["size"])), ctx)
        for _ in range(PLACEMENT_TRIES):
            box = footprint(object_homography(raster.size, pose), raster.size)
            if placer.fits(box, layer):
                break
            pose = {**pose, **sample_pose(layer.pose, rng=pose_rng, width=width, height=height,
                                          position_only=True)}
        else:
            # A classification image must show its one labeled object: keep the last candidate
            # (labels still report its true visibility) rather than drop it.
            if not (spec.task == "classification" and layer.labeled):
                dropped += 1
                continue
        placer.add(box, layer)
        first = ObjectPlan(
            layer=name, instance=k, labeled=layer.labeled,
            class_name=_class_name(layer, asset), asset=asset, pose=pose,
            material=sample_material(layer.material, rng=stream(seed, index, f"{base}/material")),
            blend=sample_blend(layer.blend, rng=stream(seed, index, f"{base}/blend")),
        )
        mounted = [first]
        if layer.mount is not None:
            stacked = _stacked(layer, first, box, placer, seed, index, base, ctx)
            if stacked is not None:
                mounted.append(stacked[0])
                box = stacked[1]  # the post starts under the lower object
            post = sample_mount(layer.mount, box, pose, rng=stream(seed, index, f"{base}/mount"))
            if post is not None:  # listed first: drawn behind its objects
                mounted.insert(0, ObjectPlan(layer=f"{name}.mount", instance=k, labeled=False,
                                             class_name=None, **post))
        objects.extend(mounted)

    if meshes:
        from renderer.plan3d import plan_meshes

        # meshes come after flat objects: they stand on the ground the flat layers paint
        placed, lost = plan_meshes(spec, seed, index, meshes, extra["camera"], placer,
                                   (width, height))
        objects.extend(placed)
        dropped += lost
    lighting = sample_lighting(spec.lighting, rng=stream(seed, index, "lighting"))
    effects = tuple(sample_effect(e, rng=stream(seed, index, f"effects/{e.name or e.kind}"))
                    for e in spec.effects)
    return ScenePlan(spec_hash=spec.spec_hash(), seed=seed, index=index, width=width,
                     height=height, background=background, objects=tuple(objects),
                     lighting=lighting, effects=effects, dropped=dropped, extra=extra)
