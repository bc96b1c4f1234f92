"""Household files: read CSV or Parquet in chunks, write results atomically.

CSV is read as text (every cell a string) so that no number passes through float; the
classifier converts each column exactly. Output files are written to a temporary file in the
target folder and moved into place (:mod:`normkit.core.io.atomic`), so a reader never sees half a
file and an interrupted run leaves the old file untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from normkit.core.errors import Location, NormkitError
from normkit.core.io.atomic import discard, publish, temp_beside

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

CHUNK_ROWS = 250_000
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def file_format(path: str | Path) -> str:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise NormkitError("NK702", f"{path}: unknown file type {Path(path).suffix or '(none)'!r}; use .csv or .parquet",
                           location=Location(str(path)))
    return fmt


def _parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the installation
        raise NormkitError("NK810", "reading or writing Parquet needs the Python package pyarrow, which is not installed",
                           hint="pip install 'normkit[parquet]'") from None
    return pq


def count_rows(path: str | Path) -> int:
    """Data rows in a household file (CSV: lines after the header, counted quickly in bytes)."""
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise NormkitError("NK702", f"{path}: no such file", location=Location(str(path)))
    if fmt == "parquet":
        try:
            return int(_parquet().ParquetFile(path).metadata.num_rows)
        except Exception as e:  # pyarrow raises several kinds for a file that is not Parquet
            raise NormkitError("NK702", f"{path}: not a Parquet file ({str(e).splitlines()[0]})", location=Location(str(path))) from None
    lines, last = 0, b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def check_header(names: list[str], path: str | Path) -> None:
    """A column name given twice is an error (NK808), never a silent ``name.1`` (positions from 1)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise NormkitError("NK808", f"column {name!r} appears twice in the header (columns {seen[name]} and {i})",
                               location=Location(str(path), line=1))
        seen[name] = i


def _csv_header(path: Path) -> list[str]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        row = next(csv.reader(fh), [])
    names = list(row)
    if names:
        names[0] = names[0].removeprefix("\ufeff")
    return names


def read_chunks(path: str | Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The file's rows as DataFrames of at most ``chunk_rows`` rows, in order."""
    import pandas as pd

    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise NormkitError("NK702", f"{path}: no such file", location=Location(str(path)))
    try:
        if fmt == "parquet":
            pf = _parquet().ParquetFile(path)
            check_header(list(pf.schema_arrow.names), path)
            for batch in pf.iter_batches(batch_size=chunk_rows):
                yield batch.to_pandas()
            return
        check_header(_csv_header(path), path)
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], chunksize=chunk_rows, encoding="utf-8")
        yield from reader
    except NormkitError:
        raise
    except UnicodeDecodeError as e:
        raise NormkitError("NK702", f"{path}: not UTF-8 text ({e.reason} at byte {e.start})", location=Location(str(path))) from None
    except pd.errors.EmptyDataError:
        raise NormkitError("NK702", f"{path}: the file is empty (a header row is needed)", location=Location(str(path))) from None
    except (pd.errors.ParserError, ValueError, OSError) as e:
        raise NormkitError("NK702", f"{path}: {str(e).splitlines()[0]}", location=Location(str(path))) from None


def read_table(path: str | Path) -> pd.DataFrame:
    """The whole file as one DataFrame."""
    import pandas as pd

    chunks = list(read_chunks(path))
    if not chunks:
        return pd.DataFrame()
    return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]


class AtomicTableWriter:
    """Write DataFrames chunk by chunk to CSV or Parquet; the file appears only on :meth:`close`."""

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
        self._header_done = False
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        try:
            self._write(frame)
        except OSError as exc:  # disk full, folder removed …: the user's environment, not a bug
            raise NormkitError("NK805", f"cannot write {self.path}: {exc.strerror or exc}", location=Location(str(self.path))) from None

    def _write(self, frame: pd.DataFrame) -> None:
        if self.format == "csv":
            frame.to_csv(self.tmp, mode="a" if self._header_done else "w", header=not self._header_done, index=False)
            self._header_done = True
        else:
            import pyarrow as pa

            pq = _parquet()
            if self._writer is None:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                self._schema = table.schema
                self._writer = pq.ParquetWriter(self.tmp, self._schema)
            else:
                table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
            self._writer.write_table(table)
        self.rows += len(frame)

    def close(self, empty_columns: list[str] | None = None) -> None:
        """Finish the file and move it into place (an empty result still gets a header)."""
        try:
            self._close(empty_columns)
        except OSError as exc:
            raise NormkitError("NK805", f"cannot write {self.path}: {exc.strerror or exc}", location=Location(str(self.path))) from None

    def _close(self, empty_columns: list[str] | None) -> None:
        if self.format == "csv" and not self._header_done:
            import pandas as pd

            pd.DataFrame(columns=empty_columns or []).to_csv(self.tmp, index=False)
        if self.format == "parquet":
            if self._writer is None:
                import pandas as pd

                self._write(pd.DataFrame({c: pd.Series(dtype="string") for c in (empty_columns or [])}))
            self._writer.close()
        publish(self.tmp, self.path)

    def abort(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):  # best effort while failing
                self._writer.close()
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
