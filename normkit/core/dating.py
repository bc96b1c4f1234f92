"""Choosing the value in force at a date, saying which dates are covered, and cutting time into
epochs: the intervals over which every value in force stays the same.

>>> d = dt.date
>>> bounds = boundaries([(d(2023, 7, 1), None), (d(2024, 7, 1), None), (d(2019, 1, 1), d(2024, 6, 30))])
>>> [str(b) for b in bounds]
['2019-01-01', '2023-07-01', '2024-07-01']
>>> epoch_of(bounds, d(2024, 6, 30)), epoch_of(bounds, d(2024, 7, 1)), epoch_of(bounds, d(2030, 1, 1))
(2, 3, 3)
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
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



def boundaries(spans: Iterable[tuple[dt.date, dt.date | None]]) -> tuple[dt.date, ...]:
    """The sorted distinct days on which something may come into or go out of force: every span's
    first day, and the day after every span's last day.

    Between two consecutive boundaries (an *epoch*) :func:`in_force` returns the same value for
    every dated thing whose spans were given: no start and no end falls inside an epoch."""
    out: set[dt.date] = set()
    for start, end in spans:
        out.add(start)
        if end is not None and end < dt.date.max:
            out.add(end + dt.timedelta(days=1))
    return tuple(sorted(out))


def epoch_of(bounds: Sequence[dt.date], at: dt.date) -> int:
    """The epoch of ``at`` among ``bounds`` (from :func:`boundaries`): 0 before the first
    boundary, i from ``bounds[i-1]`` up to the day before ``bounds[i]``."""
    return bisect_right(bounds, at)


def epoch_span(bounds: Sequence[dt.date], epoch: int) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of ``epoch`` (None: unbounded on that side)."""
    first = bounds[epoch - 1] if epoch > 0 else None
    last = bounds[epoch] - dt.timedelta(days=1) if epoch < len(bounds) else None
    return first, last
