"""The ``detection`` task objective in experiments: the ranked metric of ``synth ablate`` (listed
variants) and columns of ``synth sweep``, against a real COCO set on disk; class maps relative to
the experiment file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch
import yaml

from renderer.cli import main
from renderer.experiments import run_ablation, run_sweep
from renderer.experiments.common import BaseSpec, trial_setup
from renderer.experiments.config import load_experiment, parse_experiment
from renderer.experiments.sweep import sweep_trials
from renderer.run import RunConfig, run_dataset
from renderer.spec.load import SpecError, load_spec

SCENE = Path(__file__).parents[1] / "evaluate" / "scenes" / "shapes_detection.yaml"
N = 8
TINY = {"steps": 2, "image_size": 64, "batch_size": 4, "n_bootstrap": 20, "device": "cpu"}
CHEAP_EVAL = {"task": None, "image_stats": False, "fid_bootstrap": 0, "kid_subset_size": 4,
              "kid_subsets": 2, "kid_bootstrap": 5, "c2st_folds": 2, "c2st_bootstrap": 5,
              "n_show": 2, "threads": 1}


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def experiment_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An experiment file beside a real COCO set (rendered with another seed) and a class map
    given relative to the file."""
    folder = tmp_path_factory.mktemp("detection-task")
    run_dataset(load_spec(SCENE), RunConfig(out=folder / "real", n=N, seed=99, format="coco"))
    (folder / "maps").mkdir()
    (folder / "maps" / "same.yaml").write_text("circle: circle\n", encoding="utf-8")
    (folder / "scene.yaml").write_text(SCENE.read_text(encoding="utf-8"), encoding="utf-8")
    path = folder / "experiment.yaml"
    path.write_text(yaml.safe_dump({
        "spec": "scene.yaml", "real": "real", "n": N, "evaluation": CHEAP_EVAL,
        "task": {"kind": "detection", **TINY, "class_map": "maps/same.yaml"},
        "objective": "task.map50",
        "variants": {"no noise": {"effects": []},
                     "plain background": {"background": {"kind": "solid"}}},
        "axes": {"effects[0].sigma": [[1, 4], [10, 20]]}}), encoding="utf-8")
    return path


def test_relative_class_map_resolves_from_the_experiment_file(experiment_file: Path) -> None:
    experiment = load_experiment(experiment_file)
    assert experiment.task["class_map"] == str(experiment_file.parent / "maps" / "same.yaml")
    assert experiment.objective.direction == "max"


def test_ablation_ranks_listed_variants_by_map50(experiment_file: Path, tmp_path: Path) -> None:
    result = run_ablation(load_experiment(experiment_file), tmp_path / "out", paired=False)
    assert result.objective == "task.map50"
    assert {row.name for row in result.rows} == {"no noise", "plain background"}
    assert result.skipped == []
    for row in result.rows:
        assert 0.0 <= row.value[0] <= 1.0
    rows = list(csv.DictReader(
        (tmp_path / "out" / "ablation.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 3 and all(0.0 <= float(r["task.map50"]) <= 1.0 for r in rows)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["direction"] == "max"
    assert "task.map50" in (tmp_path / "out" / "ablation.md").read_text(encoding="utf-8")


def test_sweep_scores_every_trial_by_the_task(experiment_file: Path, tmp_path: Path) -> None:
    result = run_sweep(load_experiment(experiment_file), tmp_path / "out")
    assert result.objective == "task.map50"
    header = (tmp_path / "out" / "trials.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert {"task.map50", "task.error", "task.map50_agnostic"} <= set(header)
    assert all("task.map50" in record["metrics"] for record in result.records)


def test_only_experiments_with_a_task_change_trial_keys(experiment_file: Path) -> None:
    with_task = load_experiment(experiment_file)
    plain = with_task.model_copy(update={"task": None})
    base = BaseSpec.load(with_task.spec)
    trial = sweep_trials(plain, base)[0]
    assert trial_setup(plain, base, None).task is None  # the key records no task: as before
    assert trial.key(trial_setup(plain, base, None)) != trial.key(
        trial_setup(with_task, base, None))


def test_an_empty_variant_is_named(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"variants\.x: give at least one"):
        parse_experiment({"spec": "s.yaml", "variants": {"x": {}}}, tmp_path)


def test_cli_task_options_merge_into_the_file_and_sweep_reports_them(
        experiment_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code = main(["sweep", str(experiment_file), "-o", str(out), "--workers", "1", "--quiet",
                 "--task-option", "steps=1", "--task-option", "seed=4"])
    assert code == 0 and "best by task.map50 (max)" in capsys.readouterr().out
    task = json.loads((out / "experiment.json").read_text(encoding="utf-8"))["task"]
    assert task["steps"] == 1 and task["seed"] == 4 and task["image_size"] == TINY["image_size"]
    assert task["class_map"] == str(experiment_file.parent / "maps" / "same.yaml")
