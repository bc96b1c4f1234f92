"""The workspace's pages through the ASGI app (no browser): the same figures as the CLI and the
API, every upload bounded and coded, nothing kept after the response, the token shell."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")
pytest.importorskip("multipart")

from fastapi.testclient import TestClient
from normkit_testpaths import EXAMPLES

import normkit
from normkit.budget import check
from normkit.media.listing import names as listing
from normkit.server.app import create_app
from normkit.server.limits import Limits

ORDER = EXAMPLES / "orders" / "tv-bulletins.yaml"
PLANTED = EXAMPLES / "budgets" / "planted-errors.yaml"
HOUSEHOLDS = EXAMPLES / "households" / "households.csv"
INDICATORS = EXAMPLES / "households" / "indicators.csv"
ITEM = {"pack": "example-province", "date": "2024-09-15", "order_id": "EX", "norm0": "01.03.01.50.10", "qty0": "3"}


@pytest.fixture(scope="module", autouse=True)
def search_path():
    folder = Path(tempfile.mkdtemp(prefix="normkit-web-path-"))
    for name in ("example-province", "example-quang-nam"):
        (folder / name).symlink_to(EXAMPLES / "packs" / name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NORMKIT_PATH", str(folder))
        yield folder


@pytest.fixture(scope="module")
def client(search_path):
    return TestClient(create_app())


def one(pattern: str, html: str) -> str:
    found = re.findall(pattern, html, re.S)
    assert len(found) == 1, (pattern, found)
    return found[0]


def download(html: str, name_suffix: str) -> bytes:
    href = one(r'download="[^"]*' + re.escape(name_suffix) + r'" href="data:[^;]+;base64,([^"]+)"', html)
    return base64.b64decode(href)


def upload(path: Path, name: str | None = None) -> dict:
    return {"file": (name or path.name, path.read_bytes())}


@pytest.mark.parametrize(("path", "title"), [("/", "Không gian làm việc normkit"), ("/price", "Đặt hàng"), ("/whatif", "Giả định"),
                                             ("/check", "Dự toán, quyết toán"), ("/households", "Hộ nghèo"), ("/packs", "Gói quy tắc")])
def test_every_page_is_vietnamese_by_default_and_english_on_request(client, path, title) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in r.text and f"<h1>{title}</h1>" in r.text
    en = client.get(path + "?lang=en")
    assert '<html lang="en">' in en.text and ">Tiếng Việt</a>" in en.text
    back = one(r'<a class="lang" href="([^"]+)"', en.text)
    assert back == path.split("?")[0] + "?lang=vi"


def test_every_form_control_has_a_label(client) -> None:
    for path in ("/price", "/whatif", "/check", "/households", "/packs?pack=example-province"):
        html = client.get(path).text
        ids = re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html)
        assert ids, path
        for i in ids:
            assert f'for="{i}"' in html, (path, i)


def test_price_form_gives_the_cli_total_to_the_dong(client) -> None:
    expected = normkit.load(EXAMPLES / "packs" / "example-province").quote(ORDER).total
    assert expected == Decimal("5336124")
    r = client.post("/price", data=ITEM)
    assert r.status_code == 200
    assert one(r'id="quote-total" data-exact="(\d+)">([^<]+)<', r.text) == ("5336124", "5.336.124 đ")
    # lines by component with their subtotals, and the unverified values named
    assert "<strong>2.821.131</strong>" in r.text and "<strong>1.728.390</strong>" in r.text
    assert "Giá trị chưa kiểm chứng với văn bản gốc (11)" in r.text
    assert r.text.count('<details class="trace">') > 21  # every line's trace unfolds


def test_price_upload_ignores_the_files_pack_path_and_downloads_match(client, tmp_path) -> None:
    r = client.post("/price", data={"pack": "example-province"}, files=upload(ORDER))
    assert one(r'id="quote-total" data-exact="(\d+)"', r.text) == "5336124"
    quote = json.loads(download(r.text, "EX-2024-TV-001.json"))
    assert quote["total"] == "5336124" and quote["schema"] == "normkit.quote/2" and quote["trace"]
    from openpyxl import load_workbook
    from xlsxcalc import recalculated

    data = download(r.text, "EX-2024-TV-001.xlsx")
    assert load_workbook(io.BytesIO(data)).sheetnames[0] == "Dự toán"
    (tmp_path / "q.xlsx").write_bytes(data)
    assert 5336124 in {round(v) for v in recalculated(tmp_path / "q.xlsx").values() if isinstance(v, (int, float))}  # the live total


def test_price_form_errors_are_coded_and_shown(client) -> None:
    r = client.post("/price", data={"pack": "example-province", "date": "15/09/2024", "norm0": "01.03.01.50.10"})
    assert r.status_code == 422
    assert "<code>NK917</code>" in r.text and "&#39;15/09/2024&#39; is not a date (YYYY-MM-DD)" in r.text
    r = client.post("/price", data={"pack": "example-province", "date": "2024-09-15"})
    assert "<code>NK917</code>" in r.text and "add at least one item" in r.text
    r = client.post("/price", data={"pack": "../packs/example-province", "norm0": "01.03.01.50.10"})
    assert "<code>NK904</code>" in r.text and "the page never takes a path" in r.text
    r = client.post("/price", data={"pack": "example-province"}, files={"file": ("order.txt", b"id: x")})
    assert "<code>NK915</code>" in r.text and "a .txt file is not accepted here" in r.text
    r = client.post("/price", data={"pack": "example-province"}, files={"file": ("/etc/order.yaml", b"")})
    assert "<code>NK915</code>" in r.text and "order.yaml is empty" in r.text


def test_check_shows_each_planted_code_on_its_line(client) -> None:
    r = client.post("/check", data={"pack": "example-province"}, files=upload(PLANTED))
    assert r.status_code == 200
    found = re.findall(r'data-severity="(\w+)" data-line="(\d*)" data-code="(\w+)"', r.text)
    cli = check(PLANTED)
    assert [(f.severity, str(f.line or ""), f.code) for f in cli.findings] == found
    assert ("error", "1", "BK101") in found and ("warning", "7", "BK301") in found and ("info", "", "BK402") in found
    assert one(r'id="total-excess" data-exact="(\d+)">([^<]+)<', r.text) == ("663876", "663.876 đ")
    assert "✖ lỗi" in r.text and "▲ cảnh báo" in r.text  # severity by icon and word, not colour alone
    report = json.loads(download(r.text, "EX-QT-2024-ERR-report.json"))
    assert report["totals"]["excess"] == "663876" and len(report["findings"]) == 11
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(download(r.text, "EX-QT-2024-ERR-report.xlsx")))
    rows = list(wb["Kiểm tra"].iter_rows(values_only=True))
    assert ("Tổng vượt trần / Excess", 663876) in [r[:2] for r in rows]
    assert len(list(wb["Phát hiện"].iter_rows())) == 12


def test_check_refuses_a_pack_path_named_in_the_file(client) -> None:
    r = client.post("/check", data={"pack": ""}, files=upload(PLANTED))
    assert r.status_code == 422 and "<code>NK904</code>" in r.text
    assert "the budget names its pack as &#39;../packs/example-province&#39;" in r.text


def test_a_bad_budget_file_shows_every_bad_cell_with_row_and_column(client) -> None:
    bad = b"id,EX\ndate,2024-09-15\nstt,ma dinh muc,so luong,don gia,thanh tien\n1,EX-ON-BV,abc,600000,1200000\n2,EX-ON-BV,2,xx,1200000\n"
    r = client.post("/check", data={"pack": "example-province"}, files={"file": ("C:\\Users\\me\\bad.csv", bad)})
    assert r.status_code == 422
    rows = re.findall(r'<tr class="error-row"><td><code>(NK\d+)</code></td>\s*<td>(\d+)</td>\s*<td>(\d+) <code>(\w+)</code></td>\s*'
                      r'<td><span class="file">([^<]+)</span>: ([^<]+)</td>', r.text)
    assert rows == [("NK902", "4", "3", "quantity", "bad.csv", "so luong: cannot read &#39;abc&#39; as a number"),
                    ("NK902", "5", "4", "unit_price", "bad.csv", "don gia: cannot read &#39;xx&#39; as a number")]
    assert "normkit-web-" not in r.text  # the temporary file is never named


def test_households_give_the_cli_rates(client) -> None:
    r = client.post("/households", data={"year": "2024"}, files=upload(HOUSEHOLDS))
    assert r.status_code == 200
    assert one(r'id="hh-summary">([^<]+)<', r.text) == "18 dòng đọc vào = 14 đã phân loại + 4 bị loại"
    district = one(r'id="rates-district">(.*?)</div>', r.text)
    cells = re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">([\d.]+)</td>', district)
    assert cells == [("Huyện 1", "7", "2", "28.57"), ("Huyện 2", "7", "1", "14.29"), ("Tổng cộng", "14", "3", "21.43")]
    assert "<svg" in district and "28.57" in district
    rejects = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", one(r'<table class="data" id="rejects">(.*?)</table>', r.text))
    assert rejects[0] == ("15", "area is missing") and len(rejects) == 4
    classified = list(csv.DictReader(io.StringIO(download(r.text, "classified.csv").decode("utf-8"))))
    assert len(classified) == 14 and [h["status"] for h in classified].count("poor") == 3
    assert len(list(csv.DictReader(io.StringIO(download(r.text, "rejects.csv").decode("utf-8"))))) == 4
    assert "không tính được tỷ lệ thiếu hụt theo chỉ số" in r.text  # a deprivation_count names no indicator


def test_households_deprivations_put_the_information_dimension_first(client) -> None:
    r = client.post("/households", data={"standard": "vn-poverty-2022-2026", "year": "2024"}, files=upload(INDICATORS))
    ids = re.findall(r'data-id="(\w+)"><td>[^<]+</td><td>[^<]+</td><td class="num">(\d+)</td><td class="num">(\d+)</td>'
                     r'<td class="num">([\d.]+)</td>', r.text)
    assert ids[:3] == [("thong_tin", "1", "4", "25.00"), ("su_dung_dich_vu_vien_thong", "1", "4", "25.00"),
                       ("phuong_tien_phuc_vu_tiep_can_thong_tin", "1", "4", "25.00")]
    assert ("viec_lam", "3", "4", "75.00") in ids


def test_households_upload_limits(client, monkeypatch) -> None:
    r = client.post("/households", data={"year": "2024"}, files={"file": ("h.parquet.exe", b"x")})
    assert "<code>NK915</code>" in r.text
    r = client.post("/households", data={"year": "24"}, files=upload(HOUSEHOLDS))
    assert "<code>NK917</code>" in r.text and "is not a year" in r.text
    import normkit.server.web.households as hh

    monkeypatch.setattr(hh, "MAX_HOUSEHOLD_ROWS", 10)
    r = client.post("/households", data={"year": "2024"}, files=upload(HOUSEHOLDS))
    assert r.status_code == 422 and "<code>NK916</code>" in r.text and "the file has 18 households; the page takes at most 10" in r.text


def test_households_xlsx_upload_gives_the_csv_counts(client, tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in csv.reader(HOUSEHOLDS.open(encoding="utf-8")):
        ws.append([int(c) if c.isdigit() else c for c in row])
    wb.save(tmp_path / "hh.xlsx")
    r = client.post("/households", data={"year": "2024"}, files=upload(tmp_path / "hh.xlsx"))
    assert one(r'id="hh-summary">([^<]+)<', r.text) == "18 dòng đọc vào = 14 đã phân loại + 4 bị loại"


def test_whatif_gives_the_cli_difference_and_causes(client) -> None:
    from normkit.media.whatif import compare

    rules = normkit.load(EXAMPLES / "packs" / "example-province")
    expected = compare(rules.quote(ORDER), rules.with_overrides({"base_salary": "1800000"}).quote(ORDER)).delta
    assert expected == Decimal("-751932")
    r = client.post("/whatif", data={**ITEM, "set_base_salary": "1800000", "sweep_param": "base_salary",
                                     "sweep_values": "1490000,1800000,2340000"})
    assert r.status_code == 200
    assert one(r'id="whatif-delta" data-exact="(-?\d+)">([^<]+)<', r.text) == ("-751932", "-751.932")
    assert "qua <code>base_salary</code>" in r.text  # overhead changes through the labour lines
    assert r.text.count('class="point"') == 3 and 'class="reference"' in r.text
    assert re.findall(r'<th scope="row">base_salary=(\d+)</th><td class="num">([\d.]+)</td>', r.text) == [
        ("1490000", "4.152.525"), ("1800000", "4.584.192"), ("2340000", "5.336.124")]


def test_whatif_with_nothing_changed_says_so(client) -> None:
    r = client.post("/whatif", data=ITEM)
    assert r.status_code == 422 and "<code>NK806</code>" in r.text


def test_packs_page_lists_names_and_shows_dated_values_with_sources(client) -> None:
    r = client.get("/packs?pack=example-province")
    switch = one(r'<a class="lang" href="([^"]+)"', r.text)
    assert switch == "/packs?pack=example-province&amp;lang=en"
    assert '<a href="/packs?pack=example-province&amp;name=base_salary"><code>base_salary</code></a>' in r.text
    d = client.get("/packs?pack=example-province&name=base_salary").text
    assert re.findall(r'<tr><td class="date">(\d{4}-\d\d-\d\d)</td><td class="date">[^<]+</td><td class="num">([\d.]+)</td>', d) == [
        ("2019-07-01", "1.490.000"), ("2023-07-01", "1.800.000"), ("2024-07-01", "2.340.000")]
    assert '<span class="tk">Tham số</span>' in d
    assert "NĐ 73/2024/NĐ-CP" in d or "73/2024" in d
    r = client.get("/packs?pack=example-province&name=nothing")
    assert r.status_code == 404 and "<code>NK205</code>" in r.text


def test_listing_has_the_shared_entry_shape() -> None:
    entries = listing(normkit.load(EXAMPLES / "packs" / "example-province").compiled)
    assert {tuple(sorted(e)) for e in entries} == {("from", "kind", "label_en", "label_vi", "name", "to", "unit", "verified")}
    salary = next(e for e in entries if e["name"] == "base_salary")
    assert salary == {"kind": "parameter", "name": "base_salary", "label_vi": "Mức lương cơ sở", "label_en": "Base salary",
                      "unit": "VND/month", "from": "2019-07-01", "to": None, "verified": True}
    assert {e["kind"] for e in entries} == {"norm", "parameter", "table", "formula", "input"}


def test_nothing_uploaded_is_kept(client) -> None:
    before = set(Path(tempfile.gettempdir()).glob("normkit-web-*"))
    client.post("/check", data={"pack": "example-province"}, files=upload(PLANTED))
    client.post("/households", data={"year": "2024"}, files=upload(HOUSEHOLDS))
    client.post("/price", data={"pack": "example-province"}, files={"file": ("o.yaml", b"not: [valid")})
    assert set(Path(tempfile.gettempdir()).glob("normkit-web-*")) == before


def test_a_token_server_serves_only_the_token_shell_without_it(search_path) -> None:
    token = "t" * 24
    c = TestClient(create_app(limits=Limits(token=token)))
    shell = c.get("/price")
    assert shell.status_code == 200 and 'id="token-form"' in shell.text and "example-province" not in shell.text
    assert 'data-token-required="yes"' in shell.text
    assert c.get("/static/web.js").status_code == 200
    assert "sessionStorage" in c.get("/static/web.js").text
    full = c.get("/price", headers={"Authorization": f"Bearer {token}"})
    assert "example-province" in full.text and 'id="token-form"' not in full.text
    assert c.get("/price", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.post("/price", data=ITEM).json()["error"]["code"] == "NK906"
    assert c.get("/v1/packs").status_code == 401
    ok = c.post("/price", data=ITEM, headers={"Authorization": f"Bearer {token}"})
    assert 'data-exact="5336124"' in ok.text


def test_static_files_are_only_the_shipped_ones(client) -> None:
    assert client.get("/static/web.css").headers["content-type"].startswith("text/css")
    r = client.get("/static/..%2Fpages.py")
    assert r.status_code in (404, 422) and "import" not in r.text


def test_households_parquet_upload_gives_the_csv_counts(client, tmp_path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pd.read_csv(HOUSEHOLDS, dtype=str, keep_default_na=False).to_parquet(tmp_path / "hh.parquet")
    r = client.post("/households", data={"year": "2024"}, files=upload(tmp_path / "hh.parquet"))
    assert one(r'id="hh-summary">([^<]+)<', r.text) == "18 dòng đọc vào = 14 đã phân loại + 4 bị loại"


def test_price_an_xlsx_order(client, tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Mã định mức", "Số lượng"])
    ws.append(["tv-bulletin", "01.03.01.50.10", 3])
    wb.save(tmp_path / "dat-hang.xlsx")
    r = client.post("/price", data={"pack": "example-province", "date": "2024-09-15"}, files=upload(tmp_path / "dat-hang.xlsx"))
    assert one(r'id="quote-total" data-exact="(\d+)"', r.text) == "5336124"
    assert "dat-hang · 2024-09-15" in r.text
    r = client.post("/price", data={"pack": "example-province"}, files=upload(tmp_path / "dat-hang.xlsx"))
    assert "<code>NK917</code>" in r.text and "a spreadsheet order has no date of its own" in r.text
    ws.append(["x", "01.03.01.50.10", "ba"])
    ws.append(["y", None, 1])
    wb.save(tmp_path / "bad.xlsx")
    r = client.post("/price", data={"pack": "example-province", "date": "2024-09-15"}, files=upload(tmp_path / "bad.xlsx"))
    rows = re.findall(r'<tr class="error-row"><td><code>(NK\d+)</code></td>\s*<td>(\d+)</td>\s*<td>(\d+) <code>(\w+)</code></td>', r.text)
    assert rows == [("NK917", "3", "3", "quantity"), ("NK917", "4", "2", "norm")]


def test_households_deprivations_by_the_chosen_column(client) -> None:
    from normkit.poverty.deprivations import count_deprivations
    from normkit.poverty.files import read_table
    from normkit.poverty.standards import load_standard

    r = client.post("/households", data={"year": "2024"}, files=upload(INDICATORS))
    area = one(r'id="rates-area">(.*?)</div>', r.text)
    heads = re.findall(r'<th scope="col" class="num">([^<]+)</th>', one(r'<table class="data deprivation-groups">(.*?)</table>', area))
    assert heads == ["rural", "urban", "Tổng cộng"]
    first = re.findall(r'<tr class=" info"><th scope="row">([^<]+) ℹ</th>((?:<td class="num">[^<]+</td>)+)</tr>', area)[0]
    std = load_standard(year=2024)
    cli = count_deprivations(read_table(INDICATORS), std, by=["area"])
    item = next(i for i in cli.items if i.id == "su_dung_dich_vu_vien_thong")
    assert first[0] == item.name_vi
    assert re.findall(r">([^<]+)</td>", first[1]) == [str(g.rate(item)) for g in cli.group_list()] == ["0.00", "50.00", "25.00"]


def test_households_compare_two_reviews_gives_the_clis_change_in_points(client, tmp_path) -> None:
    """Issue 14: the change in points per indicator between two reviews, on the households view, as
    `normkit deprivations LATER --compare EARLIER` prints it (the information dimension first)."""
    import html
    import subprocess
    import sys

    later = EXAMPLES / "households" / "indicators.csv"
    earlier = tmp_path / "review-2023.csv"  # the same households a year before: I2 had no telecom service, I3 no means of access
    lines = later.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    rows = [r.split(",") for r in lines[1:]]
    tele, means = head.index("su_dung_dich_vu_vien_thong"), head.index("phuong_tien_phuc_vu_tiep_can_thong_tin")
    rows[1][tele], rows[2][means] = "true", "true"
    earlier.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    r = client.post("/households", data={"year": "2024"}, files=upload(later))
    assert r.status_code == 200
    carried = html.unescape(one(r'<input type="hidden" name="later" value="([^"]*)">', r.text))
    assert json.loads(carried)["households"] == 4 and "household_id" not in carried  # counts only, no household data
    c = client.post("/households/compare", data={"year": "2024", "later": carried}, files=upload(earlier))
    assert c.status_code == 200, c.text
    shown = re.findall(r'<tr class="[^"]*" data-id="(\w+)"><td>[^<]*</td><td>[^<]*</td><td class="num">([^<]*)</td>'
                       r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td></tr>', c.text.split('id="comparison"', 1)[1])
    cli = subprocess.run([sys.executable, "-m", "normkit", "deprivations", str(later), "--year", "2024", "--compare", str(earlier), "--json"],
                         capture_output=True, text=True, check=True)
    want = {(x["id"], x["rate_before"], x["rate_after"], x["change_points"]) for x in json.loads(cli.stdout)["changes"]}
    assert set(shown) == want
    assert [x[0] for x in shown[:3]] == ["thong_tin", "su_dung_dich_vu_vien_thong", "phuong_tien_phuc_vu_tiep_can_thong_tin"]  # information first
    assert ("su_dung_dich_vu_vien_thong", "50.00", "25.00", "-25.00") in shown
    # counts from elsewhere are refused with a coded error, not used
    bad = client.post("/households/compare", data={"year": "2024", "later": '{"standard": "vn-poverty-2022-2026", "households": 2, '
                                                                       '"deprived": {"indicator:viec_lam": 3}}'}, files=upload(earlier))
    assert bad.status_code == 422 and "NK917" in bad.text
