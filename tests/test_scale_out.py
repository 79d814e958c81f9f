"""Ray backend (local cluster and a head node joined by address) and WebDataset shards.

Every Ray run must write the same bytes as the local backend. One Ray session and one head node
serve the whole module: starting Ray takes seconds.
"""

from __future__ import annotations

import gc
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from core_helpers import tree_digest
from pycocotools import mask as mask_utils
from scale_utils import (
    CLASSIFICATION_SPEC,
    DETECTION_SPEC,
    synth,
    write_spec,
)

from renderer.io import decode_image, encode_image
from renderer.render import render_sample
from renderer.run import RunConfig, run_dataset
from renderer.spec.load import load_spec

ray = pytest.importorskip("ray")
webdataset = pytest.importorskip("webdataset")
from renderer.parallel.ray import RayBackendError, run_jobs_ray  # noqa: E402

N, SHARD = 40, 5
# A fresh token for this module's clusters: Ray's token authentication stays on, and nothing
# is read from or written to ~/.ray.
RAY_ENV = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}


def read_shards(urls: list[str], decode: str | None) -> list[dict[str, Any]]:
    """Every sample of the tars, read (and decoded) by the webdataset library."""
    with warnings.catch_warnings():
        # webdataset leaves each tar for the garbage collector to close.
        warnings.simplefilter("ignore", ResourceWarning)
        # seed: without one, WebDataset draws it from the global `random` module.
        dataset = webdataset.WebDataset(urls, shardshuffle=False, seed=0)
        samples = list(dataset.decode(decode) if decode else dataset)
        del dataset
        gc.collect()
    return samples


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("specs")
    return {"det": write_spec(folder, "det.yaml", DETECTION_SPEC),
            "cls": write_spec(folder, "cls.yaml", CLASSIFICATION_SPEC)}


