"""Fuzzing the spec loader: any YAML document is a valid spec or a ``SpecError`` naming a field.

Never another exception, never a hang, never unbounded memory. Documents are built from the
spec's own vocabulary so that most of them get deep into validation instead of failing at the
first key. A second, smaller campaign renders the valid ones on a tiny canvas.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renderer.render import render_sample
from renderer.spec.load import MAX_DEPTH, SpecError, load_spec, validate_spec

FIELDS = ["version", "seed", "canvas", "width", "height", "mode", "task", "background", "kind",
          "objects", "name", "asset", "count", "pose", "scale", "x", "y", "rotation", "yaw",
          "pitch", "material", "color", "rgb", "hue", "blend", "modes", "lighting", "ambient",
          "directional", "effects", "sigma", "p", "output", "image_format", "dist", "low", "high",
          "mean", "std", "values", "weights", "options", "weight", "text", "fonts", "dir",
          "shapes", "labeled", "class_name", "spots", "vignette", "quality", "transform", "args",
          "classification", "center", "box", "supersample", "max_occlusion", "texture"]
KINDS = ["shape", "glyph", "cutout", "noise", "solid", "gradient", "stripes", "checker",
         "cellular", "images", "mix", "blur", "motion_blur", "gaussian_noise", "shot_noise",
         "jpeg", "exposure", "downscale", "albumentations", "uniform", "normal", "truncnormal",
         "loguniform", "randint", "choice", "star", "circle", "rgb", "gray", "classification",
         "detection", "png", "jpg", "builtin:fonts", "builtin:signs", "../../etc", "GaussNoise",
         "__import__", "!!python/object"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(KINDS), st.text(max_size=12),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.sampled_from(FIELDS), children, max_size=6),
    ),
    max_leaves=40,
)

BASE = {"canvas": {"width": 32, "height": 24}, "objects": [{"asset": {"kind": "shape"}}]}


def _check(data: object) -> None:
    try:
        validate_spec(data, "fuzz")
    except SpecError as exc:
        assert exc.problems, "a SpecError must list at least one problem"
        for problem in exc.problems:
            assert ": " in problem and "\n" not in problem


@pytest.mark.heavy
@settings(max_examples=6000, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents)
def test_any_document_loads_or_names_the_problem(data: object) -> None:
    _check(data)


@pytest.mark.heavy
@settings(max_examples=4000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(FIELDS), documents, max_size=6))
def test_patched_valid_spec_loads_or_names_the_problem(patch: dict) -> None:
    _check({**BASE, **patch})


@pytest.mark.heavy
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(["background", "lighting", "effects", "objects",
                                        "shuffle_depth", "seed"]), documents, max_size=3))
def test_valid_fuzzed_specs_render(patch: dict) -> None:
    try:
        spec = validate_spec({**BASE, **patch}, "fuzz")
    except SpecError:
        return
    if spec.canvas.width * spec.canvas.height > 64 * 64:
        return
    sample = render_sample(spec, 0, 0)
    assert sample.image.shape[:2] == (24, 32)


@pytest.mark.parametrize("text", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "canvas: !!python/object/apply:os.system ['touch {marker}']\n",
    "objects:\n  - asset: !!python/name:os.system\n",
])
def test_yaml_tags_never_build_objects(text: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "spec.yaml"
    path.write_text(text.format(marker=marker))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.source == str(path)
    assert info.value.problems[0].startswith("(yaml): ")
    assert not marker.exists()


def test_limits_are_clear() -> None:
    huge = {**BASE, "canvas": {"width": 8192, "height": 8192}}
    try:
        validate_spec(huge, "fuzz")
    except SpecError as exc:
        assert any("exceeds" in p and p.startswith("canvas") for p in exc.problems)
    else:
        raise AssertionError("a 67-megapixel canvas must be refused")
    many = {**BASE, "objects": [{"asset": {"kind": "shape"}, "count": 10**9}]}
    try:
        validate_spec(many, "fuzz")
    except SpecError as exc:
        assert any(p.startswith("objects[0].count") for p in exc.problems)
    else:
        raise AssertionError("a billion objects must be refused")



def test_deep_nesting_is_refused_before_validation(tmp_path: Path) -> None:
    deep: object = 1
    for _ in range(200):
        deep = {"a": deep}
    with pytest.raises(SpecError) as info:
        validate_spec({**BASE, "background": deep}, "fuzz")
    assert info.value.problems == [f"(root): nesting deeper than {MAX_DEPTH} levels"]
    path = tmp_path / "deep.yaml"
    path.write_text("background: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert len(info.value.problems) == 1 and "nesting" in info.value.problems[0]
