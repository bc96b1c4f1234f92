"""Tables — CSV, XLSX and Parquet — read the same way, within stated bounds, for every caller.

Norm tables (:mod:`normkit.media.normtable`), budgets (:mod:`normkit.budget.reading`) and
household files (:mod:`normkit.poverty.files`) all read through this module, so a CSV dialect,
a blank or comment row, a header word and every bound mean the same thing in every file
(docs/tables.md):

- the file is checked before it is opened: a FIFO, device, socket or folder is NK107, a
  symbolic-link loop NK108, a file larger than the caller's limit NK125 (from its size, so a huge
  or sparse file is never read);
- CSV: UTF-8 with or without a byte-order mark (anything else is the caller's "cannot be read"
  error with the byte that failed), the separator (``,`` ``;`` tab or ``|``) is the one the first
  non-comment line uses most; text is NFC-normalised;
- XLSX: refused before openpyxl parses it when a part declares a DTD or entity (NK123) or
  decompresses beyond the bound (NK122); the sheet's ``<dimension>`` claim is ignored, rows are
  read as stored and trailing empty cells dropped; a cell beyond the column bound is NK120;
- Parquet: duplicate column names NK808, a binary column that is not UTF-8 NK124, more than the
  expanded-size bound in one batch (dictionary-encoded text is measured before it is decoded) or
  in one row group NK122;
- every table: at most :data:`MAX_COLUMNS` columns (NK120), a row or cell at most
  :data:`MAX_ROW_BYTES` (NK121).

Two views: :func:`csv_records` / :func:`xlsx_records` give small tables (budgets, norm tables)
as numbered rows of cells; :func:`open_text_table` gives large ones (households) as a stream of
Arrow record batches in which every column is text, so money never passes through float.

>>> words("Mã hiệu / Code")
'ma hieu code'
>>> is_comment(["", "# note"]), is_blank("  ")
(True, True)
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import errno
import io
import itertools
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from normkit.core.errors import Location, NormkitError
from normkit.core.io.vocabulary import fold_header, header_words, strip_marks

Record = tuple[int, list[Any]]
"""A row as the user sees it: its 1-based line or row number and its cells."""

#: Columns a table may have (a header or a row with more is NK120).
MAX_COLUMNS = 1024
#: Bytes one row (CSV) or one cell (XLSX, Parquet) may hold (NK121); also the CSV read block.
MAX_ROW_BYTES = 8 * 2**20
#: Bytes of text one batch of a Parquet file or all parts of an XLSX workbook may expand to (NK122).
MAX_EXPANDED_BYTES = 512 * 2**20
#: File size of a table read whole (budgets, norm tables): NK125 above it.
MAX_TABLE_FILE_BYTES = 256 * 2**20
#: Rows in one Arrow batch of a household file.
BATCH_ROWS = 250_000
DELIMITERS = (",", ";", "\t", "|")
SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}

_BOM = codecs.BOM_UTF8


@dataclass(frozen=True, slots=True)
class DateCell:
    """A cell a spreadsheet turned into a date (Excel reads ``3/9`` as 9 March)."""

    value: Any

    def __str__(self) -> str:
        return str(self.value)


fold = strip_marks  # the one folding (core/io/vocabulary.py), case kept
words = header_words  # a header as words (core/io/vocabulary.py)


def is_blank(v: Any) -> bool:
    """An empty cell: ``None`` or text of spaces only."""
    return v is None or (isinstance(v, str) and not v.strip())


def is_comment(cells: Sequence[Any]) -> bool:
    """A comment row: its first non-blank cell is text starting with ``#``."""
    first = next((c for c in cells if not is_blank(c)), None)
    return isinstance(first, str) and first.lstrip().startswith("#")


# ---- the file itself ------------------------------------------------------------------------

def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def check_file(path: str | os.PathLike[str], *, code: str, limit: int | None = None) -> int:
    """The size of the regular file ``path``, checked before anything opens it.

    A missing file is ``code`` ("no such file"), a FIFO, device, socket or folder NK107, a
    symbolic-link loop NK108, a file over ``limit`` bytes NK125.
    """
    p = Path(path)
    where = Location(str(p))
    try:
        st = os.stat(p)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NormkitError("NK108", "cannot read file: it is a symbolic link that loops back on itself", location=where) from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise NormkitError(code, f"no such file: {p}", location=where) from None
        raise NormkitError(code, f"cannot read {p.name}: {exc.strerror or exc}", location=where) from None
    if not stat.S_ISREG(st.st_mode):
        raise NormkitError("NK107", f"cannot read file: it is {_kind(st.st_mode)}, not a regular file", location=where)
    if limit is not None and st.st_size > limit:
        raise NormkitError("NK125", f"{p.name} is {st.st_size} bytes; a table read whole may have at most {limit}", location=where)
    return st.st_size


