"""File-level runs behind the CLI: classify, rates and compare over CSV/Parquet, chunk by chunk.

Large files are processed in chunks (rows in a chunk are evaluated as arrays), with a
progress bar when the output is a terminal. Outputs are written atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from normkit.core.errors import Location, NormkitError
from normkit.core.io.atomic import removed_on_signals
from normkit.core.io.outputs import check_outputs
from normkit.core.io.pipeline import Stage, read_ahead
from normkit.poverty.batch import CleanResult, classify_clean, classify_frame
from normkit.poverty.compare import Transitions, transitions
from normkit.poverty.files import CHUNK_ROWS, AtomicTableWriter, as_frame, open_households, rejects_path
from normkit.poverty.rates import RateCounter
from normkit.poverty.standards import STATUSES, Standard

PROGRESS_MIN_ROWS = 100_000
ID_COLUMN = "household_id"
DUPLICATE_EXAMPLES = 5


@dataclass
class ClassifySummary:
    """What a classify run did: rows in = classified + rejected."""

    standard: str
    at: str
    method: str
    rows_in: int = 0
    classified: int = 0
    rejected: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    out: str = ""
    rejects: str | None = None
    duplicate_ids: int | None = 0  # rows whose household_id an earlier row already has; None: not looked for (--engine dask)
    duplicate_examples: list[dict[str, Any]] = field(default_factory=list)  # the first few: {"row": …, "household_id": …}
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextmanager
def located(path: str | Path) -> Iterator[None]:
    """Errors about the data as a whole (a missing column …) name the file they are about."""
    try:
        yield
    except NormkitError as e:
        if e.location is None:
            e.location = Location(str(path))
        raise


@contextmanager
def progress(total: int | Callable[[], int], label: str, enabled: bool | None = None) -> Iterator[Any]:
    """A rich progress bar on stderr for large inputs (nothing when not a terminal).

    ``total`` may be a function: the rows are then counted only when a bar can be shown (a
    terminal, or ``enabled``), never for a run into a pipe or a file."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if enabled is False or (enabled is None and not console.is_terminal):
        yield lambda n: None
        return
    rows = total() if callable(total) else total
    show = enabled if enabled is not None else rows >= PROGRESS_MIN_ROWS
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=console, disable=not show, transient=False)
    with bar:
        task = bar.add_task(label, total=rows)
        yield lambda n: bar.advance(task, n)


