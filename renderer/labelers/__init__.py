"""Labelers: labels computed from the rendered instance map, never from the spec."""

from renderer.labelers.instances import label_objects

__all__ = ["label_objects"]
