"""Helpers shared by the render-core tests: tiny specs, the CLI, global RNG snapshots, JSON checks."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from renderer.sample import Sample
from renderer.spec.load import validate_spec
from renderer.spec.scene import SceneSpec

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
CLI_TIMEOUT_S = 300

# A small detection scene: shapes with keypoints, an unlabeled occluder, a few effects.
DETECTION_DATA: dict[str, Any] = {
    "canvas": {"width": 96, "height": 64},
    "background": {"kind": "noise", "scale": [8, 32]},
    "objects": [
        {"name": "shapes", "asset": {"kind": "shape"}, "count": [1, 3],
         "pose": {"scale": [0.25, 0.45], "rotation": [-90, 90]}},
        {"name": "occluders", "asset": {"kind": "shape", "shapes": ["rectangle"]},
         "labeled": False, "count": [0, 1], "pose": {"scale": [0.15, 0.3]}},
    ],
    "lighting": {"ambient": [0.8, 1.2], "directional": {"p": 0.5}},
    "effects": [{"kind": "gaussian_noise", "sigma": [1, 4]}],
}

# A small classification scene: one gray digit per image, PNG output.
CLASSIFICATION_DATA: dict[str, Any] = {
    "task": "classification",
    "canvas": {"width": 32, "height": 32, "mode": "gray"},
    "background": {"kind": "solid", "color": {"rgb": [0, 0, 0]}},
    "objects": [{"name": "digits", "asset": {"kind": "glyph", "text": ["0", "1", "2"]},
                 "count": 1, "pose": {"scale": [0.5, 0.7], "x": [0.4, 0.6], "y": [0.4, 0.6]},
                 "material": {"color": {"rgb": [255, 255, 255]}}}],
    "output": {"image_format": "png"},
}

# Cutouts with keypoint sidecars (coins), shapes and glyphs: every asset kind in one scene.
MIXED_DATA: dict[str, Any] = {
    "canvas": {"width": 96, "height": 64},
    "background": {"kind": "gradient"},
    "objects": [
        {"name": "coins", "asset": {"kind": "cutout", "dir": "builtin:cutouts"}, "count": [1, 2],
         "pose": {"scale": [0.3, 0.5]}},
        {"name": "shapes", "asset": {"kind": "shape", "shapes": ["star", "polygon", "triangle"]},
         "count": [1, 2], "pose": {"scale": [0.25, 0.4], "max_truncation": 0.5}},
        {"name": "letters", "asset": {"kind": "glyph", "text": ["A", "7"]}, "count": [0, 1],
         "pose": {"scale": [0.25, 0.4]}},
    ],
    "output": {"image_format": "png"},
}


def spec_data(base: dict[str, Any], **patch: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with top-level keys replaced by ``patch``."""
    data = copy.deepcopy(base)
    data.update(copy.deepcopy(patch))
    return data


def make_spec(data: dict[str, Any]) -> SceneSpec:
    """Validate spec data (paths resolve from the repository root)."""
    return validate_spec(copy.deepcopy(data), "test-spec")


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    """Write spec data as a YAML file (JSON is YAML) and return its path."""
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def cli_command() -> list[str]:
    """The installed ``synth`` console script next to this interpreter, else ``-m renderer.cli``."""
    script = Path(sys.executable).with_name("synth")
    return [str(script)] if script.exists() else [sys.executable, "-m", "renderer.cli"]


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``synth ARGS`` in a subprocess; never raises on a non-zero exit."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run([*cli_command(), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=CLI_TIMEOUT_S)


def run_python(code: str, *args: str, env: dict[str, str | None] | None = None
               ) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` in a fresh interpreter (with a different hash seed) and check it.

    ``env`` overrides environment variables; a None value removes the variable.
    """
    merged = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONWARNINGS": "error", **(env or {})}
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env={k: v for k, v in merged.items() if v is not None},
                          cwd=REPO_ROOT, timeout=CLI_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr
    return proc


def sample_digest(sample: Sample) -> str:
    """sha256 over a sample's pixels, instance map, labels and plan."""
    h = hashlib.sha256()
    h.update(repr(sample.image.shape).encode() + sample.image.tobytes())
    h.update(sample.instance_map.tobytes())
    for obj in sample.objects:
        h.update(repr((obj.object_id, obj.category_id, obj.class_name, obj.bbox, obj.amodal_bbox,
                       obj.area, obj.amodal_area, obj.visibility, obj.truncated, obj.depth,
                       obj.origin, obj.layer)).encode())
        h.update(obj.keypoints.tobytes() + obj.amodal.tobytes())
    h.update(json.dumps(sample.plan, sort_keys=True).encode())
    h.update(repr((sample.label, sample.class_names)).encode())
    return h.hexdigest()


def tree_digest(out: Path) -> dict[str, str]:
    """sha256 of every file under ``out`` (state folder included); ``manifest.json`` without its
    timing field, which measures the run instead of describing the dataset."""
    digest = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path == out / "manifest.json":
            manifest = json.loads(data)
            manifest.pop("elapsed_s")
            data = json.dumps(manifest, sort_keys=True).encode()
        digest[path.relative_to(out).as_posix()] = hashlib.sha256(data).hexdigest()
    return digest


def load_tool(name: str) -> ModuleType:
    """The script ``tools/<name>.py`` as a module, so a test runs exactly what the tool runs."""
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module executes.
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


_JSON_TYPES = (dict, list, str, int, float, bool, type(None))


def assert_plain_json(value: Any, where: str = "record") -> None:
    """Fail unless ``value`` is built from plain JSON types only (no numpy scalars, no tuples)."""
    assert type(value) in _JSON_TYPES, f"{where}: {type(value).__name__} is not a plain JSON type"
    if isinstance(value, float):
        assert np.isfinite(value), f"{where}: non-finite float {value!r}"
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"{where}: key {key!r} is not a string"
            assert_plain_json(item, f"{where}.{key}")
    elif isinstance(value, list):
        for k, item in enumerate(value):
            assert_plain_json(item, f"{where}[{k}]")
    assert json.loads(json.dumps(value)) == value, f"{where}: does not survive a JSON round trip"


# Global random state, as the autouse fixture in conftest.py snapshots it.
RngState = dict[str, Any]


def global_rng_state() -> RngState:
    """Snapshot of Python's, numpy's and (when already imported) torch's global generators."""
    state: RngState = {"random": random.getstate(), "numpy": np.random.get_state()}
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "random"):
        state["torch"] = torch.random.get_rng_state()
    return state


def changed_rng_states(before: RngState, after: RngState) -> list[str]:
    """Names of the global generators whose state differs between two snapshots."""
    changed = []
    if before["random"] != after["random"]:
        changed.append("random")
    (kind_a, keys_a, *rest_a), (kind_b, keys_b, *rest_b) = before["numpy"], after["numpy"]
    if kind_a != kind_b or not np.array_equal(keys_a, keys_b) or rest_a != rest_b:
        changed.append("numpy.random")
    if "torch" in before and "torch" in after:
        torch = sys.modules["torch"]
        if not torch.equal(before["torch"], after["torch"]):
            changed.append("torch")
    return changed
