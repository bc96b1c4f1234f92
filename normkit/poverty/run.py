"""File-level runs behind the CLI: classify, rates and compare over CSV/Parquet, chunk by chunk.

Large files are processed in chunks (rows in a chunk are evaluated as arrays), with a
progress bar when the output is a terminal. Outputs are written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from normkit.core.errors import Location, NormkitError
from normkit.core.io.atomic import removed_on_signals
from normkit.core.io.outputs import check_outputs
from normkit.core.io.pipeline import Stage, cores, read_ahead
from normkit.poverty.batch import CleanResult, classify_clean, classify_frame
from normkit.poverty.compare import Transitions, transitions
from normkit.poverty.files import CHUNK_ROWS, AtomicTableWriter, as_frame, open_households, rejects_path
from normkit.poverty.rates import RateCounter
from normkit.poverty.standards import STATUSES, Standard

PROGRESS_MIN_ROWS = 100_000
#: Batches that may wait before each background stage of :func:`classify_file` (read-ahead,
#: writing, id check): two 1 MiB CSV blocks, or one Parquet or XLSX batch (up to 250,000 rows), so
#: the batches in flight stay a few MiB for CSV and about 60 MiB of Arrow memory for Parquet.
PIPELINE_DEPTH = {"csv": 2}
ID_COLUMN = "household_id"
DUPLICATE_EXAMPLES = 5


@dataclass
class ClassifySummary:
    """What a classify run did: rows in = classified + rejected."""

    standard: str
    at: str
    method: str
    rows_in: int = 0
    classified: int = 0
    rejected: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    out: str = ""
    rejects: str | None = None
    duplicate_ids: int | None = 0  # rows whose household_id an earlier row already has; None: not looked for (--engine dask)
    duplicate_examples: list[dict[str, Any]] = field(default_factory=list)  # the first few: {"row": …, "household_id": …}
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextmanager
def located(path: str | Path) -> Iterator[None]:
    """Errors about the data as a whole (a missing column …) name the file they are about."""
    try:
        yield
    except NormkitError as e:
        if e.location is None:
            e.location = Location(str(path))
        raise


@contextmanager
def progress(total: int | Callable[[], int], label: str, enabled: bool | None = None) -> Iterator[Any]:
    """A rich progress bar on stderr for large inputs (nothing when not a terminal).

    ``total`` may be a function: the rows are then counted only when a bar can be shown (a
    terminal, or ``enabled``), never for a run into a pipe or a file."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if enabled is False or (enabled is None and not console.is_terminal):
        yield lambda n: None
        return
    rows = total() if callable(total) else total
    show = enabled if enabled is not None else rows >= PROGRESS_MIN_ROWS
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=console, disable=not show, transient=False)
    with bar:
        task = bar.add_task(label, total=rows)
        yield lambda n: bar.advance(task, n)


#: What :class:`DuplicateIds` is given to read the ids again: a function returning the id column's
#: batches from the first row, in order, as (Arrow text array, its first row).
IdBatches = Callable[[], Iterable[tuple[Any, int]]]


