"""The poverty batch API over a Dask DataFrame: the same rules, partition by partition, on a cluster.

Every function here takes a ``dask.dataframe.DataFrame`` and returns Dask objects; nothing is
computed until you call ``.compute()`` (or ``dask.compute``). Each partition is classified by
:func:`normkit.poverty.batch.classify_frame`, the single-machine engine, with the standard loaded
once per worker from the same packs; counts are integers summed over partitions and turned
into rates once, at the end (:func:`normkit.poverty.rates.rate`), so every figure equals the
single-machine one to the last digit, and every row keeps its single-machine row number.

A worker must hold the very packs the client holds: each worker's pack content hashes are
compared with the client's before any work (NK710), and again when a task loads the standard.
Dask itself is an optional extra (``pip install 'normkit[dask]'``); without it these functions
raise NK709. See docs/scale.md for running on a real cluster.

>>> import dask.dataframe as dd                                           # doctest: +SKIP
>>> from normkit.poverty import dask as nkd, load_standard                # doctest: +SKIP
>>> std = load_standard(year=2024)                                        # doctest: +SKIP
>>> batch = nkd.classify(dd.read_parquet("households/"), std)             # doctest: +SKIP
>>> [(g.group, str(g.poverty_rate)) for g in nkd.rates_by(batch.classified, ["province"]).compute()]  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

import numpy as np

from normkit.core.errors import NormkitError
from normkit.poverty.batch import classify_frame
from normkit.poverty.compare import Transitions
from normkit.poverty.compare import transitions as frame_transitions
from normkit.poverty.deprivations import MAX_REJECTS_SHOWN, DeprivationCounter, DeprivationReport
from normkit.poverty.files import CHUNK_ROWS
from normkit.poverty.rates import GroupRates, RateCounter
from normkit.poverty.standards import STATUSES, Standard

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

PREFIX = "__normkit_"
ROW, REASON = PREFIX + "row", PREFIX + "reason"
OUTPUTS = ("status", "deprivation_count")
CONNECT_SECONDS = 5
PIP_HINT = "pip install 'normkit[dask]'  (dask[dataframe] and distributed)"
#: A note of every dataset run: each file is classified alone, so no run compares ids across files.
NOT_CHECKED = "--engine dask does not look for repeated household ids (each file is classified on its own)"


def require(module: str = "dask.dataframe") -> Any:
    """Import a part of Dask, or raise NK709 with the pip hint (normkit itself never needs Dask)."""
    try:
        return import_module(module)
    except ImportError as e:
        raise NormkitError("NK709", f"the Dask engine needs the `dask` extra ({e.name or module} is not installed)",
                           hint=PIP_HINT) from None


def is_dask(frame: Any) -> bool:
    """Whether ``frame`` is a Dask collection (decided without importing Dask)."""
    return type(frame).__module__.split(".")[0] in ("dask", "dask_expr")


# ---- the standard on the workers ----------------------------------------------------------------

@dataclass(frozen=True)
class StandardRef:
    """What a worker needs to load the client's standard, and the content hashes it must find."""

    pack: str  # the root pack's id (found on the worker's search path)
    path: str  # the root pack's folder on the client (used when the worker sees the same folder)
    at: dt.date
    key: str  # CompiledSet.key: every pack's id and content hash, base first
    overrides: tuple[tuple[str, Any], ...] = ()
    overlay_label: str | None = None

    @staticmethod
    def of(std: Standard) -> StandardRef:
        c = std.rules.compiled
        return StandardRef(c.root.id, c.root.path, std.at, c.key, tuple(sorted(std.rules.overrides.items())),
                           std.rules.overlay_label)


_LOADED: OrderedDict[StandardRef, Standard] = OrderedDict()  # per worker process; a few standards at most
_LOADED_MAX = 8
_LOCK = Lock()


def standard_of(ref: StandardRef) -> Standard:
    """The standard of ``ref`` in this process, loaded once; NK710 if this process's packs differ."""
    with _LOCK:
        hit = _LOADED.get(ref)
        if hit is not None:
            _LOADED.move_to_end(ref)
            return hit
    from normkit.core.rulesets import load

    rules = load(Path(ref.path) if Path(ref.path).is_dir() else ref.pack)
    if rules.compiled.key != ref.key:
        raise NormkitError("NK710", f"this worker's packs differ from the client's: {rules.compiled.key} here, {ref.key} there",
                           hint="install the same normkit and packs (same content) on every worker; docs/scale.md")
    if ref.overrides:
        rules = type(rules)(rules.compiled, dict(ref.overrides), ref.overlay_label)
    std = Standard(rules, ref.at)
    with _LOCK:
        _LOADED[ref] = std
        while len(_LOADED) > _LOADED_MAX:
            _LOADED.popitem(last=False)
    return std


