"""The life of an output folder: where it is, claiming it, resuming in it, cleaning up after kills.

A run keeps its state in ``<out>/.synth``: ``run.json`` (what the run is, so a resume must match)
and one ``done/shard-NNNNNN.json`` per finished shard. Writes are atomic, through temporary
files named ``.<name>.tmp-<pid>``; those a killed writer leaves are removed on resume.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from renderer.io import OutputError, write_json_atomic
from renderer.writers.base import PARTS_DIR

if TYPE_CHECKING:
    from renderer.run import RunConfig

log = logging.getLogger(__name__)
STATE_DIR = ".synth"
# Temporary names of renderer.io's atomic writes: ``.<name>.tmp-<pid>``.
TEMP_NAME = re.compile(r"^\..+\.tmp-\d+$")
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def done_path(out: Path, shard: int) -> Path:
    """The record a finished shard leaves (its presence is what resume checks)."""
    return out / STATE_DIR / "done" / f"shard-{shard:06d}.json"


def destination_path(dest: str | os.PathLike[str]) -> Path:
    """Absolute local path of an output destination: a path or a ``file://`` URL.

    Workers on other machines get this path, so it must name the same shared folder there (NFS,
    a mounted bucket). Object-store URLs (``s3://``, ``gs://``...) are refused: mount the bucket
    and pass the mount point.
    """
    text = os.fspath(dest)
    parts = urlsplit(text)
    # "file:/x" is what pathlib makes of "file:///x"; "name:tag" without "//" stays a path.
    if URL.match(text) or parts.scheme == "file":
        if parts.scheme not in ("file", "local") or parts.netloc not in ("", "localhost"):
            raise OutputError(f"cannot write to {text}: only local paths and file:// URLs are "
                              "supported; mount remote storage on every node and pass its path")
        text = unquote(parts.path)
    return Path(text).expanduser().absolute()


def remove_stale_temps(root: Path) -> int:
    """Delete temporary files left by killed writers under ``root``; returns how many.

    Scans directory entries one at a time, so a folder of millions of images costs no memory.
    """
    removed, folders = 0, [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                elif TEMP_NAME.match(entry.name):
                    Path(entry.path).unlink(missing_ok=True)
                    removed += 1
    if removed:
        log.info("removed %d temporary files of interrupted writes", removed)
    return removed


def prepare_output(config: RunConfig) -> None:
    """Refuse to mix runs: a non-empty destination needs ``resume`` or ``overwrite``."""
    out = config.out
    if out.exists() and not out.is_dir():
        raise OutputError(f"output {out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not config.resume:
        if not config.overwrite:
            raise OutputError(f"output folder {out} is not empty; pass --resume to continue the "
                              "run there or --overwrite to replace it")
        if not (out / STATE_DIR).is_dir() and not (out / "manifest.json").exists():
            raise OutputError(f"refusing to overwrite {out}: it is not a synth output folder")
        shutil.rmtree(out)
    elif config.resume and out.is_dir():
        remove_stale_temps(out)
    try:
        (out / PARTS_DIR).mkdir(parents=True, exist_ok=True)
        (out / STATE_DIR / "done").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out}: {exc.strerror or exc}") from None


def check_resume(out: Path, state: dict[str, Any]) -> None:
    """Record the run in ``out`` the first time; later, refuse to resume a different run."""
    path = out / STATE_DIR / "run.json"
    if not path.exists():
        write_json_atomic(path, state)
        return
    previous = json.loads(path.read_text())
    for key in state:
        if previous.get(key) != state[key]:
            raise OutputError(f"cannot resume in {out}: the run there differs in {key!r}; "
                              "use the same spec, seed, -n and format, or --overwrite")
