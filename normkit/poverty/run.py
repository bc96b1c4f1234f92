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
from normkit.poverty.batch import classify_frame
from normkit.poverty.compare import Transitions, transitions
from normkit.poverty.files import AtomicTableWriter, count_rows, read_chunks, rejects_path
from normkit.poverty.rates import RateCounter
from normkit.poverty.standards import STATUSES, Standard

PROGRESS_MIN_ROWS = 100_000


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


def classify_file(path: str | Path, out: str | Path, std: Standard, *, method: str | None = None,
                  rejects: str | Path | None = None, low_income: bool = False, show_progress: bool | None = None,
                  chunk_rows: int | None = None) -> ClassifySummary:
    """Classify the households of ``path`` into ``out`` (CSV or Parquet); bad rows go to ``rejects``."""
    from normkit.poverty.files import CHUNK_ROWS

    total = count_rows(path)
    rej_path = Path(rejects) if rejects else rejects_path(out)
    summary = ClassifySummary(std.id, str(std.at), method or "", out=str(out))
    writer = AtomicTableWriter(out)
    rej_writer = AtomicTableWriter(rej_path)
    columns: list[str] = []
    try:
        with located(path), progress(total, f"classify {Path(path).name}", show_progress) as advance:
            first = 1
            for chunk in read_chunks(path, chunk_rows or CHUNK_ROWS):
                columns = list(chunk.columns)
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
