"""``run_tuning``: the search space read off the spec, and a small study that improves its start."""

from __future__ import annotations

import json
import math
import shutil

import optuna
import pytest
import yaml
from exp_helpers import FAST_EVAL, N, rendered_real, spec_data, write_spec

from renderer.experiments import Experiment, run_tuning
from renderer.experiments.common import BaseSpec
from renderer.experiments.config import Confirm
from renderer.experiments.knobs import spec_knobs
from renderer.experiments.search_space import TunedRange, search_space, spec_values
from renderer.experiments.tuning import STUDY_FILE, STUDY_NAME, tuning_space
from renderer.experiments.tuning_confirm import Confirmed, lead_over_start, pick_confirmed, rank_confirmed
from renderer.spec.load import load_spec, validate_spec

START = spec_data(lighting={"ambient": [1.2, 1.5]})
OBJECTIVE = "brightness_w1"  # Wasserstein-1 distance of mean luma, synthetic vs real (0-255)


def test_search_space_follows_each_distribution() -> None:
    data = spec_data(lighting={"ambient": [1.2, 1.5], "temperature": {
        "dist": "normal", "mean": 6500, "std": 300}}, effects=[
        {"kind": "blur", "sigma": {"dist": "loguniform", "low": 0.2, "high": 2.0}},
        {"kind": "jpeg", "quality": [70, 90]}])
    knobs = spec_knobs(validate_spec(data, "space"))
    ranges = {r.knob.path: r for r in search_space(
        knobs, expand=2.0, overrides={"lighting.ambient": (0.2, 20.0)})}
    ambient = ranges["lighting.ambient"]
    assert ambient.bounds == (0.2, 10.0)  # the override, clipped to the validator's le=10
    assert ambient.value(1.35, 0.3) == [1.2, 1.5]
    assert ambient.value(0.25, 1.0) == [0.2, 0.75]  # a range never leaves its bounds
    assert ranges["effects[1].quality"].bounds == (60.0, 100.0)  # widened x2, clipped at 100
    assert ranges["effects[1].quality"].value(80.4, 9.6) == [76, 85]  # integers stay integers
    assert ranges["effects[0].sigma"].family == "loguniform"
    assert ranges["effects[0].sigma"].value(math.log(0.5), 0.0)["dist"] == "loguniform"
    assert ranges["lighting.temperature"].value(6000, 200) == {"dist": "normal", "mean": 6000.0,
                                                              "std": 200.0}
    start = ambient.start()
    assert start == {"lighting.ambient:centre": pytest.approx(1.35),
                     "lighting.ambient:width": pytest.approx(0.3)}
    with pytest.raises(ValueError, match="not a non-constant range"):
        search_space(knobs, overrides={"canvas.width": (8, 64)})


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("tune")
    real = rendered_real(spec_data(lighting={"ambient": 0.5}))  # darker than the start spec
    experiment = Experiment(spec=write_spec(folder, START), n=N, evaluation=FAST_EVAL,
                            objective=OBJECTIVE, tune=["lighting.ambient"],
                            search={"lighting.ambient": (0.2, 2.0)})
    result = run_tuning(experiment, folder / "out", budget=5, real=real)
    return experiment, real, result


def test_tuning_improves_on_its_start(tuned) -> None:
    _, _, result = tuned
    start = result.trials[0]
    assert start["params"] == {"lighting.ambient": [1.2, 1.5]}  # trial 0: the spec's own range
    assert len(result.trials) == 5
    key = result.objective
    assert key == "stats.brightness.w1"
    assert result.best["metrics"][key][0] < 0.5 * start["metrics"][key][0]
    # also on held-out images, and the tuned range moved towards the real ambient (0.5)
    assert result.after["metrics"][key][0] < result.before["metrics"][key][0]
    low, high = result.tuned_values["lighting.ambient"]
    assert (low + high) / 2 < 1.2


