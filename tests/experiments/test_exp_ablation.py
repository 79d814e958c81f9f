"""Ablations: randomizers found from the spec model, and a known-harmful one ranked first."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from exp_helpers import FAST_EVAL, REAL_SEED, N, spec_data, write_spec

from renderer.cli import main
from renderer.experiments import Experiment, run_ablation
from renderer.experiments.ablation import AblationRow, ablation_markdown
from renderer.experiments.ablation_plan import candidate_ablations, plan_ablations
from renderer.experiments.knobs import field_limits, spec_knobs
from renderer.run import RunConfig, run_dataset
from renderer.spec.lighting import Lighting
from renderer.spec.load import validate_spec

# A noisy candidate: the clean reference (the "real" set) plus heavy sensor noise.
NOISY = spec_data(effects=[{"kind": "gaussian_noise", "sigma": [40, 60]}])
RICH = {
    "canvas": {"width": 48, "height": 32},
    "background": {"kind": "mix", "options": [
        {"weight": 2, "background": {"kind": "noise"}},
        {"weight": 1, "background": {"kind": "solid", "color": {"rgb": [9, 9, 9]}}}]},
    "objects": [
        {"name": "shapes", "asset": {"kind": "shape"}, "count": [1, 2],
         "blend": {"modes": {"none": 2, "feather": 1}}},
        {"name": "clutter", "asset": {"kind": "shape"}, "labeled": False, "count": 1},
    ],
    "lighting": {"directional": {"p": 0.7}, "vignette": 0.2},
    "effects": [{"kind": "jpeg", "quality": [60, 90]}],
}


def test_randomizers_are_found_from_the_spec_model() -> None:
    spec = validate_spec(RICH, "rich")
    names = {a.name: a for a in candidate_ablations(spec, RICH)}
    assert names["jpeg (effect)"].change == "removed"
    assert names["clutter (unlabeled layer)"].data["objects"][0]["name"] == "shapes"
    assert "background solid (mix option 1)" in names
    assert names["lighting: directional.p"].data["lighting"]["directional"]["p"] == 0
    assert names["lighting: vignette"].change == "off (0)"
    assert names["shapes: blend.modes"].data["objects"][0]["blend"]["modes"] == "none"
    assert names["jpeg: quality"].data["effects"][0]["quality"] == 75
    assert names["shapes: count"].data["objects"][0]["count"] == 2  # integer centre of [1, 2]
    assert names["background noise: scale"].path == "background.options[0].background.scale"
    assert not any(name.startswith("shapes: asset.shapes") for name in names)  # classes stay
    for ablation in names.values():  # every variant is a valid spec
        validate_spec(ablation.data, ablation.name)


def test_inactive_randomizers_are_left_out() -> None:
    # the digits' colour is a fixed rgb: its hue range never reaches a plan
    spec = validate_spec(NOISY, "noisy")
    run, skipped = plan_ablations(spec, NOISY, seed=0, probes=8)
    skipped_names = {a.name for a, _ in skipped}
    assert "digit: material.color.hue" in skipped_names
    assert "lighting: directional.azimuth" in skipped_names  # the light is off (p = 0)
    assert {"gaussian_noise (effect)", "digit: pose.rotation"} <= {a.name for a in run}


def test_field_limits_come_from_the_validators() -> None:
    assert field_limits(Lighting, "ambient") == (0.0, 10.0)
    knobs = {k.path: k for k in spec_knobs(validate_spec(NOISY, "noisy"))}
    assert knobs["effects[0].sigma"].limits == (0.0, 255.0)
    assert knobs["objects[0].pose.scale"].limits == (0.0, float("inf"))


@pytest.fixture(scope="module")
def ablation(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("ablation")
    # the "real" set: the clean spec, rendered with another seed, as an ImageFolder on disk
    run_dataset(validate_spec(spec_data(), "real"),
                RunConfig(out=folder / "real", n=N, seed=REAL_SEED, format="imagefolder"))
    experiment = Experiment(spec=write_spec(folder, NOISY), real=(folder / "real").resolve(),
                            n=N, evaluation=FAST_EVAL, objective="kid")
    return run_ablation(experiment, folder / "out")


def test_the_harmful_randomizer_ranks_first(ablation) -> None:
    first = ablation.rows[0]
    assert first.name == "gaussian_noise (effect)"
    # removing the noise closes most of the gap, clearly (paired interval above 0)
    assert first.share > 0.5
    assert first.contribution[1] > 0
    assert all(row.contribution[0] < first.contribution[0] for row in ablation.rows[1:])


def test_ablation_writes_table_markdown_and_chart(ablation) -> None:
    out: Path = ablation.out
    with open(out / "ablation.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["randomizer"] == "full spec"
    assert {r["randomizer"] for r in rows[1:]} == {r.name for r in ablation.rows}
    assert all(float(r["kid_low"]) <= float(r["kid"]) <= float(r["kid_high"]) for r in rows)
    table = (out / "ablation.md").read_text(encoding="utf-8")
    assert "| 1 | gaussian_noise (effect) | removed |" in table
    assert "digit: material.color.hue: inactive" in table
    assert (out / "ablation.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"),
                         parse_constant=lambda name: pytest.fail(f"summary.json holds {name}"))
    assert summary["ranking"][0]["randomizer"] == "gaussian_noise (effect)"


def test_cli_ablate_resumes_from_finished_variants(ablation, capsys) -> None:
    folder = ablation.out.parent
    code = main(["ablate", str(folder / "spec.yaml"), "--real", str(folder / "real"),
                 "-n", str(N), "-o", str(ablation.out), "--workers", "1", "--no-paired",
                 *[f"--eval={k}={'null' if v is None else v}" for k, v in FAST_EVAL.items()]])
    assert code == 0
    captured = capsys.readouterr()
    progress = captured.err.strip().splitlines()
    assert len(progress) == len(ablation.rows) + 1
    assert all(line.endswith("(finished earlier)") for line in progress)
    ranking = captured.out.splitlines()
    assert ranking[1].strip().startswith("1. +") and "gaussian_noise (effect)" in ranking[1]


def test_a_map_objective_has_no_share_column() -> None:
    # mAP has no no-gap level, so no row has a share: the column would only be empty cells
    row = AblationRow("flat lighting", "lighting", "lighting = {ambient: 1}", (0.5, 0.44, 0.57),
                      (0.06, -0.02, 0.15), math.nan)
    full = {"metrics": {"task.map50": [0.44, 0.39, 0.49]}}
    table = ablation_markdown([row], full, "task.map50", "max", [])
    assert "share of gap" not in table
    assert "| 1 | flat lighting | lighting = {ambient: 1} |" in table
