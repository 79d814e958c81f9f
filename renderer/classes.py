"""The class table of a spec: class names in a stable order, and keypoint names per class."""

from __future__ import annotations

from dataclasses import dataclass

from renderer.assets import ASSETS
from renderer.spec.scene import SceneSpec


@dataclass(frozen=True)
class ClassTable:
    """Class names (index = category id - 1 in COCO, = class index elsewhere) and keypoints."""

    names: tuple[str, ...]
    keypoint_names: dict[str, tuple[str, ...]]

    def index(self, name: str) -> int:
        """0-based index of class ``name``."""
        return self.names.index(name)


def class_table(spec: SceneSpec) -> ClassTable:
    """Classes of every labeled layer in declaration order (checks that the assets exist).

    Classes whose names are all digits sort numerically first when every class is numeric, so
    ``0``..``9`` and GTSRB ids ``00``..``42`` get the index equal to their number. The table is
    cached on the spec: every rendered sample needs it, and building it reads asset folders.
    """
    if spec._class_table is None:
        spec._class_table = _build_class_table(spec)
    return spec._class_table


def _build_class_table(spec: SceneSpec) -> ClassTable:
    names: list[str] = []
    keypoints: dict[str, tuple[str, ...]] = {}
    for layer in spec.objects:
        if not layer.labeled:
            continue
        info = ASSETS.get(layer.asset.kind).describe(layer.asset, spec.context)
        layer_classes = [layer.class_name] if layer.class_name else list(info.classes)
        for name in layer_classes:
            if name not in names:
                names.append(name)
            kp = info.keypoint_names.get(name, ()) if not layer.class_name else ()
            if len(kp) > len(keypoints.get(name, ())):
                keypoints[name] = kp
    if names and all(n.isdigit() for n in names):
        names.sort(key=lambda n: (int(n), n))
    return ClassTable(tuple(names), {n: keypoints.get(n, ()) for n in names})
