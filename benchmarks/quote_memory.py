"""Memory of a long-lived rule set: 100,000 one-item quotes of distinct quantities and dates.

This is what ``normkit serve`` does all day. A rule set may keep what it computed for a date or
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
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import normkit.api  # noqa: E402
from normkit.media.orders import order_from_data  # noqa: E402

NORM = "01.03.01.50.10"
FIRST = dt.date(2019, 7, 1)  # the example pack's validity starts here; it has no end
DAYS = 365 * 7  # dates spread over seven years of validity
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


def order(i: int) -> object:
    """The i-th order: a distinct quantity (i/100 + 1 bulletins) on one of DAYS distinct dates."""
    at = FIRST + dt.timedelta(days=(i * 7919) % DAYS)  # a stride coprime with DAYS: every date, shuffled
    qty = Decimal(i) / 100 + 1
    return order_from_data({"id": f"m{i}", "date": at.isoformat(), "items": [{"id": "a", "norm": NORM, "quantity": str(qty)}]})


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rules = normkit.api.load(ROOT / "examples" / "packs" / "example-province")
    tracemalloc.start()
    for i in range(WARMUP):
        rules.quote(order(i))
    gc.collect()
    warm_heap, _ = tracemalloc.get_traced_memory()
    warm_rss = rss_kib()
    start = time.perf_counter()
    for i in range(WARMUP, WARMUP + n):
        rules.quote(order(i))
    elapsed = time.perf_counter() - start
    gc.collect()
    end_heap, peak_heap = tracemalloc.get_traced_memory()
    end_rss = rss_kib()
    grow = end_heap - warm_heap
    print(f"quotes: {WARMUP} warm-up, then {n} one-item orders of distinct quantities over {DAYS} dates "
          f"({elapsed / n * 1e6:.0f} µs per quote with tracemalloc on)")
    print(f"traced heap after warm-up: {warm_heap / 2**20:8.2f} MiB   at end: {end_heap / 2**20:8.2f} MiB   "
          f"peak: {peak_heap / 2**20:8.2f} MiB")
    print(f"heap growth over {n} quotes: {grow / 2**20:+8.2f} MiB  ({grow / n:+.1f} bytes per quote; target: flat)")
    print(f"RSS after warm-up: {warm_rss / 1024:8.1f} MiB   at end: {end_rss / 1024:8.1f} MiB   growth {(end_rss - warm_rss) / 1024:+.1f} MiB")


if __name__ == "__main__":
    main()
