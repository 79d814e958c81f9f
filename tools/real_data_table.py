"""The real-data table of the README: each example scene against the real set it imitates.

For each classification scene (``digits``: ``scenes/digits.yaml`` vs the 10,000 MNIST test digits;
``signs``: ``scenes/signs.yaml`` vs the 2,580-image GTSRB test subset; ``signs-base``: the same for
``scenes/signs-base.yaml``, the ranges ``scenes/signs.yaml`` had before ``synth tune`` moved them)
it measures

- TSTR: the scene's check tool (``tools/handwriting_check.py``, ``tools/signs_check.py``) with its
  default recipe (rendered set size, CNN, epochs, seed) trains on rendered images only and is
  scored on the whole real set and on the held-out half below;
- TRTR: the same CNN recipe (same seed, and as many optimisation steps as TSTR) trained on one
  half of the real set, split stratified by class with a seeded generator, and scored on the
  other (held-out) half;
- KID and C2ST AUC from the evaluation engine (``renderer.evaluate``, its defaults: weight-free
  extractor, seed 0) between the first rendered training images and the real set, as many per
  side as the real set has (capped by ``--eval-max``);

and writes ``table.json`` (every figure, sample size and wall time, and the command line),
``table.md`` and a per-class accuracy plot ``<scene>-per-class.png`` (TSTR and TRTR on the
held-out half) into ``--out``. A scene run alone replaces only its own row. Training uses one
CPU thread; the signs are rendered by 2 worker processes, the digits in this process. On 2
shared CPU cores a row takes 10-20 min (``--cache DIR`` keeps rendered sets for a rerun).

The detection scene ``street-signs`` (``scenes/street-signs.yaml`` vs the 200 GTSDB dev photos)
runs ``tools/street_signs_check.py`` with its defaults: the default detector of ``synth eval``
trained from scratch on renders only (TSTR) and on half of the real photos (TRTR), mAP@.5 over
GTSDB's four categories on the other half (``--classes 43``: the 43 sign classes, a row of its
own); ``--real DIR`` scores the same recipe on another real set of the GTSDB layout instead (its
row is then named after that folder).

The detection scene ``dice`` (``scenes/dice.yaml`` vs 200 top-down dice photos) runs
``tools/dice_check.py`` through ``tools/real_data_dice.py``; ``--real DIR`` scores it on another COCO
set of dice photos.

    python tools/real_data_table.py [--scene digits signs signs-base dice street-signs] [--out docs/real-data]
        [--data ../shared/data] [--real DIR] [--cache DIR] [--n N] [--epochs E] [--eval-max 10000]
        [--classes categories|43]

The real sets are read from ``../shared/data`` beside the repository (``mnist-test`` and
``gtsrb-test-32px-subset``, ``dice-dev``) unless ``--data`` says otherwise; ``--real DIR`` scores
the dice recipe on another COCO set of dice photos (its row is named after the folder); a scene
whose real set is absent is skipped with a message. ``--n`` and ``--epochs`` override the check
tools' defaults (for quick trials only: the table's figures use the defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from check_training import real_halves, tstr_trtr_bars  # noqa: E402
from real_data_dice import dice_cells, dice_note, dice_per_class_plot, dice_row  # noqa: E402

from renderer.evaluate import EvalConfig, EvalSet, run_evaluation  # noqa: E402
from renderer.evaluate.taskgap.classification import confusion  # noqa: E402
from renderer.spec.load import load_spec  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "docs" / "real-data"
SCENES = ("digits", "signs", "signs-base", "dice")
DETECTION_SCENES = {"street-signs": "gtsdb-dev"}

Images = np.ndarray  # (n, H, W) gray or (n, H, W, 3) RGB uint8
RecipeFitPredict = Callable[[Images, np.ndarray, Images, int], np.ndarray]


@dataclass(frozen=True)
class Recipe:
    """One scene's check-tool recipe, bound to its defaults (or the ``--n``/``--epochs`` given).

    Attributes:
        scene: spec file rendered.
        real_name: what the real set is, for the table.
        n: rendered training images asked for.
        epochs: TSTR training epochs (TRTR trains for as many optimisation steps).
        class_names: name of each class index.
        load_real: reads the real set from a folder: images and class indices.
        render: renders the training set: images and class indices.
        fit_predict: trains a fresh model (fixed seed) on images + labels for some epochs,
            predicts other images.
    """

    scene: Path
    real_name: str
    n: int
    epochs: int
    class_names: tuple[str, ...]
    load_real: Callable[[Path], tuple[Images, np.ndarray]]
    render: Callable[[], tuple[Images, np.ndarray]]
    fit_predict: RecipeFitPredict


def digits_recipe(args: argparse.Namespace) -> Recipe:
    """``tools/handwriting_check.py`` with its own defaults (read from its argument parser)."""
    import handwriting_check as check

    defaults = check.parse_args([])
    n, epochs = args.n or defaults.n, args.epochs or defaults.epochs

    def fit_predict(images: Images, labels: np.ndarray, test: Images, epochs: int) -> np.ndarray:
        model = check.trained_cnn(images, labels, epochs, batch=defaults.batch,
                                  channels=defaults.channels, seed=defaults.seed)
        return check.predict(model, test)

    return Recipe(scene=defaults.spec, real_name="MNIST test", n=n, epochs=epochs,
                  class_names=check.DIGITS, load_real=check.load_mnist,
                  render=lambda: check.cached_digits(load_spec(defaults.spec), args.cache, n,
                                                     defaults.seed),
                  fit_predict=fit_predict)


def signs_recipe(args: argparse.Namespace, spec: Path | None = None) -> Recipe:
    """``tools/signs_check.py`` with its defaults (``--n 20000 --epochs 6``) on ``spec``.

    ``spec`` defaults to the tool's own (``scenes/signs.yaml``).
    """
    import signs_check as check

    recipe = {**check.RECIPE, **{k: v for k, v in (("n", args.n), ("epochs", args.epochs)) if v}}

    def fit_predict(images: Images, labels: np.ndarray, test: Images, epochs: int) -> np.ndarray:
        return check.train_and_predict(images, labels, test, epochs, batch=recipe["batch"],
                                       lr=recipe["lr"], width=recipe["width"],
                                       shift=recipe["shift"], seed=recipe["seed"])

    scene = spec or check.DEFAULT_SPEC
    return Recipe(scene=scene, real_name="GTSRB test subset", n=recipe["n"],
                  epochs=recipe["epochs"], class_names=tuple(f"{k:02d}" for k in range(43)),
                  load_real=check.load_real,
                  render=lambda: check.render_signs(scene, [], recipe["n"],
                                                    recipe["seed"], recipe["workers"], args.cache),
                  fit_predict=fit_predict)


RECIPES = {"digits": (digits_recipe, "mnist-test"),
           "signs": (signs_recipe, "gtsrb-test-32px-subset"),
           "signs-base": (lambda args: signs_recipe(args, ROOT / "scenes" / "signs-base.yaml"),
                          "gtsrb-test-32px-subset")}
DETECTION = {"dice": "dice-dev"}  # scene -> real set of the detection rows (tools/real_data_dice.py)


def real_folder(name: str) -> str:
    """The folder of a scene's real set under ``--data``."""
    return RECIPES[name][1] if name in RECIPES else DETECTION[name]


