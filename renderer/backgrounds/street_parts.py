"""Drawing pieces of the ``street`` background: a one-point-perspective camera on a road.

World coordinates in metres: ``x`` to the right of the camera, ``y`` up from the camera, ``z``
ahead. The ground lies at ``y = -camera_height``. Every piece draws onto an RGB uint8 frame in
place with OpenCV polygons (anti-aliased), or warps a small flat texture onto a projected plane.
Colours and details come from the generator the caller replays from the record's seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renderer.textures.base import upsample

_SHIFT = 4  # sub-pixel bits of the polygon rasteriser
_LINE = cv2.LINE_AA


@dataclass(frozen=True)
class Camera:
    """Pinhole camera: focal length and vanishing point in pixels, height above the road (m)."""

    focal: float
    cx: float
    horizon: float
    height: float

    def project(self, x: float, y: float, z: float) -> tuple[float, float]:
        """Pixel position of the world point (x, y, z), z > 0."""
        return self.cx + self.focal * x / z, self.horizon - self.focal * y / z


def fill(frame: np.ndarray, points: list[tuple[float, float]], color: tuple[int, ...]) -> None:
    """Anti-aliased filled polygon at sub-pixel precision."""
    pts = np.round(np.asarray(points, np.float64) * (1 << _SHIFT)).astype(np.int32)
    cv2.fillPoly(frame, [pts], tuple(int(c) for c in color), _LINE, _SHIFT)


def jitter(color: tuple[int, ...] | np.ndarray, rng: np.random.Generator, amount: float) -> tuple[int, ...]:
    """The colour scaled by a random gain of +-amount, per channel slightly apart."""
    gain = 1 + rng.uniform(-amount, amount) + rng.uniform(-amount / 4, amount / 4, 3)
    return tuple(int(v) for v in np.clip(np.asarray(color, np.float64) * gain, 0, 255))


def noise_field(rng: np.random.Generator, height: int, width: int, cell: float) -> np.ndarray:
    """Smooth float32 noise in [0, 1] with features about ``cell`` pixels wide."""
    gh, gw = max(2, int(height / cell) + 2), max(2, int(width / cell) + 2)
    return np.clip(upsample(rng.random((gh, gw), dtype=np.float32), height, width), 0, 1)


def shade(frame: np.ndarray, rng: np.random.Generator, cell: float, amount: float) -> None:
    """Multiply the frame by low-frequency brightness noise (dirt, uneven light), in place."""
    h, w = frame.shape[:2]
    small = noise_field(rng, max(2, h // 8), max(2, w // 8), max(cell / 8, 1.0))
    gain = cv2.resize(1 + amount * (small - 0.5) * 2, (w, h), interpolation=cv2.INTER_LINEAR)
    frame[:] = np.clip(frame * gain[..., None], 0, 255).astype(np.uint8)


def sky(frame: np.ndarray, horizon: int, rng: np.random.Generator) -> None:
    """Blue or overcast sky, lighter toward the horizon, with soft clouds."""
    h, w = frame.shape[:2]
    top_rows = max(horizon, 1)
    if rng.random() < 0.5:  # overcast: the common German sky in GTSDB-like footage
        top = np.array([rng.uniform(150, 215)] * 3) * [0.97, 0.99, 1.03]
        low = np.minimum(top + rng.uniform(10, 40), 255)
    else:
        top = np.array([rng.uniform(40, 110), rng.uniform(100, 160), rng.uniform(170, 235)])
        low = np.array([rng.uniform(170, 230), rng.uniform(190, 235), rng.uniform(215, 250)])
    t = np.linspace(0, 1, top_rows, dtype=np.float32)[:, None, None]
    gradient = top * (1 - t) + low * t
    clouds = noise_field(rng, top_rows, w, rng.uniform(0.1, 0.4) * w)[..., None]
    cover = rng.uniform(0, 0.8)
    white = np.array([235, 237, 240], np.float32)
    mix = np.clip((clouds - (1 - cover)) * 3, 0, 1)
    frame[:top_rows] = np.clip(gradient * (1 - mix) + white * mix, 0, 255).astype(np.uint8)[:h]


def ground(frame: np.ndarray, horizon: int, rng: np.random.Generator) -> None:
    """Verge below the horizon: grass, gravel or pavement, textured."""
    h, w = frame.shape[:2]
    palette = ([80, 110, 50], [110, 120, 70], [130, 128, 120], [150, 140, 115])
    base = jitter(palette[int(rng.integers(len(palette)))], rng, 0.2)
    rows = h - horizon
    if rows <= 0:
        return
    field = noise_field(rng, rows, w, max(rows / 6, 2.0))[..., None]
    frame[horizon:] = np.clip(np.asarray(base) * (0.7 + 0.6 * field), 0, 255).astype(np.uint8)


def far_band(frame: np.ndarray, horizon: int, rng: np.random.Generator) -> None:
    """Distant tree line or hills along the horizon: a ragged dark band."""
    h, w = frame.shape[:2]
    height = rng.uniform(0.01, 0.08) * h
    profile = noise_field(rng, 1, w, rng.uniform(0.02, 0.15) * w)[0]
    base = jitter([55, 75, 45] if rng.random() < 0.7 else [95, 100, 110], rng, 0.3)
    for x0 in range(0, w, 2):
        top = horizon - height * (0.3 + profile[x0])
        fill(frame, [(x0, top), (x0 + 2, top), (x0 + 2, horizon + 1), (x0, horizon + 1)], base)


def road(frame: np.ndarray, cam: Camera, half_width: float, offset: float,
         rng: np.random.Generator, markings: bool) -> None:
    """Asphalt between ``offset -/+ half_width`` (m), kerbs and sidewalks, lane markings."""
    ground_y, near, far = -cam.height, 1.0, 400.0

    def strip(x0: float, x1: float, z0: float, z1: float, color: tuple[int, ...]) -> None:
        fill(frame, [cam.project(x0, ground_y, z0), cam.project(x1, ground_y, z0),
                     cam.project(x1, ground_y, z1), cam.project(x0, ground_y, z1)], color)

    left, right = offset - half_width, offset + half_width
    walk = jitter([150, 148, 142], rng, 0.15)
    strip(left - rng.uniform(1.5, 4), left, near, far, walk)
    strip(right, right + rng.uniform(1.5, 4), near, far, walk)
    asphalt = jitter([rng.uniform(70, 125)] * 3, rng, 0.06)
    strip(left, right, near, far, asphalt)
    if not markings:
        return
    white = jitter([225, 225, 220], rng, 0.08)
    line = 0.12
    for edge in (left + 0.3, right - 0.3):
        if rng.random() < 0.7:
            strip(edge, edge + line, near, far, white)
    lanes = max(1, int(round(2 * half_width / 3.5)))
    period, dash = rng.uniform(9, 15), rng.uniform(3, 6)
    phase = rng.uniform(0, period)
    for k in range(1, lanes):
        x = left + k * 2 * half_width / lanes
        z = near + phase
        while z < 120:
            strip(x - line / 2, x + line / 2, z, z + dash, white)
            z += period


def facade_texture(rng: np.random.Generator, metres_wide: float, metres_high: float) -> np.ndarray:
    """A flat facade: wall colour with grime, storeys of windows, sometimes a shop front."""
    ppm = 12  # texture pixels per metre
    tw, th = max(8, int(metres_wide * ppm)), max(8, int(metres_high * ppm))
    walls = ([205, 195, 175], [180, 175, 170], [170, 95, 70], [225, 220, 205], [150, 150, 155],
             [200, 170, 120])
    wall = jitter(walls[int(rng.integers(len(walls)))], rng, 0.15)
    tex = np.empty((th, tw, 3), np.uint8)
    tex[:] = wall
    shade(tex, rng, 30, 0.25)
    glass = jitter([60, 70, 85] if rng.random() < 0.6 else [150, 170, 190], rng, 0.3)
    frame_col = jitter([235, 235, 230] if rng.random() < 0.6 else [90, 80, 70], rng, 0.1)
    storey, spacing = rng.uniform(2.8, 3.6), rng.uniform(2.2, 4.5)
    win_w, win_h = rng.uniform(0.8, 1.6), rng.uniform(1.2, 1.9)
    first = 0 if rng.random() < 0.6 else 1
    for level in range(first, int(metres_high / storey)):
        y_bottom = metres_high - level * storey - 0.9
        for col in range(int(metres_wide / spacing)):
            if rng.random() < 0.08:
                continue
            x0 = (col + 0.5) * spacing - win_w / 2
            box = np.array([x0, y_bottom - win_h, x0 + win_w, y_bottom]) * ppm
            pane = jitter(glass, rng, 0.2)
            cv2.rectangle(tex, (int(box[0]) - 1, int(box[1]) - 1), (int(box[2]) + 1, int(box[3]) + 1),
                          frame_col, -1)
            cv2.rectangle(tex, (int(box[0]), int(box[1])), (int(box[2]), int(box[3])), pane, -1)
    if first == 1:  # shop front: a wide window band and a fascia at street level
        y0 = int((metres_high - 3.2) * ppm)
        cv2.rectangle(tex, (0, y0), (tw, y0 + int(0.6 * ppm)), jitter(wall, rng, 0.4), -1)
        cv2.rectangle(tex, (int(0.5 * ppm), y0 + int(0.8 * ppm)), (tw - int(0.5 * ppm), th),
                      jitter(glass, rng, 0.2), -1)
    return tex


def plane(frame: np.ndarray, texture: np.ndarray, corners: list[tuple[float, float]]) -> None:
    """Warp ``texture`` onto the image quadrilateral ``corners`` (tl, tr, br, bl), in place."""
    th, tw = texture.shape[:2]
    src = np.float32([[0, 0], [tw, 0], [tw, th], [0, th]])
    dst = np.float32(corners)
    x0, y0 = np.floor(dst.min(axis=0)).astype(int)
    x1, y1 = np.ceil(dst.max(axis=0)).astype(int)
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    matrix = cv2.getPerspectiveTransform(src, dst - np.float32([x0, y0]))
    size = (x1 - x0, y1 - y0)
    warped = cv2.warpPerspective(texture, matrix, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((th, tw), 255, np.uint8), matrix, size, flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    region = frame[y0:y1, x0:x1]
    region[:] = (warped * alpha + region * (1 - alpha)).astype(np.uint8)


def building_row(frame: np.ndarray, cam: Camera, side_x: float, rng: np.random.Generator) -> None:
    """Facades along one side of the street (plane x = side_x), near to far, 1-4 buildings."""
    z = rng.uniform(1.5, 8)
    for _ in range(int(rng.integers(1, 5))):
        length = rng.uniform(8, 40)
        high = rng.uniform(6, 22)
        tex = facade_texture(rng, length, high)
        g = -cam.height
        near_top, far_top = cam.project(side_x, g + high, z), cam.project(side_x, g + high, z + length)
        near_bot, far_bot = cam.project(side_x, g, z), cam.project(side_x, g, z + length)
        if side_x < 0:  # texture left edge is the far end on the left side of the street
            plane(frame, tex, [far_top, near_top, near_bot, far_bot])
        else:
            plane(frame, tex, [near_top, far_top, far_bot, near_bot])
        z += length + (rng.uniform(0, 15) if rng.random() < 0.4 else 0)


def tree(frame: np.ndarray, cam: Camera, x: float, z: float, rng: np.random.Generator) -> None:
    """A trunk and a noisy crown of leaves (green, yellowing or dark)."""
    g = -cam.height
    trunk_h, crown = rng.uniform(1.5, 4), rng.uniform(1.5, 4)
    bark = jitter([75, 60, 45], rng, 0.3)
    w = rng.uniform(0.15, 0.4)
    fill(frame, [cam.project(x - w, g, z), cam.project(x + w, g, z),
                 cam.project(x + w, g + trunk_h + crown * 0.5, z),
                 cam.project(x - w, g + trunk_h + crown * 0.5, z)], bark)
    cx, cy = cam.project(x, g + trunk_h + crown, z)
    radius = cam.focal * crown / z
    if radius < 2:
        return
    size = int(2 * radius * 1.2) + 2
    yy, xx = np.ogrid[0:size, 0:size]
    dist = np.hypot(xx - size / 2, (yy - size / 2) * rng.uniform(0.8, 1.3)).astype(np.float32) / radius
    alpha = np.clip((1.0 - dist + 0.6 * (noise_field(rng, size, size, max(size / 6, 2.0)) - 0.5)) * 6,
                    0, 1)
    leaves = jitter([60, 95, 40] if rng.random() < 0.75 else [150, 135, 55], rng, 0.3)
    patch, holes = foliage(rng, size, size, leaves)
    paste(frame, patch, (alpha * holes)[..., None], int(cx - size / 2), int(cy - size / 2))


def foliage(rng: np.random.Generator, height: int, width: int,
            leaves: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Leaf texture (float RGB) with fine light/dark clumps, and a mask of gaps (1 = leaves)."""
    clumps = noise_field(rng, height, width, rng.uniform(4, 12))
    fine = rng.random((height, width), dtype=np.float32)
    light = 0.35 + 0.7 * clumps + 0.35 * (fine - 0.5)
    patch = np.asarray(leaves, np.float32) * light[..., None]
    holes = np.clip((clumps + 0.4 * fine - 0.25) * 5, 0, 1)
    return patch, holes