def _open_regular(p: Path, code: str) -> io.BufferedReader:
    """Open a file :func:`check_file` accepted, non-blocking, and check it again on its descriptor
    (a file swapped for a FIFO between the check and the open cannot hang the reader)."""
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise NormkitError(code, f"cannot read {p.name}: {exc.strerror or exc}", location=Location(str(p))) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NormkitError("NK107", f"cannot read file: it is {_kind(st.st_mode)}, not a regular file", location=Location(str(p)))
    return os.fdopen(fd, "rb")


def _too_wide(p: Path, n: int, row: int | None = None) -> NormkitError:
    return NormkitError("NK120", f"{p.name} has {n} columns; a table may have at most {MAX_COLUMNS}",
                        location=Location(str(p), row))


def _row_too_long(p: Path, row: int | None = None) -> NormkitError:
    return NormkitError("NK121", f"{p.name} has a row longer than {MAX_ROW_BYTES} bytes",
                        location=Location(str(p), row))


def _not_utf8(p: Path, code: str, byte: int) -> NormkitError:
    return NormkitError(code, f"{p.name} is not UTF-8 text (byte {byte})", location=Location(str(p)),
                        hint="save the table as CSV UTF-8 (Excel: File → Save As → CSV UTF-8)")


def sniff_delimiter(text: str) -> str:
    """The separator the first non-blank, non-comment line uses most (``,`` on a tie or none)."""
    line = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    return max(DELIMITERS, key=line.count)


# ---- small tables as records (budgets, norm tables) -----------------------------------------

def csv_records(p: Path, *, code: str, limit: int = MAX_TABLE_FILE_BYTES) -> Iterator[Record]:
    """The rows of a CSV file, numbered by line; unreadable files and CSV errors are ``code``."""
    size = check_file(p, code=code, limit=limit)
    with _open_regular(p, code) as fh:
        raw = fh.read(size + 1)  # the size was checked: read(limit) would allocate the whole limit
    if len(raw) > limit:
        raise NormkitError("NK125", f"{p.name} is over {limit} bytes; a table read whole may have at most {limit}",
                           location=Location(str(p)))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(p, code, exc.start + (3 if raw.startswith(_BOM) else 0)) from None
    del raw
    text = unicodedata.normalize("NFC", text)
    delimiter = sniff_delimiter(text[: MAX_ROW_BYTES])
    yield from _csv_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), p, code)


def _csv_rows(reader: Any, p: Path, code: str) -> Iterator[Record]:
    """(line number, cells) of a ``csv.reader``, within the row and column bounds, its errors coded."""
    old = csv.field_size_limit(MAX_ROW_BYTES)
    try:
        for cells in reader:
            if len(cells) > MAX_COLUMNS:
                raise _too_wide(p, len(cells), reader.line_num)
            yield reader.line_num, cells
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _row_too_long(p, reader.line_num) from None
        raise NormkitError(code, f"CSV error: {exc}", location=Location(str(p), reader.line_num)) from None
    finally:
        csv.field_size_limit(old)


#: Bytes read at a time by :func:`csv_record_stream`.
STREAM_BLOCK = 1 << 20


def csv_record_stream(p: Path, *, code: str, limit: int | None = None) -> Iterator[Record]:
    """:func:`csv_records` read as it goes: the same rows, line numbers, separator and errors
    (a byte that is not UTF-8 by its offset in the file), with memory bounded by a block and the
    row bound instead of the file's size. ``limit`` (bytes, NK125) is None: any length."""
    check_file(p, code=code, limit=limit)
    return _csv_stream(p, code)


def _csv_stream(p: Path, code: str) -> Iterator[Record]:
    with _open_regular(p, code) as fh:
        lines = _text_lines(fh, p, code)
        head: list[str] = []  # lines held until the separator is known (as csv_records sniffs it)
        held = 0
        for line in lines:
            head.append(line)
            held += len(line)
            if held >= MAX_ROW_BYTES or any(piece.strip() and not piece.lstrip().startswith("#") for piece in line.splitlines()):
                break
        delimiter = sniff_delimiter("".join(head)[:MAX_ROW_BYTES])
        reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter)
        del head
        yield from _csv_rows(reader, p, code)


