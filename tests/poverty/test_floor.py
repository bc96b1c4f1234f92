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
    dups = DuplicateIds(summary, fail=False)
    for start in range(0, len(ids), chunk):
        dups.add(pa.record_batch({"household_id": pa.array(ids[start:start + chunk], pa.string())}), start + 1)
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
