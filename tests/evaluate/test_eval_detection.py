"""Detection task gap: COCO metrics through pycocotools, split, class maps, skipped reasons,
seeded training, torchvision models and backbone weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from eval_helpers import bright_squares, make_set

from renderer.evaluate.taskgap import cocometrics as cm
from renderer.evaluate.taskgap.classification import TaskConfig
from renderer.evaluate.taskgap.common import (
    apply_class_map,
    check_class_map,
    image_split,
    load_class_map,
    match_by_name,
)
from renderer.evaluate.taskgap.detectors import build_detector
from renderer.evaluate.taskgap.diagnostics import confusion_and_failures
from renderer.evaluate.taskgap.options import DetectionConfig, parse_task
from renderer.evaluate.taskgap.run import run_task_gap
from renderer.evaluate.taskgap.sources import Annotated, EvalSetSource, random_crop
from renderer.evaluate.taskgap.training import train_detector
from renderer.usage_error import UsageError

TRUTH = [{"boxes": np.array([[10, 10, 50, 60], [70, 20, 100, 90]], np.float32),
          "classes": np.array([0, 1])},
         {"boxes": np.array([[5, 5, 40, 40]], np.float32), "classes": np.array([1])}]
SIZES = [(128, 128), (128, 128)]


def _found(shift: float) -> list[dict]:
    return [{"boxes": t["boxes"] + shift, "scores": np.linspace(0.9, 0.5, len(t["boxes"])),
             "labels": t["classes"]} for t in TRUTH]


def test_exact_predictions_score_one_and_shifted_boxes_less() -> None:
    exact = cm.headline(cm.coco_evaluate(TRUTH, _found(0.0), SIZES, 2))
    assert exact["map"] == exact["map50"] == exact["ar100"] == 1.0
    shifted = cm.headline(cm.coco_evaluate(TRUTH, _found(6.0), SIZES, 2))
    assert shifted["map50"] == 1.0 and shifted["map"] < 0.7  # IoU > .5 but < .95
    far = cm.headline(cm.coco_evaluate(TRUTH, _found(30.0), SIZES, 2))
    assert far["map50"] == 0.0
    empty = cm.coco_evaluate(TRUTH, [{"boxes": np.zeros((0, 4)), "scores": np.zeros(0),
                                      "labels": np.zeros(0, int)}] * 2, SIZES, 2)
    assert cm.headline(empty)["map"] == 0.0


def test_bootstrap_resample_goes_through_cocoeval() -> None:
    found = _found(0.0)
    found[1] = {**found[1], "labels": np.array([0])}  # image 1: wrong class
    evaluator = cm.coco_evaluate(TRUTH, found, SIZES, 2)
    whole = cm.precision_numbers(evaluator.eval["precision"], 2)
    same = cm.precision_numbers(cm.resampled_precision(evaluator, np.array([0, 1])), 2)
    assert same == whole and whole["ap50_per_class"][1] < 1.0
    only_good = cm.precision_numbers(cm.resampled_precision(evaluator, np.array([0, 0])), 2)
    assert only_good["map50"] == 1.0  # the resample holds image 0 twice, nothing else
    reference = cm.coco_evaluate([TRUTH[0]] * 2, [found[0]] * 2, SIZES, 2)
    assert only_good["map"] == pytest.approx(cm.headline(reference)["map"])


def test_confusion_counts_matches_misses_and_false_detections() -> None:
    found = [{"boxes": np.array([[10, 10, 50, 60], [0, 100, 20, 120]], np.float32),
              "scores": np.array([0.9, 0.8]), "labels": np.array([1, 0])},
             {"boxes": np.zeros((0, 4), np.float32), "scores": np.zeros(0),
              "labels": np.zeros(0, np.int64)}]
    matrix, per_image = confusion_and_failures(TRUTH, found, 2, threshold=0.5)
    assert matrix.tolist() == [[0, 1, 0], [0, 0, 2], [1, 0, 0]]
    assert per_image[0]["wrong_class"] == [(0, 0)] and per_image[0]["false"] == [1]
    assert per_image[1]["missed"] == [0] and per_image[0]["failures"] == 3


def test_trtr_split_is_disjoint_and_seeded() -> None:
    train, test = image_split(101, 0.3, rng=np.random.default_rng(4))
    assert not set(train) & set(test) and len(train) + len(test) == 101 and len(test) == 30
    again = image_split(101, 0.3, rng=np.random.default_rng(4))
    assert np.array_equal(test, again[1])
    other = image_split(101, 0.3, rng=np.random.default_rng(5))
    assert not np.array_equal(test, other[1])
    assert [len(part) for part in image_split(2, 0.9, rng=np.random.default_rng(0))] == [1, 1]


def _detection_set(names: tuple[str, ...], classes: list[list[int]]) -> object:
    image = np.zeros((32, 32, 3), np.uint8)
    objects = [{"boxes": np.tile([[2, 2, 12, 12]], (len(c), 1)).astype(np.float32),
                "classes": np.array(c, np.int64), "visibility": None} for c in classes]
    return make_set([image] * len(classes), class_names=names, objects=objects)


def test_class_map_files_and_their_errors(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text('danger: ["11", "18"]\n"14": stop\n"03": ""\n', encoding="utf-8")
    mapping = load_class_map(path)
    assert mapping == {"11": "danger", "18": "danger", "14": "stop", "03": ""}
    real = _detection_set(("03", "11", "14", "18"), [[0, 1], [2, 3]])
    mapped = apply_class_map(real, mapping)
    assert mapped.class_names == ("danger", "stop")
    assert [o["classes"].tolist() for o in mapped.objects] == [[0], [1, 0]]  # "03" dropped
    with pytest.raises(UsageError, match="match no class of either set: 99"):
        check_class_map({"99": "x", "11": "danger"}, real.class_names, ("14",))
    for text, message in (("- a\n- b\n", "expected a YAML mapping"),
                          ("a: x\nb: [a]\n", "mapped twice"), ("a: [b: c]\n", "entry")):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(UsageError, match=message):
            load_class_map(path)
    with pytest.raises(UsageError, match="cannot read"):
        load_class_map(tmp_path / "missing.yaml")


def test_unmatched_synthetic_classes_are_listed() -> None:
    assert match_by_name(["b", "a"], ["a", "b", "c"]).tolist() == [1, 0]
    with pytest.raises(UsageError, match=r"2 synthetic class.*match no real class by name: x, "
                                         r"y .*--class-map"):
        match_by_name(["a", "x", "y"], ["a", "b"])


def test_several_objects_per_image_skip_classification_with_a_reason() -> None:
    several = _detection_set(("a", "b"), [[0], [0, 1], [1]])
    single = _detection_set(("a", "b"), [[0], [1], [1], [0]])
    rng = np.random.default_rng(0)
    result = run_task_gap(several, single, "classification", TaskConfig(),
                          DetectionConfig(), rng=rng)
    assert result == {"skipped_reason": (
        "classification needs exactly one labelled object per image, but 1 of 3 synthetic "
        "images hold several labelled objects (e.g. img_0001.png); use --task detection")}
    labels = make_set(single.images, labels=np.array([0, 1, 1, 0]), class_names=("a", "b"))
    result = run_task_gap(single, labels, "detection", TaskConfig(), DetectionConfig(), rng=rng)
    assert "the real set has no boxes" in result["skipped_reason"]
    assert run_task_gap(single, labels, "auto", None, DetectionConfig(), rng=rng) == {
        "skipped_reason": "switched off (--no-tstr)"}


def test_single_object_detection_sets_give_a_classification_gap() -> None:
    from eval_helpers import digits

    images, labels = digits()
    objects = [{"boxes": np.array([[0, 0, 8, 8]], np.float32), "classes": np.array([k]),
                "visibility": None} for k in labels[:400]]
    names = tuple(map(str, range(10)))
    synthetic = make_set([images[i] for i in range(400)], class_names=names, objects=objects)
    real = make_set([images[i] for i in range(400, 800)], labels[400:800], names)
    result = run_task_gap(synthetic, real, "auto", TaskConfig(epochs=1, max_steps=20,
                                                              n_bootstrap=10),
                          DetectionConfig(), rng=np.random.default_rng(0))
    assert result["task"] == "classification" and result["tstr"].value > 0.3


def test_task_option_parses_kinds_and_settings() -> None:
    base, det = TaskConfig(), DetectionConfig()
    assert parse_task("detection", base, det) == ("detection", base, det)
    kind, _, parsed = parse_task("detection: {model: fcos_resnet50_fpn, epochs: 3, "
                                 "scales: [1.0, 0.5]}", base, det)
    assert kind == "detection" and parsed.epochs == 3 and parsed.scales == (1.0, 0.5)
    assert parse_task("classification: {epochs: 2}", base, det)[1].epochs == 2
    for bad, message in (("segmentation", "expected one of"), ("detection: {epoch: 3}",
                                                                "unknown setting 'epoch'"),
                         ("detection: [1]", "settings must be a mapping"), ("{a: [", "YAML")):
        with pytest.raises(UsageError, match=message):
            parse_task(bad, base, det)


def test_crops_keep_boxes_in_crop_coordinates() -> None:
    image = np.zeros((200, 300, 3), np.uint8)
    image[50:90, 100:160] = 255
    sample = Annotated(image, np.array([[100, 50, 160, 90]], np.float32), np.array([0]))
    crop = random_crop(sample, 64, rng=np.random.default_rng(0), scale_range=(0.5, 0.5),
                       object_bias=1.0)
    assert crop.image.shape == (64, 64, 3) and len(crop.boxes) == 1
    ys, xs = np.nonzero(crop.image[..., 0] > 128)  # the object as drawn in the crop
    drawn = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
    np.testing.assert_allclose(crop.boxes[0], drawn, atol=1.0)
    assert crop.boxes[0, 2] - crop.boxes[0, 0] >= 0.5 * 30  # at least half of it in the crop


def _tiny_sources() -> tuple[EvalSetSource, DetectionConfig]:
    evalset = bright_squares(8, rng=np.random.default_rng(0))
    config = DetectionConfig(image_size=64, batch_size=4, steps=3, device="cpu")
    return EvalSetSource(evalset, np.arange(8), np.array([0])), config


def test_training_is_seeded() -> None:
    source, config = _tiny_sources()
    runs = [train_detector(source, 1, config, rng=np.random.default_rng(3), progress=None)
            for _ in range(2)]
    for a, b in zip(runs[0][0].model.state_dict().values(),
                    runs[1][0].model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert runs[0][1]["steps"] == 3 and not runs[0][1]["interrupted"]


def test_torchvision_models_by_name_and_backbone_weights(tmp_path: Path) -> None:
    source, config = _tiny_sources()
    config = DetectionConfig(**{**config.__dict__, "model": "ssdlite320_mobilenet_v3_large",
                                "steps": 1})
    _, history = train_detector(source, 1, config, rng=np.random.default_rng(0),
                                       progress=None)
    assert history["steps"] == 1
    with pytest.raises(UsageError, match="unknown detection model 'yolo'"):
        build_detector("yolo", 2, seed=0, device=torch.device("cpu"))
    weights = tmp_path / "backbone.pt"
    trained = build_detector("centernet", 2, seed=1, device=torch.device("cpu"))
    torch.save(trained.model.backbone.state_dict(), weights)
    loaded = build_detector("centernet", 2, seed=2, device=torch.device("cpu"), weights=weights)
    for a, b in zip(trained.model.backbone.state_dict().values(),
                    loaded.model.backbone.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    torch.save({"unrelated": torch.zeros(3)}, weights)
    with pytest.raises(UsageError, match="no tensor matches"):
        build_detector("centernet", 2, seed=2, device=torch.device("cpu"), weights=weights)


def test_default_detector_learns_a_rendered_shapes_task() -> None:
    from renderer.evaluate.taskgap.detection import evaluate_detector
    from renderer.rendered_sets import render_evalset
    from renderer.spec.load import load_spec

    spec = load_spec(Path(__file__).parent / "scenes" / "shapes_detection.yaml", [])
    synthetic, held_out = render_evalset(spec, 0, 300), render_evalset(spec, 1, 60)
    config = DetectionConfig(image_size=96, batch_size=16, steps=400, lr=3e-3, n_bootstrap=20,
                             device="cpu")
    source = EvalSetSource(synthetic, np.arange(300), np.arange(2))
    detector, _ = train_detector(source, 2, config, rng=np.random.default_rng(0), progress=None)
    scores = evaluate_detector(detector, held_out, np.arange(60), ["circle", "triangle"], config,
                               rng=np.random.default_rng(0))["scores"]
    assert scores["map50"]["value"] >= 0.9, scores["map50"]