def _text_lines(fh: io.BufferedReader, p: Path, code: str) -> Iterator[str]:
    """The file's text, UTF-8 (a leading byte-order mark dropped), NFC-normalised, in lines that
    keep their ends and split where ``newline=""`` splits them (``\\n``, ``\\r\\n``, a lone ``\\r``)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0  # bytes read before the current block
    carry = ""
    first = True
    while True:
        block = fh.read(STREAM_BLOCK)
        final = not block
        if first:
            while 0 < len(block) < 3 and (more := fh.read(3 - len(block))):
                block += more  # the byte-order mark whole, whatever the block size
            final = not block
            if block.startswith(_BOM):
                block, offset = block[3:], 3
            first = False
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final)
        except UnicodeDecodeError as exc:
            raise _not_utf8(p, code, offset - pending + exc.start) from None
        offset += len(block)
        text = carry + text
        carry = ""
        if final:
            if text:
                yield from _nfc_lines(text)
            return
        pieces = io.StringIO(text, newline="").readlines()
        if pieces and not pieces[-1].endswith("\n"):
            carry = pieces.pop()  # no end yet, or a \r whose \n may start the next block
            if len(carry) > MAX_ROW_BYTES:
                raise _row_too_long(p)
        yield from (ln if unicodedata.is_normalized("NFC", ln) else unicodedata.normalize("NFC", ln) for ln in pieces)


def _nfc_lines(text: str) -> Iterator[str]:
    for ln in io.StringIO(text, newline="").readlines():
        yield ln if unicodedata.is_normalized("NFC", ln) else unicodedata.normalize("NFC", ln)


def text_line_stream(p: Path, *, code: str) -> Iterator[tuple[int, str]]:
    """The lines of a UTF-8 text file (JSON lines), numbered from 1, read in blocks as
    :func:`csv_record_stream` reads them: NFC-normalised, ends kept, a byte that is not UTF-8
    ``code`` by its offset, a line longer than :data:`MAX_ROW_BYTES` NK121."""
    check_file(p, code=code)

    def lines() -> Iterator[tuple[int, str]]:
        with _open_regular(p, code) as fh:
            for n, line in enumerate(_text_lines(fh, p, code), start=1):
                if len(line) > MAX_ROW_BYTES:
                    raise _row_too_long(p, n)
                yield n, line

    return lines()


_PROLOG_BYTES = 64 * 1024


def check_workbook(p: Path, *, code: str) -> None:
    """Refuse an XLSX before openpyxl parses it: a part that declares a DTD or an entity
    (an entity bomb, an external entity) is NK123; parts that decompress beyond
    :data:`MAX_EXPANDED_BYTES` in total NK122; a file that is not a ZIP workbook ``code``."""
    where = Location(str(p))
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_EXPANDED_BYTES:
                raise NormkitError("NK122", f"{p.name} expands to {total} bytes; a workbook may expand to at most {MAX_EXPANDED_BYTES}",
                                   location=where)
            for info in infos:
                if not info.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                with z.open(info) as part:
                    head = part.read(_PROLOG_BYTES)
                if _declares_dtd(head):
                    raise NormkitError("NK123", f"{p.name}: the part {info.filename} declares a DTD or an entity; "
                                                "a workbook with one is never parsed", location=where)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as exc:
        raise NormkitError(code, f"cannot open {p.name} as an XLSX workbook: {exc}", location=where) from None


_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_UTF16 = re.compile(rb"<\x00!\x00")


def _declares_dtd(head: bytes) -> bool:
    """A DTD can only come before the root element; look there (the part in UTF-8 or UTF-16)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _UTF16.search(head):
        enc = "utf-16-be" if head.startswith((b"\xfe\xff", b"\x00")) else "utf-16-le"
        head = head[: len(head) // 2 * 2].decode(enc, errors="replace").encode("utf-8")
    root = re.search(rb"<[A-Za-z_]", head)
    if root is None:  # no root element within the first 64 KiB: only a very long prolog does that
        return len(head) >= _PROLOG_BYTES or bool(_DTD.search(head))
    return bool(_DTD.search(head[: root.start()]))


def _xlsx_cell(v: Any) -> Any:
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return DateCell(v)
    if isinstance(v, str):
        if len(v) > MAX_ROW_BYTES // 4:
            return v  # checked by the caller's length test
        return unicodedata.normalize("NFC", v)
    return v


def _xlsx_rows(p: Path, sheet: str | None, *, code: str) -> tuple[Iterator[Record], str, Any]:
    """(rows of one sheet, its name, the open workbook to close) — bounds checked on the way."""
    check_workbook(p, code=code)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise NormkitError(code, f"cannot open {p.name} as an XLSX workbook: {exc}", location=Location(str(p))) from None
    if sheet is None:
        if not wb.worksheets:
            wb.close()
            raise NormkitError(code, f"{p.name} has no worksheet", location=Location(str(p)))
        ws = wb.worksheets[0]
    elif sheet in wb.sheetnames:
        ws = wb[sheet]
    else:
        names = ", ".join(wb.sheetnames)
        wb.close()
        raise NormkitError(code, f"{p.name} has no sheet {sheet!r}; its sheets are: {names}", location=Location(str(p)))
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # never trust <dimension>: A1:XFD1048576 would pad every row to 16,384 cells

    def rows() -> Iterator[Record]:
        try:
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = list(row)
                while cells and is_blank(cells[-1]):
                    cells.pop()
                if len(cells) > MAX_COLUMNS:
                    raise _too_wide(p, len(cells), n)
                for c in cells:
                    if isinstance(c, str) and len(c.encode("utf-8", "surrogatepass")) > MAX_ROW_BYTES:
                        raise NormkitError("NK121", f"{p.name} has a cell longer than {MAX_ROW_BYTES} bytes", location=Location(str(p), n))
                yield n, [_xlsx_cell(v) for v in cells]
        except NormkitError:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a damaged sheet
            raise NormkitError(code, f"cannot read {p.name}: {exc}", location=Location(str(p))) from None
    return rows(), str(ws.title), wb


def xlsx_records(p: Path, sheet: str | None, *, code: str, max_rows: int,
                 limit: int = MAX_TABLE_FILE_BYTES) -> tuple[list[Record], str]:
    """The rows of one sheet of an XLSX workbook (at most ``max_rows`` + 100 non-empty rows, so
    the caller can say the table is too long) and the sheet's name; unreadable workbooks are ``code``."""
    check_file(p, code=code, limit=limit)
    rows, title, wb = _xlsx_rows(p, sheet, code=code)
    try:
        out: list[Record] = []
        for n, cells in rows:
            if not cells:
                continue  # an empty row: styled but holding nothing
            out.append((n, cells))
            if len(out) > max_rows + 100:
                break
        return out, title
    finally:
        wb.close()


def xlsx_record_stream(p: Path, sheet: str | None, *, code: str, limit: int = MAX_TABLE_FILE_BYTES) -> Iterator[Record]:
    """:func:`xlsx_records` read as it goes (openpyxl read-only): the non-empty rows of one sheet,
    no row bound; the workbook is closed when the rows end or the iterator is closed."""
    check_file(p, code=code, limit=limit)
    rows, _title, wb = _xlsx_rows(p, sheet, code=code)

    def records() -> Iterator[Record]:
        try:
            for n, cells in rows:
                if cells:
                    yield n, cells
        finally:
            wb.close()

    return records()


# ---- large tables as Arrow text batches (household files) -----------------------------------

def _arrow() -> Any:
    try:
        import pyarrow
    except ImportError:  # a dependency of normkit: missing only from a broken installation
        raise NormkitError("NK810", "reading or writing Parquet needs the Python package pyarrow, which is not installed",
                           hint="pip install 'normkit[parquet]'") from None
    return pyarrow


def check_header(names: Sequence[str], path: str | os.PathLike[str]) -> None:
    """A column name given twice — after :func:`~normkit.core.io.vocabulary.fold_header`, so
    ``Area`` and ``area`` are one name — is NK808, never a silent ``name.1`` (positions from 1)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        key = fold_header(name) or name
        if key in seen:
            raise NormkitError("NK808", f"column {name!r} appears twice in the header (columns {seen[key]} and {i})",
                               location=Location(str(path), line=1))
        seen[key] = i


@dataclass
class TextBatch:
    """Rows ``first_row`` … of a table: ``raw`` as stored (for pass-through; text columns as plain
    Arrow text), and ``text``, every column as Arrow text (nulls for empty cells of typed Parquet
    columns only), made on first use — a caller that reads the stored columns never pays for it."""

    first_row: int
    raw: Any  # pyarrow.RecordBatch
    _text: Any = field(default=None, repr=False)

    @property
    def num_rows(self) -> int:
        return int(self.raw.num_rows)

    @property
    def text(self) -> Any:
        """Every column as text (a pyarrow.RecordBatch; the stored batch itself when all are text)."""
        if self._text is None:
            pa = _arrow()
            names = self.raw.schema.names
            self._text = pa.RecordBatch.from_arrays([self.text_column(n) for n in names],
                                                    schema=pa.schema([(n, pa.string()) for n in names]))
        return self._text

    def text_column(self, name: str) -> Any:
        """One column as text, without making the others."""
        if self._text is not None:
            return self._text.column(name)
        pa = _arrow()
        col = self.raw.column(name)
        if pa.types.is_string(col.type):
            return col
        import pyarrow.compute as pc

        return pc.cast(col, pa.string())


@dataclass
class TextTable:
    """An opened table: its format, header and a one-pass stream of :class:`TextBatch`."""

    path: Path
    format: str  # csv | xlsx | parquet
    names: list[str]
    batches: Iterator[TextBatch]
    raw_schema: Any = None  # pyarrow.Schema of the stored columns
    size: int = 0
    _count: Any = field(default=None, repr=False)

    def count_rows(self) -> int:
        """Data rows, counted without decoding (Parquet: metadata; CSV: newlines, a quick byte scan)."""
        return int(self._count()) if self._count is not None else 0


def open_text_table(path: str | os.PathLike[str], *, code: str, batch_rows: int = BATCH_ROWS,
                    sheet: str | None = None, columns: Sequence[str] | None = None) -> TextTable:
    """Open a CSV, XLSX or Parquet table as a stream of text batches (see :class:`TextTable`).

    The header is read and checked (width NK120, duplicates NK808) before any data row; every
    other bound is checked batch by batch, so memory stays bounded by ``batch_rows`` × the row
    bound whatever the file's length. With ``columns`` (names of the header), the batches hold
    those columns only, in the header's order, with the same cells: Parquet reads no other
    column, CSV converts no other (a second pass over a file already read, e.g. its ids again).
    """
    p = Path(path)
    fmt = SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise NormkitError(code, f"{p}: unknown file type {p.suffix or '(none)'!r}; use .csv, .xlsx or .parquet", location=Location(str(p)))
    size = check_file(p, code=code)
    if fmt == "parquet":
        return _parquet_table(p, code, batch_rows, size, columns)
    if fmt == "xlsx":
        return _xlsx_table(p, code, batch_rows, sheet, size, columns)
    return _csv_table(p, code, batch_rows, size, columns)


def _picked(names: list[str], columns: Sequence[str], p: Path, code: str) -> list[str]:
    """``columns`` in the header's order; a name the header lacks is an error (the caller's)."""
    missing = [c for c in columns if c not in names]
    if missing:
        raise NormkitError(code, f"{p}: no column {missing[0]!r} in the header", location=Location(str(p)))
    return [n for n in names if n in columns]


def _csv_header(p: Path, code: str) -> tuple[list[str], str, int]:
    """(header names, delimiter, offset of the first data row) from the first line, read within the row bound."""
    with _open_regular(p, code) as fh:
        head = fh.read(MAX_ROW_BYTES + 4)
    bom = 3 if head.startswith(_BOM) else 0
    if not head[bom:].strip():
        raise NormkitError(code, f"{p}: the file is empty (a header row is needed)", location=Location(str(p)))
    end = head.find(b"\n", bom)
    if end < 0:
        if len(head) > MAX_ROW_BYTES:
            raise _row_too_long(p, 1)
        end = len(head)
    line = head[bom:end]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(p, code, exc.start + bom) from None
    text = text.rstrip("\r")
    delimiter = sniff_delimiter(text)
    try:
        names = next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error as exc:
        raise NormkitError(code, f"{p}: CSV error in the header: {exc}", location=Location(str(p), 1)) from None
    if len(names) > MAX_COLUMNS:
        raise _too_wide(p, len(names), 1)
    names = [unicodedata.normalize("NFC", n) for n in names]
    check_header(names, p)
    return names, delimiter, end + 1


def _count_lines(p: Path) -> int:
    lines, last = 0, b"\n"
    with open(p, "rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


#: Bytes Arrow parses at a time in :func:`_csv_table`. Arrow's streaming reader holds more the
#: longer a file is read with large blocks (with 8 MiB blocks, 60 MiB of Arrow memory at its peak
#: for 1M household rows and 140 MiB for 3M; with 1 MiB blocks 36 and 39 MiB), so blocks are
#: small. A file with a row longer than a block (rows may have up to MAX_ROW_BYTES) is read again
#: with blocks of the row bound, and the rows already given are skipped: the same rows, none twice.
CSV_BLOCK = 1 << 20


def _csv_table(p: Path, code: str, batch_rows: int, size: int, columns: Sequence[str] | None = None) -> TextTable:
    pa = _arrow()
    import pyarrow.csv as pcsv

    names, delimiter, offset = _csv_header(p, code)
    schema = pa.schema([(f"c{i}", pa.string()) for i in range(len(names))])
    parse = pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    kept = names if columns is None else _picked(names, columns, p, code)
    convert = pcsv.ConvertOptions(column_types=schema, strings_can_be_null=False, quoted_strings_can_be_null=False,
                                  check_utf8=True, include_columns=[] if columns is None else [f"c{names.index(n)}" for n in kept])
    out_schema = pa.schema([(n, pa.string()) for n in kept])

    def batches() -> Iterator[TextBatch]:
        first = 1
        if offset >= size:
            return  # a header and no data rows
        for block in (CSV_BLOCK, MAX_ROW_BYTES):
            skip = first - 1  # rows already given (a second pass: read again, the same rows, and skip them)
            read = pcsv.ReadOptions(column_names=[f"c{i}" for i in range(len(names))], block_size=block, use_threads=True)
            source = None
            try:
                source = pa.OSFile(str(p))
                source.seek(offset)
                reader = pcsv.open_csv(source, read_options=read, parse_options=parse, convert_options=convert)
                for part in _rebatch(reader, batch_rows):
                    batch = part
                    if skip:
                        if part.num_rows <= skip:
                            skip -= part.num_rows
                            continue
                        batch, skip = part.slice(skip), 0
                    for col in batch.columns:  # Arrow may accept a row somewhat over its block size
                        if _longest_cell(col) > MAX_ROW_BYTES:
                            raise NormkitError("NK121", f"{p.name} has a cell longer than {MAX_ROW_BYTES} bytes",
                                               location=Location(str(p)))
                    b = pa.RecordBatch.from_arrays(batch.columns, schema=out_schema)
                    yield TextBatch(first, b, b)
                    first += b.num_rows
                return
            except pa.ArrowInvalid as exc:
                if block < MAX_ROW_BYTES and _straddles(str(exc)):
                    continue  # a row longer than a small block: the rest is read with blocks of the row bound
                raise _csv_error(p, code, str(exc), first) from None
            except OSError as exc:
                raise NormkitError(code, f"cannot read {p.name}: {exc.strerror or exc}", location=Location(str(p))) from None
            finally:
                if source is not None:
                    source.close()

    return TextTable(p, "csv", kept, batches(), out_schema, size, lambda: _count_lines(p))


def _longest_cell(col: Any) -> int:
    """Bytes of the longest cell of an Arrow text array, read from its offsets (no cell is longer
    than the whole array's text, so a short array is never scanned)."""
    import numpy as np

    if not len(col):
        return 0
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset: col.offset + len(col) + 1]
    if int(offsets[-1]) - int(offsets[0]) <= MAX_ROW_BYTES:
        return int(offsets[-1]) - int(offsets[0])
    return int(np.diff(offsets).max())


