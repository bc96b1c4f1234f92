"""The duplicate-household-id check (poverty/run.py:DuplicateIds) against a plain Python reference.

The check screens by 64-bit hash and compares the texts of the rows whose hash repeats (a second
read of the ids); the reference compares the ids themselves (a dict of id → first row). The two
must agree exactly — the count, the first five examples, and with ``fail`` the NK809 of the first
repeated row — also for ids that share a hash (:data:`COLLIDING`, three different 16-byte ids with
one hash: none of them repeats another). The table's size, the group and part sizes and when
candidates are decided are varied, down to sizes where every id is a candidate, so each path of
the screen, the exact pass and the comparison of texts is taken.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normkit.core.errors import NormkitError
from normkit.poverty.run import ClassifySummary, DuplicateIds, id_hashes

M64 = (1 << 64) - 1


def reference_hash(value: str) -> int:
    """The documented hash, one id at a time in plain Python (docs/performance.md)."""
    b = value.encode()
    n = len(b)
    if n > 256:
        return int.from_bytes(hashlib.blake2b(b, digest_size=8).digest(), "little")
    h = n * 0x9E3779B97F4A7C15 & M64
    for i in range(max(1, (n + 7) // 8)):
        at = 0 if n < 8 else min(8 * i, n - 8)
        h ^= int.from_bytes(b[at: at + 8], "little")
        h ^= h >> 30
        h = h * 0xBF58476D1CE4E5B9 & M64
        h ^= h >> 27
        h = h * 0x94D049BB133111EB & M64
        h ^= h >> 31
    return h


def mix(h: int) -> int:
    h ^= h >> 30
    h = h * 0xBF58476D1CE4E5B9 & M64
    h ^= h >> 27
    h = h * 0x94D049BB133111EB & M64
    return h ^ (h >> 31)


def colliding_ids(first: str = "HH000001", tail: str = "PPPPPPPP", count: int = 3) -> list[str]:
    """Different 16-byte ids with one hash. For 16 bytes the hash is ``mix(mix(C ^ w0) ^ w1)``
    (``C = 16 × φ``, ``w0``, ``w1`` the two words): ids ``first + tail`` and ``f + t`` share it
    when ``t = tail ^ mix(C ^ first) ^ mix(C ^ f)``. ``f`` runs over ``HH000000``, ``HH000001`` …
    until ``t`` is printable ASCII without a CSV delimiter, quote or backslash."""
    c = 16 * 0x9E3779B97F4A7C15 & M64
    word = lambda b: int.from_bytes(b, "little")  # noqa: E731
    ids = [first + tail]
    for i in range(1_000_000):
        f = f"HH{i:06d}"
        t = (word(tail.encode()) ^ mix(c ^ word(first.encode())) ^ mix(c ^ word(f.encode()))).to_bytes(8, "little")
        if f != first and all(0x21 <= b <= 0x7E and chr(b) not in ",;\"'\\" for b in t):
            ids.append(f + t.decode())
            if len(ids) == count:
                break
    return ids


COLLIDING = colliding_ids()


def test_the_colliding_ids_are_different_and_share_one_hash():
    assert COLLIDING == ["HH000001PPPPPPPP", "HH0069511s^[zn[B", "HH019638yve(/:bE"]
    assert {reference_hash(v) for v in COLLIDING} == {0x1B39D4BD0D513DFD}
    assert set(id_hashes(pa.array(COLLIDING)).tolist()) == {0x1B39D4BD0D513DFD}


def reference(ids: list[str | None], first_row: int = 1) -> tuple[int, list[dict[str, object]], str | None]:
    """Count, first five examples and the NK809 message, by comparing the trimmed ids themselves."""
    first: dict[str, int] = {}
    repeats = []
    for i, v in enumerate(ids):
        key = (v or "").strip()
        if not key:
            continue
        if key in first:
            repeats.append({"row": first_row + i, "household_id": key})
        else:
            first[key] = first_row + i
    error = (f"household_id {repeats[0]['household_id']!r} appears more than once (again at row {repeats[0]['row']})"
             if repeats else None)
    return len(repeats), repeats[:5], error


def run(ids: list[str | None], cuts: list[int], *, fail: bool, first_row: int = 1, large: bool = False,
        again: int | None = None, **sizes: int) -> tuple[DuplicateIds, str | None]:
    """Feed ``ids`` in the batches ``cuts`` gives (sizes of consecutive batches); the NK809 message
    or None. The ids read again come in the same batches, or in batches of ``again`` rows."""
    kind = pa.large_string() if large else pa.string()
    batches, at = [], 0
    for size in [*cuts, len(ids)]:
        if ids[at: at + size]:
            batches.append((pa.array(ids[at: at + size], kind), first_row + at))
        at += len(ids[at: at + size])
    reread = batches if again is None else [(pa.array(ids[at: at + again], kind), first_row + at)
                                            for at in range(0, len(ids), again)]
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), fail, lambda: iter(reread))
    for name, value in sizes.items():
        setattr(dups, name, value)
    try:
        for col, first in batches:
            dups.add_ids(col, first)
        dups.flush()
    except NormkitError as e:
        assert e.code == "NK809"
        return dups, e.message
    return dups, None


SIZES = st.fixed_dictionaries({
    "SLOT_BITS": st.sampled_from([1, 4, 22]),  # 2 slots: every id a candidate; 2²²: the real table
    "GROUP_ROWS": st.sampled_from([1, 5, 1 << 14]),
    "SCREEN_ROWS": st.sampled_from([3, 1 << 16]),
    "RESOLVE_MIN": st.sampled_from([1, 1 << 18]),
})
WORD = st.text(alphabet="H0123456789xé", min_size=1, max_size=20)
LONG = st.builds(lambda k, tail: "L" * k + tail, st.integers(250, 270), WORD)  # around the 256-byte edge


@st.composite
def id_streams(draw: st.DrawFn) -> tuple[list[str | None], list[int]]:
    pool = draw(st.lists(st.one_of(WORD, LONG, st.sampled_from(COLLIDING)), min_size=1,  # with ids that share a hash
                         max_size=draw(st.sampled_from([4, 60])), unique=True))  # repeats, or mostly new ids
    pick = st.one_of(
        st.sampled_from(pool),
        st.builds(lambda v, pad: pad[0] + v + pad[1], st.sampled_from(pool), st.sampled_from([(" ", ""), ("", "\t"), ("  ", " ")])),
        st.sampled_from([None, "", "   ", "\t"]),  # blank: never compared
    )
    ids = draw(st.lists(pick, min_size=draw(st.sampled_from([0, 80])), max_size=150))
    cuts = draw(st.one_of(st.just([]), st.lists(st.integers(1, 9), max_size=40)))  # one batch, or many small ones
    return ids, cuts


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(id_streams(), SIZES, st.booleans(), st.sampled_from([1, 7]), st.booleans(), st.sampled_from([None, 1, 4, 1000]))
def test_random_id_streams_match_the_reference(stream, sizes, fail, first_row, large, again):
    ids, cuts = stream
    count, examples, error = reference(ids, first_row)
    dups, raised = run(ids, cuts, fail=fail, first_row=first_row, large=large, again=again, **sizes)
    if fail:
        assert raised == error
        if error is None:
            assert dups.summary.duplicate_ids == 0
    else:
        assert raised is None
        assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples) == (count, examples)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(WORD, LONG, st.text(max_size=40)), max_size=30), st.integers(0, 3))
def test_a_hash_depends_on_the_id_alone(values, skip):
    """Whatever else is in the array (one width or many, a slice, large_string): the reference hash."""
    expected = [reference_hash(v) for v in values]
    assert id_hashes(pa.array(values, pa.string())).tolist() == expected
    assert id_hashes(pa.array(values, pa.large_string())).tolist() == expected
    sliced = pa.array(["pad"] * skip + values, pa.string()).slice(skip)
    assert id_hashes(sliced).tolist() == expected


def test_hashes_pinned():
    """The hash is part of what the docs state (docs/performance.md): these must not move."""
    values = ["H1", "H000000001", "H0000000001234567", "hộ-01", "L" * 300]
    assert [f"{h:016x}" for h in id_hashes(pa.array(values)).tolist()] == [f"{reference_hash(v):016x}" for v in values]
    assert f"{id_hashes(pa.array(['H000000001']))[0]:016x}" == "acb512dc1cb35628"
    assert f"{id_hashes(pa.array(['H1']))[0]:016x}" == "050d4f832b5d395a"
    assert id_hashes(pa.array(["H000000001"] * 3 + ["H000000002"])).tolist()[2:] == [reference_hash("H000000001"),
                                                                                      reference_hash("H000000002")]
    assert id_hashes(pa.array([], pa.string())).tolist() == []


def test_generated_ids_have_distinct_hashes():
    """The shape of the benchmark files' ids (H + 9 digits): 1 million, no two sharing a hash."""
    ids = pa.array([f"H{v:09d}" for v in range(1_000_000)], pa.string())
    assert len(np.unique(id_hashes(ids))) == 1_000_000


