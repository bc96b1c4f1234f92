"""Small timing helpers: best-of-N wall time, so ratios measured in one run are stable."""

from __future__ import annotations

import time
from typing import Callable


def best_of(fn: Callable[[], object], repeat: int = 7, number: int = 20) -> float:
    """Seconds per call: the best of ``repeat`` runs of ``number`` calls each."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best