def _rebatch(reader: Any, rows: int) -> Iterator[Any]:
    """Arrow's CSV reader cuts batches by bytes; cut them further into at most ``rows`` rows
    (zero-copy slices, never merged)."""
    for batch in reader:
        for start in range(0, batch.num_rows, rows):
            yield batch.slice(start, rows)


def _straddles(message: str) -> bool:
    """Arrow's error for a row that does not fit in one block."""
    return "straddling" in message or "block size" in message


def _csv_error(p: Path, code: str, message: str, first: int) -> NormkitError:
    where = Location(str(p))
    if _straddles(message):
        return _row_too_long(p)
    if "UTF8" in message or "UTF-8" in message:
        return NormkitError(code, f"{p}: not UTF-8 text (a cell at or after data row {first} is not valid UTF-8)", location=where,
                            hint="save the table as CSV UTF-8 (Excel: File → Save As → CSV UTF-8)")
    m = re.search(r"Expected (\d+) columns, got (\d+)", message)
    if m:
        return NormkitError(code, f"{p}: a row at or after data row {first} has {m.group(2)} cells; the header has {m.group(1)}",
                            location=where)
    return NormkitError(code, f"{p}: {message.splitlines()[0]}", location=where)


def _xlsx_table(p: Path, code: str, batch_rows: int, sheet: str | None, size: int, columns: Sequence[str] | None = None) -> TextTable:
    pa = _arrow()
    rows, _title, wb = _xlsx_rows(p, sheet, code=code)
    header: list[str] | None = None
    for _n, cells in rows:
        if cells:
            header = [cell_text(c) for c in cells]
            break
    if header is None:
        wb.close()
        raise NormkitError(code, f"{p}: the file is empty (a header row is needed)", location=Location(str(p)))
    check_header(header, p)
    try:
        kept = header if columns is None else _picked(header, columns, p, code)  # a row is read whole, then picked
    except NormkitError:
        wb.close()
        raise
    schema = pa.schema([(n, pa.string()) for n in header])
    width = len(header)

    def batches() -> Iterator[TextBatch]:
        first = 1
        try:
            cols: list[list[str]] = [[] for _ in range(width)]
            held = 0
            for n, cells in rows:
                if not cells:
                    continue
                if len(cells) > width:
                    raise NormkitError(code, f"{p}: row {n} has {len(cells)} cells; the header has {width}", location=Location(str(p), n))
                for i in range(width):
                    cols[i].append(cell_text(cells[i]) if i < len(cells) else "")
                held += 1
                if held == batch_rows:
                    b = pa.RecordBatch.from_arrays([pa.array(c, pa.string()) for c in cols], schema=schema).select(kept)
                    yield TextBatch(first, b, b)
                    first += held
                    cols, held = [[] for _ in range(width)], 0
            if held:
                b = pa.RecordBatch.from_arrays([pa.array(c, pa.string()) for c in cols], schema=schema).select(kept)
                yield TextBatch(first, b, b)
        finally:
            wb.close()

    def count() -> int:
        return 0  # a workbook's rows are known only by reading them; no progress total

    return TextTable(p, "xlsx", kept, batches(), pa.schema([(n, pa.string()) for n in kept]), size, count)