def foliage_row(frame: np.ndarray, cam: Camera, side_x: float, rng: np.random.Generator) -> None:
    """A hedge or wood along one side of the street: a leafy plane from near to far."""
    high, z0, length = rng.uniform(2, 15), rng.uniform(1.5, 6), rng.uniform(40, 200)
    tw, th = 512, max(16, int(512 * high / length * 4))
    leaves = jitter([55, 85, 40] if rng.random() < 0.75 else [130, 120, 60], rng, 0.3)
    patch, holes = foliage(rng, th, tw, leaves)
    # gaps between clumps show shadowed leaves behind
    tex = np.clip(patch * (0.35 + 0.65 * holes[..., None]), 0, 255).astype(np.uint8)
    g = -cam.height
    near_top, far_top = cam.project(side_x, g + high, z0), cam.project(side_x, g + high, z0 + length)
    near_bot, far_bot = cam.project(side_x, g, z0), cam.project(side_x, g, z0 + length)
    if side_x < 0:
        plane(frame, tex, [far_top, near_top, near_bot, far_bot])
    else:
        plane(frame, tex, [near_top, far_top, far_bot, near_bot])


def paste(frame: np.ndarray, patch: np.ndarray, alpha: np.ndarray, x0: int, y0: int) -> None:
    """Alpha-composite a float patch at (x0, y0), clipped to the frame, in place."""
    h, w = frame.shape[:2]
    ph, pw = patch.shape[:2]
    a0, b0 = max(0, -y0), max(0, -x0)
    a1, b1 = min(ph, h - y0), min(pw, w - x0)
    if a1 <= a0 or b1 <= b0:
        return
    region = frame[y0 + a0:y0 + a1, x0 + b0:x0 + b1]
    al = alpha[a0:a1, b0:b1]
    region[:] = np.clip(patch[a0:a1, b0:b1] * al + region * (1 - al), 0, 255).astype(np.uint8)


