"""Where a detector's training images come from, and the random crops it trains on.

A source yields annotated images epoch by epoch: an in-memory set (:class:`EvalSetSource`,
reshuffled each epoch) or a scene spec rendered on the fly (:class:`RenderedSource`, fresh images
every epoch: epoch ``e`` renders indices ``e*n .. (e+1)*n - 1`` of the spec and seed, through the
experiment pool's parallel render path). Classes arrive already mapped to the task's indices.

Crops: detectors train on ``size`` x ``size`` crops at a random scale, so large photos and small
objects train at their native resolution; most crops are centred near an object, since photos
such as road scenes hold a few small objects in a large frame.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import cv2
import numpy as np

from renderer.evaluate.evalset import EvalSet

if TYPE_CHECKING:
    from renderer.experiments.pool import ExperimentPool
    from renderer.spec.scene import SceneSpec

PAD_VALUE = 114  # grey fill where a crop reaches past the image
RENDER_BATCH = 64  # renders per request to the pool: memory stays at a few batches of images


@dataclass(frozen=True)
class Annotated:
    """One training image: ``image`` HxWx3 uint8, ``boxes`` (k, 4) XYXY px, ``classes`` (k,)."""

    image: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray


def annotated(image: np.ndarray, boxes: np.ndarray, classes: np.ndarray,
              mapping: np.ndarray) -> Annotated:
    """An :class:`Annotated` with classes mapped through ``mapping`` (-1: object dropped)."""
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    classes = mapping[np.asarray(classes, np.int64)] if len(classes) else np.zeros(0, np.int64)
    keep = classes >= 0
    return Annotated(image, np.asarray(boxes, np.float32).reshape(-1, 4)[keep], classes[keep])


class TrainingSource(Protocol):
    """Annotated images for training, epoch by epoch."""

    def __len__(self) -> int:
        """Images per epoch."""
        ...

    def epoch(self, index: int, *, rng: np.random.Generator) -> Iterator[Annotated]:
        """The images of epoch ``index`` in training order."""
        ...


class EvalSetSource:
    """The images ``indices`` of a detection :class:`EvalSet`, in a fresh order every epoch."""

    def __init__(self, evalset: EvalSet, indices: Sequence[int], mapping: np.ndarray) -> None:
        if evalset.objects is None:
            raise ValueError("a detector needs boxes (a detection set)")
        self.evalset, self.indices, self.mapping = evalset, np.asarray(indices), mapping

    def __len__(self) -> int:
        return len(self.indices)

    def epoch(self, index: int, *, rng: np.random.Generator) -> Iterator[Annotated]:
        objects = self.evalset.objects or []
        for i in rng.permutation(self.indices):
            obj = objects[int(i)]
            yield annotated(self.evalset.images[int(i)], obj["boxes"], obj["classes"],
                            self.mapping)


class RenderedSource:
    """``n`` fresh renders of ``(spec, seed)`` per epoch, classes matched by name (after
    ``class_map``); epoch ``e`` renders indices ``first_index + e*n`` onwards.

    Example::

        with ExperimentPool(2) as pool:
            source = RenderedSource(spec, seed=0, n=2000, class_names=("a", "b"), pool=pool)
    """

    def __init__(self, spec: SceneSpec, seed: int, n: int, class_names: Sequence[str],
                 pool: ExperimentPool | None = None, class_map: dict[str, str] | None = None,
                 first_index: int = 0) -> None:
        self.spec, self.seed, self.n, self.pool = spec, seed, n, pool
        self.first_index = first_index
        self.index = {name: k for k, name in enumerate(class_names)}
        self.class_map = class_map or {}

    def __len__(self) -> int:
        return self.n

    def _mapping(self, names: Sequence[str]) -> np.ndarray:
        return np.array([self.index.get(self.class_map.get(n, n), -1) for n in names] or [-1],
                        np.int64)

    def epoch(self, index: int, *, rng: np.random.Generator) -> Iterator[Annotated]:
        from renderer.experiments.pool import ChunkJob, chunk_indices, render_chunk

        start = self.first_index + index * self.n
        workers = self.pool.workers if self.pool is not None else 1
        for batch_start in range(0, self.n, RENDER_BATCH):
            count = min(RENDER_BATCH, self.n - batch_start)
            jobs = [ChunkJob(self.spec, self.seed,
                             tuple(start + batch_start + k for k in chunk))
                    for chunk in chunk_indices(count, workers)]
            chunks = (self.pool.map_ordered(render_chunk, jobs) if self.pool is not None
                      else [render_chunk(job) for job in jobs])
            for sample in (s for chunk in chunks for s in chunk):
                yield annotated(sample.image, sample.boxes, sample.category_ids,
                                self._mapping(sample.class_names))


def random_crop(sample: Annotated, size: int, *, rng: np.random.Generator,
                scale_range: tuple[float, float] = (0.7, 1.4),
                object_bias: float = 0.7, min_kept: float = 0.5) -> Annotated:
    """A ``size`` x ``size`` crop of ``sample`` at a random scale (log-uniform in
    ``scale_range``; > 1 enlarges). With probability ``object_bias`` the crop holds the centre
    of a random object; boxes keeping under ``min_kept`` of their area are dropped."""
    height, width = sample.image.shape[:2]
    scale = float(np.exp(rng.uniform(*np.log(scale_range))))
    side = size / scale  # crop side in source pixels
    if len(sample.boxes) and rng.random() < object_bias:
        box = sample.boxes[int(rng.integers(len(sample.boxes)))]
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        x0, y0 = cx - rng.uniform(0.1, 0.9) * side, cy - rng.uniform(0.1, 0.9) * side
    else:
        x0 = rng.uniform(min(0.0, width - side), max(0.0, width - side))
        y0 = rng.uniform(min(0.0, height - side), max(0.0, height - side))
    matrix = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], np.float64)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    crop = cv2.warpAffine(sample.image, matrix, (size, size), flags=interpolation,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(PAD_VALUE,) * 3)
    boxes = (sample.boxes - np.array([x0, y0, x0, y0], np.float32)) * scale
    clipped = np.clip(boxes, 0, size)
    area = np.prod(np.maximum(boxes[:, 2:] - boxes[:, :2], 1e-6), axis=1)
    kept = np.prod(np.maximum(clipped[:, 2:] - clipped[:, :2], 0), axis=1)
    keep = (kept >= min_kept * area) & np.all(clipped[:, 2:] - clipped[:, :2] >= 2, axis=1)
    return Annotated(crop.reshape(size, size, 3), clipped[keep].astype(np.float32),
                     sample.classes[keep])