def cell_text(v: Any) -> str:
    """A spreadsheet cell as the text a person reads in it: whole floats without ``.0``, dates in
    ISO form, booleans ``true``/``false``; a float keeps its shortest repr (so ``1.2345678901234568e16``
    stays recognisably a float and is refused where an exact number is needed)."""
    if v is None:
        return ""
    if isinstance(v, DateCell):
        v = v.value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 2**53:
            return str(int(v))
        return repr(v)
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    return str(v).strip() if isinstance(v, str) else str(v)


#: Encodings of a Parquet text column chunk whose values decode to no more text than is stored:
#: plain values, or indices into the chunk's one dictionary page (each value at most its longest
#: entry). A chunk in another encoding (DELTA_BYTE_ARRAY shares prefixes) is read as a dictionary.
FLAT_ENCODINGS = frozenset({"PLAIN", "RLE", "BIT_PACKED", "RLE_DICTIONARY", "PLAIN_DICTIONARY"})
#: Row groups whose dictionary pages are looked at before a file is read (the look costs a little
#: per row group): a file with more reads its dictionary-encoded text columns as dictionaries.
MAX_PROBED_ROW_GROUPS = 256


def direct_text_columns(p: Path, meta: Any, schema: Any, names: list[str], batch_rows: int, pa: Any, pc: Any) -> set[str]:
    """The text columns of a Parquet file that can be read directly as text — never expanding a
    batch beyond :data:`MAX_EXPANDED_BYTES` — instead of as dictionaries checked before decoding.

    A column qualifies when every chunk is in :data:`FLAT_ENCODINGS` and, where it has a dictionary
    page, the page's longest entry is within the cell bound and ``batch_rows`` of them within the
    expanded-size bound (its plain values are within the row group's size, checked from the
    metadata). Reading a dictionary costs a hash of every value that is not already an index
    (Arrow's dictionary of a column of distinct ids grows with the file): 0.23 s a million ids
    against 0.04 s read directly."""
    import pyarrow.parquet as pq

    candidates = [i for i, f in enumerate(schema) if pa.types.is_string(f.type)]
    probe: list[int] = []
    for i in candidates:
        chunks = [meta.row_group(g).column(i) for g in range(meta.num_row_groups)]
        if any(not set(c.encodings) <= FLAT_ENCODINGS for c in chunks):
            continue
        if any(c.has_dictionary_page for c in chunks):
            probe.append(i)
    direct = {names[i] for i in candidates if i not in probe and all(
        set(meta.row_group(g).column(i).encodings) <= FLAT_ENCODINGS for g in range(meta.num_row_groups))}
    if not probe or meta.num_row_groups > MAX_PROBED_ROW_GROUPS:
        return direct
    cols = [names[i] for i in probe]
    longest = dict.fromkeys(cols, 0)
    pf = pq.ParquetFile(p, read_dictionary=cols, pre_buffer=False, buffer_size=1 << 16)
    for g in range(meta.num_row_groups):
        if not meta.row_group(g).num_rows:
            continue
        # the first row's dictionary is the chunk's dictionary page, whole (one page a chunk)
        first = next(pf.iter_batches(batch_size=1, row_groups=[g], columns=cols, use_threads=False))
        for name, col in zip(cols, first.columns, strict=True):
            values = col.dictionary if pa.types.is_dictionary(col.type) else col
            if len(values):
                longest[name] = max(longest[name], int(pc.max(pc.binary_length(values)).as_py() or 0))
    return direct | {c for c, n in longest.items() if n <= MAX_ROW_BYTES and n * batch_rows <= MAX_EXPANDED_BYTES}


