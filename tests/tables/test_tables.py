"""The one table layer (normkit/core/io/tables.py): every bound of issue 11 reproduced small, with
its exact code and message, and round trips through CSV, XLSX and Parquet.

Each hostile file is built in the test (a few KB on disk) and read within the hostile-input
bounds of tests/hostile/hostilekit.py (time and traced memory).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from hostilekit import bounded, expect_error
from normkit_testpaths import EXAMPLES

from normkit.core.errors import NormkitError
from normkit.core.io import tables
from normkit.core.io.tables import MAX_COLUMNS, MAX_EXPANDED_BYTES, MAX_ROW_BYTES, csv_records, open_text_table

CLEAN_XLSX = EXAMPLES / "budgets" / "clean-2024.xlsx"


@pytest.fixture(scope="module")
def standard():
    from normkit.poverty.standards import load_standard
    return load_standard(year=2024)


def _rewrite_part(src: Path, dst: Path, part: str, edit) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = edit(data)
            zout.writestr(info, data)


def _sheet1(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return next(n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))


# ---- XLSX ------------------------------------------------------------------------------------

def test_an_xlsx_whose_dimension_claims_the_whole_sheet_reads_as_stored(tmp_path):
    """Reproduced: a 5.9 KB XLSX claiming <dimension ref="A1:XFD1048576"/> made `check` run 72 s
    and die with MemoryError; the claim is ignored and the budget reads as the clean one does."""
    from normkit.budget.reading import read_budget

    bad = tmp_path / "claims-everything.xlsx"
    part = _sheet1(CLEAN_XLSX)
    _rewrite_part(CLEAN_XLSX, bad, part, lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', d))
    with zipfile.ZipFile(bad) as z:
        assert b'<dimension ref="A1:XFD1048576"' in z.read(part)
    assert bad.stat().st_size < 20_000
    budget = bounded("xlsx: dimension A1:XFD1048576 (budget)", lambda: read_budget(bad))
    assert budget == read_budget(CLEAN_XLSX)


def test_an_xlsx_dimension_claim_does_not_slow_a_norm_table(tmp_path):
    from normkit.media.normtable import read_table, write_table

    good = tmp_path / "t.xlsx"
    write_table(good, ["code", "name", "component", "title", "unit", "value"], [["01.01", "Tin", "labour", "BTV", "công", "0,04"]])
    bad = tmp_path / "bad.xlsx"
    _rewrite_part(good, bad, _sheet1(good), lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', d))
    table = bounded("xlsx: dimension A1:XFD1048576 (norm table)", lambda: read_table(bad))
    assert [(n, cells) for n, cells in table.rows] == [(2, ["01.01", "Tin", "labour", "BTV", "công", "0,04"])]


BOMB = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n')
EXTERNAL = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')


@pytest.mark.parametrize("kind,prolog,part", [
    ("entity bomb", BOMB, "xl/styles.xml"),
    ("external entity", EXTERNAL, "xl/workbook.xml"),
    ("entity bomb in the sheet", BOMB, None),
])
def test_an_xlsx_declaring_a_dtd_is_refused_before_parsing(tmp_path, kind, prolog, part):
    """Reproduced: an XLSX with a DTD entity bomb or an external entity was an internal error."""
    from normkit.budget.reading import read_budget
    from normkit.media.normtable import read_table

    part = part or _sheet1(CLEAN_XLSX)
    with zipfile.ZipFile(CLEAN_XLSX) as z:
        assert part in z.namelist()
    bad = tmp_path / "bomb.xlsx"
    _rewrite_part(CLEAN_XLSX, bad, part, lambda d: prolog + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", d))
    message = f"bomb.xlsx: the part {part} declares a DTD or an entity; a workbook with one is never parsed"
    for reader in (read_budget, read_table):
        e = expect_error(f"xlsx: {kind} ({reader.__module__})", lambda r=reader: r(bad), "NK123", message)
        assert e.message == message and e.location.file == str(bad)


def test_an_xlsx_in_utf16_declaring_a_dtd_is_refused(tmp_path):
    bad = tmp_path / "u16.xlsx"
    part = _sheet1(CLEAN_XLSX)
    _rewrite_part(CLEAN_XLSX, bad, part, lambda d: (EXTERNAL.decode() + "<worksheet/>").replace("UTF-8", "UTF-16").encode("utf-16"))
    e = expect_error("xlsx: utf-16 part with a DTD", lambda: tables.check_workbook(bad, code="NK901"), "NK123")
    assert e.message == f"u16.xlsx: the part {part} declares a DTD or an entity; a workbook with one is never parsed"


def test_an_xlsx_whose_parts_expand_beyond_the_bound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_EXPANDED_BYTES", 4096)
    from normkit.budget.reading import read_budget

    with zipfile.ZipFile(CLEAN_XLSX) as z:
        total = sum(i.file_size for i in z.infolist())
    e = expect_error("xlsx: parts beyond the bound", lambda: read_budget(CLEAN_XLSX), "NK122")
    assert e.message == f"clean-2024.xlsx expands to {total} bytes; a workbook may expand to at most 4096"


def test_an_xlsx_row_wider_than_the_column_bound_is_refused(tmp_path):
    from openpyxl import Workbook

    from normkit.media.normtable import read_table

    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "component", "title", "unit", "value"])
    ws.cell(row=2, column=MAX_COLUMNS + 1, value="far")
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    e = expect_error("xlsx: a cell beyond column 1024", lambda: read_table(path), "NK120")
    assert (e.message, e.location.line) == (f"wide.xlsx has {MAX_COLUMNS + 1} columns; a table may have at most {MAX_COLUMNS}", 2)


def test_trailing_empty_cells_and_rows_of_an_xlsx_are_dropped(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["a", "b"])
    ws.append(["1", "2"])
    for r in range(3, 50):  # styled, empty cells far to the right and below
        ws.cell(row=r, column=900).number_format = "@"
    ws.cell(row=2, column=900).number_format = "@"
    path = tmp_path / "styled.xlsx"
    wb.save(path)
    rows, _title = tables.xlsx_records(path, None, code="NK901", max_rows=10)
    assert rows == [(1, ["a", "b"]), (2, ["1", "2"])]


# ---- CSV -------------------------------------------------------------------------------------

def test_a_csv_with_200000_columns_is_refused_from_its_header(tmp_path, standard):
    """Reproduced: a CSV with 200,000 columns took 51 s and 2 GB."""
    from normkit.budget.reading import read_budget
    from normkit.poverty.run import classify_file

    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(200_000)) + "\n" + ",".join("1" for _ in range(200_000)) + "\n", encoding="utf-8")
    message = f"wide.csv has 200000 columns; a table may have at most {MAX_COLUMNS}"
    # 1.4-1.6 s on an idle machine (was 51 s and 2 GB); the bound allows for a loaded one
    e = expect_error("csv: 200,000 columns (households)", lambda: classify_file(path, tmp_path / "o.csv", standard), "NK120",
                     seconds=15.0)
    assert (e.message, e.location.file, e.location.line) == (message, str(path), 1)
    e = expect_error("csv: 200,000 columns (budget)", lambda: read_budget(path), "NK120", seconds=15.0)
    assert (e.message, e.location.line) == (message, 1)
    assert not (tmp_path / "o.csv").exists()


def test_a_single_line_longer_than_the_row_bound_is_refused(tmp_path, standard):
    """Reproduced: a 100 MB single line took 1.1 GB; here a line one byte over the 8 MiB bound."""
    from normkit.media.normtable import read_table
    from normkit.poverty.run import classify_file

    line = tmp_path / "line.csv"
    line.write_bytes(b"x" * (MAX_ROW_BYTES + 1))
    e = expect_error("csv: one line over 8 MiB (households)", lambda: classify_file(line, tmp_path / "o.csv", standard), "NK121")
    assert (e.message, e.location.line) == (f"line.csv has a row longer than {MAX_ROW_BYTES} bytes", 1)
    cell = tmp_path / "cell.csv"
    cell.write_bytes(b"code,name,component,title,unit,value\n01,\"" + b"y" * (MAX_ROW_BYTES + 1) + b"\",labour,t,cong,1\n")
    e = expect_error("csv: one cell over 8 MiB (norm table)", lambda: read_table(cell), "NK121", mib=400)
    assert (e.message, e.location.line) == (f"cell.csv has a row longer than {MAX_ROW_BYTES} bytes", 2)
    data = tmp_path / "data.csv"
    data.write_bytes(b"area,income_per_capita,deprivation_count\nrural,1,1\n" + b"rural,1," + b"9" * (MAX_ROW_BYTES + 1) + b"\n")
    e = expect_error("csv: a data row over 8 MiB (households)", lambda: classify_file(data, tmp_path / "o.csv", standard), "NK121",
                     mib=400)
    assert e.message in (f"data.csv has a row longer than {MAX_ROW_BYTES} bytes", f"data.csv has a cell longer than {MAX_ROW_BYTES} bytes")


def test_a_table_read_whole_is_checked_by_size_before_it_is_read(tmp_path):
    path = tmp_path / "sparse.csv"
    with open(path, "wb") as f:
        f.truncate(300 * 2**20)  # sparse: 300 MiB claimed, nothing on disk
    e = expect_error("csv: 300 MiB sparse budget", lambda: list(csv_records(path, code="NK901")), "NK125")
    assert e.message == f"sparse.csv is {300 * 2**20} bytes; a table read whole may have at most {256 * 2**20}"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_separator_is_sniffed_and_decimal_commas_and_groups_are_read(tmp_path, standard, delimiter):
    """Reproduced: a semicolon-separated household CSV failed with "the data has no 'area'…";
    household CSVs accepted no grouped incomes (2.000.000) and no decimal commas."""
    from normkit.poverty.run import classify_file

    rows = [["household_id", "area", "income_per_capita", "deprivation_count"],
            ["H1", "rural", "1.500.000", "3"], ["H2", "urban", "2 000 000", "1"], ["H3", "rural", "2.000", "2.000"],
            ["H5", "urban", "600.000", "0"],
            ["H4", "Nông thôn", "1500000", "0"]]
    src = tmp_path / "in.csv"
    src.write_text("\ufeff" + "\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    s = classify_file(src, tmp_path / "out.csv", standard)
    assert (s.rows_in, s.classified, s.rejected) == (5, 3, 2)
    out = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert out == ["household_id,area,income_per_capita,deprivation_count,status",  # an income of 600.000 đồng: thousands
                   "H1,rural,1.500.000,3,poor", "H2,urban,2 000 000,1,near_poor", "H5,urban,600.000,0,near_poor"]
    rejects = (tmp_path / "out.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects == [
        "row,reason,household_id,area,income_per_capita,deprivation_count",
        ('3,"deprivation_count: \'2.000\' is ambiguous: 2000 as Vietnamese writes numbers, 2.000 as English does; write it without a thousands separator (1234) or with its decimals in full (1.234,0 or 1,234.0)",'
         '"H3","rural","2.000","2.000"'),
        '5,"area must be one of rural, urban, got \'Nông thôn\'","H4","Nông thôn","1500000","0"',  # the batch needed quotes
    ]


def test_a_duplicated_header_is_nk808_after_folding(tmp_path, standard):
    from normkit.poverty.run import classify_file

    src = tmp_path / "in.csv"
    src.write_text("area,Income_Per_Capita,deprivation_count,income per capita\nrural,1,0,2\n", encoding="utf-8")
    e = expect_error("csv: duplicated header (folded)", lambda: classify_file(src, tmp_path / "o.csv", standard), "NK808")
    assert (e.message, e.location.line) == ("column 'income per capita' appears twice in the header (columns 2 and 4)", 1)


def test_quoted_cells_with_separators_and_line_breaks_round_trip(tmp_path, standard):
    from normkit.poverty.files import read_table
    from normkit.poverty.run import classify_file

    src = tmp_path / "in.csv"
    src.write_text('household_id,note,area,income_per_capita,deprivation_count\nH1,"a, ""b""\nc",rural,1500000,3\n'
                   "H2,plain,urban,2000000,1\n", encoding="utf-8")
    classify_file(src, tmp_path / "out.csv", standard)
    back = read_table(tmp_path / "out.csv")
    assert back.values.tolist() == [["H1", 'a, "b"\nc', "rural", "1500000", "3", "poor"],
                                    ["H2", "plain", "urban", "2000000", "1", "near_poor"]]


def test_row_numbers_count_data_rows_across_batches(tmp_path, standard):
    from normkit.poverty.run import classify_file

    src = tmp_path / "in.csv"
    lines = ["area,income_per_capita,deprivation_count"] + ["rural,1500000,3"] * 7 + ["rural,x,3"] + ["urban,1,1"] * 3
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = classify_file(src, tmp_path / "out.csv", standard, chunk_rows=3)
    assert (s.rows_in, s.classified, s.rejected) == (11, 10, 1)
    assert (tmp_path / "out.rejects.csv").read_text(encoding="utf-8").splitlines()[1] == \
        "8,income_per_capita is not a number: 'x',rural,x,3"


# ---- Parquet ---------------------------------------------------------------------------------

def test_a_parquet_file_that_expands_beyond_the_bound_is_refused_before_decoding(tmp_path, standard):
    """Reproduced: a 222 KB Parquet file expanded to 2.76 GB. Here one 1 MiB text repeated in
    600 rows (dictionary-encoded: a small file), 600 MiB decoded."""
    from normkit.poverty.run import classify_file

    big = "x" * 2**20
    col = pa.DictionaryArray.from_arrays(pa.array([0] * 600, pa.int32()), pa.array([big]))
    path = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"area": col, "income_per_capita": pa.array(["1"] * 600), "deprivation_count": pa.array(["1"] * 600)}),
                   path, compression="zstd")
    assert path.stat().st_size < 100_000
    e = expect_error("parquet: 600 MiB of text in a small file",
                     lambda: classify_file(path, tmp_path / "o.csv", standard), "NK122", mib=64)
    assert e.message == (f"bomb.parquet: column 'area' expands to {600 * 2**20} bytes in rows 1–600; "
                         f"a batch may expand to at most {MAX_EXPANDED_BYTES}")
    assert not (tmp_path / "o.csv").exists()


def test_a_parquet_row_group_beyond_the_bound_is_refused_from_its_metadata(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_EXPANDED_BYTES", 1000)
    path = tmp_path / "rg.parquet"
    pq.write_table(pa.table({"a": pa.array([str(i) * 20 for i in range(200)])}), path, use_dictionary=False)
    size = pq.read_metadata(path).row_group(0).column(0).total_uncompressed_size
    e = expect_error("parquet: row group beyond the bound", lambda: open_text_table(path, code="NK702"), "NK122")
    assert e.message == f"rg.parquet: row group 0 expands to {size} bytes; a batch may expand to at most 1000"


def test_duplicate_parquet_column_names_are_nk808(tmp_path, standard):
    """Reproduced: duplicate Parquet column names were an internal error."""
    from normkit.poverty.run import classify_file

    path = tmp_path / "dup.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["rural"]), pa.array([1]), pa.array([2])],
                                        names=["area", "income_per_capita", "income_per_capita"]), path)
    e = expect_error("parquet: duplicate column names", lambda: classify_file(path, tmp_path / "o.csv", standard), "NK808")
    assert e.message == "column 'income_per_capita' appears twice in the header (columns 2 and 3)"


def test_a_binary_parquet_column_that_is_not_utf8_is_nk124(tmp_path, standard):
    """Reproduced: a Parquet binary column holding b'\\xff\\xfe' was an internal error."""
    from normkit.poverty.run import classify_file

    path = tmp_path / "bin.parquet"
    pq.write_table(pa.table({"area": pa.array([b"rural", b"\xff\xfe", b"urban"], pa.binary()),
                             "income_per_capita": pa.array([1, 2, 3]), "deprivation_count": pa.array([1, 2, 3])}), path)
    e = expect_error("parquet: binary \\xff\\xfe", lambda: classify_file(path, tmp_path / "o.csv", standard), "NK124")
    assert (e.message, e.location.path) == ("bin.parquet: column 'area' row 2 is not UTF-8 text (byte 0 of the cell)", "area")


def test_parquet_classifies_like_csv_and_passes_typed_columns_through(tmp_path, standard):
    from normkit.poverty.run import classify_file

    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"household_id": ["H1", "H2", "H3"], "area": ["rural", "urban", "rural"],
                             "income_per_capita": pa.array([1500000, 2000000, -1], pa.int64()),
                             "weight": pa.array([1.25, 0.5, 2.0]), "deprivation_count": pa.array([3, 1, 0], pa.int8())}), path)
    s = classify_file(path, tmp_path / "out.parquet", standard)
    assert (s.classified, s.rejected) == (2, 1)
    back = pq.read_table(tmp_path / "out.parquet")
    assert back.schema.field("income_per_capita").type == pa.int64() and back.schema.field("weight").type == pa.float64()
    assert back.to_pydict() == {"household_id": ["H1", "H2"], "area": ["rural", "urban"], "income_per_capita": [1500000, 2000000],
                                "weight": [1.25, 0.5], "deprivation_count": [3, 1], "status": ["poor", "near_poor"]}
    csv_src = tmp_path / "in.csv"
    csv_src.write_text("household_id,area,income_per_capita,weight,deprivation_count\nH1,rural,1500000,1.25,3\n"
                       "H2,urban,2000000,0.5,1\nH3,rural,-1,2.0,0\n", encoding="utf-8")
    s2 = classify_file(csv_src, tmp_path / "out.csv", standard)
    assert (s2.counts, s2.rejected) == (s.counts, 1)
    assert (tmp_path / "out.rejects.csv").read_text(encoding="utf-8").splitlines()[1] == \
        "3,negative income_per_capita,H3,rural,-1,2.0,0"


def test_an_xlsx_household_file_is_read_as_text(tmp_path, standard):
    from openpyxl import Workbook

    from normkit.poverty.run import classify_file

    wb = Workbook()
    ws = wb.active
    ws.append(["area", "income_per_capita", "deprivation_count"])
    ws.append(["rural", 1500000, 3])
    ws.append(["urban", 1.2345678901234568e16, 1])  # openpyxl stores it as 1.234567890123457E+16
    path = tmp_path / "h.xlsx"
    wb.save(path)
    s = classify_file(path, tmp_path / "out.csv", standard)
    assert (s.classified, s.rejected) == (1, 1)
    assert (tmp_path / "out.rejects.csv").read_text(encoding="utf-8").splitlines()[1] == (
        "2,income_per_capita: '1.234567890123457e+16' is in exponent notation; write the number with all its digits; "
        "a number in exponent notation has already lost digits,urban,1.234567890123457e+16,1")


def test_counting_rows_is_skipped_without_a_progress_bar(tmp_path, standard, monkeypatch):
    from normkit.poverty import run

    src = tmp_path / "in.csv"
    src.write_text("area,income_per_capita,deprivation_count\nrural,1500000,3\n", encoding="utf-8")
    monkeypatch.setattr(tables, "_count_lines", lambda p: pytest.fail("rows counted without a progress bar"))
    assert run.classify_file(src, tmp_path / "o.csv", standard, show_progress=False).classified == 1
    assert run.classify_file(src, tmp_path / "o.csv", standard).classified == 1  # not a terminal under pytest


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_renamed_over_a_checked_file_is_refused_on_its_descriptor(tmp_path):
    """The CSV header read re-checks the kind on the open descriptor (nothing can block)."""
    path = tmp_path / "h.csv"
    os.mkfifo(path)
    e = expect_error("csv: FIFO at open", lambda: tables._open_regular(path, "NK702"), "NK107")
    assert e.message == "cannot read file: it is a named pipe (FIFO), not a regular file"
    shutil.rmtree(tmp_path, ignore_errors=True)


# ---- budgets and norm tables read cells the same way ----------------------------------------

@pytest.mark.parametrize("text,expected", [("1 234,5", "1234.5"), ("1.234,5", "1234.5"), ("1,234.5", "1234.5"), ("0,04", "0.04"),
                                           ("2,5", "2.5"), ("12", "12")])
def test_a_number_cell_reads_the_same_in_budgets_and_norm_tables(text, expected):
    """Reproduced: norm tables read "1 234,5" as 1234.5, budgets rejected it."""
    from decimal import Decimal

    from normkit.budget.reading import number_cell
    from normkit.media.importing import decimal_of

    assert number_cell(text) == decimal_of(text) == Decimal(expected)


@pytest.mark.parametrize("cell,reason", [
    (1.2345678901234568e16, "1.2345678901234568e+16 is beyond the range a spreadsheet number holds exactly; write it as text"),
    ("1.2345678901234568e16", "'1.2345678901234568e16' is in exponent notation"),
    ("1.234", "'1.234' is ambiguous: 1234 as Vietnamese writes numbers, 1.234 as English does"),
])
def test_a_float_beyond_2_53_and_exponent_text_are_refused_in_both(cell, reason):
    """Reproduced: a float 1.2345678901234568e16 was accepted silently in norm tables, refused in budgets."""
    from normkit.budget.reading import number_cell
    from normkit.media.importing import decimal_of

    for read in (number_cell, decimal_of):
        with pytest.raises(ValueError) as e:
            read(cell)
        assert str(e.value) == reason


def test_budget_amounts_are_computed_in_normkits_context_not_the_callers():
    """Reproduced: with prec=6 set by the caller, reading clean-2024.csv raised InvalidOperation."""
    import decimal

    from normkit.budget.reading import money_cell, read_budget

    clean = read_budget(EXAMPLES / "budgets" / "clean-2024.csv")
    with decimal.localcontext() as ctx:
        ctx.prec = 6
        ctx.traps[decimal.Inexact] = True
        assert read_budget(EXAMPLES / "budgets" / "clean-2024.csv") == clean
        assert (money_cell("5.359.747"), money_cell("600.000 đ")) == (decimal.Decimal(5359747), decimal.Decimal(600000))
    assert money_cell("600.000") == money_cell("600,000") == decimal.Decimal(600000)  # đồng have no decimals: thousands


def _rows_of(path: Path, batch_rows: int) -> list[tuple[int, list[list[str]]]]:
    t = open_text_table(path, code="NK702", batch_rows=batch_rows)
    return [(b.first_row, [c.to_pylist() for c in b.text.columns]) for b in t.batches]


def test_a_row_longer_than_a_csv_block_is_read_again_with_blocks_of_the_row_bound(tmp_path, monkeypatch):
    """CSV is parsed in small blocks (flat memory); a row longer than a block (within the 8 MiB row
    bound) makes the reader start again with blocks of the row bound and skip the rows it gave:
    every row once, in order, numbered as before — also when batches were given before it."""
    monkeypatch.setattr(tables, "CSV_BLOCK", 4096)
    long = "z" * 20_000  # five small blocks, far below the row bound
    lines = ["id,note"] + [f"H{i},\"a,b\nc{i}\"" for i in range(300)] + [f"H300,{long}"] + [f"H{i},n{i}" for i in range(301, 400)]
    p = tmp_path / "long.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import pyarrow.csv as pcsv

    blocks: list[int] = []
    real = pcsv.open_csv

    def counted(source, read_options, **kw):
        blocks.append(read_options.block_size)
        return real(source, read_options=read_options, **kw)

    monkeypatch.setattr(pcsv, "open_csv", counted)
    got = _rows_of(p, 50)
    assert blocks == [4096, MAX_ROW_BYTES]  # read again once, with blocks of the row bound
    firsts = [first for first, _ in got]
    sizes = [len(cols[0]) for _, cols in got]
    assert firsts == [1 + sum(sizes[:k]) for k in range(len(got))]  # numbered on, none skipped or given twice
    assert sum(1 for f, n in zip(firsts, sizes, strict=True) if f + n <= 301) >= 2  # batches were given before the long row
    ids = [v for _, cols in got for v in cols[0]]
    notes = [v for _, cols in got for v in cols[1]]
    assert ids == [f"H{i}" for i in range(400)]
    assert notes[:2] == ["a,b\nc0", "a,b\nc1"] and notes[300] == long and notes[399] == "n399"
    monkeypatch.setattr(tables, "CSV_BLOCK", 1 << 20)  # one pass: the same rows
    assert [v for _, cols in _rows_of(p, 50) for v in cols[0]] == ids


ARROW_PEAK = """
import sys
import pyarrow as pa
from normkit.core.io.tables import open_text_table
rows = 0
for b in open_text_table(sys.argv[1], code="NK702", batch_rows=10_000).batches:
    rows += b.num_rows
