"""What a rule set remembers between evaluations: bounded tables, kept apart from the rule set.

A :class:`~normkit.core.runtime.RuleSet` never changes; what it computes once and reuses (a
parsed quantity, the values in force at a date, a domain's priced blocks) lives in one
:class:`Memo` beside it. Every table has a stated maximum and forgets its least recently used
entry beyond it, so a long-running process (``normkit serve``) keeps flat memory however many
distinct dates and quantities it sees. A memo can only return what a recomputation would: every
key holds everything the value depends on.

What depends on the date is keyed by the date's *epoch* (:meth:`RuleSet.epoch
<normkit.core.runtime.RuleSet.epoch>`), not by the calendar date: two dates between the same two
consecutive start/end days of the rule set's dated values see the same values in force, so they
share one :class:`DateMemo` (and a domain's per-date entries). Nothing cached reads the calendar
date itself; what names it (a quote's ``at``, an NK401/NK402 message) is made per evaluation.

>>> m = LRU[str, int](2)
>>> m.put("a", 1); m.put("b", 2); m.put("c", 3)
1
2
3
>>> m.get("a") is None, len(m)
(True, 2)
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

QUANTITIES_MAX = 4096  # (text, unit) -> parsed quantity: "90 s" read once
INPUTS_MAX = 4096  # (input, raw value) -> converted value
DATES_MAX = 64  # epochs (intervals of dates with the same values in force) whose resolved values and formula results are kept
FORMULAS_PER_DATE_MAX = 4096  # formula results kept per date (keys hold the arguments)


class LRU(Generic[K, V]):
    """A mapping of at most ``maxsize`` entries that forgets the least recently used one.

    Safe to share between threads: every operation holds the table's lock. Two threads may
    compute one missing value twice; both results are equal, and the FIRST one stored is kept and
    returned to both (:meth:`put`), so every later reader shares one object — the traces built
    from it are the same graph whichever thread filled the table."""

    __slots__ = ("_data", "_lock", "maxsize")

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("an LRU table holds at least one entry")
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` under ``key`` unless a value is already there; returns the kept one."""
        with self._lock:
            kept = self._data.setdefault(key, value)
            self._data.move_to_end(key)
            if len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return kept

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value under ``key``, made (outside the lock) and kept when absent."""
        hit = self.get(key)
        return hit if hit is not None else self.put(key, make())

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data


class DateMemo:
    """What the evaluations of one epoch's dates share: values in force and formula results that
    read no order input (``resolved``/``formulas``, with their trace records, bounded by the pack's
    names and by FORMULAS_PER_DATE_MAX; ``values``/``results``, the same without records, as the
    untraced evaluation keeps them), and a domain's own per-date tables (``domain``, keyed by name;
    each must be bounded by the pack's size, e.g. one entry per norm line). Nothing in it may
    hold the calendar date: every date of the epoch reads it (the untraced context and the Env
    that makes records later evaluate at the epoch's first day, which names no quote's date)."""

    epoch: int
    resolved: dict[str, Any]
    formulas: dict[Any, Any]
    domain: dict[str, dict[Any, Any]]
    # the untraced evaluation of the epoch (normkit.core.lang.untraced): values in force and formula
    # results without their records (bounded like ``resolved``/``formulas``), and its context
    values: dict[str, Any]
    results: dict[Any, Any]
    untraced: Any
    recorder: Any  # the Env that makes the records of what was computed untraced (RuleSet.records)

    def __init__(self, epoch: int, resolved: dict[str, Any] | None = None, formulas: dict[Any, Any] | None = None,
                 domain: dict[str, dict[Any, Any]] | None = None, values: dict[str, Any] | None = None,
                 results: dict[Any, Any] | None = None, untraced: Any = None, recorder: Any = None) -> None:
        self.epoch = epoch
        self.resolved = {} if resolved is None else resolved
        self.formulas = {} if formulas is None else formulas
        self.domain = {} if domain is None else domain
        self.values = {} if values is None else values
        self.results = {} if results is None else results
        self.untraced = untraced
        self.recorder = recorder

    def __repr__(self) -> str:  # as the dataclass printed it (eq=False: compared by identity)
        return (f"DateMemo(epoch={self.epoch!r}, resolved={self.resolved!r}, formulas={self.formulas!r}, domain={self.domain!r}, "
                f"values={self.values!r}, results={self.results!r}, untraced={self.untraced!r}, recorder={self.recorder!r})")

    def table(self, name: str) -> dict[Any, Any]:
        found = self.domain.get(name)
        if found is None:
            found = self.domain.setdefault(name, {})
        return found


class Memo:
    """Every table a rule set fills while evaluating, each bounded (see the ``*_MAX`` constants).

    Domains add their own tables with :meth:`table` (a name and a maximum)."""

    def __init__(self) -> None:
        self.quantities: LRU[tuple[str, Any], Any] = LRU(QUANTITIES_MAX)
        self.inputs: LRU[tuple[str, type, Any], Any] = LRU(INPUTS_MAX)
        self.dates: LRU[int, DateMemo] = LRU(DATES_MAX)
        self.bounds: tuple[dt.date, ...] | None = None  # the rule set's epoch boundaries, worked out on first use
        self.untraced: dict[str, Any] = {}  # formula/adjustment name -> its untraced function (None: traced only); one per name
        self._tables: dict[str, LRU[Any, Any]] = {}
        self._lock = threading.Lock()

    def date(self, epoch: int) -> DateMemo:
        """The shared memo of ``epoch`` (made on first use; the 64 most recently used epochs kept)."""
        return self.dates.get_or_make(epoch, lambda: DateMemo(epoch))

    def table(self, name: str, maxsize: int) -> LRU[Any, Any]:
        """A domain's table ``name`` of at most ``maxsize`` entries (made on first use)."""
        found = self._tables.get(name)
        if found is None:
            with self._lock:
                found = self._tables.setdefault(name, LRU(maxsize))
        return found

    def sizes(self) -> dict[str, int]:
        """Entries per table, for tests and diagnostics."""
        out = {"quantities": len(self.quantities), "inputs": len(self.inputs), "dates": len(self.dates)}
        out.update({name: len(t) for name, t in self._tables.items()})
        return out
