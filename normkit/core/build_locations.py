"""Locations are kept as text in the compiled (cached) set; this reads them back."""

from __future__ import annotations

from normkit.core.errors import Location


def loc_from(text: str) -> Location:
    """Parse ``file:line:col path`` (as written by :class:`~normkit.core.errors.Location`)."""
    head, _, path = text.partition(" ")
    parts = head.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return Location(parts[0], int(parts[1]), int(parts[2]), path or None)
    return Location(head, path=path or None)
