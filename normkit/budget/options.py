"""Budget line options: the names a budget may give them, and the pack input each one fills.

Used by the budget model (to read option keys) and by the readers (to read table headers),
so that every file format names options the same way.

>>> option_name("Hệ số nhuận bút")
'royalty_coefficient'
"""

from __future__ import annotations

from normkit.core.io.tables import words

# option names (JSON keys or table headers) -> the pack input they fill
OPTIONS: dict[str, tuple[str, ...]] = {
    "royalty_genre": ("royalty genre", "genre", "the loai", "the loai nhuan but"),
    "royalty_coefficient": ("royalty coefficient", "royalty", "he so nhuan but", "he so"),
    "edited_share": ("edited share", "ty le bien tap", "ty le"),
    "duration_override_reason": ("duration override reason", "override reason", "ly do", "ly do dieu chinh thoi luong"),
    "actual_duration": ("actual duration input",),
    "language": ("language", "ngon ngu"),
}
OPTION_WORDS: dict[str, str] = {syn: f for f, syns in OPTIONS.items() for syn in syns}
"""Folded header words -> the input they name."""


def option_name(key: str) -> str:
    """The pack input an option key names: ``"Hệ số nhuận bút"`` -> ``royalty_coefficient``;
    a key that is already an input name (or unknown) is returned as written, trimmed."""
    w = words(key)
    if w in OPTION_WORDS:
        return OPTION_WORDS[w]
    snake = w.replace(" ", "_")
    return snake if snake in OPTIONS else key.strip()


__all__ = ["OPTIONS", "OPTION_WORDS", "option_name"]