def _parquet_table(p: Path, code: str, batch_rows: int, size: int, columns: Sequence[str] | None = None) -> TextTable:
    pa = _arrow()
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    where = Location(str(p))
    try:
        meta = pq.read_metadata(p)
        schema = pq.read_schema(p)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise NormkitError(code, f"{p}: not a Parquet file ({str(exc).splitlines()[0]})", location=where) from None
    if len(schema.names) > MAX_COLUMNS:
        raise _too_wide(p, len(schema.names))
    check_header(list(schema.names), p)
    for rg in range(meta.num_row_groups):
        group = meta.row_group(rg)
        expanded = sum(group.column(c).total_uncompressed_size for c in range(group.num_columns))
        if expanded > MAX_EXPANDED_BYTES:
            raise NormkitError("NK122", f"{p.name}: row group {rg} expands to {expanded} bytes; "
                                        f"a batch may expand to at most {MAX_EXPANDED_BYTES}", location=where)
    textual = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
               or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)]
    for f in schema:
        if pa.types.is_nested(f.type) or (pa.types.is_dictionary(f.type) and not (
                pa.types.is_string(f.type.value_type) or pa.types.is_binary(f.type.value_type))):
            raise NormkitError(code, f"{p}: column {f.name!r} has type {f.type}; a table has flat columns of text, numbers, booleans or dates",
                               location=where)
    every = list(schema.names)
    names = every if columns is None else _picked(every, columns, p, code)
    out_raw = pa.schema([pa.field(f.name, pa.string()) if f.name in textual else f for f in schema if f.name in names])

    def batches() -> Iterator[TextBatch]:
        first = 1
        try:
            direct = direct_text_columns(p, meta, schema, every, batch_rows, pa, pc)
            # not pre-buffered: Arrow would hold every row group it is asked for (the whole file) until the end
            pf = pq.ParquetFile(p, read_dictionary=[n for n in textual if n not in direct and n in names], pre_buffer=False)
            for batch in _parquet_batches(pf, meta, batch_rows, [every.index(n) for n in textual], None if columns is None else names):
                raw_cols = []
                for name, stored in zip(names, batch.columns, strict=True):
                    col = stored
                    if pa.types.is_dictionary(col.type):
                        col = _decoded(p, name, col, first, pa, pc)
                    elif name in direct:
                        _check_text(p, name, col, first)
                    elif name in textual:
                        col = _decoded(p, name, col.dictionary_encode(), first, pa, pc)
                    raw_cols.append(col)
                yield TextBatch(first, pa.RecordBatch.from_arrays(raw_cols, schema=out_raw))
                first += batch.num_rows
        except NormkitError:
            raise
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise NormkitError(code, f"{p}: cannot read the Parquet data ({str(exc).splitlines()[0]})", location=where) from None

    return TextTable(p, "parquet", names, batches(), out_raw, size, lambda: meta.num_rows)


