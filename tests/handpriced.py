"""A hand-written Decimal computation of the example order, independent of the engine.

It encodes the same rule as rules/vn-media-pricing with the illustrative rate card of
examples/packs/example-province, for norm 01.03.01.50.10. Tests compare the engine against
it, and benchmarks/quote_vs_hand.py times it as the baseline.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

D = Decimal
COEF = {("A1", 2): D("2.67"), ("A1", 3): D("3.00"), ("A1", 4): D("3.33"), ("A1", 6): D("3.99"), ("A1", 8): D("4.65"),
        ("A0", 3): D("2.72"), ("A2.2", 1): D("4.00")}
# Broadcaster grade II (phát thanh viên hạng II, V11.10.28) is on A2.2, step 1 = 4.00: Circular
# 30/2020/TT-BTTTT Art. 5 (8 steps, 4.00–6.38) with NĐ 204/2004 Bảng 3. Until Dec 2026 this oracle
# and the pack both used A2.1 (4.40): 6,816 đ more labour per bulletin, 7,872 đ more in all.
LABOUR = [("A1", 3, D("0.04")), ("A1", 4, D("0.99")), ("A1", 3, D("0.08")), ("A1", 6, D("0.35")), ("A1", 8, D("0.01")),
          ("A1", 3, D("0.04")), ("A1", 2, D("0.16")), ("A1", 3, D("0.04")), ("A0", 3, D("0.05")), ("A2.2", 1, D("0.12")),
          ("A1", 3, D("0.04")), ("A1", 6, D("0.03"))]
EQUIPMENT = [(D("3.10"), D(120000)), (D("0.36"), D(80000)), (D("0.33"), D(450000)), (D("0.05"), D(5000)), (D("8.86"), D(3000))]
MATERIAL = [(D("0.06"), D(75000)), (D("0.02"), D(950000))]
ONE = D(1)


def price_lines(n: Decimal, base_salary: Decimal = D(2340000), days: Decimal = D(22), allowance: Decimal = D("0.10"),
                contributions: Decimal = D("0.235"), other: Decimal = D("0.05"), overhead: Decimal = D("0.10")) -> tuple[list[tuple], Decimal]:
    """The lines (quantity, rate, amount) and total VND for ``n`` bulletins: the unit price of ONE
    bulletin (each line rounded half-up to 1 đồng), then every amount × ``n``, rounded half-up."""
    uplift = ONE + allowance + contributions
    lines = []
    direct = D(0)
    for scale, step, q in LABOUR:
        rate = COEF[scale, step] * base_salary * uplift / days
        amount = (q * rate).quantize(ONE, ROUND_HALF_UP)
        lines.append((q, rate, amount))
        direct += amount
    for q, rate in EQUIPMENT + MATERIAL:
        amount = (q * rate).quantize(ONE, ROUND_HALF_UP)
        lines.append((q, rate, amount))
        direct += amount
    odc = (direct * other).quantize(ONE, ROUND_HALF_UP)
    oh = ((direct + odc) * overhead).quantize(ONE, ROUND_HALF_UP)
    lines += [(ONE, odc, odc), (ONE, oh, oh)]
    unit = direct + odc + oh
    if n == ONE:
        return lines, unit
    scaled = [(q * n if q is not ONE else ONE, rate if q is not ONE else amount * n, (amount * n).quantize(ONE, ROUND_HALF_UP))
              for q, rate, amount in lines]
    return scaled, (unit * n).quantize(ONE, ROUND_HALF_UP)


def price_bulletins(n: Decimal, **kw: Decimal) -> Decimal:
    """Total VND for ``n`` bulletins."""
    return price_lines(n, **kw)[1]


# ---- the illustrative 2023 year plan (examples/orders/year-plan-2023.yaml), by hand ---------
# Coefficients at 1,800,000 VND/month (in force on 2023-08-15), the example rate card's
# rates, and the example province's illustrative norm lines, copied here independently.
COEF.update({("A1", 3): D("3.00"), ("A1", 4): D("3.33"), ("A0", 3): D("2.72")})
HOUR = {"camera_hd": D(95000), "he_thong_dung_phi_tuyen": D(120000), "he_thong_phong_doc": D(80000), "may_vi_tinh": D(3000),
        "thiet_bi_thu_thanh": D(60000), "phong_thu_am": D(150000)}
PAPER = D(75000)
TV = [("L", "A1", 3, "2.50"), ("L", "A1", 3, "2.00"), ("L", "A1", 4, "1.00"), ("L", "A1", 3, "1.50"), ("L", "A1", 3, "0.30"),
      ("L", "A0", 3, "0.20"), ("E", "camera_hd", "12.00"), ("E", "he_thong_dung_phi_tuyen", "6.00"), ("E", "he_thong_phong_doc", "0.50"),
      ("E", "may_vi_tinh", "10.00"), ("M", "0.05")]
ETHNIC_TV = [("L", "A1", 4, "1.00"), ("L", "A0", 3, "0.30")]
RADIO = [("L", "A1", 3, "1.50"), ("L", "A1", 4, "0.60"), ("L", "A0", 3, "0.50"), ("L", "A0", 3, "0.20"), ("E", "thiet_bi_thu_thanh", "4.00"),
         ("E", "phong_thu_am", "1.00"), ("E", "may_vi_tinh", "6.00"), ("M", "0.03")]
ETHNIC_RADIO = [("L", "A1", 4, "0.80"), ("L", "A0", 3, "0.25")]
ONLINE = [("L", "A1", 3, "1.00"), ("L", "A1", 4, "0.30"), ("E", "may_vi_tinh", "6.00")]
RECORDING = [("L", "A1", 4, "0.50"), ("L", "A0", 3, "0.40"), ("E", "phong_thu_am", "1.50"), ("E", "may_vi_tinh", "3.00"), ("M", "0.01")]
NORMS = {"EX-TV-PS15": TV, "EX-TV-PS15-DT": TV + ETHNIC_TV, "EX-RD-PS10": RADIO, "EX-RD-PS10-DT": RADIO + ETHNIC_RADIO,
         "EX-ON-BV": ONLINE, "13.20.20.00.00-edited": [x for x in RECORDING if x[0] != "M"]}


def year_plan_items() -> list[tuple[str, Decimal, Decimal, int]]:
    """(norm, quantity, share, royalty coefficient) for the 31 items of the plan."""
    items = []
    tv = [22, 25, 28, 30, 20, 24, 26, 30]
    for i in range(1, 13):
        items.append(("EX-TV-PS15" if i <= 8 else "EX-TV-PS15-DT", ONE, ONE, tv[(i - 1) % 8]))
    for i in range(1, 13):
        items.append(("EX-RD-PS10" if i <= 8 else "EX-RD-PS10-DT", ONE, ONE, 18 + i))
    for i in range(1, 7):
        items.append(("EX-ON-BV", ONE, ONE, 15 + i))
    items.append(("13.20.20.00.00-edited", D(6), D("0.15"), 0))
    return items


def price_year_plan(base_salary: Decimal = D(1800000)) -> tuple[list[Decimal], Decimal]:
    """Item totals and the plan's total: each item's one-unit price (lines rounded half-up to 1 đồng) × its quantity, rounded."""
    item_totals, total, _lines = price_year_plan_lines(base_salary)
    return item_totals, total


def price_year_plan_lines(base_salary: Decimal = D(1800000)) -> tuple[list[Decimal], Decimal, list[tuple]]:
    """The same, keeping every line (item, quantity, rate, amount) as a quote does."""
    uplift = ONE + D("0.10") + D("0.235")
    day = {key: c * base_salary * uplift / D(22) for key, c in COEF.items()}
    royalty_unit = D("0.10") * base_salary
    totals = []
    lines = []
    for index, (code, n, share, coef) in enumerate(year_plan_items()):
        # one product (its share of the base lines for a derived norm), each line rounded; then × n
        unit_lines = []
        direct = D(0)
        for line in NORMS[code]:
            if line[0] == "L":
                qty, rate = D(line[3]) * share, day[line[1], line[2]]
            elif line[0] == "E":
                qty, rate = D(line[2]) * share, HOUR[line[1]]
            else:
                qty, rate = D(line[1]) * share, PAPER
            amount = (qty * rate).quantize(ONE, ROUND_HALF_UP)
            unit_lines.append((qty, rate, amount))
            direct += amount
        odc = (direct * D("0.05")).quantize(ONE, ROUND_HALF_UP)
        overhead = ((direct + odc) * D("0.10")).quantize(ONE, ROUND_HALF_UP)
        royalty = (coef * royalty_unit).quantize(ONE, ROUND_HALF_UP)
        unit = direct + odc + overhead + royalty
        for qty, rate, amount in unit_lines:
            lines.append((index, qty * n, rate, (amount * n).quantize(ONE, ROUND_HALF_UP)))
        for amount in (odc, overhead, royalty) if royalty else (odc, overhead):
            lines.append((index, ONE, amount * n, (amount * n).quantize(ONE, ROUND_HALF_UP)))
        totals.append((unit * n).quantize(ONE, ROUND_HALF_UP))
    return totals, sum(totals, D(0)), lines
