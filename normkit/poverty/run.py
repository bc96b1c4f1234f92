"""File-level runs behind the CLI: classify, rates and compare over CSV/Parquet, chunk by chunk.

Large files are processed in chunks (rows in a chunk are evaluated as arrays), with a
progress bar when the output is a terminal. Outputs are written atomically.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from normkit.core.errors import Location, NormkitError
from normkit.core.io.atomic import removed_on_signals
from normkit.core.io.outputs import check_outputs
from normkit.poverty.batch import classify_frame
from normkit.poverty.compare import Transitions, transitions
from normkit.poverty.files import AtomicTableWriter, count_rows, read_chunks, rejects_path
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
    duplicate_ids: int = 0  # rows whose household_id an earlier row already has
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
def progress(total: int, label: str, enabled: bool | None = None) -> Iterator[Any]:
    """A rich progress bar on stderr for large inputs (nothing when not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    show = enabled if enabled is not None else (total >= PROGRESS_MIN_ROWS and console.is_terminal)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=console, disable=not show, transient=False)
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


class DuplicateIds:
    """Counts rows whose household id an earlier row already has (blank ids are not compared)."""

    def __init__(self, summary: ClassifySummary, fail: bool) -> None:
        self.seen: set[str] = set()
        self.summary = summary
        self.fail = fail

    def add(self, chunk: Any, first_row: int) -> None:
        if ID_COLUMN not in chunk.columns:
            return
        import numpy as np
        import pandas as pd

        col = chunk[ID_COLUMN].astype("string").str.strip()
        valid = (col.notna() & col.ne("")).fillna(False).to_numpy(dtype=bool)
        ids = pd.Series(col.to_numpy(dtype=object)[valid], dtype=object).astype(str)
        repeated = (ids.duplicated() | ids.isin(self.seen)).to_numpy(dtype=bool)
        if repeated.any():
            rows = (np.flatnonzero(valid)[repeated] + first_row).tolist()
            values = ids[repeated].tolist()
            if self.fail:
                raise NormkitError("NK809", f"{ID_COLUMN} {values[0]!r} appears more than once (again at row {rows[0]})")
            self.summary.duplicate_ids += len(values)
            room = DUPLICATE_EXAMPLES - len(self.summary.duplicate_examples)
            self.summary.duplicate_examples += [{"row": r, ID_COLUMN: v} for r, v in zip(rows, values, strict=True)][:room]
        self.seen.update(ids.tolist())


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
    from normkit.poverty.files import CHUNK_ROWS

    total = count_rows(path)
    summary = ClassifySummary(std.id, str(std.at), method or "", out=str(out))
    duplicates = DuplicateIds(summary, fail_on_duplicates)
    writer = AtomicTableWriter(out)
    rej_writer = AtomicTableWriter(rej_path)
    columns: list[str] = []
    try:
        with located(path), progress(total, f"classify {Path(path).name}", show_progress) as advance:
            first = 1
            for chunk in read_chunks(path, chunk_rows or CHUNK_ROWS):
                columns = list(chunk.columns)
                duplicates.add(chunk, first)
                r = classify_frame(chunk, std, method=method, low_income=low_income, first_row=first)
                summary.method = r.method
                summary.notes += [n for n in r.notes if n not in summary.notes]
                if len(r.classified):
                    writer.write(r.classified)
                if len(r.rejects):
                    rej_writer.write(r.rejects.astype(str))
                for s, n in r.classified["status"].value_counts().items():
                    summary.counts[str(s)] = summary.counts.get(str(s), 0) + int(n)
                summary.rows_in += len(chunk)
                summary.classified += len(r.classified)
                summary.rejected += len(r.rejects)
                first += len(chunk)
                advance(len(chunk))
        writer.close(columns + [c for c in ("status", "deprivation_count") if c not in columns])  # as a non-empty result
        if summary.rejected:
            rej_writer.close(["row", "reason"] + columns)
            summary.rejects = str(rej_path)
        else:
            rej_writer.abort()
            rej_path.unlink(missing_ok=True)  # no stale rejects from an earlier run
    except BaseException:
        writer.abort()
        rej_writer.abort()
        raise
    assert summary.rows_in == summary.classified + summary.rejected
    summary.counts = {s: summary.counts.get(s, 0) for s in STATUSES}
    return summary


def rates_file(path: str | Path, by: list[str], std: Standard | None, *, method: str | None = None,
               show_progress: bool | None = None) -> tuple[RateCounter, int]:
    """Counts and rates of a file: classified already (a ``status`` column) or classified here with ``std``."""
    counter = RateCounter(by)
    rejected = 0
    with located(path), progress(count_rows(path), f"rates {Path(path).name}", show_progress) as advance:
        first = 1
        for chunk in read_chunks(path):
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
    with located(path), progress(count_rows(path), f"compare {Path(path).name}", show_progress) as advance:
        first = 1
        for chunk in read_chunks(path):
            t, _rej = transitions(chunk, a, b, first_row=first)
            total.add(t)
            first += len(chunk)
            advance(len(chunk))
    return total
