"""write_quote_xlsx: a unit-price sheet with exact money as integer cells, and an audit sheet."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from normkit.api import quote as price_order
from normkit.cli.main import main
from normkit.core.errors import NormkitError
from normkit.media.xlsx import _Sheet, write_quote_xlsx

ROOT = Path(__file__).resolve().parents[2]
ORDER = ROOT / "examples" / "orders" / "tv-bulletins.yaml"


@pytest.fixture(scope="module")
def quote():  # type: ignore[no-untyped-def]
    return price_order(ORDER)


def rows_by_stt(ws):  # type: ignore[no-untyped-def]
    return {r[0].value: r for r in ws.iter_rows() if r[0].value is not None}


def test_unit_price_sheet(quote, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "q.xlsx"
    write_quote_xlsx(quote, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.xlsx"]  # no temp file left behind
    wb = load_workbook(path)
    assert wb.sheetnames == ["Dự toán", "Kiểm tra"]
    ws = wb["Dự toán"]
    assert ws["A1"].value == "BẢNG DỰ TOÁN KINH PHÍ SẢN XUẤT / UNIT-PRICE ESTIMATE"
    assert (ws["B2"].value, ws["B3"].value.date().isoformat()) == ("EX-2024-TV-001", "2024-09-15")
    rows = rows_by_stt(ws)
    assert [c.value for c in rows["STT"]] == ["STT", "Hạng mục", "Cost element (English)", "Đơn vị", "Số lượng", "Đơn giá (đ)",
                                              "Thành tiền (đ)", "Căn cứ / Legal basis"]
    item = rows["I"]
    assert (item[1].value, item[4].value, item[6].value) == ("Bản tin quốc tế biên dịch, thời lượng 10 phút (mã 01.03.01.50.10)", 3, 5336129)
    line = [c.value for c in rows["1.2"]]
    assert line[:7] == ["1.2", "Biên dịch viên hạng III bậc 4/9", "Translator grade III", "công", 2.97, 472845, 1404349]
    assert line[7].startswith("Thông tư 03/2018/TT-BTTTT, định mức mã hiệu 01.03.01.50.10 (as reproduced in English by LawNet), 01.03.01.50.10; ")
    assert "Nghị định 204/2004/NĐ-CP" in line[7] and "Nghị định 73/2024/NĐ-CP" in line[7]
    # TT 30/2020 Art. 5: sound technician III on A1 (verified, no mark); broadcaster III's "3/10"
    # conflicts with it (unverified, †); broadcaster II on A2.2 step 1 = 4.00 (verified).
    assert rows["1.1"][1].value == "Âm thanh viên hạng III bậc 3/9"
    assert rows["1.9"][1].value == "Phát thanh viên hạng III bậc 3/10 †"
    assert [c.value for c in rows["1.10"]][1:7] == ["Phát thanh viên hạng II bậc 1/8", "Broadcaster grade II", "công", 0.36, 567982, 204473]
    assert [c.value for c in rows["2.1"]][:7] == ["2.1", "Hệ thống dựng phi tuyến", "Non-linear editing system", "giờ máy", 9.3, 120000, 1116000]
    assert [rows[k][6].value for k in ("1", "2", "3", "4")] == [2821135, 1728390, 70500, 716104]
    assert rows["4.2"][6].value == 485103 and rows["4.2"][7].value.startswith("(direct_amount + other_direct_costs) * overhead_rate")
    total = next(r for r in ws.iter_rows() if r[1].value == "TỔNG CỘNG")
    assert (total[6].value, total[6].data_type, total[6].number_format) == (5336129, "n", "#,##0")
    for r in ws.iter_rows(min_row=8):  # below the header row
        for c in r[5:7]:
            assert c.value is None or (isinstance(c.value, int) and c.number_format == "#,##0")
    assert sum(rows[k][6].value for k in ("1", "2", "3", "4")) == 5336129


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


def test_money_cells_never_go_through_float() -> None:
    s = _Sheet(None)
    assert s.money(Decimal("5336129")) == 5336129 and not s.rounded_for_display
    assert s.money(Decimal("425986.36"), rate=True) == 425986 and not s.rounded_for_display
    assert s.money(Decimal("51118.5")) == 51119 and s.rounded_for_display
    with pytest.raises(NormkitError) as e:
        s.money(Decimal(10**15))
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
    assert capsys.readouterr().out == f"wrote {out}: EX-2024-TV-001 at 2024-09-15, total 4.584.193 VND\n"
    ws = load_workbook(out)["Dự toán"]
    assert ws["A6"].value == "Giả định / What-if" and ws["B6"].value == "--set: base_salary=1800000"
    assert next(r for r in ws.iter_rows() if r[1].value == "TỔNG CỘNG")[6].value == 4584193
