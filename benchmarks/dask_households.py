"""Households per second per core on a local Dask cluster against the single machine, the same work on both sides.

Generates a synthetic Parquet dataset in partitions (one file per partition: household id, area,
district, income and the standard's 12 indicator flags; about 0.1 % of the incomes negative, so
the rejects are written too), then classifies it twice, each side reading Parquet, classifying
and writing Parquet (a classified and a rejects file per input file):

1. single machine: :func:`normkit.poverty.dask.classify_part` file after file in this process
   (one core) — the very function each Dask task runs — on the first ``--local-files`` files
   (default: all; a subset keeps a 100-million-household run short, and its rate per core is
   what is compared);
2. Dask: :func:`normkit.poverty.dask.classify_dataset` (``normkit classify --engine dask``) on a
   ``distributed.LocalCluster`` of ``--workers`` one-thread worker processes with
   ``--memory-limit`` each (Dask restarts a worker above it), over every file.

The outputs of the two sides are compared file by file (status counts and rejects). Prints both
rates per core (wall clock, and per CPU second: the cores here are shared, and CPU time is
what other processes' load does not change), their ratios, the peak worker RSS against the limit, the wall time and the load
average before and after each side (the 2 cores here are shared with other sessions). As a
reference it also times ``normkit classify``'s local engine (:func:`normkit.poverty.run.classify_file`,
which reads every column as text) on the first file. The dataset goes to ``--dir`` (a temporary
folder by default, removed after) and is never committed; 100,000,000 households take about 6 GB.

    python benchmarks/dask_households.py [--households 4000000] [--files 2] [--workers 2] [--memory-limit 1GiB]
    python benchmarks/dask_households.py --households 100000000 --files 40 --local-files 4 --dir /tmp/nk-100m
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# both sides with the Arrow allocator normkit's local_cluster() gives its workers (WORKER_ENV), so that
# the comparison measures Dask and not the allocator; set before pyarrow is imported
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from normkit.poverty.dask import Part, classify_part, dataset_parts, layout, local_cluster
from normkit.poverty.run import classify_file
from normkit.poverty.standards import Standard, load_standard


def generate(folder: Path, households: int, files: int, ids: tuple[str, ...], seed: int = 17) -> None:
    """``households`` rows in ``files`` Parquet files of (nearly) equal size; file k is the same for any
    number of files of that size (its own seed)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    sizes = [len(a) for a in np.array_split(np.arange(households), files)]
    start = 0
    for k, n in enumerate(sizes):
        rng = np.random.default_rng([seed, k])
        income = rng.integers(0, 4_000_000, n, dtype=np.int64)
        income[rng.random(n) < 0.001] = -1  # rejected: negative income_per_capita
        cols = {
            "household_id": pc.utf8_replace_slice(pc.cast(pa.array(np.arange(start, start + n)), pa.string()), 0, 0, "H"),
            "district": pa.DictionaryArray.from_arrays(rng.integers(0, 3, n).astype(np.int8), ["D1", "D2", "D3"]),
            "area": pa.DictionaryArray.from_arrays((rng.random(n) < 0.35).astype(np.int8), ["rural", "urban"]),
            "income_per_capita": pa.array(income),
        }
        for i in ids:
            cols[i] = pa.array(rng.random(n) < 0.2)
        pq.write_table(pa.table(cols), folder / f"part-{k:05d}.parquet")
        start += n


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def single_machine(parts: list[Part], out: Path, std: Standard, lay: Any) -> tuple[float, float, list[tuple[dict[str, int], int]]]:
    """Wall and CPU seconds of the single-machine side, and its per-file results."""
    out.mkdir(parents=True)
    start, cpu = time.perf_counter(), time.process_time()
    results = [classify_part(p, out / f"part.{k:05d}.parquet", out / f"rejects.{k:05d}.parquet", std, lay) for k, p in enumerate(parts)]
    return time.perf_counter() - start, time.process_time() - cpu, results


def _cpu_seconds() -> tuple[int, float]:
    return os.getpid(), time.process_time()