def test_tuning_writes_the_tuned_spec_and_the_comparison(tuned) -> None:
    _, _, result = tuned
    spec = load_spec(result.out / "tuned.yaml")
    data = yaml.safe_load((result.out / "tuned.yaml").read_text(encoding="utf-8"))
    assert data["lighting"]["ambient"] == result.tuned_values["lighting.ambient"]
    assert spec.spec_hash() == result.best["spec_hash"]
    comparison = json.loads((result.out / "comparison.json").read_text(encoding="utf-8"))
    assert comparison["held_out"]["seed"] == 1
    text = (result.out / "comparison.md").read_text(encoding="utf-8")
    assert "## Before / after on the held-out real part" in text
    assert "which no search trial read" in text
    assert "| lighting.ambient | [1.2, 1.5] |" in text  # the range that moved
    assert "| brightness |" in text  # the low-level statistic it moved, before and after
    row = next(line for line in text.splitlines() if line.startswith("| brightness |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    spread_before, spread_after = float(cells[5]), float(cells[6])  # std ratio, synthetic / real
    assert spread_before > 0 and spread_after > 0
    split = json.loads((result.out / "split.json").read_text(encoding="utf-8"))
    assert len(split["tuning"]["names"]) + len(split["held_out"]["names"]) == N
    assert (result.out / "history.png").read_bytes()[:4] == b"\x89PNG"
    assert len((result.out / "tuning.csv").read_text(encoding="utf-8").splitlines()) == 6


def test_a_stopped_study_resumes(tuned) -> None:
    experiment, real, result = tuned
    storage = optuna.storages.RDBStorage(f"sqlite:///{(result.out / STUDY_FILE).as_posix()}")
    study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
    interrupted = study.ask()  # a trial left running, as by Ctrl-C
    centre = interrupted.suggest_float("lighting.ambient:centre", 0.2, 2.0)
    calls: list[tuple[str, bool]] = []
    again = run_tuning(experiment, result.out, budget=6, real=real,
                       progress=lambda record, cached: calls.append((record["label"], cached)))
    assert len(again.trials) == 6
    # one new trial, proposing the interrupted trial's centre again; the finished five are not
    # run again (the held-out pair is recomputed only if the best trial changed)
    assert [label for label, _ in calls if label.startswith("tune #")] == ["tune #6"]
    study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.FAIL) == 1
    assert states.count(optuna.trial.TrialState.RUNNING) == 0
    assert study.trials[-1].params["lighting.ambient:centre"] == centre


def test_confirm_picks_by_the_mean_over_fresh_renders(tuned, tmp_path) -> None:
    experiment, real, result = tuned
    out = tmp_path / "confirmed"
    shutil.copytree(result.out, out)  # the finished search: only the re-scoring runs
    calls: list[str] = []
    confirmed = run_tuning(experiment.model_copy(update={"confirm": Confirm(top=2, seeds=2)}),
                           out, budget=5, real=real,
                           progress=lambda record, cached: calls.append(record["label"]))
    study = optuna.load_study(study_name=STUDY_NAME,
                              storage=f"sqlite:///{(out / STUDY_FILE).as_posix()}")
    complete = sorted((t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE),
                      key=lambda t: t.value)
    numbers = [c.number for c in confirmed.confirmed]
    assert set(numbers) == {complete[0].number, complete[1].number, 0}
    search_values = {t.number: t.value for t in complete}
    for c in confirmed.confirmed:
        assert c.seeds == [0, 2, 3]  # seed 1 renders the held-out comparison
        assert c.values[0] == search_values[c.number]
        assert all(math.isfinite(v) for v in c.values) and c.values[1] != c.values[0]
        assert f"tune #{c.number} (confirm, seed 2)" in calls
    means = [c.mean for c in confirmed.confirmed]
    assert means == sorted(means)  # brightness W1: lower is better
    (picked,) = [c for c in confirmed.confirmed if c.picked]
    start = next(c for c in confirmed.confirmed if c.number == 0)
    beaten = [c for c in confirmed.confirmed if c.number != 0
              and lead_over_start(c, start, "min")[0] > lead_over_start(c, start, "min")[1]]
    assert picked.number == (beaten[0].number if beaten else 0)
    assert confirmed.best["key"] == study.trials[picked.number].user_attrs["key"]
    assert confirmed.tuned_values == spec_values(confirmed_ranges(experiment), study.trials[
        picked.number].params)
    report = (out / "comparison.md").read_text(encoding="utf-8")
    assert "## Pick" in report and "picked" in report and "seeds [2, 3]" in report
    saved = json.loads((out / "comparison.json").read_text(encoding="utf-8"))["confirmed"]
    assert [c["trial"] for c in saved] == numbers
    # a rerun finds every re-scored trial stored
    calls.clear()
    run_tuning(experiment.model_copy(update={"confirm": Confirm(top=2, seeds=2)}), out,
               budget=5, real=real,
               progress=lambda record, cached: calls.append(record["label"]) if not cached
               else None)
    assert not [label for label in calls if "confirm" in label]


def confirmed_ranges(experiment: Experiment) -> list[TunedRange]:
    return tuning_space(experiment, BaseSpec.load(experiment.spec))


def test_confirm_keeps_the_start_unless_a_trial_leads_it_beyond_the_noise() -> None:
    # round 6 of docs/real-data/tuning-signs.md: task errors on seeds 0, 2, 3
    start = Confirmed(0, [0, 2, 3], [0.05349, 0.05659, 0.04651])
    lucky = Confirmed(19, [0, 2, 3], [0.04496, 0.06434, 0.04419])
    steady = Confirmed(10, [0, 2, 3], [0.04961, 0.05271, 0.05194])
    lead, stderr = lead_over_start(lucky, start, "min")
    assert lead == pytest.approx(0.00103, abs=1e-5) and stderr == pytest.approx(0.00474, abs=1e-5)
    ranked = rank_confirmed([start, lucky, steady], "min")
    assert [c.number for c in ranked] == [19, 10, 0]
    assert [c.picked for c in pick_confirmed(ranked, "min", 1.0)] == [False, False, True]
    assert [c.picked for c in pick_confirmed(ranked, "min", 0.0)] == [True, False, False]
    # a consistent lead passes where a larger, noisier one does not
    clear = Confirmed(3, [0, 2, 3], [0.050, 0.053, 0.043])
    ranked = rank_confirmed([start, lucky, clear], "min")
    assert [c.number for c in ranked] == [3, 19, 0]
    assert [c.number for c in pick_confirmed(ranked, "min", 1.0) if c.picked] == [3]
    # maximised objectives lead the other way; a failed run never beats the start
    assert lead_over_start(start, lucky, "max")[0] == pytest.approx(0.00103, abs=1e-5)
    failed = Confirmed(5, [0, 2, 3], [0.01, math.nan, 0.01])
    assert [c.number for c in pick_confirmed([failed, start], "min", 0.0) if c.picked] == [0]
    # without the start (it did not complete) the best mean is picked
    assert pick_confirmed([steady, lucky], "min", 1.0)[0].picked
    with pytest.raises(ValueError, match="margin"):
        Experiment(spec="scenes/digits.yaml", confirm={"margin": -1})


def test_confirm_ranks_by_mean_and_keeps_the_start_on_a_tie() -> None:
    tie = [Confirmed(4, [0, 2], [1.0, 3.0]), Confirmed(0, [0, 2], [2.5, 1.5]),
           Confirmed(7, [0, 2], [0.5, math.nan]), Confirmed(2, [0, 2], [0.1, 2.5])]
    assert [c.number for c in rank_confirmed(tie, "min")] == [2, 0, 4, 7]
    assert [c.number for c in rank_confirmed(tie, "max")] == [0, 4, 2, 7]
    with pytest.raises(ValueError, match="top"):
        Experiment(spec="scenes/digits.yaml", confirm={"top": 0})
