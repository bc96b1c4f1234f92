"""Reading budgets from JSON, YAML, CSV and XLSX, with Vietnamese or English headers.

Every problem in a file is reported with its position (file:row:column for tables,
file:line:column for JSON/YAML), all at once; nothing is skipped silently. Table cells are
read with the shared readers of :mod:`normkit.core.io.tables` (same CSV/XLSX handling, same
header folding as the norm tables).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from normkit.budget.model import LINE_TEXT_FIELDS, Budget, BudgetLine, read_budget_values
from normkit.budget.options import OPTION_WORDS, OPTIONS, option_name
from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.io.tables import (
    DateCell,
    Record,
    check_file,
    csv_records,
    is_blank,
    is_comment,
    text_line_stream,
    words,
    xlsx_records,
)
from normkit.core.io.text import read_cell, read_fields
from normkit.core.io.yaml import PathKey, SourceMap, format_path, parse_text, read_file
from normkit.core.loader import validate

# column field -> header spellings after folding (no diacritics, lower case, words only)
COLUMNS: dict[str, tuple[str, ...]] = {
    "ref": ("stt", "tt", "so tt", "so thu tu", "ref", "no", "line", "id"),
    "product": ("product", "product id", "norm", "norm code", "code", "ma dinh muc", "ma hieu", "ma hieu dinh muc", "ma san pham", "ma"),
    "description": ("description", "name", "noi dung", "ten", "ten san pham", "dien giai", "noi dung cong viec"),
    "quantity": ("quantity", "qty", "so luong", "khoi luong"),
    "unit": ("unit", "don vi", "don vi tinh", "dvt"),
    "duration": ("duration", "actual duration", "thoi luong", "thoi luong thuc te"),
    "unit_price": ("unit price", "price", "don gia", "don gia de nghi"),
    "amount": ("amount", "thanh tien", "so tien", "kinh phi", "kinh phi de nghi"),
}
META: dict[str, tuple[str, ...]] = {
    "id": ("id", "budget id", "ma du toan", "so du toan", "so hieu"),
    "title": ("title", "ten du toan", "tieu de"),
    "kind": ("kind", "loai"),
    "date": ("date", "ngay", "ngay lap"),
    "at": ("at", "evaluation date", "ngay ap dung", "ngay tinh"),
    "pack": ("pack", "bo quy tac", "goi quy tac", "tinh"),
    "total": ("total", "tong cong", "tong"),
}
KINDS = {"budget": "budget", "du toan": "budget", "settlement": "settlement", "quyet toan": "settlement"}
TOTAL_WORDS = ("tong cong", "total", "tong", "cong")
REQUIRED = ("product", "quantity")

_COL = {syn: f for f, syns in COLUMNS.items() for syn in syns}
_META = {syn: f for f, syns in META.items() for syn in syns}
_OPTION_PREFIX = re.compile(r"^(?:option|tuy chon)\s+(.+)$")
MAX_EXACT = 2 ** 53
MAX_ROWS = 200_000  # as many as a norm table


def header_field(header: str) -> str | None:
    """``"Đơn giá / unit price"`` -> ``unit_price``; ``option:<name>`` columns -> ``option:<input>``;
    ``""`` for nothing to read; ``None`` when not understood."""
    whole = words(header)
    if not whole:
        return ""
    for w in [whole] + [words(p) for p in re.split(r"[/|()\[\]]", header)]:
        if not w:
            continue
        if w in _COL:
            return _COL[w]
        if w in OPTION_WORDS or w.replace(" ", "_") in OPTIONS:
            return "option:" + option_name(w)
        m = _OPTION_PREFIX.match(w)
        if m:
            return "option:" + m.group(1).replace(" ", "_")
    return None


def meta_field(text: str) -> str | None:
    """``"Ngày / date:"`` -> ``date`` (a budget-level value written above the header row)."""
    for w in [words(text)] + [words(p) for p in re.split(r"[/|()\[\]]", text)]:
        if w in _META:
            return _META[w]
    return None


# ---- entry point ----------------------------------------------------------------------

def read_budget(path: str | os.PathLike[str], sheet: str | None = None) -> Budget:
    """Read a budget file (.json, .yaml/.yml, .csv or .xlsx)."""
    p = Path(path)
    suffix = p.suffix.lower()
    check_file(p, code="NK901")  # a FIFO, device or folder is NK107 and a link loop NK108, before anything opens it
    if suffix in (".json", ".yaml", ".yml"):
        try:
            data, smap = read_file(p)
        except NormkitError as e:
            raise NormkitError("NK901", f"cannot read {p.name}: {e.message}", location=e.location) from None
        if not isinstance(data, dict):
            raise NormkitError("NK903", "a budget must be a mapping with `id`, `date` and `lines`", location=Location(str(p), 1, 1))
        return validate_budget(data, smap)
    if suffix in JSON_LINES:
        return _from_json_lines(p)
    if suffix in (".csv", ".xlsx"):
        if suffix == ".csv":
            records: list[Record] = list(csv_records(p, code="NK901"))
        else:
            records, _ = xlsx_records(p, sheet, code="NK901", max_rows=MAX_ROWS)
        return _from_table(str(p), records)
    raise NormkitError("NK901", f"cannot read {p.name}: a budget is a .json, .jsonl, .yaml, .csv or .xlsx file", location=Location(str(p)))


def validate_budget(data: Any, smap: SourceMap) -> Budget:
    """Validate parsed data as a :class:`Budget`; schema errors are NK903 with their positions."""
    if not isinstance(data, dict):
        raise NormkitError("NK903", "a budget must be a mapping with `id`, `date` and `lines`", location=Location(path="budget"))
    data = _read_values(data, smap)
    try:
        budget: Budget = validate(Budget, data, smap)
    except NormkitError as e:
        errors = ErrorCollector()
        for sub in getattr(e, "errors", [e]):
            where = sub.location
            if where is not None and where.file == "<budget>":  # data, not a file: the field path only
                where = Location(path=where.path)
            errors.add(NormkitError("NK903", sub.message, location=where))
        errors.raise_if_any()
        raise  # pragma: no cover
    return budget


def _read_values(data: dict[str, Any], smap: SourceMap) -> dict[str, Any]:
    """:func:`~normkit.budget.model.read_budget_values` with the file positions of ``smap``."""

    def locate(path: tuple[str | int, ...]) -> Location:  # data, not a file: the field path only
        return Location(path=format_path(path)) if smap.file == "<budget>" else smap.locate(path)

    return read_budget_values(data, locate)


# ---- tables ---------------------------------------------------------------------------

def _text(v: Any) -> str:
    if isinstance(v, DateCell):
        return str(v.value)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v).strip()


def money_cell(v: Any) -> Decimal:
    """A VND amount from a cell, by the one scalar reader (:func:`~normkit.core.io.text.read_cell`):
    whole đồng; ``5.359.747``, ``5,359,747`` and ``600.000 đ`` read as in every other input.

    Raises ``ValueError`` with the reason."""
    if isinstance(v, DateCell):
        raise ValueError(f"{_text(v)!r} is not an amount")
    d: Decimal = read_cell(v, "money")
    return d


def number_cell(v: Any) -> Decimal:
    """A quantity or coefficient: exact decimal, by the one scalar reader (a spreadsheet float by
    its shortest repr, refused at or beyond 2⁵³)."""
    if isinstance(v, DateCell):
        raise ValueError(f"{_text(v)!r} is not a number")
    d: Decimal = read_cell(v)
    return d


def _option_cell(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return number_cell(v)
    if isinstance(v, bool):
        return v
    return _text(v)


class TableReading:
    """A table budget (CSV or XLSX records) read row by row: :meth:`read_head` takes the budget
    fields written above the header row and the header row itself; :meth:`rows` then gives each
    data row, converted cell by cell, with its problems. Problems that are not a row's go to
    ``errors``. Used whole by :func:`read_budget` and row by row by the streaming check
    (:mod:`normkit.budget.streaming`), so both read every cell the same way."""

    def __init__(self, path: str, records: Iterable[Record], errors: ErrorCollector) -> None:
        self.path = path
        self.errors = errors
        self.meta: dict[str, Any] = {}
        self.meta_where: dict[str, Location] = {}
        self.columns: dict[str, int] | None = None
        self.headers: list[str] = []
        self.total_seen = False
        self._records = iter(records)

    def loc(self, row: int, col: int | None = None, name: str | None = None) -> Location:
        return Location(self.path, row, None if col is None else col + 1, path=name)

    def read_head(self) -> None:
        """The rows up to and including the header row; a header without the columns a budget
        needs raises NK902 (with every problem found so far)."""
        errors, loc = self.errors, self.loc
        for row, cells in self._records:
            if all(is_blank(c) for c in cells) or is_comment(cells):
                continue
            first = next((i for i, c in enumerate(cells) if not is_blank(c)), 0)
            key = meta_field(_text(cells[first]))
            if key is not None and len([c for c in cells if not is_blank(c)]) <= 2:
                value = cells[first + 1] if first + 1 < len(cells) else None
                if key in self.meta:
                    errors.add(NormkitError("NK902", f"{key} is given twice", location=loc(row, first)))
                self.meta[key] = value
                self.meta_where[key] = loc(row, first + 1, key)
                continue
            self.headers = headers = [_text(c) for c in cells]
            columns: dict[str, int] = {}
            self.columns = columns
            for i, h in enumerate(headers):
                field = header_field(h)
                if field is None:
                    errors.add(NormkitError("NK902", f"unknown column {h!r}", location=loc(row, i),
                                            hint="budget columns: STT/ref, mã định mức/product, nội dung/description, số lượng/quantity, "
                                                 "ĐVT/unit, thời lượng/duration, đơn giá/unit price, thành tiền/amount, option:<input>"))
                elif field == "":
                    continue
                elif field in columns:
                    errors.add(NormkitError("NK902", f"columns {headers[columns[field]]!r} and {h!r} both name {field!r}", location=loc(row, i)))
                else:
                    columns[field] = i
            missing = [f for f in REQUIRED if f not in columns]
            if "unit_price" not in columns and "amount" not in columns:
                missing.append("unit_price or amount")
            if missing:
                errors.add(NormkitError("NK902", f"the header row has no column for {', '.join(missing)}", location=loc(row)))
                errors.raise_if_any()
            return

    def rows(self) -> Iterator[tuple[int, str, dict[str, Any] | None, list[NormkitError]]]:
        """``(row, kind, line, problems)`` for each data row after the header: kind ``line`` (the
        line's fields as read; a cell that cannot be read is left out and is a problem),
        ``total`` (the total row: its amount is the budget's ``total``) or ``no_product``."""
        for row, cells in self._records:
            if all(is_blank(c) for c in cells) or is_comment(cells):
                continue
            yield self._data_row(row, cells)

    def _data_row(self, row: int, cells: list[Any]) -> tuple[int, str, dict[str, Any] | None, list[NormkitError]]:
        columns, headers, loc = self.columns, self.headers, self.loc
        assert columns is not None
        problems: list[NormkitError] = []
        cell = functools.partial(_cell, cells, columns)
        product = cell("product")
        if is_blank(product):
            seen = {w for c in cells if isinstance(c, str) for w in [words(c)] + [words(x) for x in re.split(r"[/|()]", c)]}
            if seen & set(TOTAL_WORDS) and "amount" in columns:
                if self.total_seen:
                    problems.append(NormkitError("NK902", "a second total row", location=loc(row)))
                self.total_seen = True
                try:
                    self.meta["total"] = money_cell(cell("amount"))
                    self.meta_where["total"] = loc(row, columns["amount"], "total")
                except ValueError as exc:
                    problems.append(NormkitError("NK902", f"total: {exc}", location=loc(row, columns["amount"], "total")))
                return row, "total", None, problems
            problems.append(NormkitError("NK902", "the row has no product (mã định mức)", location=loc(row, columns["product"], "product")))
            return row, "no_product", None, problems
        if self.total_seen:
            problems.append(NormkitError("NK902", "a line after the total row", location=loc(row)))
        line: dict[str, Any] = {"product": _text(product)}
        options: dict[str, Any] = {}
        bad: set[str] = set()
        for field, i in columns.items():
            v = cells[i] if i < len(cells) else None
            if field == "product" or is_blank(v):
                continue
            try:
                if field in ("unit_price", "amount"):
                    line[field] = money_cell(v)
                elif field == "quantity":
                    line[field] = number_cell(v)
                elif field == "duration":
                    line[field] = str(number_cell(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else _text(v)
                elif field.startswith("option:"):
                    options[field[7:]] = _option_cell(v)
                else:
                    line[field] = _text(v)
            except ValueError as exc:
                bad.add(field)
                problems.append(NormkitError("NK902", f"{headers[i] or field}: {exc}", location=loc(row, i, field)))
        if "quantity" not in line and "quantity" not in bad:
            problems.append(NormkitError("NK902", "the line has no quantity (số lượng)", location=loc(row, columns["quantity"], "quantity")))
        if "unit_price" not in line and "amount" not in line and not bad & {"unit_price", "amount"}:
            problems.append(NormkitError("NK902", "the line claims neither a unit price (đơn giá) nor an amount (thành tiền)", location=loc(row)))
        if options:
            line["options"] = options
        return row, "line", line, problems

    def head_data(self) -> dict[str, Any]:
        """The budget's fields read so far (``total`` once the total row is read), converted;
        problems go to ``errors``, and a missing ``id`` or ``date`` is one."""
        data: dict[str, Any] = {}
        errors, path = self.errors, self.path
        for key, value in self.meta.items():
            where = self.meta_where.get(key, Location(path))
            try:
                if key == "total":
                    data[key] = value if isinstance(value, Decimal) else money_cell(value)
                elif key in ("date", "at"):
                    data[key] = _date_cell(value)
                elif key == "kind":
                    k = words(_text(value))
                    if k not in KINDS:
                        raise ValueError(f"{_text(value)!r} is not a kind; write dự toán/budget or quyết toán/settlement")
                    data[key] = KINDS[k]
                else:
                    data[key] = _text(value)
            except ValueError as exc:
                errors.add(NormkitError("NK902", f"{key}: {exc}", location=where))
        for key in ("id", "date"):
            if key not in data:
                errors.add(NormkitError("NK902", f"the budget gives no {key}: add a row `{key}` with its value above the header row "
                                                  f"({'mã dự toán' if key == 'id' else 'ngày'})", location=Location(path)))
        return data


def _from_table(path: str, records: Iterable[Record]) -> Budget:
    errors = ErrorCollector()
    table = TableReading(path, records, errors)
    table.read_head()
    lines: list[dict[str, Any]] = []
    line_rows: list[int] = []
    if table.columns is not None:
        for row, kind, line, problems in table.rows():
            if kind == "line" and len(lines) >= MAX_ROWS:
                raise NormkitError("NK902", f"the budget has more than {MAX_ROWS} lines; split it", location=table.loc(row))
            for e in problems:
                errors.add(e)
            if line is not None:
                lines.append(line)
                line_rows.append(row)
    if table.columns is None:
        errors.add(NormkitError("NK902", "the table is empty: no header row", location=Location(path)))
    elif not lines:
        errors.add(NormkitError("NK902", "the table has no budget lines", location=Location(path)))
    data: dict[str, Any] = {"lines": lines}
    data.update(table.head_data())
    errors.raise_if_any()
    smap = SourceMap(path)
    try:
        return validate_budget(data, smap)
    except NormkitError as e:  # positions of table cells, not of a YAML document
        raise table_error(path, e, line_rows) from None


def table_error(path: str, e: NormkitError, line_rows: list[int]) -> NormkitError:
    """Schema errors of a table budget (NK903 with field paths ``lines[i].…``) as NK902 at the
    rows they come from."""
    out = ErrorCollector()
    for sub in getattr(e, "errors", [e]):
        where = Location(path, path=sub.location.path if sub.location else None)
        m = re.match(r"lines\[(\d+)\]", (sub.location.path or "") if sub.location else "")
        if m and int(m.group(1)) < len(line_rows):
            where = Location(path, line_rows[int(m.group(1))], path=sub.location.path if sub.location else None)
        out.add(NormkitError("NK902", sub.message, location=where))
    try:
        out.raise_if_any()
    except NormkitError as err:
        return err
    return e  # pragma: no cover - a schema error always has a sub-error


def _cell(cells: list[Any], columns: dict[str, int], name: str) -> Any:
    i = columns.get(name)
    return cells[i] if i is not None and i < len(cells) else None


def _date_cell(v: Any) -> dt.date:
    d: dt.date = read_cell(v.value if isinstance(v, DateCell) else v, "date")
    return d


def budget_from_data(data: Any) -> Budget:
    """Validate plain data (parsed JSON from another app) as a budget; errors are NK903."""
    return validate_budget(data, SourceMap("<budget>"))


# ---- JSON lines -----------------------------------------------------------------------------

JSON_LINES = (".jsonl", ".ndjson")


class LineMap(SourceMap):
    """Positions in a JSON-lines budget: a value of ``lines[i]`` is on the file's line of that
    budget line (its column from the line's own parse), the budget's own fields on the first line."""

    __slots__ = ("maps", "rows")

    def __init__(self, file: str, rows: list[int], maps: list[SourceMap]) -> None:
        super().__init__(file)
        self.rows, self.maps = rows, maps  # [0]: the budget's fields; [i + 1]: lines[i]

    def locate(self, path: PathKey, offset: int | None = None) -> Location:
        k, inner = 0, path
        if len(path) >= 2 and path[0] == "lines" and isinstance(path[1], int) and path[1] + 1 < len(self.rows):
            k, inner = path[1] + 1, path[2:]
        where = self.maps[k].locate(inner, offset)
        return Location(self.file, self.rows[k], where.column if inner else None, format_path(path) or None)


class OneLineMap(SourceMap):
    """Positions of one budget line of a JSON-lines budget: the file's line ``row``, the column
    from the line's own parse (``smap``); paths ``lines[i].…`` as given."""

    __slots__ = ("row", "smap")

    def __init__(self, file: str, row: int, smap: SourceMap) -> None:
        super().__init__(file)
        self.row, self.smap = row, smap

    def locate(self, path: PathKey, offset: int | None = None) -> Location:
        inner = path[2:] if len(path) >= 2 and path[0] == "lines" else path
        where = self.smap.locate(inner, offset)
        return Location(self.file, self.row, where.column if inner else None, format_path(path) or None)


def json_line_objects(p: Path) -> Iterator[tuple[int, Any, SourceMap | NormkitError]]:
    """``(line number, data, its source map)`` for each non-blank line of a JSON-lines file, or
    ``(line number, None, the error)`` for a line that is not JSON (NK901)."""
    for n, text in text_line_stream(p, code="NK901"):
        if not text.strip():
            continue
        try:
            data, smap = parse_text(text, str(p))
        except NormkitError as e:
            column = e.location.column if e.location else None
            yield n, None, NormkitError("NK901", f"not JSON: {e.message}", location=Location(str(p), n, column))
            continue
        yield n, data, smap


def json_lines_head(p: Path, items: Iterator[tuple[int, Any, SourceMap | NormkitError]]) -> tuple[int, dict[str, Any], SourceMap]:
    """The first line of a JSON-lines budget: the budget's own fields (``id``, ``date``, ``pack`` …), without ``lines``."""
    for n, data, smap in items:
        if isinstance(smap, NormkitError):
            raise smap
        if not isinstance(data, dict) or "lines" in data:
            raise NormkitError("NK903", "the first line of a JSON-lines budget is an object with the budget's own fields "
                                        "(id, date, pack …); each further line is one budget line", location=Location(str(p), n, 1))
        return n, data, smap
    raise NormkitError("NK903", "the file is empty: a JSON-lines budget needs its fields on the first line", location=Location(str(p)))


def json_line(p: Path, n: int, i: int, data: Any, smap: SourceMap) -> BudgetLine:
    """Budget line ``i`` (0-based), on line ``n`` of the file, read and validated; errors are
    raised (text values: their own codes, NK112 …; the schema: NK903), all of the line's together."""
    where = OneLineMap(str(p), n, smap)
    if not isinstance(data, dict):
        raise NormkitError("NK903", "a budget line must be an object", location=Location(str(p), n, 1, f"lines[{i}]"))
    errors: list[NormkitError] = []
    data = read_fields(data, LINE_TEXT_FIELDS, where.locate, ("lines", i), errors)
    if errors:
        out = ErrorCollector()
        for e in errors:
            out.add(e)
        out.raise_if_any()
    try:
        line: BudgetLine = validate(BudgetLine, data, where, ("lines", i))
    except NormkitError as e:
        out = ErrorCollector()
        for sub in getattr(e, "errors", [e]):
            out.add(NormkitError("NK903", sub.message, location=sub.location))
        out.raise_if_any()
        raise  # pragma: no cover
    return line


def _from_json_lines(p: Path) -> Budget:
    items = json_line_objects(p)
    head_row, head, head_map = json_lines_head(p, items)
    rows, maps, lines = [head_row], [head_map], []
    for n, data, smap in items:
        if isinstance(smap, NormkitError):
            raise smap
        rows.append(n)
        maps.append(smap)
        lines.append(data)
    return validate_budget({**head, "lines": lines}, LineMap(str(p), rows, maps))
