"""renderer.torch: on-the-fly datasets, sharded streams, v2 transforms, a detector step, disk."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from core_helpers import (
    CLASSIFICATION_DATA,
    DETECTION_DATA,
    make_spec,
    run_cli,
    spec_data,
    write_yaml,
)
from test_datasets import write_idx
from torch.utils.data import DataLoader
from torchvision import tv_tensors
from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_320_fpn
from torchvision.transforms import v2

from renderer.render import render_sample
from renderer.spec.scene import SceneSpec
from renderer.torch import (
    SyntheticDataset,
    SyntheticStream,
    collate_detection,
    keypoints_xyv,
    loader_dataset,
    packed_in_shared_memory,
)


@contextmanager
def seeded_torch(seed: int) -> Iterator[None]:
    """Seed torch's global RNG inside the block and restore its state after (the RNG guard)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def loader(dataset: object, workers: int, context: str | None = None,
           **kwargs: object) -> DataLoader:
    """A DataLoader with its own generator (a default one would draw from torch's global RNG)."""
    return DataLoader(dataset, num_workers=workers,
                      multiprocessing_context=context if workers else None,
                      persistent_workers=workers > 0, generator=torch.Generator().manual_seed(0),
                      **kwargs)


def test_items_equal_cli_png_and_disk_loader(tmp_path: Path) -> None:
    spec_path = write_yaml(tmp_path / "tiny.yaml",
                           spec_data(DETECTION_DATA, output={"image_format": "png"}))
    out = tmp_path / "out"
    proc = run_cli("render", spec_path, "-n", 3, "-o", out, "--seed", 5, "--image-format", "png",
                   "--workers", 1, "--quiet")
    assert proc.returncode == 0, proc.stderr
    ds = SyntheticDataset(spec_path, length=3, seed=5)
    disk = loader_dataset(out)
    assert ds.class_names == disk.class_names
    coco = json.loads((out / "annotations.json").read_text())
    plans = {im["id"]: im["plan"] for im in coco["images"]}
    for i in range(3):
        image, target = ds[i]
        png = cv2.cvtColor(cv2.imread(str(out / "images" / f"{i:06d}.png")), cv2.COLOR_BGR2RGB)
        assert isinstance(image, tv_tensors.Image) and image.dtype == torch.uint8
        np.testing.assert_array_equal(image.permute(1, 2, 0).numpy(), png)
        boxes, masks, n = target["boxes"], target["masks"], len(target["labels"])
        assert isinstance(boxes, tv_tensors.BoundingBoxes) and boxes.format.name == "XYXY"
        assert boxes.canvas_size == (64, 96) and boxes.shape == (n, 4)
        assert isinstance(masks, tv_tensors.Mask) and masks.shape == (n, 64, 96)
        assert target["labels"].dtype == torch.int64 and (target["labels"] >= 1).all()
        assert target["keypoints"].shape[:2] == (n, target["keypoint_visibility"].shape[1])
        assert keypoints_xyv(target).shape[-1] == 3
        assert target["image_id"] == i and target["plan"] == plans[i]
        disk_image, disk_target = disk[i]
        assert torch.equal(disk_image, image) and disk_target.keys() == target.keys()
        for key in ("boxes", "labels", "masks", "keypoint_visibility"):
            assert torch.equal(disk_target[key], target[key]), key
        for key, atol in (("visibility", 1e-6), ("keypoints", 1e-3)):  # rounded in the JSON
            torch.testing.assert_close(disk_target[key], target[key], atol=atol, rtol=0)


def test_classification_items(classification_spec: SceneSpec, tmp_path: Path) -> None:
    ds = SyntheticDataset(classification_spec, length=4, seed=2)
    image, label = ds[3]
    assert image.shape == (1, 32, 32) and label == render_sample(classification_spec, 2, 3).label
    images, labels = next(iter(loader(ds, 0, batch_size=4)))
    assert images.shape == (4, 1, 32, 32) and labels.dtype == torch.int64
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([3, 8]))
    real_image, real_label = loader_dataset(tmp_path)[1]
    assert real_image.shape == (1, 28, 28) and real_label == 8


def test_unplaceable_classification_object_is_still_drawn() -> None:
    # A classification image must show its object: when the placement limits cannot be met the
    # last candidate pose is kept (the labels report the true truncation) instead of no label.
    layer = {**CLASSIFICATION_DATA["objects"][0],
             "pose": {"x": 0.5, "y": 0.5, "scale": 1.5, "max_truncation": 0}}  # never fits
    spec = make_spec(spec_data(CLASSIFICATION_DATA, objects=[layer]))
    image, label = SyntheticDataset(spec, length=2)[1]
    assert image.shape[0] in (1, 3) and 0 <= int(label) < len(spec.objects[0].asset.text.names)
    assert len(list(SyntheticStream(spec, epoch_size=2))) == 2


