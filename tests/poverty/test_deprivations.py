"""`deprivations`: households built by hand with known counts; exact rates as strings."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from normkit.cli.main import main
from normkit.core.errors import NormkitError
from normkit.poverty.deprivations import compare_reports, count_deprivations, items_of
from normkit.poverty.standards import Standard

TEL = "su_dung_dich_vu_vien_thong"
MEANS = "phuong_tien_phuc_vu_tiep_can_thong_tin"


def households(std: Standard, rows: list[dict]) -> pd.DataFrame:
    """Rows with every indicator false unless set."""
    return pd.DataFrame([{**dict.fromkeys(std.indicator_ids, False), **r} for r in rows])


def info_rows(report, group=()) -> dict[str, tuple[int, int, str | None]]:
    g = report.total() if group == () else report.groups[group]
    return {f"{i.kind}:{i.id}": (g.households, g.deprived.get(f"{i.kind}:{i.id}", 0),
                                  None if g.rate(i) is None else str(g.rate(i))) for i in report.items}


@pytest.fixture
def review(standards) -> pd.DataFrame:
    """D1: 7 households, telecom deprived in 2, means in 3, one of them in both (information: 4).
    D2: 3 households, telecom deprived in 1 (information: 1)."""
    std = standards[2024]
    d1 = [{"district": "D1", TEL: True, MEANS: True}, {"district": "D1", TEL: True}, {"district": "D1", MEANS: True},
          {"district": "D1", MEANS: True}, {"district": "D1"}, {"district": "D1"}, {"district": "D1", "viec_lam": True}]
    d2 = [{"district": "D2", TEL: True}, {"district": "D2"}, {"district": "D2"}]
    return households(std, d1 + d2)


def test_items_follow_the_pack_dimensions_first_then_their_indicators(standards) -> None:
    items = items_of(standards[2024])
    assert [(i.kind, i.id) for i in items[:3]] == [("dimension", "viec_lam"), ("indicator", "viec_lam"), ("indicator", "nguoi_phu_thuoc")]
    assert [i.id for i in items if i.kind == "dimension"] == ["viec_lam", "y_te", "giao_duc", "nha_o", "nuoc_sinh_hoat_va_ve_sinh", "thong_tin"]
    assert len(items) == 6 + 12
    info = items_of(standards[2024], "information")
    assert [(i.kind, i.id, i.name_en) for i in info] == [("dimension", "thong_tin", "Information"),
                                                         ("indicator", TEL, "Use of telecommunication services"),
                                                         ("indicator", MEANS, "Means of access to information")]
    assert info[0].indicators == (TEL, MEANS)
    assert items_of(standards[2024], "Thông tin") == info == items_of(standards[2024], "THONG_TIN")


def test_counts_and_rates_by_district(standards, review) -> None:
    r = count_deprivations(review, standards[2024], by=["district"], dimension="information")
    assert info_rows(r, ("D1",)) == {"dimension:thong_tin": (7, 4, "57.14"), f"indicator:{TEL}": (7, 2, "28.57"),
                                     f"indicator:{MEANS}": (7, 3, "42.86")}
    assert info_rows(r, ("D2",)) == {"dimension:thong_tin": (3, 1, "33.33"), f"indicator:{TEL}": (3, 1, "33.33"),
                                     f"indicator:{MEANS}": (3, 0, "0.00")}
    assert info_rows(r) == {"dimension:thong_tin": (10, 5, "50.00"), f"indicator:{TEL}": (10, 3, "30.00"),
                            f"indicator:{MEANS}": (10, 3, "30.00")}
    rows = r.rows()
    assert [(x["district"], x["kind"], x["deprived"], x["rate"]) for x in rows if x["kind"] == "dimension"] == [
        ("D1", "dimension", 4, "57.14"), ("D2", "dimension", 1, "33.33"), ("", "dimension", 5, "50.00")]


def test_all_dimensions_count_a_household_once_per_dimension(standards, review) -> None:
    r = count_deprivations(review, standards[2024])
    t = info_rows(r)
    assert t["dimension:viec_lam"] == (10, 1, "10.00")
    assert t["dimension:y_te"] == (10, 0, "0.00")
    assert t["dimension:thong_tin"] == (10, 5, "50.00")


def test_rates_round_half_up_as_published(standards) -> None:
    std = standards[2024]
    # 1 of 32 = 3.125 % -> 3.13 (half up; half-even would give 3.12); 1 of 3 = 33.333… -> 33.33
    r = count_deprivations(households(std, [{TEL: True}] + [{}] * 31), std, dimension="information")
    assert info_rows(r)[f"indicator:{TEL}"] == (32, 1, "3.13")


def test_among_counts_only_that_status_classified_as_classify_does(standards) -> None:
    std = standards[2024]
    rows = [  # rural 2024: poor at income <= 1,500,000 with 3+ deprivations; near-poor with fewer
        {"area": "rural", "income_per_capita": 1500000, TEL: True, MEANS: True, "viec_lam": True},  # poor, info deprived
        {"area": "rural", "income_per_capita": 1400000, "viec_lam": True, "dinh_duong": True, "bao_hiem_y_te": True},  # poor
        {"area": "rural", "income_per_capita": 1500000, TEL: True},  # near-poor, info deprived
        {"area": "rural", "income_per_capita": 9000000, TEL: True, MEANS: True},  # neither
    ]
    frame = households(std, rows)
    poor = count_deprivations(frame, std, among="poor", dimension="information")
    assert info_rows(poor)["dimension:thong_tin"] == (2, 1, "50.00")
    assert poor.excluded == 2
    both = count_deprivations(frame, std, among="poor_and_near_poor", dimension="information")
    assert info_rows(both)["dimension:thong_tin"] == (3, 2, "66.67")
    near = count_deprivations(frame, std, among="near_poor", dimension="information")
    assert info_rows(near)[f"indicator:{MEANS}"] == (1, 0, "0.00")
    every = count_deprivations(frame, std, dimension="information")
    assert info_rows(every)["dimension:thong_tin"] == (4, 3, "75.00")


def test_bad_rows_are_rejected_with_their_row_never_dropped_silently(standards) -> None:
    std = standards[2024]
    frame = pd.DataFrame({TEL: ["true", "maybe", "false", ""], MEANS: ["no", "no", "có", "no"]})
    r = count_deprivations(frame, std, dimension="information")
    assert (r.rows_in, r.rejected) == (4, 2)
    assert r.rejects == [{"row": 2, "reason": f"unknown value 'maybe' for indicator {TEL} (use true/false)"},
                         {"row": 4, "reason": f"{TEL} is missing"}]
    assert info_rows(r)["dimension:thong_tin"] == (2, 2, "100.00")


def test_errors(standards) -> None:
    std = standards[2024]
    with pytest.raises(NormkitError) as e:
        count_deprivations(pd.DataFrame({TEL: [True]}), std, dimension="information")
    assert (e.value.code, e.value.message) == ("NK706", f"the data has no indicator column {MEANS} of vn-poverty-2022-2026")
    with pytest.raises(NormkitError) as e:
        count_deprivations(pd.DataFrame({TEL: [True]}), std, dimension="culture")
    assert (e.value.code, e.value.message) == ("NK706", "vn-poverty-2022-2026 has no dimension 'culture'")
    assert "thong_tin (Information)" in e.value.hint
    with pytest.raises(NormkitError) as e:
        count_deprivations(households(std, [{}]), std, by=["commune"])
    assert (e.value.code, e.value.message) == ("NK703", "no column 'commune' to group by")
    with pytest.raises(NormkitError) as e:
        count_deprivations(households(std, [{}]), std, among="rich")
    assert e.value.code == "NK706"


def test_change_in_points_between_two_reviews(standards, review) -> None:
    std = standards[2024]
    after = count_deprivations(review, std, by=["district"], dimension="information")
    earlier = [{"district": "D1", TEL: True, MEANS: True}, {"district": "D1", TEL: True, MEANS: True},
               {"district": "D1", MEANS: True}, {"district": "D1"}, {"district": "D3", TEL: True}]
    before = count_deprivations(households(std, earlier), std, by=["district"], dimension="information")
    changes = {(c.group, c.item.id): (c.before, c.after, c.points) for c in compare_reports(before, after)}
    # D1 information: 3 of 4 = 75.00 -> 4 of 7 = 57.14: -17.86 points
    assert tuple(map(str, changes[(("D1",), "thong_tin")])) == ("75.00", "57.14", "-17.86")
    assert tuple(map(str, changes[(("D1",), TEL)])) == ("50.00", "28.57", "-21.43")
    # a group in one review only is listed without a change
    assert changes[(("D2",), "thong_tin")][0] is None and changes[(("D2",), "thong_tin")][2] is None
    assert changes[(("D3",), "thong_tin")][1] is None
    # total: 4 of 5 = 80.00 -> 5 of 10 = 50.00
    assert tuple(map(str, changes[((), "thong_tin")])) == ("80.00", "50.00", "-30.00")
    with pytest.raises(NormkitError) as e:
        compare_reports(count_deprivations(review, std, dimension="information"), after)
    assert e.value.code == "NK706"


def test_cli_json_csv_xlsx_and_compare(standards, review, tmp_path: Path, capsys) -> None:
    std = standards[2024]
    now = tmp_path / "review-2024.csv"
    review.to_csv(now, index=False)
    households(std, [{"district": "D1", TEL: True}, {"district": "D2"}]).to_csv(tmp_path / "review-2023.csv", index=False)
    assert main(["deprivations", str(now), "--year", "2024", "--by", "district", "--dimension", "information", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["standard"], data["rows_in"], data["counted"], data["rejected"]) == ("vn-poverty-2022-2026", 10, 10, 0)
    assert data["rows"][0] == {"district": "D1", "kind": "dimension", "id": "thong_tin", "name_vi": "Thông tin", "name_en": "Information",
                               "dimension": "thong_tin", "households": 7, "deprived": 4, "rate": "57.14"}
    out = tmp_path / "d.csv"
    assert main(["deprivations", str(now), "--year", "2024", "--dimension", "information", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[:2] == [
        "kind,id,name_vi,name_en,dimension,households,deprived,rate", "dimension,thong_tin,Thông tin,Information,thong_tin,10,5,50.00"]
    capsys.readouterr()
    xlsx = tmp_path / "change.xlsx"
    assert main(["deprivations", str(now), "--year", "2024", "--by", "district", "--dimension", "information",
                 "--compare", str(tmp_path / "review-2023.csv"), "--out", str(xlsx), "--json"]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert changes[0] == {"district": "D1", "kind": "dimension", "id": "thong_tin", "name_vi": "Thông tin", "name_en": "Information",
                          "dimension": "thong_tin", "rate_before": "100.00", "rate_after": "57.14", "change_points": "-42.86"}
    from openpyxl import load_workbook

    ws = load_workbook(xlsx).active
    got = [list(r) for r in ws.iter_rows(values_only=True)]
    assert got[0] == ["district", "kind", "id", "name_vi", "name_en", "dimension", "rate_before", "rate_after", "change_points"]
    assert got[1] == ["D1", "dimension", "thong_tin", "Thông tin", "Information", "thong_tin", "100.00", "57.14", "-42.86"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # written atomically, no leftovers


def test_cli_error_is_coded_with_exit_1(tmp_path: Path, capsys) -> None:
    f = tmp_path / "h.csv"
    f.write_text(f"{TEL}\ntrue\n", encoding="utf-8")
    assert main(["deprivations", str(f), "--year", "2024", "--json"]) == 1
    err = json.loads(capsys.readouterr().err)["error"]
    assert (err["code"], err["location"]) == ("NK706", str(f))
    assert main(["deprivations", str(f), "--year", "2024", "--dimension", "information", "--out", str(tmp_path / "x.txt"), "--json"]) == 1
    err = json.loads(capsys.readouterr().err)["error"]
    assert (err["code"], err["message"]) == ("NK702", f"{tmp_path / 'x.txt'}: unknown output type '.txt'; use .csv or .xlsx")
    assert main(["deprivations", str(f), "--dimension", "information"]) == 1
    assert "NK701" in capsys.readouterr().err


def test_http_endpoint_same_answer_and_error_contract(review) -> None:
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from normkit.server.app import create_app

    client = TestClient(create_app())
    body = {"year": 2024, "households": json.loads(review.to_json(orient="records")), "by": ["district"], "dimension": "information"}
    r = client.post("/v1/deprivations", json=body)
    assert r.status_code == 200
    assert [(x["district"], x["deprived"], x["rate"]) for x in r.json()["rows"] if x["kind"] == "dimension"] == [
        ("D1", 4, "57.14"), ("D2", 1, "33.33"), ("", 5, "50.00")]
    r = client.post("/v1/deprivations", json={**body, "compare": body["households"][:7]})
    assert r.status_code == 200 and r.json()["changes"][0]["change_points"] == "0.00"
    r = client.post("/v1/deprivations", json={**body, "dimension": "culture"})
    assert r.status_code == 422
    assert (r.json()["error"]["code"], r.json()["error"]["location"]) == ("NK706", "dimension")
    r = client.post("/v1/deprivations", json={**body, "standard": "no-such-pack", "year": None})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "NK904")


def test_the_documented_example(standards) -> None:
    """The example of the module's docstring, through the package's lazy export."""
    import normkit.poverty.deprivations  # noqa: F401  (the submodule imported first must not shadow the function)
    from normkit.poverty import count_deprivations as exported

    frame = pd.DataFrame({"district": ["D1", "D1", "D2"], TEL: [True, False, False], MEANS: [True, True, False]})
    r = exported(frame, standards[2024], by=["district"], dimension="information")
    assert [(row["district"], row["deprived"], row["rate"]) for row in r.rows() if row["kind"] == "dimension"] == [
        ("D1", 2, "100.00"), ("D2", 0, "0.00"), ("", 2, "66.67")]


def test_chunks_add_up_to_the_whole_file_with_file_row_numbers(standards, review) -> None:
    from normkit.poverty.deprivations import DeprivationCounter

    std = standards[2024]
    frame = review.astype(str)
    frame.loc[8, TEL] = "perhaps"  # row 9 of the file, in the second chunk
    counter = DeprivationCounter(std, by=["district"], dimension="information")
    counter.add(frame.iloc[:6], first_row=1)
    counter.add(frame.iloc[6:], first_row=7)
    whole = count_deprivations(frame, std, by=["district"], dimension="information")
    assert counter.report.rows() == whole.rows()
    assert counter.report.rejects == whole.rejects == [{"row": 9, "reason": f"unknown value 'perhaps' for indicator {TEL} (use true/false)"}]
    assert info_rows(whole, ("D2",))["dimension:thong_tin"] == (2, 1, "50.00")  # D2 kept its deprived household and one other


def test_groups_are_the_same_whatever_the_unicode_form(standards) -> None:
    import unicodedata

    std = standards[2024]
    name = "Xã Đông"
    frame = households(std, [{"commune": unicodedata.normalize("NFC", name), TEL: True},
                             {"commune": unicodedata.normalize("NFD", name)}])
    r = count_deprivations(frame, std, by=["commune"], dimension="information")
    assert list(r.groups) == [(unicodedata.normalize("NFC", name),)]
    assert info_rows(r, (unicodedata.normalize("NFC", name),))[f"indicator:{TEL}"] == (2, 1, "50.00")


def test_among_rejects_rows_classify_rejects(standards) -> None:
    std = standards[2024]
    frame = households(std, [{"area": "rural", "income_per_capita": "1000000", TEL: True},
                             {"area": "mountain", "income_per_capita": "1000000"}])
    r = count_deprivations(frame, std, among="near_poor", dimension="information")
    assert (r.rows_in, r.rejected, r.excluded) == (2, 1, 0)
    assert r.rejects[0]["row"] == 2 and r.rejects[0]["reason"].startswith("area must be one of")
    assert info_rows(r)[f"indicator:{TEL}"] == (1, 1, "100.00")


def test_cli_text_output(standards, review, tmp_path: Path, capsys) -> None:
    f = tmp_path / "r.csv"
    review.to_csv(f, index=False)
    assert main(["deprivations", str(f), "--year", "2024", "--by", "district", "--dimension", "thông tin"]) == 0
    out = capsys.readouterr().out
    assert "Thiếu hụt / Deprivations — vn-poverty-2022-2026 at 2024-09-01, among all" in out
    assert "rows in 10 = counted 10 + other status 0 + rejected 0" in out
    assert "57,14" in out and "33,33" in out  # vi: a decimal comma


def test_cli_compare_year_reads_the_earlier_review_under_its_own_standard(standards, review, tmp_path: Path, capsys) -> None:
    std = standards[2024]
    now, earlier = tmp_path / "review-2024.csv", tmp_path / "review-2023.csv"
    review.to_csv(now, index=False)
    households(std, [{"district": "D1", TEL: True}, {"district": "D2"}]).to_csv(earlier, index=False)
    args = ["deprivations", str(now), "--year", "2024", "--dimension", "information", "--compare", str(earlier), "--json"]
    assert main([*args, "--compare-year", "2023"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["before"]["at"], data["after"]["at"]) == ("2023-09-01", "2024-09-01")
    assert data["changes"][0]["change_points"] == "0.00"  # 1 of 2 = 50.00 -> 5 of 10 = 50.00
    # NĐ 351/2025 groups the information dimension differently (one indicator): not comparable item by item
    assert main([*args, "--compare-year", "2027"]) == 1
    err = json.loads(capsys.readouterr().err)["error"]
    assert err["code"] == "NK706" and "standards vn-poverty-2027-2030 / vn-poverty-2022-2026" in err["message"]
    assert main(["deprivations", str(now), "--year", "2024", "--compare-year", "2023", "--json"]) == 1
    err = json.loads(capsys.readouterr().err)["error"]
    assert (err["code"], err["message"]) == ("NK706", "--compare-year needs --compare OTHER (the earlier review's file)")


def test_http_reports_the_standard_choice_as_the_cli_does(review) -> None:
    """The service says which standard `year` took (in a transitional year it names the other too), like `--json`;
    nothing when a standard is named."""
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from normkit.server.app import create_app

    client = TestClient(create_app())
    households = json.loads(review.to_json(orient="records"))
    r = client.post("/v1/deprivations", json={"year": 2024, "households": households, "dimension": "information"})
    assert r.status_code == 200 and r.json()["standard_choice"]["chosen"] == "vn-poverty-2022-2026"
    assert r.json()["standard_choice"]["other"] is None
    r = client.post("/v1/deprivations", json={"standard": "vn-poverty-2022-2026", "households": households, "dimension": "information"})
    assert r.status_code == 200 and r.json()["standard_choice"] is None
