"""Fixtures of the evaluation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _single_threaded_blas() -> Iterator[None]:
    """Run BLAS on one thread in these tests.

    OpenBLAS threads spin while they wait: on a busy two-core machine the small matrix problems
    of these tests then take several times longer (and burn several times the CPU) than on one
    thread. The library itself leaves thread counts to the caller.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield
