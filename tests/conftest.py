"""Shared fixtures: the global-RNG guard (autouse), tiny specs, and the optional shared data.

Warnings are errors for the whole suite (``filterwarnings`` in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from core_helpers import (
    CLASSIFICATION_DATA,
    DETECTION_DATA,
    MIXED_DATA,
    SHARED_DATA,
    changed_rng_states,
    global_rng_state,
    make_spec,
)

from renderer.spec.scene import SceneSpec


@pytest.fixture(autouse=True)
def _guard_global_rng() -> Iterator[None]:
    """Fail any test that leaves Python's, numpy's or torch's global RNG in another state.

    The renderer draws only from explicit ``numpy.random.Generator`` objects: touching a global
    generator would make images depend on what ran before them in the process.
    """
    before = global_rng_state()
    yield
    changed = changed_rng_states(before, global_rng_state())
    if changed:
        pytest.fail(f"the test changed the global RNG state of: {', '.join(changed)}",
                    pytrace=False)


@pytest.fixture(scope="session")
def tiny_spec() -> SceneSpec:
    """96x64 detection scene: 1-3 labeled shapes, 0-1 unlabeled occluder, lighting, noise."""
    return make_spec(DETECTION_DATA)


@pytest.fixture(scope="session")
def mixed_spec() -> SceneSpec:
    """96x64 detection scene with cutouts (keypoints), shapes and glyphs; PNG output."""
    return make_spec(MIXED_DATA)


@pytest.fixture(scope="session")
def classification_spec() -> SceneSpec:
    """32x32 gray classification scene of the digits 0, 1, 2; PNG output."""
    return make_spec(CLASSIFICATION_DATA)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The project's shared real data (``../shared/data``), absent from a user's clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent (only development checkouts "
                    "have it)")
    return SHARED_DATA