class DuplicateIds:
    """Counts rows whose household id an earlier row already has (blank ids are not compared;
    ids are trimmed first). A reported repeat is always a repeat of the same text.

    The ids are screened by 64-bit hash (:func:`id_hashes`), and only an id whose hash occurs at
    an earlier row is looked at again: ``ids_again`` reads the ids a second time (from the file:
    the input is read twice only when some hash repeats, or when ascending ids stop ascending: see
    below) and :func:`exact_repeats` decides the
    rows with those hashes by their text, in row order. Two different ids that share a hash (a
    probability of ~3 × 10⁻⁶ among 10 million households) are then two ids, not a repeat.

    The hashes of the ids checked are kept in row order, 8 bytes a household (none while the ids
    ascend), never sorted or merged. Each group of ids is first screened by a fixed table of 2²² 64-bit slots (32 MiB,
    whatever the number of households; an id's slot is the top 22 bits of its hash):

    - the high 32 bits of a slot are a blocked Bloom filter: each id sets 2 of them (chosen by the
      low 10 bits of its hash). An id whose 2 bits are set already *may* repeat an earlier group's
      id; any other id does not;
    - the low 32 bits take each id's place in its group, written all at once: an id that does not
      read its own place back shares its slot with another id of the group, and so does the one
      whose place it reads. Those few are compared by hash at once: the repeats of a hash within
      a group are known exactly.

    The ids that may repeat an earlier group's hash (every true repeat and the filter's false
    alarms, ~1 % of the ids at 10 million) are kept as candidates (hash and place only).
    :meth:`resolve` decides them in one pass over the kept hashes: a candidate repeats a hash iff
    it occurs at an earlier place; the repeated hashes are kept (sorted, each once: bounded by the
    distinct repeated ids). That pass runs at :meth:`flush`, when the candidates held reach
    :attr:`RESOLVE_MIN` or one for 16 households (their memory stays a small part of the index),
    and with ``fail`` when a group repeats a hash within itself or the ids checked have doubled
    since the last pass. The texts are compared at :meth:`flush` (the count and examples: one
    second read), or with ``fail`` as soon as a pass finds a repeated hash (the rows checked so
    far: a repeated id stops the run early; a shared hash does not, and the next comparison then
    waits until the rows checked have doubled, or for :meth:`flush`).

    Ids in ascending order (a register sorted by id, the usual export) are neither screened nor
    kept: while every id is plain and greater than the one before it (:meth:`ascends`, Arrow's byte
    order), none can repeat an earlier one, and memory stays flat however many households. At the
    first group out of order the ids before it are read again (``ids_again``), hashed, kept and set
    their filter bits (:meth:`catch_up`); that group and every later one are screened.
    """

    SLOT_BITS = 22  # 2²² slots of 64 bits: 32 MiB
    GROUP_ROWS = 1 << 14  # consecutive small batches are screened together (CSV comes in ~26,000-row blocks)
    SCREEN_ROWS = 1 << 16  # a larger group is screened in parts of this many ids (its places fit in 32 bits)
    RESOLVE_MIN = 1 << 18  # candidates held before they are decided (besides flush)

    def __init__(self, summary: ClassifySummary, fail: bool, ids_again: IdBatches) -> None:
        self.summary = summary
        self.fail = fail
        self.ids_again = ids_again
        self.slots: Any = None
        self.places: Any = np.arange(0, dtype=np.uint64)  # 0, 1, 2, … (the longest group's)
        self.hashes: list[Any] = []  # the hashes of the ids checked, in row order
        self.checked = 0  # how many (the place of the next id)
        self.checked_to = 0  # the last row checked
        self.resolved_at = 0  # ids checked when the candidates were last decided
        self.candidates: list[tuple[Any, Any, Any]] = []  # of each group: hashes, places, known repeats
        self.candidate_count = 0
        self.repeated: Any = np.zeros(0, dtype=np.uint64)  # the hashes found at more than one place (sorted, distinct)
        self.compared: tuple[int, int] = (0, 0)  # (repeated hashes, last row) when the texts were last compared
        self.pending: list[Any] = []  # id arrays of consecutive rows not checked yet
        self.pending_first = self.pending_next = 0
        self.ascending = True  # every id so far plain and greater than the one before it: none repeats
        self.last_id: str | None = None  # the last of them
        self.sorted_to = 0  # the last row checked while ascending (its ids are read again if the order breaks)

    def add(self, batch: Any, first_row: int) -> None:
        """Check the ids of one Arrow text batch (rows ``first_row`` …)."""
        if ID_COLUMN in batch.schema.names:
            self.add_ids(batch.column(ID_COLUMN), first_row)

    def add_ids(self, col: Any, first_row: int) -> None:
        """Check one batch's ids, an Arrow text array (rows ``first_row`` …), once
        :attr:`GROUP_ROWS` consecutive rows are held or :meth:`flush` is called: the same count,
        examples and first error as batch by batch."""
        if self.pending and first_row != self.pending_next:
            self.screen_pending()
        if not self.pending:
            self.pending_first = first_row
        self.pending.append(col)
        self.pending_next = first_row + len(col)
        if self.pending_next - self.pending_first >= self.GROUP_ROWS:
            self.screen_pending()

    def flush(self) -> None:
        """Check the ids held, decide every candidate and compare the texts of the repeated
        hashes: the count, examples and error (NK809) are final for the rows given (call at the
        end of the rows; with ``fail``, also before reporting another error)."""
        self.screen_pending()
        self.resolve()
        self.compare()

    def screen_pending(self) -> None:
        """Check the ids held (:meth:`check`); their candidates wait for :meth:`resolve`."""
        import pyarrow as pa

        if not self.pending:
            return
        cols, first = self.pending, self.pending_first
        self.pending = []
        self.check(cols[0] if len(cols) == 1 else pa.concat_arrays(cols), first)

    def check(self, col: Any, first_row: int) -> None:
        """Screen the ids of rows ``first_row`` …, an Arrow text array, and keep their hashes."""
        self.checked_to = max(self.checked_to, first_row + len(col) - 1)
        col, positions = compared_ids(col)  # their places count the ids compared; rows are not needed here
        if col is None:
            return
        if self.ascending:
            if positions is None and self.ascends(col):  # sorted ids (a register's order): nothing to screen, nothing kept
                self.checked += len(col)
                self.sorted_to = first_row + len(col) - 1
                return
            self.ascending = False
            self.catch_up()
        hashes = id_hashes(col)
        maybe, repeats = self.screen(hashes)
        at = np.flatnonzero(maybe)
        if len(at):
            sure = np.zeros(len(at), dtype=np.bool_)
            sure[np.searchsorted(at, repeats)] = True
            self.candidates.append((hashes[at], at + self.checked, sure))
            self.candidate_count += len(at)
        self.hashes.append(hashes)
        self.checked += len(hashes)
        if self.candidate_count >= max(self.RESOLVE_MIN, self.checked >> 4) or (
                self.fail and self.candidate_count and (len(repeats) or self.checked >= 2 * self.resolved_at)):
            self.resolve()

    def ascends(self, col: Any) -> bool:
        """Whether the group's ids (plain text, no blank) are each greater than the one before, the
        first greater than the last id checked (byte order, which is the order of the characters):
        then no id of them equals an earlier one. Keeps the last id."""
        import pyarrow.compute as pc

        first = col[0].as_py()
        if self.last_id is not None and not first > self.last_id:
            return False
        if len(col) > 1 and not pc.all(pc.greater(col[1:], col[:-1])).as_py():
            return False
        self.last_id = col[-1].as_py()
        return True

    def catch_up(self) -> None:
        """The ids checked while they were ascending were neither hashed nor kept (a sorted file
        costs no memory a household). Once an id is out of order they are read again
        (``ids_again``, up to the last row checked while ascending), hashed and kept in place order,
        and set their filter bits, so later ids are screened against them (their answers are known:
        none repeats)."""
        if not self.checked:
            return
        hashed = 0
        with closing(compared_up_to(self.ids_again(), self.sorted_to)) as given:
            for ids, _places, _first in given:
                hashes = id_hashes(ids)
                self.hashes.append(hashes)
                hashed += len(hashes)
                for at in range(0, len(hashes), self.SCREEN_ROWS):
                    self.screen(hashes[at: at + self.SCREEN_ROWS])
        if hashed != self.checked:  # the rows read again are not the rows checked
            raise NormkitError("NK702", "the household ids read again are not the ids classified: the file changed while it "
                                        "was classified; nothing was written", hint="classify it again once nothing is writing to it")

    def screen(self, hashes: Any) -> tuple[Any, Any]:
        """Which of a group's ``hashes`` may repeat an earlier one (a boolean array: the slot
        table's filter bits were all set, or the hash repeats one of the group), and which repeat
        one of the group (their places, in order). Sets the filter bits."""
        if len(hashes) > self.SCREEN_ROWS:  # a large group in parts: the same answers, bounded scratch
            parts = [self.screen(hashes[at: at + self.SCREEN_ROWS]) for at in range(0, len(hashes), self.SCREEN_ROWS)]
            return (np.concatenate([p[0] for p in parts]),
                    np.concatenate([p[1] + k * self.SCREEN_ROWS for k, p in enumerate(parts)]))
        if self.slots is None:
            self.slots = np.zeros(1 << self.SLOT_BITS, dtype=np.uint64)
        slots = self.slots
        low = np.uint64(0xFFFFFFFF)
        slot = (hashes >> np.uint64(64 - self.SLOT_BITS)).view(np.intp)
        bits = FILTER_BITS[(hashes & np.uint64(1023)).view(np.intp)]  # 2 of the high 32 bits, by the low 10 bits of the hash
        seen = slots[slot]
        maybe = (seen & bits) == bits  # every bit set by an earlier group
        if len(self.places) < len(hashes):
            self.places = np.arange(len(hashes), dtype=np.uint64)
        place = self.places[: len(hashes)]
        slots[slot] = (seen & ~low) | bits | place
        back = slots[slot]
        lost = np.flatnonzero((back & low) != place)  # another id of the group wrote this slot last
        if not len(lost):
            return maybe, lost
        shared = np.concatenate([lost, (back[lost] & low).view(np.intp)])  # the ids of the group that share a slot
        shared.sort()
        shared = shared[np.concatenate([[True], shared[1:] != shared[:-1]])]
        order = np.argsort(hashes[shared], kind="stable")  # by hash, then by place
        ordered = hashes[shared][order]
        repeats = np.sort(shared[order[1:][ordered[1:] == ordered[:-1]]])
        maybe[repeats] = True
        todo = lost[(back[lost] & bits[lost]) != bits[lost]]
        while len(todo):  # the bits of the ids whose write was lost (once or twice, for a few ids)
            slots[slot[todo]] |= bits[todo]
            todo = todo[(slots[slot[todo]] & bits[todo]) != bits[todo]]
        return maybe, repeats

    def resolve(self) -> None:
        """Decide the candidates held: one whose hash occurs at an earlier place repeats a hash,
        kept in :attr:`repeated`; with ``fail``, the texts are then compared — at once the first
        time, and after a comparison that found only different ids sharing a hash, once the rows
        checked have doubled (so shared hashes cost a few reads, not one each; :meth:`flush`
        compares the rest)."""
        self.resolved_at = self.checked
        if not self.candidates:
            return
        parts, self.candidates, self.candidate_count = self.candidates, [], 0
        hashes = np.concatenate([p[0] for p in parts])
        places = np.concatenate([p[1] for p in parts])  # increasing
        repeated = np.concatenate([p[2] for p in parts])  # the repeats within a group are known
        del parts  # each part's hashes and places: held once
        if not repeated.any():  # the others repeat a hash of an earlier group iff it occurs at an earlier place
            keys = distinct_sorted(hashes)
            repeated = places > first_places(self.hashes, keys, int(places[-1]))[np.searchsorted(keys, hashes)]
        elif not repeated.all():
            open_ = np.flatnonzero(~repeated)
            asked = hashes[open_]
            keys = distinct_sorted(asked)
            repeated[open_] = places[open_] > first_places(self.hashes, keys, int(places[open_[-1]]))[np.searchsorted(keys, asked)]
        if not repeated.any():
            return
        found = distinct_sorted(hashes[repeated])
        if len(self.repeated):  # two sorted runs: timsort merges them (np.union1d would hash every value)
            found = np.concatenate([self.repeated, found])
            found.sort(kind="stable")
            found = found[np.concatenate([[True], found[1:] != found[:-1]])]
        self.repeated = found
        if self.fail and (not self.compared[1] or self.checked_to >= 2 * self.compared[1]):
            self.compare()  # at once the first time; after a read that found only shared hashes, once the rows have doubled

    def compare(self) -> None:
        """Compare the texts of the rows checked whose hash repeats (:func:`exact_repeats`, one
        read of the ids from the first row): the count and the first examples, or with ``fail``
        NK809 at the first repeated id. Nothing is read when no hash repeats, nor twice for the
        same hashes and rows."""
        if self.compared == (len(self.repeated), self.checked_to):
            return
        self.compared = (len(self.repeated), self.checked_to)
        if not len(self.repeated):
            return
        count, shown = exact_repeats(self.ids_again(), self.repeated, self.checked_to,
                                     room=1 if self.fail else DUPLICATE_EXAMPLES, first_only=self.fail)
        if self.fail:
            if count:
                raise NormkitError("NK809", f"{ID_COLUMN} {shown[0][ID_COLUMN]!r} appears more than once (again at row {shown[0]['row']})")
            return
        self.summary.duplicate_ids = count
        self.summary.duplicate_examples = shown


