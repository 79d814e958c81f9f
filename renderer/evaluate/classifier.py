"""Former home of the task gap's image classifier, kept so existing imports keep working.

New code imports :mod:`renderer.evaluate.taskgap.classifier`.
"""

from renderer.evaluate.taskgap.classifier import (
    build_model,
    deterministic_torch,
    initialise,
    predict,
    train,
)

__all__ = ["build_model", "deterministic_torch", "initialise", "predict", "train"]
