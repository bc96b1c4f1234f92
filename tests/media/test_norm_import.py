"""import-norms / export-norms: every row imported or rejected with its reason; exact round trips."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from normkit_testpaths import province_manifest

from normkit.cli.main import main
from normkit.core.compiler import build
from normkit.core.errors import NormkitError
from normkit.core.loader import read_pack
from normkit.media.ceilings import ceiling_findings
from normkit.media.compiled import media_part
from normkit.media.importing import Reject, export_norms, import_norms, resource_id
from normkit.media.normtable import header_field

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "norm-tables" / "tv-01.03.01.50.10.csv"


MANIFEST = province_manifest("test-province")


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    d = tmp_path / "province"
    d.mkdir()
    (d / "pack.yaml").write_text(MANIFEST, encoding="utf-8")
    return d


def body(path: Path) -> list[str]:
    """The YAML without its two comment lines (which name the table it came from)."""
    return path.read_text(encoding="utf-8").splitlines()[2:]


def line_keys(code: str, pack_dir: Path) -> list[tuple]:
    norm = read_pack(pack_dir).sections["norms"][code].model
    return [(ln.component, ln.resource, ln.label.vi, str(ln.quantity), ln.grade, ln.scale, ln.step, ln.steps) for ln in norm.lines]


def test_resource_ids_fold_vietnamese_and_keep_the_grade() -> None:
    assert resource_id("Biên dịch viên hạng III") == "bien_dich_vien_III"
    assert resource_id("Đạo diễn truyền hình hạng III") == "dao_dien_truyen_hinh_III"
    assert resource_id("Kỹ sư") == "ky_su"
    assert resource_id("Hệ thống dựng phi tuyến") == "he_thong_dung_phi_tuyen"
    assert resource_id("Biên tập viên", "II") == "bien_tap_vien_II"
    assert resource_id("3D đồ họa") == "r_3d_do_hoa"


def test_headers_in_either_language() -> None:
    assert header_field("Mã hiệu") == "code"
    assert header_field("Mã hiệu / code") == "code"
    assert header_field("ĐỊNH MỨC") == "value"
    assert header_field("Trị số") == "value"
    assert header_field("Đơn vị tính") == "unit"
    assert header_field("bậc") == "step"
    assert header_field("Chức danh tiếng Anh / title_en") == "title_en"
    assert header_field("STT") == ""
    assert header_field("Người nhập") is None


def test_example_table_matches_the_national_entry_and_passes_lint(pack: Path) -> None:
    report = import_norms(EXAMPLE, pack)
    assert (report.rows_in, report.imported, report.rejected, report.lines, report.written) == (23, 23, 0, 19, True)
    assert report.norms == ["01.03.01.50.10"] and report.rejects == [] and report.warnings == []
    # same lines (component, resource, scale, step, quantity) as the shipped national pack, priced
    # with the rate card (whose `scale_by_title` table gives the titled lines their scale)
    national = media_part(build(ROOT / "examples" / "packs" / "example-province")).norms["01.03.01.50.10"]
    assert national.pack == "vn-tv-03-2018"
    compiled = build(pack)
    assert ceiling_findings(compiled) == []
    mine = media_part(compiled).norms["01.03.01.50.10"]
    assert mine.pack == "test-province" and mine.source == "vn-tv-03-2018:tt-03-2018-01.03.01.50.10"
    assert [(x.component, x.resource, x.scale, x.step, x.steps, x.quantity, x.unit) for x in mine.lines] == \
           [(x.component, x.resource, x.scale, x.step, x.steps, x.quantity, x.unit) for x in national.lines]
    assert sum(x.quantity for x in mine.lines if x.component == "labour") == Decimal("1.95")
    text = (pack / "norms.yaml").read_text(encoding="utf-8")
    assert ('        resource: ky_thuat_dung_phim_II\n        label: {vi: "Kỹ thuật dựng phim hạng II", en: "Film editing technician grade II"}\n'
            '        quantity: "0.16 workday"\n        grade: "II"\n        scale: "A1"\n        step: 2\n        steps: 9\n'
            '        verified: false\n        why: "Scale A1 inferred from the 9-step notation \'2/9\'."\n') in text
    assert '        quantity: "3.1 machine_hour"\n' in text and '        quantity: "0.06 ream"\n' in text
    assert main(["lint", str(pack)]) == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_export_import_round_trip(pack: Path, tmp_path: Path, suffix: str) -> None:
    import_norms(EXAMPLE, pack)
    table = tmp_path / f"exported{suffix}"
    exported = export_norms(pack, table)
    assert (exported.rows, exported.norms, exported.warnings) == (19, ["01.03.01.50.10"], [])
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(pack / "pack.yaml", again / "pack.yaml")
    report = import_norms(table, again)
    assert (report.rows_in, report.imported, report.rejected) == (19, 19, 0)
    assert body(again / "norms.yaml") == body(pack / "norms.yaml")
    assert read_pack(again).sections["norms"]["01.03.01.50.10"].model == read_pack(pack).sections["norms"]["01.03.01.50.10"].model


def test_export_writes_the_circular_layout(pack: Path, tmp_path: Path) -> None:
    import_norms(EXAMPLE, pack)
    out = tmp_path / "t.csv"
    export_norms(pack, out)
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:4] == ["Mã hiệu / code", "Tên / name", "Tên tiếng Anh / name_en", "Thời lượng / duration"]
    assert rows[8][4:12] == ["labour", "Kỹ sư", "Engineer", "", "3/9", "A1", "công", "0.04"]
    assert rows[13][4:12] == ["equipment", "Hệ thống dựng phi tuyến", "Non-linear editing system", "", "", "", "giờ", "3.1"]
    assert [r[10:12] for r in rows[18:20]] == [["ram", "0.06"], ["hộp", "0.02"]]


BAD = """\
code,name,component,title,grade,step,unit,value
01.03.01.50.10,Bản tin,labour,Biên dịch viên hạng III,,4/9,công,"0,99"
02.01.01.01.01,Tin ngắn,labour,Phóng viên hạng III,,3/9,giờ,0.5
02.01.01.01.01,Tin ngắn,equipment,Máy quay,,,giờ,abc
2.1.1,Tin,material,Giấy in,,,ram,1
02.01.01.01.02,Phóng sự,material,Băng từ,,,cuộn,1
02.01.01.01.02,Phóng sự,labour,Phóng viên hạng II,,1/8,công,1
02.01.01.01.03,Bình luận,labour,Biên tập viên hạng III,II,3/9,công,0.2
02.01.01.01.04,Tọa đàm,equipment,Máy tính,,,giờ,-1
01.03.01.50.10,Bản tin,labour,Biên dịch viên hạng III,,6/9,công,0.5
02.01.01.01.05,Ghi âm,khác,Điện,,,giờ,1
02.01.01.01.06,Tin tốt,material,Giấy in,,,ram,"0,5"
"""

UNITS = "VND, box, hour, household, item, machine_hour, metre, minute, month, page, percent, person, point, ream, second, square_metre, workday, year"
EXPECTED_REJECTS = [
    Reject(row=2, column="code", reason="left out: norm 01.03.01.50.10 has a rejected row (10), so none of its rows is imported", value="01.03.01.50.10"),
    Reject(row=3, column="unit", reason="a labour line is measured in công (workday), not 'giờ'", value="giờ"),
    Reject(row=4, column="value", reason="not a number (write e.g. 0,04 or 0.04)", value="abc"),
    Reject(row=5, column="code", reason="code '2.1.1' does not have the form NN.NN.NN.NN.NN (five dotted groups of 2 digits)", value="2.1.1"),
    Reject(row=6, column="unit", reason=f"unknown unit 'cuộn'; known: {UNITS} (a pack may add units under `units:`)", value="cuộn"),
    Reject(row=7, column="scale", reason="8 steps fit the scales A2.1, A2.2: give the scale (ngạch)", value="1/8"),
    Reject(row=8, column="grade", reason="grade 'II' differs from the title's hạng III", value="II"),
    Reject(row=9, column="value", reason="a norm value cannot be negative", value="-1"),
    Reject(row=10, column="value", reason="0.5 is above the national maximum 0.35 for this line (vn-tv-03-2018 01.03.01.50.10)", value="0.5"),
    Reject(row=11, column="component", reason="unknown component: write labour/nhân công, equipment/máy (thiết bị) or material/vật liệu", value="khác"),
]


def test_every_rejected_row_is_reported_and_nothing_is_written(pack: Path, tmp_path: Path) -> None:
    table = tmp_path / "bad.csv"
    table.write_text(BAD, encoding="utf-8")
    report = import_norms(table, pack)
    assert report.rejects == EXPECTED_REJECTS
    assert (report.rows_in, report.imported, report.rejected, report.written) == (11, 1, 10, False)
    assert report.rows_in == report.imported + report.rejected
    assert report.norms == ["02.01.01.01.06"]
    assert report.warnings == ["norm 02.01.01.01.06 names no source: it counts as unverified (pass --source ID)"]
    assert sorted(p.name for p in pack.iterdir()) == ["pack.yaml"]


def test_keep_going_writes_complete_norms_and_a_rejects_csv(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "bad.csv"
    table.write_text(BAD, encoding="utf-8")
    assert main(["import-norms", str(table), "--into", str(pack), "--keep-going", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["written"], out["imported"], out["rejected"], out["norms"]) == (True, 1, 10, ["02.01.01.01.06"])
    assert out["rejects_file"] == str(tmp_path / "bad.rejects.csv")
    rows = list(csv.reader((tmp_path / "bad.rejects.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["row", "column", "reason", "code", "name", "component", "title", "grade", "step", "unit", "value"]
    assert rows[2] == ["3", "unit", "a labour line is measured in công (workday), not 'giờ'",
                       "02.01.01.01.01", "Tin ngắn", "labour", "Phóng viên hạng III", "", "3/9", "giờ", "0.5"]
    assert len(rows) == 11
    assert body(pack / "norms.yaml") == [
        "norms:", '  "02.01.01.01.06":', '    name: {vi: "Tin tốt", en: ""}', "    lines:", "      - component: material",
        "        resource: giay_in", '        label: {vi: "Giấy in", en: ""}', '        quantity: "0.5 ream"']
    assert main(["lint", str(pack)]) == 0


def test_english_headers_semicolons_and_source_option(pack: Path, tmp_path: Path) -> None:
    table = tmp_path / "en.csv"
    table.write_text("# illustrative\nSTT;Code;Name;Name EN;Component;Title;Step;Unit;Value\n"
                     "1;02.02.02.02.02;Tin;News;nhân công;Phóng viên hạng III;bậc 2/9;ngày công;0,25\n"
                     "\n"
                     "2;;;;máy;Máy quay;;giờ máy;1.5\n", encoding="utf-8")
    report = import_norms(table, pack, source="tt-03-2018")
    assert (report.rows_in, report.imported, report.blank_rows, report.comment_rows) == (2, 2, 1, 0)
    norm = media_part(build(pack)).norms["02.02.02.02.02"]
    assert norm.source == "vn-tv-03-2018:tt-03-2018" and norm.name.en == "News"
    assert [(x.resource, x.quantity, x.unit, x.scale, x.step, x.verified) for x in norm.lines] == [
        ("phong_vien_III", Decimal("0.25"), "workday", "A1", 2, False), ("may_quay", Decimal("1.5"), "machine_hour", None, None, True)]


def test_unknown_source_and_code_pattern(pack: Path, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("code,name,component,title,unit,value\nTNB.01,Bài báo,material,Giấy in,ram,1\n", encoding="utf-8")
    report = import_norms(table, pack, source="nope", code_pattern=r"[A-Z]{3}\.\d{2}")
    assert report.rejects == [Reject(row=2, column="--source", value="nope", reason=(
        "unknown source 'nope': declare it under `sources:` in the pack (known: common-practice, nd-204-2004, nd-24-2023, "
        "nd-38-2019, nd-73-2024, tt-03-2018, tt-03-2018-01.03.01.50.10, tt-03-2018-scope)"))]
    ok = import_norms(table, pack, code_pattern=r"[A-Z]{3}\.\d{2}")
    assert ok.written and ok.norms == ["TNB.01"]


def test_xlsx_date_steps_and_floats(pack: Path, tmp_path: Path) -> None:
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Norms"
    ws.append(["Mã hiệu", "Tên", "Thành phần", "Chức danh", "Bậc", "Đơn vị", "Định mức"])
    ws.append(["02.03.03.03.03", "Tin", "Nhân công", "Phóng viên hạng III", dt.datetime(2024, 3, 9), "công", 0.04])
    ws.append(["02.03.03.03.04", "Tin", "Vật liệu", "Giấy in", None, "ram", 0.06])
    wb.save(tmp_path / "t.xlsx")
    report = import_norms(tmp_path / "t.xlsx", pack, sheet="Norms")
    assert report.rejects[0] == Reject(row=2, column="Bậc", value="2024-03-09 00:00:00",
                                       reason="the step was read as a date (a spreadsheet turns 3/9 into 9 March): format the column as text")
    assert (report.imported, report.rejected, report.sheet) == (1, 1, "Norms")
    with pytest.raises(NormkitError) as e:
        import_norms(tmp_path / "t.xlsx", pack, sheet="Nope")
    assert (e.value.code, e.value.message) == ("NK801", "t.xlsx has no sheet 'Nope'; its sheets are: Norms")


def test_table_level_errors(pack: Path, tmp_path: Path) -> None:
    t = tmp_path / "t.csv"
    t.write_text("mã hiệu,tên,chức danh\n", encoding="utf-8")
    with pytest.raises(NormkitError) as e:
        import_norms(t, pack)
    assert e.value.code == "NK801"
    assert e.value.message == "the header row has no column for component, unit, value (headers found: mã hiệu, tên, chức danh)"
    assert str(e.value.location) == f"{t}:1"
    with pytest.raises(NormkitError) as e:
        import_norms(tmp_path / "t.txt", pack)
    assert (e.value.code, e.value.message) == ("NK801", "cannot read t.txt: a norm table must be a .csv or .xlsx file")
    (pack / "other.yaml").write_text("units:\n  cuon: {dimension: cuon, aliases: [cuộn]}\nnorms: {}\n", encoding="utf-8")
    t.write_text("code,name,component,title,unit,value\n02.01.01.01.01,X,material,Băng,cuộn,1\n", encoding="utf-8")
    with pytest.raises(NormkitError) as e:
        import_norms(t, pack, file="other.yaml")
    assert e.value.code == "NK805"
    assert e.value.message == "other.yaml holds more than a `norms:` section; import-norms will not overwrite it"


def test_cli_reports_and_exit_codes(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-norms", str(EXAMPLE), "--into", str(pack)]) == 0
    assert "23 row(s) in: 23 imported, 0 rejected (1 norm(s), 19 line(s)); written" in capsys.readouterr().out
    assert main(["import-norms", str(tmp_path / "missing.csv"), "--into", str(pack)]) == 1
    assert "error NK801" in capsys.readouterr().err
    out = tmp_path / "n.xlsx"
    assert main(["export-norms", str(pack), "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote 19 row(s) of 1 norm(s) to {out}\n"
