"""Light on mesh surfaces: Lambert diffuse with a translucent wrap, Blinn-Phong highlights.

The scene's directional light (azimuth, elevation, intensity; its shadows come from shadow
rays) is the key light; without one, a fixed light from above the camera's left shoulder keeps
meshes readable. Ambient gain and colour temperature are applied to the whole frame afterwards,
as for flat scenes, so meshes and background share them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from renderer.mesh.vec import dot, unit

SKY = 0.35  # light reaching surfaces from the whole sky (fraction of white)
DEFAULT_KEY = {"azimuth": 135.0, "elevation": 60.0, "intensity": 0.5}


def key_light(lighting: dict[str, Any]) -> tuple[np.ndarray, float, bool]:
    """(unit world direction towards the light, strength, casts shadows) of a lighting record."""
    light = lighting.get("directional")
    casts = light is not None
    light = light or DEFAULT_KEY
    az, el = np.radians(light["azimuth"]), np.radians(light["elevation"])
    direction = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    return direction, 0.5 + float(light["intensity"]), casts


def shade(base: np.ndarray, normals: np.ndarray, view: np.ndarray, light: np.ndarray,
          strength: float, lit: np.ndarray, material: dict[str, Any]) -> np.ndarray:
    """(n, 3) uint8 colour of surface points.

    Args:
        base: (n, 3) float32 surface colour 0-1.
        normals: (n, 3) unit normals; ``view`` (n, 3) unit directions towards the camera;
            ``light`` (3,) unit direction towards the light; all in one frame.
        strength: key light strength (1 = white at normal incidence).
        lit: (n,) fraction of the key light reaching each point (1 = not in shadow).
        material: roughness (0 mirror-like .. 1 matte), specular (0-1), translucency (0-1).
    """
    n_dot_l = normals @ light.astype(np.float32)
    tau = np.float32(material["translucency"])
    # translucent bodies pass light around their shadowed side (wrap lighting)
    diffuse = (1 - tau) * np.maximum(n_dot_l, 0) + tau * (0.5 + 0.5 * n_dot_l)
    half = view + light.astype(np.float32)
    unit(half)
    rough = max(float(material["roughness"]), 0.02)
    shininess = np.float32(min(2.0 / rough**4 - 2.0, 4000.0) + 1.0)
    n_dot_h = np.clip(dot(normals, half), 1e-6, 1)
    # n.h ** shininess as exp(shininess * log(n.h)): one transcendental pair instead of pow
    spec = np.exp(shininess * np.log(n_dot_h)) * np.float32(
        material["specular"] * (shininess + 8) / (8 * np.pi))
    spec = np.minimum(spec * (n_dot_l > 0), np.float32(4.0))
    key = np.float32(strength) * lit
    rgb = base * (np.float32(SKY) + (key * diffuse)[:, None]) + (key * spec)[:, None]
    return np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)
