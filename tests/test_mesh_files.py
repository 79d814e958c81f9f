"""Mesh files through the real ``synth`` command: a textured OBJ renders with its texture;
every bad file (empty, non-manifold, NaN vertices, too large, missing texture) is one error line
naming it, before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from core_helpers import make_spec, run_cli, write_yaml

trimesh = pytest.importorskip("trimesh")
pytest.importorskip("embreex")

from renderer.mesh.files import MAX_BYTES  # noqa: E402
from renderer.render import render_sample  # noqa: E402

OBJ_HEADER = "o broken\n"


def file_scene(folder: Path, mesh: str) -> dict:
    return {"canvas": {"width": 128, "height": 96}, "background": {"kind": "solid"},
            "camera": {"elevation": 90, "distance": 0.5},
            "objects": [{"name": "crate", "asset": {"kind": "mesh", "source": {"file": mesh},
                                                    "size": 0.2},
                         "pose": {"rotation": "uniform_so3", "rest_on": "ground", "x": 0.5,
                                  "y": 0.5}}]}


def textured_box(folder: Path, colour: tuple[int, int, int], with_texture: bool = True) -> Path:
    """An OBJ cube with UVs, its material library and (unless told not to) its texture PNG."""
    from PIL import Image

    box = trimesh.creation.box(extents=(1, 1, 1))
    uv = np.column_stack([(box.vertices[:, 0] + 0.5), (box.vertices[:, 1] + 0.5)])
    image = Image.fromarray(np.full((8, 8, 3), colour, np.uint8))
    box.visual = trimesh.visual.TextureVisuals(uv=uv, image=image)
    folder.mkdir(parents=True, exist_ok=True)
    box.export(folder / "crate.obj")
    if not with_texture:
        for png in folder.glob("*.png"):
            png.unlink()
    return folder / "crate.obj"


def write_obj(path: Path, vertices: list[str], faces: list[str]) -> Path:
    path.write_text(OBJ_HEADER + "".join(f"v {v}\n" for v in vertices)
                    + "".join(f"f {f}\n" for f in faces), encoding="utf-8")
    return path


BAD = {
    "empty": (lambda d: (d / "empty.obj").write_bytes(b"") or d / "empty.obj", "empty file"),
    "no-triangles": (lambda d: write_obj(d / "points.obj", ["0 0 0", "1 0 0"], []), "is empty"),
    "nan": (lambda d: write_obj(d / "nan.obj", ["0 0 0", "1 0 0", "nan 1 0", "0 0 1"],
                                ["1 2 3", "1 2 4", "2 3 4", "1 3 4"]), "NaN or infinite"),
    "non-manifold": (lambda d: write_obj(d / "fin.obj", ["0 0 0", "1 0 0", "0 1 0", "0 -1 0",
                                                         "0 0 1"],
                                         ["1 2 3", "1 2 4", "1 2 5"]), "non-manifold"),
    "missing-texture": (lambda d: textured_box(d / "tex", (200, 30, 30), with_texture=False),
                        "missing material or texture"),
}


def _huge(folder: Path) -> Path:
    path = folder / "huge.stl"
    with open(path, "wb") as fh:  # a sparse file: the size check runs before any read
        fh.truncate(MAX_BYTES + 1)
    return path


BAD["huge"] = (_huge, "too large")


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_mesh_is_one_line_naming_the_file(case: str, tmp_path: Path) -> None:
    make, words = BAD[case]
    path = make(tmp_path)
    rel = os.path.relpath(path, tmp_path)
    spec = write_yaml(tmp_path / "scene.yaml", file_scene(tmp_path, rel))
    commands = [["validate", spec]]
    if case == "nan":  # render reports asset errors through the same path as validate
        commands.append(["render", spec, "-n", "2", "-o", tmp_path / "out", "--workers", "1",
                         "--quiet"])
    for command in commands:
        proc = run_cli(*command)
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(lines) == 1 and f"mesh {rel!r}" in lines[0], lines
        assert rel in lines[0] and words in lines[0], lines[0]
    assert not (tmp_path / "out").exists()


def test_textured_obj_renders_with_its_texture(tmp_path: Path) -> None:
    path = textured_box(tmp_path / "crate", (220, 20, 20))
    data = file_scene(tmp_path, os.path.relpath(path, tmp_path))
    data["lighting"] = {"directional": {"p": 0}}
    spec = make_spec(data).with_context(make_spec(data).context.__class__(base_dir=tmp_path))
    sample = render_sample(spec, 0, 0)
    pixels = sample.image[sample.visible_mask(0)].astype(int)
    assert len(pixels) > 500
    red, green, blue = np.median(pixels, axis=0)
    assert red > 2 * green and red > 2 * blue, (red, green, blue)
    assert sample.objects[0].class_name == "crate"
