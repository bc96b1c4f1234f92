"""Reading budget files: Vietnamese/English headers; every bad cell reported with row and column;
XLSX numbers handled exactly; the `normkit check` command (table, JSON, exit codes)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES
from openpyxl import Workbook

from normkit.budget import read_budget
from normkit.budget.reading import money_cell
from normkit.cli.main import main
from normkit.core.errors import NormkitError

PACK = EXAMPLES / "packs" / "example-province"
PLANTED = Path(__file__).parent / "data" / "planted.yaml"
HEAD = "id,T-1\ndate,2024-09-15\n"


def errors_of(path: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(NormkitError) as e:
        read_budget(path)
    return [(x.code, str(x.location), x.message) for x in getattr(e.value, "errors", [e.value])]


def test_english_headers_and_semicolons(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text("id;T-1\ndate;2024-09-15\nkind;settlement\nref;product;quantity;amount;option:royalty_genre;royalty coefficient\n"
                 "1;EX-TV-PS15;2;20.000.000;phong_su;25\n", encoding="utf-8")
    b = read_budget(p)
    assert b.kind == "settlement" and b.lines[0].amount == Decimal(20000000)
    assert b.lines[0].options == {"royalty_genre": "phong_su", "royalty_coefficient": Decimal(25)}


def test_every_bad_cell_is_reported_with_row_and_column(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text(HEAD + "STT,Mã định mức,Số lượng,Đơn giá,Thành tiền,Màu sắc\n"
                 "1,EX-ON-BV,hai,600000,1200000,\n"
                 "2,,1,600000,600000,\n"
                 "3,EX-ON-BV,1,600000.5,,\n"
                 "4,EX-ON-BV,1,,,\n", encoding="utf-8")
    f = str(p)
    assert errors_of(p) == [
        ("NK902", f"{f}:3:6", "unknown column 'Màu sắc'"),
        ("NK902", f"{f}:4:3 quantity", "Số lượng: cannot read 'hai' as a number"),
        ("NK902", f"{f}:5:2 product", "the row has no product (mã định mức)"),
        ("NK902", f"{f}:6:4 unit_price", "Đơn giá: '600000.5' is not a whole number of đồng"),
        ("NK902", f"{f}:7", "the line claims neither a unit price (đơn giá) nor an amount (thành tiền)"),
    ]


def test_missing_columns_and_metadata(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text("Mã định mức,Nội dung\nEX-ON-BV,x\n", encoding="utf-8")
    assert errors_of(p) == [("NK902", f"{p}:1", "the header row has no column for quantity, unit_price or amount")]
    p.write_text("Mã định mức,Số lượng,Thành tiền\nEX-ON-BV,1,5\n", encoding="utf-8")
    assert [m for _c, _l, m in errors_of(p)] == [
        "the budget gives no id: add a row `id` with its value above the header row (mã dự toán)",
        "the budget gives no date: add a row `date` with its value above the header row (ngày)"]


def test_xlsx_numbers(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã dự toán", "T-X"])
    ws.append(["Ngày", "15/09/2024"])
    ws.append(["Mã định mức", "Số lượng", "Thành tiền", "Hệ số nhuận bút"])
    ws.append(["EX-TV-PS15", 2.5, 1786580.0, 22.5])
    ws.append(["EX-TV-PS15", 1, 1786580.4, None])
    ws.append(["EX-TV-PS15", 1, 2.0 ** 60, None])
    p = tmp_path / "b.xlsx"
    wb.save(p)
    assert [(loc, m) for _c, loc, m in errors_of(p)] == [
        (f"{p}:5:3 amount", "Thành tiền: 1786580.4 is not a whole number of đồng"),
        (f"{p}:6:3 amount", "Thành tiền: 1.152921504606847e+18 is beyond the range a spreadsheet number holds exactly; write it as text"),
    ]
    ws.delete_rows(5, 2)
    wb.save(p)
    b = read_budget(p)
    assert b.lines[0].quantity == Decimal("2.5") and b.lines[0].amount == Decimal(1786580)
    assert b.lines[0].options == {"royalty_coefficient": Decimal("22.5")} and str(b.date) == "2024-09-15"


def test_money_cells() -> None:
    assert money_cell("5.359.747") == money_cell("5,359,747") == money_cell("5359747 đ") == Decimal(5359747)
    for bad in ("5.359.74", "1e3x", True):
        with pytest.raises(ValueError):
            money_cell(bad)


def test_unreadable_files(tmp_path: Path) -> None:
    p = tmp_path / "b.txt"
    p.write_text("x")
    assert errors_of(p) == [("NK901", str(p), "cannot read b.txt: a budget is a .json, .jsonl, .yaml, .csv or .xlsx file")]
    p = tmp_path / "b.yaml"
    p.write_text("id: [1\n")
    assert errors_of(p)[0][0] == "NK901"
    p.write_text("id: T\ndate: 2024-09-15\nlines: [{product: X, quantity: 1, amount: 1, colour: red}]\n")
    assert errors_of(p) == [("NK903", f"{p}:3:54 lines[0].colour", "unknown field 'colour'")]


def test_cli_table_exit_codes(capsys) -> None:
    assert main(["check", str(EXAMPLES / "budgets" / "clean-2024.csv")]) == 0
    out = capsys.readouterr().out
    assert "Đơn giá trần" in out and "51.163.054" in out and "Đạt / passed" in out
    assert main(["check", str(PLANTED)]) == 1
    assert "Không đạt / failed: 12 lỗi / errors" in capsys.readouterr().out.replace("\n", " ")


def test_cli_json_and_fail_on(capsys, tmp_path: Path) -> None:
    assert main(["check", str(PLANTED), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["excess"] == "4851212"
    assert set(data["findings"][0]) >= {"code", "severity", "line", "message"}
    # a budget with only a warning: exit 0 by default, 1 with --fail-on warning
    p = tmp_path / "w.yaml"
    p.write_text(f"id: W\ndate: 2024-09-15\npack: {PACK}\nlines:\n"
                 "  - {product: EX-ON-BV, amount: 1}\n  - {product: EX-ON-BV, amount: 1}\n", encoding="utf-8")
    assert main(["check", str(p), "--json"]) == 0
    assert [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["BK301", "BK402"]
    assert main(["check", str(p), "--json", "--fail-on", "warning"]) == 1
    capsys.readouterr()
    assert main(["check", str(p), "--json", "--set", "base_salary=1", "--at", "2024-07-01"]) == 0
    assert json.loads(capsys.readouterr().out)["overlay"] == "--set"


def test_cli_bad_file_is_an_error_not_a_traceback(capsys, tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text(HEAD + "Mã định mức,Số lượng,Thành tiền\nEX-ON-BV,x,1\n", encoding="utf-8")
    with pytest.raises(NormkitError, match="cannot read 'x' as a number"):
        read_budget(p)
    assert main(["check", str(p), "--pack", str(PACK), "--json"]) == 1  # check reads row by row: the row is a finding (BK501)
    out = json.loads(capsys.readouterr().out)
    assert [(f["code"], f["line"], f["details"]) for f in out["findings"] if f["code"] == "BK501"] == [
        ("BK501", 1, {"row": "4", "column": "2", "field": "quantity", "error": "NK902"})]
    p.write_text(HEAD + "Mã định mức,Số lượng,Màu\nEX-ON-BV,x,1\n", encoding="utf-8")
    assert main(["check", str(p), "--pack", str(PACK)]) == 2  # a header that cannot be read stops the check
    err = capsys.readouterr().err
    assert f"{p}:3:3" in err and "NK902" in err and "Traceback" not in err
