"""``classify_frame`` (the documented DataFrame API) against hand-written NumPy on the same DataFrame.

Both sides start from the same pandas DataFrame (``area`` as text, ``income_per_capita`` and
``deprivation_count`` as int64) and end with a ``status`` column; the hand-written side reads the
columns, applies the 2022–2026 rule and attaches a categorical status, without any checks. The
ratio is measured in one process, the two sides interleaved; the memory is tracemalloc's peak of
one ``classify_frame`` call, per household. ``--categorical`` gives ``area`` as a pandas categorical
(as a Parquet dictionary column is read).

    python benchmarks/classify_frame.py [--rows 1000000] [--categorical]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import paired
from poverty_classify import numpy_by_hand

from normkit.poverty.batch import classify_frame
from normkit.poverty.standards import load_standard

CODES = ("poor", "near_poor", "middle", "none")


def frame(n: int, categorical: bool, seed: int = 23) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    area = np.where(rng.random(n) < 0.35, "urban", "rural")
    return pd.DataFrame({"area": pd.Categorical(area) if categorical else area,
                         "income_per_capita": rng.integers(0, 4_000_000, n, dtype=np.int64),
                         "deprivation_count": rng.integers(0, 13, n, dtype=np.int64)})


def by_hand(df: pd.DataFrame) -> pd.DataFrame:
    urban = df["area"].to_numpy() == "urban"
    codes = numpy_by_hand(urban, df["income_per_capita"].to_numpy(), df["deprivation_count"].to_numpy())
    out = df.copy(deep=False)
    out["status"] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(list(CODES)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--categorical", action="store_true")
    args = ap.parse_args()
    std = load_standard(year=2024)
    df = frame(args.rows, args.categorical)
    print(f"normkit classify_frame benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, pandas {pd.__version__},"
          f" load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; area {'categorical' if args.categorical else 'text'}")
    got = classify_frame(df, std)
    want = by_hand(df)
    assert len(got.rejects) == 0 and got.classified["status"].astype(str).tolist() == want["status"].astype(str).tolist()

    def normkit() -> Any:
        return classify_frame(df, std)

    t_nk, t_np = paired(normkit, lambda: by_hand(df), rounds=5, number_a=1, number_b=1)
    tracemalloc.start()
    classify_frame(df, std)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {args.rows:,} households: NumPy by hand {t_np * 1e3:8.1f} ms, classify_frame {t_nk * 1e3:8.1f} ms"
          f"   ratio {t_nk / t_np:.2f}×   (target ≤ 3×); classify_frame peak {peak / args.rows:.0f} bytes a row")


if __name__ == "__main__":
    main()