def accuracy(predicted: np.ndarray, labels: np.ndarray, n_classes: int) -> dict[str, Any]:
    """Overall and per-class accuracy (fractions) and the number of images scored."""
    matrix = confusion(labels, predicted, n_classes)
    per_class = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
    return {"accuracy": float((predicted == labels).mean()), "n": len(labels),
            "per_class": [round(float(a), 4) for a in per_class]}


def evalset(images: Images, labels: np.ndarray, names: tuple[str, ...], prefix: str) -> EvalSet:
    """The engine's input type (HxWxC images, so gray digits get a channel axis)."""
    stack = images[..., None] if images.ndim == 3 else images
    return EvalSet(list(stack), labels, names, None,
                   tuple(f"{prefix}{i:06d}" for i in range(len(stack))), None)


def gap_metrics(rendered: Images, rendered_labels: np.ndarray, real: Images,
                real_labels: np.ndarray, names: tuple[str, ...], cap: int) -> dict[str, Any]:
    """KID and C2ST AUC (engine defaults) of the first rendered images vs the real set.

    As many rendered images as real ones (a balanced domain classifier) when that many were
    rendered; beyond ``cap`` per side the engine draws its own seeded random subsets.
    """
    n = min(len(real), len(rendered))
    # The task gap and image statistics are left out: they do not change KID or C2ST (each
    # section draws from its own named stream) and TSTR/TRTR are measured here with the check recipes.
    config = EvalConfig(device="cpu", threads=1, max_images=cap, task=None, image_stats=False)
    result = run_evaluation(evalset(rendered[:n], rendered_labels[:n], names, "syn"),
                            evalset(real, real_labels, names, "real"), config)
    pick = ("value", "ci_low", "ci_high")
    return {"kid": {k: result["kid"][k] for k in pick}, "c2st_auc": {k: result["c2st"][k] for k in pick},
            "n_rendered": result["samples"]["synthetic"], "n_real": result["samples"]["real"],
            "extractor": config.extractor, "seed": config.seed}


