"""Former home of the classification task gap, kept so existing imports keep working.

New code imports :mod:`renderer.evaluate.taskgap.classification`.
"""

from renderer.evaluate.taskgap.classification import (
    TaskConfig,
    aligned_labels,
    confusion,
    stratified_split,
    task_gap,
)

__all__ = ["TaskConfig", "aligned_labels", "confusion", "stratified_split", "task_gap"]
