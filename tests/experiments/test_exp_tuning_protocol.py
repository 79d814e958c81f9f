"""``synth tune``'s protocol: the hold-out split, a search that never reads the held-out part,
pruned multi-fidelity trials, task and combined objectives, trials in parallel processes."""

from __future__ import annotations

import json

import numpy as np
import optuna
import pytest
import yaml
from exp_helpers import FAST_EVAL, N, rendered_real, spec_data, write_spec

import renderer.experiments.trials as trials_module
from renderer.cli import main
from renderer.experiments import Experiment, run_tuning
from renderer.experiments.config import Objective
from renderer.experiments.holdout import holdout_indices
from renderer.experiments.objectives import objective_score, register_task, resolve_task
from renderer.experiments.tuning import STUDY_FILE, STUDY_NAME
from renderer.run import RunConfig, run_dataset
from renderer.spec.load import validate_spec

START = spec_data(lighting={"ambient": [1.2, 1.5]})
DARK = spec_data(lighting={"ambient": 0.5})


def test_holdout_split_is_disjoint_stratified_and_seeded() -> None:
    labels = np.repeat(np.arange(4), [10, 20, 7, 3])
    tuning, held = holdout_indices(labels, len(labels), 0.5, seed=0)
    assert not set(tuning) & set(held)
    assert sorted([*tuning, *held]) == list(range(len(labels)))
    for k, size in enumerate([10, 20, 7, 3]):  # each class split in half (rounded)
        assert abs(int((labels[held] == k).sum()) - size / 2) <= 0.5
    again = holdout_indices(labels, len(labels), 0.5, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip((tuning, held), again, strict=True))
    other = holdout_indices(labels, len(labels), 0.5, seed=1)
    assert not np.array_equal(held, other[1])
    unlabelled = holdout_indices(None, 11, 0.3, seed=0)
    assert (len(unlabelled[0]), len(unlabelled[1])) == (8, 3)


