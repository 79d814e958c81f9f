"""Native resolution: draw a frame at another size, then resize it to the canvas as real crops were.

Many real sets were made by cutting camera frames of every size down (or up) to one size. GTSRB's
32 px copies came from ``cv2.resize`` with its default bilinear filter, which does not low-pass
before shrinking: a sign photographed 200 px wide keeps hard, aliased edges and turns foliage
behind it into coloured speckle, while one 30 px wide is only softened. A frame drawn at the
canvas size, with anti-aliased pasting, never shows the first look.

With ``canvas.native``, each image is, with probability ``p``, drawn ``scale`` times the canvas
side (background, objects, lighting and the ``effects``, whose pixel sizes are then native
pixels, as a camera's are) and resized to the canvas with ``interpolation``; otherwise it is drawn
at the canvas size as before. Labels (boxes, masks, keypoints, camera intrinsics) follow the
resize. Scenes without ``native`` draw nothing more and keep their bytes. Pixel-valued ranges
chosen for canvas-size frames act less on a larger native frame (a 1 px blur drawn at 4x is a
quarter pixel on the canvas), so revisit them when most frames are drawn native.

YAML::

    canvas:
      width: 32
      height: 32
      # 15% of the signs photographed 80-220 px wide, shrunk like GTSRB's copies
      native: {p: 0.15, scale: [2.5, 7], interpolation: linear}
"""

from __future__ import annotations

from pydantic import Field

from renderer.filters import RESIZE_FILTERS
from renderer.spec.base import SpecModel
from renderer.spec.params import FloatParam, NamesParam


class NativeResolution(SpecModel):
    """How often (``p``) and at what multiple of the canvas side (``scale``, 1/8-16) a frame is
    drawn before it is resized to the canvas with ``interpolation`` (a name or a weighted choice
    of ``linear``, ``area``, ``nearest``, ``cubic``: OpenCV's filters; only ``area`` low-passes
    when shrinking)."""

    p: float = Field(1.0, ge=0, le=1, description="probability that a frame is drawn at native size")
    scale: FloatParam(ge=0.125, le=16) = [1, 4]
    interpolation: NamesParam(tuple(RESIZE_FILTERS)) = "linear"
