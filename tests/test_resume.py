"""Interrupted runs: kill -9 of the driver, a full disk; --resume, --overwrite, stale temp files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from core_helpers import tree_digest
from scale_utils import DETECTION_SPEC, synth, write_spec

from renderer.io import OutputError
from renderer.output_folder import destination_path
from renderer.run import RunConfig, _shards, run_dataset
from renderer.spec.load import load_spec

# Large enough frames that the run lasts well beyond the moment the test kills it.
SLOW = ("--set", "canvas.width=480", "--set", "canvas.height=360")
SLOW_N, SLOW_SHARD = 200, 2


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_spec(tmp_path_factory.mktemp("spec"), "det.yaml", DETECTION_SPEC)


@pytest.fixture(scope="module")
def slow_reference(spec_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The uninterrupted run that interrupted runs must reproduce (2 workers: any count works)."""
    out = tmp_path_factory.mktemp("reference") / "ds"
    synth("render", spec_path, "-n", SLOW_N, "--shard-size", SLOW_SHARD, "-o", out,
          "--workers", 2, "--quiet", *SLOW)
    return tree_digest(out)


def _done(out: Path) -> int:
    folder = out / ".synth" / "done"
    return sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0


def test_kill_9_of_the_driver_then_resume_gives_the_same_bytes(
        spec_path: Path, slow_reference: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "ds"
    args = [sys.executable, "-m", "renderer.cli", "render", str(spec_path), "-n", str(SLOW_N),
            "--shard-size", str(SLOW_SHARD), "-o", str(out), "--workers", "1", "--quiet", *SLOW]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _done(out) < 5 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    shards = SLOW_N // SLOW_SHARD
    assert 5 <= _done(out) < shards, "the run was not killed mid-way"
    assert not (out / "manifest.json").exists()
    stale = out / "images" / ".000000.jpg.tmp-999999"  # as a writer killed mid-file leaves
    stale.write_bytes(b"partial")

    refused = synth("render", spec_path, "-n", SLOW_N, "-o", out, *SLOW, check=False)
    assert refused.returncode != 0 and "--resume" in refused.stderr

    synth("render", spec_path, "-n", SLOW_N, "--shard-size", SLOW_SHARD, "-o", out,
          "--workers", 1, "--quiet", "--resume", *SLOW)
    assert not stale.exists()
    assert tree_digest(out) == slow_reference


def test_full_disk_fails_cleanly_and_resume_completes(spec_path: Path, tmp_path: Path) -> None:
    """A file-size limit makes writes fail as on a full disk (EFBIG instead of ENOSPC)."""
    reference, out = tmp_path / "reference", tmp_path / "ds"
    args = ["render", str(spec_path), "-n", "40", "--shard-size", "5", "--workers", "1", "--quiet"]
    synth(*args, "-o", reference)
    # 64 KiB: images and part files fit, the merged annotations.json does not.
    command = " ".join([f"ulimit -f 64; exec {sys.executable} -m renderer.cli", *args, "-o", str(out)])
    proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "--resume" in proc.stderr and "Traceback" not in proc.stderr
    assert not (out / "annotations.json").exists()
    synth(*args, "-o", out, "--resume")
    assert tree_digest(out) == tree_digest(reference)


def test_overwrite_replaces_and_resume_refuses_a_different_run(spec_path: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "ds"
    spec = load_spec(spec_path)
    run_dataset(spec, RunConfig(out=out, n=6, seed=1))
    with pytest.raises(OutputError, match="--overwrite"):
        run_dataset(spec, RunConfig(out=out, n=6, seed=1))
    with pytest.raises(OutputError, match="differs in 'seed'"):
        run_dataset(spec, RunConfig(out=out, n=6, seed=2, resume=True))
    manifest = run_dataset(spec, RunConfig(out=out, n=4, seed=2, overwrite=True))
    assert manifest["counts"]["images"] == 4
    assert sorted(p.name for p in (out / "images").iterdir()) == [f"{i:06d}.jpg" for i in range(4)]


def test_overwrite_refuses_a_folder_that_is_not_a_synth_run(spec_path: Path,
                                                            tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not a synth output folder"):
        run_dataset(load_spec(spec_path), RunConfig(out=tmp_path, n=2, seed=0, overwrite=True))
    assert (tmp_path / "notes.txt").exists()


def test_shards_are_index_ranges_whatever_the_worker_count() -> None:
    """The driver of a billion-image run holds a few thousand ranges, not a billion ints."""
    shards = _shards(RunConfig(out=Path("unused"), n=10**9, seed=0, workers=64))
    assert len(shards) == 10**6 and all(isinstance(s, range) for s in shards)
    assert shards[-1] == range(10**9 - 1000, 10**9)
    assert _shards(RunConfig(out=Path("unused"), n=100, seed=0, workers=1)) == \
        _shards(RunConfig(out=Path("unused"), n=100, seed=0, workers=32))
    assert len(_shards(RunConfig(out=Path("u"), n=2500, seed=0, format="webdataset"))) == 3


def test_destination_accepts_paths_and_file_urls_and_refuses_object_stores(tmp_path: Path) -> None:
    assert destination_path(tmp_path / "a") == tmp_path / "a"
    assert destination_path(f"file://{tmp_path}/a%20b") == tmp_path / "a b"
    assert destination_path(f"file://localhost{tmp_path}/a") == tmp_path / "a"
    assert destination_path("rel/out") == Path.cwd() / "rel" / "out"
    assert destination_path("v1:seed2") == Path.cwd() / "v1:seed2"  # not a URL
    assert destination_path(Path(f"file://{tmp_path}")) == tmp_path  # pathlib keeps "file:/"
    with pytest.raises(OutputError, match="mount"):
        destination_path("s3://bucket/synth")
    with pytest.raises(OutputError, match="mount"):
        destination_path("file://otherhost/data")
