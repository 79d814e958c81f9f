"""Optional peer timing: the 3D benchmark scene's kind of frame rendered by Blender's Python
module (``bpy``), the engine under BlenderProc and Kubric. Never a project dependency: run it
with an interpreter that has ``pip install bpy`` (Python 3.11), e.g. a throwaway venv.

    /tmp/bpyenv/bin/python tools/bpy_peer.py [--engine WORKBENCH|CYCLES] [--samples 4] [--n 5]

The scene matches scenes/bench3d.yaml: 640x480, a textured ground, five meshes of 1k-20k
triangles (a bevelled cube, an ico sphere, a torus, a cylinder, an extruded letter) in random
poses, a sun with shadows, JPEG output; one thread. Prints seconds per frame (median).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import tempfile
import time
from pathlib import Path


def build_scene(bpy: object, engine: str, samples: int) -> list[object]:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = 640, 480
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "JPEG"
    scene.render.threads_mode = "FIXED"
    scene.render.threads = 1
    if engine == "CYCLES":
        scene.render.engine = "CYCLES"
        scene.cycles.device = "CPU"
        scene.cycles.samples = samples
        scene.cycles.use_denoising = False
    else:
        scene.render.engine = "BLENDER_WORKBENCH"
        scene.display.shading.light = "STUDIO"
        scene.display.shading.show_shadows = True
        scene.display.shading.color_type = "TEXTURE"
    bpy.ops.mesh.primitive_plane_add(size=4)
    ground = bpy.context.object
    material = bpy.data.materials.new("ground")
    material.use_nodes = True
    noise = material.node_tree.nodes.new("ShaderNodeTexNoise")
    bsdf = material.node_tree.nodes["Principled BSDF"]
    material.node_tree.links.new(noise.outputs["Color"], bsdf.inputs["Base Color"])
    ground.data.materials.append(material)
    objects = []
    bpy.ops.mesh.primitive_cube_add(size=0.06)
    cube = bpy.context.object
    bevel = cube.modifiers.new("bevel", "BEVEL")
    bevel.width, bevel.segments = 0.006, 6
    objects.append(cube)
    bpy.ops.mesh.primitive_ico_sphere_add(subdivisions=5, radius=0.035)  # 20,480 triangles
    objects.append(bpy.context.object)
    bpy.ops.mesh.primitive_torus_add(major_radius=0.03, minor_radius=0.01, major_segments=128,
                                     minor_segments=64)
    objects.append(bpy.context.object)
    bpy.ops.mesh.primitive_cylinder_add(radius=0.03, depth=0.06, vertices=256)
    objects.append(bpy.context.object)
    bpy.ops.object.text_add()
    text = bpy.context.object
    text.data.body, text.data.extrude, text.scale = "A", 0.1, (0.07, 0.07, 0.07)
    objects.append(text)
    bpy.ops.object.light_add(type="SUN", rotation=(0.6, 0.2, 0.8))
    bpy.context.object.data.energy = 3
    bpy.ops.object.camera_add(location=(0, 0, 0.62), rotation=(0, 0, 0))
    bpy.context.object.data.angle = math.radians(50)
    scene.camera = bpy.context.object
    return objects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["WORKBENCH", "CYCLES"], default="WORKBENCH")
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--n", type=int, default=5)
    args = parser.parse_args()
    import bpy

    objects = build_scene(bpy, args.engine, args.samples)
    rng = random.Random(0)
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.n + 1):
            for obj in objects:
                obj.location = (rng.uniform(-0.2, 0.2), rng.uniform(-0.15, 0.15), 0.03)
                obj.rotation_euler = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
            bpy.context.scene.render.filepath = str(Path(tmp) / f"{i:06d}.jpg")
            c0, w0 = time.process_time(), time.perf_counter()
            bpy.ops.render.render(write_still=True)
            if i:  # the first frame builds shaders and caches
                times.append((time.process_time() - c0, time.perf_counter() - w0))
    print(json.dumps({"engine": args.engine, "samples": args.samples if args.engine == "CYCLES"
                      else None, "frames": args.n,
                      "s_per_frame_cpu": round(statistics.median(t[0] for t in times), 3),
                      "s_per_frame_wall": round(statistics.median(t[1] for t in times), 3)}))


if __name__ == "__main__":
    main()