def car(frame: np.ndarray, cam: Camera, x: float, z: float, rng: np.random.Generator) -> None:
    """A car seen from behind: body, rear window, red tail lights, number plate, tyres."""
    g = -cam.height
    width, height = rng.uniform(1.6, 2.0), rng.uniform(1.3, 1.9)
    bodies = ([200, 200, 205], [30, 30, 35], [120, 125, 130], [150, 30, 30], [40, 60, 120],
              [230, 230, 225])
    body = jitter(bodies[int(rng.integers(len(bodies)))], rng, 0.15)

    def box(x0: float, y0: float, x1: float, y1: float, color: tuple[int, ...]) -> None:
        fill(frame, [cam.project(x + x0, g + y0, z), cam.project(x + x1, g + y0, z),
                     cam.project(x + x1, g + y1, z), cam.project(x + x0, g + y1, z)], color)

    half = width / 2
    box(-half + 0.1, 0, -half + 0.4, 0.35, (20, 20, 20))
    box(half - 0.4, 0, half - 0.1, 0.35, (20, 20, 20))
    box(-half, 0.2, half, height * 0.6, body)
    box(-half + 0.15, height * 0.6, half - 0.15, height, jitter(body, rng, 0.1))
    box(-half + 0.25, height * 0.63, half - 0.25, height * 0.95, jitter([40, 45, 55], rng, 0.3))
    light = jitter([200, 25, 25], rng, 0.2)
    box(-half + 0.05, height * 0.42, -half + 0.35, height * 0.55, light)
    box(half - 0.35, height * 0.42, half - 0.05, height * 0.55, light)
    box(-0.26, 0.3, 0.26, 0.42, (235, 235, 230))