def _parquet_batches(pf: Any, meta: Any, batch_rows: int, textual: list[int], columns: list[str] | None = None) -> Iterator[Any]:
    """The file's record batches of at most ``batch_rows`` rows, cut where Arrow cuts them when
    every text column is read as a dictionary — before each row group in which a text column
    starts a new dictionary page — so the batches, and so the output, are the same whichever way
    each text column is read."""
    starts = [g for g in range(meta.num_row_groups)
              if g == 0 or any(meta.row_group(g).column(i).has_dictionary_page for i in textual)]
    for a, b in zip(starts, [*starts[1:], meta.num_row_groups], strict=True):
        yield from pf.iter_batches(batch_size=batch_rows, row_groups=list(range(a, b)), columns=columns)


def _check_text(p: Path, name: str, col: Any, first: int) -> None:
    """The bounds :func:`_decoded` checks, on a text column read directly (the same errors)."""
    if _longest_cell(col) > MAX_ROW_BYTES:
        raise NormkitError("NK121", f"{p.name}: column {name!r} has a cell longer than {MAX_ROW_BYTES} bytes", location=Location(str(p)))
    if len(col):
        import numpy as np

        offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset: col.offset + len(col) + 1]
        expanded = int(offsets[-1]) - int(offsets[0])
        if expanded > MAX_EXPANDED_BYTES:
            raise NormkitError("NK122", f"{p.name}: column {name!r} expands to {expanded} bytes in rows {first}–{first + len(col) - 1}; "
                                        f"a batch may expand to at most {MAX_EXPANDED_BYTES}", location=Location(str(p)))