def _worker_key(ref: StandardRef) -> str:
    try:
        standard_of(ref)
    except NormkitError as e:
        return f"{e.code} {e.message}"
    return ref.key


def verify_workers(ref: StandardRef, client: Any = None) -> None:
    """Refuse (NK710) when any worker of ``client`` (default: the current one, if any) loads other packs."""
    if client is None:
        client = current_client()
        if client is None:
            return  # the threaded or process scheduler of this machine: the client's own packs
    answers = client.run(_worker_key, ref)
    wrong = {addr: k for addr, k in answers.items() if k != ref.key}
    if wrong:
        shown = "; ".join(f"{addr}: {k}" for addr, k in sorted(wrong.items()))
        raise NormkitError("NK710", f"{len(wrong)} of {len(answers)} worker(s) do not have the client's packs ({ref.key}): {shown}",
                           hint="install the same normkit and packs (same content) on every worker; docs/scale.md")


def current_client() -> Any:
    """The distributed client in use, or None (no distributed installed, or no client made)."""
    try:
        distributed = import_module("distributed")
    except ImportError:
        return None
    try:
        return distributed.default_client()
    except ValueError:
        return None


# ---- classify ---------------------------------------------------------------------------------

@dataclass
class DaskBatch:
    """The lazy result of :func:`classify`: classified rows and rejects, as Dask DataFrames.

    ``classified`` has every input column plus ``status`` (categorical: poor, near_poor, middle,
    none) and ``deprivation_count``; ``rejects`` has ``row`` (the row number the single-machine
    path gives), ``reason`` and the input columns. Both come from one evaluation per partition."""

    classified: Any
    rejects: Any
    combined: Any  # every row: the two above before they are split (computed once when both are)
    standard: str
    at: dt.date
    method: str
    notes: list[str]
    split: Split


@dataclass(frozen=True)
class Split:
    """One classified partition (every row, in order) split into the classified rows and the rejects,
    with the single-machine columns: outputs in place of input columns of the same name, else appended."""

    columns: list[str]
    low_income: bool

    def classified(self, part: pd.DataFrame) -> pd.DataFrame:
        outputs = list(OUTPUTS) + (["low_income_household"] if self.low_income else [])
        order = self.columns + [c for c in outputs if c not in self.columns]
        kept = part[part[REASON].isna()].drop(columns=[ROW, REASON, *[c for c in outputs if c in self.columns]])
        return kept.rename(columns={PREFIX + c: c for c in outputs})[order]

    def rejects(self, part: pd.DataFrame) -> pd.DataFrame:
        return part[part[REASON].notna()][[ROW, REASON, *self.columns]].rename(columns={ROW: "row", REASON: "reason"})


def partition_rows(ddf: Any) -> list[int]:
    """Rows in each partition: one pass over the data, reading one column where the source allows."""
    part = ddf[list(ddf.columns[:1])] if len(ddf.columns) else ddf
    return [int(n) for n in part.map_partitions(len).compute()]


def classify(ddf: Any, std: Standard, *, method: str | None = None, low_income: bool = False,
             rows: Sequence[int] | None = None) -> DaskBatch:
    """Classify every household of the Dask DataFrame ``ddf`` under ``std``, partition by partition.

    ``rows`` (rows per partition) numbers the rejects as the single-machine path does; without
    it they are counted first (one pass). The result is lazy; see :class:`DaskBatch`.
    """
    require()
    ref = StandardRef.of(std)
    verify_workers(ref)
    counts = list(rows) if rows is not None else partition_rows(ddf)
    if len(counts) != ddf.npartitions:
        raise NormkitError("NK711", f"{len(counts)} row counts for {ddf.npartitions} partitions",
                           hint="give one row count per partition, or none")
    firsts = (1 + np.concatenate([[0], np.cumsum(counts[:-1], dtype=np.int64)])).tolist() if counts else []
    columns = list(ddf.columns)
    probe = classify_frame(ddf._meta, std, method=method, low_income=low_income)  # NK703 here, before any work
    meta = _classified_partition(ddf._meta, std, columns, method, low_income, 1)
    combined = ddf.map_partitions(_classify_partition, ref, columns, method, low_income, firsts, meta=meta,
                                  align_dataframes=False)
    split = Split(columns, low_income)
    classified = combined.map_partitions(split.classified, meta=split.classified(meta))
    rejects = combined.map_partitions(split.rejects, meta=split.rejects(meta))
    return DaskBatch(classified, rejects, combined, std.id, std.at, probe.method, probe.notes, split)