print(rows, pa.default_memory_pool().max_memory())
"""


def test_arrow_memory_reading_parquet_is_one_row_group_not_the_file(tmp_path):
    """Arrow's Parquet reader pre-buffers every row group it is asked for: over the whole file,
    its memory grew with the file (149 MiB of Arrow memory reading 10M households, 50 MiB for 1M).
    The table layer reads without pre-buffering: Arrow's peak is about one row group, whatever
    the number of row groups (here 24 of 2 MiB of text that does not compress: 48 MiB)."""
    import subprocess

    rng = __import__("numpy").random.default_rng(3)
    path = tmp_path / "many.parquet"
    with pq.ParquetWriter(path, pa.schema([("household_id", pa.string()), ("n", pa.int64())]), compression="none",
                          use_dictionary=False) as w:
        for g in range(24):
            text = rng.bytes(2**20).hex()
            ids = pa.array([text[i:i + 100] for i in range(0, len(text), 100)])
            w.write_table(pa.table({"household_id": ids, "n": pa.array(range(g, g + len(ids)))}))
    assert pq.ParquetFile(path).num_row_groups == 24
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    got = subprocess.run([sys.executable, "-c", ARROW_PEAK, str(path)], capture_output=True, text=True, check=True, env=env)
    rows, peak = map(int, got.stdout.split())
    assert rows == 24 * 20_972
    assert peak < 16 * 2**20, f"Arrow's peak {peak / 2**20:.0f} MiB reading a 48 MiB Parquet file"


def test_parquet_text_is_read_directly_only_where_a_batch_cannot_expand_beyond_the_bound(tmp_path):
    """Distinct ids (a dictionary page, then plain pages) and short words are read as text;
    a dictionary with a 1 MiB entry (250,000 rows of it would pass the bound) and prefix-shared
    values (DELTA_BYTE_ARRAY) are read as dictionaries, checked before decoding."""
    import pyarrow.compute as pc

    n = 3000
    path = tmp_path / "mixed.parquet"
    table = pa.table({"household_id": [f"H{i:07d}" for i in range(n)], "area": ["rural", "urban", "rural"] * (n // 3),
                      "note": ["x" * 2**20] + [""] * (n - 1), "income": pa.array(range(n)),
                      "code": [f"C{i}" for i in range(n)]})
    pq.write_table(table, path, use_dictionary=["household_id", "area", "note"], column_encoding={"code": "DELTA_BYTE_ARRAY"},
                   dictionary_pagesize_limit=4096, row_group_size=1000)
    meta = pq.read_metadata(path)
    assert all(meta.row_group(g).column(0).has_dictionary_page for g in range(3))
    direct = tables.direct_text_columns(path, meta, pq.read_schema(path), table.schema.names, 250_000, pa, pc)
    assert direct == {"household_id", "area"}
    assert tables.direct_text_columns(path, meta, pq.read_schema(path), table.schema.names, 500, pa, pc) == {"household_id", "area", "note"}
    pq.write_table(table.drop(["code"]), path, use_dictionary=["household_id", "area", "note"], dictionary_pagesize_limit=4096,
                   row_group_size=1000)  # (Arrow cannot read DELTA_BYTE_ARRAY as a dictionary: NK702, as before)
    got = _rows_of(path, 700)
    assert [first for first, _ in got] == [1, 701, 1001, 1701, 2001, 2701]  # cut before each row group, as before
    assert [c for _, cols in got for c in cols[0]] == table.column("household_id").to_pylist()
    assert [c for _, cols in got for c in cols[2]] == table.column("note").to_pylist()


def test_a_parquet_text_column_read_directly_keeps_the_bounds_and_their_messages(tmp_path, monkeypatch):
    """A batch across row groups of plain text expanding beyond the bound is NK122, a cell beyond
    the row bound NK121: the messages of the dictionary path."""
    monkeypatch.setattr(tables, "MAX_EXPANDED_BYTES", 1000)
    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"a": [f"{i:020d}" for i in range(90)]}), path, use_dictionary=False, row_group_size=30,
                   compression="none")
    assert pq.read_metadata(path).num_row_groups == 3
    e = expect_error("parquet: plain text beyond the bound", lambda: _rows_of(path, 100), "NK122")
    assert e.message == "plain.parquet: column 'a' expands to 1800 bytes in rows 1–90; a batch may expand to at most 1000"
    monkeypatch.setattr(tables, "MAX_ROW_BYTES", 100)
    pq.write_table(pa.table({"a": ["short", "y" * 150]}), path, use_dictionary=False)
    e = expect_error("parquet: a long plain cell", lambda: _rows_of(path, 100), "NK121")
    assert e.message == "plain.parquet: column 'a' has a cell longer than 100 bytes"


def _cells(table) -> dict[str, list]:
    out: dict[str, list] = {n: [] for n in table.names}
    for b in table.batches:
        for n in table.names:
            out[n] += b.text_column(n).to_pylist()
    return out


@pytest.mark.parametrize("kind", ["csv", "parquet", "xlsx"])
def test_a_column_subset_reads_the_same_cells_as_the_whole_table(tmp_path, kind):
    """A second pass that needs one column (the ids again, for repeats) reads that column only,
    with the same text, rows and batch starts as the whole read; a name not in the header is the
    caller's error (NK702 here), with the file named."""
    ids = [f"H{i:05d}" for i in range(3000)]
    ids[7], ids[2999] = " H1, quoted ", "Hà Nội"
    communes = [f"Xã {i % 7}" for i in range(3000)]
    src = tmp_path / f"t.{kind}"
    if kind == "csv":
        import csv

        with open(src, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["commune", "household_id", "income_per_capita"])
            w.writerows(zip(communes, ids, range(3000), strict=True))
    elif kind == "parquet":
        pq.write_table(pa.table({"commune": communes, "household_id": ids, "income_per_capita": list(range(3000))}), src,
                       row_group_size=1000)
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(["commune", "household_id", "income_per_capita"])
        for row in zip(communes, ids, range(3000), strict=True):
            ws.append(list(row))
        wb.save(src)
    whole = open_text_table(src, code="NK702", batch_rows=700)
    part = open_text_table(src, code="NK702", batch_rows=700, columns=["household_id"])
    assert part.names == ["household_id"] and part.raw_schema.names == ["household_id"]
    starts_whole, starts_part = [], []
    cells = {n: [] for n in whole.names}
    for b in whole.batches:
        starts_whole.append(b.first_row)
        for n in whole.names:
            cells[n] += b.text_column(n).to_pylist()
    ids_again = []
    for b in part.batches:
        starts_part.append(b.first_row)
        assert b.raw.schema.names == ["household_id"]
        ids_again += b.text_column("household_id").to_pylist()
    assert ids_again == cells["household_id"] and ids_again[7].strip() == "H1, quoted" and ids_again[2999] == "Hà Nội"
    assert starts_part == starts_whole and starts_whole[:2] == [1, 701]
    two = _cells(open_text_table(src, code="NK702", columns=["income_per_capita", "commune"]))
    assert list(two) == ["commune", "income_per_capita"] and two["commune"] == communes
    assert two["income_per_capita"][:3] == ["0", "1", "2"]
    with pytest.raises(NormkitError) as e:
        open_text_table(src, code="NK702", columns=["hh_id"])
    assert (e.value.code, e.value.message) == ("NK702", f"{src}: no column 'hh_id' in the header")
