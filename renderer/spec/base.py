"""Base model of every spec block: frozen, no unknown keys, defaults validated too."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SpecModel(BaseModel):
    """Base of all spec blocks (``extra="forbid"``: a typo is an error naming the field)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