def _classify_partition(part: pd.DataFrame, ref: StandardRef, columns: list[str], method: str | None, low_income: bool,
                        firsts: list[int], partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info is not None else 0
    first = firsts[number] if firsts else 1
    following = firsts[number + 1] if number + 1 < len(firsts) else None
    if following is not None and following - first != len(part):  # row numbers would be wrong: never write them
        raise NormkitError("NK711", f"partition {number} has {len(part)} rows, {following - first} when counted",
                           hint="the partitions changed between the count and the run; pass rows= with the partition sizes")
    return _classified_partition(part, standard_of(ref), columns, method, low_income, first)


def _classified_partition(part: pd.DataFrame, std: Standard, columns: list[str], method: str | None, low_income: bool,
                          first_row: int) -> pd.DataFrame:
    """One partition, every row kept in order: its status (or a reason) and its row number."""
    import pandas as pd

    r = classify_frame(part, std, method=method, low_income=low_income, first_row=first_row)
    n = len(part)
    out = part.reset_index(drop=True)
    rejected = r.rejects["row"].to_numpy(dtype=np.int64) - first_row
    ok = np.ones(n, dtype=bool)
    ok[rejected] = False
    codes = np.full(n, -1, dtype=np.int8)
    order = {s: i for i, s in enumerate(STATUSES)}
    status = r.classified["status"]
    cats = status.cat.categories if isinstance(status.dtype, pd.CategoricalDtype) else None
    if cats is not None:
        remap = np.array([order[str(c)] for c in cats], dtype=np.int8)
        codes[ok] = remap[status.cat.codes.to_numpy()] if len(remap) else codes[ok]
    else:
        codes[ok] = [order[s] for s in status.astype(str).tolist()]
    count = np.zeros(n, dtype=np.int64)
    count[ok] = r.classified["deprivation_count"].to_numpy(dtype=np.int64)
    extra: dict[str, Any] = {PREFIX + "status": pd.Categorical.from_codes(codes, dtype=status_dtype()),
                             PREFIX + "deprivation_count": count}
    if low_income:
        low = np.zeros(n, dtype=bool)
        low[ok] = r.classified["low_income_household"].to_numpy(dtype=bool)
        extra[PREFIX + "low_income_household"] = low
    reasons = np.full(n, None, dtype=object)
    reasons[rejected] = r.rejects["reason"].to_numpy(dtype=object)
    extra[ROW] = np.arange(first_row, first_row + n, dtype=np.int64)
    extra[REASON] = pd.array(reasons, dtype="string")
    return out[columns].assign(**extra)


# ---- figures reduced exactly: integer counts per partition, summed, rates computed once ----------

def rates_by(classified: Any, by: Sequence[str] = ()) -> Any:
    """Counts and rates by ``by`` of a classified Dask DataFrame: a Delayed of ``list[GroupRates]``."""
    delayed = require("dask").delayed
    parts = [delayed(_status_counts)(p, list(by)) for p in classified.to_delayed()]
    return delayed(_rates_of)(_tree(delayed, _sum_tables, parts), list(by))


def _status_counts(part: pd.DataFrame, by: list[str]) -> dict[tuple[str, ...], dict[str, int]]:
    counter = RateCounter(by)
    if len(part):
        counter.add(part)
    elif "status" not in part.columns or any(c not in part.columns for c in by):
        counter.add(part)  # the same NK703 as a frame with rows
    return counter.table


def _sum_tables(*tables: dict[tuple[str, ...], dict[str, int]]) -> dict[tuple[str, ...], dict[str, int]]:
    out: dict[tuple[str, ...], dict[str, int]] = {}
    for t in tables:
        for g, counts in t.items():
            row = out.setdefault(g, {})
            for s, n in counts.items():
                row[s] = row.get(s, 0) + n
    return out


def _rates_of(table: dict[tuple[str, ...], dict[str, int]], by: list[str]) -> list[GroupRates]:
    counter = RateCounter(by)
    counter.table = table
    return counter.result()


def _tree(delayed: Any, combine: Any, parts: list[Any], fan_in: int = 8) -> Any:
    """Reduce ``parts`` with ``combine`` in a tree (no task holds more than ``fan_in`` partials)."""
    if not parts:
        return delayed(combine)()
    while len(parts) > 1:
        parts = [delayed(combine)(*parts[i:i + fan_in]) for i in range(0, len(parts), fan_in)]
    return parts[0]


def count_deprivations(ddf: Any, std: Standard, *, by: Sequence[str] = (), among: str = "all",
                       dimension: str | None = None, rows: Sequence[int] | None = None) -> Any:
    """Deprivation counts and rates per indicator and dimension: a Delayed of ``DeprivationReport``."""
    delayed = require("dask").delayed
    DeprivationCounter(std, by=list(by), among=among, dimension=dimension)  # NK706 on a bad choice, here
    ref = StandardRef.of(std)
    verify_workers(ref)
    firsts = _firsts(ddf, rows)
    parts = [delayed(_deprivation_part)(p, ref, list(by), among, dimension, first)
             for p, first in zip(ddf.to_delayed(), firsts, strict=True)]
    return _tree(delayed, _merge_reports, parts)


def _firsts(ddf: Any, rows: Sequence[int] | None) -> list[int]:
    counts = list(rows) if rows is not None else partition_rows(ddf)
    if len(counts) != ddf.npartitions:
        raise NormkitError("NK711", f"{len(counts)} row counts for {ddf.npartitions} partitions",
                           hint="give one row count per partition, or none")
    return (1 + np.concatenate([[0], np.cumsum(counts[:-1], dtype=np.int64)])).astype(int).tolist() if counts else []


def _deprivation_part(part: pd.DataFrame, ref: StandardRef, by: list[str], among: str, dimension: str | None,
                      first_row: int) -> DeprivationReport:
    counter = DeprivationCounter(standard_of(ref), by=by, among=among, dimension=dimension)
    counter.add(part, first_row=first_row)
    return counter.report


def _merge_reports(*reports: DeprivationReport) -> DeprivationReport:
    """Partial reports of consecutive partitions, in order, as one (counts summed, first rejects kept)."""
    first = reports[0]
    out = DeprivationReport(first.standard, first.at, list(first.by), first.among, first.items)
    for r in reports:
        out.rows_in += r.rows_in
        out.rejected += r.rejected
        out.excluded += r.excluded
        out.rejects += r.rejects[:max(0, MAX_REJECTS_SHOWN - len(out.rejects))]
        for key, g in r.groups.items():
            mine = out.groups.setdefault(key, type(g)(key))
            mine.households += g.households
            for k, n in g.deprived.items():
                mine.deprived[k] = mine.deprived.get(k, 0) + n
    return out


def transitions(ddf: Any, a: Standard, b: Standard, *, rows: Sequence[int] | None = None) -> Any:
    """The transition matrix from standard ``a`` to ``b``: a Delayed of :class:`~normkit.poverty.compare.Transitions`."""
    delayed = require("dask").delayed
    ra, rb = StandardRef.of(a), StandardRef.of(b)
    verify_workers(ra)
    verify_workers(rb)
    firsts = _firsts(ddf, rows)
    parts = [delayed(_transitions_part)(p, ra, rb, first) for p, first in zip(ddf.to_delayed(), firsts, strict=True)]
    return _tree(delayed, _merge_transitions, parts)


def _transitions_part(part: pd.DataFrame, ra: StandardRef, rb: StandardRef, first_row: int) -> Transitions:
    t, _rejects = frame_transitions(part.reset_index(drop=True), standard_of(ra), standard_of(rb), first_row=first_row)
    return t


def _merge_transitions(*parts: Transitions) -> Transitions:
    out = Transitions(parts[0].a, parts[0].b)
    for t in parts:
        out.add(t)
    return out


# ---- a Parquet dataset in, a Parquet dataset out (the CLI's --engine dask) -----------------------

@dataclass(frozen=True)
class Part:
    """One file of a Parquet dataset: its path, its hive folder values (``year=2024/``) and the
    dataset row number of its first row (what the single-machine path numbers it)."""

    path: str
    keys: tuple[tuple[str, Any], ...]
    first_row: int
    rows: int


@dataclass(frozen=True)
class Layout:
    """What every file of one run shares: the dataset's columns (``schema``: dictionary columns as
    their values, hive folders as columns) and the two output schemas."""

    schema: Any  # pyarrow.Schema of the input rows
    classified: Any  # pyarrow.Schema of the classified files
    rejects: Any  # pyarrow.Schema of the rejects files


def dataset_parts(src: str | Path) -> tuple[list[Part], Any]:
    """The files of the Parquet dataset ``src`` in path order, with their rows (from the files'
    metadata: no data read), and the dataset's schema (dictionary columns as their values)."""
    import pyarrow as pa
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    data = pads.dataset(str(src), format="parquet", partitioning="hive")
    fragments = sorted(data.get_fragments(), key=lambda f: f.path)
    if not fragments:
        raise NormkitError("NK711", f"{src}: no .parquet file in the dataset", hint="give a folder that holds .parquet files")
    parts, first = [], 1
    for f in fragments:
        keys = tuple((str(k), v) for k, v in pads.get_partition_keys(f.partition_expression).items())
        rows = int(pq.ParquetFile(f.path).metadata.num_rows)
        parts.append(Part(f.path, keys, first, rows))
        first += rows
    # dictionary-encoded columns (pandas categoricals) are read as their values: the categories differ
    # from file to file, and a partition's schema must be the dataset's
    plain = pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in data.schema])
    return parts, plain


