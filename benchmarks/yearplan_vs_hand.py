"""Quoting the illustrative 2023 year plan (31 items: TV, radio, online, an edited music
programme; royalties, duration checks) against a hand-written Decimal computation.

Target (issue 3): at most 5× the hand-written computation of the same.

    python benchmarks/yearplan_vs_hand.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from _timing import paired
from handpriced import price_year_plan_lines

import normkit.api
from normkit.media.orders import load_order


def main() -> None:
    rules = normkit.api.load(ROOT / "examples" / "packs" / "example-province")
    order = load_order(ROOT / "examples" / "orders" / "year-plan-2023.yaml")
    quote = rules.quote(order)
    _items, total, hand_lines = price_year_plan_lines()
    assert quote.total == total, (quote.total, total)
    assert len(hand_lines) == len(quote.lines)
    engine, hand = paired(lambda: rules.quote(order), price_year_plan_lines, rounds=40, number_a=5, number_b=20)
    print(f"year plan: {len(quote.items)} items, {len(quote.lines)} lines, total {quote.total} VND (matches hand-written)")
    print(f"hand-written Decimal (same lines and totals): {hand * 1e3:7.3f} ms")
    print(f"normkit quote + trace: {engine * 1e3:7.3f} ms   ratio {engine / hand:4.2f}×  (target ≤ 5×)")


if __name__ == "__main__":
    main()
