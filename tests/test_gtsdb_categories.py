"""scenes/gtsdb-categories.yaml: GTSDB's four categories over the 43 sign classes of builtin:signs."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
# The benchmark's ReadMe.txt tags each class id with its category.
EXPECTED = {"prohibitory": [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 15, 16], "mandatory": list(range(33, 41)),
            "danger": [11, *range(18, 32)], "other": [6, 12, 13, 14, 17, 32, 41, 42]}


def test_every_sign_class_is_in_exactly_its_gtsdb_category() -> None:
    data = yaml.load((REPO_ROOT / "scenes" / "gtsdb-categories.yaml").read_text(),
                     Loader=yaml.BaseLoader)  # names stay strings: "00", not 0
    assert {c: sorted(int(n) for n in names) for c, names in data.items()} == EXPECTED
    sign_classes = {p.name for p in (REPO_ROOT / "assets" / "signs").iterdir() if p.is_dir()}
    assert sorted(n for names in data.values() for n in names) == sorted(sign_classes)
