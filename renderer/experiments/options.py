"""Experiments from command-line style inputs: a spec *or* an experiment file, plus overrides.

``synth ablate`` and ``synth tune`` take either a scene spec (everything else from flags) or an
experiment file (flags override its fields). An experiment file is a mapping with a ``spec:``
path and no ``objects:``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from renderer.experiments.config import (
    TASK_PATHS,
    Experiment,
    load_experiment,
    parse_experiment,
)
from renderer.spec.load import SpecError, read_yaml


def is_experiment_file(path: Path) -> bool:
    """Whether ``path`` is an experiment file rather than a scene spec."""
    data = read_yaml(path)
    return isinstance(data, dict) and isinstance(data.get("spec"), str) and "objects" not in data


def parse_assignments(items: list[str], what: str) -> dict[str, Any]:
    """``["kid_subsets=50", "task=null"]`` -> ``{"kid_subsets": 50, "task": None}`` (YAML)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(what, [f"{item!r}: expected NAME=VALUE"])
        try:
            out[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise SpecError(what, [f"{item!r}: value is not valid YAML"]) from None
    return out


def parse_bounds(items: list[str]) -> dict[str, tuple[float, float]]:
    """``["lighting.ambient=0.2:2.0"]`` -> ``{"lighting.ambient": (0.2, 2.0)}``."""
    out = {}
    for item in items:
        path, sep, raw = item.partition("=")
        low, colon, high = raw.partition(":")
        try:
            if not sep or not colon:
                raise ValueError
            out[path.strip()] = (float(low), float(high))
        except ValueError:
            raise SpecError("--search", [f"{item!r}: expected PATH=LOW:HIGH"]) from None
    return out


def build_experiment(source: Path, changes: dict[str, Any]) -> Experiment:
    """The experiment of ``source`` (spec or experiment file) with ``changes`` applied.

    ``changes`` holds experiment fields (None values are ignored); ``evaluation``, ``search``,
    ``confirm`` and ``task`` are merged into the file's rather than replacing them (a new task ``kind``
    starts from no options).
    """
    changes = {k: v for k, v in changes.items() if v is not None}
    if "real" in changes:  # a path given on the command line is relative to the working folder
        changes["real"] = str(Path(changes["real"]).resolve())
    if "task" in changes:  # so are the task's file options
        changes["task"] = {k: str(Path(v).resolve()) if k in TASK_PATHS and isinstance(v, str)
                           else v for k, v in changes["task"].items()}
    if is_experiment_file(source):
        base = load_experiment(source)
        for merged in ("evaluation", "search", "confirm"):
            if merged in changes:
                before = getattr(base, merged)
                before = before.model_dump() if hasattr(before, "model_dump") else before or {}
                changes[merged] = {**before, **changes[merged]}
        task = changes.get("task")
        if task is not None and base.task is not None and task.get("kind", base.task["kind"]) \
                == base.task["kind"]:
            changes["task"] = {**base.task, **task}
        data = {**base.model_dump(), **changes}
        return parse_experiment(data, source.resolve().parent, str(source))
    return parse_experiment({"spec": str(source.resolve()), **changes}, Path.cwd(), str(source))
