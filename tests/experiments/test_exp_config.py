"""Experiment files, axes, metric names and options: the parts that need no rendering."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from exp_helpers import spec_data, write_spec

from renderer.evaluate.config import EvalConfig
from renderer.evaluate.taskgap.classification import TaskConfig
from renderer.experiments import Experiment, RandomAxis, load_experiment
from renderer.experiments.ablation import listed_ablations
from renderer.experiments.axes import apply_parameters, axis_values, combine_axes
from renderer.experiments.common import BaseSpec
from renderer.experiments.config import parse_experiment
from renderer.experiments.evaluation import (
    MetricError,
    flatten_metrics,
    make_config,
    real_indices,
    resolve_metric,
)
from renderer.experiments.options import build_experiment, parse_bounds
from renderer.experiments.sweep import sweep_trials
from renderer.experiments.tuning import tuning_space
from renderer.rendered_sets import chunk_indices
from renderer.spec.load import SpecError, validate_spec


def test_random_axes_are_seeded_and_stay_in_their_range() -> None:
    axis = RandomAxis(random=5, low=0.5, high=2.0)
    values = axis_values("lighting.ambient", axis, seed=4)
    assert values == axis_values("lighting.ambient", axis, seed=4)
    assert values != axis_values("lighting.ambient", axis, seed=5)
    assert values != axis_values("lighting.temperature", axis, seed=4)  # own stream per path
    assert all(0.5 <= v <= 2.0 for v in values)
    ranges = axis_values("x", RandomAxis(random=3, low=1, high=9, width=2, integer=True), seed=0)
    assert all(isinstance(lo, int) and hi - lo in (2, 3) for lo, hi in ranges)
    logs = axis_values("x", RandomAxis(random=50, low=0.01, high=100, log=True), seed=0)
    assert sum(v < 1 for v in logs) > 10  # log-uniform: half the mass below the geometric mean


def test_axes_combine_as_product_or_zip() -> None:
    axes = {"a": [1, 2, 3], "b": [[0, 1], [2, 3], [4, 5]]}
    assert len(combine_axes(axes, "product", 0)) == 9
    assert combine_axes(axes, "zip", 0)[1] == {"a": 2, "b": [2, 3]}
    with pytest.raises(SpecError, match="equal length"):
        combine_axes({"a": [1, 2], "b": [1]}, "zip", 0)
    assert combine_axes({}, "product", 0) == [{}]


def test_parameters_apply_to_a_copy_and_create_missing_blocks() -> None:
    data = spec_data()
    out = apply_parameters(data, {"effects[0].sigma": [1, 2], "lighting.spots.count": 2})
    assert out["effects"][0]["sigma"] == [1, 2] and out["lighting"]["spots"] == {"count": 2}
    assert data == spec_data()
    with pytest.raises(SpecError, match="no list element"):
        apply_parameters(data, {"effects[3].sigma": 1})


def test_experiment_files_resolve_paths_and_name_their_errors(tmp_path: Path) -> None:
    write_spec(tmp_path, spec_data())
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump({
        "spec": "spec.yaml", "real": "data/real", "objective": "tstr_accuracy",
        "axes": {"lighting.ambient": {"random": 2, "low": 0.5, "high": 1.5}}}), encoding="utf-8")
    experiment = load_experiment(tmp_path / "exp.yaml", n=64)
    assert experiment.spec == (tmp_path / "spec.yaml").resolve()
    assert experiment.real == (tmp_path / "data" / "real").resolve()
    assert experiment.n == 64 and experiment.objective.direction == "max"
    (tmp_path / "bad.yaml").write_text("spec: spec.yaml\naxes: {a: {random: 0, low: 2, high: 1}}\n"
                                       "objective: {metric: kid, goal: up}\n", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_experiment(tmp_path / "bad.yaml")
    text = "; ".join(info.value.problems)
    assert "axes.a" in text and "objective.goal" in text


def test_metric_names_resolve_loosely_but_never_ambiguously() -> None:
    result = {"summary": {"kid": {"value": 0.1, "ci_low": 0.05, "ci_high": 0.2},
                          "c2st_auc": {"value": 0.9, "ci_low": None, "ci_high": None},
                          "tstr_accuracy": {"value": 0.8, "ci_low": 0.7, "ci_high": 0.9}},
              "image_stats": {"table": [
                  {"name": "noise", "available": True, "w1": 1.5, "difference": -1.0},
                  {"name": "brightness", "available": True, "w1": 20.0, "difference": 20.0},
                  {"name": "blockiness", "available": False}]}}
    metrics = flatten_metrics(result)
    assert list(metrics)[:4] == ["kid", "c2st_auc", "tstr_accuracy", "tstr_error"]
    assert metrics["tstr_error"] == pytest.approx((0.2, 0.1, 0.3))
    assert metrics["stats.brightness.w1"][0] == 20.0 and "stats.blockiness.w1" not in metrics
    assert resolve_metric("brightness_w1", metrics) == "stats.brightness.w1"
    assert resolve_metric("c2st_auc", metrics) == "c2st_auc"
    with pytest.raises(MetricError, match="several"):
        resolve_metric("w1", metrics)
    with pytest.raises(MetricError, match="known: "):
        resolve_metric("fid", metrics)


def test_evaluation_options_build_the_engine_config() -> None:
    config = make_config({"kid_subsets": 7, "task": {"epochs": 1}})
    assert isinstance(config, EvalConfig) and config.kid_subsets == 7
    assert config.task == TaskConfig(epochs=1)
    assert make_config({"task": None}).task is None
    with pytest.raises(ValueError, match="unknown option"):
        make_config({"kid_subset": 7})


def test_flags_override_an_experiment_file_or_make_one_from_a_spec(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, spec_data())
    from_spec = build_experiment(spec, {"n": 10, "real": "elsewhere", "objective": None})
    assert from_spec.spec == spec.resolve() and from_spec.real == Path("elsewhere").resolve()
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(
        {"spec": "spec.yaml", "evaluation": {"kid_subsets": 5, "task": None}}), encoding="utf-8")
    merged = build_experiment(tmp_path / "exp.yaml", {"evaluation": {"kid_subsets": 9}})
    assert merged.evaluation == {"kid_subsets": 9, "task": None}
    assert parse_bounds(["lighting.ambient=0.2:2"]) == {"lighting.ambient": (0.2, 2.0)}
    with pytest.raises(SpecError):
        parse_bounds(["lighting.ambient=0.2"])
    defaults = Experiment(spec=spec)
    assert (defaults.n, defaults.seed, defaults.combine) == (1000, 0, "product")
    assert (defaults.objective.metric, defaults.objective.direction) == ("kid", "min")
    assert Experiment(spec=spec, objective="kid").objective == defaults.objective


def test_experiment_checks_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        parse_experiment({"spec": "s.yaml", "axes": {"lighting.ambient": []}}, tmp_path)
    assert any("axes.lighting.ambient: give at least one value" in p for p in info.value.problems)
    with pytest.raises(SpecError) as info:
        parse_experiment({"spec": "s.yaml", "search": {"lighting.ambient": [2, 1]}}, tmp_path)
    assert any("search.lighting.ambient: low 2.0 > high 1.0" in p for p in info.value.problems)
    with pytest.raises(SpecError) as info:
        parse_experiment({"spec": "s.yaml", "n": 1}, tmp_path)
    assert [p.split(":")[0] for p in info.value.problems] == ["n"]


def test_chunks_and_real_subsets() -> None:
    chunks = chunk_indices(10, 4)
    assert [i for c in chunks for i in c] == list(range(10)) and len(chunks) == 4
    assert chunk_indices(2, 8) == [(0,), (1,)]
    picked = real_indices(100, 10, seed=0)
    assert picked == sorted(set(picked)) and len(picked) == 10
    assert picked == real_indices(100, 10, seed=0) and real_indices(5, 10, 0) == list(range(5))


def test_the_example_experiment_matches_its_scene() -> None:
    # experiments/digits-sweep.yaml names fields of scenes/digits.yaml by position: keep in step
    path = Path(__file__).resolve().parents[2] / "experiments" / "digits-sweep.yaml"
    experiment = load_experiment(path)
    base = BaseSpec.load(experiment.spec)
    trials = sweep_trials(experiment, base)
    assert len(trials) == 9
    assert base.spec.effects[0].kind == "blur"
    for trial in trials:
        spec = validate_spec(trial.data, trial.label, base.spec.context)
        assert spec.effects[0].sigma.bounds() == tuple(trial.params["effects[0].sigma"])
    make_config(experiment.evaluation)


@pytest.mark.parametrize(("name", "unlabeled", "effects"), [
    ("dice-ablation.yaml", [3, 4, 5], {0: "blur"}),
    ("street-signs-ablation.yaml", [0, 1, 2, 3, 4],
     {0: "cast_shadow", 1: "haze", 2: "motion_blur", 3: "blur"}),
])
def test_the_detection_ablations_match_their_scenes(name: str, unlabeled: list[int],
                                                    effects: dict[int, str]) -> None:
    # their variants name the scenes' distractor layers and effects by position: keep in step
    experiment = load_experiment(Path(__file__).resolve().parents[2] / "experiments" / name)
    base = BaseSpec.load(experiment.spec)
    assert [i for i, layer in enumerate(base.spec.objects) if not layer.labeled] == unlabeled
    assert {i: base.spec.effects[i].kind for i in effects} == effects
    ablations, _ = listed_ablations(experiment, base.data)
    assert len(ablations) == len(experiment.variants) >= 5
    for ablation in ablations:
        validate_spec(ablation.data, ablation.name, base.spec.context)
    assert experiment.task["kind"] == "detection" and experiment.objective.direction == "max"
    assert Path(experiment.task.get("class_map", experiment.spec)).is_file()
    make_config(experiment.evaluation)


@pytest.mark.parametrize(("name", "ranges"), [
    ("signs-tune.yaml", 8), ("signs-tune-round3.yaml", 7), ("signs-tune-round4.yaml", 5),
    ("signs-tune-round6.yaml", 6),
    ("digits-tune.yaml", 8), ("digits-tune-round2.yaml", 4),
])
def test_the_tuning_experiments_name_ranges_of_their_scenes(name: str, ranges: int) -> None:
    # the tune paths name the scenes' layers and effects by position: keep in step
    experiment = load_experiment(Path(__file__).resolve().parents[2] / "experiments" / name)
    base = BaseSpec.load(experiment.spec)
    space = tuning_space(experiment, base)
    assert [r.knob.path for r in space] == experiment.tune and len(space) == ranges
    assert experiment.objective.metric == "task.error" and experiment.holdout == 0.5
    make_config(experiment.evaluation)
