"""The norm-table layout that provinces keep in spreadsheets, read and written as CSV or XLSX.

One row per norm line, laid out like the circulars' tables: the norm's code and name, then
the line's component (nhân công / máy / vật liệu), title, grade (hạng), step (bậc "3/9"),
unit and value. Headers may be Vietnamese or English (``mã hiệu`` or ``code`` …); a header
may also hold both, separated by ``/`` (``Mã hiệu / code``), which is how
:func:`write_table` writes them.

This module only moves cells in and out of files; :mod:`normkit.media.importing` checks
them and turns them into pack YAML.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from normkit.core.errors import Location, NormkitError
from normkit.core.io.atomic import atomic_write as shared_atomic_write
from normkit.core.io.tables import Record, check_file, csv_records, fold, is_blank, is_comment, words, xlsx_records

MAX_ROWS = 200_000

# field -> accepted header spellings, after folding (no diacritics, lower case, words only)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("code", "norm code", "ma hieu", "ma", "ma so", "ma dinh muc", "ma hieu dinh muc"),
    "name": ("name", "name vi", "ten", "ten vi", "ten dinh muc", "ten cong viec", "ten san pham", "ten chuong trinh"),
    "name_en": ("name en", "english name", "ten tieng anh", "ten en"),
    "duration": ("duration", "thoi luong"),
    "notes": ("notes", "norm notes", "ghi chu dinh muc"),
    "source": ("source", "source id", "can cu", "nguon"),
    "component": ("component", "thanh phan", "thanh phan hao phi", "loai hao phi", "hao phi"),
    "title": ("title", "chuc danh", "hang muc", "ten hao phi", "noi dung hao phi", "resource", "label", "mo ta"),
    "title_en": ("title en", "label en", "chuc danh tieng anh", "hang muc tieng anh"),
    "grade": ("grade", "hang"),
    "step": ("step", "bac", "bac luong"),
    "scale": ("scale", "ngach", "ngach luong", "bang luong", "ma ngach"),
    "unit": ("unit", "don vi", "don vi tinh", "dvt"),
    "value": ("value", "dinh muc", "tri so", "tri so dinh muc", "muc hao phi", "hao phi dinh muc", "quantity", "so luong"),
    "verified": ("verified", "xac minh", "da xac minh", "kiem chung"),
    "why": ("why", "ghi chu", "note", "chu thich"),
}
IGNORED = ("stt", "tt", "so tt", "no")
REQUIRED = ("code", "name", "component", "title", "unit", "value")
NORM_FIELDS = ("code", "name", "name_en", "duration", "notes", "source")

# what export-norms writes, in this order (each header reads back as its field)
EXPORT_HEADERS: dict[str, str] = {
    "code": "Mã hiệu / code",
    "name": "Tên / name",
    "name_en": "Tên tiếng Anh / name_en",
    "duration": "Thời lượng / duration",
    "component": "Thành phần / component",
    "title": "Chức danh / title",
    "title_en": "Chức danh tiếng Anh / title_en",
    "grade": "Hạng / grade",
    "step": "Bậc / step",
    "scale": "Ngạch / scale",
    "unit": "Đơn vị / unit",
    "value": "Định mức / value",
    "source": "Căn cứ / source",
    "verified": "Xác minh / verified",
    "why": "Ghi chú / why",
    "notes": "Ghi chú định mức / notes",
}

_LOOKUP = {syn: name for name, syns in SYNONYMS.items() for syn in syns}


def header_field(header: str) -> str | None:
    """The field a header names, ``""`` for a column to ignore (STT), ``None`` if unknown.

    Raises ``ValueError`` when the parts of a two-language header name different fields.
    """
    whole = words(header)
    if not whole:
        return None
    if whole in IGNORED:
        return ""
    if whole in _LOOKUP:
        return _LOOKUP[whole]
    found = {_LOOKUP[w] for w in (words(p) for p in re.split(r"[/|()\[\]]", fold(header))) if w in _LOOKUP}
    if len(found) > 1:
        raise ValueError(", ".join(sorted(found)))
    return found.pop() if found else None


@dataclass
class RawTable:
    """The cells of a norm table: which column holds which field, and the data rows."""

    path: str
    header_row: int
    headers: list[str]
    columns: dict[str, int]  # field -> 0-based column index
    ignored: list[str]  # headers not understood (reported, never silently used)
    rows: list[tuple[int, list[Any]]]  # (row number as the user sees it, cells)
    blank_rows: int = 0
    comment_rows: int = 0
    sheet: str | None = None

    def cell(self, cells: Sequence[Any], name: str) -> Any:
        i = self.columns.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    def header_of(self, name: str) -> str:
        i = self.columns.get(name)
        return self.headers[i] if i is not None else name

    def location(self, row: int, name: str | None = None) -> Location:
        col = self.columns.get(name) if name else None
        return Location(self.path, row, None if col is None else col + 1, path=name)


def read_table(path: str | os.PathLike[str], sheet: str | None = None) -> RawTable:
    """Read a ``.csv`` (UTF-8, comma, semicolon or tab separated) or ``.xlsx`` norm table.

    Lines starting with ``#`` before or among the rows are comments; the first other
    non-blank row is the header.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise NormkitError("NK801", f"cannot read {p.name}: a norm table must be a .csv or .xlsx file", location=Location(str(p)))
    check_file(p, code="NK801")  # a FIFO, device or folder is NK107 and a link loop NK108, before anything opens it
    if suffix == ".csv":
        if sheet is not None:
            raise NormkitError("NK801", "--sheet applies to .xlsx tables only", location=Location(str(p)))
        records: Iterable[Record] = csv_records(p, code="NK801")
    else:
        records, sheet = xlsx_records(p, sheet, code="NK801", max_rows=MAX_ROWS)
    return _layout(str(p), records, sheet)