@pytest.mark.parametrize("slot_bits", [1, 3])
def test_a_saturated_table_makes_every_id_a_candidate_and_the_answer_stays_exact(slot_bits):
    """2 or 8 slots: after a few dozen ids every new id may repeat one, as far as the table knows."""
    ids: list[str | None] = [f"X{i}" for i in range(200)] + ["X7", "X150", "new", "X7"]
    dups, _ = run(ids, [9] * 30, fail=False, SLOT_BITS=slot_bits, GROUP_ROWS=5, RESOLVE_MIN=16)
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples) == (3, [
        {"row": 201, "household_id": "X7"}, {"row": 202, "household_id": "X150"}, {"row": 204, "household_id": "X7"}])


@pytest.mark.parametrize("fail", [False, True])
def test_repeats_near_and_far_over_many_groups(fail):
    """300,000 rows in CSV-sized batches with the real sizes: repeats in the same batch, the next
    batch and 200,000 rows later, blanks and padded ids; candidates decided several times."""
    rng = np.random.default_rng(13)
    ids: list[str | None] = [f"H{v:09d}" for v in range(300_000)]
    for far in rng.integers(200_000, 300_000, 40).tolist():
        ids[far] = ids[far - 200_000]
    for near in rng.integers(1, 300_000, 40).tolist():
        ids[near] = ids[near - 1] if near % 2 else f" {ids[near - 30_000 if near > 30_000 else 0]} "
    for blank in rng.integers(0, 300_000, 30).tolist():
        ids[blank] = ["", None, "  "][blank % 3]
    count, examples, error = reference(ids)
    dups, raised = run(ids, [26_214] * 12, fail=fail, RESOLVE_MIN=500)
    if fail:
        assert raised == error
        return
    assert count > 60
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples) == (count, examples)
    assert dups.candidate_count == 0
    # the index: 8 bytes an id checked (the blanks are not kept), and the fixed table
    assert sum(h.nbytes for h in dups.hashes) == 8 * dups.checked == 8 * sum(1 for v in ids if (v or "").strip())
    assert dups.slots.nbytes == 32 * 2**20


