"""End to end: a detection task gap through run_evaluation -> report.json + index.html, opened in
a headless browser; and the CLI saying why no task gap ran."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from eval_helpers import FAST_CONFIG, open_in_browser

from renderer.cli import main
from renderer.evaluate import run_evaluation, write_report
from renderer.evaluate.taskgap.options import DetectionConfig
from renderer.rendered_sets import render_evalset
from renderer.spec.load import load_spec

SCENE = Path(__file__).parent / "scenes" / "shapes_detection.yaml"
QUICK = DetectionConfig(image_size=64, batch_size=4, steps=4, n_bootstrap=10, n_gallery=3,
                        device="cpu")


@pytest.fixture(scope="module")
def detection_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    spec = load_spec(SCENE, [])
    synthetic, real = render_evalset(spec, 0, 16), render_evalset(spec, 1, 12)
    config = replace(FAST_CONFIG, task_kind="detection", detection=QUICK)
    result = run_evaluation(synthetic, real, config)
    out = tmp_path_factory.mktemp("detection-report")
    write_report(result, synthetic, real, out)
    return result, out


def test_detection_section_in_json_and_html(detection_report: tuple[dict, Path]) -> None:
    _, out = detection_report
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    task = saved["tstr"]
    assert task["task"] == "detection" and task["class_names"] == ["circle", "triangle"]
    for model in ("tstr", "trtr"):
        block = task[model]
        assert block["value"] == block["map50"]["value"]
        assert {"map", "map50", "map50_agnostic", "ap50_per_class", "coco", "pr_curves"} <= set(
            block)
        assert set(block["ap50_per_class"]) == {"circle", "triangle"}
    assert task["split"]["real_train"] + task["split"]["real_test"] == 12
    assert "tstr_map50" in saved["summary"] and "tstr_gap" in saved["summary"]
    assert len(task["gallery"]["real"]) == 3 and task["training"]["tstr"]["steps"] == 4
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Task gap: detection" in page and "Failures of the TSTR model" in page


def test_detection_report_opens_without_console_errors(detection_report: tuple[dict, Path],
                                                       tmp_path: Path) -> None:
    _, out = detection_report
    console, pixels = open_in_browser(out / "index.html", tmp_path, height=2000)
    assert console == []
    assert (pixels < 128).mean() > 0.01


def test_cli_says_why_classification_cannot_run_on_multi_object_renders(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rendered = tmp_path / "renders"
    assert main(["render", str(SCENE), "-n", "12", "-o", str(rendered), "--set",
                 "objects[0].count=[2,3]"]) == 0
    assert main(["eval", "--synthetic", str(rendered), "--real", str(rendered), "-o",
                 str(tmp_path / "report"), "--task", "classification", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "task gap: not run: classification needs exactly one labelled object per image" in out
    saved = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert saved["tstr"]["skipped_reason"].startswith("classification needs exactly one")
    assert "Not run: classification needs" in (tmp_path / "report" / "index.html").read_text(
        encoding="utf-8")
    assert main(["eval", "--synthetic", str(rendered), "--real", str(rendered), "-o",
                 str(tmp_path / "report"), "--task", "detection: {epoch: 1}"]) == 2
    assert "unknown setting 'epoch'" in capsys.readouterr().err
    np.testing.assert_equal(saved["tstr"].get("tstr"), None)
