"""What every task gap shares: the seeded real split, bootstrap intervals, class maps and matching.

Class map (``synth eval --class-map FILE``): YAML read as plain strings (``00`` stays ``"00"``),
applied to both sides before classes are matched by name. Either ``name: category`` lines, or
``category: [name, ...]`` lists; ``name: ""`` drops a class. Names not listed keep their own name.
Example (43 GTSRB sign classes into a few categories)::

    prohibitory: ["00", "01", "02", "03", "04", "05", "07", "08", "09", "10", "15", "16"]
    danger: ["11", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30"]
    "14": stop
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from renderer.errors import UsageError
from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.result import Result, percentile_interval

DROP = ""


def image_split(n: int, test_fraction: float, *,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint sorted (train, test) index arrays over ``range(n)``: a seeded random
    ``test_fraction`` of the images (at least one each side when n >= 2) is the test split."""
    order = rng.permutation(n)
    n_test = int(round(test_fraction * n))
    if n >= 2:
        n_test = min(max(n_test, 1), n - 1)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def bootstrapped(value: float | None, boots: np.ndarray, confidence: float, n_a: int, n_b: int,
                 **extra: object) -> Result:
    """A :class:`Result` with the percentile interval of ``boots`` (None value -> NaN)."""
    low, high = percentile_interval(boots, confidence)
    return Result(np.nan if value is None else float(value), low, high, n_a, n_b, dict(extra))


def load_class_map(path: Path) -> dict[str, str]:
    """Read a class-map file as ``{name: category}`` (category ``""``: drop the class).

    Raises:
        UsageError: unreadable file or not a mapping of names (one line naming the file).
    """
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"--class-map {path}: cannot read: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict) or not data:
        raise UsageError(f"--class-map {path}: expected a YAML mapping of class names to "
                         "categories (name: category, or category: [name, ...])")
    mapping: dict[str, str] = {}
    for key, value in data.items():
        names, category = ((value, key) if isinstance(value, list) else ([key], value))
        if not isinstance(category, str) or not all(isinstance(n, str) for n in names):
            raise UsageError(f"--class-map {path}: entry {key!r}: expected a name or a list of "
                             "names")
        for name in names:
            if name in mapping:
                raise UsageError(f"--class-map {path}: class {name!r} is mapped twice")
            mapping[name] = DROP if category in ("~", "null") else category
    return mapping


def check_class_map(mapping: dict[str, str], *name_lists: Sequence[str] | None) -> None:
    """Raise UsageError listing the class-map names that match no class of either side."""
    known = {name for names in name_lists if names for name in names}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise UsageError(f"--class-map: {len(unknown)} name(s) match no class of either set: "
                         f"{', '.join(unknown)} (classes: {', '.join(sorted(known)) or 'none'})")


def apply_class_map(evalset: EvalSet, mapping: dict[str, str]) -> EvalSet:
    """``evalset`` with its classes renamed / merged / dropped by ``mapping`` (labels and boxes
    remapped; dropped classes lose their boxes and become unlabelled)."""
    if evalset.class_names is None or not mapping:
        return evalset
    new_names: list[str] = []
    for name in evalset.class_names:
        target = mapping.get(name, name)
        if target != DROP and target not in new_names:
            new_names.append(target)
    index = np.array([new_names.index(mapping.get(n, n)) if mapping.get(n, n) != DROP else -1
                      for n in evalset.class_names] + [-1], np.int64)  # index[-1]: label -1
    labels = None if evalset.labels is None else index[evalset.labels]
    objects = None
    if evalset.objects is not None:
        objects = []
        for obj in evalset.objects:
            classes = index[np.asarray(obj["classes"], np.int64)]
            keep = classes >= 0
            vis = obj.get("visibility")
            objects.append({"boxes": np.asarray(obj["boxes"]).reshape(-1, 4)[keep],
                            "classes": classes[keep],
                            "visibility": None if vis is None else np.asarray(vis)[keep]})
    return EvalSet(evalset.images, labels, tuple(new_names), objects, evalset.names,
                   evalset.meta, evalset.skipped)


def match_by_name(synthetic: Sequence[str], real: Sequence[str]) -> np.ndarray:
    """Index of each synthetic class among the real classes.

    Raises:
        UsageError: synthetic class names with no real class of that name (listed).
    """
    index = {name: k for k, name in enumerate(real)}
    unmatched = [name for name in synthetic if name not in index]
    if unmatched:
        raise UsageError(
            f"{len(unmatched)} synthetic class(es) match no real class by name: "
            f"{', '.join(unmatched[:20])}{' ...' if len(unmatched) > 20 else ''} (real classes: "
            f"{', '.join(list(real)[:20])}{' ...' if len(real) > 20 else ''}); rename, merge or "
            "drop them with --class-map FILE")
    return np.array([index[name] for name in synthetic] or [-1], np.int64)
