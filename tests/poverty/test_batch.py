"""Whole datasets: exact column reading, rejects with row numbers and reasons, files, rates, transitions."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from normkit.cli.main import main
from normkit.core.errors import NormkitError
from normkit.poverty.batch import classify_frame
from normkit.poverty.compare import transitions
from normkit.poverty.rates import rates_by

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = ROOT / "examples" / "households"


def test_bad_rows_are_rejected_with_row_number_and_reason(standards) -> None:
    df = pd.DataFrame({
        "area": ["rural", None, "town", "rural", "rural", "urban", "rural", "urban"],
        "income_per_capita": ["1500000", "1", "1", "-5", "1400000.5", "abc", "1.4e6", " 2000000 "],
        "deprivation_count": ["3", "1", "1", "1", "1", "1", "13", "2"],
    })
    r = classify_frame(df, standards[2024], first_row=101)
    assert r.classified["status"].tolist() == ["poor", "near_poor"]
    assert r.rejects[["row", "reason"]].values.tolist() == [
        [102, "area is missing"],
        [103, "area must be one of rural, urban, got 'town'"],
        [104, "negative income_per_capita"],
        [105, "income_per_capita must be a whole number of đồng"],
        [106, "income_per_capita is not a number: 'abc'"],
        # exponent notation is refused as in every table (issue 11; it was read as 1400000)
        [107, "income_per_capita: '1.4e6' is in exponent notation; write the number with all its digits; a number in exponent notation has already lost digits"],
    ]
    assert len(r.classified) + len(r.rejects) == len(df)
    assert r.classified["income_per_capita"].tolist() == ["1500000", " 2000000 "]  # input columns are kept as given


def test_unknown_indicator_value_and_disagreeing_count_are_rejected(standards) -> None:
    std = standards[2024]
    ids = std.indicator_ids
    rows = []
    for flags, count in (([True, True, True], 3), (["maybe"], None), ([True], 2)):
        row = dict.fromkeys(ids, "false")
        for i, f in zip(ids, flags, strict=False):  # flags for the first indicators only
            row[i] = str(f).lower()
        row.update(area="rural", income_per_capita=1000000, deprivation_count=count if count is not None else 1)
        rows.append(row)
    r = classify_frame(pd.DataFrame(rows), std)
    assert r.classified[["status", "deprivation_count"]].values.tolist() == [["poor", 3]]
    assert r.rejects[["row", "reason"]].values.tolist() == [
        [2, "unknown value 'maybe' for indicator viec_lam (use true/false)"],
        [3, "NK704 deprivation_count disagrees with the indicator columns"],
    ]


def test_missing_indicator_columns_are_named(standards) -> None:
    with pytest.raises(NormkitError) as e:
        classify_frame(pd.DataFrame({"area": ["rural"], "income_per_capita": [1], "viec_lam": [True]}), standards[2024])
    assert e.value.code == "NK703"
    assert e.value.message.startswith("indicator columns are incomplete for vn-poverty-2022-2026: missing nguoi_phu_thuoc, dinh_duong")


def test_derived_indicator_uses_its_unverified_cut_off(standards) -> None:
    std = standards[2024]
    ids = [i for i in std.indicator_ids if i != "dien_tich_nha_o_binh_quan_dau_nguoi"]
    df = pd.DataFrame({**{i: [i in ("viec_lam", "dinh_duong")] * 3 for i in ids}, "area": ["rural"] * 3,
                       "income_per_capita": [1500000] * 3, "floor_area": ["15.9", "16", "8"], "household_members": [2, 2, 0]})
    r = classify_frame(df, std)
    assert r.classified[["status", "deprivation_count"]].values.tolist() == [["poor", 3], ["near_poor", 2]]
    assert r.rejects[["row", "reason"]].values.tolist() == [[3, "household_members is below 1"]]
    assert r.notes == [("dien_tich_nha_o_binh_quan_dau_nguoi derived from raw data by derive_dien_tich_nha_o_binh_quan_dau_nguoi: "
                        "its cut-off is unverified")]


def test_typed_columns_from_parquet_like_frames(standards) -> None:
    df = pd.DataFrame({"area": pd.Categorical(["urban", "urban", "rural"]),
                       "income_per_capita": np.array([2000000.0, 2000000.5, 3e6]),
                       "deprivation_count": pd.array([3, 1, None], dtype="Int64")})
    r = classify_frame(df, standards[2024])
    assert r.classified["status"].tolist() == ["poor"]
    assert r.rejects["reason"].tolist() == [
        "income_per_capita must be a whole number (a float column holds it only approximately)", "deprivation_count is missing"]


def test_rates_by_group_with_two_decimals(standards) -> None:
    df = pd.DataFrame({"district": ["A", "A", "A", "B", "B", "B", "B"],
                       "status": ["poor", "near_poor", "none", "poor", "middle", "middle", "middle"]})
    rows = {g.group: g.to_dict(["district"]) for g in rates_by(df, ["district"])}
    assert rows[("A",)] == {"district": "A", "households": 3, "poor": 1, "near_poor": 1, "middle": 0, "none": 1,
                            "poverty_rate": "33.33", "near_poverty_rate": "33.33", "multidimensional_rate": "66.67"}
    assert rows[("B",)]["poverty_rate"] == "25.00"
    with pytest.raises(NormkitError) as e:
        rates_by(pd.DataFrame({"status": ["rich"]}))
    assert (e.value.code, e.value.message) == ("NK704", "`status` holds 'rich'; expected one of poor, near_poor, middle, none")


def test_transition_matrix_2026_to_2027(standards) -> None:
    df = pd.read_csv(HOUSEHOLDS / "households.csv", dtype=str, keep_default_na=False, na_values=[""])
    t, rejects = transitions(df, standards[2026], standards[2027])
    assert t.matrix() == [[3, 0, 0, 0], [0, 2, 0, 0], [4, 1, 0, 2], [0, 0, 0, 2]]
    assert (t.households, t.moved(), t.rejected) == (14, 7, 4)
    assert sorted(set(rejects["row"])) == [15, 16, 17, 18]


def test_cli_classify_csv_and_parquet_round_trip(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out.csv"
    assert main(["classify", str(HOUSEHOLDS / "households.csv"), "--out", str(out), "--year", "2024", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {k: summary[k] for k in ("rows_in", "classified", "rejected", "counts")} == {
        "rows_in": 18, "classified": 14, "rejected": 4, "counts": {"poor": 3, "near_poor": 2, "middle": 7, "none": 2}}
    written = pd.read_csv(out, dtype=str)
    assert list(written.columns) == ["household_id", "commune", "district", "area", "ethnic_minority", "income_per_capita",
                                     "deprivation_count", "status"]
    assert written.set_index("household_id")["status"].to_dict()["H04"] == "middle"
    rejects = pd.read_csv(tmp_path / "out.rejects.csv", dtype=str)
    assert rejects["row"].tolist() == ["15", "16", "17", "18"]
    pq = tmp_path / "out.parquet"
    assert main(["classify", str(out), "--out", str(pq), "--standard", "vn-poverty-2027-2030", "--json"]) == 0
    capsys.readouterr()
    back = pd.read_parquet(pq)
    assert back["status"].tolist().count("none") == 4 and len(back) == 14
    assert not (tmp_path / "out.rejects.csv").exists()  # a run without rejects removes a stale rejects file
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary file


def test_cli_rates_and_errors(tmp_path: Path, capsys) -> None:
    out = tmp_path / "c.csv"
    main(["classify", str(HOUSEHOLDS / "households.csv"), "--out", str(out), "--year", "2022", "--json"])
    capsys.readouterr()
    assert main(["rates", str(out), "--by", "district", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"]["poverty_rate"] == "21.43" and data["total"]["multidimensional_rate"] == "35.71"
    assert [g["district"] for g in data["groups"]] == ["Huyện 1", "Huyện 2"]
    assert main(["classify", str(tmp_path / "nope.csv"), "--out", str(out), "--year", "2024"]) == 1
    assert "NK702" in capsys.readouterr().err
    assert main(["classify", str(HOUSEHOLDS / "households.csv"), "--out", str(tmp_path / "x.txt"), "--year", "2024"]) == 1
    assert "NK702" in capsys.readouterr().err


def test_cli_household_explains_with_sources(capsys) -> None:
    assert main(["household", "area=urban", "income_per_capita=2000000", "deprivation_count=3", "--year", "2024", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["status"], data["standard"], data["at"]) == ("poor", "vn-poverty-2022-2026", "2024-09-01")
    status = next(n for n in data["explanation"] if n["name"] == "status")
    line = next(c for c in status["children"] if c["name"] == "poverty_line")
    assert (line["value"], line["source"]["article"]) == ("2000000", "Điều 3")
    assert main(["household", "area=urban", "incme=5", "--year", "2024"]) == 1
    err = capsys.readouterr().err
    assert "NK704" in err and "did you mean income_per_capita" in err


def test_cli_targets_and_published(capsys) -> None:
    assert main(["targets", str(HOUSEHOLDS / "review-2021-2022.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(t["id"], t["met"]) for t in data["targets"]] == [
        ("poverty_rate", True), ("ethnic_minority", True), ("poor_districts", True), ("halving", None)]
    assert main(["check-published", str(HOUSEHOLDS / "published" / "vietnam-2022.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["consistent"] is False and len(data["findings"]) == 4


def test_single_household_value_errors(standards) -> None:
    from normkit.poverty.household import classify_household

    std = standards[2024]
    cases = [
        ({"area": "rural", "income_per_capita": 1.5e6, "deprivation_count": 1},
         "income_per_capita takes an exact number, got a float (1500000.0)"),

        ({"area": "city", "income_per_capita": 1, "deprivation_count": 1}, "area must be one of rural, urban, got 'city'"),
        ({"area": "rural", "income_per_capita": 1, "deprivation_count": 13}, "deprivation_count = 13 is outside [0, 12]"),
    ]
    for household, message in cases:
        with pytest.raises(NormkitError) as e:
            classify_household(household, std=std)
        assert (e.value.code, e.value.message) == ("NK704", message)
    # an income is money, read by the one input layer (issue 11)
    with pytest.raises(NormkitError) as e:
        classify_household({"area": "rural", "income_per_capita": Decimal("1500000.5"), "deprivation_count": 1}, std=std)
    assert (e.value.code, e.value.message) == ("NK113", "income_per_capita: 1500000.5 is not a whole number of đồng")