def post(frame: np.ndarray, cam: Camera, x: float, z: float, rng: np.random.Generator) -> None:
    """A grey post: a lamp post, or a traffic light with one lit lamp, or a bare sign post."""
    g = -cam.height
    top = rng.uniform(2.5, 7)
    w = rng.uniform(0.04, 0.1)
    grey = jitter([120, 122, 125], rng, 0.25)
    fill(frame, [cam.project(x - w, g, z), cam.project(x + w, g, z),
                 cam.project(x + w, g + top, z), cam.project(x - w, g + top, z)], grey)
    if rng.random() < 0.4:  # traffic light housing with three lamps
        hw, hh = 0.2, 0.9
        fill(frame, [cam.project(x - hw, g + top - hh, z), cam.project(x + hw, g + top - hh, z),
                     cam.project(x + hw, g + top, z), cam.project(x - hw, g + top, z)], (25, 25, 25))
        lit = int(rng.integers(3))
        for k, colour in enumerate(((230, 40, 30), (240, 170, 30), (60, 220, 120))):
            px, py = cam.project(x, g + top - hh * (k + 0.5) / 3, z)
            r = max(cam.focal * 0.1 / z, 0.5)
            cv2.circle(frame, (int(px * 16), int(py * 16)), int(r * 16),
                       colour if k == lit else (50, 50, 45), -1, _LINE, _SHIFT)
