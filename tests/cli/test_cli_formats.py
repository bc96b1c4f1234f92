"""`--format table|json|csv|xlsx` (issue 11): CSV bytes for Excel, XLSX with numeric cells, the
summaries of large results, and nothing a user must type cut with "…" at 80 columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, ROOT

from normkit.cli.formats import BOM, Rows, csv_text

ORDER = str(EXAMPLES / "orders" / "tv-bulletins.yaml")
HOUSEHOLDS = str(EXAMPLES / "households" / "households.csv")

RATES_CSV = ("kind,district,households,poor,near_poor,middle,none,poverty_rate,near_poverty_rate,multidimensional_rate\r\n"
             "group,Huyện 1,7,2,1,3,1,28.57,14.29,42.86\r\n"
             "group,Huyện 2,7,1,1,4,1,14.29,14.29,28.57\r\n"
             "total,,14,3,2,7,2,21.43,14.29,35.71\r\n")


def run(*args: str, columns: int | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("NORMKIT_LANG", "COLUMNS")}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run([sys.executable, "-m", "normkit", *args], capture_output=True, cwd=ROOT, timeout=300, env=env)


@pytest.fixture(scope="module")
def classified(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("classified") / "classified.csv"
    assert run("classify", HOUSEHOLDS, "--out", str(out), "--year", "2024").returncode == 0
    return str(out)


def test_csv_for_excel_has_a_bom_crlf_and_canonical_numbers():
    rows = Rows(["a", "b", "c"], [["001", Decimal("5336129"), Decimal("75.00")], [None, 7, Decimal("1E+3")]])
    assert csv_text(rows) == BOM + "a,b,c\r\n001,5336129,75.00\r\n,7,1000\r\n"
    assert csv_text(rows, bom=False) == "a,b,c\r\n001,5336129,75.00\r\n,7,1000\r\n"


def test_rates_as_csv_bytes(classified: str, tmp_path: Path):
    r = run("rates", classified, "--by", "district", "--format", "csv")
    assert r.returncode == 0 and r.stdout == (BOM + RATES_CSV).encode("utf-8")
    assert r.stdout.startswith(b"\xef\xbb\xbfkind,")
    r = run("rates", classified, "--by", "district", "--format", "csv", "--no-bom", "--lang", "en")
    assert r.stdout == RATES_CSV.encode("utf-8")  # canonical numbers in either language
    out = tmp_path / "rates.csv"
    assert run("rates", classified, "--by", "district", "--format", "csv", "--out", str(out)).stdout == b""
    assert out.read_bytes() == (BOM + RATES_CSV).encode("utf-8")


def test_rates_as_xlsx_keeps_numbers_numeric(classified: str, tmp_path: Path):
    from openpyxl import load_workbook

    out = tmp_path / "rates.xlsx"
    r = run("rates", classified, "--by", "district", "--format", "xlsx", "--out", str(out))
    assert r.returncode == 0, r.stderr
    ws = load_workbook(out).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][:4] == ["kind", "district", "households", "poor"]
    assert values[1] == ["group", "Huyện 1", 7, 2, 1, 3, 1, 28.57, 14.29, 42.86]
    assert values[3] == ["total", None, 14, 3, 2, 7, 2, 21.43, 14.29, 35.71]


def test_rates_json_via_format_and_out(classified: str, tmp_path: Path):
    a = run("rates", classified, "--format", "json")
    b = run("rates", classified, "--json")
    assert a.stdout == b.stdout and json.loads(a.stdout)["total"]["poverty_rate"] == "21.43"
    out = tmp_path / "r.json"
    assert run("rates", classified, "--json", "--out", str(out)).returncode == 0
    assert out.read_bytes() == b.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xlsx"], "--format xlsx writes a workbook: give --out FILE.xlsx"),
    (["--format", "csv", "--out", "r.xlsx"], "--out r.xlsx does not end in .csv, the --format"),
    (["--out", "r.csv"], "--out r.csv needs --format csv, json or xlsx (a table is printed, not written)"),
])
def test_format_and_out_must_agree(classified: str, args: list[str], message: str):
    r = run("rates", classified, *args, "--lang", "en")
    assert r.returncode == 1
    assert f"error NK812: {message}" in r.stderr.decode()


def test_compare_standards_as_csv():
    r = run("compare-standards", HOUSEHOLDS, "--from", "2024", "--to", "2027", "--format", "csv", "--no-bom")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines()[0] == "from vn-poverty-2022-2026 \\ to vn-poverty-2027-2030,poor,near_poor,middle,none,total"
    assert len(r.stdout.decode().splitlines()) == 5


def test_whatif_and_sweep_as_csv():
    r = run("whatif", ORDER, "--set", "base_salary=1800000", "--format", "csv", "--no-bom")
    lines = r.stdout.decode().split("\r\n")
    assert lines[0] == "kind,item,norm,component,label_vi,label_en,status,baseline,variant,delta,causes"
    assert lines[2] == "line,tv-bulletin,01.03.01.50.10,labour,Âm thanh viên hạng III,Sound technician grade III,changed,51117,39321,-11796,base_salary"
    assert lines[-2] == "total,,,,Tổng cộng,Total,,5336124,4584192,-751932,"
    r = run("whatif", ORDER, "--sweep", "overhead_rate=5,10", "--format", "csv", "--totals-only", "--no-bom")
    assert r.stdout.decode() == (
        "kind,item,norm,component,label_vi,label_en,baseline,overhead_rate=5,overhead_rate=10\r\n"
        'item,tv-bulletin,01.03.01.50.10,,"Bản tin quốc tế biên dịch, thời lượng 10 phút",'
        '"Translated international television bulletin, broadcast duration 10 minutes",5336124,5093571,5336124\r\n'
        "total,,,,Tổng cộng,Total,5336124,5093571,5336124\r\n")


def test_sweep_totals_only_table():
    r = run("whatif", ORDER, "--sweep", "overhead_rate=5,10", "--totals-only", "--lang", "en")
    text = r.stdout.decode()
    assert "│ TỔNG CỘNG / TOTAL" in text and "5,093,571" in text
    assert "Nhân công" not in text and "Cộng nhân công" not in text  # no lines, no subtotals
    full = run("whatif", ORDER, "--sweep", "overhead_rate=5,10", "--lang", "en").stdout.decode()
    assert "Cộng chi phí khác" in full


def test_check_as_csv_has_every_line_the_budget_findings_and_the_total():
    r = run("check", str(EXAMPLES / "budgets" / "planted-errors.yaml"), "--format", "csv", "--no-bom")
    assert r.returncode == 1  # the budget fails: the exit code is the same in every format
    lines = r.stdout.decode().split("\r\n")
    assert lines[0] == "kind,line,ref,product,quantity,unit_price,amount,ceiling_unit,allowed,excess,status,codes,messages_vi,messages"
    assert lines[-2] == "total,,,,,,31200000,,8719344,663876,failed,,,"
    assert ("finding,,,,,,,,,,error,BK401,tổng cộng ghi 99.999.999 khác tổng các dòng 31.200.000 (chênh lệch 68.799.999),"
            "the declared total 99.999.999 is not the sum of the lines 31.200.000 (difference 68.799.999)") in lines


def _budget(tmp_path: Path, n: int) -> Path:
    src = (EXAMPLES / "budgets" / "clean-2024.csv").read_text(encoding="utf-8").splitlines()
    head = src[:7]
    head[5] = f"Bộ quy tắc / pack,{EXAMPLES / 'packs' / 'example-province'}"
    rows = src[7:12]
    body = [",".join([str(i + 1), *rows[i % 5].split(",")[1:]]) for i in range(n)]
    path = tmp_path / f"budget-{n}.csv"
    path.write_text("\n".join(head + body) + "\n", encoding="utf-8")
    return path


def test_a_large_check_prints_findings_by_code_and_a_summary(tmp_path: Path):
    path = _budget(tmp_path, 400)
    t0 = time.perf_counter()
    r = run("check", str(path), "--lang", "en", columns=200)
    elapsed = time.perf_counter() - t0
    text = " ".join(r.stdout.decode().split())  # the summary lines as one line (they wrap at the width)
    assert r.returncode == 0, r.stderr
    assert "400 dòng / lines; phát hiện theo mã / findings by code" in text
    assert "│ BK301 │ cảnh báo / warning │ 395 │ 6, 7, 8, 9, 10, … │" in text
    assert ("Đạt / passed: 0 lỗi / errors, 395 cảnh báo / warnings, 1 thông tin / info; đề nghị / claimed 4,093,044,320 đ, "
            "được duyệt / allowed 4,110,675,520 đ, vượt trần / above the ceilings 0 đ; 400/400 dòng tính được / lines priced") in text
    assert "│ 400 │" not in text  # no line-by-line table
    full = " ".join(run("check", str(path), "--all-lines", columns=200).stdout.decode().split())
    assert "│ 400 │ 13.20.20.00.00-edited │" in full
    assert elapsed < 120


def test_a_large_order_prints_the_largest_items_and_the_totals(tmp_path: Path):
    lines = ["normkit_order: 1", "id: BIG", "date: 2024-09-15", f"packs: [{EXAMPLES / 'packs' / 'example-province'}]", "items:"]
    for i in range(1, 61):
        lines += [f"  - id: it{i:03d}", '    norm: "01.03.01.50.10"', f"    quantity: {i % 7 + 1}"]
    order = tmp_path / "big.yaml"
    order.write_text("\n".join(lines) + "\n", encoding="utf-8")
    total = json.loads(run("price", str(order), "--json").stdout)["total"]
    text = " ".join(run("price", str(order), columns=160).stdout.decode().split())
    assert "60 hạng mục / items; 20 lớn nhất / largest shown" in text
    assert "… 40 hạng mục khác / more items" in text
    assert f"│ TỔNG CỘNG / TOTAL │ │ {int(total):,} │".replace(",", ".") in text
    assert "Âm thanh viên" not in text  # no cost-element lines
    assert "Âm thanh viên" in run("price", str(order), "--all-items").stdout.decode()


# ---- nothing a user must type is cut ------------------------------------------------------------------

def test_at_80_columns_ids_totals_and_targets_wrap_instead_of_being_cut(classified: str):
    dep = run("deprivations", str(EXAMPLES / "households" / "indicators.csv"), "--year", "2024", columns=80).stdout.decode()
    assert "…" not in dep and "│ indicator │ phuong_tien_phu" in dep and "│           │ c_vu_tiep_can_t" in dep
    assert all(len(line) <= 80 for line in dep.splitlines())
    rates = run("rates", classified, "--by", "district", columns=80).stdout.decode()
    assert "…" not in rates and "│ tổng /   │" in rates and "│ total    │" in rates
    targets = run("targets", str(EXAMPLES / "households" / "review-2021-2022.yaml"), "--lang", "en", columns=80).stdout.decode()
    first_cells = "".join(line.split("│")[1].strip() for line in targets.splitlines() if line.startswith("│"))
    assert "…" not in targets and "Ethnic-minority" in first_cells


def test_wide_enough_ids_are_whole():
    dep = run("deprivations", str(EXAMPLES / "households" / "indicators.csv"), "--year", "2024", columns=160).stdout.decode()
    assert "phuong_tien_phuc_vu_tiep_can_thong_tin" in dep and "dien_tich_nha_o_binh_quan_dau_nguoi" in dep
