"""Primary visibility of mesh objects two ways, timed on the same frames: Embree rays inside each
object's projected hull (what the renderer uses) against a vectorised numpy z-buffer rasteriser
over each object's box (the alternative the design weighed).

    python tools/raster_vs_rays.py [--spec scenes/bench3d.yaml] [--n 30]

Both find, per pixel centre, the nearest triangle and its depth; the script checks they agree
and reports milliseconds per frame (one core, CPU time, medians of the frames).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def rasterise(vertices_cam: np.ndarray, faces: np.ndarray, k: np.ndarray, width: int,
              height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z-buffer of one mesh: (pixel keys, depth, triangle) of the nearest triangle per covered
    pixel centre, all triangles at once in numpy (perspective-correct depth)."""
    p = vertices_cam @ k.T
    xy = p[:, :2] / p[:, 2:3] - 0.5  # pixel centres on integers
    inv_z = 1.0 / vertices_cam[:, 2]
    tri = xy[faces]  # (F, 3, 2)
    area = ((tri[:, 1, 0] - tri[:, 0, 0]) * (tri[:, 2, 1] - tri[:, 0, 1])
            - (tri[:, 2, 0] - tri[:, 0, 0]) * (tri[:, 1, 1] - tri[:, 0, 1]))
    front = np.flatnonzero(area < 0)  # counter-clockwise outside faces appear clockwise (y down)
    tri, area = tri[front], area[front]
    x0 = np.clip(np.ceil(tri[:, :, 0].min(1)), 0, width).astype(np.int64)
    x1 = np.clip(np.floor(tri[:, :, 0].max(1)), -1, width - 1).astype(np.int64)
    y0 = np.clip(np.ceil(tri[:, :, 1].min(1)), 0, height).astype(np.int64)
    y1 = np.clip(np.floor(tri[:, :, 1].max(1)), -1, height - 1).astype(np.int64)
    w, h = np.maximum(x1 - x0 + 1, 0), np.maximum(y1 - y0 + 1, 0)
    counts = w * h
    t = np.repeat(np.arange(len(tri)), counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    px = x0[t] + local % w[t]
    py = y0[t] + local // w[t]
    a, b, c = tri[t, 0], tri[t, 1], tri[t, 2]
    w0 = ((b[:, 0] - px) * (c[:, 1] - py) - (c[:, 0] - px) * (b[:, 1] - py)) / area[t]
    w1 = ((c[:, 0] - px) * (a[:, 1] - py) - (a[:, 0] - px) * (c[:, 1] - py)) / area[t]
    w2 = 1 - w0 - w1
    inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
    f = faces[front][t[inside]]
    z = 1.0 / (w0[inside] * inv_z[f[:, 0]] + w1[inside] * inv_z[f[:, 1]]
               + w2[inside] * inv_z[f[:, 2]])
    key = py[inside] * width + px[inside]
    order = np.lexsort((z, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    return key[first], z[first], front[t[inside]][first]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "scenes" / "bench3d.yaml")
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()

    from renderer.compose.meshes import _footprint, _primary, pose_objects
    from renderer.mesh.camera import camera_arrays
    from renderer.parallel.tuning import tune_render_process
    from renderer.plan import sample_plan
    from renderer.spec.load import load_spec

    tune_render_process()
    spec = load_spec(args.spec)
    width, height = spec.render_size
    rays_ms, raster_ms, agree = [], [], []
    for index in range(args.n + 3):
        plan = sample_plan(spec, 0, index)
        camera = plan.extra["camera"]
        k = camera_arrays(camera)[0]
        objects = [(i, o) for i, o in enumerate(plan.objects, 1) if "R" in o.pose]
        posed = pose_objects(objects, camera, spec.context)
        c0 = time.process_time()
        casts = {}
        for p in posed:
            found = _footprint(p, k, width, height)
            if found is not None:
                casts[p.object_id] = _primary(p, k, *found)
        c1 = time.process_time()
        rasters = {}
        for p in posed:
            vertices = (p.mesh.vertices * p.scale) @ p.rot.T + p.trans
            rasters[p.object_id] = rasterise(vertices, p.mesh.faces, k, width, height)
        c2 = time.process_time()
        if index < 3:
            continue  # warm caches (meshes, Embree scenes)
        rays_ms.append(1000 * (c1 - c0))
        raster_ms.append(1000 * (c2 - c1))
        for oid, c in casts.items():
            ys, xs = np.divmod(c.pix, c.w)
            xs, ys = xs + c.x0, ys + c.y0
            inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
            ray_keys = set((ys[inside] * width + xs[inside]).tolist())
            raster_keys = set(rasters[oid][0].tolist())
            agree.append(len(ray_keys & raster_keys) / max(len(ray_keys | raster_keys), 1))
    med = statistics.median
    print(json.dumps({"spec": str(args.spec), "frames": args.n,
                      "embree_rays_ms_per_frame": round(med(rays_ms), 2),
                      "numpy_raster_ms_per_frame": round(med(raster_ms), 2),
                      "raster_over_rays": round(med(raster_ms) / med(rays_ms), 2),
                      "pixel_agreement_iou": round(float(np.mean(agree)), 4)}, indent=2))


if __name__ == "__main__":
    main()