def _spy_on_evaluate(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """Names of the real images every evaluation reads (the real evaluation still runs)."""
    seen: list[set[str]] = []
    evaluate = trials_module.evaluate

    def spy(synthetic, real, options):
        seen.append(set(real.names))
        return evaluate(synthetic, real, options)

    monkeypatch.setattr(trials_module, "evaluate", spy)
    return seen


@pytest.fixture(scope="module")
def pruned_study(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("prune")
    real = rendered_real(DARK)
    experiment = Experiment(spec=write_spec(folder, START), n=N, evaluation=FAST_EVAL,
                            objective={"metric": "brightness_w1", "penalty": {"kid": 10.0}},
                            tune=["lighting.ambient"], search={"lighting.ambient": (0.2, 2.0)},
                            rungs=[6, 12], task={"kind": "tstr", "epochs": 1, "size": 16})
    with pytest.MonkeyPatch.context() as monkeypatch:
        seen = _spy_on_evaluate(monkeypatch)
        result = run_tuning(experiment, folder / "out", budget=6, real=real)
    return experiment, result, seen


def test_the_search_never_reads_the_held_out_part(pruned_study) -> None:
    _, result, seen = pruned_study
    tuning, held = set(result.split.tuning.names), set(result.split.held_out.names)
    assert tuning and held and not tuning & held
    *search, before, after = seen
    assert search and all(names <= tuning for names in search)  # every search trial
    assert before == held and after == held  # only the comparison reads the held-out part


def test_pruning_stops_trials_at_a_cheap_rung(pruned_study) -> None:
    _, result, _ = pruned_study
    storage = optuna.storages.RDBStorage(f"sqlite:///{(result.out / STUDY_FILE).as_posix()}")
    study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert pruned and len(pruned) + len(complete) == 6 and result.pruned == len(pruned)
    assert all(max(t.intermediate_values) < N for t in pruned)
    full = [json.loads(p.read_text()) for p in (result.out / "trials").glob("*/result.json")]
    # a pruned trial never got the full budget: full-n records are the completed trials + 2
    assert sum(r["n"] == N for r in full) == len(complete) + 2


def test_task_and_combined_objectives_rank_the_trials(pruned_study) -> None:
    experiment, result, _ = pruned_study
    record = result.trials[0]
    assert 0.0 <= record["metrics"]["task.accuracy"][0] <= 1.0
    assert record["metrics"]["task.accuracy"][1] <= record["metrics"]["task.accuracy"][0]
    expected = (record["metrics"]["stats.brightness.w1"][0]
                + 10.0 * record["metrics"]["kid"][0])
    assert objective_score(experiment.objective, record["metrics"]) == pytest.approx(expected)
    assert "task.accuracy" in (result.out / "comparison.md").read_text(encoding="utf-8")
    assert "brightness_w1 + 10 * kid" in (result.out / "comparison.md").read_text(encoding="utf-8")


def test_objectives_by_name_or_import_path() -> None:
    assert resolve_task("tstr").__name__ == "tstr_score"
    assert resolve_task("renderer.evaluate.taskgap.task_score:tstr_score") is resolve_task("tstr")
    with pytest.raises(ValueError, match="unknown kind 'nope'"):
        resolve_task("nope")
    with pytest.raises(ValueError, match="already registered"):
        register_task("tstr", "somewhere:else")
    maximised = Objective(metric="task.accuracy", penalty={"kid": 2.0})
    assert objective_score(maximised, {"task.accuracy": [0.9, None, None],
                                       "kid": [0.1, None, None]}) == pytest.approx(0.7)


def test_trials_run_in_parallel_processes_and_resume(tmp_path) -> None:
    real = rendered_real(DARK)
    experiment = Experiment(spec=write_spec(tmp_path, START), n=N, evaluation=FAST_EVAL,
                            objective="brightness_w1", tune=["lighting.ambient"],
                            search={"lighting.ambient": (0.2, 2.0)}, rungs=[12])
    first = run_tuning(experiment, tmp_path / "out", budget=2, workers=2, real=real)
    assert len(first.trials) + first.pruned == 2
    calls: list[bool] = []
    again = run_tuning(experiment, tmp_path / "out", budget=2, workers=2, real=real,
                       progress=lambda record, cached: calls.append(cached))
    assert calls and all(calls)  # nothing recomputed
    assert again.tuned_values == first.tuned_values


def test_cli_tune_splits_a_real_set_on_disk(tmp_path, capsys) -> None:
    real_spec = validate_spec(DARK, "real")
    run_dataset(real_spec, RunConfig(out=tmp_path / "real", n=N, seed=7, format="imagefolder"))
    write_spec(tmp_path, START)
    experiment = {"spec": "spec.yaml", "real": "real", "n": N, "evaluation": FAST_EVAL,
                  "tune": ["lighting.ambient"], "search": {"lighting.ambient": [0.2, 2.0]}}
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(experiment), encoding="utf-8")
    code = main(["tune", str(tmp_path / "exp.yaml"), "--rungs", "12", "--objective",
                 "brightness_w1", "--penalty", "kid=1", "--budget", "2", "--workers", "1",
                 "--confirm", "1,1", "--confirm-margin", "0.5", "-o", str(tmp_path / "out"),
                 "--quiet"])
    assert code == 0
    assert "images the search never read" in capsys.readouterr().out
    report = (tmp_path / "out" / "comparison.md").read_text(encoding="utf-8")
    assert "## Pick" in report and "exceeds 0.5 standard error" in report
    saved = json.loads((tmp_path / "out" / "comparison.json").read_text(encoding="utf-8"))
    assert saved["confirm_margin"] == 0.5 and sum(c["picked"] for c in saved["confirmed"]) == 1
    split = json.loads((tmp_path / "out" / "split.json").read_text(encoding="utf-8"))
    held, tuning = split["held_out"]["indices"], split["tuning"]["indices"]
    assert sorted(held + tuning) == list(range(N)) and abs(len(held) - N / 2) <= 2


@pytest.mark.parametrize(("flags", "field"), [(["--rungs", "24"], "rungs"),
                                              (["--holdout", "1"], "holdout"),
                                              (["--task-option", "epochs=1"], "--task"),
                                              (["--confirm", "0"], "confirm"),
                                              (["--confirm", "1,2,3"], "--confirm"),
                                              (["--confirm-margin", "-1"], "margin")])
def test_cli_tune_rejects_bad_protocol_flags_in_one_line(tmp_path, capsys, flags, field) -> None:
    write_spec(tmp_path, START)
    code = main(["tune", str(tmp_path / "spec.yaml"), "--real", str(tmp_path), "-n", str(N),
                 "-o", str(tmp_path / "out"), *flags])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and field in err