@pytest.fixture(scope="module")
def local_runs(specs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Reference datasets from the default local backend."""
    root = tmp_path_factory.mktemp("local")
    spec = load_spec(specs["det"])
    run_dataset(spec, RunConfig(out=root / "coco", n=N, seed=3, shard_size=SHARD, workers=1))
    synth("render", specs["det"], "-n", N, "--seed", 3, "--format", "webdataset",
          "--shard-size", SHARD, "-o", root / "wds", "--workers", 2, "--quiet")
    return {"coco": root / "coco", "wds": root / "wds"}


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    """A local Ray cluster of 2 CPUs inside this process."""
    with pytest.MonkeyPatch.context() as patch:
        # Ray turns token mode on itself for a new local cluster (and reads RAY_AUTH_MODE only
        # then); the token from the environment keeps it from creating ~/.ray/auth_token.
        patch.delenv("RAY_AUTH_MODE", raising=False)
        patch.setenv("RAY_AUTH_TOKEN", RAY_ENV["RAY_AUTH_TOKEN"])
        ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")
        try:
            yield
        finally:
            ray.shutdown()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head() -> Iterator[str]:
    """A head node started by ``ray start --block``; SIGTERM to it stops every Ray process.

    Its own temp folder (short: Ray's socket paths are limited to ~107 characters) keeps its
    address file away from /tmp/ray, where a plain ``ray.init()`` would find it later.
    """
    ray_cli = Path(sys.executable).with_name("ray")
    if not ray_cli.exists():
        pytest.skip("the ray command is not installed next to this Python")
    port = _free_port()
    temp = Path(tempfile.mkdtemp(prefix="synth-ray-"))
    log = temp / "ray-start.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [str(ray_cli), "start", "--head", f"--port={port}", "--num-cpus=2",
             "--include-dashboard=false", "--node-ip-address=127.0.0.1", "--block",
             "--disable-usage-stats", f"--temp-dir={temp}"],
            stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, **RAY_ENV})
    try:
        deadline = time.monotonic() + 90
        while "Ray runtime started" not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ray start failed:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.heavy
@pytest.mark.usefixtures("ray_session")
def test_ray_local_cluster_writes_the_same_bytes_as_local(specs: dict[str, Path],
                                                          local_runs: dict[str, Path],
                                                          tmp_path: Path) -> None:
    seen: list[int] = []
    manifest = run_dataset(load_spec(specs["det"]),
                           RunConfig(out=tmp_path / "coco", n=N, seed=3, shard_size=SHARD,
                                     backend="ray"), progress=seen.append)
    assert seen == [SHARD] * (N // SHARD)
    assert manifest["counts"]["images"] == N
    assert tree_digest(tmp_path / "coco") == tree_digest(local_runs["coco"])


@pytest.mark.heavy
def test_ray_head_node_by_address_and_file_url(specs: dict[str, Path], local_runs: dict[str, Path],
                                              ray_head: str, tmp_path: Path) -> None:
    out = tmp_path / "wds"
    synth("render", specs["det"], "-n", N, "--seed", 3, "--format", "webdataset",
          "--shard-size", SHARD, "-o", f"file://{out}", "--backend", "ray",
          "--address", ray_head, "--quiet", env=RAY_ENV)
    assert tree_digest(out) == tree_digest(local_runs["wds"])


@pytest.mark.heavy
@pytest.mark.usefixtures("ray_session")
def test_ray_reruns_the_shard_of_a_lost_worker(tmp_path: Path) -> None:
    marker = tmp_path / "crashed"

    def crash_once(job: int) -> int:  # nested, so Ray ships it by value
        if job == 3 and not marker.exists():
            marker.touch()
            os._exit(1)  # the worker process dies as on kill -9 or an OOM kill
        return job * job

    results: list[int] = []
    run_jobs_ray(crash_once, range(8), None, results.append, max_retries=2, max_in_flight=3)
    assert marker.exists()
    assert sorted(results) == [j * j for j in range(8)]


@pytest.mark.heavy
@pytest.mark.usefixtures("ray_session")
def test_ray_gives_up_after_max_retries_with_a_clear_error(tmp_path: Path) -> None:
    def always_crash(job: int) -> int:
        if job == 1:
            os._exit(1)
        return job

    with pytest.raises(RayBackendError, match=r"all 1 attempts.*--resume"):
        run_jobs_ray(always_crash, range(3), None, lambda _: None, max_retries=0)


@pytest.mark.heavy
@pytest.mark.usefixtures("ray_session")
def test_ray_passes_the_jobs_own_exception_through() -> None:
    def fail(job: int) -> int:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        run_jobs_ray(fail, range(2), None, lambda _: None)


def test_without_ray_the_default_backend_works_and_ray_gives_a_clear_error(
        specs: dict[str, Path], tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['ray'] = None  # as if Ray were not installed\n"
        "from renderer.cli import main\n"
        "args = ['render', sys.argv[1], '-n', '3', '--quiet', '--workers', '1', '-o']\n"
        "assert main([*args, sys.argv[2]]) == 0\n"
        "sys.exit(main([*args, sys.argv[3], '--backend', 'ray']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(specs["det"]), str(tmp_path / "a"),
                           str(tmp_path / "b")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "pip install 'synth[scale]'" in proc.stderr
    assert (tmp_path / "a" / "annotations.json").exists()


def test_webdataset_tars_are_deterministic_and_complete(local_runs: dict[str, Path]) -> None:
    tars = sorted(local_runs["wds"].glob("*.tar"))
    assert [t.name for t in tars] == [f"shard-{k:06d}.tar" for k in range(N // SHARD)]
    assert not list(local_runs["wds"].glob(".*.tmp-*"))
    with tarfile.open(tars[1]) as tar:
        members = tar.getmembers()
    assert [m.name for m in members[:3]] == ["000005.jpg", "000005.json", "000006.jpg"]
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == \
        {(0, 0, 0, "", "", 0o644)}


def test_webdataset_library_reads_detection_shards(specs: dict[str, Path],
                                                   local_runs: dict[str, Path]) -> None:
    spec = load_spec(specs["det"])
    urls = [str(p) for p in sorted(local_runs["wds"].glob("*.tar"))]
    raw, decoded = read_shards(urls, None), read_shards(urls, "rgb8")
    assert [s["__key__"] for s in raw] == [f"{i:06d}" for i in range(N)]
    keypoints_seen = 0
    for index, (stored, sample) in enumerate(zip(raw, decoded, strict=True)):
        truth = render_sample(spec, 3, index)
        assert stored["jpg"] == encode_image(truth.image, "jpg", spec.output.jpeg_quality)
        np.testing.assert_array_equal(sample["jpg"], decode_image(stored["jpg"]))
        labels = sample["json"]
        assert labels["index"] == index and labels["bbox_format"] == "XYXY"
        assert labels["plan"] == json.loads(json.dumps(truth.plan))
        assert len(labels["objects"]) == len(truth.objects)
        for k, (obj, expected) in enumerate(zip(labels["objects"], truth.objects, strict=True)):
            assert obj["bbox"] == list(expected.bbox)
            assert (obj["category_id"], obj["class_name"]) == (expected.category_id,
                                                               expected.class_name)
            # Compared as RLE: pycocotools' decode warns under numpy 2.
            rle = mask_utils.encode(np.asfortranarray(truth.visible_mask(k).astype(np.uint8)))
            assert obj["segmentation"] == {"size": rle["size"], "counts": rle["counts"].decode()}
            if "keypoints" in obj:
                keypoints_seen += 1
                np.testing.assert_allclose(obj["keypoints"], expected.keypoints, atol=1e-3)
    assert keypoints_seen > 0


def test_webdataset_library_reads_classification_shards(specs: dict[str, Path],
                                                        tmp_path: Path) -> None:
    spec = load_spec(specs["cls"])
    run_dataset(spec, RunConfig(out=tmp_path, n=12, seed=0, format="webdataset", shard_size=5))
    urls = [str(p) for p in sorted(tmp_path.glob("*.tar"))]
    assert len(urls) == 3
    samples = read_shards(urls, "l8")
    assert len(samples) == 12
    for index, sample in enumerate(samples):
        truth = render_sample(spec, 0, index)
        assert sample["cls"] == truth.label == sample["json"]["label"]
        np.testing.assert_array_equal(sample["png"], truth.image[..., 0])