class DuplicateIds:
    """Counts rows whose household id an earlier row already has (blank ids are not compared).

    Ids already seen are kept as sorted 64-bit hashes, 8 bytes a household: one large sorted run,
    grown in place, and up to :attr:`MAX_RUNS` batches' runs merged into it as they come. A bit
    per 27-bit hash prefix (16 MiB, whatever the number of households) tells which ids may have
    been seen: only those are searched for in the runs. A repeated hash is reported as a repeated
    id: two different ids share a 64-bit hash with a probability below 10⁻⁵ even among 10 million
    households.
    """

    MAX_RUNS = 8
    FILTER_BITS = 27  # a bit per hash prefix (16 MiB, whatever the length): most new ids are never searched for
    GROUP_ROWS = 250_000  # consecutive small batches (CSV comes in 1 MiB blocks, ~26,000 rows) are checked together

    def __init__(self, summary: ClassifySummary, fail: bool) -> None:
        self.runs: list[Any] = []  # sorted hash arrays: the large run first, then the latest groups'
        self.summary = summary
        self.fail = fail
        self.filter: Any = None
        self.pending: list[Any] = []  # id arrays of consecutive rows not checked yet
        self.pending_first = self.pending_next = 0

    def add(self, batch: Any, first_row: int) -> None:
        """Check the ids of one Arrow text batch (rows ``first_row`` …)."""
        if ID_COLUMN in batch.schema.names:
            self.add_ids(batch.column(ID_COLUMN), first_row)

    def add_ids(self, col: Any, first_row: int) -> None:
        """Check one batch's ids, an Arrow text array (rows ``first_row`` …), once
        :attr:`GROUP_ROWS` consecutive rows are held or :meth:`flush` is called: the same count,
        examples and first error as batch by batch, with the fixed cost of a check paid per group."""
        if self.pending and first_row != self.pending_next:
            self.flush()
        if not self.pending:
            self.pending_first = first_row
        self.pending.append(col)
        self.pending_next = first_row + len(col)
        if self.pending_next - self.pending_first >= self.GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        """Check the ids held (call at the end of the rows, and before reporting another error)."""
        import pyarrow as pa

        if not self.pending:
            return
        cols, first = self.pending, self.pending_first
        self.pending = []
        self.check(cols[0] if len(cols) == 1 else pa.concat_arrays(cols), first)

    def check(self, col: Any, first_row: int) -> None:
        """Check the ids of rows ``first_row`` … now, an Arrow text array."""
        import pyarrow as pa
        import pyarrow.compute as pc

        positions = None
        if not plain_ids(col):  # the common case (nothing to trim, no blank id) skips this
            col = pc.utf8_trim_whitespace(col)
            valid = np.asarray(pc.fill_null(pc.greater(pc.utf8_length(col), 0), False).to_numpy(zero_copy_only=False), dtype=bool)
            positions = np.flatnonzero(valid)
            if not len(positions):
                return
            if len(positions) < len(col):
                col = pc.take(col, pa.array(positions))
        hashes = id_hashes(col)
        ordered = sorted_hashes(hashes)
        seen = np.zeros(len(ordered), dtype=bool)
        seen[1:] = ordered[1:] == ordered[:-1]
        if self.filter is None:
            self.filter = np.zeros(1 << (self.FILTER_BITS - 3), dtype=np.uint8)
        slot = ordered >> np.uint64(64 - self.FILTER_BITS)
        byte = (slot >> np.uint64(3)).astype(np.intp)
        bit = np.left_shift(np.uint8(1), (slot & np.uint64(7)).astype(np.uint8))
        if self.runs:
            maybe = np.flatnonzero(self.filter[byte] & bit)  # an earlier batch may have these hashes
            if len(maybe):
                asked = ordered[maybe]
                for run in self.runs:
                    at = np.minimum(np.searchsorted(run, asked), len(run) - 1)
                    seen[maybe] |= run[at] == asked
        starts = np.flatnonzero(np.diff(byte, prepend=-1))  # the hashes are sorted: each byte's bits are adjacent
        self.filter[byte[starts]] |= np.bitwise_or.reduceat(bit, starts)
        if seen.any():  # rare: find which rows repeat an id (the first of a batch does not, unless seen before)
            order = np.argsort(hashes, kind="stable")
            repeated = np.zeros(len(ordered), dtype=bool)
            repeated[order] = seen
            ids = col.to_numpy(zero_copy_only=False)
            at_rows = np.flatnonzero(repeated) if positions is None else positions[repeated]
            rows = (at_rows + first_row).tolist()
            values = [str(v) for v in ids[repeated].tolist()]
            if self.fail:
                raise NormkitError("NK809", f"{ID_COLUMN} {values[0]!r} appears more than once (again at row {rows[0]})")
            self.summary.duplicate_ids = (self.summary.duplicate_ids or 0) + len(values)
            room = DUPLICATE_EXAMPLES - len(self.summary.duplicate_examples)
            self.summary.duplicate_examples += [{"row": r, ID_COLUMN: v} for r, v in zip(rows, values, strict=True)][:room]
        self.runs.append(ordered)
        if len(self.runs) > self.MAX_RUNS + 1:
            self.runs = [merged_runs(self.runs)]


def sorted_hashes(hashes: Any) -> Any:
    """``hashes`` (uint64, uniformly spread) sorted: first by their top 16 bits (NumPy's stable sort
    of 16-bit keys is a radix sort, linear), then by timsort, which finds the array all but sorted
    (4 ms for 250,000 against 11 ms for ``np.sort``)."""
    if len(hashes) < 1 << 14:
        return np.sort(hashes)
    ordered = hashes[np.argsort((hashes >> np.uint64(48)).astype(np.uint16), kind="stable")]
    ordered.sort(kind="stable")
    return ordered


def merged_runs(runs: list[Any]) -> Any:
    """One sorted array of the sorted ``runs``, the first one (the large one) grown in place and the
    others copied into its tail one by one (each freed once copied), then merged by timsort, whose
    scratch is the smaller side of each merge: the hashes are held about once, not twice."""
    big, rest = runs[0], runs[1:]
    runs.clear()
    n = len(big)
    if big.base is not None or not big.flags.owndata:
        big = big.copy()
    big.resize(n + sum(len(r) for r in rest), refcheck=False)  # realloc: a large block grows by remapping its pages
    while rest:
        run = rest.pop(0)
        big[n: n + len(run)] = run
        n += len(run)
        del run
    big.sort(kind="stable")  # timsort: the sorted parts are found as runs and merged
    return big


