"""Spec models: distributions, validation messages with field paths, ``--set`` overrides, schema,
spec hash, class table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from core_helpers import DETECTION_DATA, make_spec, run_python, spec_data, write_yaml

from renderer.classes import class_table
from renderer.render import render_sample
from renderer.spec.distributions import (
    Choice,
    Const,
    Dist,
    LogUniform,
    Normal,
    TruncNormal,
    Uniform,
)
from renderer.spec.load import SpecError, load_spec, validate_spec
from renderer.spec.params import parse_dist, parse_names
from renderer.spec.scene import SceneSpec

REPO_ROOT = Path(__file__).resolve().parents[1]
DRAWS = 4000


def _draws(dist: Dist, n: int = DRAWS, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([dist.sample(rng) for _ in range(n)], float)


def _problems(data: Any) -> list[str]:
    with pytest.raises(SpecError) as info:
        validate_spec(data, "t.yaml")
    assert info.value.source == "t.yaml"
    assert info.value.problems
    return info.value.problems


# --- distributions -------------------------------------------------------------------------


@pytest.mark.parametrize(("form", "expected"), [
    (0.25, Const(False, 0.25)),
    (3, Const(False, 3.0)),
    ([0.1, 0.3], Uniform(False, 0.1, 0.3)),
    ((1, 2), Uniform(False, 1.0, 2.0)),
    ({"dist": "uniform", "low": 0.1, "high": 0.3}, Uniform(False, 0.1, 0.3)),
    ({"dist": "normal", "mean": 0.2, "std": 0.05}, Normal(False, 0.2, 0.05)),
    ({"dist": "truncnormal", "mean": 0.2, "std": 0.1, "low": 0.05, "high": 0.4},
     TruncNormal(False, 0.2, 0.1, 0.05, 0.4)),
    ({"dist": "loguniform", "low": 0.01, "high": 1.0}, LogUniform(False, 0.01, 1.0)),
    ({"dist": "randint", "low": 1, "high": 5}, Uniform(True, 1.0, 5.0)),
    ({"dist": "choice", "values": [1, 2, 8], "weights": [3, 2, 1]},
     Choice(False, (1.0, 2.0, 8.0), (3.0, 2.0, 1.0))),
    ({"dist": "choice", "values": [4, 5]}, Choice(False, (4.0, 5.0), (1.0, 1.0))),
])
def test_every_distribution_form_parses(form: Any, expected: Dist) -> None:
    dist = parse_dist(form)
    assert dist == expected
    assert parse_dist(dist.to_data(), integer=dist.integer) == dist, "to_data must round-trip"
    assert parse_dist(json.loads(json.dumps(dist.to_data())), integer=dist.integer) == dist


def test_uniform_draws_cover_the_interval() -> None:
    x = _draws(parse_dist([2.0, 4.0]))
    assert x.min() >= 2 and x.max() <= 4
    assert abs(x.mean() - 3) < 0.05 and abs(x.std() - 2 / math.sqrt(12)) < 0.03


def test_integer_ranges_are_inclusive() -> None:
    x = _draws(parse_dist([1, 3], integer=True))
    assert set(x) == {1, 2, 3}
    assert set(_draws(parse_dist({"dist": "randint", "low": 0, "high": 1}))) == {0, 1}
    assert all(type(parse_dist([1, 3], integer=True).sample(np.random.default_rng(s))) is int
               for s in range(5))
    assert type(parse_dist(2.6, integer=True).sample(np.random.default_rng(0))) is int


def test_normal_draws_match_mean_and_std() -> None:
    x = _draws(parse_dist({"dist": "normal", "mean": 5.0, "std": 2.0}))
    assert abs(x.mean() - 5) < 0.1 and abs(x.std() - 2) < 0.1
    assert parse_dist({"dist": "normal", "mean": 5.0, "std": 2.0}).bounds() == (-1.0, 11.0)


def test_truncnormal_draws_stay_in_bounds() -> None:
    dist = parse_dist({"dist": "truncnormal", "mean": 0.0, "std": 1.0, "low": 0.5, "high": 0.7})
    x = _draws(dist)
    assert x.min() >= 0.5 and x.max() <= 0.7
    assert x.mean() < 0.6, "mass of a normal truncated right of its mean leans to the low end"
    far = parse_dist({"dist": "truncnormal", "mean": 0.0, "std": 0.01, "low": 5, "high": 6})
    assert set(np.round(_draws(far, 50), 9)) <= {5.0}, "a far tail clips to the nearest bound"
    point = parse_dist({"dist": "truncnormal", "mean": 9, "std": 0, "low": 0, "high": 1})
    assert point.sample(np.random.default_rng(0)) == 1.0 and point.center() == 1.0


def test_loguniform_is_uniform_in_log_space() -> None:
    x = _draws(parse_dist({"dist": "loguniform", "low": 0.01, "high": 100.0}))
    assert x.min() >= 0.01 and x.max() <= 100
    assert abs(np.log10(x).mean()) < 0.1
    assert parse_dist({"dist": "loguniform", "low": 0.01, "high": 100.0}).center() == pytest.approx(1)


def test_choice_follows_the_weights() -> None:
    x = _draws(parse_dist({"dist": "choice", "values": [1, 2, 8], "weights": [3, 2, 0]}))
    assert set(x) == {1, 2}
    assert abs((x == 1).mean() - 0.6) < 0.03
    assert parse_dist({"dist": "choice", "values": [1, 2, 8], "weights": [3, 2, 0]}).center() == 1


def test_normal_draws_are_clipped_to_the_fields_limits() -> None:
    wide = {"dist": "normal", "mean": 0, "std": 1000}
    data = spec_data(DETECTION_DATA, canvas={"width": 48, "height": 32},
                     effects=[{"kind": "jpeg", "quality": wide},
                              {"kind": "motion_blur", "length": wide},
                              {"kind": "exposure", "gamma": wide, "contrast": wide}])
    data["objects"][0]["asset"] = {"kind": "shape", "shapes": ["polygon", "star"],
                                   "sides": wide, "points": wide}
    data["objects"][0]["count"] = {"dist": "normal", "mean": 2, "std": 1}
    spec = make_spec(data)
    quality = spec.effects[0].quality
    assert quality.to_data() == {"dist": "normal", "mean": 0, "std": 1000}, "YAML form unchanged"
    assert quality.bounds() == (1, 100)
    draws = _draws(quality, 200)
    assert draws.min() == 1 and draws.max() == 100
    assert make_spec(spec.to_data()).spec_hash() == spec.spec_hash()
    for index in range(6):  # a spec that validates must render
        assert render_sample(spec, 0, index).image.shape == (32, 48, 3)


def test_constant_is_constant_and_draws_nothing() -> None:
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    assert parse_dist(0.5).sample(rng) == 0.5
    assert rng.bit_generator.state == before


def test_draws_are_deterministic_per_generator() -> None:
    for form in ([0, 1], {"dist": "normal", "mean": 0, "std": 1},
                 {"dist": "choice", "values": [1, 2, 3]}):
        dist = parse_dist(form)
        assert np.array_equal(_draws(dist, 20, seed=3), _draws(dist, 20, seed=3))
        assert not np.array_equal(_draws(dist, 20, seed=3), _draws(dist, 20, seed=4))


@pytest.mark.parametrize(("form", "message"), [
    ([0.9, 0.2], "lower bound 0.9 > upper bound 0.2"),
    ([1, 2, 3], "a range is [low, high], got 3 values"),
    ("wide", "expected a number, a [low, high] range or a distribution, got 'wide'"),
    (True, "expected a number"),
    (float("nan"), "value must be finite"),
    ({"dist": "gamma"}, "'dist' must be one of uniform, normal, truncnormal, loguniform, "
                        "randint, choice, got 'gamma'"),
    ({"dist": "normal", "mean": 0}, "normal distribution needs std"),
    ({"dist": "normal", "mean": 0, "std": 1, "sd": 2}, "unexpected key(s) sd for normal"),
    ({"dist": "normal", "mean": 0, "std": -1}, "std must be >= 0, got -1"),
    ({"dist": "loguniform", "low": 0, "high": 1}, "loguniform needs low > 0"),
    ({"dist": "uniform", "low": "a", "high": 1}, "lower bound must be a number, got 'a'"),
    ({"dist": "choice", "values": []}, "choice needs a non-empty list of values"),
    ({"dist": "choice", "values": [1, 2], "weights": [1]}, "weights must be a list of 2 numbers"),
    ({"dist": "choice", "values": [1, 2], "weights": [0, 0]}, "weights must be >= 0 with a "
                                                              "positive sum"),
])
def test_malformed_distributions_say_what_is_wrong(form: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_dist(form)
    assert message in str(info.value)


def test_names_parse_in_every_form() -> None:
    assert parse_names("star").names == ("star",)
    assert parse_names(["a", "b"]).weights == (1.0, 1.0)
    choice = parse_names({"a": 3, "b": 1})
    assert choice.to_data() == {"a": 3.0, "b": 1.0}
    draws = [choice.sample(np.random.default_rng(s)) for s in range(400)]
    assert 0.65 < draws.count("a") / 400 < 0.85
    with pytest.raises(ValueError, match="unknown 'hexagon'"):
        parse_names(["circle", "hexagon"], allowed=("circle", "star"))
    with pytest.raises(ValueError, match="expected a name"):
        parse_names([])


# --- validation messages with field paths ---------------------------------------------------


def test_bounds_error_names_the_field_exactly() -> None:
    data = spec_data(DETECTION_DATA)
    data["objects"][1]["pose"]["scale"] = [0.9, 0.2]
    assert _problems(data) == ["objects[1].pose.scale: lower bound 0.9 > upper bound 0.2"]


@pytest.mark.parametrize(("path", "value", "expected"), [
    (["objects", 0, "pose", "scael"], 0.2, "objects[0].pose.scael: Extra inputs are not permitted"),
    (["canvas", "widht"], 64, "canvas.widht: Extra inputs are not permitted"),
    (["background", "sclae"], 4, "background.sclae: Extra inputs are not permitted"),
    (["objects", 0, "asset", "shape"], "star", "objects[0].asset.shape: Extra inputs are not "
                                               "permitted"),  # a key named like the kind
    (["background", "noise"], 1, "background.noise: Extra inputs are not permitted"),
    (["lighting", "directional", "azimut"], 0, "lighting.directional.azimut: Extra inputs"),
    (["objects", 1, "material", "color", "hue"], [0, 400], "objects[1].material.color.hue: "
                                                           "values must be <= 360, got 400"),
    (["objects", 0, "count"], -1, "objects[0].count: values must be >= 0, got -1"),
    (["canvas", "mode"], "cmyk", "canvas.mode: Input should be 'rgb' or 'gray'"),
    (["background", "kind"], "plasma", "background: Input tag 'plasma' found using 'kind' does "
                                       "not match any of the expected tags"),
])
def test_problems_name_the_field_path(path: list[Any], value: Any, expected: str) -> None:
    data = spec_data(DETECTION_DATA)
    node = data
    for step in path[:-1]:
        node = node[step] if isinstance(step, int) else node.setdefault(step, {})
    node[path[-1]] = value
    problems = _problems(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_effect_problems_name_the_list_index() -> None:
    data = spec_data(DETECTION_DATA, effects=[{"kind": "blur"}, {"kind": "jpeg", "quality": 0}])
    assert _problems(data) == ["effects[1].quality: values must be >= 1, got 0"]


def test_every_problem_is_reported_at_once() -> None:
    data = spec_data(DETECTION_DATA, canvas={"width": 4, "height": 64, "depth": 3})
    data["objects"][0]["pose"]["rotation"] = [10, 0]
    problems = _problems(data)
    assert len(problems) == 3, problems
    assert {p.split(":")[0] for p in problems} == {"canvas.width", "canvas.depth",
                                                   "objects[0].pose.rotation"}
    error = SpecError("t.yaml", problems)
    assert str(error) == "t.yaml: " + "; ".join(problems)


@pytest.mark.parametrize(("patch", "expected"), [
    ({"objects": []}, "objects: List should have at least 1 item"),
    ({"objects": [{"asset": {"kind": "shape"}}, {"asset": {"kind": "shape"}, "name": "layer0"}]},
     "layer names must be unique"),
    ({"effects": [{"kind": "blur"}, {"kind": "blur"}]}, "give each repeated kind a distinct 'name'"),
    ({"task": "classification"}, "classification scenes need exactly one labeled layer with "
                                 "count 1"),
    ({"classification": {"center": "mass"}}, "classification.center: mass needs task: "
                                            "classification"),
    ({"canvas": {"width": 8192, "height": 8192}}, "canvas: canvas of 8192x8192 exceeds"),
    ({"version": 2}, "version: Input should be 1"),
])
def test_scene_level_rules(patch: dict[str, Any], expected: str) -> None:
    problems = _problems(spec_data(DETECTION_DATA, **patch))
    assert any(expected in p for p in problems), problems


def test_non_mapping_root_is_refused() -> None:
    assert _problems([1, 2]) == ["(root): expected a mapping of spec fields, got list"]


def test_defaults_fill_the_resolved_spec() -> None:
    spec = make_spec({"objects": [{"asset": {"kind": "shape"}}]})
    data = spec.to_data()
    assert data["canvas"] == {"width": 640, "height": 480, "mode": "rgb", "native": None}
    assert data["background"]["kind"] == "noise"
    assert data["objects"][0]["pose"]["scale"] == [0.1, 0.3]
    assert make_spec(data).to_data() == data, "the resolved spec must validate to itself"


# --- files and --set overrides --------------------------------------------------------------


def test_load_spec_applies_overrides_with_list_indices(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "s.yaml", spec_data(DETECTION_DATA))
    spec = load_spec(path, [
        "canvas.width=120",
        "objects[0].count=[1, 3]",
        "objects[1].pose.scale={dist: normal, mean: 0.2, std: 0.01}",
        "objects[-1].labeled=true",
        "effects[0].p=0.5",
        "lighting.spots.count=2",
        "shuffle_depth=yes",
    ])
    assert spec.canvas.width == 120 and spec.canvas.height == 64
    assert spec.objects[0].count == Uniform(True, 1, 3)
    assert spec.objects[1].pose.scale == Normal(False, 0.2, 0.01, low=0)
    assert spec.objects[1].labeled is True
    assert spec.effects[0].p == 0.5
    assert spec.lighting.spots.count == Const(True, 2)
    assert spec.shuffle_depth is True
    assert spec.context.base_dir == tmp_path.resolve()


@pytest.mark.parametrize(("override", "expected"), [
    ("canvas.width", "expected path.to.field=value"),
    ("objects[x].count=1", "list index must be an integer"),
    ("objects[5].count=1", "no list element [5]"),
    ("canvas.width=[1, 2", "value is not valid YAML"),
    ("canvas.width.x=1", "'x' is not inside a mapping"),
    ("..=1", "empty field name"),
])
def test_bad_overrides_are_spec_errors(tmp_path: Path, override: str, expected: str) -> None:
    path = write_yaml(tmp_path / "s.yaml", spec_data(DETECTION_DATA))
    with pytest.raises(SpecError) as info:
        load_spec(path, [override])
    assert info.value.source == "--set"
    assert expected in info.value.problems[0]


def test_override_to_an_invalid_value_names_the_field(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "s.yaml", spec_data(DETECTION_DATA))
    with pytest.raises(SpecError) as info:
        load_spec(path, ["objects[1].pose.scale=[0.9, 0.2]", "canvas.height=2"])
    assert info.value.source == str(path)
    assert sorted(info.value.problems) == [
        "canvas.height: Input should be greater than or equal to 8",
        "objects[1].pose.scale: lower bound 0.9 > upper bound 0.2"]


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "missing.yaml")
    assert info.value.problems[0].startswith("(file): cannot read")
    bad = tmp_path / "bad.yaml"
    bad.write_text("canvas: {width: 64\nobjects: []\n")
    with pytest.raises(SpecError) as info:
        load_spec(bad)
    assert info.value.problems[0].startswith("(yaml): line ")
    tagged = tmp_path / "tag.yaml"
    tagged.write_text("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(SpecError):
        load_spec(tagged)


def example_scenes() -> list[Path]:
    """The scene specs under scenes/ (class maps for ``synth eval --class-map`` left out)."""
    return [p for p in sorted((REPO_ROOT / "scenes").glob("*.yaml"))
            if not p.name.endswith("-categories.yaml")]


def test_example_scenes_load() -> None:
    for path in example_scenes():
        spec = load_spec(path)
        assert spec.objects, path


# --- schema, hash, classes ------------------------------------------------------------------


def test_json_schema_describes_the_spec() -> None:
    schema = SceneSpec.model_json_schema()
    text = json.dumps(schema)
    assert {"canvas", "objects", "background", "effects", "lighting", "output"} <= set(
        schema["properties"])
    assert schema["required"] == ["objects"]
    for kind in ("shape", "glyph", "cutout", "noise", "mix", "blur", "albumentations"):
        assert f'"{kind}"' in text, f"kind {kind} missing from the schema"


def test_json_schema_accepts_the_example_scenes() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = SceneSpec.model_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in example_scenes():
        data = yaml.safe_load(path.read_text())
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, f"{path.name}: {errors}"
    resolved = make_spec(DETECTION_DATA).to_data()
    assert not list(validator.iter_errors(resolved))
    assert list(validator.iter_errors({"objects": [], "canvas": {"width": "wide"}}))


def test_spec_hash_ignores_spelling_and_defaults() -> None:
    base = make_spec(DETECTION_DATA)
    spelled = spec_data(DETECTION_DATA, version=1, seed=0, shuffle_depth=False)
    spelled["objects"][0]["pose"]["scale"] = {"dist": "uniform", "low": 0.25, "high": 0.45}
    spelled["canvas"]["mode"] = "rgb"
    assert make_spec(spelled).spec_hash() == base.spec_hash()
    changed = spec_data(DETECTION_DATA)
    changed["objects"][0]["pose"]["scale"] = [0.25, 0.46]
    assert make_spec(changed).spec_hash() != base.spec_hash()
    assert len(base.spec_hash()) == 64


def test_spec_hash_is_stable_across_processes(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "s.yaml", spec_data(DETECTION_DATA))
    code = ("import sys\nfrom renderer.spec.load import load_spec\n"
            "print(load_spec(sys.argv[1]).spec_hash())\n")
    other = run_python(code, str(path)).stdout.strip()
    assert other == load_spec(path).spec_hash() == make_spec(DETECTION_DATA).spec_hash()


def test_class_table_orders_numeric_classes_by_number() -> None:
    digits = [str(d) for d in (10, 2, 0, 1, 9)]
    spec = make_spec({"objects": [{"asset": {"kind": "glyph", "text": digits}}]})
    assert class_table(spec).names == ("0", "1", "2", "9", "10")
    signs = make_spec({"objects": [{"asset": {"kind": "cutout", "dir": "builtin:signs",
                                              "classes": ["17", "03", "14"]}}]})
    assert class_table(signs).names == ("03", "14", "17")


def test_class_table_follows_labeled_layers_in_order() -> None:
    spec = make_spec({"objects": [
        {"asset": {"kind": "shape", "shapes": ["star", "circle"]}},
        {"asset": {"kind": "glyph", "text": ["A"]}, "labeled": False},
        {"asset": {"kind": "glyph", "text": ["B"]}, "class_name": "letter"},
        {"asset": {"kind": "shape", "shapes": ["circle", "ring"]}},
    ]})
    table = class_table(spec)
    assert table.names == ("star", "circle", "letter", "ring")
    assert table.keypoint_names["star"][:2] == ("center", "tip0")
    assert table.keypoint_names["letter"] == ()
    assert table.index("ring") == 3
