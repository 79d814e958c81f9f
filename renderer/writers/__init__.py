"""Dataset writers, one module per format, registered in ``WRITERS``."""

from renderer.writers.base import WRITERS, DatasetInfo

__all__ = ["WRITERS", "DatasetInfo"]

from renderer.writers import bop, coco, imagefolder, webdataset, yolo  # noqa: F401
