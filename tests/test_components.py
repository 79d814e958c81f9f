"""Contract tests over every registered component (assets, backgrounds, textures, effects, writers).

``TEST_PARAMS`` holds the spec blocks each component is tested with. A registered component
without an entry fails the suite: a new component comes with its test parameters.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from core_helpers import (
    CLASSIFICATION_DATA,
    MIXED_DATA,
    assert_plain_json,
    make_spec,
    run_python,
    sample_digest,
    tree_digest,
)
from pydantic import TypeAdapter

from renderer.assets import ASSETS, AssetInfo, AssetRaster
from renderer.backgrounds import BACKGROUNDS, BackgroundSpec, render_background, sample_background
from renderer.classes import class_table
from renderer.effects import EFFECTS, apply_effect, sample_effect
from renderer.output_folder import prepare_output
from renderer.registry import Registry
from renderer.render import render_sample
from renderer.run import RunConfig
from renderer.scene_context import SceneContext
from renderer.spec.objects import AssetSpec, TextureSpec
from renderer.spec.scene import EffectSpec
from renderer.textures import TEXTURES
from renderer.textures.base import render_texture
from renderer.writers import WRITERS, DatasetInfo

REGISTRIES: dict[str, Registry[Any]] = {
    "asset": ASSETS, "background": BACKGROUNDS, "texture": TEXTURES, "effect": EFFECTS,
    "writer": WRITERS,
}
SHAPES = ["circle", "ellipse", "rectangle", "rounded_rectangle", "triangle", "polygon", "star",
          "ring", "cross", "arrow"]

# Spec blocks (without ``kind``) per component; the first one is the component's defaults plus
# any required field, and must draw differently for different seeds. Writers take the scene's
# task and writer options instead.
TEST_PARAMS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "asset": {
        "shape": [{}, *({"shapes": s} for s in SHAPES),
                  {"shapes": {"polygon": 1, "star": 2}, "sides": [3, 16], "points": 16,
                   "inner_ratio": 0.05},
                  {"shapes": "rectangle", "aspect": 20}],
        "glyph": [{}, {"text": ["A", "OK", "%"], "fonts": ["builtin:fonts/DejaVuSans.ttf"]},
                  {"text": {"W": 1, "i": 3}, "fonts": ["builtin:fonts/Kristi.ttf"]}],
        "cutout": [{"dir": "builtin:cutouts"},
                   {"dir": "builtin:signs", "classes": ["14", "17"], "balance": "files"},
                   {"dir": "builtin:signs", "stroke": {"dist": "choice", "values": [-0.25, 0, 0.25]}}],
        "choice": [{"options": [{"asset": {"kind": "shape"}},
                                {"weight": 2, "asset": {"kind": "glyph", "text": ["A", "7"]}}]},
                   {"options": [{"asset": {"kind": "cutout", "dir": "builtin:cutouts"}},
                                {"weight": 0.5, "asset": {"kind": "handwriting"}},
                                {"asset": {"kind": "choice", "options": [
                                    {"asset": {"kind": "glyph", "text": ["Q"]}}]}}]}],
        "handwriting": [{}, {"digits": ["1", "7"], "slant": 0, "width": 0.01, "rotation": [-180, 180],
                             "pressure": 0.9},
                        {"digits": {"0": 1, "8": 3}, "elastic": 0.3, "jitter": 0.2, "closure": [-0.4, 0.4],
                         "aspect": 5, "proportion": 0.24, "width": 0.5}],
        "mesh": [{}, {"source": {"procedural": "dice", "edge_radius": [0, 1], "detail": 1},
                      "size": 0.0001, "material": {"marble": 1, "translucency": 1, "roughness": 0,
                                                   "specular": 1}},
                 {"source": {"procedural": "glyph", "text": ["A", "7", "%"], "aspect": 20}},
                 {"source": {"procedural": "torus", "aspect": 0.05, "detail": 5}, "size": 1000,
                  "material": {"roughness": 1, "specular": 0, "color": {"rgb": [0, 0, 0]}}},
                 {"source": {"procedural": "cylinder", "aspect": [0.05, 20]}},
                 {"source": {"procedural": "sphere", "detail": 1}}],
    },
    "background": {
        "solid": [{}, {"color": {"rgb": [10, 20, 30]}}],
        "gradient": [{}, {"angle": 45, "color_a": {"rgb": [0, 0, 0]},
                          "color_b": {"rgb": [255, 255, 255]}}],
        "images": [{}, {"dir": "builtin:backgrounds", "scale": 0.01, "flip": 1.0}],
        "mix": [{"options": [{"background": {"kind": "solid"}},
                             {"weight": 2, "background": {"kind": "noise"}},
                             {"background": {"kind": "images"}}]},
                {"options": [{"background": {"kind": "mix", "options": [
                    {"background": {"kind": "gradient"}}]}}]}],
        "street": [{}, {"horizon": 0, "vanish_x": 1, "focal": 0.1, "buildings": 1, "trees": 30,
                        "cars": 10, "posts": 10, "markings": 0},
                   {"horizon": 1, "vanish_x": 0, "focal": 5, "buildings": 0, "trees": 0, "cars": 0,
                    "posts": 0, "markings": 1}],
        "tray": [{}, {"floor_size": 0.05, "wall_width": 0, "rim_width": 0, "grain": 0.5,
                      "wall_light": 1, "floor": {"rgb": [255, 255, 255]}},
                 {"floor_size": 4, "wall_width": 1, "rim_width": 1, "grain": 64, "wall_light": 0}],
    },
    "texture": {
        "noise": [{}, {"scale": 1, "octaves": 8, "persistence": 1},
                  {"scale": 4096, "octaves": 1}],
        "stripes": [{}, {"period": 2, "angle": -360, "duty": 0},
                    {"period": 4096, "duty": 1}],
        "checker": [{}, {"cell": 2, "angle": [0, 90]}, {"cell": 4096}],
        "cellular": [{}, {"cells": 1, "invert": 1}, {"cells": 5000, "invert": 0}],
    },
    "effect": {
        "blur": [{}, {"sigma": 0}, {"sigma": 100}],
        "motion_blur": [{}, {"length": 1}, {"length": 200, "angle": -360}],
        "gaussian_noise": [{}, {"monochrome": 1.0}, {"sigma": 255}],
        "shot_noise": [{}, {"photons": 1}, {"photons": 1e6}],
        "jpeg": [{}, {"quality": 1}, {"quality": 100}],
        "haze": [{}, {"density": 1, "bottom": 0, "airlight": 1, "tint": 1},
                 {"density": 0, "bottom": 1, "airlight": 0, "tint": -1}],
        "exposure": [{}, {"brightness": 1, "contrast": 10, "gamma": 20},
                     {"brightness": -1, "contrast": 0, "gamma": 0.05}],
        "downscale": [{}, {"factor": 0.02, "interpolation": "nearest"},
                      {"factor": 1, "interpolation": ["area", "cubic"]}],
        "cast_shadow": [{}, {"darkness": 1, "coverage": 1, "softness": 0, "tint": 1},
                        {"darkness": 0, "coverage": 0, "softness": 100}],
        "albumentations": [{"transform": "ISONoise", "args": {"intensity": [0.1, 0.5]}},
                           {"transform": "RandomBrightnessContrast"}],
    },
    "writer": {
        "coco": [{"task": "detection"}],
        "yolo": [{"task": "detection"}, {"task": "detection", "yolo_mode": "polygons"}],
        "imagefolder": [{"task": "classification"}],
        "webdataset": [{"task": "detection"}, {"task": "classification"}],
        "bop": [{"task": "detection", "scene": "mesh"}],
    },
}

# Adapters of the spec blocks that docstring examples are written as.
BLOCK_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "asset": TypeAdapter(AssetSpec), "background": TypeAdapter(BackgroundSpec),
    "texture": TypeAdapter(TextureSpec), "effects": TypeAdapter(list[EffectSpec]),
}
CTX = SceneContext()
SEEDS = range(5)


def _registered() -> list[tuple[str, str]]:
    return [(kind, name) for kind, registry in REGISTRIES.items() for name in registry.names()]


def _cases(kinds: tuple[str, ...]) -> list[Any]:
    """(kind, name, example index, block) for every registered component of ``kinds``."""
    cases = []
    for kind, name in _registered():
        if kind not in kinds:
            continue
        examples = TEST_PARAMS.get(kind, {}).get(name) or [None]  # None: fails in the test
        cases.extend(pytest.param(kind, name, k, block, id=f"{kind}-{name}-{k}")
                     for k, block in enumerate(examples))
    return cases


def _params(kind: str, name: str, block: dict[str, Any] | None) -> Any:
    if block is None:
        pytest.fail(f"{kind} {name!r} is registered but has no entry in TEST_PARAMS of "
                    f"{Path(__file__).name}: add its test parameters")
    return REGISTRIES[kind].get(name).Params.model_validate({"kind": name, **copy.deepcopy(block)})


def _draw(kind: str, name: str, params: Any, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    component = REGISTRIES[kind].get(name)
    if kind == "texture":
        return component.sample(params, rng=rng)
    if kind == "effect":
        return sample_effect(params, rng=rng)
    return component.sample(params, rng=rng, ctx=CTX)


def _test_image(height: int, width: int) -> np.ndarray:
    """A read-only RGB frame with edges, flat areas and both extremes of the range."""
    image = np.random.default_rng(7).integers(0, 256, (height, width, 3), dtype=np.uint8)
    image[: height // 3] = 0
    image[height // 3: height // 2] = 255
    image.setflags(write=False)
    return image


def test_every_registered_component_has_test_params() -> None:
    missing = [f"{kind} {name!r}" for kind, name in _registered()
               if not TEST_PARAMS.get(kind, {}).get(name)]
    assert not missing, f"add test parameters to TEST_PARAMS for: {', '.join(missing)}"


def test_test_params_name_only_registered_components() -> None:
    stale = [f"{kind} {name!r}" for kind, table in TEST_PARAMS.items() for name in table
             if name not in REGISTRIES[kind].names()]
    assert not stale, f"TEST_PARAMS lists components that are not registered: {stale}"


@pytest.mark.parametrize(("kind", "name", "k", "block"),
                         _cases(("asset", "background", "texture", "effect")))
def test_params_validate_and_round_trip(kind: str, name: str, k: int,
                                        block: dict[str, Any] | None) -> None:
    params = _params(kind, name, block)
    model = type(params)
    assert model.model_fields["kind"].default == name, "Params.kind must default to the name"
    data = params.model_dump(mode="json")
    assert_plain_json(data, f"{name}.model_dump")
    again = model.model_validate(json.loads(json.dumps(data)))
    assert again == params, "dumping and re-validating the params must give the same params"
    assert again.model_dump(mode="json") == data
    schema = model.model_json_schema()
    if "$ref" in schema:  # recursive models (mix) put themselves in $defs
        schema = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    assert "kind" in schema["properties"]


@pytest.mark.parametrize(("kind", "name", "k", "block"),
                         _cases(("asset", "background", "texture", "effect")))
def test_sample_is_plain_json_and_deterministic(kind: str, name: str, k: int,
                                                block: dict[str, Any] | None) -> None:
    params = _params(kind, name, block)
    records = []
    for seed in SEEDS:
        record = _draw(kind, name, params, seed)
        assert_plain_json(record, f"{name} record")
        assert record == _draw(kind, name, params, seed), "same generator state, other record"
        assert record["kind"] == name
        records.append(json.dumps(record, sort_keys=True))
    if k == 0:
        assert len(set(records)) > 1, "the default params must draw different records per seed"


@pytest.mark.parametrize(("kind", "name", "k", "block"), _cases(("asset",)))
def test_asset_raster_contract(kind: str, name: str, k: int, block: dict[str, Any] | None) -> None:
    params = _params(kind, name, block)
    asset = ASSETS.get(name)
    info = asset.describe(params, CTX)
    assert isinstance(info, AssetInfo) and info.classes
    assert set(info.keypoint_names) <= set(info.classes)
    for seed in SEEDS:
        record = _draw(kind, name, params, seed)
        assert record["class_name"] in info.classes
        frozen = copy.deepcopy(record)
        for size_px in (3, 24, 70):
            raster = asset.raster(record, size_px, CTX)
            assert record == frozen, "raster() must not modify the record"
            assert isinstance(raster, AssetRaster)
            alpha, rgb, kp = raster.alpha, raster.rgb, raster.keypoints
            assert alpha.ndim == 2 and alpha.dtype == np.uint8 and alpha.max() > 0
            assert rgb is None or (rgb.shape == (*alpha.shape, 3) and rgb.dtype == np.uint8)
            assert kp.dtype == np.float32 and kp.ndim == 2 and kp.shape[1] == 2
            assert len(kp) <= len(info.keypoint_names.get(record["class_name"], ())) or not len(kp)
            for array in (alpha, rgb, kp):
                assert array is None or not array.flags.writeable, "cached arrays must be read-only"
            again = asset.raster(copy.deepcopy(record), size_px, CTX)
            assert np.array_equal(again.alpha, alpha) and np.array_equal(again.keypoints, kp,
                                                                         equal_nan=True)


@pytest.mark.parametrize(("kind", "name", "k", "block"), _cases(("background", "texture")))
@pytest.mark.parametrize(("height", "width"), [(64, 96), (9, 8), (40, 13)])
def test_background_render_contract(kind: str, name: str, k: int, block: dict[str, Any] | None,
                                    height: int, width: int) -> None:
    params = _params(kind, name, block)
    for seed in SEEDS:
        record = sample_background(params, rng=np.random.default_rng(seed), ctx=CTX)
        frozen = copy.deepcopy(record)
        image = render_background(record, height, width, CTX)
        assert record == frozen, "render must not modify the record"
        assert image.shape == (height, width, 3) and image.dtype == np.uint8
        assert np.array_equal(image, render_background(frozen, height, width, CTX))


@pytest.mark.parametrize(("kind", "name", "k", "block"), _cases(("texture",)))
def test_texture_field_and_fill(kind: str, name: str, k: int, block: dict[str, Any] | None) -> None:
    params = _params(kind, name, block)
    texture = TEXTURES.get(name)
    for seed in SEEDS:
        record = _draw(kind, name, params, seed)
        field = texture.field(record, 48, 80)
        assert field.dtype == np.float32 and field.ndim == 2
        assert np.isfinite(field).all() and field.min() >= 0 and field.max() <= 1
        fill = render_texture(record, 31, 17)  # object fills use odd region sizes
        assert fill.shape == (31, 17, 3) and fill.dtype == np.uint8


@pytest.mark.parametrize(("kind", "name", "k", "block"), _cases(("effect",)))
@pytest.mark.parametrize(("height", "width"), [(64, 96), (8, 13)])
def test_effect_apply_contract(kind: str, name: str, k: int, block: dict[str, Any] | None,
                               height: int, width: int) -> None:
    params = _params(kind, name, block)
    image = _test_image(height, width)
    original = image.copy()
    for seed in SEEDS:
        record = _draw(kind, name, params, seed)
        frozen = copy.deepcopy(record)
        out = apply_effect(image, record)
        assert record == frozen, "apply must not modify the record"
        assert np.array_equal(image, original), "apply must not modify its input"
        assert out.shape == image.shape and out.dtype == np.uint8
        assert np.array_equal(out, apply_effect(image.copy(), frozen)), "apply is not deterministic"
    skipped = {"kind": name, "applied": False}
    assert apply_effect(image, skipped) is image


MESH_DATA: dict[str, Any] = {
    "canvas": {"width": 96, "height": 64}, "background": {"kind": "gradient"},
    "camera": {"elevation": [50, 90], "distance": 0.5},
    "objects": [{"name": "dice", "count": [1, 3], "asset": {"kind": "mesh",
                 "source": {"procedural": "dice"}, "size": 0.05},
                 "pose": {"rest_on": "ground"}}],
    "output": {"image_format": "png"},
}


def _writer_samples(task: str, scene: str = "flat") -> tuple[DatasetInfo, list[Any]]:
    data = {"flat": MIXED_DATA, "mesh": MESH_DATA}[scene]
    spec = make_spec(CLASSIFICATION_DATA if task == "classification" else data)
    classes = class_table(spec)
    info = DatasetInfo(class_names=classes.names, keypoint_names=classes.keypoint_names,
                       image_format=spec.output.image_format, task=spec.task,
                       gray=spec.canvas.mode == "gray")
    return info, [render_sample(spec, 3, i) for i in range(4)]


def _write_dataset(name: str, info: DatasetInfo, samples: list[Any], out: Path) -> list[str]:
    writer_class = WRITERS.get(name)
    prepare_output(RunConfig(out=out, n=len(samples), seed=3))  # the runner's state folders
    returned = []
    for shard, chunk in enumerate((samples[:3], samples[3:])):
        writer = writer_class(out, info, shard)
        writer.open()
        for sample in chunk:
            image = f"image {sample.index}".encode()  # writers store the bytes they are given
            for rel, data in writer.write(sample, image):
                returned.append(rel)
                if not writer_class.shard_files:
                    assert (out / rel).read_bytes() == data, f"{rel} differs from what write said"
        writer.close()
    writer_class.finalize(out, info, [0, 1])
    return returned


@pytest.mark.parametrize(("kind", "name", "k", "block"), _cases(("writer",)))
def test_writer_contract(kind: str, name: str, k: int, block: dict[str, Any] | None,
                         tmp_path: Path) -> None:
    if block is None:
        _params(kind, name, block)
    info, samples = _writer_samples(block["task"], block.get("scene", "flat"))
    options = {key: value for key, value in block.items() if key not in ("task", "scene")}
    info = dataclasses.replace(info, options=options)
    digests = [sample_digest(s) for s in samples]
    first = _write_dataset(name, info, samples, tmp_path / "a")
    assert [sample_digest(s) for s in samples] == digests, "writers must not modify samples"
    assert first, "a writer must report the files it wrote"
    assert _write_dataset(name, info, samples, tmp_path / "b") == first
    files = tree_digest(tmp_path / "a")
    assert files == tree_digest(tmp_path / "b"), "same samples must give the same bytes"
    leftovers = [f for f in files if re.search(r"\.tmp-\d+$", f)]
    assert not leftovers, f"temporary files left behind: {leftovers}"


def _yaml_examples(doc: str) -> list[str]:
    """Indented literal blocks that follow a line ending in ``YAML...::``."""
    lines = doc.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if not ("YAML" in line and line.rstrip().endswith("::")):
            continue
        indent = len(line) - len(line.lstrip())
        body: list[str] = []
        for nxt in lines[i + 1:]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                break
            body.append(nxt)
        blocks.append(textwrap.dedent("\n".join(body)).strip("\n"))
    return blocks


@pytest.mark.parametrize(("kind", "name"),
                         [c for c in _registered() if c[0] != "writer"])
def test_docstring_yaml_examples_parse_and_validate(kind: str, name: str) -> None:
    module = inspect.getmodule(REGISTRIES[kind].get(name))
    examples = _yaml_examples(module.__doc__ or "")
    assert examples, f"{module.__name__} has no YAML example in its docstring"
    mentioned = False
    for text in examples:
        data = yaml.safe_load(text)
        assert isinstance(data, dict), f"{module.__name__}: YAML example is not a mapping"
        for key, adapter in BLOCK_ADAPTERS.items():
            if key in data:
                adapter.validate_python(data[key])
        mentioned |= bool(re.search(rf"kind:\s*{re.escape(name)}\b", text))
    assert mentioned, f"no YAML example of {module.__name__} selects kind: {name}"


def test_docstring_yaml_extraction_finds_examples() -> None:
    doc = "Title.\n\nYAML::\n\n    a: 1\n    b: {c: 2}\n\nAfter.\n"
    assert _yaml_examples(doc) == ["a: 1\nb: {c: 2}"]


def test_albumentations_adapter_needs_no_network() -> None:
    """albumentations checks PyPI on import unless told not to; offline that warning is fatal."""
    code = "from renderer.effects.albu import transform_class\ntransform_class('ISONoise')\n"
    closed = "http://127.0.0.1:9"  # nothing listens on the discard port: every request fails
    env = {"https_proxy": closed, "HTTPS_PROXY": closed, "http_proxy": closed,
           "HTTP_PROXY": closed, "NO_ALBUMENTATIONS_UPDATE": None}
    run_python(code, env=env)


def test_every_asset_kind_renders_in_a_scene() -> None:
    """Each asset kind in one scene: the composed frame and its labels come out sane."""
    spec = make_spec(MIXED_DATA)
    kinds = set()
    for index in range(6):
        sample = render_sample(spec, 0, index)
        assert sample.image.shape == (64, 96, 3)
        kinds |= {o["asset"]["kind"] for o in sample.plan["objects"]}
    assert kinds == {"cutout", "shape", "glyph"}
