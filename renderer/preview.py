"""Contact sheets: rendered samples with boxes, masks, keypoints and class names drawn."""

from __future__ import annotations

import cv2
import numpy as np

from renderer.sample import Sample

_PALETTE = np.array([[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48],
                     [145, 30, 180], [70, 240, 240], [240, 50, 230], [210, 245, 60],
                     [250, 190, 212], [0, 128, 128], [220, 190, 255], [170, 110, 40]], np.uint8)
_KEYPOINT_COLORS = {1: (255, 160, 0), 2: (0, 255, 0)}  # hidden, visible


def annotate(sample: Sample, scale: int = 1) -> np.ndarray:
    """RGB image of a sample with its labels drawn (masks tinted, boxes, keypoints, names)."""
    image = sample.image if sample.image.shape[2] == 3 else np.repeat(sample.image, 3, axis=2)
    canvas = image.astype(np.float32)
    for k, obj in enumerate(sample.objects):
        color = _PALETTE[obj.category_id % len(_PALETTE)].astype(np.float32)
        mask = sample.visible_mask(k)
        canvas[mask] = canvas[mask] * 0.55 + color * 0.45
    out = np.clip(canvas, 0, 255).astype(np.uint8)
    if scale != 1:
        out = cv2.resize(out, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    for obj in sample.objects:
        color = tuple(int(c) for c in _PALETTE[obj.category_id % len(_PALETTE)])
        x0, y0, x1, y1 = (int(round(v * scale)) for v in obj.bbox)
        cv2.rectangle(out, (x0, y0), (x1 - 1, y1 - 1), color, 1, cv2.LINE_AA)
        label = f"{obj.class_name} {obj.visibility:.2f}"
        cv2.putText(out, label, (x0 + 1, max(y0 - 3, 9)), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                    (0, 0, 0), 2, cv2.LINE_AA)
        cv2.putText(out, label, (x0 + 1, max(y0 - 3, 9)), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                    (255, 255, 255), 1, cv2.LINE_AA)
        for x, y, v in obj.keypoints:
            if v > 0:
                cv2.circle(out, (int(x * scale), int(y * scale)), 3, _KEYPOINT_COLORS[int(v)], -1,
                           cv2.LINE_AA)
    if sample.label is not None:
        cv2.putText(out, sample.class_names[sample.label], (2, 10), cv2.FONT_HERSHEY_SIMPLEX,
                    0.35, (255, 255, 0), 1, cv2.LINE_AA)
    return out


def contact_sheet(samples: list[Sample], columns: int = 4, tile: int = 320) -> np.ndarray:
    """Grid of annotated samples, each fitted into a ``tile``-pixel square."""
    tiles = []
    height = tile
    if samples:
        h0, w0 = samples[0].image.shape[:2]
        height = max(16, round(tile * min(h0 / w0, 1.0)))
    for sample in samples:
        h, w = sample.image.shape[:2]
        scale = max(1, tile // max(h, w))
        img = annotate(sample, scale)
        f = min(tile / img.shape[1], height / img.shape[0])
        if f < 1:
            img = cv2.resize(img, (int(img.shape[1] * f), int(img.shape[0] * f)),
                             interpolation=cv2.INTER_AREA)
        cell = np.full((height, tile, 3), 32, np.uint8)
        cell[:img.shape[0], :img.shape[1]] = img
        cv2.putText(cell, f"#{sample.index}", (4, height - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (200, 200, 200), 1, cv2.LINE_AA)
        tiles.append(cell)
    rows = [np.hstack(tiles[i:i + columns] + [np.full((height, tile, 3), 32, np.uint8)]
                      * (columns - len(tiles[i:i + columns])))
            for i in range(0, len(tiles), columns)]
    return np.vstack(rows) if rows else np.zeros((tile, tile, 3), np.uint8)
