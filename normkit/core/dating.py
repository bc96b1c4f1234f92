"""Choosing the value in force at a date, and saying which dates are covered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar


class DatedLike(Protocol):
    start: dt.date
    end: dt.date | None

    def covers(self, at: dt.date) -> bool: ...


T = TypeVar("T", bound=DatedLike)


def in_force(layers: Sequence[Sequence[T]], at: dt.date) -> T | None:
    """The value in force at ``at``: the highest-precedence layer that covers the date wins.

    Within a layer, a value runs from its start until its ``end`` or the next value's start.
    """
    for layer in layers:
        for item in reversed(layer):  # the latest start not after `at`
            if item.start <= at:
                if item.end is None or at <= item.end:
                    return item
                break
    return None


def coverage(layers: Sequence[Sequence[T]]) -> str:
    """Human description of the dates covered, e.g. ``2019-07-01 to 2023-06-30, from 2024-07-01``."""
    spans: list[tuple[dt.date, dt.date | None]] = []
    for layer in layers:
        for i, item in enumerate(layer):
            end = item.end
            if end is None and i + 1 < len(layer):
                end = layer[i + 1].start - dt.timedelta(days=1)
            spans.append((item.start, end))
    if not spans:
        return "no dates (no value is given)"
    spans.sort(key=lambda s: s[0])
    merged: list[list[dt.date | None]] = []
    for start, end in spans:
        if merged:
            last_end = merged[-1][1]
            if last_end is None:
                continue
            assert isinstance(last_end, dt.date)
            if start <= last_end + dt.timedelta(days=1):
                merged[-1][1] = None if end is None else max(last_end, end)
                continue
        merged.append([start, end])
    return ", ".join(f"from {s}" if e is None else f"{s} to {e}" for s, e in merged)

