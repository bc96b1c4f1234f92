"""write_quote_xlsx: a unit-price sheet whose calculations are live formulas (ROUND, SUM, links
between sheets) that recalculate to normkit's figures to the đồng, with exact money as integer
cells, item numbering for any number of items, Vietnamese units, and an audit sheet."""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from xlsxcalc import recalculated

import normkit
from normkit.api import quote as price_order
from normkit.cli.main import main
from normkit.core.errors import NormkitError
from normkit.media.xlsx import ANALYSIS, ESTIMATE, cell_number, money_number, shown, write_quote_xlsx

ROOT = Path(__file__).resolve().parents[2]
ORDER = ROOT / "examples" / "orders" / "tv-bulletins.yaml"
PLAN = ROOT / "examples" / "orders" / "year-plan-2023.yaml"
PACK = ROOT / "examples" / "packs" / "example-province"


@pytest.fixture(scope="module")
def quote():  # type: ignore[no-untyped-def]
    return price_order(ORDER)


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return price_order(PLAN)


def rows_by_stt(ws: Any) -> dict[Any, Any]:
    return {r[0].value: r for r in ws.iter_rows() if r[0].value is not None}



def test_unit_price_sheet(quote, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "q.xlsx"
    write_quote_xlsx(quote, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.xlsx"]  # no temp file left behind
    wb = load_workbook(path)
    assert wb.sheetnames == ["Dự toán", "Phân tích đơn giá", "Kiểm tra"]
    ws = wb[ESTIMATE]
    assert ws["A1"].value == "BẢNG DỰ TOÁN KINH PHÍ SẢN XUẤT / UNIT-PRICE ESTIMATE"
    assert (ws["B2"].value, ws["B3"].value.date().isoformat()) == ("EX-2024-TV-001", "2024-09-15")
    rows = rows_by_stt(ws)
    assert [c.value for c in rows["STT"]] == ["STT", "Hạng mục", "Cost element (English)", "Đơn vị", "Số lượng", "Đơn giá (đ)",
                                              "Thành tiền (đ)", "Căn cứ / Legal basis"]
    item = [c.value for c in rows["1"]]
    # 3 bulletins × the unit price of one (a link to its analysis) = ROUND(3 × 1,778,708) = 5,336,124
    assert item == ["1", "Bản tin quốc tế biên dịch, thời lượng 10 phút (mã 01.03.01.50.10)",
                    "Translated international television bulletin, broadcast duration 10 minutes", "sản phẩm", 3,
                    "='Phân tích đơn giá'!G4", "=ROUND(E8*F8,0)", "ĐG1"]
    total = next(r for r in ws.iter_rows() if r[1].value == "TỔNG CỘNG")
    assert (total[6].value, total[6].number_format) == ("=SUM(G8:G8)", "#,##0")
    of_which = {r[2].value: r[6].value for r in ws.iter_rows() if r[1].value and str(r[1].value).startswith("  ")}
    assert of_which == {"Labour": 2821131, "Equipment": 1728390, "Materials": 70500, "Other costs": 716103}
    an = rows_by_stt(wb[ANALYSIS])
    assert [c.value for c in an["ĐG1"]][3:7] == ["sản phẩm", 1, None, "=G5+G18+G24+G27"]
    line = [c.value for c in an["ĐG1.1.2"]]
    # one bulletin: 0.99 công × 472,844.863636364 đ (the rate to 15 digits, shown in full) = 468,116 đ
    assert line[:7] == ["ĐG1.1.2", "Biên dịch viên hạng III bậc 4/9", "Translator grade III", "công", 0.99, 472844.863636364,
                        "=ROUND(E7*F7,0)"]
    assert an["ĐG1.1.2"][5].number_format == "#,##0.000000000"
    assert line[7].startswith("Thông tư 03/2018/TT-BTTTT, định mức mã hiệu 01.03.01.50.10 (as reproduced in English by LawNet), 01.03.01.50.10; ")
    assert "Nghị định 204/2004/NĐ-CP" in line[7] and "Nghị định 73/2024/NĐ-CP" in line[7]
    # TT 30/2020 Art. 5: sound technician III on A1 (verified, no mark); broadcaster III's "3/10"
    # conflicts with it (unverified, †); broadcaster II on A2.2 step 1 = 4.00 (verified).
    assert an["ĐG1.1.1"][1].value == "Âm thanh viên hạng III bậc 3/9"
    assert an["ĐG1.1.9"][1].value == "Phát thanh viên hạng III bậc 3/10 †"
    assert [c.value for c in an["ĐG1.2.1"]][1:7] == ["Hệ thống dựng phi tuyến", "Non-linear editing system", "giờ máy", 3.1, 120000,
                                                     "=ROUND(E19*F19,0)"]
    assert [c.value for c in an["ĐG1.3.1"]][3:6] == ["ram (giấy)", 0.06, 75000]  # a pack's unit, in its Vietnamese name
    assert [an[k][6].value for k in ("ĐG1.1", "ĐG1.2", "ĐG1.3", "ĐG1.4")] == ["=SUM(G6:G17)", "=SUM(G19:G23)", "=SUM(G25:G26)", "=SUM(G28:G29)"]
    assert an["ĐG1.4.2"][6].value == 161701 and an["ĐG1.4.2"][7].value.startswith("(direct_amount + other_direct_costs) * overhead_rate")


@pytest.mark.parametrize("which", ["quote", "plan"])
def test_recalculated_sheet_equals_normkit_to_the_dong(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Recalculate the file: every item amount, the total and every unit price is normkit's figure;
    on every row that shows a quantity, a unit price and an amount, quantity × unit price shown,
    rounded, is the amount shown (the year plan has the non-whole quantities: 6 × 0.15 of a programme)."""
    q = request.getfixturevalue(which)
    path = tmp_path / "q.xlsx"
    write_quote_xlsx(q, path)
    values = recalculated(path)
    wb = load_workbook(path)
    est, an = wb[ESTIMATE], wb[ANALYSIS]
    item_rows = [r for r in est.iter_rows(min_row=8) if r[0].value is not None and str(r[0].value).isdigit()]
    assert [r[0].value for r in item_rows] == [str(k) for k in range(1, len(q.items) + 1)]
    formulas_seen = 0
    for r, item in zip(item_rows, q.items, strict=True):
        n = r[0].row
        assert Decimal(str(values[(ESTIMATE.upper(), f"G{n}")])) == item.total
        assert Decimal(str(values[(ESTIMATE.upper(), f"F{n}")])) == item.unit_price
        formulas_seen += str(r[6].value).startswith("=ROUND(")
    assert formulas_seen == len(q.items)  # every item amount is a live formula
    total_row = next(r for r in est.iter_rows() if r[1].value == "TỔNG CỘNG")[0].row
    assert Decimal(str(values[(ESTIMATE.upper(), f"G{total_row}")])) == q.total
    for sheet, ws in ((ESTIMATE, est), (ANALYSIS, an)):
        for r in ws.iter_rows(min_row=4):
            e, f, g = (values.get((sheet.upper(), f"{c}{r[0].row}")) for c in "EFG")
            if isinstance(e, (int, float)) and isinstance(f, (int, float)) and g is not None:
                product = (shown(Decimal(str(e))) * shown(Decimal(str(f)))).quantize(Decimal(1), ROUND_HALF_UP)
                assert product == Decimal(str(g)), (sheet, r[0].row, e, f, g)


def test_item_numbering_works_for_any_number_of_items(tmp_path: Path) -> None:
    """Items are numbered 1, 2, … 12 (not I … X then 11); analyses ĐG1, ĐG1.1, ĐG1.1.1: no number is used twice."""
    rules = normkit.load(PACK)
    order = {"id": "many", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": k + 1} for k in range(12)]}
    q = rules.quote(order)
    path = tmp_path / "many.xlsx"
    write_quote_xlsx(q, path)
    wb = load_workbook(path)
    stt = [r[0].value for r in wb[ESTIMATE].iter_rows(min_row=8) if r[0].value is not None and r[0].value != "STT"]
    assert stt == [str(k) for k in range(1, 13)]
    an = [r[0].value for r in wb[ANALYSIS].iter_rows(min_row=4) if r[0].value is not None]
    assert len(an) == len(set(an)) and an[0] == "ĐG1" and not any(v.startswith("ĐG2") for v in an)  # one unit price for all 12
    assert [r[7].value for r in wb[ESTIMATE].iter_rows(min_row=8, max_row=19)] == ["ĐG1"] * 12


def test_whole_quantity_basis_sheet_analyses_the_quantity(tmp_path: Path) -> None:
    pack = tmp_path / "example-whole"
    shutil.copytree(PACK, pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8").replace("id: example-province", "id: example-whole")
    (pack / "pack.yaml").write_text(text + "money:\n  quantum: 1\n  rounding: half_up\n  round_at: line\n  amount_basis: whole_quantity\n",
                                    encoding="utf-8")
    q = normkit.load(pack, use_cache=False).quote(ORDER)
    assert q.total == Decimal(5336129)
    path = tmp_path / "w.xlsx"
    write_quote_xlsx(q, path)
    wb = load_workbook(path)
    item = [c.value for c in rows_by_stt(wb[ESTIMATE])["1"]]
    assert item[4:7] == [3, None, "='Phân tích đơn giá'!G4"]
    line = [c.value for c in rows_by_stt(wb[ANALYSIS])["ĐG1.1.2"]]
    assert line[4:7] == [2.97, 472844.863636364, "=ROUND(E7*F7,0)"]  # 2.97 công × the rate = 1,404,349 on the whole quantity


def test_audit_sheet_lists_unverified_values_and_packs(quote, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "q.xlsx"
    write_quote_xlsx(quote, path)
    ws = load_workbook(path)["Kiểm tra"]
    values = [[c.value for c in r] for r in ws.iter_rows()]
    names = {(v[0], v[1]) for v in values}
    assert {("formula", "labour_day_rate"), ("parameter", "overhead_rate"), ("table", "machine_hour_rate"),
            ("line", "labour: ky_su")} <= names
    overhead = next(v for v in values if v[:2] == ["parameter", "overhead_rate"])
    assert overhead[2:6] == [10, "percent", None, "Invented for the example; not taken from any price decision."]
    rate = next(v for v in values if v[:2] == ["formula", "labour_day_rate"])
    assert rate[2] == "425986.3636363636363636363636363636"  # exact text, never a float
    packs = [v[:3] for v in values if v[0] in {p.id for p in quote.packs}]
    assert packs == [[p.id, p.version, p.hash] for p in quote.packs]
    assert next(v for v in values if v[0] == "LÀM TRÒN / ROUNDING")[1:6] == ["half_up", "1", "line", "vn-media-pricing", "one_unit"]


def test_money_cells_never_go_through_float() -> None:
    assert money_number(Decimal("5336124")) == (5336124, "#,##0")
    assert cell_number(Decimal("425986.3636363636363636363636363636")) == (425986.363636364, "#,##0.000000000")
    assert cell_number(Decimal("0.0960")) == (0.096, "#,##0.000")
    with pytest.raises(NormkitError) as e:
        money_number(Decimal(10**15))
    assert (e.value.code, e.value.message) == ("NK804", "amount 1000000000000000 has more digits than a spreadsheet number holds exactly")


def test_write_errors(quote, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NormkitError) as e:
        write_quote_xlsx(quote, tmp_path / "q.csv")
    assert (e.value.code, e.value.message) == ("NK804", "cannot write q.csv: the workbook must end in .xlsx")
    with pytest.raises(NormkitError) as e:
        write_quote_xlsx(quote, tmp_path / "missing" / "q.xlsx")
    assert e.value.code == "NK805" and e.value.message.startswith(f"cannot write {tmp_path / 'missing' / 'q.xlsx'}: ")


def test_cli_export_quote_with_what_if(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "q.xlsx"
    assert main(["export-quote", str(ORDER), "--xlsx", str(out), "--set", "base_salary=1800000"]) == 0
    assert capsys.readouterr().out == f"wrote {out}: EX-2024-TV-001 at 2024-09-15, total 4.584.192 VND\n"
    ws = load_workbook(out)["Dự toán"]
    assert ws["A6"].value == "Giả định / What-if" and ws["B6"].value == "--set: base_salary=1800000"
    assert next(r for r in ws.iter_rows() if r[1].value == "TỔNG CỘNG")[6].value == "=SUM(G9:G9)"


def test_an_error_while_writing_rows_leaves_nothing_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NK804 raised half-way through the streamed rows (an amount beyond 10^15): the coded error
    only — no "Exception ignored" from a write-only sheet's generator, no file, no temporary file."""
    import gc
    import sys

    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    q = normkit.load(PACK).with_overrides({"base_salary": "10000000000000000 VND/month"}).quote(ORDER)
    with pytest.raises(NormkitError) as e:
        write_quote_xlsx(q, tmp_path / "big.xlsx")
    assert e.value.code == "NK804" and e.value.message.endswith("has more digits than a spreadsheet number holds exactly")
    del e
    gc.collect()
    assert unraisable == [] and list(tmp_path.iterdir()) == []
