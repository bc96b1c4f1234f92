"""Spreadsheet and CSV records, read the same way for every table normkit accepts.

Norm tables (:mod:`normkit.media.normtable`), budgets (:mod:`normkit.budget.reading`) and
norm imports share these readers, so a CSV dialect, a date cell, a blank or comment row and a
header word mean the same thing in every file:

- CSV: UTF-8 (a byte-order mark is dropped), text NFC-normalised, the separator (comma,
  semicolon or tab) is the one the first non-comment line uses most;
- XLSX: the first sheet unless one is named; date and time cells become :class:`DateCell`
  (Excel reads ``3/9`` as 9 March, and the caller decides what that means);
- a row is blank when every cell is empty or spaces, a comment when its first non-blank cell
  starts with ``#``;
- header words are compared ASCII-folded, lower case, punctuation as spaces (:func:`words`).

>>> words("Mã hiệu / Code")
'ma hieu code'
>>> is_comment(["", "# note"]), is_blank("  ")
(True, True)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from normkit.core.errors import Location, NormkitError

Record = tuple[int, list[Any]]
"""A row as the user sees it: its 1-based line or row number and its cells."""


@dataclass(frozen=True, slots=True)
class DateCell:
    """A cell a spreadsheet turned into a date (Excel reads ``3/9`` as 9 March)."""

    value: Any

    def __str__(self) -> str:
        return str(self.value)


def fold(text: str) -> str:
    """ASCII-fold Vietnamese: ``"Biên dịch viên"`` -> ``"Bien dich vien"`` (đ becomes d)."""
    t = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in t if not unicodedata.combining(c))


def words(text: str) -> str:
    """A header as words: folded, lower case, anything but letters and digits as one space."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text).lower()).split())


def is_blank(v: Any) -> bool:
    """An empty cell: ``None`` or text of spaces only."""
    return v is None or (isinstance(v, str) and not v.strip())


def is_comment(cells: Sequence[Any]) -> bool:
    """A comment row: its first non-blank cell is text starting with ``#``."""
    first = next((c for c in cells if not is_blank(c)), None)
    return isinstance(first, str) and first.lstrip().startswith("#")


def csv_records(p: Path, *, code: str) -> Iterator[Record]:
    """The rows of a CSV file, numbered by line; unreadable files and CSV errors are ``code``."""
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NormkitError(code, f"{p.name} is not UTF-8 text (byte {exc.start})", location=Location(str(p)),
                           hint="save the table as CSV UTF-8 (Excel: File → Save As → CSV UTF-8)") from None
    except OSError as exc:
        raise NormkitError(code, f"cannot read {p.name}: {exc.strerror or exc}", location=Location(str(p))) from None
    text = unicodedata.normalize("NFC", text)
    header_line = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise NormkitError(code, f"CSV error: {exc}", location=Location(str(p), reader.line_num)) from None


def xlsx_records(p: Path, sheet: str | None, *, code: str, max_rows: int) -> tuple[list[Record], str]:
    """The rows of one sheet of an XLSX workbook (at most ``max_rows`` + 100, so the caller can
    say the table is too long) and the sheet's name; unreadable workbooks are ``code``."""
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise NormkitError(code, f"cannot open {p.name} as an XLSX workbook: {exc}", location=Location(str(p))) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise NormkitError(code, f"{p.name} has no sheet {sheet!r}; its sheets are: {', '.join(wb.sheetnames)}",
                               location=Location(str(p)))
        out: list[Record] = []
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            out.append((n, [_cell(v) for v in row]))
            if len(out) > max_rows + 100:
                break
        return out, str(ws.title)
    finally:
        wb.close()


def _cell(v: Any) -> Any:
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return DateCell(v)
    return unicodedata.normalize("NFC", v) if isinstance(v, str) else v


__all__ = ["DateCell", "Record", "csv_records", "fold", "is_blank", "is_comment", "words", "xlsx_records"]
