"""Loaders for rendered and real datasets, all returning the same ``LoadedSample`` records.

Formats: synth's outputs (COCO, YOLO, ImageFolder, WebDataset) and plain third-party sets in
those layouts, MNIST idx files, the GTSRB layout and plain image folders. No torch here: the
torch adapter is ``renderer.torch.loader_dataset``.

Example::

    from renderer.datasets import load
    ds = load("out/quickstart")          # format detected from the folder
    s = ds[0]                            # s.image (H, W, 3) uint8, s.boxes (n, 4) XYXY px,
    masks = s.masks()                    # s.category_ids, (n, H, W) bool decoded on demand
"""

from renderer.datasets.base import DatasetError, LoadedDataset, LoadedSample
from renderer.datasets.detect import LOADERS, detect_format, load
from renderer.datasets.eval_input import to_eval_set
from renderer.datasets.rendered import from_sample

__all__ = ["LOADERS", "DatasetError", "LoadedDataset", "LoadedSample", "detect_format",
           "from_sample", "load", "to_eval_set"]
