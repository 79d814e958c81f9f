"""PyTorch adapters: render on the fly inside a DataLoader, or read a dataset from disk, alike.

torch and torchvision are imported here only (``pip install synth[torch]``). Three datasets give
the same ``(image, target)`` items, so switching between on-the-fly and on-disk data is one line::

    from torch.utils.data import DataLoader
    from renderer.torch import SyntheticDataset, SyntheticStream, collate_detection, loader_dataset

    train = SyntheticDataset("scenes/quickstart.yaml", length=10_000, seed=0)
    # train = loader_dataset("out/quickstart")             # the same images, rendered earlier
    # train = SyntheticStream("scenes/quickstart.yaml", seed=0, epoch_size=10_000)
    loader = DataLoader(train, batch_size=8, num_workers=4, persistent_workers=True,
                        collate_fn=collate_detection)

Items of detection sets: ``image`` is a ``tv_tensors.Image`` (C, H, W) uint8 and ``target`` a dict:

- ``boxes``: ``tv_tensors.BoundingBoxes`` (n, 4) float32, XYXY pixels, ``canvas_size`` (H, W);
- ``labels``: (n,) int64 = class index + 1, because torchvision detection models reserve 0 for
  the background (class name: ``dataset.class_names[label - 1]``);
- ``masks``: ``tv_tensors.Mask`` (n, H, W) uint8 visible instance masks (absent when the source
  has no masks, e.g. YOLO boxes, or with ``masks=False``, which saves making them and shipping
  them from workers when the model has no mask head);
- ``visibility``: (n,) float32 visible / whole-object pixels (1.0 where the source has none);
- ``keypoints``: ``tv_tensors.KeyPoints`` (n, k, 2) and ``keypoint_visibility`` (n, k) float32
  COCO flags (0 absent, 1 hidden, 2 visible), present when the scene's classes have keypoints;
  ``keypoints_xyv(target)`` makes the (n, k, 3) tensor Keypoint R-CNN takes. k is the most
  points any class has; point j is ``keypoint_names[class][j]``, classes with fewer are padded
  with absent points. v2 flips move points as pixel indices (x -> W - 1 - x) and never swap
  left/right names;
- ``image_id``: int, the sample index (COCO image id on disk); ``plan``: the sample's plan (dict);
- 3D scenes (rendered on the fly) add ``depth`` (1, H, W) float32 metres (0 = no object),
  ``K`` (3, 3) intrinsics, ``rotations`` (n, 3, 3) and ``translations`` (n, 3) metres: each
  object's model-to-camera pose (plain tensors: geometric transforms do not update them).

Classification sets give ``(image, class_index)``. Transforms are called as
``transforms(image, target)``, which torchvision ``transforms.v2`` understands: boxes, masks and
keypoints move with the image. ``SanitizeBoundingBoxes`` drops labels and masks of degenerate
boxes but not ``visibility`` or keypoints; pass a ``labels_getter`` returning them too if you
use those. Random transforms draw from torch's RNG, outside synth's per-index determinism.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
from collections.abc import Callable, Iterator
from multiprocessing.context import get_spawning_popen
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info
from torchvision import tv_tensors

from renderer.classes import class_table
from renderer.datasets import LoadedSample, from_sample, load
from renderer.render import render_sample
from renderer.spec.load import load_spec
from renderer.spec.scene import SceneSpec

log = logging.getLogger(__name__)
Transforms = Callable[[Any, Any], tuple[Any, Any]]
EPOCH_STRIDE = 2**32  # index offset between epochs of an infinite stream


def _as_spec(spec: str | Path | SceneSpec) -> SceneSpec:
    return spec if isinstance(spec, SceneSpec) else load_spec(spec)


def channels_first(image: np.ndarray) -> np.ndarray:
    """(H, W, C) -> contiguous (C, H, W); ``cv2.split`` into the planes is ~6x numpy's transpose
    copy for 3 channels (a 640x480 frame: 0.04 vs 0.26 ms)."""
    height, width, channels = image.shape
    out = np.empty((channels, height, width), image.dtype)
    if channels == 1:
        out[0] = image[..., 0]
    else:
        cv2.split(image, list(out))
    return out


def to_torch(record: LoadedSample, task: str, masks: bool = True) -> tuple[tv_tensors.Image, Any]:
    """Convert one record to ``(image, target)`` for ``task`` (see the module docstring).

    Classification gives ``(image, class_index)``; unlabeled sets ``(image, {image_id, plan})``.
    """
    image = tv_tensors.Image(torch.from_numpy(channels_first(record.image)))
    if task == "unlabeled":
        return image, {"image_id": record.image_id, "plan": record.meta.get("plan") or {}}
    if task == "classification":
        if record.label is None:
            raise ValueError(f"{record.name}: classification sample without a label")
        return image, int(record.label)
    size = record.canvas_size
    target: dict[str, Any] = {
        "boxes": tv_tensors.BoundingBoxes(torch.from_numpy(record.boxes), format="XYXY",
                                          canvas_size=size),
        "labels": torch.from_numpy(record.category_ids + 1),
        "visibility": torch.from_numpy(record.visibility),
        "image_id": record.image_id,
        "plan": record.meta.get("plan") or {},
    }
    instance_masks = record.masks() if masks else None
    if instance_masks is not None:
        target["masks"] = tv_tensors.Mask(torch.from_numpy(instance_masks.view(np.uint8)))
    if record.keypoints is not None:
        target.update(keypoint_fields(record.keypoints, size))
    if "depth" in record.meta:  # 3D scenes: depth map (1, H, W) metres, camera K, object poses
        target["depth"] = torch.from_numpy(record.meta["depth"])[None]
        target["K"] = torch.from_numpy(record.meta["K"])
        target["rotations"] = torch.from_numpy(record.meta["R"])
        target["translations"] = torch.from_numpy(record.meta["t"])
    return image, target


def keypoint_fields(points: np.ndarray, canvas_size: tuple[int, int]) -> dict[str, torch.Tensor]:
    """``keypoints`` (``tv_tensors.KeyPoints``) and ``keypoint_visibility`` of a target, from
    (n, k, 3) float32 x, y, COCO flag points on a canvas of (H, W)."""
    return {"keypoints": tv_tensors.KeyPoints(torch.from_numpy(points[..., :2].copy()),
                                              canvas_size=canvas_size),
            "keypoint_visibility": torch.from_numpy(points[..., 2].copy())}


def keypoints_xyv(target: dict[str, Any]) -> torch.Tensor:
    """(n, k, 3) float32 x, y, flag: the keypoints layout of torchvision's Keypoint R-CNN."""
    points = target["keypoints"].as_subclass(torch.Tensor)
    return torch.cat([points, target["keypoint_visibility"][..., None].to(points.dtype)], dim=-1)