def layout(schema: Any, std: Standard, *, method: str | None = None, low_income: bool = False) -> Layout:
    """The output schemas of a run over rows of ``schema`` (NK703 here when a column is missing)."""
    import pyarrow as pa

    from normkit.poverty.run import classified_batch

    empty = pa.RecordBatch.from_arrays([pa.array([], f.type) for f in schema], schema=schema)
    r = classify_frame(_input_frame(empty, std), std, method=method, low_income=low_income)
    classified = classified_batch(empty, r.classified).schema
    rejects = pa.schema([pa.field("row", pa.int64()), pa.field("reason", pa.string()), *[pa.field(n, pa.string()) for n in schema.names]])
    return Layout(schema, classified, rejects)


def _input_frame(batch: Any, std: Standard) -> pd.DataFrame:
    """The columns of ``batch`` the standard reads, as a DataFrame (booleans and integers as stored,
    dictionary text as categoricals); the other columns pass through in Arrow, never in pandas."""
    inputs = std.rules.compiled.inputs
    frame: pd.DataFrame = batch.select([n for n in batch.schema.names if n in inputs]).to_pandas()
    return frame


def classify_part(part: Part, out: str | Path, rejects: str | Path, std: Standard, lay: Layout, *,
                  method: str | None = None, low_income: bool = False, batch_rows: int = CHUNK_ROWS) -> tuple[dict[str, int], int]:
    """Classify one file of a dataset into ``out`` and ``rejects`` (one Parquet file each), in batches
    of ``batch_rows`` (memory bounded by a batch, not by the file); returns the status counts and
    the rejected rows. Rows, reasons and row numbers are those of the single-machine path."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from normkit.poverty.run import classified_batch

    counts = dict.fromkeys(STATUSES, 0)
    rejected, first = 0, part.first_row
    keys = dict(part.keys)
    with pq.ParquetWriter(str(out), lay.classified) as ok, pq.ParquetWriter(str(rejects), lay.rejects) as bad:
        for batch in pq.ParquetFile(part.path, pre_buffer=False).iter_batches(batch_size=batch_rows):  # Arrow would hold the whole file
            stored = batch
            for name, value in keys.items():  # hive folders (year=2024/): a column holding the folder's value
                if name not in stored.schema.names:
                    stored = stored.append_column(name, pa.repeat(pa.scalar(value, lay.schema.field(name).type), stored.num_rows))
            r = classify_frame(_input_frame(stored, std), std, method=method, low_income=low_income, first_row=first)
            raw = stored.select(lay.schema.names)
            if raw.schema != lay.schema:
                raw = raw.cast(lay.schema)
            if len(r.classified):
                ok.write_batch(classified_batch(raw, r.classified).cast(lay.classified))
                status = r.classified["status"].cat
                codes = np.bincount(status.codes.to_numpy(), minlength=len(status.categories))
                for s, n in zip(status.categories, codes.tolist(), strict=True):
                    counts[str(s)] = counts.get(str(s), 0) + int(n)
            if len(r.rejects):
                picked = raw.take(pa.array(r.rejects.index.to_numpy(), pa.int64()))
                cols = [pa.array(r.rejects["row"].to_numpy(), pa.int64()), pa.array([str(x) for x in r.rejects["reason"].tolist()], pa.string()),
                        *[c if pa.types.is_string(c.type) else pc.cast(c, pa.string()) for c in picked.columns]]
                bad.write_batch(pa.RecordBatch.from_arrays(cols, schema=lay.rejects))
                rejected += len(r.rejects)
            first += stored.num_rows
    if first - part.first_row != part.rows:  # row numbers would be wrong: never keep them
        raise NormkitError("NK711", f"{part.path} has {first - part.first_row} rows, {part.rows} when counted",
                           hint="the dataset changed during the run; run it again")
    return counts, rejected


def _classify_part_task(part: Part, out: str, rejects: str, ref: StandardRef, lay: Layout, method: str | None,
                        low_income: bool) -> tuple[dict[str, int], int]:
    return classify_part(part, out, rejects, standard_of(ref), lay, method=method, low_income=low_income)


def classify_dataset(path: str | Path, out: str | Path, std: Standard, *, method: str | None = None,
                     rejects: str | Path | None = None, low_income: bool = False, scheduler: str | None = None) -> Any:
    """Classify the Parquet dataset ``path`` (a folder of .parquet files, partitioned or not, or one
    file) on a Dask cluster and write ``out`` (a folder) and the rejects (``OUT.rejects`` by default).

    One task per input file (:func:`classify_part`): it reads the file in batches, classifies each,
    and writes one classified and one rejects file; only the counts come back. ``scheduler`` is a
    scheduler address (``tcp://host:8786``); without one a LocalCluster of one single-threaded
    worker process per core is started for the run. Returns the run's
    :class:`~normkit.poverty.run.ClassifySummary`.
    """
    from normkit.poverty.run import ClassifySummary

    src, dst = Path(path), Path(out)
    rej = Path(rejects) if rejects is not None else dst.with_name(dst.name + ".rejects")
    if not (src.is_dir() or (src.is_file() and src.suffix.lower() == ".parquet")):
        raise NormkitError("NK711", f"{src}: --engine dask reads a Parquet dataset (a folder of .parquet files, or one .parquet file)",
                           hint="convert a CSV once (e.g. with pyarrow or `normkit classify` to .parquet), or drop --engine dask")
    for target in (dst, rej):
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise NormkitError("NK711", f"{target} exists: --engine dask writes a new folder",
                               hint="remove it, or give --out / --rejects a folder that does not exist yet")
        if target.resolve() == src.resolve() or src.resolve() in target.resolve().parents:
            raise NormkitError("NK711", f"{target} is inside the input dataset {src}", hint="write the output outside the input folder")
    dask = require("dask")
    parts, schema = dataset_parts(src)
    lay = layout(schema, std, method=method, low_income=low_income)  # NK703 here, before any work
    probe = classify_frame(_input_frame(schema.empty_table(), std), std, method=method, low_income=low_income)
    ref = StandardRef.of(std)
    with _Session(scheduler) as client:
        verify_workers(ref, client)  # once per worker: each loads the standard and shows its pack hashes
        tmp_out, tmp_rej = _temporary(dst), _temporary(rej)
        try:
            tmp_out.mkdir(parents=True)
            tmp_rej.mkdir(parents=True)
            task = dask.delayed(_classify_part_task)
            tasks = [task(p, str(tmp_out / f"part.{k:05d}.parquet"), str(tmp_rej / f"part.{k:05d}.parquet"), ref, lay, method, low_income)
                     for k, p in enumerate(parts)]
            totals = dask.compute(*tasks)
            tmp_out.rename(dst)
            tmp_rej.rename(rej)
        finally:
            for t in (tmp_out, tmp_rej):
                if t.exists():
                    _remove_tree(t)
    found = dict.fromkeys(STATUSES, 0)
    rejected = 0
    for counts_here, rejected_here in totals:
        rejected += rejected_here
        for k, v in counts_here.items():
            found[k] = found.get(k, 0) + v
    classified = sum(found.values())
    return ClassifySummary(std.id, str(std.at), probe.method, rows_in=classified + rejected, classified=classified,
                           rejected=rejected, counts={s: found.get(s, 0) for s in STATUSES}, out=str(dst), rejects=str(rej), duplicate_ids=None,
                           notes=[*probe.notes, NOT_CHECKED])


def read_dataset(src: str | Path) -> tuple[Any, list[int]]:
    """A Parquet dataset as a Dask DataFrame of one partition per file (in path order; hive folders
    such as ``year=2024/`` become columns), and the rows of each file from the files' metadata."""
    dd = require()
    parts, plain = dataset_parts(src)
    meta = plain.empty_table().to_pandas()
    files = [(p.path, dict(p.keys)) for p in parts]
    return dd.from_map(_read_file, files, plain=plain, meta=meta, enforce_metadata=False), [p.rows for p in parts]


def _read_file(file: tuple[str, dict[str, Any]], plain: Any) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path, keys = file
    table = pq.read_table(path)
    for name, value in keys.items():  # hive folders (year=2024/): a column holding the folder's value
        if name not in table.column_names:
            table = table.append_column(name, pa.array([value] * table.num_rows, type=plain.field(name).type))
    return table.select(plain.names).cast(plain).to_pandas()


def status_dtype() -> Any:
    """The categorical dtype of ``status``: the four statuses, in their order."""
    import pandas as pd

    return pd.CategoricalDtype(list(STATUSES))


def _temporary(target: Path) -> Path:
    return target.with_name(f".{target.name}.tmp-{os.getpid()}")


def _remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


#: The environment of the worker processes of :func:`local_cluster`. Arrow's system allocator: a fresh
#: process's first file costs no more than the next (with mimalloc, Arrow's default, the first file
#: of each worker took 1.5–2 s more system time); and no ``MALLOC_TRIM_THRESHOLD_`` (Dask's nanny sets
#: it to 64 KiB, which fixes glibc's mmap threshold: every large NumPy temporary is mapped afresh,
#: 7× the page faults). docs/scale.md gives the measures.
WORKER_ENV = {"ARROW_DEFAULT_MEMORY_POOL": "system"}
#: Dask settings of :func:`local_cluster`: the nanny's ``MALLOC_TRIM_THRESHOLD_`` left out (above), and
#: the event-loop health tick every second instead of every 20 ms (it only warns of a blocked loop;
#: an idle 2-worker cluster used 0.10 of a core with the 20 ms tick, 0.06 with 1 s).
LOCAL_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None, "distributed.admin.tick.interval": "1s"}