def compared_ids(col: Any) -> tuple[Any, Any]:
    """The ids of an Arrow text array as they are compared — trimmed, blanks and nulls left out —
    and where they are in it (None: every one, none trimmed; the array is then ``col`` itself).
    (None, None) when every id is blank."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if plain_ids(col):  # the common case (nothing to trim, no blank id)
        return col, None
    col = pc.utf8_trim_whitespace(col)
    valid = np.asarray(pc.fill_null(pc.greater(pc.utf8_length(col), 0), False).to_numpy(zero_copy_only=False), dtype=bool)
    positions = np.flatnonzero(valid)
    if not len(positions):
        return None, None
    if len(positions) < len(col):
        col = pc.take(col, pa.array(positions))
    return col, positions


#: :func:`exact_repeats` keeps the first texts in arrays merged up to this many texts (more arrays
#: cost a little in each batch; merging larger ones would hold a second copy of millions of texts).
FIRSTS_MERGED = 1 << 20


def exact_repeats(batches: Iterable[tuple[Any, int]], keys: Any, last_row: int, *, room: int = DUPLICATE_EXAMPLES,
                  first_only: bool = False) -> tuple[int, list[dict[str, Any]]]:
    """The rows up to ``last_row`` whose id (trimmed, not blank) an earlier row has, among those
    whose hash is one of ``keys`` (sorted, distinct): how many, and the first ``room`` of them
    ({"row", "household_id"}) in row order; with ``first_only``, stops at the first.

    ``batches`` gives the ids from the first row, in order: (Arrow text array, its first row); it
    is not asked for a batch after the one holding ``last_row`` (the rows after may not be
    readable yet). Each key's first text is kept, in a few Arrow arrays; the rows with a key's
    hash are compared with it a batch at a time (Arrow's ``equal``). A row whose text differs —
    another id with the same hash, practically never — is decided by a dict of that hash's other
    texts. Memory: ~7 bytes and the text (with its 4-byte offset) a key, besides the key's 8 —
    the distinct repeated ids, not the rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(keys)
    bits = max(n.bit_length() - 2, 1)  # 2–4 keys a bucket on average: 1–2 bytes a key
    shift = np.uint64(64 - bits)
    starts = np.searchsorted(keys >> shift, np.arange((1 << bits) + 1, dtype=np.uint64)).astype(
        np.int32 if n < 2**31 else np.int64)  # bucket b: keys[starts[b]: starts[b + 1]]
    seen = np.zeros(n, dtype=np.bool_)  # a key's first text is known
    text_at = np.zeros(n, dtype=np.int32 if n < 2**31 else np.int64)  # where it is in `firsts`
    firsts: list[Any] = []
    others: dict[int, dict[str, int]] = {}  # of a key with a collision: its texts but the first → their first row
    count = 0
    shown: list[dict[str, Any]] = []

    def repeats(ids: Any, rows_of: Any, first: int) -> tuple[Any, Any, Any]:
        """Of one batch's ids (compared form): the rows with a key's hash, their texts, and which repeat."""
        nonlocal firsts
        at, k = key_places(keys, starts, shift, id_hashes(ids))
        rows = first + (at if rows_of is None else rows_of[at])
        texts = ids.take(pa.array(at))
        if not pa.types.is_string(texts.type):
            texts = texts.cast(pa.string())
        opens = np.zeros(len(k), dtype=np.bool_)  # the first row of its key
        new = np.flatnonzero(~seen[k])
        if len(new):
            fresh, where = np.unique(k[new], return_index=True)  # each new key's first row in this batch
            opens[new[where]] = True
            seen[fresh] = True
            text_at[fresh] = sum(len(f) for f in firsts) + np.arange(len(fresh))
            firsts.append(texts.take(pa.array(new[where])))
            while len(firsts) > 1 and len(firsts[-1]) >= len(firsts[-2]) and len(firsts[-2]) < FIRSTS_MERGED:
                firsts[-2:] = [pa.concat_arrays(firsts[-2:])]  # few arrays, each text copied ~log times, never a large one
        same = np.empty(len(k), dtype=np.bool_)  # the text equals its key's first text
        ends = np.cumsum([len(f) for f in firsts])
        part = np.searchsorted(ends, text_at[k], side="right")
        used = np.unique(part)
        for j in used.tolist():  # one Arrow array at a time (a chunked take resolves each index: 5× slower)
            sel = None if len(used) == 1 else np.flatnonzero(part == j)
            rows_texts = texts if sel is None else texts.take(pa.array(sel))
            local = text_at[k if sel is None else k[sel]] - (int(ends[j - 1]) if j else 0)
            equal = pc.equal(rows_texts, firsts[j].take(pa.array(local))).to_numpy(zero_copy_only=False)
            same[slice(None) if sel is None else sel] = equal
        repeat = same & ~opens
        for j in np.flatnonzero(~same).tolist():  # a hash shared by two different ids
            text = texts[j].as_py()
            earlier = others.setdefault(int(k[j]), {})
            if text in earlier:
                repeat[j] = True
            else:
                earlier[text] = int(rows[j])
        return rows, texts, repeat

    with closing(compared_up_to(batches, last_row)) as given:
        for ids, rows_of, first in given:
            rows, texts, repeat = repeats(ids, rows_of, first)
            found = np.flatnonzero(repeat)
            count += min(len(found), 1) if first_only else len(found)
            for j in found[: max(room - len(shown), 0)].tolist():
                shown.append({"row": int(rows[j]), ID_COLUMN: str(texts[j].as_py())})
            if first_only and count:
                break
    return count, shown


def compared_up_to(batches: Iterable[tuple[Any, int]], last_row: int) -> Generator[tuple[Any, Any, int], None, None]:
    """The ids of ``batches`` (Arrow text arrays from the first row, with their first row) up to
    ``last_row``, as they are compared (:func:`compared_ids`): (ids, their places or None, first
    row) for each batch with an id that is not blank. Never asks for a batch after the one holding
    ``last_row`` (the rows after may not be readable yet); closing it closes ``batches``."""
    it = iter(batches)
    try:
        for given, first in it:
            ids, rows_of = compared_ids(given if first + len(given) - 1 <= last_row else given.slice(0, max(last_row - first + 1, 0)))
            if ids is not None:
                yield ids, rows_of, first
            if first + len(given) > last_row:
                break
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


def key_places(keys: Any, starts: Any, shift: Any, hashes: Any) -> tuple[Any, Any]:
    """Which of ``hashes`` are among the sorted ``keys`` (their places, increasing) and where
    (their indices in ``keys``): each hash is looked for in its bucket of ``keys`` (its top bits,
    ``keys[starts[b]: starts[b + 1]]``, a few keys), one more key of each bucket a step — O(1) a
    hash, where a binary search of millions of keys costs ~20 cache misses."""
    bucket = (hashes >> shift).astype(np.intp)
    lo, hi = starts[bucket], starts[bucket + 1]
    todo = np.flatnonzero(hi > lo)
    at = lo[todo].astype(np.intp)
    found: list[tuple[Any, Any]] = []  # (places, indices) found at each step
    while len(todo):
        hit = keys[at] == hashes[todo]
        if hit.any():
            found.append((todo[hit], at[hit]))
        more = ~hit & (at + 1 < hi[todo])
        todo, at = todo[more], at[more] + 1
    if len(found) < 2:  # none, or every one found at the same step: in order already
        return found[0] if found else (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))
    places, k = np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
    order = np.argsort(places, kind="stable")  # a few increasing runs: timsort merges them
    return places[order], k[order]


