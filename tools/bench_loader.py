"""DataLoader benchmark: rendering on the fly vs reading the same images from disk.

    python tools/bench_loader.py [--n 192] [--spec scenes/quickstart.yaml] [--passes 5]
        [--no-masks]

Images/s of ``renderer.torch.SyntheticDataset`` and of a disk dataset reading the same images
(``torchvision.io.decode_jpeg`` + pre-parsed COCO boxes, labels, visibility, RLE masks and
keypoints: the same target content) through a DataLoader (batch 32, ``collate_detection``) with
0 and 2 workers, in the same run and interleaved, because machines are shared and noisy (medians
of ``--passes`` timed rounds after a warm-up pass, one pass of each dataset per round; the ratio
is the median of the rounds' ratios; workers are persistent so start-up is not timed). The
product's own ``loader_dataset`` (OpenCV decode) is timed too. Then the private memory (USS, from
``/proc/self/smaps_rollup``) each spawned worker gains while rendering: the renderer's state.
Targets: on-the-fly >= 0.35x the disk rate with 0 workers and 0.5x with 2; < 64 MB per worker.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, get_worker_info
from torchvision import tv_tensors
from torchvision.io import decode_jpeg, read_file

from renderer.datasets import load
from renderer.datasets.coco import CocoEntry, decode_segmentations
from renderer.run import RunConfig, run_dataset
from renderer.spec.load import load_spec
from renderer.torch import SyntheticDataset, collate_detection, keypoint_fields, loader_dataset

ROOT = Path(__file__).resolve().parents[1]
BATCH = 32


class DiskDetection(Dataset):
    """The rendered COCO set read the way a torchvision pipeline would: decode_jpeg + targets.

    The target carries what ``SyntheticDataset``'s does (boxes, labels, visibility, masks,
    keypoints and their flags; not the plan), so both sides pass the same tensors between
    processes.
    """

    def __init__(self, out: Path, masks: bool) -> None:
        self.entries: tuple[CocoEntry, ...] = tuple(load(out, "coco").entries)
        self.masks = masks

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> tuple[Any, dict[str, Any]]:
        entry = self.entries[i]
        image = tv_tensors.Image(decode_jpeg(read_file(str(entry.file))))
        size = (image.shape[1], image.shape[2])
        objects = entry.objects
        target = {
            "boxes": tv_tensors.BoundingBoxes(torch.from_numpy(objects.boxes), format="XYXY",
                                              canvas_size=size),
            "labels": torch.from_numpy(objects.category_ids + 1),
            "visibility": torch.from_numpy(objects.visibility),
            "image_id": entry.image_id}
        if self.masks:
            masks = decode_segmentations(objects.segmentations or (), *size)
            target["masks"] = tv_tensors.Mask(torch.from_numpy(masks.view("uint8")))
        if objects.keypoints is not None:
            target.update(keypoint_fields(objects.keypoints, size))
        return image, target


def uss_rss_kib() -> tuple[int, int]:
    """(USS, RSS) of this process in KiB: private clean + dirty pages, and resident pages."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields["Private_Clean"] + fields["Private_Dirty"], fields["Rss"]


_BASELINE: dict[str, tuple[int, int]] = {}


def remember_baseline(_: int) -> None:
    """worker_init_fn: the worker's memory before it renders anything."""
    _BASELINE["start"] = uss_rss_kib()


class MemoryProbe(Dataset):
    """Renders like ``SyntheticDataset`` and reports the worker's memory with each item."""

    def __init__(self, inner: SyntheticDataset) -> None:
        self.inner = inner

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, i: int) -> dict[str, Any]:
        self.inner[i]
        info = get_worker_info()
        uss, rss = uss_rss_kib()
        return {"worker": info.id if info else -1, "start": _BASELINE.get("start", (0, 0)),
                "uss": uss, "rss": rss}


def make_loader(dataset: Dataset, workers: int, context: str = "fork") -> DataLoader:
    return DataLoader(dataset, batch_size=BATCH, num_workers=workers,
                      collate_fn=collate_detection, persistent_workers=workers > 0,
                      multiprocessing_context=context if workers else None,
                      generator=torch.Generator().manual_seed(0))


