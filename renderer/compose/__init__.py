"""Deterministic rasteriser: layers -> image + instance map."""