def distinct_sorted(hashes: Any) -> Any:
    """The distinct values of ``hashes`` (uint64, uniformly spread), sorted: first by their top 16
    bits (NumPy's stable sort of 16-bit keys is a radix sort), then by timsort, which finds the
    array all but sorted (several times faster here than ``np.unique``, which hashes first)."""
    if len(hashes) < 1 << 14:
        ordered = np.sort(hashes)
    else:
        ordered = hashes[np.argsort((hashes >> np.uint64(48)).astype(np.uint16), kind="stable")]
        ordered.sort(kind="stable")
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


FILTER_BITS = (np.uint64(1) << (np.uint64(32) + (np.arange(1024, dtype=np.uint64) & np.uint64(31)))) | (
    np.uint64(1) << (np.uint64(32) + (np.arange(1024, dtype=np.uint64) >> np.uint64(5))))  # a low-10-bit value's 2 filter bits


def first_places(chunks: list[Any], keys: Any, last: int) -> Any:
    """For each of the sorted, distinct ``keys``, the first place (0, 1, … over the ``chunks`` of
    hashes in order, up to ``last``) where it occurs (a key that does not occur: the largest int64).
    A bit per top-bits prefix of the keys (about 64 bits a key, at most 2 MiB, for this pass only)
    passes about one hash in 64 per key to the exact search."""
    bits = min(max(len(keys).bit_length() + 6, 12), 24)
    shift = np.uint64(64 - bits)
    marked = np.zeros(1 << (bits - 6), dtype=np.uint64)
    prefix = keys >> shift
    np.bitwise_or.at(marked, (prefix >> np.uint64(6)).view(np.intp), np.uint64(1) << (prefix & np.uint64(63)))
    earliest = np.full(len(keys), np.iinfo(np.int64).max, dtype=np.int64)
    base = 0
    for chunk in chunks:
        if base > last:
            break
        prefix = chunk >> shift
        near = np.flatnonzero((marked[(prefix >> np.uint64(6)).view(np.intp)] >> (prefix & np.uint64(63))) & np.uint64(1))
        if len(near):
            found = chunk[near]
            if len(near) > 64:  # searched in order: the search walks the keys once rather than jumping about
                order = np.argsort(found)
                found, near = found[order], near[order]
            k = np.minimum(np.searchsorted(keys, found), len(keys) - 1)
            hit = keys[k] == found
            np.minimum.at(earliest, k[hit], near[hit] + base)
        base += len(chunk)
    return earliest


