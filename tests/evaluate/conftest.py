"""Fixtures of the evaluation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from renderer.evaluate.engine import thread_limit


@pytest.fixture(autouse=True, scope="module")
def _single_threaded() -> Iterator[None]:
    """Run torch and BLAS on one thread in each test module (restored after it).

    Their threads spin while they wait: on a busy two-core machine the small problems of these
    tests then take several times longer (and burn several times the CPU) than on one thread.
    The library itself leaves thread counts to the caller (``EvalConfig.threads``).
    """
    with thread_limit(1):
        yield
