"""Loading specs from YAML, applying ``--set`` overrides, and turning errors into one-liners.

YAML is read with ``yaml.safe_load`` only: a spec can never name code to run or objects to build.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from renderer.scene_context import SceneContext
from renderer.spec.scene import SceneSpec

MAX_SPEC_BYTES = 4_000_000
MAX_DEPTH = 32


class SpecError(ValueError):
    """A spec is invalid. ``problems`` holds one ``field.path: message`` line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


POSE_TAGS = ("flat", "mesh")


def format_location(loc: tuple[Any, ...], data: Any) -> str:
    """``('objects', 1, 'pose', 'scale')`` -> ``objects[1].pose.scale``.

    Tagged-union steps (the ``kind`` value pydantic inserts) are dropped: users never wrote them.
    """
    out = ""
    node = data
    tagged = None  # the mapping whose tag was dropped: a key named like its kind is a real key
    previous = None
    for step in loc:
        if previous == "pose" and step in POSE_TAGS:
            previous = None
            continue  # which pose model (flat or mesh) the layer's asset selected
        previous = step
        if isinstance(step, int):
            out += f"[{step}]"
            node = node[step] if isinstance(node, list) and -len(node) <= step < len(node) else None
            continue
        if isinstance(node, dict) and node is not tagged and node.get("kind") == step:
            tagged = node
            continue  # discriminator tag
        out += f".{step}" if out else str(step)
        node = node.get(step) if isinstance(node, dict) else None
    return out or "(root)"


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def validate_spec(data: Any, source: str = "spec", ctx: SceneContext | None = None) -> SceneSpec:
    """Validate plain data into a ``SceneSpec``; raises ``SpecError`` listing every problem."""
    if not isinstance(data, dict):
        raise SpecError(source, [f"(root): expected a mapping of spec fields, got {type(data).__name__}"])
    if _depth(data) > MAX_DEPTH:
        raise SpecError(source, [f"(root): nesting deeper than {MAX_DEPTH} levels"])
    try:
        spec = SceneSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            problems.append(f"{format_location(err['loc'], data)}: {msg}")
        raise SpecError(source, problems) from None
    return spec.with_context(ctx or SceneContext())


def read_yaml(path: Path) -> Any:
    """Parse a YAML file safely; raises ``SpecError`` on unreadable or malformed files."""
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise SpecError(str(path), [f"(file): {size} bytes exceeds the {MAX_SPEC_BYTES}-byte limit"])
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(str(path), [f"(file): cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise SpecError(str(path), ["(file): not UTF-8 text"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(str(path), [f"(yaml): {where}{problem}"]) from None
    except RecursionError:
        raise SpecError(str(path), ["(yaml): nesting too deep"]) from None


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """``a.b[2].c=VALUE`` -> (path, value); VALUE is parsed as YAML (``[0.1, 0.3]``, ``true``...)."""
    if "=" not in text:
        raise SpecError("--set", [f"{text!r}: expected path.to.field=value"])
    key, raw = text.split("=", 1)
    path: list[str | int] = []
    for part in key.strip().split("."):
        name, *indices = part.replace("]", "").split("[")
        if not name and not indices:
            raise SpecError("--set", [f"{text!r}: empty field name"])
        if name:
            path.append(name)
        try:
            path.extend(int(i) for i in indices)
        except ValueError:
            raise SpecError("--set", [f"{text!r}: list index must be an integer"]) from None
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        raise SpecError("--set", [f"{text!r}: value is not valid YAML"]) from None
    return path, value


def apply_override(data: Any, path: list[str | int], value: Any, text: str) -> None:
    """Set ``value`` at ``path`` inside nested dicts/lists (creating missing mappings)."""
    node = data
    for step, nxt in itertools.pairwise(path):
        if isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                raise SpecError("--set", [f"{text!r}: no list element [{step}]"])
            node = node[step]
        else:
            if not isinstance(node, dict):
                raise SpecError("--set", [f"{text!r}: {step!r} is not inside a mapping"])
            node = node.setdefault(step, [] if isinstance(nxt, int) else {})
    last = path[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or not -len(node) <= last < len(node):
            raise SpecError("--set", [f"{text!r}: no list element [{last}]"])
        node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise SpecError("--set", [f"{text!r}: {last!r} is not inside a mapping"])


def load_spec(path: str | Path, overrides: list[str] | tuple[str, ...] = (),
              ctx: SceneContext | None = None) -> SceneSpec:
    """Load, override and validate a spec file; relative asset paths start at its folder.

    Example::

        spec = load_spec("scenes/quickstart.yaml", ["canvas.width=320", "objects[0].count=[1, 3]"])
    """
    path = Path(path)
    data = read_yaml(path)
    for text in overrides:
        if not isinstance(data, dict):
            break
        apply_override(data, *parse_override(text), text)
    # the caller's context, with paths now relative to the spec's own folder
    context = replace(ctx or SceneContext(), base_dir=path.resolve().parent)
    return validate_spec(data, str(path), context)