def test_a_repeat_in_an_early_group_is_the_error_before_a_sure_one_later():
    """With ``fail``: a repeat of an earlier group's id (decided by the exact pass) at row 30,001 is
    the error, not the repeat within a later group (known at once) at row 60,002."""
    ids = [f"K{v:07d}" for v in range(70_000)]
    ids[30_000] = ids[5]
    ids[60_001] = ids[60_000]
    _, raised = run(ids, [20_000] * 3, fail=True)
    assert raised == "household_id 'K0000005' appears more than once (again at row 30001)"


def test_after_nk809_the_error_path_flush_adds_nothing():
    """The caller calls flush() again in its error path: the error is raised once, nothing is counted."""
    ids = pa.array(["A", "B", "A", "B"])
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), True, lambda: [(ids, 1)])
    dups.GROUP_ROWS = 1
    with pytest.raises(NormkitError) as e:
        dups.add_ids(ids, 1)
        dups.flush()
    assert e.value.message == "household_id 'A' appears more than once (again at row 3)"
    dups.flush()
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples, dups.candidate_count) == (0, [], 0)


class Reads:
    """The ids read again, counted."""

    def __init__(self, batches: list[tuple[pa.Array, int]]) -> None:
        self.batches, self.count, self.rows = batches, 0, 0

    def __call__(self):
        self.count += 1
        for col, first in self.batches:
            self.rows = first + len(col) - 1
            yield col, first


