"""Build hook: ship the top-level ``assets/`` folder inside the wheel as ``renderer/_assets``.

Metadata lives in pyproject.toml; this file only adds the copy step. Editable installs read the
source tree's ``assets/`` directly (see ``renderer.scene_context.builtin_root``).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithAssets(build_py):
    """``build_py`` that also copies the bundled assets into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "renderer" / "_assets"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(Path(__file__).parent / "assets", target)


setup(cmdclass={"build_py": BuildPyWithAssets})