def plain_ids(col: Any) -> bool:
    """True when no id of the Arrow text array is missing or blank and none would be trimmed: the
    first and last byte of every id is printable ASCII (read from the buffers, no string made)."""
    import pyarrow as pa

    n = len(col)
    if not pa.types.is_string(col.type) or col.null_count or not n:
        return False
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset: col.offset + n + 1]
    raw = np.frombuffer(col.buffers()[2], dtype=np.uint8)
    lo, hi = int(offsets[0]), int(offsets[-1])
    width = (hi - lo) // n
    lengths = np.diff(offsets)
    if width and hi - lo == width * n and (lengths == width).all():  # ids of one width: the edges are strided views
        firsts, lasts = raw[lo:hi:width], raw[lo + width - 1:hi:width]
    elif (lengths <= 0).any():
        return False
    else:
        firsts, lasts = raw[offsets[:-1]], raw[offsets[1:] - 1]
    return bool(((firsts - np.uint8(0x21)) < np.uint8(0x5E)).all() and ((lasts - np.uint8(0x21)) < np.uint8(0x5E)).all())  # 0x21 … 0x7E


HASH_WORDS = 32  # ids of up to 256 bytes are hashed 8 bytes at a time; longer ones by BLAKE2b (rare)
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def mixed(h: Any) -> Any:
    """splitmix64's finaliser, in place on a uint64 array (a bijection with full avalanche)."""
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def id_hashes(col: Any) -> Any:
    """64-bit hashes of a text array's values, read from its Arrow buffers; a value's hash depends
    on its bytes alone (not on the other values of the array).

    For an id of ``L`` bytes, up to 256: ``h = L × φ`` (φ = 0x9E3779B97F4A7C15), then for each of
    its 8-byte little-endian words in order ``h = mix(h ^ word)`` (``mix``: splitmix64's
    finaliser). The words are bytes 0–7, 8–15, …, the last one the id's last 8 bytes (overlapping
    the one before; an id shorter than 8 bytes is one word, zero-padded). Each step is a bijection
    of the word, so ids of one length up to 8 bytes never share a hash. Longer ids: the first 8
    bytes of their BLAKE2b digest."""
    import pyarrow as pa

    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        col = col.cast(pa.string())
    n = len(col)
    if not n:
        return np.zeros(0, dtype=np.uint64)
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32 if pa.types.is_string(col.type) else np.int64)[col.offset: col.offset + n + 1]
    data = col.buffers()[2]
    lo, hi = int(offsets[0]), int(offsets[-1])
    width = (hi - lo) // n
    with np.errstate(over="ignore"):
        if 8 <= width <= 8 * HASH_WORDS and hi - lo == width * n and (np.diff(offsets) == width).all():
            # ids of one width (H000000001 …): each word is a strided view of the buffer, nothing copied
            h = np.full(n, np.uint64(width * GOLDEN_GAMMA % 2**64), dtype=np.uint64)
            for i in range((width + 7) // 8):
                h ^= np.ndarray((n,), dtype="<u8", buffer=data, offset=lo + min(8 * i, width - 8), strides=(width,))
                mixed(h)
            return h
        lengths = np.diff(offsets).astype(np.int64)
        raw = np.zeros(hi - lo + 8, dtype=np.uint8)  # 8 bytes of padding: a short id's word is read whole
        if hi > lo:
            raw[: hi - lo] = np.frombuffer(data, dtype=np.uint8)[lo:hi]
        words = np.ndarray((hi - lo + 1,), dtype="<u8", buffer=raw, strides=(1,))  # the 8 bytes from each byte on
        starts = offsets[:-1].astype(np.int64) - lo
        h = lengths.astype(np.uint64) * np.uint64(GOLDEN_GAMMA)
        count = np.maximum((lengths + 7) // 8, 1)
        short = lengths < 8
        first = words[starts]
        first[short] &= (np.uint64(1) << (lengths[short].astype(np.uint64) * np.uint64(8))) - np.uint64(1)
        h ^= first
        mixed(h)
        for i in range(1, min(int(count.max()), HASH_WORDS)):
            at = np.flatnonzero(count > i)
            step = h[at] ^ words[starts[at] + np.minimum(8 * i, lengths[at] - 8)]
            h[at] = mixed(step)
        long = np.flatnonzero(count > HASH_WORDS)
        if len(long):
            import hashlib

            buf = raw.tobytes()
            for k in long.tolist():
                s = int(starts[k])
                h[k] = int.from_bytes(hashlib.blake2b(buf[s: s + int(lengths[k])], digest_size=8).digest(), "little")
    return h


def classify_file(path: str | Path, out: str | Path, std: Standard, *, method: str | None = None,
                  rejects: str | Path | None = None, low_income: bool = False, show_progress: bool | None = None,
                  chunk_rows: int | None = None, in_place: bool = False, fail_on_duplicates: bool = False) -> ClassifySummary:
    """Classify the households of ``path`` into ``out`` (CSV or Parquet); bad rows go to ``rejects``.

    No output may be the input or the other output (NK807, before anything is written); ``--out``
    may replace the input only with ``in_place``. Repeated household ids are counted, or are an
    error (NK809) with ``fail_on_duplicates``. On SIGTERM/SIGHUP the temporaries are removed and
    the old outputs stay as they were.
    """
    rej_path = Path(rejects) if rejects else rejects_path(out)
    check_outputs([("input file", path)],
                  [("--out", out), ("--rejects" if rejects else "the rejects file derived from --out", rej_path)],
                  replaceable="--out", in_place=in_place)
    with removed_on_signals():
        return _classify_file(path, out, rej_path, std, method=method, low_income=low_income, show_progress=show_progress,
                              chunk_rows=chunk_rows, fail_on_duplicates=fail_on_duplicates)


def _classify_file(path: str | Path, out: str | Path, rej_path: Path, std: Standard, *, method: str | None,
                   low_income: bool, show_progress: bool | None, chunk_rows: int | None,
                   fail_on_duplicates: bool) -> ClassifySummary:
    summary = ClassifySummary(std.id, str(std.at), method or "", out=str(out))
    with located(path):
        table = open_households(path, chunk_rows or CHUNK_ROWS)
    read_as = file_identity(path)

    def ids_again() -> Iterator[tuple[Any, int]]:  # the id column read again, only when some id hash repeats
        unchanged(path, read_as)
        for again in open_households(path, chunk_rows or CHUNK_ROWS, columns=[ID_COLUMN]).batches:  # that column only
            yield again.text_column(ID_COLUMN), again.first_row
        unchanged(path, read_as)

    duplicates = DuplicateIds(summary, fail_on_duplicates, ids_again)
    writer = AtomicTableWriter(out)
    rej_writer = AtomicTableWriter(rej_path)
    columns = list(table.names)
    # the writing and the id check of a batch overlap the reading and evaluation of the next (in order, at most
    # PIPELINE_DEPTH batches waiting for each; their errors are raised here): see normkit.core.io.pipeline
    depth, background = PIPELINE_DEPTH.get(table.format, 1), cores() > 1  # one core: nothing to overlap
    writes = Stage(writer.write_batch, depth=depth, name="normkit-write", background=background)
    checks = Stage(lambda job: job[0](*job[1:]), depth=depth, name="normkit-ids", background=background)
    try:
        with located(path), progress(table.count_rows, f"classify {Path(path).name}", show_progress) as advance:
            for batch in read_ahead(table.batches, depth=depth, background=background):
                if ID_COLUMN in columns:
                    checks.put((duplicates.add_ids, batch.text_column(ID_COLUMN), batch.first_row))
                clean = (classify_clean(dict(zip(batch.raw.schema.names, batch.raw.columns, strict=True)), batch.num_rows, std,
                                        method=method, low_income=low_income) if batch.num_rows else None)
                if clean is not None:  # the common case: no row rejected, no pandas
                    summary.method = clean.method
                    summary.notes += [n for n in clean.notes if n not in summary.notes]
                    writes.put(clean_batch(batch.raw, clean, text=writer.format == "csv"))
                    tally = np.bincount(clean.status.codes, minlength=len(clean.status.categories))
                    for word, k in zip(clean.status.categories, tally.tolist(), strict=True):
                        summary.counts[word] = summary.counts.get(word, 0) + k
                    summary.rows_in += batch.num_rows
                    summary.classified += batch.num_rows
                    advance(batch.num_rows)
                    continue
                chunk = numbers_as_stored(batch, std)
                r = classify_frame(chunk, std, method=method, low_income=low_income, first_row=batch.first_row)
                summary.method = r.method
                summary.notes += [n for n in r.notes if n not in summary.notes]
                if len(r.classified):
                    writes.put(classified_batch(batch.raw, r.classified))
                if len(r.rejects):
                    rej_writer.write_batch(rejects_batch(batch.text, r.rejects))
                for s, n in r.classified["status"].value_counts().items():
                    summary.counts[str(s)] = summary.counts.get(str(s), 0) + int(n)
                summary.rows_in += batch.num_rows
                summary.classified += len(r.classified)
                summary.rejected += len(r.rejects)
                advance(batch.num_rows)
            checks.put((duplicates.flush,))
            checks.finish()
        writes.finish()
        writer.close(columns + [c for c in ("status", "deprivation_count") if c not in columns])  # as a non-empty result
        if summary.rejected:
            rej_writer.close(["row", "reason"] + columns)
            summary.rejects = str(rej_path)
        else:
            rej_writer.abort()
            rej_path.unlink(missing_ok=True)  # no stale rejects from an earlier run
    except NormkitError:
        writes.cancel()
        writer.abort()
        rej_writer.abort()
        with located(path):
            checks.finish()  # with --fail-on-duplicates, a repeated id in the rows before the error is reported first
            if fail_on_duplicates:
                duplicates.flush()
        raise
    except BaseException:
        writes.cancel()
        checks.cancel()
        writer.abort()
        rej_writer.abort()
        raise
    assert summary.rows_in == summary.classified + summary.rejected
    summary.counts = {s: summary.counts.get(s, 0) for s in STATUSES}
    return summary


def file_identity(path: str | Path) -> tuple[int, int, int]:
    """What tells a file's content changed without reading it: its inode, size and modification time."""
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def unchanged(path: str | Path, identity: tuple[int, int, int]) -> None:
    """NK702 when the file is no longer the one first read (rewritten, replaced or grown): its
    ids read again would not be the ids classified."""
    if file_identity(path) != identity:
        raise NormkitError("NK702", f"{path}: the file changed while it was classified (its household ids are read a second "
                                    "time); nothing was written",
                           location=Location(str(path)), hint="classify it again once nothing is writing to it")


def numbers_as_stored(batch: Any, std: Standard) -> Any:
    """The batch as a DataFrame for :func:`classify_frame`: text, except the number inputs stored
    as whole numbers without gaps (Parquet int columns), which are taken as stored — read from
    their text they give the same values and the same reasons, after a needless round trip."""
    import pyarrow as pa

    inputs = std.rules.compiled.inputs
    cols = [raw if (name in inputs and inputs[name].type not in ("text", "bool") and pa.types.is_signed_integer(raw.type)
                    and raw.null_count == 0) else text
            for name, raw, text in zip(batch.text.schema.names, batch.raw.columns, batch.text.columns, strict=True)]
    return as_frame(pa.RecordBatch.from_arrays(cols, names=batch.text.schema.names))


RESULT_TYPES = {"status": "string", "deprivation_count": "int64", "low_income_household": "bool_"}  # pyarrow type names


def classified_batch(raw: Any, classified: Any) -> Any:
    """The input rows ``classified`` kept (by position), as stored, with the result columns set:
    untouched columns pass through without conversion; a result column the input already has is
    replaced in place, the others are appended."""
    import pandas as pd
    import pyarrow as pa

    keep = pa.array(classified.index.to_numpy(), pa.int64())
    out = raw if len(keep) == raw.num_rows else raw.take(keep)
    for name, kind in RESULT_TYPES.items():
        if name not in classified.columns:
            continue
        series = classified[name]
        if isinstance(series.dtype, pd.CategoricalDtype):  # status: its few words taken by code, never a string per row
            col = pa.array([str(c) for c in series.cat.categories], pa.string()).take(pa.array(series.cat.codes.to_numpy()))
            where = out.schema.get_field_index(name)
            out = out.set_column(where, name, col) if where >= 0 else out.append_column(name, col)
            continue
        arrow = getattr(series.array, "__arrow_array__", None)
        col = pa.array(series.array) if arrow is not None else pa.array(series.to_numpy(), from_pandas=True)  # Arrow-backed: no copy
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        if col.type != getattr(pa, kind)():
            col = col.cast(getattr(pa, kind)())
        where = out.schema.get_field_index(name)
        out = out.set_column(where, name, col) if where >= 0 else out.append_column(name, col)
    return out


def clean_batch(raw: Any, clean: CleanResult, *, text: bool = False) -> Any:
    """Every input row as stored, with the result columns of :func:`classify_clean` set as
    :func:`classified_batch` sets them (the same names, order and types). For a ``text`` output
    (CSV), a deprivation count read from a text column whose every cell is already written as the
    count is (``7``, not ``07`` or ``+7``) passes through as that text: the CSV bytes are the same,
    and no number is turned back into text."""
    import pyarrow as pa

    words = pa.array(list(clean.status.categories), pa.string())
    count = raw.column("deprivation_count") if clean.count_read and text else None
    if count is None or not written_as(count, clean.count):
        count = pa.array(clean.count, pa.int64())
    results = {"status": words.take(pa.array(clean.status.codes)), "deprivation_count": count}
    if clean.low is not None:
        results["low_income_household"] = pa.array(clean.low, pa.bool_())
    out = raw
    for name, col in results.items():
        where = out.schema.get_field_index(name)
        out = out.set_column(where, name, col) if where >= 0 else out.append_column(name, col)
    return out


_POWERS_OF_TEN = np.array([10**k for k in range(1, 19)], dtype=np.int64)


def written_as(col: Any, values: Any) -> bool:
    """True when the Arrow text column ``col`` is, cell for cell, the whole numbers ``values``
    (int64, read from ``col`` itself) written the way Arrow writes them: a text that reads as ``v``
    and is as long as ``v`` written plainly has no sign, zero or space to spare, so it is that text.
    Read from the offsets: no string is made."""
    import pyarrow as pa

    if not pa.types.is_string(col.type) or col.null_count or len(col) != len(values):
        return False
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset: col.offset + len(col) + 1]
    if not len(values):
        return True
    lo, hi = int(values.min()), int(values.max())
    if lo >= 0 and hi < 10:  # the usual count, 0–9: one byte a cell
        return int(offsets[-1]) - int(offsets[0]) == len(values)
    if lo >= 0 and hi < 100:
        plain = 1 + (values >= 10)
    elif lo <= -(10**18):
        return False
    else:
        plain = 1 + np.searchsorted(_POWERS_OF_TEN, np.abs(values), side="right") + (values < 0)
    return bool((np.diff(offsets) == plain).all())


def rejects_batch(text: Any, rejects: Any) -> Any:
    """The rejected rows as text, after their row number and reason."""
    import pyarrow as pa

    picked = text.take(pa.array(rejects.index.to_numpy(), pa.int64()))
    rows = pa.array(rejects["row"].to_numpy(), pa.int64())
    reasons = pa.array([str(r) for r in rejects["reason"].tolist()], pa.string())
    return pa.RecordBatch.from_arrays([rows, reasons, *picked.columns], names=["row", "reason", *picked.schema.names])


def rates_file(path: str | Path, by: list[str], std: Standard | None, *, method: str | None = None,
               show_progress: bool | None = None) -> tuple[RateCounter, int]:
    """Counts and rates of a file: classified already (a ``status`` column) or classified here with ``std``."""
    counter = RateCounter(by)
    rejected = 0
    with located(path), progress((table := open_households(path)).count_rows, f"rates {Path(path).name}", show_progress) as advance:
        first = 1
        for chunk in (as_frame(b.text) for b in table.batches):
            if std is not None:
                r = classify_frame(chunk, std, method=method, first_row=first)
                rejected += len(r.rejects)
                counter.add(r.classified)
            else:
                counter.add(chunk)
            first += len(chunk)
            advance(len(chunk))
    return counter, rejected


def compare_file(path: str | Path, a: Standard, b: Standard, *, show_progress: bool | None = None) -> Transitions:
    """The transition matrix of the households of ``path`` from standard ``a`` to ``b``."""
    total = Transitions(a.id, b.id)
    with located(path), progress((table := open_households(path)).count_rows, f"compare {Path(path).name}", show_progress) as advance:
        first = 1
        for chunk in (as_frame(b.text) for b in table.batches):
            t, _rej = transitions(chunk, a, b, first_row=first)
            total.add(t)
            first += len(chunk)
            advance(len(chunk))
    return total
