"""Run the real ``synth`` command on bad inputs and print what the user sees, as a markdown table.

    python tools/bad_inputs.py [--only WORD] [--no-eval]

Cases: bad specs (unknown field, bad range, huge canvas, deep nesting, ``!!python`` tags...), bad
asset files (``tests/bad_files.py`` makes them: truncated, CMYK, 16-bit, palette, empty, giant...),
a missing asset folder, a path escape, an unwritable destination, a full disk (a file-size limit,
``ulimit -f``), malformed COCO / YOLO real sets for ``synth eval`` (stop and skip). Each row gives
the exit code and the first stderr line; the last column flags what breaks the contract: a
traceback, a generic "(run with --debug" message, or more than one ``synth: error`` line.
Runs in a temporary folder (paths shown as ``$TMP``); takes a few minutes (``eval`` imports torch).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bad_files import (  # noqa: E402 (the helpers live with the tests)
    BAD_IMAGES,
    blank_glyph_font,
    break_coco,
    break_yolo,
    cutout_scene,
    glyph_scene,
    truncated_font,
)

GOOD = {"canvas": {"width": 48, "height": 48},
        "objects": [{"asset": {"kind": "shape"}, "count": [1, 2]}],
        "output": {"image_format": "png"}}


@dataclass(frozen=True)
class Case:
    """One bad input: a label, and a function writing the inputs and returning the arguments."""

    label: str
    make: Callable[[Path], list[str]]
    shell_prefix: str = ""  # e.g. "ulimit -f 64;"


def _spec(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _patched(**fields: object) -> str:
    return json.dumps({**GOOD, **fields})


def _render(spec: Path, tmp: Path, *extra: str) -> list[str]:
    return ["render", str(spec), "-n", "3", "-o", str(tmp / "out"), "--workers", "1", "--quiet",
            *extra]


def spec_cases() -> list[Case]:
    deep = "a: " + "[" * 5000 + "]" * 5000 + "\n"
    texts = {
        "spec: unknown field": _patched(canvas={"width": 48, "hieght": 48}),
        "spec: bad range (scale [0.9, 0.2])": _patched(objects=[{"asset": {"kind": "shape"},
                                                                 "pose": {"scale": [0.9, 0.2]}}]),
        "spec: huge canvas (100000 x 100000)": _patched(canvas={"width": 100000, "height": 100000}),
        "spec: huge count (10^9 objects)": _patched(objects=[{"asset": {"kind": "shape"},
                                                              "count": 10**9}]),
        "spec: deep nesting (5000 levels)": deep,
        "spec: !!python tag": "canvas: !!python/object/apply:os.system ['echo owned']\n",
        "spec: YAML syntax error": "canvas: {width: 48\nobjects: [\n",
        "spec: not a mapping": "- just\n- a list\n",
        "spec: binary garbage": "\x00\x01\x02\xff",
    }
    cases = [Case(label, lambda tmp, t=text: _render(_spec(tmp, "s.yaml", t), tmp))
             for label, text in texts.items()]
    cases.append(Case("spec: file missing", lambda tmp: _render(tmp / "missing.yaml", tmp)))
    return cases


def asset_cases() -> list[Case]:
    cases = [Case(f"cutout file: {case}",
                  lambda tmp, c=case: _render(cutout_scene(tmp, [c]), tmp))
             for case in sorted(BAD_IMAGES)]
    cases.append(Case("cutouts: every bad kind, --skip-bad-assets",
                      lambda tmp: _render(cutout_scene(tmp, sorted(BAD_IMAGES)), tmp,
                                          "--skip-bad-assets")))
    cases.append(Case("cutouts: only bad files, --skip-bad-assets",
                      lambda tmp: _render(cutout_scene(tmp, ["truncated"], good=0), tmp,
                                          "--skip-bad-assets")))
    fonts = {"font: truncated file": {"bad.ttf": truncated_font()},
             "font: text file named .ttf": {"bad.ttf": b"not a font\n"},
             "font: empty file": {"bad.otf": b""},
             "font: blank glyphs (no contours)": {"blank.ttf": blank_glyph_font("A\u4e2d")},
             "font: lacks a requested glyph": {"good.ttf": None}}
    for label, files in fonts.items():
        cases.append(Case(label, lambda tmp, f=files: _render(glyph_scene(tmp, ["A", "\u4e2d"], f),
                                                                tmp)))
    cases.append(Case("font: missing file", lambda tmp: _render(_spec(tmp, "s.yaml", _patched(
        objects=[{"asset": {"kind": "glyph", "fonts": ["fonts/Missing.ttf"]}}])), tmp)))
    cases.append(Case("cutout folder missing", lambda tmp: _render(_spec(tmp, "s.yaml", _patched(
        objects=[{"asset": {"kind": "cutout", "dir": "my_cutouts"}}])), tmp)))
    cases.append(Case("path escape (dir: ../../etc)", lambda tmp: _render(_spec(
        tmp / "a" / "b", "s.yaml", _patched(objects=[{"asset": {"kind": "cutout",
                                                                "dir": "../../../etc"}}])), tmp)))
    cases.append(Case("background photo truncated", _background_case))
    return cases


def _background_case(tmp: Path) -> list[str]:
    (tmp / "photos").mkdir(parents=True)
    BAD_IMAGES["truncated"][0](tmp / "photos" / "beach.png")
    return _render(_spec(tmp, "s.yaml", _patched(background={"kind": "images", "dir": "photos"})),
                   tmp)


def output_cases() -> list[Case]:
    def good(tmp: Path) -> Path:
        return _spec(tmp, "s.yaml", json.dumps(GOOD))

    def file_parent(tmp: Path) -> list[str]:
        (tmp / "afile").write_text("x")
        return ["render", str(good(tmp)), "-n", "2", "-o", str(tmp / "afile" / "out"), "--quiet"]

    def not_empty(tmp: Path) -> list[str]:
        (tmp / "out").mkdir()
        (tmp / "out" / "keep.txt").write_text("x")
        return _render(good(tmp), tmp)

    return [
        Case("output: unwritable destination (/proc)", lambda tmp: [
            "render", str(good(tmp)), "-n", "2", "-o", "/proc/synth-out", "--quiet"]),
        Case("output: parent is a file", file_parent),
        Case("output: folder not empty", not_empty),
        Case("output: s3:// URL", lambda tmp: ["render", str(good(tmp)), "-n", "2", "-o",
                                               "s3://bucket/ds", "--quiet"]),
        Case("output: full disk (ulimit -f 64)", lambda tmp: [
            "render", str(good(tmp)), "-n", "40", "-o", str(tmp / "out"), "--workers", "1",
            "--quiet", "--shard-size", "5", "--set", "canvas.width=400",
            "--set", "canvas.height=300"], shell_prefix="ulimit -f 64;"),
        Case("preview: unwritable -o", lambda tmp: ["preview", str(good(tmp)), "-n", "1", "-o",
                                                    "/proc/sheet.png"]),
    ]


def eval_cases(synthetic: Path) -> list[Case]:
    def rendered(tmp: Path, fmt: str) -> Path:
        spec = _spec(tmp, "s.yaml", json.dumps(GOOD))
        _synth(["render", str(spec), "-n", "8", "-o", str(tmp / "real"), "--format", fmt,
                "--seed", "7", "--workers", "1", "--quiet"])
        return tmp / "real"

    def broken(fmt: str, *extra: str) -> Callable[[Path], list[str]]:
        def make(tmp: Path) -> list[str]:
            real = rendered(tmp, fmt)
            (break_coco if fmt == "coco" else break_yolo)(real)
            return ["eval", "--synthetic", str(synthetic), "--real", str(real), "-o",
                    str(tmp / "report"), "--no-tstr", *extra]
        return make

    def json_syntax(tmp: Path) -> list[str]:
        real = rendered(tmp, "coco")
        text = (real / "annotations.json").read_text()
        (real / "annotations.json").write_text(text[: len(text) // 2])
        return ["eval", "--synthetic", str(synthetic), "--real", str(real), "--no-tstr"]

    def bad_data_yaml(tmp: Path) -> list[str]:
        real = rendered(tmp, "yolo")
        (real / "data.yaml").write_text("names: [a, b\n")
        return ["eval", "--synthetic", str(synthetic), "--real", str(real), "--no-tstr"]

    return [
        Case("eval: COCO with 5 problems (stop)", broken("coco")),
        Case("eval: COCO with 5 problems (--on-error skip)", broken("coco", "--on-error", "skip")),
        Case("eval: YOLO with 3 problems (stop)", broken("yolo")),
        Case("eval: YOLO with 3 problems (--on-error skip)", broken("yolo", "--on-error", "skip")),
        Case("eval: annotations.json cut in half", json_syntax),
        Case("eval: data.yaml malformed", bad_data_yaml),
        Case("eval: real set missing", lambda tmp: ["eval", "--synthetic", str(synthetic),
                                                    "--real", str(tmp / "nowhere")]),
        Case("eval: unwritable -o", lambda tmp: ["eval", "--synthetic", str(synthetic), "--real",
                                                 str(synthetic), "-o", "/proc/report"]),
    ]


def _synth(args: list[str], shell_prefix: str = "", cwd: Path | None = None
           ) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("synth")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "renderer.cli"]
    if shell_prefix:
        line = " ".join(f"'{a}'" for a in [*command, *args])
        return subprocess.run(["bash", "-c", f"{shell_prefix} exec {line}"], capture_output=True,
                              text=True, cwd=cwd, timeout=900)
    return subprocess.run([*command, *args], capture_output=True, text=True, cwd=cwd, timeout=900)


def _verdict(proc: subprocess.CompletedProcess[str]) -> str:
    err = proc.stderr
    errors = [ln for ln in err.splitlines() if ln.startswith("synth: error:")]
    problems = []
    if "Traceback" in err:
        problems.append("traceback")
    if "(run with --debug" in err:
        problems.append("generic message")
    if proc.returncode != 0 and not err.strip():
        problems.append("no message")
    if len(errors) > 1:
        problems.append(f"{len(errors)} error lines")
    return ", ".join(problems) or "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run the cases whose label contains this text")
    parser.add_argument("--no-eval", action="store_true", help="leave out the eval cases (slow)")
    args = parser.parse_args()
    rows, bad = [], 0
    with tempfile.TemporaryDirectory(prefix="synth-bad-") as tmp_name:
        tmp = Path(tmp_name)
        cases = spec_cases() + asset_cases() + output_cases()
        if not args.no_eval:
            synthetic = tmp / "synthetic"
            spec = _spec(tmp, "good.yaml", json.dumps(GOOD))
            _synth(["render", str(spec), "-n", "8", "-o", str(synthetic), "--workers", "1",
                    "--quiet"])
            cases += eval_cases(synthetic)
        for k, case in enumerate(cases):
            if args.only and args.only not in case.label:
                continue
            work = tmp / f"case-{k:02d}"
            work.mkdir()
            proc = _synth(case.make(work), case.shell_prefix, cwd=work)
            first = next((ln for ln in proc.stderr.splitlines() if ln.strip()), "")
            shown = first.replace(str(work), "$TMP").replace(str(tmp), "$TMP").replace("|", "\\|")
            verdict = _verdict(proc)
            bad += verdict != "ok"
            rows.append(f"| {case.label} | {proc.returncode} | `{shown}` | {verdict} |")
            print(f"[{k + 1}/{len(cases)}] {case.label}: {proc.returncode}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
    print("| input | exit | first stderr line | contract |")
    print("|---|---:|---|---|")
    print("\n".join(rows))
    print(f"\n{len(rows)} cases, {bad} breaking the contract")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