def test_nothing_is_read_again_when_no_hash_repeats_and_candidates_hold_no_text():
    batches = [(pa.array([f"R{i}" for i in range(k + 6, k - 1, -1)]), k + 1) for k in range(0, 70, 7)]  # out of order from the first
    reads = Reads(batches)
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), False, reads)
    dups.GROUP_ROWS, dups.SLOT_BITS = 1, 1  # every id a candidate
    for col, first in batches:
        dups.add_ids(col, first)
    assert dups.candidates and all(len(part) == 3 and part[0].dtype == np.uint64 for part in dups.candidates)
    dups.flush()
    assert (reads.count, dups.summary.duplicate_ids, len(dups.repeated)) == (0, 0, 0)
    batches.append((pa.array(["R3", "new"]), 71))  # a repeat: one read, then none for the same rows
    dups.add_ids(*batches[-1])
    dups.flush()
    dups.flush()
    assert (reads.count, dups.summary.duplicate_ids, dups.summary.duplicate_examples) == (1, 1, [{"row": 71, "household_id": "R3"}])


def test_a_read_with_fail_stops_at_the_rows_checked():
    """With ``fail`` the texts are compared when a pass finds a repeated hash: the ids are read up
    to the last row checked, not one batch further (the rest of the file may not be readable yet)."""
    batches = [(pa.array(["x", COLLIDING[0], COLLIDING[1]]), 1), (pa.array(["D", "x"]), 4), (pa.array(["E"]), 6)]
    reads = Reads(batches)
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), True, reads)
    dups.GROUP_ROWS = 1
    dups.add_ids(*batches[0])  # two ids, one hash: read again, no error
    assert (reads.count, reads.rows) == (1, 3)
    with pytest.raises(NormkitError) as e:
        dups.add_ids(*batches[1])
        dups.flush()
    assert e.value.message == "household_id 'x' appears more than once (again at row 5)"
    assert (reads.count, reads.rows) == (2, 5)


A, B, C = COLLIDING


@pytest.mark.parametrize("slot_bits", [1, 22])
@pytest.mark.parametrize("group", [1, 1 << 14])
def test_ids_that_share_a_hash_are_not_a_repeat(slot_bits, group):
    """A, B, C share a hash, within one group or across groups: no repeat, no NK809; a true repeat
    of one of them after them still is, by its text, in row order, padded or not."""
    def both(ids: list[str | None], cuts: list[int]) -> tuple[tuple[int | None, list[dict[str, object]]], str | None]:
        dups, _ = run(ids, cuts, fail=False, SLOT_BITS=slot_bits, GROUP_ROWS=group)
        _, raised = run(ids, cuts, fail=True, SLOT_BITS=slot_bits, GROUP_ROWS=group)
        return (dups.summary.duplicate_ids, dups.summary.duplicate_examples), raised

    assert both(["x", A, "y", B, C], [1, 1]) == ((0, []), None)
    assert both([A, B, "z", C, "", None], [2]) == ((0, []), None)
    assert both([A, B, C, "w", f" {C}", B, A], [1, 1, 1, 1]) == (
        (3, [{"row": 5, "household_id": C}, {"row": 6, "household_id": B}, {"row": 7, "household_id": A}]),
        f"household_id {C!r} appears more than once (again at row 5)")
    assert both([B, A, "v", A], [3]) == ((1, [{"row": 4, "household_id": A}]), f"household_id {A!r} appears more than once (again at row 4)")