def per_class_plot(row: dict[str, Any]) -> bytes:
    """PNG of one row's TSTR and TRTR accuracy per class on the held-out half (legend below)."""
    tstr, trtr = row["tstr_held_out"], row["trtr_held_out"]
    return tstr_trtr_bars(
        row["class_names"],
        ((tstr["per_class"], f"TSTR: trained on rendered ({percent(tstr)} overall)"),
         (trtr["per_class"], f"TRTR: trained on the other real half ({percent(trtr)} overall)")),
        ylabel="accuracy", xlabel="class", fit_x=True,
        title=f"{row['scene']} vs {row['real']}: accuracy on the held-out real half "
              f"({trtr['n']:,} images)")


def measure(recipe: Recipe, real_dir: Path, cap: int) -> dict[str, Any]:
    """Every figure of one row of the table."""
    laps: dict[str, float] = {}
    start = lap = time.perf_counter()

    def timed(name: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        laps[name] = round(now - lap, 1)
        lap = now

    real, real_labels = recipe.load_real(real_dir)
    rendered, rendered_labels = recipe.render()
    timed("load_and_render_s")
    k = len(recipe.class_names)
    fit_half, held_out = real_halves(real_labels)
    tstr_predicted = recipe.fit_predict(rendered, rendered_labels, real, recipe.epochs)
    timed("tstr_train_s")
    # as many optimisation steps as TSTR: the same epochs on a far smaller set would leave the
    # real-trained baseline undertrained
    trtr_epochs = max(recipe.epochs, round(recipe.epochs * len(rendered) / len(fit_half)))
    trtr_predicted = recipe.fit_predict(real[fit_half], real_labels[fit_half], real[held_out],
                                        trtr_epochs)
    timed("trtr_train_s")
    gap = gap_metrics(rendered, rendered_labels, real, real_labels, recipe.class_names, cap)
    timed("kid_c2st_s")
    return {
        "scene": recipe.scene.relative_to(ROOT).as_posix(), "real": recipe.real_name,
        "class_names": list(recipe.class_names), "epochs": recipe.epochs, "trtr_epochs": trtr_epochs,
        "n_rendered_train": len(rendered), "n_real_train": len(fit_half),
        "tstr_whole": accuracy(tstr_predicted, real_labels, k),
        "tstr_held_out": accuracy(tstr_predicted[held_out], real_labels[held_out], k),
        "trtr_held_out": accuracy(trtr_predicted, real_labels[held_out], k),
        **gap, "wall_s": {**laps, "total_s": round(time.perf_counter() - start, 1)},
    }


def percent(result: dict[str, Any]) -> str:
    """An accuracy result as a percentage with one decimal."""
    return f"{100 * result['accuracy']:.1f}%"


def interval(metric: dict[str, Any], digits: int) -> str:
    """A metric with its interval as "value [low, high]", ``digits`` decimals."""
    return f"{metric['value']:.{digits}f} [{metric['ci_low']:.{digits}f}, {metric['ci_high']:.{digits}f}]"


def markdown(rows: dict[str, dict[str, Any]]) -> str:
    """The table (a pending line for a scene not measured yet) and what each row rests on."""
    lines = ["| scene | real set | TSTR, whole real set | TSTR, held-out half | TRTR, held-out half "
             "| KID [95% CI] | C2ST AUC [95% CI] | wall time |", "|---" * 8 + "|"]
    notes = []
    for name in [*SCENES, *sorted(set(rows) - set(SCENES))]:
        row = rows.get(name)
        if row is None:
            lines.append(f"| `scenes/{name}.yaml` | `{real_folder(name)}` | pending | pending | pending "
                         "| pending | pending | |")
            continue
        wall = row["wall_s"]
        if row.get("task") == "detection":
            lines.append(f"| `{row['scene']}` | {row['real']} | {' | '.join(dice_cells(row))} "
                         f"| {interval(row['kid'], 4)} | {interval(row['c2st_auc'], 3)} "
                         f"| {wall['total_s'] / 60:.1f} min |")
            notes.append(dice_note(row, name))
            continue
        lines.append(
            f"| `{row['scene']}` | {row['real']} | {percent(row['tstr_whole'])} "
            f"| {percent(row['tstr_held_out'])} | {percent(row['trtr_held_out'])} "
            f"| {interval(row['kid'], 4)} | {interval(row['c2st_auc'], 3)} "
            f"| {wall['total_s'] / 60:.1f} min |")
        notes.append(
            f"- {name}: TSTR trained on {row['n_rendered_train']:,} rendered images for "
            f"{row['epochs']} epochs, TRTR on {row['n_real_train']:,} real ones for "
            f"{row.get('trtr_epochs', row['epochs'])} epochs; scored on "
            f"{row['tstr_whole']['n']:,} real images (whole) and {row['trtr_held_out']['n']:,} "
            f"(held-out half). KID and C2ST: {row['n_rendered']:,} rendered vs {row['n_real']:,} "
            f"real, `{row['extractor']}` features. Command: `{row['command']}`; wall time "
            f"{wall['total_s']:.0f} s (loading + rendering {wall['load_and_render_s']:.0f} s, TSTR "
            f"training {wall['tstr_train_s']:.0f} s, TRTR training {wall['trtr_train_s']:.0f} s, "
            f"KID + C2ST {wall['kid_c2st_s']:.0f} s) on {row['cpu_cores']} CPU cores, training on "
            f"{row['train_threads']} thread. Per-class accuracy: [{row['per_class_plot']}]"
            f"({row['per_class_plot']}).")
    return "\n".join([*lines, "", *notes]) + "\n"


def detection_row(name: str, args: argparse.Namespace, table: dict[str, Any], command: str) -> None:
    """Measure a detection scene's row with its check tool's defaults; saved into ``table``."""
    import street_signs_check as check

    real_dir = args.real or args.data / DETECTION_SCENES[name]
    if not (real_dir / "gt.txt").is_file():
        print(f"{name}: skipped, no GTSDB-layout real set at {real_dir} (see --data / --real)")
        return
    print(f"{name}: measuring against {real_dir} ...", flush=True)
    overrides = [f"--{k}={v}" for k, v in (("n", args.n), ("cache", args.cache)) if v]
    row = check.run(check.parse_args(["--real", str(real_dir), "--out", str(args.out),
                                      "--classes", args.classes, *overrides]))
    key = name if args.classes == "categories" else f"{name}-{args.classes}"
    key = key if args.real is None else f"{key}@{real_dir.name}"
    table.setdefault("detection_rows", {})[key] = {
        **check.table_row(row), "command": command, "cpu_cores": os.cpu_count()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.json").write_text(json.dumps(table, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scene", nargs="+", choices=(*SCENES, *DETECTION_SCENES),
                        default=list(SCENES))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the real sets")
    parser.add_argument("--real", type=Path, help="dice: another COCO set of dice photos; "
                        "street-signs: another GTSDB-layout folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, help="keep rendered training sets here")
    parser.add_argument("--n", type=int, help="rendered training images (default: the check tool's)")
    parser.add_argument("--epochs", type=int, help="epochs (default: the check tool's)")
    parser.add_argument("--classes", choices=("categories", "43"), default="categories",
                        help="street-signs: GTSDB's 4 categories or the 43 sign classes")
    parser.add_argument("--eval-max", type=int, default=10000, help="KID/C2ST images per side, at most")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    given = sys.argv[1:] if argv is None else argv
    # --cache only saves time (the figures do not depend on it) and names a local folder: left out
    kept = [a for i, a in enumerate(given) if a != "--cache" and (i == 0 or given[i - 1] != "--cache")]
    command = shlex.join(["python", "tools/real_data_table.py", *kept])
    table_path = args.out / "table.json"
    table = json.loads(table_path.read_text()) if table_path.is_file() else {"rows": {}}
    for name in args.scene:
        if name in DETECTION_SCENES:
            detection_row(name, args, table, command)
            continue
        real_dir = args.real if name == "dice" and args.real else args.data / real_folder(name)
        if not real_dir.is_dir():
            print(f"{name}: skipped, its real set is not at {real_dir} (see --data)")
            continue
        print(f"{name}: measuring against {real_dir} ...", flush=True)
        if name in DETECTION:
            row = dice_row(args, real_dir, args.eval_max, gap_metrics)
            name = name if real_dir.name == DETECTION[name] else f"{name}-{real_dir.name}"
        else:
            row = measure(RECIPES[name][0](args), real_dir, args.eval_max)
        table["rows"][name] = {"train_threads": 1, **row, "command": command,
                               "cpu_cores": os.cpu_count(), "per_class_plot": f"{name}-per-class.png"}
        args.out.mkdir(parents=True, exist_ok=True)
        table_path.write_text(json.dumps(table, indent=1) + "\n")
    for row in table["rows"].values():  # every row, so a change of layout reaches them all
        plot = dice_per_class_plot if row.get("task") == "detection" else per_class_plot
        (args.out / row["per_class_plot"]).write_bytes(plot(row))
    import street_signs_check

    text = markdown(table["rows"]) + street_signs_check.markdown(table.get("detection_rows", {}))
    if table["rows"]:
        (args.out / "table.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
