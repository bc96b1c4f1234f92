"""Issue 13, classify at the I/O floor: the shortcuts give exactly the results of the long way
(duplicate ids by a prefix filter, ids read from the buffers, whole numbers taken as stored,
integer reject bookkeeping, the status column written from its categories)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from normkit.core.errors import NormkitError
from normkit.poverty.run import ClassifySummary, DuplicateIds, classify_file, plain_ids


def oracle(ids: list[str | None], chunk: int) -> tuple[int, list[dict[str, object]]]:
    """Duplicate ids the slow way: a Python set of the trimmed, non-blank ids."""
    seen: set[str] = set()
    rows = []
    for i, v in enumerate(ids):
        key = (v or "").strip()
        if not key:
            continue
        if key in seen:
            rows.append({"row": i + 1, "household_id": key})
        seen.add(key)
    # examples are the first five, in batch order (within a batch: by row)
    return len(rows), rows[:5]


@pytest.mark.parametrize("chunk", [7, 1000, 50_000])
def test_duplicate_ids_match_a_set_over_many_batches(chunk):
    rng = np.random.default_rng(11)
    ids: list[str | None] = [f"H{v:06d}" for v in rng.integers(0, 40_000, 30_000).tolist()]
    ids[3], ids[40], ids[41], ids[500], ids[501] = " H000001", "", None, "Hé", "Hé "
    summary = ClassifySummary("s", "2024-09-01", "income")
    batches = [(pa.array(ids[start:start + chunk], pa.string()), start + 1) for start in range(0, len(ids), chunk)]
    dups = DuplicateIds(summary, fail=False, ids_again=lambda: batches)
    for col, first in batches:
        dups.add(pa.record_batch({"household_id": col}), first)
    dups.flush()
    count, examples = oracle(ids, chunk)
    assert count > 5_000  # the data does repeat ids, across and within batches
    assert (summary.duplicate_ids, summary.duplicate_examples) == (count, examples)


def test_plain_ids_only_when_nothing_would_be_trimmed_or_blank():
    assert plain_ids(pa.array(["H1", "H22", "x"])) is True
    assert plain_ids(pa.array(["H1", " H2"])) is False
    assert plain_ids(pa.array(["H1", "H2\t"])) is False
    assert plain_ids(pa.array(["H1", ""])) is False
    assert plain_ids(pa.array(["H1", None])) is False
    assert plain_ids(pa.array(["Hé"])) is False  # a non-ASCII edge byte: the careful path decides
    assert plain_ids(pa.array(["H1", "H2", "H3"]).slice(1)) is True
    assert plain_ids(pa.array([], pa.string())) is False


def test_parquet_whole_numbers_taken_as_stored_give_the_csv_results(tmp_path: Path, standards):
    n = 2_000
    rng = np.random.default_rng(2)
    income = rng.integers(0, 3_000_000, n)
    income[::250] = -5
    count = rng.integers(0, 16, n)  # above 12: rejected
    area = rng.choice(["rural", "urban", "town"], n, p=[.6, .35, .05])
    ids = [f"H{i}" for i in range(n)]
    pq.write_table(pa.table({"household_id": ids, "area": area, "income_per_capita": income,
                             "deprivation_count": pa.array(count, pa.int16())}), tmp_path / "h.parquet")
    pcsv.write_csv(pa.table({"household_id": ids, "area": area, "income_per_capita": income.astype(str),
                             "deprivation_count": count.astype(str)}), tmp_path / "h.csv")
    std = standards[2024]
    a = classify_file(tmp_path / "h.parquet", tmp_path / "a.csv", std, rejects=tmp_path / "a.rej.csv", chunk_rows=300)
    b = classify_file(tmp_path / "h.csv", tmp_path / "b.csv", std, rejects=tmp_path / "b.rej.csv", chunk_rows=300)
    assert (a.rows_in, a.classified + a.rejected, a.counts) == (b.rows_in, n, b.counts)
    assert a.rejected == int(((income < 0) | (count > 12) | (area == "town")).sum())
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.rej.csv").read_bytes() == (tmp_path / "b.rej.csv").read_bytes()
    reasons = set(pcsv.read_csv(tmp_path / "a.rej.csv").column("reason").to_pylist())
    assert reasons == {"negative income_per_capita", "deprivation_count is above 12",
                       "area must be one of rural, urban, got 'town'"}


def test_a_clean_batch_writes_every_row_and_the_status_words(tmp_path: Path, standards):
    src = tmp_path / "h.csv"
    src.write_text("household_id,area,income_per_capita,deprivation_count\nA,rural,1500000,3\nB,urban,2000001,0\n"
                   "C,urban,1999999,1\n", encoding="utf-8")
    s = classify_file(src, tmp_path / "o.csv", standards[2024])
    assert (s.classified, s.rejected, s.rejects) == (3, 0, None)
    assert (tmp_path / "o.csv").read_text(encoding="utf-8") == (
        "household_id,area,income_per_capita,deprivation_count,status\n"
        "A,rural,1500000,3,poor\nB,urban,2000001,0,middle\nC,urban,1999999,1,near_poor\n")


# ---- the clean lane (classify_clean): batches that reject nothing skip pandas and reasons -------------

def _households(n: int, seed: int, dirty_from: int | None = None) -> pa.Table:
    """``n`` households; rows from ``dirty_from`` on hold blanks, bad numbers, unknown areas, an
    area with spaces and ids repeated from the clean rows (so earlier batches are clean)."""
    rng = np.random.default_rng(seed)
    ids = [f"H{i:05d}" for i in range(n)]
    area = rng.choice(["rural", "urban"], n).astype(object)
    income = rng.integers(0, 3_000_000, n).astype(str).astype(object)
    count = rng.integers(0, 13, n).astype(str).astype(object)
    if dirty_from is not None:
        for k, i in enumerate(range(dirty_from, n, 7)):
            kind = k % 7
            if kind == 0:
                income[i] = ""
            elif kind == 1:
                income[i] = "1.500.000"  # grouped: read, not rejected
            elif kind == 2:
                income[i] = "abc"
            elif kind == 3:
                area[i] = "town"
            elif kind == 4:
                area[i] = " urban"  # stripped: urban
            elif kind == 5:
                count[i] = "13"
            else:
                ids[i] = ids[i - dirty_from]  # an id of a clean (earlier) row
    return pa.table({"household_id": ids, "commune": ["Xã Đông"] * n, "area": area.tolist(),
                     "income_per_capita": income.tolist(), "deprivation_count": count.tolist()})


def _write(table: pa.Table, path: Path) -> Path:
    if path.suffix == ".csv":
        pcsv.write_csv(table, path)
    else:  # numbers as int64 where every value is a plain integer, else as text
        cols = {}
        for name in table.column_names:
            col = table.column(name)
            if name in ("income_per_capita", "deprivation_count") and all(v.isdigit() for v in col.to_pylist()):
                col = col.cast(pa.int64())
            cols[name] = col
        pq.write_table(pa.table(cols), path)
    return path


def _both_ways(src: Path, tmp_path: Path, std, monkeypatch, **kw) -> tuple[tuple, tuple, int]:
    """(outputs of the clean lane, outputs of the long way only, batches the clean lane took)."""
    import normkit.poverty.run as run

    taken = []
    real = run.classify_clean

    def spy(*a, **k):
        r = real(*a, **k)
        taken.append(r is not None)
        return r

    results = []
    suffix = kw.pop("suffix", ".csv")
    for label, lane in (("fast", spy), ("long", lambda *a, **k: None)):
        monkeypatch.setattr(run, "classify_clean", lane)
        out, rej = tmp_path / f"{label}{suffix}", tmp_path / f"{label}.rej.csv"
        s = classify_file(src, out, std, rejects=rej, **kw).to_dict()
        s["out"] = s["rejects"] = None
        results.append((s, out.read_bytes(), rej.read_bytes() if rej.exists() else None))
    return results[0], results[1], sum(taken)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("chunk", [None, 37])
def test_the_clean_lane_writes_what_the_long_way_writes(tmp_path: Path, standards, monkeypatch, suffix, chunk):
    src = _write(_households(400, 5, dirty_from=222), tmp_path / f"h{suffix}")
    fast, long, taken = _both_ways(src, tmp_path, standards[2024], monkeypatch, chunk_rows=chunk)
    assert fast == long
    summary = fast[0]
    assert (summary["rows_in"], summary["rejected"], summary["duplicate_ids"]) == (400, 15, 3)
    assert taken == (0 if chunk is None else 222 // 37)  # one batch with a bad row: the long way; clean batches: the lane
    reasons = sorted(set(pcsv.read_csv(pa.BufferReader(fast[2])).column("reason").to_pylist()))
    assert reasons == ["area must be one of rural, urban, got 'town'", "deprivation_count is above 12",
                       "income_per_capita is missing", "income_per_capita is not a number: 'abc'"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_clean_file_takes_the_lane_in_every_batch(tmp_path: Path, standards, monkeypatch, suffix):
    src = _write(_households(300, 9), tmp_path / f"h{suffix}")
    fast, long, taken = _both_ways(src, tmp_path, standards[2024], monkeypatch, chunk_rows=100, suffix=suffix)
    assert fast == long and taken == 3
    assert fast[0]["classified"] == 300 and fast[2] is None


@pytest.mark.parametrize("counts, written", [
    (["3", "0", "12", "7"], ["3", "0", "12", "7"]),  # written plainly: the text passes through
    (["03", "0", "12", "7"], ["3", "0", "12", "7"]),  # a leading zero: the count is written as a number
    (["3", "00", "12", "7"], ["3", "0", "12", "7"]),
    (["3", "0", "012", "07"], ["3", "0", "12", "7"]),
])
def test_a_deprivation_count_is_written_plainly_by_both_ways(tmp_path: Path, standards, monkeypatch, counts, written):
    from normkit.poverty import run

    src = tmp_path / "h.csv"
    rows = [f"H{i},rural,1000000,{c}" for i, c in enumerate(counts)]
    src.write_text("household_id,area,income_per_capita,deprivation_count\n" + "\n".join(rows) + "\n", encoding="utf-8")
    passed = []
    real = run.written_as
    monkeypatch.setattr(run, "written_as", lambda col, values: passed.append(real(col, values)) or passed[-1])
    fast, long, taken = _both_ways(src, tmp_path, standards[2024], monkeypatch)
    assert fast == long and taken == 1
    assert passed == [counts == written]
    assert [line.split(",")[3] for line in fast[1].decode().splitlines()[1:]] == written
    # Parquet output keeps the count a number, whatever the CSV text was
    classify_file(src, tmp_path / "o.parquet", standards[2024])
    assert pq.read_table(tmp_path / "o.parquet").column("deprivation_count").to_pylist() == [int(w) for w in written]


def test_written_as_reads_the_lengths_of_the_cells():
    from normkit.poverty.run import written_as

    def plain(texts: list[str]) -> bool:
        return written_as(pa.array(texts), np.array([int(t) for t in texts], dtype=np.int64))

    assert plain(["0", "7", "12", "99", "100", "-5", "9223372036854775807"])
    assert not plain(["07"]) and not plain(["+7"]) and not plain(["-0"]) and not plain(["0100"])
    assert written_as(pa.array(["03", "4"]).slice(1), np.array([4]))  # a slice: its own offsets
    assert not written_as(pa.array(["4", None]), np.array([4, 0]))


def test_low_income_is_written_by_both_ways(tmp_path: Path, monkeypatch):
    import datetime as dt

    from normkit.poverty.standards import load_standard

    std = load_standard(year=2025, at=dt.date(2025, 9, 1))
    src = tmp_path / "h.csv"
    src.write_text("household_id,area,income_per_capita,deprivation_count\nA,rural,2000000,0\nB,urban,90000000,0\n", encoding="utf-8")
    fast, long, taken = _both_ways(src, tmp_path, std, monkeypatch, low_income=True)
    assert fast == long and taken == 1
    assert fast[1].decode().splitlines() == ["household_id,area,income_per_capita,deprivation_count,status,low_income_household",
                                             "A,rural,2000000,0,middle,true", "B,urban,90000000,0,none,false"]


def test_clean_values_say_none_whenever_a_row_could_be_rejected():
    from decimal import Decimal

    from normkit.poverty.ingest import clean_values

    text = clean_values(pa.array(["rural", " rural", "urban"]), "text", ["rural", "urban"], None, None)
    assert text.categories == ("rural", "urban") and text.codes.tolist() == [0, 0, 1]
    assert clean_values(pa.array(["rural", "town"]), "text", ["rural", "urban"], None, None) is None
    assert clean_values(pa.array(["rural", " "]), "text", None, None, None) is None
    assert clean_values(pa.array(["rural", None]), "text", None, None, None) is None
    assert clean_values(pa.array(["có", "Không", "x", "0"]), "bool", None, None, None).tolist() == [True, False, True, False]
    assert clean_values(pa.array(["có", "NA"]), "bool", None, None, None) is None
    assert clean_values(pa.array(["có", "maybe"]), "bool", None, None, None) is None
    assert clean_values(pa.array([True, False]), "bool", None, None, None).tolist() == [True, False]
    assert clean_values(pa.array(["5", "12"]), "int", None, Decimal(0), Decimal(12)).tolist() == [5, 12]
    assert clean_values(pa.array(["5", "13"]), "int", None, Decimal(0), Decimal(12)) is None
    assert clean_values(pa.array(["5", "-1"]), "int", None, Decimal(0), None) is None
    assert clean_values(pa.array(["5", "1.500.000"]), "int", None, None, None) is None  # read the long way
    assert clean_values(pa.array([5, 7], pa.int16()), "int", None, None, None).tolist() == [5, 7]
    assert clean_values(pa.array([5, 7], pa.uint64()), "int", None, None, None) is None
    assert clean_values(pa.array([5.0, 7.0]), "int", None, None, None) is None


@pytest.mark.parametrize(("chunk", "group"), [(3_000, 1), (20_000, 1), (3_000, 10_000)])
def test_duplicate_ids_over_many_merges_match_a_set(chunk, group):
    """Many groups of batches (one group per batch, or several batches a group); every non-blank id checked."""
    rng = np.random.default_rng(12)
    ids: list[str | None] = [f"K{v:07d}" for v in rng.integers(0, 150_000, 120_000).tolist()]
    ids[7], ids[3001] = " K0000001", ""
    summary = ClassifySummary("s", "2024-09-01", "income")
    batches = [(pa.array(ids[start:start + chunk], pa.string()), start + 1) for start in range(0, len(ids), chunk)]
    dups = DuplicateIds(summary, fail=False, ids_again=lambda: batches)
    dups.GROUP_ROWS = group
    for col, first in batches:
        dups.add(pa.record_batch({"household_id": col}), first)
    dups.flush()
    count, examples = oracle(ids, chunk)
    assert count > 20_000
    assert (summary.duplicate_ids, summary.duplicate_examples) == (count, examples)
    assert (dups.checked, dups.candidate_count) == (119_999, 0)  # one blank id; every candidate decided


def test_a_repeated_id_is_reported_before_a_later_error_as_batch_by_batch(tmp_path: Path, standards):
    """Ids are checked in groups of consecutive batches; with --fail-on-duplicates a repeated id in
    an early batch is still the error when a later batch cannot be read (NK809, not the CSV error)."""
    lines = ["household_id,area,income_per_capita,deprivation_count", "H1,rural,1,1", "H1,rural,1,1"]
    lines += [f"H{i},rural,1,1" for i in range(2, 150_000)] + ["H9,rural,1,1,extra"]  # past the first 1 MiB block
    src = tmp_path / "late.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(NormkitError) as e:
        classify_file(src, tmp_path / "o.csv", standards[2024], fail_on_duplicates=True)
    assert (e.value.code, e.value.message) == ("NK809", "household_id 'H1' appears more than once (again at row 2)")
    assert e.value.location is not None and e.value.location.file == str(src)
    with pytest.raises(NormkitError) as e:
        classify_file(src, tmp_path / "o.csv", standards[2024])
    assert e.value.code == "NK702" and "has 5 cells; the header has 4" in e.value.message
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_one_core_runs_the_stages_inline_with_the_same_bytes(tmp_path: Path, standards, monkeypatch, suffix):
    """With one core (no thread to overlap with) the reading, writing and id check run in the
    run's own thread: outputs, rejects and summary as with the threads."""
    from normkit.core.io import pipeline
    from normkit.poverty import run

    src = _write(_households(400, 5, dirty_from=222), tmp_path / f"h{suffix}")
    results = []
    real_start = pipeline.threading.Thread.start
    for n in (2, 1):
        monkeypatch.setattr(run, "cores", lambda n=n: n)
        started: list[str] = []

        def start(self, started=started):
            started.append(self.name)
            real_start(self)

        monkeypatch.setattr(pipeline.threading.Thread, "start", start)
        out, rej = tmp_path / f"o{n}{suffix}", tmp_path / f"r{n}.csv"
        s = classify_file(src, out, standards[2024], rejects=rej, chunk_rows=37).to_dict()
        s["out"] = s["rejects"] = None
        results.append((s, out.read_bytes(), rej.read_bytes()))
        assert sorted(started) == ([] if n == 1 else ["normkit-ids", "normkit-read", "normkit-write"])
    assert results[0] == results[1]
    assert (results[0][0]["rejected"], results[0][0]["duplicate_ids"]) == (15, 3)
