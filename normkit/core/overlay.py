"""Overlays: a what-if's new values for existing parameters, as a pydantic model (the file format)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from normkit.core.fields import SetName, Strict, Text


class Overlay(Strict):
    """A what-if: new values for existing parameters, without editing any pack."""

    normkit_overlay: Literal[1] = 1
    label: Text = "what-if"
    set: dict[SetName, Decimal | bool | Text]


__all__ = ["Overlay"]