_ALIGN = 64  # bytes: each packed tensor starts on a cache line, so any dtype view is aligned


def packed_in_shared_memory(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """Copies of ``tensors`` (any shapes and dtypes) that are views of one shared-memory buffer,
    with their types and metadata (``tv_tensors`` subclasses, ``canvas_size``, ``format``).

    A DataLoader worker hands each tensor storage it returns to the main process as its own
    shared-memory segment and file descriptor, which costs far more than copying small tensors:
    a detection batch of 32 holds about 220. One buffer per field is one segment, as
    ``default_collate`` makes by stacking.
    """
    offsets, total = [], 0
    for tensor in tensors:
        offsets.append(total)
        total += -(-tensor.numel() * tensor.element_size() // _ALIGN) * _ALIGN
    buffer = torch.empty(total, dtype=torch.uint8).share_memory_()
    out = []
    for tensor, offset in zip(tensors, offsets, strict=True):
        nbytes = tensor.numel() * tensor.element_size()
        view = buffer[offset:offset + nbytes].view(tensor.dtype).view(tensor.shape)
        view.copy_(tensor.as_subclass(torch.Tensor))
        out.append(tv_tensors.wrap(view, like=tensor) if isinstance(tensor, tv_tensors.TVTensor)
                   else view)
    return out


def collate_detection(batch: list[tuple[Any, Any]]) -> tuple[list[Any], list[Any]]:
    """Batch variable-sized detection items as ``(images, targets)`` lists (torchvision's form).

    In a DataLoader worker the images, and each tensor field of the targets (``boxes``,
    ``masks``, ...), are packed into one shared-memory buffer per field before they travel to
    the main process (see ``packed_in_shared_memory``): about 7 segments per batch instead of
    one per tensor, which speeds up loading from workers, on the fly and from disk alike. The
    items are unchanged; as with ``default_collate``'s stacking, a tensor kept after its batch
    keeps its field's buffer for the whole batch alive.
    """
    images, targets = (list(x) for x in zip(*batch, strict=True)) if batch else ([], [])
    if get_worker_info() is None or not batch:
        return images, targets
    if all(isinstance(image, torch.Tensor) for image in images):
        images = packed_in_shared_memory(images)
    if all(isinstance(target, dict) for target in targets):
        targets = [dict(target) for target in targets]
        for key in targets[0]:
            if all(isinstance(t.get(key), torch.Tensor) for t in targets):
                for target, packed in zip(targets, packed_in_shared_memory(
                        [t[key] for t in targets]), strict=True):
                    target[key] = packed
    return images, targets


_opencv_threads_set = False


def _single_threaded_opencv() -> None:
    """In a DataLoader worker, once: OpenCV runs sequentially, because the workers are the
    parallelism and OpenCV's own pool in each of them only competes for the same cores.

    ``setNumThreads(0)`` (sequential), not 1: resizing the pool to one thread in a forked worker
    whose parent had used the pool hangs, while switching the pool off does not (tested).
    The main process (``num_workers=0``) is the user's: its OpenCV settings are left alone.
    """
    global _opencv_threads_set
    if not _opencv_threads_set:
        cv2.setNumThreads(0)
        _opencv_threads_set = True


class UnlabeledSampleError(ValueError):
    """A classification scene produced an image without its labeled object."""


class _Rendered:
    """Shared body of the synthetic datasets: spec, seed, transforms; renders item ``index``."""

    def __init__(self, spec: str | Path | SceneSpec, seed: int | None,
                 transforms: Transforms | None, masks: bool) -> None:
        self.spec = _as_spec(spec)
        self.seed = self.spec.seed if seed is None else int(seed)
        self.transforms = transforms
        self.masks = masks
        self.class_names = class_table(self.spec).names

    def render(self, index: int) -> tuple[Any, Any]:
        if get_worker_info() is not None:
            _single_threaded_opencv()
        record = from_sample(render_sample(self.spec, self.seed, index))
        if self.spec.task == "classification" and record.label is None:
            raise UnlabeledSampleError(
                f"sample {index} (seed {self.seed}) has no class: its labeled object could not be "
                "placed (see 'dropped' in its plan); loosen the layer's pose limits")
        item = to_torch(record, self.spec.task, self.masks)
        return self.transforms(*item) if self.transforms is not None else item


class SyntheticDataset(Dataset, _Rendered):
    """Map-style dataset: item ``i`` is image ``start + i`` of ``(spec, seed)``, rendered on demand.

    Pixels equal those ``synth render SPEC --seed SEED --image-format png`` writes for that index.
    The dataset pickles small (the spec and a few ints) and holds no render state: each DataLoader
    worker builds its own caches (fonts, assets) on first use, under fork or spawn alike.

    Args:
        spec: a spec file or a loaded ``SceneSpec``.
        length: number of items.
        seed: run seed (default: the spec's ``seed``).
        transforms: called as ``transforms(image, target)``.
        start: index of item 0.
        masks: include instance masks; False skips making them and passing them between
            processes (detectors without a mask head).
    """

    def __init__(self, spec: str | Path | SceneSpec, length: int, seed: int | None = None,
                 transforms: Transforms | None = None, start: int = 0,
                 masks: bool = True) -> None:
        if length < 0 or start < 0:
            raise ValueError("length and start must be >= 0")
        _Rendered.__init__(self, spec, seed, transforms, masks)
        self.length, self.start = int(length), int(start)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        if not 0 <= i < self.length:
            raise IndexError(f"index {i} out of range for {self.length} items")
        return self.render(self.start + int(i))


class _SharedEpoch:
    """The epoch number, shared with DataLoader workers that are already running.

    Persistent workers keep the dataset copy they started with, so a plain attribute set by
    ``set_epoch`` in the main process would never reach them. A shared-memory integer does; it
    travels to workers while they are being started (fork, spawn or forkserver) and is a plain
    snapshot when the dataset is pickled any other way.
    """

    def __init__(self, value: int = 0) -> None:
        self._shared = multiprocessing.RawValue("q", value)

    @property
    def value(self) -> int:
        return int(self._shared.value)

    @value.setter
    def value(self, value: int) -> None:
        self._shared.value = value

    def __getstate__(self) -> dict[str, Any]:
        if get_spawning_popen() is not None:
            return {"shared": self._shared}
        return {"value": self.value}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "shared" in state:
            self._shared = state["shared"]
        else:
            self._shared = multiprocessing.RawValue("q", state["value"])


def _distributed() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class SyntheticStream(IterableDataset, _Rendered):
    """Iterable dataset of rendered images, split across DataLoader workers and distributed ranks.

    Epoch ``e`` covers the indices ``start + e * epoch_size + j`` for ``j < epoch_size`` (or
    ``j >= 0`` forever, with epochs ``2**32`` indices apart, when ``epoch_size`` is None), so
    epoch ``e`` is ``synth render -n epoch_size --start (start + e * epoch_size)``. Index ``j`` goes
    to rank ``j % world_size`` and, within it, worker ``(j // world_size) % num_workers``: no index
    twice, none left out. A rank's set of samples does not depend on its number of workers; with
    ``batch_size=1`` neither does their order. Ranks get equal counts when ``epoch_size`` is a
    multiple of ``world_size`` (DistributedDataParallel needs equal batch counts).

    Call ``set_epoch(e)`` before each epoch, as with ``DistributedSampler``; it reaches
    persistent workers too. A classification image whose labeled object could not be placed is
    skipped with a warning (``SyntheticDataset`` raises ``UnlabeledSampleError`` instead).

    Args:
        spec: a spec file or a loaded ``SceneSpec``.
        seed: run seed (default: the spec's ``seed``).
        epoch_size: indices per epoch over all ranks; None streams forever.
        start: first index of epoch 0.
        rank, world_size: this process's share; default: ``torch.distributed`` when it is
            initialised when the stream is created, else 0 and 1.
        transforms: called as ``transforms(image, target)``.
        masks: include instance masks (see ``SyntheticDataset``).
    """

    def __init__(self, spec: str | Path | SceneSpec, seed: int | None = None,
                 epoch_size: int | None = None, start: int = 0, rank: int | None = None,
                 world_size: int | None = None, transforms: Transforms | None = None,
                 masks: bool = True) -> None:
        _Rendered.__init__(self, spec, seed, transforms, masks)
        default_rank, default_world = _distributed()
        self.rank = default_rank if rank is None else int(rank)
        self.world_size = default_world if world_size is None else int(world_size)
        if self.world_size < 1 or not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank {self.rank} is not in 0..{self.world_size - 1}")
        if (epoch_size is not None and epoch_size < 1) or start < 0:
            raise ValueError("epoch_size must be >= 1 (or None) and start >= 0")
        self.epoch_size, self.start = epoch_size, int(start)
        self._epoch = _SharedEpoch()

    @property
    def epoch(self) -> int:
        """The epoch the next pass yields."""
        return self._epoch.value

    def set_epoch(self, epoch: int) -> None:
        """Yield epoch ``epoch``'s samples from the next pass on (workers included)."""
        if epoch < 0:
            raise ValueError("epoch must be >= 0")
        self._epoch.value = int(epoch)

    def __len__(self) -> int:
        """Samples this rank yields per epoch (a TypeError for an infinite stream)."""
        if self.epoch_size is None:
            raise TypeError("an infinite SyntheticStream (epoch_size=None) has no length")
        return len(range(self.rank, self.epoch_size, self.world_size))

    def indices(self, worker: int = 0, num_workers: int = 1) -> Iterator[int]:
        """Sample indices of this rank's ``worker`` for the current epoch."""
        shard = self.rank + self.world_size * worker
        stride = self.world_size * num_workers
        base = self.start + self.epoch * (self.epoch_size or EPOCH_STRIDE)
        if self.epoch_size is None:
            return itertools.count(base + shard, stride)
        return iter(range(base + shard, base + self.epoch_size, stride))

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        for index in self.indices(worker, workers):
            try:
                yield self.render(index)
            except UnlabeledSampleError as exc:  # one rare failed placement must not end training
                log.warning("skipped: %s", exc)


class LoadedTorchDataset(Dataset):
    """A dataset on disk (``renderer.datasets.load``) as ``(image, target)`` items.

    Items have the same structure as ``SyntheticDataset``'s; unlabeled image folders give
    ``(image, {"image_id": ..., "plan": {}})``. ``format`` forces a format (default: detected);
    ``masks=False`` leaves masks out (they are then never decoded).
    """

    def __init__(self, path: str | Path, transforms: Transforms | None = None,
                 format: str | None = None, masks: bool = True) -> None:
        self.records = load(path, format)
        self.transforms = transforms
        self.masks = masks
        self.class_names = self.records.class_names
        self.task = self.records.task

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        item = to_torch(self.records[i], self.task, self.masks)
        return self.transforms(*item) if self.transforms is not None else item


def loader_dataset(path: str | Path, transforms: Transforms | None = None,
                   format: str | None = None, masks: bool = True) -> LoadedTorchDataset:
    """A torch Dataset over a rendered or real set on disk, shaped like ``SyntheticDataset``.

    Example::

        real = loader_dataset("data/mnist-test")          # (image (1, 28, 28) uint8, label)
        disk = loader_dataset("out/quickstart")           # (image, target) as on the fly
    """
    return LoadedTorchDataset(path, transforms, format, masks)


__all__ = ["EPOCH_STRIDE", "LoadedTorchDataset", "SyntheticDataset", "SyntheticStream",
           "UnlabeledSampleError", "collate_detection", "keypoint_fields", "keypoints_xyv",
           "loader_dataset", "packed_in_shared_memory", "to_torch"]