def timed_pass(loader: DataLoader) -> float:
    """Images per second of one full pass."""
    start, count = time.perf_counter(), 0
    for images, _ in loader:
        count += len(images)
    return count / (time.perf_counter() - start)


def rates(datasets: dict[str, Dataset], workers: int, passes: int) -> dict[str, Any]:
    """Median images/s per dataset, and the median over rounds of the on-the-fly / disk ratio.

    Passes are interleaved in rounds (one pass of each dataset per round) so that load changes
    hit all alike; a ratio taken within a round compares passes run seconds apart, so a burst of
    load from elsewhere on a shared machine moves one round's ratio, not the median.
    """
    loaders = {name: make_loader(ds, workers) for name, ds in datasets.items()}
    for loader in loaders.values():
        timed_pass(loader)  # warm-up: worker start, caches, page cache
    samples: dict[str, list[float]] = {name: [] for name in loaders}
    for _ in range(passes):
        for name, loader in loaders.items():
            samples[name].append(timed_pass(loader))
    result: dict[str, Any] = {name: round(statistics.median(v), 1) for name, v in samples.items()}
    ratios = [a / b for a, b in zip(samples["on_the_fly"], samples["disk_decode_jpeg"], strict=True)]
    result["ratio_on_the_fly_vs_disk"] = round(statistics.median(ratios), 3)
    result["ratio_per_round"] = [round(r, 3) for r in ratios]
    return result


def worker_memory(spec: Any, n: int) -> dict[str, Any]:
    """USS/RSS growth of 2 spawned workers rendering ``n`` images between them."""
    probe = MemoryProbe(SyntheticDataset(spec, length=n, seed=0))
    loader = DataLoader(probe, batch_size=None, num_workers=2, multiprocessing_context="spawn",
                        worker_init_fn=remember_baseline,
                        generator=torch.Generator().manual_seed(0))
    last: dict[int, dict[str, Any]] = {}
    for item in loader:
        last[item["worker"]] = item
    report = {}
    for worker, item in sorted(last.items()):
        (uss0, rss0) = item["start"]
        report[f"worker{worker}"] = {
            "uss_start_mib": round(uss0 / 1024, 1), "uss_end_mib": round(item["uss"] / 1024, 1),
            "renderer_state_uss_mib": round((item["uss"] - uss0) / 1024, 1),
            "rss_start_mib": round(rss0 / 1024, 1), "rss_end_mib": round(item["rss"] / 1024, 1)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "scenes" / "quickstart.yaml")
    parser.add_argument("--n", type=int, default=192, help="images per pass (default 192)")
    parser.add_argument("--passes", type=int, default=5,
                        help="timed rounds (median; default 5)")
    parser.add_argument("--no-masks", dest="masks", action="store_false",
                        help="targets without instance masks (boxes and labels only), both sides")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]), flush=True)
    started = time.perf_counter()
    spec = load_spec(args.spec)
    results: dict[str, Any] = {"spec": str(args.spec), "n": args.n, "batch": BATCH,
                               "masks": args.masks,
                               "canvas": [spec.canvas.width, spec.canvas.height]}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "disk"
        t0 = time.perf_counter()
        run_dataset(spec, RunConfig(out=out, n=args.n, seed=0, format="coco", workers=1))
        results["render_to_disk_img_s"] = round(args.n / (time.perf_counter() - t0), 1)
        datasets = {"on_the_fly": SyntheticDataset(spec, length=args.n, seed=0, masks=args.masks),
                    "disk_decode_jpeg": DiskDetection(out, args.masks),
                    "disk_loader_dataset": loader_dataset(out, masks=args.masks)}
        for workers in (0, 2):
            r = rates(datasets, workers, args.passes)
            results[f"workers{workers}_img_s"] = r
            print(f"num_workers={workers}: {json.dumps(r)}", flush=True)
    results["worker_memory_spawn"] = worker_memory(spec, min(args.n, 64))
    results["wall_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
