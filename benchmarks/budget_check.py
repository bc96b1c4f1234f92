"""Checking a 10,000-line budget: lines per second, and the ratio to quoting each line alone.

The budget (built in memory; illustrative prices of examples/packs/example-province) mixes the
five example products with varied quantities, options and claims, so the check does its full
work per line (claim arithmetic, duplicates, options, ceiling, findings). "Quoting each line
alone" prices every line as its own one-item order with the engine, without any check: the
ratio says what the check costs per line against the engine's own per-line pricing.

    python benchmarks/budget_check.py [LINES]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import normkit
from normkit.budget import Budget, check

PRODUCTS = [("01.03.01.50.10", {}, None), ("EX-TV-PS15", {"royalty_genre": "phong_su", "royalty_coefficient": "25"}, None),
            ("EX-RD-PS10", {"royalty_genre": "phong_su", "royalty_coefficient": "20"}, "9.8 minute"), ("EX-ON-BV", {}, None),
            ("13.20.20.00.00-edited", {"edited_share": "15%"}, None)]


def make_budget(n: int) -> Budget:
    lines = []
    for i in range(n):
        code, options, duration = PRODUCTS[i % len(PRODUCTS)]
        qty = 1 + i % 7
        line = {"ref": str(i + 1), "product": code, "description": f"line {i + 1}", "quantity": qty, "unit_price": str(500000 + i % 13 * 1000),
                "amount": str((500000 + i % 13 * 1000) * qty), "options": options}
        if duration:
            line["duration"] = duration
        lines.append(line)
    return Budget.model_validate({"id": "BENCH", "date": "2024-09-15", "lines": lines})


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rules = normkit.load(ROOT / "examples" / "packs" / "example-province")
    budget = make_budget(n)
    check(make_budget(50), rules=rules)  # warm the rule set's caches, as a long-running service has them
    start = time.perf_counter()
    report = check(budget, rules=rules)
    t_check = time.perf_counter() - start
    assert report.totals.lines == n and report.totals.priced_lines == n, report.counts
    orders = [{"id": f"o{ln.ref}", "date": "2024-09-15",
               "items": [{"norm": ln.product, "quantity": ln.quantity,
                          "inputs": dict(ln.options, **({"actual_duration": ln.duration} if ln.duration else {}))}]}
              for ln in budget.lines]
    from normkit.media.orders import order_from_data

    parsed = [order_from_data(o) for o in orders]
    start = time.perf_counter()
    for o in parsed:
        rules.quote(o)
    t_alone = time.perf_counter() - start
    print(f"budget check: {n} lines in {t_check:.3f} s = {n / t_check:,.0f} lines/s "
          f"({report.counts['error']} errors, {report.counts['warning']} warnings)")
    print(f"quoting each line alone: {n} quotes in {t_alone:.3f} s = {n / t_alone:,.0f} quotes/s")
    print(f"ratio check / quoting each line alone: {t_check / t_alone:.2f}")


if __name__ == "__main__":
    main()
