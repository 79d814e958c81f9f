"""Imports cost what is used: the CLI's help and the light packages stay free of heavy libraries."""

from __future__ import annotations

import json

import pytest
from core_helpers import run_python

HEAVY = ("torch", "torchvision", "matplotlib", "scipy", "sklearn")


def loaded_after(code: str) -> set[str]:
    """Top-level packages present in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    return set(json.loads(run_python(probe).stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["renderer.evaluate", "renderer.evaluate.evalset",
                                    "renderer.datasets"])
def test_light_packages_load_no_heavy_library(module: str) -> None:
    assert not loaded_after(f"import {module}") & set(HEAVY)


def test_cli_help_loads_neither_numpy_nor_the_spec_models() -> None:
    code = ("import contextlib, io\nfrom renderer.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['--help'])")
    assert not loaded_after(code) & {"numpy", "cv2", "pydantic", "yaml", *HEAVY}


def test_lazy_names_resolve_and_are_listed() -> None:
    import renderer
    import renderer.evaluate

    for package in (renderer, renderer.evaluate):
        assert set(package.__all__) <= set(dir(package))
        with pytest.raises(AttributeError, match="no_such_name"):
            _ = package.no_such_name
    from renderer.evaluate import EvalSet
    from renderer.evaluate.evalset import EvalSet as Defined

    assert EvalSet is Defined
