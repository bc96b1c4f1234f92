"""The streaming check (`normkit check`, normkit.budget.streaming): the same report as the
in-memory `check()` line for line; rows that cannot be read reported, never dropped; the
duplicate index exact under hash collisions; the table layer's streaming CSV reader the same
as the whole-file one; the CLI's csv and json written as the lines are checked."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from normkit_testpaths import EXAMPLES, ROOT
from openpyxl import Workbook

import normkit
import normkit.budget.streaming as streaming
import normkit.core.io.tables as tables
from normkit.budget import check, read_budget
from normkit.budget.model import BudgetLine
from normkit.budget.streaming import DuplicateIndex, check_stream, key_bytes, open_budget
from normkit.cli.budget import report_rows
from normkit.cli.formats import csv_text
from normkit.cli.main import main
from normkit.core.errors import NormkitError

PACK = EXAMPLES / "packs" / "example-province"
HEADER = ("STT,Mã định mức / product,Nội dung / description,Số lượng / quantity,ĐVT / unit,Thời lượng thực tế / duration,"
          "Đơn giá / unit price,Thành tiền / amount,Thể loại nhuận bút / royalty genre,Hệ số nhuận bút / royalty coefficient,"
          "Tỷ lệ biên tập / edited share")
# one row per finding kind: within, over the ceiling (BK101), price × quantity ≠ amount (BK102),
# unknown product (BK201), unit mismatch (BK203), duration outside tolerance (BK204), royalty above its frame (BK205),
# unknown option value (BK207), a quantity that is not positive (BK207), a unit not in the vocabulary (BK211)
KINDS = ["{i},01.03.01.50.10,bulletin {i},3,item,,1.778.000,5.334.000,,,",
         "{i},01.03.01.50.10,over {i},3,,,2.000.000,6.000.000,,,",
         "{i},EX-ON-BV,mismatch {i},2,,,600.000,1.300.000,,,",
         "{i},EX-TV-PS51,typo {i},1,,,1.000.000,1.000.000,,,",
         "{i},EX-ON-BV,minutes {i},1,minute,,600.000,600.000,,,",
         "{i},EX-RD-PS10,long {i},1,,11 minute,6.000.000,6.000.000,phong_su,20,",
         "{i},EX-TV-PS15,royalty {i},1,,,9.000.000,9.000.000,phong_su,35,",
         "{i},EX-TV-PS15,genre {i},1,,,9.000.000,9.000.000,no_such_genre,25,",
         "{i},EX-ON-BV,negative {i},-1,,,600.000,-600.000,,,",
         "{i},EX-ON-BV,furlongs {i},1,furlong,,600.000,600.000,,,",
         "{i},13.20.20.00.00-edited,share {i},1,,,92.000,92.000,,,15%"]


@pytest.fixture(scope="module")
def rules() -> Any:
    return normkit.load(PACK)


def generated(path: Path, n: int, *, seed: int = 7, total: str | None = "123.456", bad: bool = False) -> Path:
    """A CSV budget of ``n`` lines of every finding kind, some repeated (BK301), a declared total (BK401);
    with ``bad``, some cells that cannot be read."""
    rnd = random.Random(seed)
    rows = [f"Mã dự toán / id,GEN-{n}", "Ngày / date,15/09/2024", f"Bộ quy tắc / pack,{PACK}", HEADER]
    made: list[str] = []
    for i in range(1, n + 1):
        if made and rnd.random() < 0.15:
            row = f"{i}," + rnd.choice(made).split(",", 1)[1]  # a repeat of an earlier line (its own STT)
        else:
            row = rnd.choice(KINDS).format(i=i)
            if bad and rnd.random() < 0.1:
                cells = row.split(",")
                cells[rnd.choice([3, 6, 7])] = rnd.choice(["abc", "1e5", "1.5.0", "12,5,6"])
                row = ",".join(cells)
        made.append(row)
        rows.append(row)
    if total is not None:
        rows.append(f",,Tổng cộng / total,,,,,{total},,,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def streamed(path: Path, rules: Any, **kw: Any) -> Any:
    return check_stream(open_budget(path), rules, keep=None, **kw).report


@pytest.mark.parametrize("name", ["clean-2024.csv", "clean-2024.xlsx", "clean-2024.yaml", "clean-2024.json", "planted-errors.yaml"])
def test_the_example_budgets_give_the_same_report(name: str, rules: Any) -> None:
    path = EXAMPLES / "budgets" / name
    assert streamed(path, rules).to_json() == check(path, rules=rules).to_json()


def test_generated_budgets_with_every_finding_give_the_same_report(tmp_path: Path, rules: Any) -> None:
    path = generated(tmp_path / "gen.csv", 600)
    whole = check(path, rules=rules)
    assert {f.code for f in whole.findings} == {"BK101", "BK102", "BK201", "BK203", "BK204", "BK205", "BK207", "BK211",
                                                "BK301", "BK401", "BK402"}
    assert streamed(path, rules).to_json() == whole.to_json()
    at = whole.at.replace(year=2025)
    assert streamed(path, rules, at=at, trace=True).to_json() == check(path, rules=rules, at=at, trace=True).to_json()


def test_an_xlsx_budget_gives_the_same_report(tmp_path: Path, rules: Any) -> None:
    src = generated(tmp_path / "gen.csv", 120, seed=3)
    wb = Workbook()
    ws = wb.active
    for line in src.read_text(encoding="utf-8").splitlines():
        ws.append([int(c) if c.isdigit() else (c or None) for c in line.split(",")])
    wb.save(tmp_path / "gen.xlsx")
    whole = check(tmp_path / "gen.xlsx", rules=rules)
    assert whole.totals.lines == 120
    assert streamed(tmp_path / "gen.xlsx", rules).to_json() == whole.to_json()


def test_every_row_that_cannot_be_read_is_a_finding_with_its_row(tmp_path: Path, rules: Any) -> None:
    path = generated(tmp_path / "bad.csv", 300, bad=True)
    with pytest.raises(NormkitError) as e:
        read_budget(path)
    errors = [(str(x.location.line), str(x.location.column), x.message) for x in e.value.errors]  # type: ignore[attr-defined]
    assert len(errors) > 10
    report = streamed(path, rules)
    bk501 = [f for f in report.findings if f.code == "BK501"]
    assert [(f.details["row"], f.details.get("column", "None"), f.message.split(": ", 1)[1]) for f in bk501] == errors
    first = bk501[0]
    assert first.severity == "error" and first.line is not None
    assert first.message == f"row {first.details['row']}" + (f", column {first.details['column']}" if "column" in first.details else "") + f": {errors[0][2]}"
    line = report.lines[first.line - 1]
    assert (line.status, line.amount, line.allowed, line.codes[0]) == ("not_priced", Decimal(0), None, "BK501")
    assert report.totals.lines == 300 and not report.passed
    # the rows that could be read are checked as in a budget without the bad rows' cells
    good = {ln.line for ln in report.lines if "BK501" not in ln.codes}
    assert len(good) == 300 - len({f.line for f in bk501})
    assert all(ln.status != "not_priced" or set(ln.codes) & {"BK201", "BK207", "BK203", "BK204", "BK205"} for ln in report.lines
               if ln.line in good)


def test_a_row_without_product_a_line_after_the_total_and_a_bad_total(tmp_path: Path, rules: Any) -> None:
    p = tmp_path / "b.csv"
    p.write_text(f"id,T-1\ndate,2024-09-15\npack,{PACK}\nproduct,quantity,amount,description\n"
                 "EX-ON-BV,1,600.000,a\n,2,3,no product\n,,x,Tổng cộng\nEX-ON-BV,1,600.000,after\n", encoding="utf-8")
    report = streamed(p, rules)
    assert [(f.code, f.line, f.message) for f in report.findings if f.code == "BK501"] == [
        ("BK501", 2, "row 6, column 1: the row has no product (mã định mức)"),
        ("BK501", 3, "row 8: a line after the total row"),
        ("BK501", None, "row 7, column 3: total: cannot read 'x' as a number"),
    ]
    assert [ln.product for ln in report.lines] == ["EX-ON-BV", "", "EX-ON-BV"]
    assert report.findings[-1].code == "BK402"  # the whole budget's findings come last, as in check()


def test_problems_above_the_lines_stop_before_any_line(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text("id,T-1\nkind,other\nproduct,quantity,amount,colour\nEX-ON-BV,1,600.000,red\n", encoding="utf-8")
    with pytest.raises(NormkitError) as e:
        open_budget(p)
    assert [(x.code, x.message) for x in e.value.errors] == [  # type: ignore[attr-defined]
        ("NK902", "unknown column 'colour'"),
        ("NK902", "kind: 'other' is not a kind; write dự toán/budget or quyết toán/settlement"),
        ("NK902", "the budget gives no date: add a row `date` with its value above the header row (ngày)"),
    ]
    empty = tmp_path / "e.csv"
    empty.write_text("id,T-1\ndate,2024-09-15\nproduct,quantity,amount\n", encoding="utf-8")
    with pytest.raises(NormkitError, match="the table has no budget lines"):
        check_stream(open_budget(empty), normkit.load(PACK))


def test_the_duplicate_index_confirms_every_hash_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    class Same:  # every key hashes alike: only the exact comparison tells lines apart
        @staticmethod
        def blake2b(data: bytes, digest_size: int) -> Any:
            return type("D", (), {"digest": staticmethod(lambda: b"\x01" * digest_size)})()

    monkeypatch.setattr(streaming, "hashlib", Same)
    index = DuplicateIndex()
    a = BudgetLine(product="EX-ON-BV", quantity=Decimal(3), amount=Decimal(600000))
    assert index.first(a, 1) is None
    assert index.first(BudgetLine(product="EX-ON-BV", quantity=Decimal(2), amount=Decimal(600000)), 2) is None
    assert index.first(BudgetLine(product="EX-ON-BV", quantity=Decimal("3.0"), amount=Decimal("6E+5")), 3) == 1  # by value
    assert index.first(BudgetLine(product="EX-ON-BV", quantity=Decimal(2), amount=Decimal(600000)), 4) == 2
    for n in range(5, 3000):  # the table grows past its first size, with one chain of equal hashes
        assert index.first(BudgetLine(product="P", description=str(n)), n) is None
    assert index.first(BudgetLine(product="P", description="2999"), 3000) == 2999
    assert len(index) == 2997
    index.close()


def test_duplicate_keys_are_equal_exactly_when_the_lines_repeat() -> None:
    a = BudgetLine(product="X", quantity=Decimal("2.50"), amount=Decimal(0), options={"hệ số nhuận bút": Decimal(25)})
    b = BudgetLine(product="X", quantity=Decimal("2.5"), amount=Decimal("-0"), options={"royalty_coefficient": Decimal(25)})
    assert key_bytes(a) == key_bytes(b)
    assert key_bytes(a) != key_bytes(a.model_copy(update={"description": "None"}))
    assert key_bytes(a) != key_bytes(a.model_copy(update={"unit_price": Decimal(0)}))


def test_the_streaming_csv_reader_reads_as_the_whole_file_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(1)
    pieces = [b"a", b",", b";", b"\t", b'"', b"\n", b"\r", b"#", b" ", "\u1ea1".encode(), "A\u0301".encode(), b"\xef\xbb\xbf", b"\x0b"]
    samples = [b'a,b\r\nc,"d\r\ne"\r\n', b"\xef\xbb\xbf# c\n\nx;y;z\n1;2;3", b"a,b\rc,d\r\n\re,f", "Mã,A\u0301\n".encode(),
               b"a,b\n\xff,c\n", b"a,b\nc,\xe1\xbb", b"\xef\xbb\xbfa,\xc3", b""]
    samples += [b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 60))) for _ in range(150)]

    def read(f: Any, p: Path) -> Any:
        try:
            return list(f(p, code="NK901"))
        except NormkitError as e:
            return (e.code, e.message, str(e.location))

    for block in (1, 2, 5, 1 << 20):
        monkeypatch.setattr(tables, "STREAM_BLOCK", block)
        for i, raw in enumerate(samples):
            p = tmp_path / f"s{i}.csv"
            p.write_bytes(raw)
            assert read(tables.csv_record_stream, p) == read(tables.csv_records, p), (block, raw)
    p = tmp_path / "bad.csv"
    p.write_bytes(b"a,b\n" + b"x" * 100 + b"\xff\n")
    monkeypatch.setattr(tables, "STREAM_BLOCK", 7)
    assert read(tables.csv_record_stream, p) == ("NK901", "bad.csv is not UTF-8 text (byte 104)", str(p))


def test_the_cli_writes_csv_and_json_as_check_reports(tmp_path: Path, rules: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = generated(tmp_path / "gen.csv", 400, seed=11)
    whole = check(path, rules=rules)
    assert main(["check", str(path), "--format", "csv", "--out", str(tmp_path / "r.csv")]) == 1
    assert (tmp_path / "r.csv").read_bytes().decode("utf-8") == csv_text(report_rows(whole))
    assert main(["check", str(path), "--format", "json", "--out", str(tmp_path / "r.json")]) == 1
    text = (tmp_path / "r.json").read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(whole.to_json())
    assert text.count("\n") == 400 + len(whole.findings) + 3  # one line of text per line and per finding
    assert list(json.loads(text))[:8] == ["schema", "budget_id", "kind", "at", "currency", "packs", "overlay", "lines"]
    capsys.readouterr()
    assert main(["check", str(path), "--json", "--no-bom"]) == 1
    assert json.loads(capsys.readouterr().out) == json.loads(whole.to_json())
    assert main(["check", str(path), "--format", "xlsx", "--out", str(tmp_path / "r.xlsx")]) == 1
    from openpyxl import load_workbook

    rows = list(load_workbook(tmp_path / "r.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + len(report_rows(whole).rows) and rows[-1][0] == "total"


def test_a_budget_that_stops_midway_leaves_no_output(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_bytes(f"id,T-1\ndate,2024-09-15\npack,{PACK}\nproduct,quantity,amount\nEX-ON-BV,1,600.000\n".encode() + b"\xff\n")
    assert main(["check", str(p), "--format", "csv", "--out", str(tmp_path / "r.csv")]) == 2
    assert not (tmp_path / "r.csv").exists()


def test_the_benchmark_budget_is_checked_as_its_docstring_says(tmp_path: Path, rules: Any) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from budget_stream import write_budget
    finally:
        sys.path.pop(0)
    write_budget(tmp_path / "b.csv", 1000)
    result = check_stream(open_budget(tmp_path / "b.csv"), rules)
    assert result.report.totals.lines == 1000 and not result.complete
    assert {code: (c.count, c.lines[:3]) for code, c in result.by_code.items()} == {
        "BK101": (10, [97, 194, 291]), "BK102": (10, [97, 194, 291]), "BK301": (9, [101, 202, 303]), "BK402": (1, [])}
    assert [(ln.line, ln.excess) for ln in result.top[:3]] == [(291, Decimal(1000000)), (776, Decimal(1000000)), (485, Decimal(997876))]
    assert result.over_lines == 10 and result.report.counts == {"error": 20, "warning": 9, "info": 1}


def json_lines(path: Path, lines: list[str]) -> Path:
    head = json.loads((EXAMPLES / "budgets" / "clean-2024.json").read_text(encoding="utf-8"))
    head.pop("lines")
    head["pack"] = str(PACK)
    path.write_text("\n".join([json.dumps(head, ensure_ascii=False), *lines]) + "\n", encoding="utf-8")
    return path


def test_a_json_lines_budget_is_read_line_by_line_and_gives_the_same_report(tmp_path: Path, rules: Any) -> None:
    example = json.loads((EXAMPLES / "budgets" / "clean-2024.json").read_text(encoding="utf-8"))["lines"]
    path = json_lines(tmp_path / "b.jsonl", [json.dumps(x, ensure_ascii=False) for x in example * 3] + [""])
    whole = check(path, rules=rules)
    assert (whole.totals.lines, whole.counts) == (15, {"error": 1, "warning": 10, "info": 1})  # repeats; the total is of 5 lines
    assert streamed(path, rules).to_json() == whole.to_json()
    assert main(["check", str(path), "--format", "csv", "--out", str(tmp_path / "r.csv")]) == 1
    assert (tmp_path / "r.csv").read_bytes().decode("utf-8") == csv_text(report_rows(whole))


def test_a_json_lines_line_that_cannot_be_read_is_a_finding(tmp_path: Path, rules: Any) -> None:
    lines = ['{"product": "EX-ON-BV", "quantity": 1, "amount": "600.000"}', '{"product": "EX-ON-BV", "amount": "1e5"}',
             '{"product": "EX-ON-BV", "amount": "1,5 đ", "quantity": "x"}', '{"product": ', '[1]', '{"product": "EX-ON-BV", "colour": 1, "amount": 5}']
    path = json_lines(tmp_path / "b.jsonl", lines)
    with pytest.raises(NormkitError) as e:
        read_budget(path)
    assert (e.value.code, str(e.value.location)) == ("NK901", f"{path}:5:1")  # the whole-file reader stops at the first line that is not JSON
    report = streamed(path, rules)
    assert [(f.line, f.details.get("error"), f.details["row"], f.details.get("field"), f.message) for f in report.findings
            if f.code == "BK501"] == [
        (2, "NK112", "3", "amount", "row 3, column 35: amount: '1e5' is in exponent notation"),
        (3, "NK113", "4", "amount", "row 4, column 35: amount: '1,5' is not a whole number of đồng"),
        (3, "NK110", "4", "quantity", "row 4, column 56: quantity: cannot read 'x' as a number"),
        (4, "NK901", "5", None, "row 5, column 1: not JSON: YAML syntax error: did not find expected node content"),
        (5, "NK903", "6", None, "row 6, column 1: a budget line must be an object"),
        (6, "NK903", "7", "colour", "row 7, column 35: unknown field 'colour'"),
    ]
    assert [ln.status for ln in report.lines] == ["within"] + ["not_priced"] * 5
