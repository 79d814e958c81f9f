"""End to end: real digits vs a perturbed copy -> report.json + index.html; gates; escaping."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from eval_helpers import FAST_CONFIG, HOSTILE, digit_sets, make_set

from renderer.evaluate import (
    EvalConfig,
    EvalSet,
    check_gates,
    parse_fail_above,
    run_evaluation,
    write_report,
)

CLASS_NAMES = (*map(str, range(9)), HOSTILE)


def perturbed(evalset: EvalSet) -> EvalSet:
    """A darker, lower-contrast copy with plans, named like a rendered set."""
    images = [(image * 0.6 + 10).astype(np.uint8) for image in evalset.images]
    plans = [{"lighting": {"ambient": 0.6 + 0.01 * (i % 5)}} for i in range(len(images))]
    return EvalSet(images, evalset.labels, evalset.class_names, None,
                   tuple(f"{HOSTILE}_{i}.png" for i in range(len(images))), plans)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    real, other = digit_sets(CLASS_NAMES)
    synthetic = perturbed(other)
    result = run_evaluation(synthetic, real, FAST_CONFIG)
    out = tmp_path_factory.mktemp("report")
    write_report(result, synthetic, real, out)
    return result, out


def test_report_files_hold_every_section(evaluated: tuple[dict, Path]) -> None:
    result, out = evaluated
    stored = json.loads((out / "report.json").read_text())
    assert stored == json.loads(json.dumps(result))
    for section in ("fid", "kid", "prdc", "c2st", "nearest", "image_stats", "label_stats", "tstr",
                    "plan_correlations", "features", "summary"):
        assert stored[section], section
    assert stored["features"]["extractor"] == "randfeat"
    assert stored["c2st"]["value"] > 0.9
    brightness = next(r for r in stored["image_stats"]["table"] if r["name"] == "brightness")
    assert "darker" in brightness["hint"]
    assert stored["samples"]["synthetic"] == 898 and stored["samples"]["real"] == 899
    page = (out / "index.html").read_text()
    assert page.count("data:image/png;base64,") > 20
    assert "http://" not in page and "https://" not in page  # self-contained


def test_html_escapes_hostile_class_and_file_names(evaluated: tuple[dict, Path]) -> None:
    _, out = evaluated
    page = (out / "index.html").read_text()
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    real, other = digit_sets()
    config = EvalConfig(fid_bootstrap=2, kid_subset_size=50, kid_subsets=3, kid_bootstrap=5,
                        c2st_bootstrap=5, n_show=2, max_images=120, task=None)
    outputs = []
    for run in range(2):
        result = run_evaluation(perturbed(other), real, config)
        write_report(result, perturbed(other), real, tmp_path / str(run))
        outputs.append([(tmp_path / str(run) / f).read_bytes() for f in ("report.json",
                                                                        "index.html")])
    assert outputs[0] == outputs[1]
    assert result["tstr"] == {"skipped_reason": "switched off (--no-tstr)"}
    assert result["samples"]["synthetic"] == 120


def test_unlabelled_sets_skip_label_sections() -> None:
    real, other = digit_sets()
    strip_labels = [make_set(s.images[:60]) for s in (real, other)]
    threads = torch.get_num_threads()
    result = run_evaluation(*strip_labels, EvalConfig(fid_bootstrap=2, kid_subsets=2,
                                                      kid_bootstrap=5, c2st_bootstrap=5,
                                                      threads=1))
    assert torch.get_num_threads() == threads  # the run's thread limit is undone
    assert result["label_stats"] is None and "tstr_gap" not in result["summary"]
    assert result["tstr"] == {"skipped_reason": "the synthetic set has no labels; the real set "
                                                "has no labels"}


def test_tiny_sets_are_refused() -> None:
    image = np.zeros((8, 8, 1), np.uint8)
    with pytest.raises(ValueError, match="at least 2 images"):
        run_evaluation(make_set([image]), make_set([image, image]), FAST_CONFIG)


def test_gates(evaluated: tuple[dict, Path]) -> None:
    result, _ = evaluated
    gates = parse_fail_above("kid=1e9, c2st_auc=0.5,tstr_gap.ci_low=2")
    assert gates == {"kid": 1e9, "c2st_auc": 0.5, "tstr_gap.ci_low": 2.0}
    failures = check_gates(result, gates)
    assert len(failures) == 1 and failures[0].startswith("c2st_auc = ")
    assert check_gates({"summary": {}}, {"fid": 1.0}) == [
        "fid: not computed in this evaluation (threshold 1)"]
    for bad in ("kid", "kid=abc", "precision=0.5", "kid.median=1", "kid=nan", ""):
        with pytest.raises(ValueError, match="--fail-above"):
            parse_fail_above(bad)


def test_report_renders_in_a_headless_browser(evaluated: tuple[dict, Path],
                                              tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    _, out = evaluated
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={shot}", "--window-size=1200,3000",
                    (out / "index.html").resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    from PIL import Image

    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("L"))
    assert pixels.shape == (3000, 1200)
    assert (pixels < 128).mean() > 0.01  # text, plots and images drawn, not a blank page
