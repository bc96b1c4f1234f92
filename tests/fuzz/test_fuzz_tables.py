"""Fuzz norm-table import (CSV bytes and cells) into a province pack: every row is imported or
rejected, every failure is a catalogued error, and a failed import leaves the pack unchanged."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from fuzzkit import fuzz_settings, must_be_clean
from hypothesis import given
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES, province_manifest

EXAMPLE = EXAMPLES / "norm-tables" / "tv-01.03.01.50.10.csv"
MANIFEST = province_manifest("fuzz-province")
HEADERS = ["Mã hiệu", "Tên định mức", "Thời lượng", "Thành phần", "Chức danh", "Hạng", "Bậc", "Đơn vị", "Định mức", "Xác minh",
           "code", "name", "component", "title", "unit", "value", "STT", "extra", "", "Ma hieu", "ĐỊNH MỨC", "M\u0061\u0303 hiệu"]
CELLS = ["01.03.01.50.10", "02.01.01.00.01", "99.99", "01..03", "", " ", "Nhân công", "Máy", "Vật liệu", "labour", "equipment",
         "material", "other", "Biên tập viên hạng III", "Phóng viên", "III", "3/9", "10/9", "0/0", "công", "ca", "giờ máy", "workday",
         "machine_hour", "ream", "xyz", "0,04", "0.04", "1,234.5", "-1", "0", "1e30", "1e999", "NaN", "Infinity", "1/0", "10 phút",
         "90 s", "1e9 phút", "true", "false", "có", "=1+1", "=cmd|' /C calc'!A0", "#comment", "\ufeff", "\x00", "ho\u0323",
         '"', "a,b", "x\ny"]
cell = st.one_of(st.sampled_from(CELLS), st.text(max_size=12))


def _csv(rows: list[list[str]], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue()


@pytest.fixture(scope="module")
def base_rows() -> list[list[str]]:
    text = EXAMPLE.read_text(encoding="utf-8-sig")
    return [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")]


def _pack(folder: Path) -> Path:
    d = folder / "province"
    d.mkdir()
    (d / "pack.yaml").write_text(MANIFEST, encoding="utf-8")
    return d


def _run_import(table: Path, pack: Path, keep_going: bool) -> Any:
    from normkit.media.importing import import_norms

    before = {p.name: p.read_bytes() for p in pack.iterdir()}
    try:
        report = import_norms(table, pack, keep_going=keep_going)
    except Exception:
        after = {p.name: p.read_bytes() for p in pack.iterdir()}
        assert after == before, "a failed import changed the pack"
        raise
    assert report.rows_in == report.imported + report.rejected
    if not report.written:
        assert {p.name: p.read_bytes() for p in pack.iterdir()} == before
    assert not [p for p in pack.iterdir() if p.name.endswith(".tmp")]
    return report


@fuzz_settings(60)
@given(st.data(), st.sampled_from([",", ";", "\t"]), st.booleans())
def test_fuzz_norm_table_cells(tmp_path_factory, base_rows, data, delimiter: str, keep_going: bool) -> None:
    """The example table with some cells replaced, rows dropped or duplicated, headers changed."""
    rows = [list(r) for r in base_rows]
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(rows) - 1))
        if not rows[i]:  # a row cut to nothing earlier: give it one cell back
            rows[i] = [""]
        j = data.draw(st.integers(0, len(rows[i]) - 1))
        what = data.draw(st.sampled_from(["cell", "cell", "cell", "drop", "dup", "short"]))
        if what == "cell":
            rows[i][j] = data.draw(st.sampled_from(HEADERS) if i == 0 else cell)
        elif what == "drop" and len(rows) > 1:
            del rows[i]
        elif what == "dup":
            rows.insert(i, list(rows[i]))
        elif what == "short":
            rows[i] = rows[i][:j]
    folder = tmp_path_factory.mktemp("table")
    table = folder / "table.csv"
    table.write_text(_csv(rows, delimiter), encoding=data.draw(st.sampled_from(["utf-8", "utf-8-sig"])))
    pack = _pack(folder)
    must_be_clean("table.cells", lambda: _run_import(table, pack, keep_going), located=False)
    shutil.rmtree(folder, ignore_errors=True)


@fuzz_settings(60)
@given(st.one_of(st.binary(max_size=300), st.lists(st.lists(cell, max_size=8), max_size=6).map(lambda r: _csv(r, ",").encode())),
       st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_fuzz_norm_table_bytes(tmp_path_factory, raw: bytes, suffix: str) -> None:
    folder = tmp_path_factory.mktemp("tbytes")
    table = folder / f"table{suffix}"
    table.write_bytes(raw)
    pack = _pack(folder)
    must_be_clean("table.bytes", lambda: _run_import(table, pack, False))
    shutil.rmtree(folder, ignore_errors=True)
