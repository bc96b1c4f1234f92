"""Results in the formats offices use: ``--format table|json|csv|xlsx`` (``--out``, ``--no-bom``).

A command that offers these builds one :class:`Rows` (column names and plain values) and hands
it to :func:`emit` with the chosen format; ``table`` and ``json`` stay the command's own. The
values are canonical, as in JSON: money and rates are exact decimal strings without thousands
separators, counts are integers. CSV is written for Excel: UTF-8 with a byte-order mark (so
Excel reads the Vietnamese letters) unless ``--no-bom``, CRLF line ends, every line the same
columns. XLSX keeps numbers as numbers (exact: a Decimal cell is written with its own digits)
and needs ``--out``; files are written atomically.

Keep this module light: argparse only at import time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

FORMATS = ("table", "json", "csv", "xlsx")
BOM = "\ufeff"

Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Rows:
    """A result as one sheet: column names and rows of plain values (None is an empty cell).

    Numbers are ``int`` or ``Decimal`` (numeric cells in XLSX, canonical digits in CSV); text
    stays text even when it looks like a number (a commune code ``001``)."""

    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    sheet: str = "normkit"


def format_options(p: argparse.ArgumentParser, *, json_flag: bool = False) -> None:
    """Add ``--format``, ``--out`` and ``--no-bom`` (and ``--json`` when the command lacks it)."""
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="table (default), json (as --json), csv (for Excel: UTF-8 with BOM) or xlsx (needs --out)")
    p.add_argument("--out", dest="format_out", metavar="FILE",
                   help="write the csv, json or xlsx result to FILE (atomically) instead of standard output")
    p.add_argument("--no-bom", action="store_true", help="CSV without the UTF-8 byte-order mark Excel needs")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print one JSON object (the same as --format json)")


def chosen(args: argparse.Namespace) -> str:
    """The output format: ``--format``, else ``json`` with ``--json``, else ``table``; checked
    against ``--out`` (NK812) before anything is computed or written."""
    from normkit.core.errors import NormkitError

    fmt = args.format or ("json" if getattr(args, "json", False) else "table")
    out = getattr(args, "format_out", None)
    if fmt == "xlsx" and not out:
        raise NormkitError("NK812", "--format xlsx writes a workbook: give --out FILE.xlsx")
    if out and fmt == "table":
        raise NormkitError("NK812", f"--out {out} needs --format csv, json or xlsx (a table is printed, not written)")
    if out and fmt in ("csv", "xlsx") and Path(out).suffix.lower() != f".{fmt}":
        raise NormkitError("NK812", f"--out {out} does not end in .{fmt}, the --format",
                           hint=f"name the file …{'.' + fmt} or choose the --format its name says")
    if fmt == "json":  # the command's --json branch prints it
        args.json = True
    return fmt


def csv_text(rows: Rows, *, bom: bool = True) -> str:
    """``rows`` as CSV text for Excel (CRLF line ends; a leading BOM unless ``bom=False``)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(rows.columns)
    for row in rows.rows:
        w.writerow([_csv_value(v) for v in row])
    return (BOM if bom else "") + buf.getvalue()


def emit(rows: Rows, fmt: str, args: argparse.Namespace, *, inputs: Sequence[tuple[str, Any]] = ()) -> None:
    """Write ``rows`` as ``fmt`` (csv or xlsx) to ``--out`` or (csv) standard output."""
    out = getattr(args, "format_out", None)
    if out:
        from normkit.core.io.outputs import check_outputs

        check_outputs(list(inputs), [("--out", out)])
    if fmt == "csv":
        text = csv_text(rows, bom=not getattr(args, "no_bom", False))
        if out:
            write_text(out, text)
        else:
            sys.stdout.write(text)
        return
    if fmt == "xlsx":
        if not out:  # chosen() refuses this before anything is computed
            raise ValueError("--format xlsx needs --out")
        write_xlsx(rows, out)
        return
    raise ValueError(f"emit() writes csv or xlsx, not {fmt}")


def emit_json(text: str, args: argparse.Namespace) -> None:
    """A command's JSON: to ``--out`` when given, else standard output."""
    out = getattr(args, "format_out", None)
    if out:
        write_text(out, text if text.endswith("\n") else text + "\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def write_text(path: str, text: str) -> None:
    from normkit.core.io.atomic import atomic_write

    atomic_write(path, lambda tmp: tmp.write_bytes(text.encode("utf-8")), code="NK805")


def write_xlsx(rows: Rows, path: str) -> None:
    """One sheet: a bold header row, then the rows; integers and decimals as numeric cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from normkit.core.io.atomic import atomic_write

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(rows.sheet[:31])
    from openpyxl.cell import WriteOnlyCell

    header = []
    for name in rows.columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows.rows:
        ws.append(list(row))
    atomic_write(path, wb.save, code="NK805")


def _csv_value(v: Cell) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format(v, "f")  # canonical: 5336129, 75.00 (never 5.336E+6)
    return str(v)


__all__ = ["BOM", "FORMATS", "Rows", "chosen", "csv_text", "emit", "emit_json", "format_options",
           "write_text", "write_xlsx"]