def _decoded(p: Path, name: str, col: Any, first: int, pa: Any, pc: Any) -> Any:
    """A dictionary-encoded text column decoded to plain text — after checking, on the (small)
    dictionary, that its cells are within the row bound, that the batch stays within the
    expanded-size bound, and that binary values are UTF-8."""
    values = col.dictionary
    lengths = pc.binary_length(values)
    longest = pc.max(lengths).as_py() if len(values) else 0
    if longest and longest > MAX_ROW_BYTES:
        raise NormkitError("NK121", f"{p.name}: column {name!r} has a cell longer than {MAX_ROW_BYTES} bytes", location=Location(str(p)))
    if len(values):
        expanded = pc.sum(pc.take(lengths, col.indices)).as_py() or 0
        if expanded > MAX_EXPANDED_BYTES:
            raise NormkitError("NK122", f"{p.name}: column {name!r} expands to {expanded} bytes in rows {first}–{first + len(col) - 1}; "
                                        f"a batch may expand to at most {MAX_EXPANDED_BYTES}", location=Location(str(p)))
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        for i, v in enumerate(values.to_pylist()):
            try:
                v.decode("utf-8")
            except UnicodeDecodeError as exc:
                where = pc.index(col.indices, i).as_py()
                raise NormkitError("NK124", f"{p.name}: column {name!r} row {first + where} is not UTF-8 text "
                                            f"(byte {exc.start} of the cell)", location=Location(str(p), path=name)) from None
            except AttributeError:
                continue
        values = values.cast(pa.string())
    return pc.take(values.cast(pa.string()), col.indices)


__all__ = [
    "BATCH_ROWS",
    "MAX_COLUMNS",
    "MAX_EXPANDED_BYTES",
    "MAX_ROW_BYTES",
    "MAX_TABLE_FILE_BYTES",
    "DateCell",
    "Record",
    "TextBatch",
    "TextTable",
    "cell_text",
    "check_file",
    "check_header",
    "check_workbook",
    "csv_record_stream",
    "csv_records",
    "direct_text_columns",
    "fold",
    "is_blank",
    "is_comment",
    "open_text_table",
    "sniff_delimiter",
    "text_line_stream",
    "words",
    "xlsx_record_stream",
    "xlsx_records",
]