def local_cluster(n_workers: int | None = None, *, threads_per_worker: int = 1, memory_limit: str | int = "auto", **options: Any) -> Any:
    """A ``distributed.LocalCluster`` for classifying on this machine: one single-threaded worker
    process per core (the evaluation holds the GIL between NumPy calls), no dashboard, the worker
    environment of :data:`WORKER_ENV` and the settings of :data:`LOCAL_CONFIG`."""
    distributed = require("distributed")
    dask = require("dask")
    with dask.config.set(LOCAL_CONFIG):
        return distributed.LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=threads_per_worker, processes=True,
                                        memory_limit=memory_limit, dashboard_address=None, env=dict(WORKER_ENV), **options)


class _Session:
    """A distributed client for the run: to ``scheduler``, or to a LocalCluster started (and stopped) here."""

    def __init__(self, scheduler: str | None) -> None:
        self.scheduler = scheduler
        self.cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> Any:
        distributed = require("distributed")
        if self.scheduler:
            try:
                self.client = distributed.Client(self.scheduler, timeout=f"{CONNECT_SECONDS}s")
            except (OSError, TimeoutError):
                raise NormkitError("NK712", f"cannot reach the Dask scheduler at {self.scheduler} (no answer within {CONNECT_SECONDS} s)",
                                   hint="start one (`dask scheduler`, then `dask worker ADDRESS` on each machine), "
                                        "or leave out --scheduler for a cluster on this machine") from None
        else:
            self.cluster = local_cluster()
            self.client = distributed.Client(self.cluster)
        return self.client

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
