"""``run_sweep`` end to end: real metric values, plots, best spec, resume, the CLI."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from exp_helpers import FAST_EVAL, N, rendered_real, spec_data, write_spec

from renderer.cli import main
from renderer.experiments import Experiment, SweepResult, run_sweep
from renderer.rendered_sets import render_evalset
from renderer.run import RunConfig, run_dataset
from renderer.spec.load import load_spec, validate_spec

AXES: dict[str, Any] = {
    "lighting.ambient": [0.6, 1.0],
    "effects[0].sigma": {"random": 2, "low": 0.3, "high": 2.0, "width": 0.4},
}


def sweep_experiment(folder: Path) -> Experiment:
    spec = write_spec(folder, spec_data())
    return Experiment(spec=spec, n=N, seed=3, evaluation=FAST_EVAL, objective="kid", axes=AXES)


@pytest.fixture(scope="module")
def real_set():
    # the "real" digits are a little dark: the sweep should prefer ambient 0.6 over 1.0
    return rendered_real(spec_data(lighting={"ambient": 0.65}))


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, real_set) -> SweepResult:
    folder = tmp_path_factory.mktemp("sweep")
    # two processes, each running whole trials (the resume test recomputes one serially)
    return run_sweep(sweep_experiment(folder), folder / "exp", real=real_set, workers=2)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_sweep_table_holds_real_metrics_of_every_trial(finished: SweepResult) -> None:
    rows = read_csv(finished.out / "trials.csv")
    assert len(rows) == 4  # 2 grid values x 2 random draws
    assert {r["lighting.ambient"] for r in rows} == {"0.6", "1"}
    assert len({r["effects[0].sigma"] for r in rows}) == 2
    for row in rows:
        for name in ("kid", "fid", "c2st_auc", "precision", "stats.brightness.w1"):
            assert math.isfinite(float(row[name])), name
        assert float(row["kid_low"]) <= float(row["kid"]) <= float(row["kid_high"])
        assert 0.0 <= float(row["c2st_auc"]) <= 1.0
        assert float(row["total_s"]) >= float(row["render_s"]) > 0
    # the real digits are dark: the dim trials match their brightness better than the bright ones
    dim = [float(r["stats.brightness.w1"]) for r in rows if r["lighting.ambient"] == "0.6"]
    bright = [float(r["stats.brightness.w1"]) for r in rows if r["lighting.ambient"] == "1"]
    assert max(dim) < min(bright)


def test_sweep_writes_plots_and_the_best_spec(finished: SweepResult) -> None:
    plots = sorted(p.name for p in (finished.out / "plots").glob("*.png"))
    assert plots == ["effects_0_.sigma.png", "kid--effects_0_.sigma.png",
                     "kid--lighting.ambient.png", "lighting.ambient.png"]
    assert all((finished.out / "plots" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in plots)
    kids = [r["metrics"]["kid"][0] for r in finished.records]
    assert finished.best["metrics"]["kid"][0] == min(kids)
    best = load_spec(finished.out / "best.yaml")  # a valid spec
    data = yaml.safe_load((finished.out / "best.yaml").read_text(encoding="utf-8"))
    assert data["lighting"]["ambient"] == finished.best["params"]["lighting.ambient"]
    assert data["effects"][0]["sigma"] == finished.best["params"]["effects[0].sigma"]
    assert best.spec_hash() == finished.best["spec_hash"]
    summary = json.loads((finished.out / "summary.json").read_text(encoding="utf-8"))
    assert summary["best"]["key"] == finished.best["key"]


def test_resume_recomputes_only_the_unfinished_trial(finished: SweepResult, real_set,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "exp"
    shutil.copytree(finished.out, out)
    victim = finished.records[2]
    (out / "trials" / victim["key"] / "result.json").unlink()
    calls: list[tuple[str, bool]] = []
    again = run_sweep(sweep_experiment(tmp_path), out, real=real_set,
                      progress=lambda record, cached: calls.append((record["key"], cached)))
    assert sorted(calls) == sorted((r["key"], r["key"] != victim["key"])
                                   for r in finished.records)
    # the recomputed trial (in this process) renders the same images as the first time (in a
    # worker process): same numbers, up to BLAS summation order (threads per process) in the last
    # digits of covariance-based metrics such as FID
    redone = next(r for r in again.records if r["key"] == victim["key"])
    assert redone["metrics"].keys() == victim["metrics"].keys()
    for name, values in victim["metrics"].items():
        assert np.allclose(np.array(redone["metrics"][name], dtype=float),
                           np.array(values, dtype=float), rtol=1e-6, equal_nan=True), name


def test_trials_are_paired_image_by_image() -> None:
    # common random numbers: changing the ambient light changes brightness, not the digits drawn
    dim = render_evalset(validate_spec(spec_data(lighting={"ambient": 0.6}), "dim"), 3, 12)
    bright = render_evalset(validate_spec(spec_data(), "bright"), 3, 12)
    assert np.array_equal(dim.labels, bright.labels)
    for a, b in zip(dim.meta, bright.meta, strict=True):  # every draw but the light is shared
        assert a["objects"] == b["objects"] and a["effects"] == b["effects"]
        assert a["lighting"] != b["lighting"]
    assert all(a.sum() < b.sum() for a, b in zip(dim.images, bright.images, strict=True))


def test_cli_sweep_reads_an_experiment_file_and_a_real_set_on_disk(tmp_path: Path,
                                                                   capsys) -> None:
    real_spec = validate_spec(spec_data(lighting={"ambient": 0.65}), "real")
    run_dataset(real_spec, RunConfig(out=tmp_path / "real", n=N, seed=7, format="imagefolder"))
    write_spec(tmp_path, spec_data())
    experiment = {"spec": "spec.yaml", "real": "real", "n": N, "evaluation": FAST_EVAL,
                  "axes": {"lighting.ambient": [0.6, 1.0]}}
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(experiment), encoding="utf-8")
    code = main(["sweep", str(tmp_path / "exp.yaml"), "-o", str(tmp_path / "out"),
                 "--workers", "1", "--eval", "kid_subsets=5", "--html"])
    assert code == 0
    for record in (tmp_path / "out" / "trials").iterdir():
        assert (record / "index.html").is_file() and (record / "report.json").is_file()
    rows = read_csv(tmp_path / "out" / "trials.csv")
    assert [r["lighting.ambient"] for r in rows] == ["0.6", "1"]
    assert "best spec:" in capsys.readouterr().out


def test_cli_reports_a_bad_experiment_in_one_line(tmp_path: Path, capsys) -> None:
    write_spec(tmp_path, spec_data())
    (tmp_path / "exp.yaml").write_text("spec: spec.yaml\nn: 1\naxes: {x: []}\nbogus: 1\n",
                                       encoding="utf-8")
    code = main(["sweep", str(tmp_path / "exp.yaml"), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "n: " in err and "bogus" in err