def cluster_cpu(client: Any) -> dict[int, float]:
    """CPU seconds used so far by each process of the cluster (all its threads), by process id: the
    workers, the nannies (in a LocalCluster they live in this process, with the scheduler and the
    client) and this process."""
    seen = dict([_cpu_seconds()])
    for nanny in (False, True):
        seen.update(dict(client.run(_cpu_seconds, nanny=nanny).values()))
    return seen


def on_dask(src: Path, out: Path, std: Standard, workers: int, threads: int, memory_limit: str, plain: bool = False) -> tuple[float, np.ndarray, Any, float]:
    """Wall seconds, CPU seconds (of the worker processes, and of this process: client, scheduler
    and nannies), the summary and the peak worker RSS of the Dask side."""
    import dask.dataframe  # noqa: F401  # imported before the clock starts, as pandas is for the single-machine side
    import distributed

    from normkit.poverty.dask import StandardRef, classify_dataset, verify_workers

    options: dict[str, Any] = {"threads_per_worker": threads}
    make = distributed.LocalCluster if plain else local_cluster
    if plain:
        options.update(processes=True, dashboard_address=None)
    with make(n_workers=workers, memory_limit=memory_limit, **options) as cluster, distributed.Client(cluster) as client:
        start = time.perf_counter()
        verify_workers(StandardRef.of(std), client)  # each worker imports normkit and loads the standard once
        print(f"  cluster warm-up (each worker imports normkit and loads the standard): {time.perf_counter() - start:.2f} s")
        before = cluster_cpu(client)
        samples: list[list[float]] = []
        done = threading.Event()

        def sample() -> None:  # the workers' RSS every 5 s during the run
            while not done.wait(5):
                with contextlib.suppress(Exception):
                    samples.append(sorted(client.run(_rss).values()))

        watcher = threading.Thread(target=sample, daemon=True)
        watcher.start()
        start = time.perf_counter()
        try:
            s = classify_dataset(src, out, std, scheduler=cluster.scheduler_address)
        finally:
            done.set()
            watcher.join()
        took = time.perf_counter() - start
        if samples:
            print(f"  worker RSS sampled every 5 s during the run ({len(samples)} samples): first {[round(x) for x in samples[0]]},"
                  f" last {[round(x) for x in samples[-1]]}, highest {max(max(x) for x in samples):,.0f} MiB")
        after = cluster_cpu(client)
        here = os.getpid()
        cpu = np.array([sum(after[p] - before.get(p, 0.0) for p in after if p != here), after[here] - before[here]])
        peak = max(client.run(_peak_rss).values())
    return took, cpu, s, peak


def _rss() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20  # MiB