def test_datasets_pickle_small(tiny_spec: SceneSpec) -> None:
    stream = SyntheticStream(tiny_spec, seed=1, epoch_size=8)
    stream.set_epoch(3)
    for ds in (SyntheticDataset(tiny_spec, length=10), stream):
        assert len(pickle.dumps(ds)) < 32_000
    copy = pickle.loads(pickle.dumps(stream))
    assert copy.epoch == 3 and list(copy.indices()) == list(range(24, 32))


def test_fork_workers_match_main_process(tiny_spec: SceneSpec) -> None:
    ds = SyntheticDataset(tiny_spec, length=6, seed=4)
    reference = list(loader(ds, 0, batch_size=2, collate_fn=collate_detection))
    workers = loader(ds, 2, "fork", batch_size=2, collate_fn=collate_detection)
    for _ in range(2):  # persistent workers: a second pass gives the same items
        for (ref_images, ref_targets), (images, targets) in zip(reference, workers, strict=True):
            for a, b in zip(ref_images, images, strict=True):
                assert torch.equal(a, b)
            assert [t["image_id"] for t in targets] == [t["image_id"] for t in ref_targets]
            for a, b in zip(ref_targets, targets, strict=True):
                assert torch.equal(a["boxes"], b["boxes"]) and torch.equal(a["masks"], b["masks"])


FORK_AFTER_OPENCV_POOL = """
import cv2, numpy as np, sys
from torch.utils.data import DataLoader
from renderer.torch import SyntheticDataset, collate_detection
cv2.GaussianBlur(np.zeros((1500, 1500, 3), np.uint8), (0, 0), 5)  # the parent's pool is busy
ds = SyntheticDataset(sys.argv[1], length=4)
batches = DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context="fork",
                     collate_fn=collate_detection)
print(sum(len(images) for images, _ in batches))
"""


