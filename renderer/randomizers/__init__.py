"""Randomizers: plan-time draws of pose, material, blending and lighting (pure, JSON-able)."""

from renderer.randomizers.blend import sample_blend
from renderer.randomizers.lighting import sample_lighting
from renderer.randomizers.material import sample_material
from renderer.randomizers.pose import sample_pose

__all__ = ["sample_blend", "sample_lighting", "sample_material", "sample_pose"]