def _layout(path: str, records: Iterable[tuple[int, list[Any]]], sheet: str | None) -> RawTable:
    header: list[str] | None = None
    table: RawTable | None = None
    for n, cells in records:
        if header is None:
            if all(is_blank(c) for c in cells) or is_comment(cells):
                continue
            header = ["" if c is None else str(c).strip() for c in cells]
            table = _columns(path, n, header, sheet)
            continue
        assert table is not None
        if all(is_blank(c) for c in cells):
            table.blank_rows += 1
        elif is_comment(cells):
            table.comment_rows += 1
        else:
            if len(table.rows) >= MAX_ROWS:
                raise NormkitError("NK801", f"the table has more than {MAX_ROWS} rows; split it", location=Location(path, n))
            table.rows.append((n, cells))
    if table is None:
        raise NormkitError("NK801", "the table is empty: no header row", location=Location(path))
    return table


def _columns(path: str, row: int, header: list[str], sheet: str | None) -> RawTable:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for i, h in enumerate(header):
        try:
            name = header_field(h)
        except ValueError as exc:
            raise NormkitError("NK801", f"header {h!r} names several fields ({exc})", location=Location(path, row, i + 1)) from None
        if name is None:
            if h:
                ignored.append(h)
            continue
        if name == "":
            continue
        if name in columns:
            raise NormkitError("NK801", f"headers {header[columns[name]]!r} and {h!r} both name the field {name!r}",
                               location=Location(path, row, i + 1), hint="keep one of the two columns")
        columns[name] = i
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise NormkitError("NK801", f"the header row has no column for {', '.join(missing)} (headers found: {', '.join(h for h in header if h) or 'none'})",
                           location=Location(path, row),
                           hint="name the columns e.g. mã hiệu/code, tên/name, thành phần/component, chức danh/title, đơn vị/unit, định mức/value")
    return RawTable(path, row, header, columns, ignored, [], sheet=sheet)


# ---- writing ------------------------------------------------------------------------------

def atomic_write(path: Path, write: Any) -> None:
    """Call ``write(tmp_path)``, then move the file into place; nothing partial is left."""
    shared_atomic_write(path, write, "NK805")


def write_table(path: str | os.PathLike[str], headers: Sequence[str], rows: Sequence[Sequence[Any]], *,
                text_columns: Sequence[int] = ()) -> None:
    """Write a table as CSV (UTF-8 with a byte-order mark, so Excel shows Vietnamese) or XLSX.

    Cells are text, ``int`` or :class:`~decimal.Decimal`; in XLSX, ``text_columns`` are
    formatted as text so that a step "3/9" is never turned into a date.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        def write_csv(tmp: Path) -> None:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                w.writerow(headers)
                for r in rows:
                    w.writerow(["" if c is None else str(c) for c in r])
        atomic_write(p, write_csv)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        def write_xlsx(tmp: Path) -> None:
            wb = Workbook()
            ws = wb.active
            assert ws is not None  # a new workbook always has its first sheet
            ws.title = "Định mức"
            ws.append(list(headers))
            for r in rows:
                out: list[Any] = []
                for c in r:
                    if isinstance(c, Decimal):
                        # a norm quantity, never money: stored as a number when the float
                        # openpyxl writes reads back as the same decimal, else as text
                        f = float(c)
                        out.append(f if Decimal(repr(f)) == c else format(c, "f"))
                    else:
                        out.append(c)
                ws.append(out)
            for col in text_columns:
                for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
                    cell.number_format = "@"
            for row in ws.iter_rows():  # text that starts with "=" stays text, never a live formula
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
            wb.save(tmp)
        atomic_write(p, write_xlsx)
    else:
        raise NormkitError("NK804", f"cannot write {p.name}: the table must end in .csv or .xlsx", location=Location(str(p)))
