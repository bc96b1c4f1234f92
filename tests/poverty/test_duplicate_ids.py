"""The duplicate-household-id check (poverty/run.py:DuplicateIds) against a plain Python reference.

The check decides by 64-bit hash; the reference compares the ids themselves (a dict of id → first
row). For the inputs here no two different ids share a hash (ids of one length up to 8 bytes
never do; the rest are checked below), so the two must agree exactly: the count, the first five
examples, and with ``fail`` the NK809 of the first repeated row. The table's size, the group and
part sizes and when candidates are decided are varied, down to sizes where every id is a
candidate, so each path of the screen and of the exact pass is taken.
"""

from __future__ import annotations

import hashlib

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
        **sizes: int) -> tuple[DuplicateIds, str | None]:
    """Feed ``ids`` in the batches ``cuts`` gives (sizes of consecutive batches); the NK809 message or None."""
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), fail)
    for name, value in sizes.items():
        setattr(dups, name, value)
    at = 0
    try:
        for size in [*cuts, len(ids)]:
            batch = ids[at: at + size]
            if batch:
                dups.add_ids(pa.array(batch, pa.large_string() if large else pa.string()), first_row + at)
            at += len(batch)
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
    pool = draw(st.lists(st.one_of(WORD, LONG), min_size=1, max_size=draw(st.sampled_from([4, 60])), unique=True))  # repeats, or mostly new ids
    pick = st.one_of(
        st.sampled_from(pool),
        st.builds(lambda v, pad: pad[0] + v + pad[1], st.sampled_from(pool), st.sampled_from([(" ", ""), ("", "\t"), ("  ", " ")])),
        st.sampled_from([None, "", "   ", "\t"]),  # blank: never compared
    )
    ids = draw(st.lists(pick, min_size=draw(st.sampled_from([0, 80])), max_size=150))
    cuts = draw(st.one_of(st.just([]), st.lists(st.integers(1, 9), max_size=40)))  # one batch, or many small ones
    return ids, cuts


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(id_streams(), SIZES, st.booleans(), st.sampled_from([1, 7]), st.booleans())
def test_random_id_streams_match_the_reference(stream, sizes, fail, first_row, large):
    ids, cuts = stream
    count, examples, error = reference(ids, first_row)
    dups, raised = run(ids, cuts, fail=fail, first_row=first_row, large=large, **sizes)
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
    """The hash is part of what the docs state (a repeated hash is a repeated id): these must not move."""
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
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), fail=True)
    dups.GROUP_ROWS = 1
    with pytest.raises(NormkitError) as e:
        dups.add_ids(pa.array(["A", "B", "A", "B"]), 1)
        dups.flush()
    assert e.value.message == "household_id 'A' appears more than once (again at row 3)"
    dups.flush()
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples, dups.candidate_count) == (0, [], 0)


def test_examples_are_kept_only_while_wanted():
    """Once five examples are known, the candidates' text is no longer kept (the count goes on)."""
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), fail=False)
    dups.GROUP_ROWS = 1
    dups.add_ids(pa.array([f"R{i % 7}" for i in range(14)]), 1)
    dups.flush()
    assert dups.summary.duplicate_ids == 7
    assert [d["row"] for d in dups.summary.duplicate_examples] == [8, 9, 10, 11, 12]
    dups.add_ids(pa.array(["R1", "new"]), 15)
    assert dups.candidates
    assert all(part[3] is None for part in dups.candidates)
    dups.flush()
    assert (dups.summary.duplicate_ids, len(dups.summary.duplicate_examples)) == (8, 5)
