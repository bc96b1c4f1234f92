"""A workbook as a spreadsheet computes it, for tests that check normkit's XLSX files."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def recalculated(path: Path) -> dict[tuple[str, str], Any]:
    """Every cell of the workbook as a spreadsheet computes it: the file's formulas evaluated by the
    `formulas` engine (an independent implementation of ROUND, SUM and sheet links), keyed by
    (SHEET NAME in upper case, cell address)."""
    import formulas

    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    out: dict[tuple[str, str], Any] = {}
    for key, value in solution.items():
        sheet, _, cell = str(key).rpartition("!")
        if ":" in cell:
            continue
        v = value.value[0][0] if hasattr(value, "value") else value
        out[(sheet.split("]")[-1].rstrip("'").upper(), cell)] = v
    return out
