"""Same (spec, seed, index) gives the same bytes: twice, in another process, in any order, for any
worker count; named streams keep unrelated draws unchanged when one part of a spec changes."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from core_helpers import (
    DETECTION_DATA,
    MIXED_DATA,
    REPO_ROOT,
    changed_rng_states,
    global_rng_state,
    make_spec,
    run_cli,
    run_python,
    sample_digest,
    spec_data,
    tree_digest,
    write_yaml,
)

from renderer.plan import plan_from_dict, sample_plan
from renderer.render import render_plan, render_sample
from renderer.rng import stable_id, stream, weighted_index

# Every background kind, blend mode, lighting term and effect, at a small size.
BUSY_DATA: dict[str, Any] = spec_data(
    MIXED_DATA,
    background={"kind": "mix", "options": [
        {"background": {"kind": k}} for k in ("noise", "cellular", "stripes", "checker",
                                              "gradient", "solid", "images")]},
    lighting={"ambient": [0.7, 1.3], "temperature": [3000, 9000], "vignette": [0, 0.5],
              "directional": {"p": 0.7}, "spots": {"count": [0, 2]}},
    effects=[{"kind": "blur", "p": 0.5}, {"kind": "motion_blur", "p": 0.3},
             {"kind": "gaussian_noise", "monochrome": 0.5}, {"kind": "shot_noise", "p": 0.5},
             {"kind": "jpeg", "p": 0.5}, {"kind": "exposure", "p": 0.5},
             {"kind": "downscale", "p": 0.3}],
    shuffle_depth=True,
)
BUSY_DATA["objects"][1]["blend"] = {"modes": ["none", "feather", "motion", "poisson"]}
BUSY_DATA["objects"][1]["material"] = {"texture": {"kind": "checker"}, "texture_p": 0.5}
BUSY_DATA["objects"][1]["pose"].update(yaw=[-40, 40], pitch=[-40, 40], flip_h=0.5)
INDICES = [0, 1, 2, 5, 11, 17]

# The other process renders with one OpenCV thread, as render workers do (``tune_render_process``).
DIGEST_CODE = """\
import json, sys
import cv2
sys.path.insert(0, "tests")
from core_helpers import make_spec, sample_digest
from renderer.render import render_sample
cv2.setNumThreads(1)
spec = make_spec(json.loads(sys.argv[1]))
print(json.dumps([sample_digest(render_sample(spec, 4, i)) for i in json.loads(sys.argv[2])]))
"""


@pytest.fixture(scope="module")
def busy_digests() -> dict[int, str]:
    """Digests rendered with several OpenCV threads (as in a notebook or a DataLoader)."""
    spec = make_spec(BUSY_DATA)
    threads = cv2.getNumThreads()
    cv2.setNumThreads(4)
    try:
        return {i: sample_digest(render_sample(spec, 4, i)) for i in INDICES}
    finally:
        cv2.setNumThreads(threads)


def test_rendering_twice_gives_identical_samples(busy_digests: dict[int, str]) -> None:
    spec = make_spec(BUSY_DATA)
    for i in INDICES:
        assert sample_digest(render_sample(spec, 4, i)) == busy_digests[i], f"index {i}"
    assert len(set(busy_digests.values())) == len(INDICES), "different indices, same image"


def test_order_and_other_work_do_not_matter(busy_digests: dict[int, str]) -> None:
    spec = make_spec(BUSY_DATA)
    other = make_spec(DETECTION_DATA)
    for i in reversed(INDICES):
        render_sample(other, 9, i)  # fills caches and would advance any shared state
        assert sample_digest(render_sample(spec, 4, i)) == busy_digests[i], f"index {i}"


def test_another_process_renders_the_same_bytes(busy_digests: dict[int, str]) -> None:
    order = list(reversed(INDICES))
    proc = run_python(DIGEST_CODE, json.dumps(BUSY_DATA), json.dumps(order))
    assert dict(zip(order, json.loads(proc.stdout), strict=True)) == busy_digests


def test_plan_replays_from_json(busy_digests: dict[int, str]) -> None:
    spec = make_spec(BUSY_DATA)
    for i in INDICES[:3]:
        stored = json.loads(json.dumps(sample_plan(spec, 4, i).to_dict()))
        assert sample_digest(render_plan(plan_from_dict(stored), spec)) == busy_digests[i]


def test_rendering_leaves_plan_and_spec_untouched() -> None:
    spec = make_spec(BUSY_DATA)
    before = spec.to_data()
    for i in INDICES[:3]:
        plan = sample_plan(spec, 4, i)
        stored = json.dumps(plan.to_dict(), sort_keys=True)
        sample = render_plan(plan, spec)
        assert json.dumps(plan.to_dict(), sort_keys=True) == stored
        assert sample.plan == json.loads(stored)
        assert sample.image.flags.c_contiguous and sample.image.dtype == np.uint8
    assert spec.to_data() == before


def test_seed_and_index_both_change_the_draws() -> None:
    spec = make_spec(DETECTION_DATA)
    plans = {json.dumps(sample_plan(spec, seed, index).to_dict(), sort_keys=True)
             for seed in (0, 1) for index in (0, 1)}
    assert len(plans) == 4


def test_streams_are_keyed_by_seed_index_and_name() -> None:
    draw = [stream(1, 2, "objects/a/0/pose").random() for _ in range(2)]
    assert draw[0] == draw[1]
    assert stream(1, 2, "objects/a/0/pose").random() != stream(1, 2, "objects/a/1/pose").random()
    assert stream(1, 2, "x").random() != stream(2, 2, "x").random() != stream(1, 3, "x").random()
    # crc32, pinned: a different stream id would silently change every dataset ever rendered
    assert stable_id("background") == 0xBC68B450


@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1, 2**32, 2**63 - 1])
@pytest.mark.parametrize("index", [0, 5, 2**32 + 3, 2**40])
def test_streams_are_numpys_spawn_keyed_sequences(seed: int, index: int) -> None:
    # stream() hands numpy the words it would mix anyway, faster; the generators must be the
    # ones SeedSequence(seed, spawn_key=(index, id)) gives, or every dataset would change
    key = stable_id("objects/shapes/2/pose")
    expected = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(index, key))))
    assert stream(seed, index, "objects/shapes/2/pose").bit_generator.state == expected.bit_generator.state


def test_weighted_draws_are_numpys_choice() -> None:
    weights = (0.4, 0.2, 0.25, 0.2, 0.15, 0.15, 0.2, 0.15, 0.0, 1.0)
    p = np.asarray(weights) / np.asarray(weights).sum()
    fast, slow = np.random.default_rng(5), np.random.default_rng(5)
    draws = [weighted_index(fast, weights) for _ in range(3000)]
    assert draws == [int(slow.choice(len(weights), p=p)) for _ in range(3000)]
    assert 8 not in draws  # zero weight


def _plan(data: dict[str, Any], seed: int = 2, index: int = 3) -> dict[str, Any]:
    return sample_plan(make_spec(data), seed, index).to_dict()


def _layer(plan: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [o for o in plan["objects"] if o["layer"] == name]


@pytest.mark.parametrize("index", range(4))
def test_changing_one_layers_material_leaves_other_draws_unchanged(index: int) -> None:
    base = spec_data(DETECTION_DATA)
    changed = spec_data(DETECTION_DATA)
    changed["objects"][0]["material"] = {"color": {"hue": [100, 120], "value": 1},
                                         "hue_shift": [-10, 10]}
    a, b = _plan(base, index=index), _plan(changed, index=index)
    for key in ("background", "lighting", "effects", "dropped"):
        assert a[key] == b[key], key
    assert _layer(a, "occluders") == _layer(b, "occluders")
    shapes_a, shapes_b = _layer(a, "shapes"), _layer(b, "shapes")
    assert len(shapes_a) == len(shapes_b) >= 1
    for obj_a, obj_b in zip(shapes_a, shapes_b, strict=True):
        for key in ("asset", "pose", "blend", "class_name", "instance"):
            assert obj_a[key] == obj_b[key], key
        assert obj_a["material"] != obj_b["material"]


def test_adding_a_layer_and_an_effect_leaves_earlier_draws_unchanged() -> None:
    base = spec_data(DETECTION_DATA)
    grown = spec_data(DETECTION_DATA)
    grown["objects"].append({"name": "extra", "asset": {"kind": "glyph", "text": ["Q"]},
                             "pose": {"scale": 0.1, "max_occlusion": 1}})
    grown["effects"] = [{"kind": "blur"}, *grown["effects"]]
    for index in range(3):
        a, b = _plan(base, index=index), _plan(grown, index=index)
        assert a["background"] == b["background"] and a["lighting"] == b["lighting"]
        assert a["effects"] == [e for e in b["effects"] if e["kind"] != "blur"]
        for layer in ("shapes", "occluders"):
            assert _layer(a, layer) == _layer(b, layer)


def test_renaming_nothing_but_the_effect_name_moves_only_that_stream() -> None:
    base = spec_data(DETECTION_DATA)
    renamed = spec_data(DETECTION_DATA)
    renamed["effects"] = [{**renamed["effects"][0], "name": "sensor"}]
    a, b = _plan(base), _plan(renamed)
    assert a["objects"] == b["objects"] and a["background"] == b["background"]
    assert a["effects"] != b["effects"]


# --- the CLI: worker counts and single indices ----------------------------------------------


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = spec_data(DETECTION_DATA, output={"image_format": "png"})
    return write_yaml(tmp_path_factory.mktemp("spec") / "scene.yaml", data)


@pytest.fixture(scope="module")
def full_run(spec_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "w1"
    proc = run_cli("render", spec_file, "-n", "20", "-o", out, "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    return out


def test_worker_count_does_not_change_any_file(spec_file: Path, full_run: Path,
                                               tmp_path: Path) -> None:
    out = tmp_path / "w2"
    proc = run_cli("render", spec_file, "-n", "20", "-o", out, "--workers", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    digest = tree_digest(out)
    assert len([f for f in digest if f.startswith("images/")]) == 20
    assert digest == tree_digest(full_run)


def test_single_index_equals_that_image_of_the_full_run(spec_file: Path, full_run: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "one"
    proc = run_cli("render", spec_file, "--index", "7", "-o", out, "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (out / "images").iterdir()) == ["000007.png"]
    assert (out / "images/000007.png").read_bytes() == (full_run / "images/000007.png").read_bytes()

    def image_7(root: Path) -> tuple[Any, list[Any]]:
        coco = json.loads((root / "annotations.json").read_text())
        image = next(im for im in coco["images"] if im["id"] == 7)
        anns = [{k: v for k, v in a.items() if k != "id"}
                for a in coco["annotations"] if a["image_id"] == 7]
        return image, anns

    assert image_7(out) == image_7(full_run)
    plans = [json.loads(line) for line in (full_run / "plans.jsonl").read_text().splitlines()]
    single = json.loads((out / "plans.jsonl").read_text())
    assert single == plans[7]


# --- the global-RNG guard of conftest.py ----------------------------------------------------


def test_rng_guard_sees_python_and_numpy_global_state() -> None:
    before = global_rng_state()
    saved = random.getstate(), np.random.get_state()
    try:
        random.random()
        np.random.random()  # the global generator is the point of this test
        assert changed_rng_states(before, global_rng_state()) == ["random", "numpy.random"]
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
    assert changed_rng_states(before, global_rng_state()) == []


def test_rng_guard_sees_torch_global_state() -> None:
    torch = pytest.importorskip("torch")
    before = global_rng_state()
    saved = torch.random.get_rng_state()
    try:
        torch.rand(1)
        assert changed_rng_states(before, global_rng_state()) == ["torch"]
    finally:
        torch.random.set_rng_state(saved)
    torch.rand(1, generator=torch.Generator().manual_seed(0))  # a local generator is fine
    assert changed_rng_states(before, global_rng_state()) == []


def test_rng_guard_fails_the_offending_test(tmp_path: Path) -> None:
    for name in ("conftest.py", "core_helpers.py"):
        shutil.copy(REPO_ROOT / "tests" / name, tmp_path / name)
    (tmp_path / "test_inner.py").write_text(
        "import random\n\nimport numpy as np\n\n\n"
        "def test_python_global():\n    random.seed(1)\n\n\n"
        "def test_numpy_global():\n    np.random.seed(1)\n\n\n"
        "def test_local_generators():\n    random.Random(1).random()\n"
        "    np.random.default_rng(1).random()\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert "3 passed, 2 errors" in proc.stdout, proc.stdout
    assert "changed the global RNG state of: random" in proc.stdout
    assert "changed the global RNG state of: numpy.random" in proc.stdout
