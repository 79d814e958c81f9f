"""Helpers shared by the scale-out and resume tests: small specs and the CLI (digests: core_helpers)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Small and fast; cutouts bring keypoints (coins) and several classes into the labels.
DETECTION_SPEC = """\
version: 1
canvas: {width: 96, height: 72}
background: {kind: noise, scale: [8, 24]}
objects:
  - name: shapes
    asset: {kind: shape}
    count: [1, 3]
    pose: {scale: [0.2, 0.4], rotation: [-90, 90]}
  - name: coins
    asset: {kind: cutout, dir: builtin:cutouts}
    count: [0, 2]
    pose: {scale: [0.25, 0.45]}
effects:
  - {kind: gaussian_noise, sigma: [2, 5]}
output: {image_format: jpg}
"""

CLASSIFICATION_SPEC = """\
version: 1
task: classification
canvas: {width: 32, height: 32, mode: gray}
background: {kind: noise}
objects:
  - name: digits
    asset: {kind: glyph, text: ["0", "1", "2"]}
    count: 1
    pose: {scale: [0.5, 0.7]}
output: {image_format: png}
"""

def write_spec(folder: Path, name: str, text: str) -> Path:
    """Write a spec file and return its path."""
    path = folder / name
    path.write_text(text)
    return path


def synth(*args: str | Path, env: dict[str, str] | None = None,
          check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the ``synth`` CLI of this checkout in a subprocess."""
    proc = subprocess.run([sys.executable, "-m", "renderer.cli", *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"synth {' '.join(map(str, args))} failed:\n{proc.stderr}")
    return proc
