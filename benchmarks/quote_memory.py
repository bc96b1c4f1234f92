"""Memory of a long-lived rule set: 100,000 one-item quotes of distinct quantities and dates.

This is what ``normkit serve`` does all day. Two phases of n/2 quotes each: distinct quantities
on 32 dates spread over seven years (the priced-block cache is what could grow), then distinct
quantities each on a new date (the per-date caches could grow). A rule set may keep what it computed for a date or
a quantity (that is what makes the second quote fast), but only up to a stated bound: memory
must stay flat however many distinct orders it prices. Prints the traced Python heap
(tracemalloc) and the resident set size after a warm-up and at the end, and their growth.

    python benchmarks/quote_memory.py            # 100,000 quotes
    python benchmarks/quote_memory.py 20000      # fewer, for a quick look
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import normkit.api
from normkit.media.orders import order_from_data
from normkit.media.schema import Order

NORM = "01.03.01.50.10"
FIRST = dt.date(2019, 7, 1)  # the example pack set's validity starts here and has no end
HOT_DATES = [FIRST + dt.timedelta(days=80 * k) for k in range(32)]  # 32 dates over seven years
WARMUP = 5000


def rss_kib() -> int:
    """Resident set size of this process in KiB (Linux), 0 where /proc is absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Orders:
    """One-item orders, each of a distinct quantity (i/100 + 1 bulletins); copies of one parsed
    order, so that building them costs little next to pricing them."""

    def __init__(self) -> None:
        self.template = order_from_data({"id": "m", "date": FIRST.isoformat(), "items": [{"id": "a", "norm": NORM, "quantity": 1}]})
        self.item = self.template.items[0]

    def make(self, i: int, at: dt.date) -> Order:
        item = self.item.model_copy(update={"quantity": Decimal(i) / 100 + 1})
        return self.template.model_copy(update={"id": f"m{i}", "date": at, "items": [item]})

    def hot(self, i: int) -> Order:
        """On one of 32 dates: what a service sees most (many quantities, few dates)."""
        return self.make(i, HOT_DATES[i % len(HOT_DATES)])

    def spread(self, i: int) -> Order:
        """On its own date (day i after the start of validity): every quote a new date."""
        return self.make(i, FIRST + dt.timedelta(days=i))


def heap() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def phase(rules: Any, name: str, make: Callable[[int], Order], first: int, n: int) -> tuple[int, int]:
    """Price n orders; print the heap at five checkpoints. Returns the heap growth over the
    whole phase and over its second half (when the bounded tables have settled to its mix)."""
    start_heap = heap()
    marks = [start_heap]
    start = time.perf_counter()
    step = max(n // 5, 1)
    for k in range(0, n, step):
        for i in range(first + k, first + min(k + step, n)):
            rules.quote(make(i))
        marks.append(heap())
    elapsed = time.perf_counter() - start
    half = marks[len(marks) // 2]
    print(f"{name}: {n} quotes, {elapsed / n * 1e6:.0f} µs/quote; traced heap at each fifth (MiB): "
          + " ".join(f"{m / 2**20:.2f}" for m in marks))
    print(f"  growth over the phase {(marks[-1] - start_heap) / 2**20:+.2f} MiB, over its second half "
          f"{(marks[-1] - half) / 2**20:+.2f} MiB ({(marks[-1] - half) / max(n - n // 2, 1):+.1f} B/quote)")
    return marks[-1] - start_heap, marks[-1] - half


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rules = normkit.api.load(ROOT / "examples" / "packs" / "example-province")
    orders = Orders()
    tracemalloc.start()
    for i in range(WARMUP):  # fills the bounded tables: plans, dates, static checks, priced blocks
        rules.quote(orders.hot(i))
    warm_heap, warm_rss = heap(), rss_kib()
    print(f"after {WARMUP} warm-up quotes: traced heap {warm_heap / 2**20:.2f} MiB, RSS {warm_rss / 1024:.1f} MiB "
          f"(tracemalloc is on: µs/quote is several times the real cost)")
    phase(rules, "distinct quantities on 32 dates", orders.hot, WARMUP, n // 2)
    phase(rules, "distinct quantities, each on a new date", orders.spread, WARMUP + n // 2, n - n // 2)
    end_heap, peak = heap(), tracemalloc.get_traced_memory()[1]
    print(f"over {n} quotes after warm-up: traced heap {warm_heap / 2**20:.2f} -> {end_heap / 2**20:.2f} MiB "
          f"({(end_heap - warm_heap) / 2**20:+.2f} MiB, {(end_heap - warm_heap) / n:+.1f} B/quote; peak {peak / 2**20:.2f} MiB), "
          f"RSS {warm_rss / 1024:.1f} -> {rss_kib() / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
