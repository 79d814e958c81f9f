"""The default detector's crop stage: which patches it trains on, and that it reads them at full
resolution from the right place."""

from __future__ import annotations

import torch
import torchvision

from renderer.evaluate.taskgap import crop_stage
from renderer.evaluate.taskgap.detectors import build_detector


def test_training_crops_label_truth_peaks_and_background() -> None:
    truth = (torch.tensor([[40.0, 40.0, 80.0, 90.0]]), torch.tensor([2]))
    peaks = torch.tensor([[42.0, 41.0, 81.0, 88.0],  # on the object: its class
                          [150.0, 150.0, 190.0, 200.0],  # elsewhere: background
                          [30.0, 30.0, 100.0, 120.0]])  # IoU between 0.3 and 0.5: not used
    generator = torch.Generator().manual_seed(0)
    boxes, labels = crop_stage.training_crops(truth, peaks, 256.0, 5, generator)
    iou = torchvision.ops.box_iou(boxes, truth[0])[:, 0]
    jittered = crop_stage.JITTERS
    assert labels[:jittered].tolist() == [2] * jittered and bool((iou[:jittered] > 0.4).all())
    assert labels[jittered].item() == 2 and labels[jittered + 1].item() == 5
    rest = labels[jittered:] == 5
    assert bool((iou[jittered:][rest] < crop_stage.NEGATIVE_IOU).all())
    assert len(boxes) == jittered + 2 + int((labels[jittered + 2:] == 5).sum())
    again = crop_stage.training_crops(truth, peaks, 256.0, 5, torch.Generator().manual_seed(0))
    assert torch.equal(again[0], boxes) and torch.equal(again[1], labels)


def test_images_without_objects_train_only_background() -> None:
    boxes, labels = crop_stage.training_crops(
        (torch.zeros(0, 4), torch.zeros(0, dtype=torch.int64)), torch.tensor([[0.0, 0, 20, 20]]),
        128.0, 3, torch.Generator().manual_seed(1))
    assert len(boxes) == 1 + crop_stage.RANDOM_NEGATIVES and set(labels.tolist()) == {3}
    assert bool((boxes[:, 2:] <= 128.0 + 1e-3).all())


def test_patches_are_cut_from_the_box_with_context() -> None:
    image = torch.zeros(1, 3, 100, 100)
    image[0, 0, 20:40, 60:80] = 1.0  # a red square
    patch = crop_stage.cut(image, [torch.tensor([[60.0, 20.0, 80.0, 40.0]])])
    assert patch.shape == (1, 3, crop_stage.CROP, crop_stage.CROP)
    centre = patch[0, 0, 8:24, 8:24]
    assert float(centre.min()) > 0.99 and float(patch[0, 1].abs().max()) == 0.0
    # the widened box shows a rim of the surroundings on every side
    assert float(patch[0, 0, 0].max()) < 0.5 and float(patch[0, 0, :, -1].max()) < 0.5


def test_the_stage_is_part_of_the_default_model_and_can_be_left_out() -> None:
    cpu = torch.device("cpu")
    default = build_detector("centernet", 4, seed=0, device=cpu)
    plain = build_detector("centernet", 4, seed=0, device=cpu, crops=False)
    assert any(k.startswith("crop_head.") for k in default.model.state_dict())
    assert not any(k.startswith("crop_head.") for k in plain.model.state_dict())
    image = torch.rand(3, 64, 96, generator=torch.Generator().manual_seed(0))
    for detector in (default, plain):
        detector.model.eval()
        with torch.inference_mode():
            found = detector.detect(image, 10)
        assert found["boxes"].shape[1] == 4 and len(found["scores"]) <= 10
        assert bool((found["labels"] < 4).all())
