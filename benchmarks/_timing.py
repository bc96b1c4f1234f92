"""Small timing helpers. Ratios are measured in one run, interleaving the two sides so a
shared machine's noise falls on both, and keeping the best of many rounds."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int = 7, number: int = 20) -> float:
    """Seconds per call: the best of ``repeat`` runs of ``number`` calls each."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def paired(a: Callable[[], object], b: Callable[[], object], rounds: int = 30, number_a: int = 5, number_b: int = 5) -> tuple[float, float]:
    """Best seconds per call of ``a`` and of ``b``, measured in alternating rounds."""
    best_a = best_b = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number_a):
            a()
        best_a = min(best_a, (time.perf_counter() - start) / number_a)
        start = time.perf_counter()
        for _ in range(number_b):
            b()
        best_b = min(best_b, (time.perf_counter() - start) / number_b)
    return best_a, best_b
