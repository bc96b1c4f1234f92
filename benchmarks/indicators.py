"""Households given as 12 indicator flags (not a count): normkit against hand-written code, one run.

Prints ratios measured in the same process, interleaving the two sides (``_timing.paired``):

1. arrays, at ``--rows`` and ``--big-rows`` households: the pack's ``indicator_deprivation_count``
   then ``status`` (two evaluations, as ``classify_frame`` runs them) against a hand-written NumPy
   count of the flags (``int8``, in place) and the same status rule (target: at most 1.5×);
2. one household at a time: ``household_classifier`` on dicts holding the 12 flags against a
   hand-written Python function (target: at most 5×).

    python benchmarks/indicators.py [--rows 1000000] [--big-rows 10000000] [--single 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import paired
from poverty_classify import numpy_by_hand, python_by_hand

from normkit.core.lang.vector import Text, evaluate_columns
from normkit.poverty.household import household_classifier
from normkit.poverty.standards import load_standard


def flags_population(ids: tuple[str, ...], n: int, seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    cols = {i: rng.random(n) < 0.2 for i in ids}
    cols["urban"] = rng.random(n) < 0.35
    cols["income"] = rng.integers(0, 4_000_000, n, dtype=np.int64)
    return cols


def numpy_count(flags: list[np.ndarray]) -> np.ndarray:
    count = flags[0].astype(np.int8)
    for f in flags[1:]:
        np.add(count, f, out=count, dtype=np.int8)
    return count


def arrays(n: int) -> float:
    std = load_standard(year=2024)
    ids = std.indicator_ids
    pop = flags_population(ids, n)
    area = Text(pop["urban"].view(np.int8), ("rural", "urban"))
    flags = {i: pop[i] for i in ids}
    rs, at = std.rules, std.at

    def normkit() -> Any:
        count, _ = evaluate_columns(rs, "indicator_deprivation_count", at, flags, n)
        status, _ = evaluate_columns(rs, "status", at, {"area": area, "income_per_capita": pop["income"], "deprivation_count": count}, n)
        return status

    def by_hand() -> np.ndarray:
        return numpy_by_hand(pop["urban"], pop["income"], numpy_count([pop[i] for i in ids]))

    result, hand = normkit(), by_hand()
    order = {s: k for k, s in enumerate(("poor", "near_poor", "middle", "none"))}
    remap = np.array([order[c] for c in result.categories], dtype=np.int8)
    assert np.array_equal(remap[result.codes], hand), "normkit and the hand-written NumPy rule disagree"
    rounds = 5 if n <= 2_000_000 else 3
    t_nk, t_np = paired(normkit, by_hand, rounds=rounds, number_a=1, number_b=1)
    print(f"{n:>12,} households, 12 flags -> count -> status: NumPy {t_np * 1e3:8.1f} ms, normkit {t_nk * 1e3:8.1f} ms"
          f"   ratio {t_nk / t_np:.2f}×   (target ≤ 1.5×)")
    return t_nk / t_np


def python_flags(ids: tuple[str, ...]) -> Any:
    def classify(h: dict[str, Any]) -> str:
        d = 0
        for i in ids:
            if h[i]:
                d += 1
        return python_by_hand({"area": h["area"], "income_per_capita": h["income_per_capita"], "deprivation_count": d})

    return classify


def single(count: int) -> float:
    std = load_standard(year=2024)
    ids = std.indicator_ids
    classify = household_classifier(std)
    pop = flags_population(ids, count, seed=9)
    households = []
    for k in range(count):
        h: dict[str, Any] = {"area": "urban" if pop["urban"][k] else "rural", "income_per_capita": int(pop["income"][k])}
        h.update({i: bool(pop[i][k]) for i in ids})
        households.append(h)
    hand = python_flags(ids)
    assert [classify(h) for h in households] == [hand(h) for h in households]

    def loop(fn: Any) -> Any:
        def run() -> None:
            for h in households:
                fn(h)
        return run

    t_nk, t_py = paired(loop(classify), loop(hand), rounds=5, number_a=1, number_b=1)
    print(f"one household at a time, 12 flags ({count:,} households): Python {t_py / count * 1e6:6.2f} µs,"
          f" normkit {t_nk / count * 1e6:6.2f} µs   ratio {t_nk / t_py:.2f}×   (target ≤ 5×)")
    return t_nk / t_py


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--big-rows", type=int, default=10_000_000)
    ap.add_argument("--single", type=int, default=20_000)
    args = ap.parse_args()
    print(f"normkit indicator-path benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, numpy {np.__version__},"
          f" load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    arrays(args.rows)
    if args.big_rows:
        arrays(args.big_rows)
    single(args.single)


if __name__ == "__main__":
    main()
