"""Household ids in ascending order (a register's usual order) skip the screen of the duplicate-id
check (poverty/run.py:DuplicateIds.ascends): while every id is greater than the one before, none
can repeat an earlier one, and nothing is kept for them. At the first id out of order the ids
before it are read again, hashed and set their filter bits, and from there every id is screened
as usual — the answers must be those of a plain reference that compares the ids themselves,
wherever the order breaks."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_duplicate_ids import Reads, reference  # the ids read again, counted; the plain reference (trimmed id → first row)

from normkit.core.errors import NormkitError
from normkit.poverty.run import ClassifySummary, DuplicateIds


def check(ids: list[str | None], batch: int, fail: bool = False, **sizes: int) -> DuplicateIds:
    batches = [(pa.array(ids[at: at + batch], pa.string()), at + 1) for at in range(0, len(ids), batch)]
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), fail, lambda: iter(batches))  # the ids read again
    for name, value in sizes.items():
        setattr(dups, name, value)
    for col, first in batches:
        dups.add_ids(col, first)
    dups.flush()
    return dups


def test_sorted_ids_are_never_screened():
    ids = [f"H{i:09d}" for i in range(200_000)]
    dups = check(ids, 26_250)
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples, dups.ascending, dups.slots) == (0, [], True, None)
    assert dups.checked == 200_000 and dups.last_id == "H000199999"


def batched(ids: list[str], size: int) -> list[tuple[pa.Array, int]]:
    return [(pa.array(ids[at: at + size], pa.string()), at + 1) for at in range(0, len(ids), size)]


def test_a_sorted_file_keeps_nothing_a_household_and_is_read_once():
    batches = batched([f"H{i:09d}" for i in range(300_000)], 26_250)
    again = Reads(batches)
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), False, again)
    for col, first in batches:
        dups.add_ids(col, first)
    dups.flush()
    assert (dups.hashes, dups.slots, again.count, dups.checked, dups.sorted_to) == ([], None, 0, 300_000, 300_000)


def test_when_the_order_breaks_the_ids_before_are_read_again_once_up_to_the_last_sorted_row():
    """The first 5 groups of 16,384 ids ascend; the 6th does not: rows 1–81,920 are read again
    (not one batch further: the rest may not be readable yet), once; later ids are screened
    against them."""
    ids = [f"H{i:09d}" for i in range(81_920)] + [f"G{i:09d}" for i in range(16_384)] + ["H000000005", "H000081919"]
    batches = batched(ids, 4_096)
    again = Reads(batches)
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), False, again)
    for col, first in batches[:21]:  # 81,920 sorted ids, then the first group of G…
        dups.add_ids(col, first)
    assert (dups.ascending, again.count, again.rows, dups.sorted_to) == (True, 0, 0, 81_920)
    for col, first in batches[21:25]:
        dups.add_ids(col, first)
    assert (dups.ascending, again.count, again.rows) == (False, 1, 81_920)
    assert sum(len(h) for h in dups.hashes) == dups.checked == 98_304
    for col, first in batches[25:]:
        dups.add_ids(col, first)
    dups.flush()  # the two repeats are compared by their text: a second read, to the last row
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples, again.count) == (
        2, [{"row": 98_305, "household_id": "H000000005"}, {"row": 98_306, "household_id": "H000081919"}], 2)


def test_ids_read_again_that_are_not_those_checked_are_nk702():
    batches = batched([f"H{i:05d}" for i in range(20_000)] + ["A"], 5_000)
    dups = DuplicateIds(ClassifySummary("s", "2024-09-01", "income"), False, lambda: iter(batches[:2]))  # a shorter file now
    with pytest.raises(NormkitError) as e:
        for col, first in batches:
            dups.add_ids(col, first)
        dups.flush()
    assert (e.value.code, e.value.message, e.value.hint) == (
        "NK702", ("the household ids read again are not the ids classified: the file changed while it was classified; nothing "
                  "was written"), "classify it again once nothing is writing to it")


def test_a_late_repeat_of_an_early_sorted_id_is_found():
    """The order breaks at the repeat: the 190,000 ids before it are put in the filter then."""
    ids = [f"H{i:09d}" for i in range(190_000)] + ["H000000007"] + [f"H{i:09d}" for i in range(190_000, 200_000)] + ["H000199999"]
    dups = check(ids, 26_250)
    assert not dups.ascending
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples) == (2, [
        {"row": 190_001, "household_id": "H000000007"}, {"row": 200_002, "household_id": "H000199999"}])


def test_an_equal_neighbour_is_not_ascending_and_is_the_error_with_fail():
    ids = ["A1", "A2", "A2", "A3"]
    with pytest.raises(NormkitError) as e:
        check(ids, 4, fail=True)
    assert (e.value.code, e.value.message) == ("NK809", "household_id 'A2' appears more than once (again at row 3)")


def test_a_descending_file_without_repeats_reports_none():
    ids = [f"H{i:07d}" for i in range(50_000, 0, -1)]
    dups = check(ids, 7_000)
    assert (dups.summary.duplicate_ids, dups.ascending) == (0, False)


def test_byte_order_is_the_order_of_the_characters():
    """Vietnamese letters sort after ASCII in UTF-8 and in Python alike: these ascend, none repeats."""
    ids = ["HA1", "Hb1", "Hz1", "Hà1", "Hé1", "Hđ1", "Hơ1", "Hư1"]
    dups = check(ids, 3)
    assert (dups.summary.duplicate_ids, dups.ascending) == (0, True)
    dups = check([*ids, "Hà1"], 3)
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples, dups.ascending) == (1, [{"row": 9, "household_id": "Hà1"}], False)


@st.composite
def mostly_sorted(draw: st.DrawFn) -> list[str | None]:
    """Sorted distinct ids with a few edits: a repeat of any earlier id, an id out of order, a blank
    id or one that needs trimming, at random places (or none: the whole stream ascends)."""
    n = draw(st.integers(1, 400))
    ids: list[str | None] = [f"K{v:05d}" for v in sorted(draw(st.sets(st.integers(0, 99_999), min_size=n, max_size=n)))]
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(ids)))
        edit = draw(st.sampled_from(["repeat", "smaller", "blank", "padded"]))
        if edit == "repeat" and at:
            ids.insert(at, ids[draw(st.integers(0, at - 1))])
        elif edit == "smaller":
            ids.insert(at, "K")
        elif edit == "blank":
            ids.insert(at, draw(st.sampled_from([None, "", " "])))
        elif at:
            ids.insert(at, f" {ids[at - 1]}")
    return ids


@settings(max_examples=300, deadline=None)
@given(mostly_sorted(), st.sampled_from([1, 7, 64, 1000]), st.sampled_from([1, 5, 1 << 14]), st.sampled_from([3, 1 << 16]))
def test_mostly_sorted_streams_match_the_reference(ids, batch, group, screen):
    dups = check(ids, batch, GROUP_ROWS=group, SCREEN_ROWS=screen)
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples) == reference(ids)[:2]


def test_ids_sharing_a_hash_in_ascending_order_are_three_ids_and_a_later_repeat_is_one():
    """Three different ids with one 64-bit hash (tests/poverty/test_duplicate_ids.py builds them)
    ascend: they are not screened, and they are not repeats. A later repeat of the middle one,
    out of order, puts them in the filter; its text is compared: one repeat, of that id."""
    from test_duplicate_ids import COLLIDING

    assert sorted(COLLIDING) == COLLIDING
    ids = ["HA000000", *COLLIDING, "HZ000000"]
    assert (check(ids, 2).summary.duplicate_ids, check(ids, 2).ascending) == (0, True)
    dups = check([*ids, "HZ000001", COLLIDING[1], "HZ000002"], 2)
    assert (dups.summary.duplicate_ids, dups.summary.duplicate_examples, dups.ascending) == (
        1, [{"row": 7, "household_id": COLLIDING[1]}], False)

