"""Household files: read CSV, XLSX or Parquet as streams of text batches, write results atomically.

Reading goes through the one table layer (:mod:`normkit.core.io.tables`): every column arrives as
text (so no number passes through float), the header is checked (a duplicated column is NK808),
and every bound of docs/tables.md applies. The classifier converts the columns it needs exactly;
the others pass through untouched. Output files are written to a temporary file in the target
folder and moved into place (:mod:`normkit.core.io.atomic`), so a reader never sees half a file
and an interrupted run leaves the old file untouched.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from normkit.core.errors import Location, NormkitError
from normkit.core.io.atomic import discard, publish, temp_beside
from normkit.core.io.tables import TextBatch, TextTable, check_header, open_text_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

CHUNK_ROWS = 250_000
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
INPUT_FORMATS = {**FORMATS, ".xlsx": "xlsx"}


def file_format(path: str | Path, *, reading: bool = False) -> str:
    fmt = (INPUT_FORMATS if reading else FORMATS).get(Path(path).suffix.lower())
    if fmt is None:
        kinds = ".csv, .xlsx or .parquet" if reading else ".csv or .parquet"
        raise NormkitError("NK702", f"{path}: unknown file type {Path(path).suffix or '(none)'!r}; use {kinds}",
                           location=Location(str(path)))
    return fmt


def _parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the installation
        raise NormkitError("NK810", "reading or writing Parquet needs the Python package pyarrow, which is not installed",
                           hint="pip install 'normkit[parquet]'") from None
    return pq


def open_households(path: str | Path, chunk_rows: int = CHUNK_ROWS, columns: list[str] | None = None) -> TextTable:
    """The household file ``path`` opened as a stream of text batches (kind, size and header
    checked); with ``columns``, those columns only (a second pass over the file)."""
    file_format(path, reading=True)
    return open_text_table(path, code="NK702", batch_rows=chunk_rows, columns=columns)


def count_rows(path: str | Path) -> int:
    """Data rows in a household file (CSV: lines after the header, counted quickly in bytes)."""
    return open_households(path).count_rows()


def batches(path: str | Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[TextBatch]:
    """The file's rows as Arrow text batches of at most ``chunk_rows`` rows, in order."""
    yield from open_households(path, chunk_rows).batches


def as_frame(batch: Any) -> pd.DataFrame:
    """A text batch as a pandas DataFrame of text columns (Arrow-backed, not copied)."""
    frame: pd.DataFrame = batch.to_pandas()
    return frame


def read_chunks(path: str | Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The file's rows as DataFrames of text columns, at most ``chunk_rows`` rows each, in order."""
    for b in batches(path, chunk_rows):
        yield as_frame(b.text)


def read_table(path: str | Path) -> pd.DataFrame:
    """The whole file as one DataFrame of text columns."""
    import pandas as pd

    table = open_households(path)
    chunks = [as_frame(b.text) for b in table.batches]
    if not chunks:
        return pd.DataFrame({n: pd.Series([], dtype="str") for n in table.names})
    return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]


class AtomicTableWriter:
    """Write Arrow batches (or DataFrames) to CSV or Parquet; the file appears only on :meth:`close`.

    CSV is written by Arrow with the header in minimal quoting; a batch whose text needs quotes
    (a separator, a quote or a line break inside a cell) is written with every text cell quoted.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.format = file_format(self.path)
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise NormkitError("NK702", f"cannot write {self.path}: the folder {folder} does not exist", location=Location(str(self.path)))
        # one mechanism for every output file: normal permissions, moved into place only when complete
        self.tmp = temp_beside(self.path, "NK702")
        self._writer: Any = None
        self._schema: Any = None
        self._sink: Any = None
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        self.write_batch(pa.RecordBatch.from_pandas(frame, preserve_index=False))

    def write_batch(self, batch: Any) -> None:
        try:
            self._write(batch)
        except OSError as exc:  # disk full, folder removed …: the user's environment, not a bug
            raise NormkitError("NK805", f"cannot write {self.path}: {exc.strerror or exc}", location=Location(str(self.path))) from None

    def _start(self, schema: Any) -> None:
        self._schema = schema
        if self.format == "csv":
            import pyarrow as pa

            self._sink = pa.OSFile(str(self.tmp), "wb")  # Arrow's own file: its writes release the GIL
            head = io.StringIO()
            csv.writer(head, lineterminator="\n").writerow(schema.names)
            self._sink.write(head.getvalue().encode("utf-8"))
        else:
            self._writer = _parquet().ParquetWriter(self.tmp, schema)

    def _write(self, batch: Any) -> None:
        if self._schema is None:
            self._start(batch.schema)
        elif batch.schema != self._schema:
            batch = batch.cast(self._schema) if hasattr(batch, "cast") else batch
        if self.format == "csv":
            import pyarrow as pa
            import pyarrow.csv as pcsv

            # the batch is rendered in memory and then written: Arrow writes a batch 1,024 rows at a time, so
            # a cell that needs quotes found after the first rows would leave those rows in the file
            # twice once the batch is written again with quotes
            rendered = pa.BufferOutputStream()
            try:
                pcsv.write_csv(batch, rendered, pcsv.WriteOptions(include_header=False, quoting_style="none"))
            except pa.ArrowInvalid:  # a cell holds a separator, quote or line break
                rendered = pa.BufferOutputStream()
                pcsv.write_csv(batch, rendered, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
            self._sink.write(rendered.getvalue())
        else:
            self._writer.write_batch(batch)
        self.rows += batch.num_rows

    def close(self, empty_columns: list[str] | None = None) -> None:
        """Finish the file and move it into place (an empty result still gets a header)."""
        try:
            self._close(empty_columns)
        except OSError as exc:
            raise NormkitError("NK805", f"cannot write {self.path}: {exc.strerror or exc}", location=Location(str(self.path))) from None

    def _close(self, empty_columns: list[str] | None) -> None:
        if self._schema is None:
            import pyarrow as pa

            self._start(pa.schema([(c, pa.string()) for c in (empty_columns or [])]))
        if self._sink is not None:
            self._sink.close()
        if self._writer is not None:
            self._writer.close()
        publish(self.tmp, self.path)

    def abort(self) -> None:
        for handle in (self._writer, self._sink):
            if handle is not None:
                with contextlib.suppress(Exception):  # best effort while failing
                    handle.close()
        discard(self.tmp)

    def __enter__(self) -> AtomicTableWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def rejects_path(out: str | Path) -> Path:
    """Default rejects file next to the output: ``OUT.rejects.csv``."""
    out = Path(out)
    return out.with_name(out.stem + ".rejects.csv")


__all__ = ["CHUNK_ROWS", "AtomicTableWriter", "as_frame", "batches", "check_header", "count_rows", "file_format",
           "open_households", "read_chunks", "read_table", "rejects_path"]