def plain_ids(col: Any) -> bool:
    """True when no id of the Arrow text array is missing or blank and none would be trimmed: the
    first and last byte of every id is printable ASCII (read from the buffers, no string made)."""
    import numpy as np
    import pyarrow as pa

    if not pa.types.is_string(col.type) or col.null_count or not len(col):
        return False
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset: col.offset + len(col) + 1]
    if (np.diff(offsets) <= 0).any():
        return False
    raw = np.frombuffer(col.buffers()[2], dtype=np.uint8)
    edges = np.concatenate([raw[offsets[:-1]], raw[offsets[1:] - 1]])
    return bool(((edges > 0x20) & (edges < 0x7F)).all())


HASH_MAX_BYTES = 1024  # longer ids are hashed by pandas (a polynomial hash is only used where it is strong)


def id_hashes(col: Any) -> Any:
    """64-bit hashes of a text array, computed from its Arrow buffers: a polynomial hash of the
    bytes (odd multiplier, modulo 2⁶⁴) with the length mixed in, then splitmix64's finaliser."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if not pa.types.is_string(col.type) or col.null_count:
        return pd.util.hash_array(col.to_numpy(zero_copy_only=False), categorize=False)
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset: col.offset + len(col) + 1].astype(np.int64)
    lengths = np.diff(offsets)
    if len(lengths) == 0 or lengths.max() > HASH_MAX_BYTES or lengths.min() == 0:
        return pd.util.hash_array(col.to_numpy(zero_copy_only=False), categorize=False)
    raw = np.frombuffer(col.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    starts = offsets[:-1] - offsets[0]
    powers = np.ones(HASH_MAX_BYTES + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        powers[1:] = np.cumprod(np.full(HASH_MAX_BYTES, 0x100000001B3, dtype=np.uint64))
        width = int(lengths[0])
        if (lengths == width).all():  # ids of one width (H000000001 …): a matrix product, no index arrays
            rows = raw.reshape(len(lengths), width)
            h = np.empty(len(lengths), dtype=np.uint64)
            for at in range(0, len(lengths), 1 << 16):  # 64-bit copies of 65,536 ids at a time, not of the whole batch
                h[at: at + (1 << 16)] = rows[at: at + (1 << 16)].astype(np.uint64) @ powers[:width]
        else:
            within = np.arange(len(raw), dtype=np.int64) - np.repeat(starts, lengths)
            h = np.add.reduceat(raw.astype(np.uint64) * powers[within], starts)
        h ^= lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


def classify_file(path: str | Path, out: str | Path, std: Standard, *, method: str | None = None,
                  rejects: str | Path | None = None, low_income: bool = False, show_progress: bool | None = None,
                  chunk_rows: int | None = None, in_place: bool = False, fail_on_duplicates: bool = False) -> ClassifySummary:
    """Classify the households of ``path`` into ``out`` (CSV or Parquet); bad rows go to ``rejects``.

    No output may be the input or the other output (NK807, before anything is written); ``--out``
    may replace the input only with ``in_place``. Repeated household ids are counted, or are an
    error (NK809) with ``fail_on_duplicates``. On SIGTERM/SIGHUP the temporaries are removed and
    the old outputs stay as they were.
    """
    rej_path = Path(rejects) if rejects else rejects_path(out)
    check_outputs([("input file", path)],
                  [("--out", out), ("--rejects" if rejects else "the rejects file derived from --out", rej_path)],
                  replaceable="--out", in_place=in_place)
    with removed_on_signals():
        return _classify_file(path, out, rej_path, std, method=method, low_income=low_income, show_progress=show_progress,
                              chunk_rows=chunk_rows, fail_on_duplicates=fail_on_duplicates)


def _classify_file(path: str | Path, out: str | Path, rej_path: Path, std: Standard, *, method: str | None,
                   low_income: bool, show_progress: bool | None, chunk_rows: int | None,
                   fail_on_duplicates: bool) -> ClassifySummary:
    summary = ClassifySummary(std.id, str(std.at), method or "", out=str(out))
    duplicates = DuplicateIds(summary, fail_on_duplicates)
    with located(path):
        table = open_households(path, chunk_rows or CHUNK_ROWS)
    writer = AtomicTableWriter(out)
    rej_writer = AtomicTableWriter(rej_path)
    columns = list(table.names)
    # the writing and the id check of a batch overlap the reading and evaluation of the next (in order, at most
    # two batches waiting each; their errors are raised here): see normkit.core.io.pipeline
    writes = Stage(writer.write_batch, name="normkit-write")
    checks = Stage(lambda job: job[0](*job[1:]), name="normkit-ids")
    try:
        with located(path), progress(table.count_rows, f"classify {Path(path).name}", show_progress) as advance:
            for batch in read_ahead(table.batches):
                if ID_COLUMN in columns:
                    checks.put((duplicates.add_ids, batch.text_column(ID_COLUMN), batch.first_row))
                clean = (classify_clean(dict(zip(batch.raw.schema.names, batch.raw.columns, strict=True)), batch.num_rows, std,
                                        method=method, low_income=low_income) if batch.num_rows else None)
                if clean is not None:  # the common case: no row rejected, no pandas
                    summary.method = clean.method
                    summary.notes += [n for n in clean.notes if n not in summary.notes]
                    writes.put(clean_batch(batch.raw, clean, text=writer.format == "csv"))
                    tally = np.bincount(clean.status.codes, minlength=len(clean.status.categories))
                    for word, k in zip(clean.status.categories, tally.tolist(), strict=True):
                        summary.counts[word] = summary.counts.get(word, 0) + k
                    summary.rows_in += batch.num_rows
                    summary.classified += batch.num_rows
                    advance(batch.num_rows)
                    continue
                chunk = numbers_as_stored(batch, std)
                r = classify_frame(chunk, std, method=method, low_income=low_income, first_row=batch.first_row)
                summary.method = r.method
                summary.notes += [n for n in r.notes if n not in summary.notes]
                if len(r.classified):
                    writes.put(classified_batch(batch.raw, r.classified))
                if len(r.rejects):
                    rej_writer.write_batch(rejects_batch(batch.text, r.rejects))
                for s, n in r.classified["status"].value_counts().items():
                    summary.counts[str(s)] = summary.counts.get(str(s), 0) + int(n)
                summary.rows_in += batch.num_rows
                summary.classified += len(r.classified)
                summary.rejected += len(r.rejects)
                advance(batch.num_rows)
            checks.put((duplicates.flush,))
            checks.finish()
        writes.finish()
        writer.close(columns + [c for c in ("status", "deprivation_count") if c not in columns])  # as a non-empty result
        if summary.rejected:
            rej_writer.close(["row", "reason"] + columns)
            summary.rejects = str(rej_path)
        else:
            rej_writer.abort()
            rej_path.unlink(missing_ok=True)  # no stale rejects from an earlier run
    except NormkitError:
        writes.cancel()
        writer.abort()
        rej_writer.abort()
        with located(path):
            checks.finish()  # with --fail-on-duplicates, a repeated id in the rows before the error is reported first
            duplicates.flush()
        raise
    except BaseException:
        writes.cancel()
        checks.cancel()
        writer.abort()
        rej_writer.abort()
        raise
    assert summary.rows_in == summary.classified + summary.rejected
    summary.counts = {s: summary.counts.get(s, 0) for s in STATUSES}
    return summary


def numbers_as_stored(batch: Any, std: Standard) -> Any:
    """The batch as a DataFrame for :func:`classify_frame`: text, except the number inputs stored
    as whole numbers without gaps (Parquet int columns), which are taken as stored — read from
    their text they give the same values and the same reasons, after a needless round trip."""
    import pyarrow as pa

    inputs = std.rules.compiled.inputs
    cols = [raw if (name in inputs and inputs[name].type not in ("text", "bool") and pa.types.is_signed_integer(raw.type)
                    and raw.null_count == 0) else text
            for name, raw, text in zip(batch.text.schema.names, batch.raw.columns, batch.text.columns, strict=True)]
    return as_frame(pa.RecordBatch.from_arrays(cols, names=batch.text.schema.names))


RESULT_TYPES = {"status": "string", "deprivation_count": "int64", "low_income_household": "bool_"}  # pyarrow type names


def classified_batch(raw: Any, classified: Any) -> Any:
    """The input rows ``classified`` kept (by position), as stored, with the result columns set:
    untouched columns pass through without conversion; a result column the input already has is
    replaced in place, the others are appended."""
    import pandas as pd
    import pyarrow as pa

    keep = pa.array(classified.index.to_numpy(), pa.int64())
    out = raw if len(keep) == raw.num_rows else raw.take(keep)
    for name, kind in RESULT_TYPES.items():
        if name not in classified.columns:
            continue
        series = classified[name]
        if isinstance(series.dtype, pd.CategoricalDtype):  # status: its few words taken by code, never a string per row
            col = pa.array([str(c) for c in series.cat.categories], pa.string()).take(pa.array(series.cat.codes.to_numpy()))
            where = out.schema.get_field_index(name)
            out = out.set_column(where, name, col) if where >= 0 else out.append_column(name, col)
            continue
        arrow = getattr(series.array, "__arrow_array__", None)
        col = pa.array(series.array) if arrow is not None else pa.array(series.to_numpy(), from_pandas=True)  # Arrow-backed: no copy
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        if col.type != getattr(pa, kind)():
            col = col.cast(getattr(pa, kind)())
        where = out.schema.get_field_index(name)
        out = out.set_column(where, name, col) if where >= 0 else out.append_column(name, col)
    return out


def clean_batch(raw: Any, clean: CleanResult, *, text: bool = False) -> Any:
    """Every input row as stored, with the result columns of :func:`classify_clean` set as
    :func:`classified_batch` sets them (the same names, order and types). For a ``text`` output
    (CSV), a deprivation count read from a text column whose every cell is already written as the
    count is (``7``, not ``07`` or ``+7``) passes through as that text: the CSV bytes are the same,
    and no number is turned back into text."""
    import pyarrow as pa

    words = pa.array(list(clean.status.categories), pa.string())
    count = raw.column("deprivation_count") if clean.count_read and text else None
    if count is None or not written_as(count, clean.count):
        count = pa.array(clean.count, pa.int64())
    results = {"status": words.take(pa.array(clean.status.codes)), "deprivation_count": count}
    if clean.low is not None:
        results["low_income_household"] = pa.array(clean.low, pa.bool_())
    out = raw
    for name, col in results.items():
        where = out.schema.get_field_index(name)
        out = out.set_column(where, name, col) if where >= 0 else out.append_column(name, col)
    return out


_POWERS_OF_TEN = np.array([10**k for k in range(1, 19)], dtype=np.int64)


def written_as(col: Any, values: Any) -> bool:
    """True when the Arrow text column ``col`` is, cell for cell, the whole numbers ``values``
    (int64, read from ``col`` itself) written the way Arrow writes them: a text that reads as ``v``
    and is as long as ``v`` written plainly has no sign, zero or space to spare, so it is that text.
    Read from the offsets: no string is made."""
    import pyarrow as pa

    if not pa.types.is_string(col.type) or col.null_count or len(col) != len(values):
        return False
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset: col.offset + len(col) + 1]
    if not len(values):
        return True
    lo, hi = int(values.min()), int(values.max())
    if lo >= 0 and hi < 10:  # the usual count, 0–9: one byte a cell
        return int(offsets[-1]) - int(offsets[0]) == len(values)
    if lo >= 0 and hi < 100:
        plain = 1 + (values >= 10)
    elif lo <= -(10**18):
        return False
    else:
        plain = 1 + np.searchsorted(_POWERS_OF_TEN, np.abs(values), side="right") + (values < 0)
    return bool((np.diff(offsets) == plain).all())


def rejects_batch(text: Any, rejects: Any) -> Any:
    """The rejected rows as text, after their row number and reason."""
    import pyarrow as pa

    picked = text.take(pa.array(rejects.index.to_numpy(), pa.int64()))
    rows = pa.array(rejects["row"].to_numpy(), pa.int64())
    reasons = pa.array([str(r) for r in rejects["reason"].tolist()], pa.string())
    return pa.RecordBatch.from_arrays([rows, reasons, *picked.columns], names=["row", "reason", *picked.schema.names])


def rates_file(path: str | Path, by: list[str], std: Standard | None, *, method: str | None = None,
               show_progress: bool | None = None) -> tuple[RateCounter, int]:
    """Counts and rates of a file: classified already (a ``status`` column) or classified here with ``std``."""
    counter = RateCounter(by)
    rejected = 0
    with located(path), progress((table := open_households(path)).count_rows, f"rates {Path(path).name}", show_progress) as advance:
        first = 1
        for chunk in (as_frame(b.text) for b in table.batches):
            if std is not None:
                r = classify_frame(chunk, std, method=method, first_row=first)
                rejected += len(r.rejects)
                counter.add(r.classified)
            else:
                counter.add(chunk)
            first += len(chunk)
            advance(len(chunk))
    return counter, rejected


def compare_file(path: str | Path, a: Standard, b: Standard, *, show_progress: bool | None = None) -> Transitions:
    """The transition matrix of the households of ``path`` from standard ``a`` to ``b``."""
    total = Transitions(a.id, b.id)
    with located(path), progress((table := open_households(path)).count_rows, f"compare {Path(path).name}", show_progress) as advance:
        first = 1
        for chunk in (as_frame(b.text) for b in table.batches):
            t, _rej = transitions(chunk, a, b, first_row=first)
            total.add(t)
            first += len(chunk)
            advance(len(chunk))
    return total
