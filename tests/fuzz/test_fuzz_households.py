"""Fuzz household data: cells of every kind through classify_frame, raw CSV bytes through
classify_file. Every row is classified or rejected with a reason; every failure is catalogued."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import Any

import pandas as pd
import pytest
from fuzzkit import fuzz_settings, must_be_clean
from hypothesis import given
from hypothesis import strategies as st
from normkit_testpaths import ROOT

COLUMNS = ["area", "income_per_capita", "deprivation_count", "score_a", "score_b", "household_id", "commune",
           "viec_lam", "dinh_duong", "bao_hiem_y_te", "status", "x"]
CELLS = ["rural", "urban", "Rural", " rural ", "nông thôn", "thành thị", "town", "", "1500000", "1400000.5", "1.5e6", "1e30",
         "-5", "0", "-0", "NaN", "nan", "Infinity", "-inf", "1_000", "１２３", "\u0661\u0662", "99999999999999999999999999999",
         "3", "13", "2.0", "true", "false", "True", "1", "yes", "có", "maybe", "None", "null", "\x00", "ho\u0323", "h\u1ed9",
         "=1+1", "1,5", '"', "a\nb"]
cell = st.one_of(st.sampled_from(CELLS), st.text(max_size=10), st.none(), st.integers(-10**20, 10**20),
                 st.floats(allow_nan=True, allow_infinity=True), st.booleans())


@pytest.fixture(scope="module")
def standard():
    from normkit.poverty.standards import load_standard
    return load_standard(year=2024)


@fuzz_settings(150)
@given(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=6, unique=True), st.booleans(), st.integers(0, 6), st.data())
def test_fuzz_household_frame(standard, columns: list[str], required: bool, n: int, data: Any) -> None:
    from normkit.poverty.batch import classify_frame

    if required:  # half the frames have the columns the income method needs, so rows get classified
        columns = list(dict.fromkeys(["area", "income_per_capita", "deprivation_count"] + columns))
    frame = pd.DataFrame({c: data.draw(st.lists(cell, min_size=n, max_size=n)) for c in columns})

    def run() -> Any:
        r = classify_frame(frame, standard, first_row=1)
        assert len(r.classified) + len(r.rejects) == n
        if len(r.rejects):
            assert r.rejects["reason"].map(lambda s: isinstance(s, str) and bool(s.strip())).all()
        return r
    must_be_clean("households.frame", run)


PLAUSIBLE = st.lists(st.tuples(st.sampled_from(["rural", "urban", "town", "", "nông thôn"]),
                               st.sampled_from(["1500000", "2000000", "1e30", "-1", "NaN", "", "1400000.5", "abc"]),
                               st.sampled_from(["0", "3", "12", "13", "-1", "", "x", "2.5"])), min_size=0, max_size=8)


@fuzz_settings(60)
@given(st.one_of(st.binary(max_size=200),
                 PLAUSIBLE.map(lambda rows: ("area,income_per_capita,deprivation_count\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)).encode()),
                 PLAUSIBLE.map(lambda rows: ("\ufeffarea;income_per_capita\n" + "".join(f"{a};{b}\n" for a, b, _ in rows)).encode("utf-16"))),
       st.sampled_from([".csv", ".parquet", ".txt"]), st.sampled_from([".csv", ".parquet"]))
def test_fuzz_household_file(tmp_path_factory, standard, raw: bytes, suffix: str, out_suffix: str) -> None:
    from normkit.poverty.run import classify_file

    folder = tmp_path_factory.mktemp("hh")
    path = folder / f"in{suffix}"
    path.write_bytes(raw)
    out = folder / f"out{out_suffix}"

    def run() -> Any:
        s = classify_file(path, out, standard, chunk_rows=3)
        assert s.rows_in == s.classified + s.rejected and out.exists()
        return s
    result = must_be_clean("households.file", run, located=True)
    if isinstance(result, Exception):
        assert not out.exists()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")], "temporary files left behind"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("content", [b"\x00\xff\xfe" * 50, b"area,income_per_capita\n\xe1\xbb,1\n", b""], ids=["binary", "bad-utf8", "empty"])
def test_fuzz_cli_classify_hostile_file_exits_1_without_traceback(tmp_path, content: bytes) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    r = subprocess.run([sys.executable, "-m", "normkit", "classify", str(path), "--out", str(tmp_path / "out.csv"), "--year", "2024"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr and "NK702" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
