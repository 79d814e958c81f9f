"""Long runs: resident memory stays flat over 100,000 renders in one process.

The renders run in a fresh interpreter (``tools/memory_curve.py``, as a render worker: one OpenCV
thread, the workers' malloc settings), so nothing the other tests allocated moves the curve. RSS
is read from /proc; no timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from core_helpers import REPO_ROOT

RENDERS = 100_000
WARMUP = 2_000
# Measured: +0.24 MiB from render 2,000 to 100,000 (caches filling, allocator noise). A leak of
# 43 bytes per render would add 4 MiB over the 98,000 renders after warm-up: the bound catches
# any per-render leak of a Python object or small array while leaving 16x margin over the noise.
MAX_GROWTH_MIB = 4.0
TINY_SCENE = """\
canvas: {width: 16, height: 16}
background: {kind: solid}
objects:
  - asset: {kind: shape}
    count: [0, 1]
    pose: {scale: [0.3, 0.6]}
effects:
  - {kind: gaussian_noise, sigma: [1, 3]}
output: {image_format: png}
"""


@pytest.mark.heavy
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="RSS is read from Linux /proc")
def test_memory_stays_flat_over_100000_renders(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY_SCENE, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "memory_curve.py"), str(spec), "-n",
         str(RENDERS), "--points", "10", "--warmup", str(WARMUP), "--encode", "--json"],
        capture_output=True, text=True, timeout=900, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    curve = result["curve"]
    assert [p["renders"] for p in curve] == [0, WARMUP, *range(RENDERS // 10, RENDERS + 1,
                                                               RENDERS // 10)]
    assert result["growth_after_warmup_mib"] < MAX_GROWTH_MIB, curve
    assert result["peak_after_warmup_mib"] < MAX_GROWTH_MIB, curve