def test_a_shared_hash_found_with_fail_goes_on_and_a_later_repeat_of_its_text_stops_the_run():
    """With ``fail``: A then B (one hash) is not the error; the run goes on over many groups, each
    new row with that hash decided by text; B again is the error, not the C before it."""
    ids: list[str | None] = [A] + [f"K{i:07d}" for i in range(40_000)] + [B] + [f"M{i:07d}" for i in range(40_000)] + [C, "M0000001", B]

    def error(ids: list[str | None]) -> tuple[str, int]:
        reads = Reads([(pa.array(ids[k: k + 5_000]), k + 1) for k in range(0, len(ids), 5_000)])
        dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), True, reads)
        with pytest.raises(NormkitError) as e:
            for col, first in reads.batches:
                dups.add_ids(col, first)
            dups.flush()
        return e.value.message, reads.count

    assert error(ids)[0] == "household_id 'M0000001' appears more than once (again at row 80004)"
    ids[-2] = "M_new"
    message, count = error(ids)
    assert message == f"household_id {B!r} appears more than once (again at row 80005)"
    assert count >= 2  # B (a shared hash, no error), then C and B again


def test_many_repeated_ids_are_counted_exactly():
    """200,000 ids, each twice (the second half shuffled): every row of the second half repeats."""
    rng = np.random.default_rng(5)
    first = [f"D{v:08d}" for v in range(200_000)]
    ids: list[str | None] = first + [first[i] for i in rng.permutation(200_000).tolist()]
    dups, _ = run(ids, [26_214] * 16, fail=False)
    count, examples, _ = reference(ids)
    assert count == 200_000
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples) == (count, examples)
    assert len(dups.repeated) == 200_000


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("chunk_rows", [3, None])
def test_classify_file_tells_ids_that_share_a_hash_from_a_repeat(tmp_path, standards, suffix, chunk_rows):
    """End to end: a file holding A and B (one hash) has no repeated id, with or without
    --fail-on-duplicates; with A again after them, the repeat is A's (counted, or NK809)."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from normkit.poverty.run import classify_file

    def households(ids: list[str]) -> Path:
        table = pa.table({"household_id": ids, "area": ["rural"] * len(ids),
                          "income_per_capita": ["1000000"] * len(ids), "deprivation_count": ["1"] * len(ids)})
        path = tmp_path / f"h{suffix}"
        if suffix == ".csv":
            pcsv.write_csv(table, path)
        else:
            pq.write_table(table, path)
        return path

    out = tmp_path / f"o{suffix}"
    src = households(["H1", A, "H2", "H3", B, "H4", "H5"])
    s = classify_file(src, out, standards[2024], chunk_rows=chunk_rows)
    assert (s.rows_in, s.duplicate_ids, s.duplicate_examples) == (7, 0, [])
    assert classify_file(src, out, standards[2024], chunk_rows=chunk_rows, fail_on_duplicates=True).duplicate_ids == 0
    src = households(["H1", A, "H2", "H3", B, "H4", "H5", f"{A} ", "H2"])
    s = classify_file(src, out, standards[2024], chunk_rows=chunk_rows)
    assert (s.duplicate_ids, s.duplicate_examples) == (2, [{"row": 8, "household_id": A}, {"row": 9, "household_id": "H2"}])
    with pytest.raises(NormkitError) as e:
        classify_file(src, out, standards[2024], chunk_rows=chunk_rows, fail_on_duplicates=True)
    assert (e.value.code, e.value.message) == ("NK809", f"household_id {A!r} appears more than once (again at row 8)")


def test_a_repeat_found_by_the_error_paths_flush_is_nk809(tmp_path, standards):
    """With --fail-on-duplicates a repeat found only when the run stops at an error (the first
    1 MiB CSV block, ~4,800 long rows, is fewer rows than a group: its ids are checked by the error
    path's flush) is still NK809: the ids are read again from the file, up to the rows checked."""
    from normkit.poverty.run import classify_file

    lines = ["household_id,area,income_per_capita,deprivation_count,note", "H1,rural,1,1,x", "H1,rural,1,1,x"]
    lines += [f"H{i},rural,1,1,{'n' * 200}" for i in range(2, 6_000)] + ["H9,rural,1,1,x,extra"]
    src = tmp_path / "late.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(NormkitError) as e:
        classify_file(src, tmp_path / "o.csv", standards[2024], fail_on_duplicates=True)
    assert (e.value.code, e.value.message) == ("NK809", "household_id 'H1' appears more than once (again at row 2)")
    with pytest.raises(NormkitError) as e:
        classify_file(src, tmp_path / "o.csv", standards[2024])
    assert e.value.code == "NK702" and "has 6 cells; the header has 5" in e.value.message


def test_with_fail_many_shared_hashes_cost_few_second_reads():
    """40 pairs of different ids sharing a hash, each pair in its own batch of a 40,000-row file:
    with --fail-on-duplicates the first shared hash is read for at once, later ones only when the
    rows checked have doubled (and at the end) — not a read from the first row for every pair. No
    NK809: no id repeats. A true repeat after them is still the error, at its row."""
    pairs = [colliding_ids(first=f"HH{j:06d}", count=2) for j in range(40)]
    batches = []
    for j, pair in enumerate(pairs):
        filler = [f"F{j:03d}{i:05d}" for i in range(998)]
        batches.append([*filler[:500], *pair, *filler[500:]])
    for fail, extra in ((True, []), (True, ["F00000007"]), (False, ["F00000007"])):
        ids = [i for b in batches for i in b] + extra
        cols = [(pa.array(b, pa.string()), 1 + 1000 * k) for k, b in enumerate(batches)]
        if extra:
            cols.append((pa.array(extra, pa.string()), 40_001))
        reads = []

        def again(cols=cols, reads=reads):
            reads.append(1)
            return iter(cols)

        dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), fail, again)
        dups.GROUP_ROWS = 1
        try:
            for col, first in cols:
                dups.add_ids(col, first)
            dups.flush()
            raised = None
        except NormkitError as e:
            raised = e.message
        assert reference(ids)[:2] == ((1, [{"row": 40_001, "household_id": "F00000007"}]) if extra else (0, []))
        if fail:
            assert raised == ("household_id 'F00000007' appears more than once (again at row 40001)" if extra else None)
            assert 1 < len(reads) <= 8, len(reads)  # 1 000, 2 000, 4 000 … 32 000 rows, and the end
        else:
            assert (raised, dups.summary.duplicate_ids, len(reads)) == (None, 1, 1)


