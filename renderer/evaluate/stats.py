"""Low-level image statistics compared between the sides, with the spec parameter that moves each.

Per-image measures come from :mod:`renderer.evaluate.image_stats`; each is compared by
:mod:`renderer.evaluate.compare` (means, Wasserstein-1, KS, effect size) and worded as a hint, e.g.
"synthetic is brighter than real by 23.1 (mean luma, 0-255; effect size +0.85): lower
lighting.ambient (or effects[exposure].brightness)". Label statistics (boxes, classes) are in
:mod:`renderer.evaluate.label_stats`.
"""

from __future__ import annotations

import numpy as np

from renderer.evaluate.compare import Hint, compare_table
from renderer.evaluate.image_stats import IMAGE_STATS, measure_images

IMAGE_HINTS: dict[str, Hint] = {
    "brightness": Hint("brighter", "darker",
                       "lower lighting.ambient (or effects[exposure].brightness)",
                       "raise lighting.ambient (or effects[exposure].brightness)",
                       "narrow lighting.ambient (or effects[exposure].brightness)",
                       "widen lighting.ambient (or effects[exposure].brightness)"),
    "contrast": Hint("more contrasted", "flatter",
                     "lower effects[exposure].contrast (or narrow material.value_scale)",
                     "raise effects[exposure].contrast (or widen material.value_scale)",
                     "narrow effects[exposure].contrast (or material.value_scale)",
                     "widen effects[exposure].contrast (or material.value_scale)"),
    "saturation": Hint("more saturated", "less saturated",
                       "lower material.saturation_scale (or material.color.saturation)",
                       "raise material.saturation_scale (or material.color.saturation)",
                       "narrow material.saturation_scale (or lighting.temperature; colour noise "
                       "on dark pixels adds saturation too)",
                       "widen material.saturation_scale (or material.color.saturation)"),
    "temperature": Hint("warmer (redder)", "cooler (bluer)",
                        "raise lighting.temperature (Kelvin; higher is bluer)",
                        "lower lighting.temperature (Kelvin; lower is warmer)",
                        "narrow lighting.temperature (or material.hue_shift)",
                        "widen lighting.temperature"),
    "sharpness": Hint("sharper", "blurrier",
                      "add or raise effects[blur].sigma (or effects[downscale])",
                      "lower effects[blur].sigma / effects[motion_blur].length",
                      "narrow effects[blur].sigma (or raise its p)",
                      "widen effects[blur].sigma (or lower its p)"),
    "noise": Hint("noisier", "cleaner",
                  "lower effects[gaussian_noise].sigma (or raise effects[shot_noise].photons)",
                  "add or raise effects[gaussian_noise].sigma",
                  "narrow effects[gaussian_noise].sigma",
                  "widen effects[gaussian_noise].sigma"),
    "spectrum_slope": Hint("richer in fine detail (flatter spectrum)",
                           "smoother (spectrum falls off faster)",
                           "raise effects[blur].sigma or lower effects[gaussian_noise].sigma",
                           "lower effects[blur].sigma or add texture (background.kind, "
                           "material.texture)",
                           "narrow effects[blur].sigma (or use fewer background kinds)",
                           "widen effects[blur].sigma (or mix more background kinds)"),
    "edge_density": Hint("busier (more edges)", "plainer (fewer edges)",
                         "use a plainer background or lower objects[].count",
                         "add background texture or clutter (background.kind, objects[].count)",
                         "use fewer background kinds (or narrow objects[].count)",
                         "mix more background kinds (or widen objects[].count)"),
    "blockiness": Hint("blockier (more JPEG artefacts)", "less blocky",
                       "raise effects[jpeg].quality (or output.jpeg_quality)",
                       "add effects[jpeg] or lower effects[jpeg].quality",
                       "narrow effects[jpeg].quality (or raise its p)",
                       "widen effects[jpeg].quality (or lower its p)"),
}


def image_statistics(synthetic: list[np.ndarray], real: list[np.ndarray]) -> dict[str, object]:
    """Measure every image of both sides and compare the distributions.

    Args:
        synthetic: HxWxC uint8 images of the synthetic set.
        real: HxWxC uint8 images of the real set.

    Returns:
        ``{"table": [one row per statistic, clear differences first], "per_image": {"synthetic":
        {name: values}, "real": {name: values}}}``.
    """
    values_s = measure_images(synthetic)
    values_r = measure_images(real)
    hints = {name: (IMAGE_HINTS[name], unit) for name, (_, unit) in IMAGE_STATS.items()}
    return {"table": compare_table(values_s, values_r, hints),
            "per_image": {"synthetic": values_s, "real": values_r}}