def test_fork_workers_after_the_parent_used_opencv_threads(tmp_path: Path) -> None:
    # Workers switch OpenCV's pool off; resizing it instead (setNumThreads(1)) hangs here.
    spec = write_yaml(tmp_path / "s.yaml", spec_data(DETECTION_DATA))
    done = subprocess.run([sys.executable, "-c", FORK_AFTER_OPENCV_POOL, str(spec)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["4"]


def test_packing_keeps_values_types_and_metadata() -> None:
    rng = torch.Generator().manual_seed(0)
    tensors = [tv_tensors.BoundingBoxes(torch.rand(3, 4, generator=rng) * 50, format="XYXY",
                                        canvas_size=(60, 80)),
               torch.arange(5, dtype=torch.int64), torch.zeros((0, 4)),  # an image without objects
               tv_tensors.Mask(torch.randint(0, 2, (2, 7, 9), dtype=torch.uint8, generator=rng)),
               torch.rand(6, 3, generator=rng)[:, 1]]  # a non-contiguous view
    packed = packed_in_shared_memory(tensors)
    assert len({t.untyped_storage().data_ptr() for t in packed}) == 1
    assert packed[0].is_shared()
    for before, after in zip(tensors, packed, strict=True):
        assert type(after) is type(before) and after.dtype == before.dtype
        assert torch.equal(after.as_subclass(torch.Tensor), before.as_subclass(torch.Tensor))
    assert packed[0].canvas_size == (60, 80) and packed[0].format == tensors[0].format


def test_worker_batches_travel_as_one_buffer_per_field(tiny_spec: SceneSpec) -> None:
    ds = SyntheticDataset(tiny_spec, length=4, seed=2)
    images, targets = next(iter(loader(ds, 2, "fork", batch_size=4,
                                       collate_fn=collate_detection)))
    assert len({image.untyped_storage().data_ptr() for image in images}) == 1
    for key in ("boxes", "labels", "masks", "keypoints"):
        assert len({t[key].untyped_storage().data_ptr() for t in targets}) == 1, key
    assert isinstance(targets[0]["boxes"], tv_tensors.BoundingBoxes)
    assert targets[0]["boxes"].canvas_size == tuple(images[0].shape[1:])
    plain_images, plain_targets = collate_detection([ds[i] for i in range(4)])  # main process
    for image, plain in zip(images, plain_images, strict=True):
        assert torch.equal(image, plain)
    assert [t["plan"] for t in targets] == [t["plan"] for t in plain_targets]


def test_spawn_persistent_stream_follows_set_epoch(tiny_spec: SceneSpec) -> None:
    stream = SyntheticStream(tiny_spec, seed=4, epoch_size=4)
    reference = SyntheticDataset(tiny_spec, length=8, seed=4)
    workers = loader(stream, 2, "spawn", batch_size=None)
    for epoch in (0, 1):
        stream.set_epoch(epoch)
        items = list(workers)
        assert [t["image_id"] for _, t in items] == list(range(4 * epoch, 4 * epoch + 4))
        for image, target in items:
            assert torch.equal(image, reference[target["image_id"]][0])


def test_stream_shards_ranks_and_workers(tiny_spec: SceneSpec) -> None:
    seen: list[int] = []
    for rank in (0, 1):
        stream = SyntheticStream(tiny_spec, seed=0, epoch_size=10, rank=rank, world_size=2)
        assert len(stream) == 5
        for epoch in (0, 1):
            stream.set_epoch(epoch)
            ids = [t["image_id"] for _, t in loader(stream, 2, "fork", batch_size=None)]
            assert len(ids) == 5
            seen.extend(ids)
    assert sorted(seen) == list(range(20))  # both epochs: no duplicate, nothing left out
    infinite = [SyntheticStream(tiny_spec, rank=r, world_size=2) for r in (0, 1)]
    firsts = [next(it) for s in infinite for w in (0, 1) for it in [s.indices(w, 2)] * 6]
    assert sorted(firsts) == list(range(24))
    with pytest.raises(TypeError):
        len(infinite[0])
    with pytest.raises(ValueError, match="rank 2"):
        SyntheticStream(tiny_spec, rank=2, world_size=2)


def find_offset(big: np.ndarray, small: np.ndarray) -> tuple[int, int]:
    """(top, left) where ``small`` (C, h, w) sits inside ``big`` (C, H, W), exactly."""
    _, h, w = small.shape
    for top in range(big.shape[1] - h + 1):
        for left in range(big.shape[2] - w + 1):
            if np.array_equal(big[:, top:top + h, left:left + w], small):
                return top, left
    raise AssertionError("crop not found in the image")


def test_v2_flip_and_crop_keep_labels_aligned(tiny_spec: SceneSpec) -> None:
    width, crop = 96, (48, 64)
    transforms = v2.Compose([v2.RandomHorizontalFlip(p=1), v2.RandomCrop(crop)])
    plain = SyntheticDataset(tiny_spec, length=4, seed=7)
    moved = SyntheticDataset(tiny_spec, length=4, seed=7, transforms=transforms)
    for i in range(4):
        image, target = plain[i]
        with seeded_torch(i):
            out_image, out = moved[i]
        flipped = image.numpy()[:, :, ::-1]
        top, left = find_offset(flipped, out_image.numpy())
        masks = target["masks"].numpy()[:, :, ::-1][:, top:top + crop[0], left:left + crop[1]]
        np.testing.assert_array_equal(out["masks"].numpy(), masks)
        box = target["boxes"].numpy()
        expected = np.stack([width - box[:, 2], box[:, 1], width - box[:, 0], box[:, 3]], axis=1)
        expected = expected - [left, top, left, top]
        expected = np.clip(expected, 0, [crop[1], crop[0], crop[1], crop[0]])
        np.testing.assert_allclose(out["boxes"].numpy(), expected, atol=1e-4)
        assert out["boxes"].canvas_size == crop and torch.equal(out["labels"], target["labels"])
        for mask, (x0, y0, x1, y1) in zip(masks, out["boxes"].numpy(), strict=True):
            ys, xs = np.nonzero(mask)  # every mask pixel stays inside its box
            assert ((xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)).all()
        points = target["keypoints"].numpy()
        # torchvision flips points as pixel indices: x -> W - 1 - x.
        want = np.stack([width - 1 - points[..., 0] - left, points[..., 1] - top], axis=-1)
        np.testing.assert_allclose(out["keypoints"].numpy(), want, atol=1e-4)


def test_fasterrcnn_takes_a_training_step() -> None:
    spec = make_spec(spec_data(DETECTION_DATA, canvas={"width": 128, "height": 128}))
    ds = SyntheticDataset(spec, length=2, seed=0, transforms=v2.ToDtype(torch.float32, scale=True))
    images, targets = next(iter(loader(ds, 0, batch_size=2, collate_fn=collate_detection)))
    assert images[0].dtype == torch.float32 and len(targets) == 2
    with seeded_torch(0):
        model = fasterrcnn_mobilenet_v3_large_320_fpn(
            weights=None, weights_backbone=None, num_classes=len(ds.class_names) + 1)
        model.train()
        head = model.roi_heads.box_predictor.cls_score.weight
        before = head.detach().clone()
        optimiser = torch.optim.SGD(model.parameters(), lr=0.01)
        losses = model(images, targets)
        loss = sum(losses.values())
        loss.backward()
        optimiser.step()
    assert set(losses) >= {"loss_classifier", "loss_box_reg", "loss_objectness"}
    assert torch.isfinite(loss) and not torch.equal(before, head.detach())
