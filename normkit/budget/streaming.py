"""The budget check at size: a budget file read, checked and handed on one line at a time.

``normkit check`` comes through here. A CSV or XLSX budget is read row by row by the table
layer (:func:`~normkit.core.io.tables.csv_record_stream`, openpyxl read-only for XLSX) and the
same row reader as :func:`~normkit.budget.reading.read_budget` (:class:`~normkit.budget.reading.TableReading`);
each line is checked as it comes by :class:`~normkit.budget.checking.LineChecker` and handed to
the caller (``on_line``) with its findings, then dropped. A JSON or YAML budget is one document,
whose size the file bound (NK125) limits: it is read whole, then checked the same way. A
JSON-lines budget (``.jsonl``, ``.ndjson``: the budget's own fields on the first line, one budget
line on each further line) is read line by line.

What is kept while the lines pass: the running totals (exact Decimal), counts by severity and
by code with the first lines of each code and one example, the :data:`TOP_LINES` lines most above
their ceiling, the ceilings priced so far (one per product, options and, on the whole-quantity
basis, quantity) and the duplicate index (:class:`DuplicateIndex`: about 40 bytes a distinct
line in memory, the line's key on disk). Memory is therefore flat in the number of lines but for
that index; the time is linear.

The results are those of :func:`~normkit.budget.checking.check` — the same lines, findings,
codes, numbers and order (``tests/budget/test_budget_stream.py`` compares them). One thing
differs, by design: a row that cannot be read does not stop the check. In a table budget, such a
row is a line that is not priced and claims nothing, with one ``BK501`` finding per problem (the
message :func:`read_budget` reports as NK902, with the row, column and field in its details); a
problem of the total row is a ``BK501`` of the whole budget. Problems above the header row or in
the header itself (an unknown column, a missing ``id`` or ``date``) stop the check before any
line, as NK902.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import os
import tempfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

from normkit.budget.checking import LineChecker, checked_rules, dup_key, row_finding
from normkit.budget.model import SEVERITY_RANK, Budget, BudgetLine, Finding, LineResult, Report, Totals
from normkit.budget.reading import (
    JSON_LINES,
    LineMap,
    TableReading,
    json_line,
    json_line_objects,
    json_lines_head,
    read_budget,
    validate_budget,
)
from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.io.tables import check_file, csv_record_stream, xlsx_record_stream
from normkit.core.io.yaml import SourceMap
from normkit.core.loader import validate
from normkit.core.numbers import CTX
from normkit.media.pricing import PricingRules

TOP_LINES = 20
"""Lines most above their ceiling kept for the summary."""
FIRST_LINES = 6
"""Line numbers kept per finding code for the summary (it shows five, and … when there are more)."""

Problem = tuple[str, dict[str, str]]
"""A problem of a row that cannot be read: the message and its details (row, column, field, error)."""


# ---- the duplicate index ---------------------------------------------------------------------

def key_bytes(line: BudgetLine) -> bytes:
    """The line's duplicate key (:func:`~normkit.budget.checking.dup_key`) as bytes that are equal
    exactly when the keys are equal: numbers by value (``3`` and ``3.0`` are one key)."""
    return repr(tuple(_canonical(v) for v in dup_key(line))).encode("utf-8", "surrogatepass")


def _canonical(v: Any) -> Any:
    if isinstance(v, Decimal):
        return ("d", "0" if v == 0 else str(v.normalize(CTX)))
    return v


class DuplicateIndex:
    """The lines seen so far, for BK301, in bounded memory: each distinct line's key is hashed
    (64-bit BLAKE2b) into an open-addressing table of plain arrays (about 40 bytes a line) and the
    key itself is written to a temporary file. A hash found again is confirmed by reading the
    earlier key back and comparing the bytes, so two different lines are never called repeats."""

    def __init__(self) -> None:
        self._slots = array("i", [-1]) * 1024
        self._hashes = array("Q")
        self._lines = array("i")
        self._offsets = array("q", [0])
        self._spill = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), or with the process
        self._dirty = False

    def first(self, line: BudgetLine, n: int) -> int | None:
        """The first line ``line`` repeats, or None (and ``n`` is remembered as its first)."""
        key = key_bytes(line)
        h = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")
        slots, mask = self._slots, len(self._slots) - 1
        i = h & mask
        while (e := slots[i]) >= 0:
            if self._hashes[e] == h and self._key(e) == key:
                return int(self._lines[e])
            i = (i + 1) & mask
        e = len(self._hashes)
        self._hashes.append(h)
        self._lines.append(n)
        self._spill.write(key)
        self._dirty = True
        self._offsets.append(self._offsets[-1] + len(key))
        slots[i] = e
        if 2 * (e + 1) > len(slots):
            self._grow()
        return None

    def __len__(self) -> int:
        return len(self._hashes)

    def _key(self, e: int) -> bytes:
        if self._dirty:
            self._spill.flush()
            self._dirty = False
        start, end = self._offsets[e], self._offsets[e + 1]
        self._spill.seek(start)
        data = self._spill.read(end - start)
        self._spill.seek(0, os.SEEK_END)
        return data

    def _grow(self) -> None:
        slots = array("i", [-1]) * (2 * len(self._slots))
        mask = len(slots) - 1
        for e, h in enumerate(self._hashes):
            i = h & mask
            while slots[i] >= 0:
                i = (i + 1) & mask
            slots[i] = e
        self._slots = slots

    def close(self) -> None:
        self._spill.close()


# ---- budget files, line by line --------------------------------------------------------------

@dataclass
class BudgetSource:
    """A budget file opened for the streaming check: ``head`` is the budget without its lines
    (id, kind, date, pack …); :meth:`lines` gives the lines one at a time, and :attr:`total` and
    :attr:`end_problems` are known once they are all read."""

    path: Path
    head: Budget
    _lines: Iterator[tuple[int, BudgetLine | None, dict[str, Any], list[Problem]]]
    _total: Callable[[], Decimal | None]
    end_problems: list[Problem] = field(default_factory=list)

    def lines(self) -> Iterator[tuple[int, BudgetLine | None, dict[str, Any], list[Problem]]]:
        """``(n, line, fields, problems)``: line ``n`` (1-based), or None with the fields that
        could be read and the problems when its row cannot be read."""
        return self._lines

    @property
    def total(self) -> Decimal | None:
        """The declared total (the total row is the table's last)."""
        return self._total()


def open_budget(path: str | os.PathLike[str], sheet: str | None = None) -> BudgetSource:
    """Open a budget file (.json, .jsonl/.ndjson, .yaml/.yml, .csv or .xlsx) for the streaming
    check. A table's fields above the header row and its header are read (and their problems
    raised, NK902), as is the first line of a JSON-lines budget (NK903); JSON and YAML are read
    whole, as :func:`~normkit.budget.reading.read_budget` reads them."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in JSON_LINES:
        items = json_line_objects(p)
        head_row, data, head_map = json_lines_head(p, items)
        head = validate_budget({**data, "lines": [{"product": "-", "amount": Decimal(0)}]}, LineMap(str(p), [head_row], [head_map]))
        head = head.model_copy(update={"lines": []})
        return BudgetSource(p, head, _json_lines(p, items), lambda: head.total)
    if suffix not in (".csv", ".xlsx"):
        budget = read_budget(p, sheet=sheet) if sheet else read_budget(p)
        head = budget.model_copy(update={"lines": []})
        lines: Iterator[tuple[int, BudgetLine | None, dict[str, Any], list[Problem]]] = (
            (i, line, {}, []) for i, line in enumerate(budget.lines, start=1))
        return BudgetSource(p, head, lines, lambda: budget.total)
    check_file(p, code="NK901")
    records = csv_record_stream(p, code="NK901") if suffix == ".csv" else xlsx_record_stream(p, sheet, code="NK901")
    errors = ErrorCollector()
    table = TableReading(str(p), records, errors)
    table.read_head()
    if table.columns is None:
        errors.add(NormkitError("NK902", "the table is empty: no header row", location=Location(str(p))))
    data = table.head_data()
    errors.raise_if_any()
    try:  # the budget's own fields, validated as read_budget validates them (one placeholder line)
        head = validate(Budget, {**data, "lines": [{"product": "-", "amount": Decimal(0)}]}, SourceMap(str(p)))
    except NormkitError as e:
        raise _as_nk902(p, e) from None
    head = head.model_copy(update={"lines": []})

    def total() -> Decimal | None:  # the total row's amount, else a total written above the header
        value = table.meta.get("total")
        return value if table.total_seen and isinstance(value, Decimal) else head.total

    source = BudgetSource(p, head, iter(()), total)
    source._lines = _table_lines(p, table, source)
    return source


def _as_nk902(p: Path, e: NormkitError) -> NormkitError:
    out = ErrorCollector()
    for sub in getattr(e, "errors", [e]):
        out.add(NormkitError("NK902", sub.message, location=Location(str(p), path=sub.location.path if sub.location else None)))
    try:
        out.raise_if_any()
    except NormkitError as err:
        return err
    return e  # pragma: no cover


def _problem(e: NormkitError, row: int) -> Problem:
    where = e.location
    details = {"row": str(row)}
    if where is not None and where.column is not None:
        details["column"] = str(where.column)
    if where is not None and where.path and not (where.path.startswith("lines[") and where.path.endswith("]")):
        details["field"] = where.path.split("].", 1)[1] if where.path.startswith("lines[") and "]." in where.path else where.path
    details["error"] = e.code
    return e.message, details


def _table_lines(p: Path, table: TableReading, source: BudgetSource) -> Iterator[tuple[int, BudgetLine | None, dict[str, Any], list[Problem]]]:
    smap = SourceMap(str(p))
    n = 0
    for row, kind, fields, problems in table.rows():
        if kind == "total":
            source.end_problems.extend(_problem(e, row) for e in problems)
            continue
        n += 1
        if fields is None or problems:
            yield n, None, fields or {}, [_problem(e, row) for e in problems]
            continue
        try:
            line: BudgetLine = validate(BudgetLine, fields, smap, ("lines", n - 1))
        except NormkitError as e:
            yield n, None, fields, [_problem(NormkitError("NK902", sub.message, location=sub.location), row)
                                    for sub in getattr(e, "errors", [e])]
            continue
        yield n, line, fields, []
    if n == 0:
        raise NormkitError("NK902", "the table has no budget lines", location=Location(str(p)))


def _json_lines(p: Path, items: Iterator[tuple[int, Any, SourceMap | NormkitError]]) -> Iterator[
        tuple[int, BudgetLine | None, dict[str, Any], list[Problem]]]:
    i = 0
    for n, data, smap in items:
        i += 1
        if isinstance(smap, NormkitError):
            yield i, None, {}, [_problem(smap, n)]
            continue
        try:
            line = json_line(p, n, i - 1, data, smap)
        except NormkitError as e:
            yield i, None, data if isinstance(data, dict) else {}, [_problem(sub, n) for sub in getattr(e, "errors", [e])]
            continue
        yield i, line, data, []
    if i == 0:
        raise NormkitError("NK903", "the budget has no lines: each line after the first is one budget line", location=Location(str(p)))


# ---- the check -------------------------------------------------------------------------------

@dataclass
class CodeCount:
    """One finding code in the summary: how many, the first lines, and the first finding."""

    severity: str
    count: int = 0
    lines: list[int] = field(default_factory=list)
    example: Finding | None = None


@dataclass
class StreamResult:
    """What the streaming check keeps: the report without its lines and findings (``report``;
    with them when the budget has at most ``keep`` lines), counts by code, the lines most above
    their ceiling and the findings of the whole budget."""

    report: Report
    complete: bool
    by_code: dict[str, CodeCount]
    top: list[LineResult]
    over_lines: int
    budget_findings: list[Finding]

    def failing(self, severity: str) -> bool:
        """A finding at or above ``severity``."""
        rank = SEVERITY_RANK[severity]
        return any(n for s, n in self.report.counts.items() if SEVERITY_RANK[s] >= rank)


def check_stream(source: BudgetSource, rules: PricingRules, *, at: dt.date | None = None, trace: bool = False,
                 on_line: Callable[[LineResult, list[Finding]], None] | None = None, keep: int | None = 0) -> StreamResult:
    """Check ``source`` with ``rules`` line by line; ``on_line(result, findings)`` is called for
    each line as it is checked. The lines and findings are kept in the result's report while
    there are at most ``keep`` lines (None: always)."""
    rules = checked_rules(rules)
    head = source.head
    when = at or head.at or head.date
    dups = DuplicateIndex()
    counts = dict.fromkeys(("error", "warning", "info"), 0)
    by_code: dict[str, CodeCount] = {}
    heap: list[tuple[Decimal, int, LineResult]] = []
    over = 0
    kept_lines: list[LineResult] = []
    kept_findings: list[Finding] = []
    complete = True

    def count(f: Finding) -> None:
        counts[f.severity] += 1
        c = by_code.get(f.code)
        if c is None:
            c = by_code[f.code] = CodeCount(f.severity, example=f)
        c.count += 1
        if f.line is not None and len(c.lines) < FIRST_LINES:
            c.lines.append(f.line)

    try:
        with localcontext(CTX):
            checker = LineChecker(head, rules, when, trace, dups)
            for n, line, fields, problems in source.lines():
                result, mine = checker.line(n, line) if line is not None else checker.unread(n, fields, problems)
                for f in mine:
                    count(f)
                if result.excess:
                    over += 1
                    heapq.heappush(heap, (result.excess, -result.line, result))
                    if len(heap) > TOP_LINES:
                        heapq.heappop(heap)
                if complete:
                    if keep is None or n <= keep:
                        kept_lines.append(result)
                        kept_findings.extend(mine)
                    else:
                        complete = False
                        kept_lines, kept_findings = [], []
                if on_line is not None:
                    on_line(result, mine)
            total = source.total
            whole = [row_finding(None, m, d) for m, d in source.end_problems] + checker.budget_findings(total)
            for f in whole:
                count(f)
            totals: Totals = checker.totals(total)
    finally:
        dups.close()
    top = [r for _e, _l, r in sorted(heap, key=lambda t: (-t[0], -t[1]))]
    report = Report(budget_id=head.id, kind=head.kind, at=when, packs=rules.pack_refs,
                    overlay=(rules.overlay_label or "what-if") if rules.overlay_text else None,
                    passed=counts["error"] == 0, counts=counts, totals=totals,
                    lines=kept_lines if complete else [], findings=(kept_findings + whole) if complete else whole)
    return StreamResult(report, complete, by_code, top, over, whole)


__all__ = ["FIRST_LINES", "TOP_LINES", "BudgetSource", "CodeCount", "DuplicateIndex", "StreamResult", "check_stream",
           "key_bytes", "open_budget"]
