"""Households per second per core on a local Dask cluster against the single-machine path, one run.

Generates a synthetic Parquet dataset in partitions (one file per partition; area, district,
income and the standard's 12 indicator flags), then classifies it:

1. single machine: ``classify_frame`` file after file in this process (one core);
2. ``normkit.poverty.dask.classify_dataset`` on a ``distributed.LocalCluster`` of ``--workers``
   one-thread worker processes, each with ``--memory-limit`` (Dask spills or restarts a worker
   above it), reading and writing Parquet datasets.

Prints both rates per core and their ratio. The dataset is written to ``--dir`` (a temporary
folder by default) and never committed; 100,000,000 households take about 6 GB.

    python benchmarks/dask_households.py [--households 400000] [--files 8] [--workers 2] [--memory-limit 1GiB]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from normkit.poverty.batch import classify_frame
from normkit.poverty.standards import load_standard


def generate(folder: Path, households: int, files: int, ids: tuple[str, ...], seed: int = 17) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sizes = [len(a) for a in np.array_split(np.arange(households), files)]
    start = 0
    for k, n in enumerate(sizes):
        cols = {
            "household_id": pa.array(np.char.add("H", np.arange(start, start + n).astype(str))),
            "district": pa.DictionaryArray.from_arrays(rng.integers(0, 3, n).astype(np.int8), ["D1", "D2", "D3"]),
            "area": pa.DictionaryArray.from_arrays((rng.random(n) < 0.35).astype(np.int8), ["rural", "urban"]),
            "income_per_capita": pa.array(rng.integers(0, 4_000_000, n, dtype=np.int64)),
        }
        for i in ids:
            cols[i] = pa.array(rng.random(n) < 0.2)
        pq.write_table(pa.table(cols), folder / f"part-{k:05d}.parquet")
        start += n


def single_machine(folder: Path, std: object) -> tuple[float, int]:
    import pandas as pd

    start, rows = time.perf_counter(), 0
    for f in sorted(folder.glob("*.parquet")):
        r = classify_frame(pd.read_parquet(f), std)  # type: ignore[arg-type]
        rows += r.rows_in
    return time.perf_counter() - start, rows


def on_dask(folder: Path, out: Path, std: object, workers: int, memory_limit: str) -> tuple[float, int, float]:
    import dask.dataframe  # noqa: F401  # imported before the clock starts, as pandas is for the single-machine side
    import distributed

    from normkit.poverty.dask import StandardRef, classify_dataset, verify_workers

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        start = time.perf_counter()
        verify_workers(StandardRef.of(std), client)  # type: ignore[arg-type]  # each worker loads the standard once
        print(f"  cluster warm-up (each worker imports normkit and loads the standard): {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        s = classify_dataset(folder, out, std, scheduler=cluster.scheduler_address)  # type: ignore[arg-type]
        took = time.perf_counter() - start
        peak = max(client.run(_peak_rss).values())
    return took, s.rows_in, peak


def _peak_rss() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux reports KiB)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=400_000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="1GiB")
    ap.add_argument("--dir", help="where the dataset and outputs go (default: a temporary folder, removed after)")
    args = ap.parse_args()
    std = load_standard(year=2024)
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="normkit-dask-"))
    src, out = base / "households", base / "classified"
    try:
        t0 = time.perf_counter()
        if not src.exists():
            generate(src, args.households, args.files, std.indicator_ids)
        print(f"normkit Dask benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.2f}"
              f" on {os.cpu_count()} cores; {args.households:,} households in {args.files} Parquet files"
              f" (generated in {time.perf_counter() - t0:.1f} s)")
        t_single, n_single = single_machine(src, std)
        for p in (out, out.with_name(out.name + ".rejects")):
            shutil.rmtree(p, ignore_errors=True)
        t_dask, n_dask, peak = on_dask(src, out, std, args.workers, args.memory_limit)
        assert n_single == n_dask == args.households
        per_single = n_single / t_single
        per_dask = n_dask / t_dask / args.workers
        print(f"  single machine (classify_frame, 1 core, no output written): {t_single:7.2f} s  {per_single:12,.0f} households/s")
        print(f"  Dask LocalCluster, {args.workers} workers × 1 thread, {args.memory_limit} each, Parquet in and out:"
              f" {t_dask:7.2f} s  {n_dask / t_dask:12,.0f} households/s = {per_dask:,.0f} per core;"
              f" peak worker RSS {peak:,.0f} MiB")
        print(f"  ratio per core, Dask / single machine = {per_dask / per_single:.2f}")
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
