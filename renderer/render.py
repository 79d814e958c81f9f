"""``render_plan`` and ``render_sample``: deterministic rendering of a plan into a ``Sample``.

No randomness here: every draw is in the plan. The same (spec, seed, index) gives the same bytes
in any process, in any order.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from renderer.assets import ASSETS
from renderer.backgrounds import render_background
from renderer.classes import class_table
from renderer.compose.center import mass_transform, warp_frame, warp_pasted
from renderer.compose.geometry import object_homography
from renderer.compose.lighting import apply_lighting
from renderer.compose.paste import PastedObject, paste_object
from renderer.effects import apply_effect
from renderer.labelers import label_objects
from renderer.native import resize_frame, resize_labels, scale_intrinsics
from renderer.plan import ObjectPlan, ScenePlan, sample_plan
from renderer.sample import Sample
from renderer.spec.scene import SceneSpec


def render_plan(plan: ScenePlan, spec: SceneSpec) -> Sample:
    """Render a plan of ``spec`` (the spec supplies file locations, classes and output options)."""
    ctx = spec.context
    classes = class_table(spec)
    frame = render_background(plan.background, plan.height, plan.width, ctx)
    frame = np.ascontiguousarray(frame)
    if not frame.flags.writeable:
        frame = frame.copy()
    id_map = np.zeros((plan.height, plan.width), np.uint16)
    light = plan.lighting["directional"]
    pasted: list[tuple[int, ObjectPlan, PastedObject]] = []
    response = _ambient_response_map(plan)
    posed: list[tuple[int, ObjectPlan]] = []
    for object_id, obj in enumerate(plan.objects, start=1):
        if "R" in obj.pose:  # a 3D object: drawn below, with the camera
            posed.append((object_id, obj))
            continue
        raster = ASSETS.get(obj.asset["kind"]).raster(obj.asset, int(np.ceil(obj.pose["size"])), ctx)
        matrix = object_homography(raster.size, obj.pose)
        geom = paste_object(frame, id_map, object_id, raster, matrix, obj.material, obj.blend, light,
                            response)
        if geom is not None:
            pasted.append((object_id, obj, geom))
    meshes = None
    camera = plan.extra.get("camera")
    if camera is not None:
        from renderer.compose.meshes import render_meshes

        meshes = render_meshes(frame, id_map, posed, camera, plan.lighting, ctx)
        pasted.extend((oid, o, meshes.geometry[oid]) for oid, o in posed if oid in meshes.geometry)
        if response is not None:  # a solid drawn over a self-lit 2D object is lit like the scene
            response[np.isin(id_map, [oid for oid, _ in posed])] = 1.0
    frame = apply_lighting(frame, plan.lighting, response)

    out_size = (spec.canvas.width, spec.canvas.height)
    if spec.classification.center == "mass":
        labeled = [(oid, o, g) for oid, o, g in pasted if o.labeled]
        if labeled and (id_map == labeled[0][0]).any():
            affine = mass_transform(frame, id_map == labeled[0][0], out_size,
                                    spec.classification.box * 1)
            frame, id_map = warp_frame(frame, id_map, affine, out_size)
            pasted = [(oid, o, warp_pasted(g, affine, (plan.width, plan.height), out_size))
                      for oid, o, g in pasted]
        else:
            frame = cv2.resize(frame, out_size, interpolation=cv2.INTER_AREA)
            id_map = cv2.resize(id_map, out_size, interpolation=cv2.INTER_NEAREST)
            pasted = []

    for effect in plan.effects:
        frame = apply_effect(frame, effect)
    native = plan.extra.get("native")
    if native is not None:  # drawn at native size: resized as the real set's crops were
        frame = resize_frame(frame, out_size, native["interpolation"])
        id_map, pasted = resize_labels(id_map, pasted, out_size)
        sx, sy = out_size[0] / plan.width, out_size[1] / plan.height
        if camera is not None:
            camera = scale_intrinsics(camera, sx, sy)
        if meshes is not None:
            meshes = replace(meshes, depth=resize_frame(meshes.depth, out_size, "nearest"),
                             normals=resize_frame(meshes.normals, out_size, "nearest"))
    if spec.canvas.mode == "gray":
        frame = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)[..., None]

    objects = label_objects(id_map, pasted, classes)
    label = None
    if spec.task == "classification":
        named = [o.class_name for o in plan.objects if o.labeled]
        label = classes.index(named[0]) if named else None
    return Sample(index=plan.index, image=np.ascontiguousarray(frame), instance_map=id_map,
                  objects=objects, class_names=classes.names, plan=plan.to_dict(), label=label,
                  keypoint_names=classes.keypoint_names,
                  depth=None if meshes is None else meshes.depth,
                  normals=None if meshes is None else meshes.normals,
                  camera=None if camera is None else {k: camera[k] for k in ("K", "R", "t")})


def _ambient_response_map(plan: ScenePlan) -> np.ndarray | None:
    """The per-pixel exponent of the ambient gain (``Material.ambient_response``), all ones to
    start with, when an object of the plan has its own; None (the whole frame lit alike) when
    none has."""
    if all(obj.material.get("ambient_response", 1.0) == 1.0 for obj in plan.objects):
        return None
    return np.ones((plan.height, plan.width), np.float32)


def render_sample(spec: SceneSpec, seed: int, index: int) -> Sample:
    """Render image ``index`` of the run of ``spec`` seeded ``seed``: a pure function."""
    return render_plan(sample_plan(spec, seed, index), spec)