def _peak_rss() -> float:
    """This process's peak RSS in MiB since it started its program (VmHWM). Not ``ru_maxrss``: Linux
    keeps that across exec, so a spawned worker would report its parent's RSS at the fork."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def same_outputs(local: Path, dask_out: Path, count: int) -> bool:
    """The first ``count`` files of the two sides hold the same rows (classified and rejects)."""
    import pyarrow.parquet as pq

    for k in range(count):
        a, b = pq.read_table(local / f"part.{k:05d}.parquet"), pq.read_table(dask_out / f"part.{k:05d}.parquet")
        ra, rb = pq.read_table(local / f"rejects.{k:05d}.parquet"), pq.read_table(dask_out.with_name(dask_out.name + ".rejects") / f"part.{k:05d}.parquet")
        if not (a.equals(b) and ra.equals(rb)):
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=4_000_000)
    ap.add_argument("--files", type=int, default=2)
    ap.add_argument("--local-files", type=int, help="files the single-machine side classifies (default: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="threads per worker process")
    ap.add_argument("--memory-limit", default="1GiB")
    ap.add_argument("--plain-cluster", action="store_true", help="Dask's own LocalCluster settings, not normkit's local_cluster()")
    ap.add_argument("--dir", help="where the dataset and outputs go (default: a temporary folder, removed after)")
    args = ap.parse_args()
    began = time.perf_counter()
    std = load_standard(year=2024)
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="normkit-dask-"))
    src, local_out, out = base / "households", base / "local", base / "classified"
    try:
        t0 = time.perf_counter()
        if not src.exists():
            generate(src, args.households, args.files, std.indicator_ids)
        generated = time.perf_counter() - t0
        for p in (local_out, out, out.with_name(out.name + ".rejects")):
            shutil.rmtree(p, ignore_errors=True)
        parts, schema = dataset_parts(src)
        local_parts = parts[:args.local_files] if args.local_files else parts
        n_local = sum(p.rows for p in local_parts)
        print(f"normkit Dask benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores;"
              f" {args.households:,} households in {len(parts)} Parquet files of about {parts[0].rows:,}"
              f" (generated in {generated:.1f} s; {sum(f.stat().st_size for f in src.glob('*.parquet')) / 2**30:.2f} GiB)")
        import pyarrow as pa

        print(f"  Arrow allocator on both sides: {pa.default_memory_pool().backend_name}")
        print("  both sides: read Parquet in batches of 250,000 rows, classify_frame, write a classified and a rejects Parquet file per input file")
        print(f"  load average before the single-machine side: {load()}")
        t_single, cpu_single, local_results = single_machine(local_parts, local_out, std, layout(schema, std))
        per_single, per_single_cpu = n_local / t_single, n_local / cpu_single
        print(f"  single machine, this process (1 core), {len(local_parts)} of {len(parts)} files ({n_local:,} households):"
              f" {t_single:8.2f} s wall = {per_single:,.0f} households/s per core; {cpu_single:.2f} CPU s = {per_single_cpu:,.0f}"
              f" per CPU second; load average after: {load()}")
        t_dask, cpu_dask, s, peak = on_dask(src, out, std, args.workers, args.threads, args.memory_limit, args.plain_cluster)
        assert s.rows_in == args.households, (s.rows_in, args.households)
        cores = min(args.workers * args.threads, os.cpu_count() or 1)
        per_dask, per_dask_cpu = s.rows_in / t_dask / cores, s.rows_in / cpu_dask.sum()
        print(f"  Dask LocalCluster, {args.workers} worker processes × {args.threads} thread(s), --memory-limit {args.memory_limit} each, all {len(parts)} files:"
              f" {t_dask:8.2f} s wall = {s.rows_in / t_dask:,.0f} households/s = {per_dask:,.0f} per core ({cores} cores);"
              f" {cpu_dask.sum():.2f} CPU s (worker processes {cpu_dask[0]:.2f}; this process, with the client, scheduler and nannies,"
              f" {cpu_dask[1]:.2f}) = {per_dask_cpu:,.0f} per CPU second;"
              f" peak worker RSS {peak:,.0f} MiB of {args.memory_limit}; load average after: {load()}")
        print(f"  classified {s.classified:,}, rejected {s.rejected:,}; {s.counts}")
        local_rejected = sum(r for _, r in local_results)
        equal = same_outputs(local_out, out, len(local_parts))
        print(f"  the {len(local_parts)} files both sides wrote are equal row for row: {equal} (rejected there: {local_rejected:,})")
        print(f"  ratio per core, Dask / single machine = {per_dask / per_single:.2f} (wall clock), {per_dask_cpu / per_single_cpu:.2f} (CPU time:"
              f" what the load of other processes does not change)")
        shutil.rmtree(local_out, ignore_errors=True)
        ref = base / "cli-local.parquet"
        start = time.perf_counter()
        r = classify_file(parts[0].path, ref, std)
        t_cli = time.perf_counter() - start
        print(f"  reference: `normkit classify` local engine (every column read as text) on the first file:"
              f" {t_cli:.2f} s  {r.rows_in / t_cli:,.0f} households/s")
        for f in base.glob("cli-local*"):
            f.unlink()
        print(f"  wall time of the whole benchmark (generation included): {time.perf_counter() - began:.0f} s")
        assert equal
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