def test_a_file_changed_before_its_ids_are_read_again_is_nk702_and_nothing_is_written(tmp_path, standards, monkeypatch):
    """The second read of the ids must read the file classified: one rewritten in the meantime
    (here: a row appended just before the texts are compared) is an error, not a wrong count, and
    no output is left behind. Unchanged, the same file gives its one repeat."""
    from normkit.poverty.run import classify_file

    src = tmp_path / "h.csv"
    src.write_text("household_id,area,income_per_capita,deprivation_count\nH1,rural,1,1\nH2,rural,1,1\nH1,rural,1,1\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert classify_file(src, out, standards[2024]).duplicate_examples == [{"row": 3, "household_id": "H1"}]
    out.unlink()
    compare = DuplicateIds.compare

    def rewritten_first(self):
        with open(src, "a", encoding="utf-8") as fh:
            fh.write("H3,rural,1,1\n")
        compare(self)

    monkeypatch.setattr(DuplicateIds, "compare", rewritten_first)
    for fail in (False, True):
        with pytest.raises(NormkitError) as e:
            classify_file(src, out, standards[2024], fail_on_duplicates=fail)
        assert (e.value.code, e.value.message, e.value.hint) == (
            "NK702", (f"{src}: the file changed while it was classified (its household ids are read a second time); "
                      "nothing was written"), "classify it again once nothing is writing to it")
        assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["h.csv"]
