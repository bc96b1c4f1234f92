"""A hand-written Decimal computation of the example order, independent of the engine.

It encodes the same rule as rules/vn-media-pricing with the illustrative rate card of
examples/packs/example-province, for norm 01.03.01.50.10. Tests compare the engine against
it, and benchmarks/quote_vs_hand.py times it as the baseline.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

D = Decimal
COEF = {("A1", 2): D("2.67"), ("A1", 3): D("3.00"), ("A1", 4): D("3.33"), ("A1", 6): D("3.99"), ("A1", 8): D("4.65"),
        ("A0", 3): D("2.72"), ("A2.1", 1): D("4.40")}
LABOUR = [("A1", 3, D("0.04")), ("A1", 4, D("0.99")), ("A1", 3, D("0.08")), ("A1", 6, D("0.35")), ("A1", 8, D("0.01")),
          ("A1", 3, D("0.04")), ("A1", 2, D("0.16")), ("A1", 3, D("0.04")), ("A0", 3, D("0.05")), ("A2.1", 1, D("0.12")),
          ("A1", 3, D("0.04")), ("A1", 6, D("0.03"))]
EQUIPMENT = [(D("3.10"), D(120000)), (D("0.36"), D(80000)), (D("0.33"), D(450000)), (D("0.05"), D(5000)), (D("8.86"), D(3000))]
MATERIAL = [(D("0.06"), D(75000)), (D("0.02"), D(950000))]
ONE = D(1)


def price_lines(n: Decimal, base_salary: Decimal = D(2340000), days: Decimal = D(22), allowance: Decimal = D("0.10"),
                contributions: Decimal = D("0.235"), other: Decimal = D("0.05"), overhead: Decimal = D("0.10")) -> tuple[list[tuple], Decimal]:
    """The lines (quantity, rate, amount) and total VND for ``n`` bulletins, each line rounded
    half-up to 1 đồng."""
    uplift = ONE + allowance + contributions
    lines = []
    direct = D(0)
    for scale, step, q in LABOUR:
        rate = COEF[scale, step] * base_salary * uplift / days
        qty = q * n
        amount = (qty * rate).quantize(ONE, ROUND_HALF_UP)
        lines.append((qty, rate, amount))
        direct += amount
    for q, rate in EQUIPMENT + MATERIAL:
        qty = q * n
        amount = (qty * rate).quantize(ONE, ROUND_HALF_UP)
        lines.append((qty, rate, amount))
        direct += amount
    odc = (direct * other).quantize(ONE, ROUND_HALF_UP)
    oh = ((direct + odc) * overhead).quantize(ONE, ROUND_HALF_UP)
    lines += [(ONE, odc, odc), (ONE, oh, oh)]
    return lines, direct + odc + oh


def price_bulletins(n: Decimal, **kw: Decimal) -> Decimal:
    """Total VND for ``n`` bulletins."""
    return price_lines(n, **kw)[1]
