"""Evaluate a compiled pack set at a date, with what-if overrides.

A :class:`RuleSet` is immutable and safe to share between threads; what it remembers between
evaluations lives in one bounded :class:`~normkit.core.memo.Memo` beside it. Every evaluation
gets its own :class:`Env` holding the values resolved for its date. Domains (media pricing)
build on this module; it knows none of them.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Clamped, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, Self

from normkit.core.compiled import AdjustmentC, CompiledSet
from normkit.core.dating import boundaries, coverage, epoch_of, in_force
from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.io.text import read_bool, read_number, read_quantity
from normkit.core.lang import ops
from normkit.core.lang.scalar import compile_ir
from normkit.core.lang.untraced import Untraced, compile_untraced
from normkit.core.memo import FORMULAS_PER_DATE_MAX, DateMemo, Memo
from normkit.core.names import close_matches
from normkit.core.numbers import CTX, ZERO
from normkit.core.records import Frozen, Record
from normkit.core.units import UnitTable, Vocabulary, format_powers

_set = object.__setattr__

if TYPE_CHECKING:  # an annotation only: the pydantic model is imported by whoever makes an overlay
    from normkit.core.overlay import Overlay

_mul, _div, _add = CTX.multiply, CTX.divide, CTX.add
ALL_ROWS = "all"  # the group name that sums every row


class Missing(Exception):
    """A value the rate card (or the order) must supply is absent; collected, then reported."""

    def __init__(self, kind: str, name: str, detail: str) -> None:
        super().__init__(name)
        self.kind, self.name, self.detail = kind, name, detail


class Rec(Record):
    """A compact trace record, turned into a TraceNode only when a quote is assembled."""

    __slots__ = ("children", "extra", "kind", "ref", "value")
    __match_args__ = ("kind", "ref", "value", "children", "extra")
    kind: str
    ref: Any
    value: Any
    children: list[Rec]
    extra: Any

    def __init__(self, kind: str, ref: Any, value: Any, children: list[Rec] | None = None, extra: Any = None) -> None:
        self.kind = kind
        self.ref = ref
        self.value = value
        self.children = [] if children is None else children
        self.extra = extra

    def __repr__(self) -> str:  # the dataclass's repr: children, extra, ref not shown
        return f"{type(self).__qualname__}(kind={self.kind!r}, value={self.value!r})"


class Row(Frozen):
    """One row a domain lays out for ``sum_lines(group, expr)``: its group, and the values
    ``expr`` reads as ``line.<name>`` while it is evaluated for this row."""

    __slots__ = ("group", "values")
    __match_args__ = ("group", "values")
    group: str
    values: Mapping[str, Any]

    def __init__(self, group: str, values: Mapping[str, Any]) -> None:
        _set(self, "group", group)
        _set(self, "values", values)


class ExceptionFns(Frozen):
    """An adjustment exception, compiled: when it applies, and its value."""

    __slots__ = ("value", "when")
    __match_args__ = ("when", "value")
    when: Callable[[Env], Any]
    value: Callable[[Env], Any]

    def __init__(self, when: Callable[[Env], Any], value: Callable[[Env], Any]) -> None:
        _set(self, "when", when)
        _set(self, "value", value)


class AdjustmentFns(Frozen):
    """An adjustment, compiled: its base value and its exceptions (in the adjustment's order)."""

    __slots__ = ("base", "exceptions")
    __match_args__ = ("base", "exceptions")
    base: Callable[[Env], Any]
    exceptions: tuple[ExceptionFns, ...]

    def __init__(self, base: Callable[[Env], Any], exceptions: tuple[ExceptionFns, ...]) -> None:
        _set(self, "base", base)
        _set(self, "exceptions", exceptions)


class Env:
    """Evaluation state of one quote: the date, resolved values, memo tables, trace."""

    def __init__(self, rs: RuleSet, at: dt.date, order_inputs: Mapping[str, Any]) -> None:
        self.rs = rs
        self.at = at
        self.order_inputs = order_inputs
        # every value met is kept as its trace record (the record holds the value)
        self.item_inputs: dict[str, Rec] = {}
        self.resolved: dict[str, Rec] = {}
        self.memo: dict[tuple[Any, ...], Rec] = {}
        self.item_memo: dict[tuple[Any, ...], Rec] = {}
        self.line: Mapping[str, Any] = {}
        self.local: dict[str, Any] = {}
        self.item: dict[str, Any] = {}
        self.rows: Sequence[Row] = ()  # what sum_lines(group, expr) sums over (laid out by the domain)
        self.children: list[Rec] = []

    # names --------------------------------------------------------------------------------
    def set_item_inputs(self, inputs: Mapping[str, Any]) -> None:
        """The current item's inputs, each with its trace record made once."""
        self.item_inputs = {name: Rec("input", self.rs.compiled.inputs[name], v) for name, v in inputs.items()}

    def value(self, name: str) -> Any:
        hit = self.item_inputs.get(name)
        if hit is None:
            hit = self.resolved.get(name)
            if hit is None:
                hit = self.resolved.setdefault(name, self._resolve(name))  # the first stored wins (shared between threads)
        self.children.append(hit)
        return hit.value

    def _resolve(self, name: str) -> Rec:
        rs = self.rs
        inp = rs.compiled.inputs.get(name)
        if inp is not None:
            if name in self.order_inputs:
                v = self.order_inputs[name]
            elif inp.default is not None:
                v = inp.default
            else:
                raise Missing("input", name, f"input `{name}` ({inp.label.en}; {inp.unit}) is required by the order")
            return Rec("input", inp, v)
        p = rs.compiled.params[name]
        if name in rs.overrides:
            v = rs.overrides[name]
            return Rec("parameter", p, v, extra="overlay")
        d = in_force(p.layers, self.at)
        if d is None:
            if p.supplied_by and not any(layer for layer in p.layers):
                raise Missing("parameter", name, f"`{name}` ({p.label.en}, {p.unit}) must be supplied by the {p.supplied_by.replace('_', ' ')}")
            raise NormkitError("NK401", f"{name!r} has no value in force on {self.at}; values cover {coverage(p.layers)}",
                               location=p.location)
        return Rec("parameter", p, d.value, extra=d)

    def formula(self, name: str, args: tuple[Any, ...]) -> Any:
        rs = self.rs
        f = rs.compiled.formulas.get(name)
        dependent = f.item_dependent if f is not None else rs.compiled.adjustments[name].item_dependent
        memo = self.item_memo if dependent else self.memo
        key = (name, args)
        hit = memo.get(key)
        if hit is None:
            outer, outer_local = self.children, self.local
            self.children = []
            try:
                if f is not None:
                    self.local = dict(zip((p for p, _ in f.params), args, strict=True)) if args else {}
                    value = rs.formula_fns[name](self)
                    rec = Rec("formula", f, value, self.children, extra=args)
                else:
                    self.local = {}
                    value, chosen = self._adjust(rs.compiled.adjustments[name])
                    rec = Rec("adjustment", rs.compiled.adjustments[name], value, self.children, extra=chosen)
            finally:
                self.children, self.local = outer, outer_local
            hit = rec
            if len(memo) < FORMULAS_PER_DATE_MAX:  # bounded: arguments can take many values
                hit = memo.setdefault(key, hit)  # the first stored wins: every reader shares one record
        self.children.append(hit)
        return hit.value

    def _adjust(self, a: AdjustmentC) -> tuple[Any, str | None]:
        fns = self.rs.adjustment_fns[a.name]
        applicable = [(e, fns_e.value) for e, fns_e in zip(a.exceptions, fns.exceptions, strict=True) if fns_e.when(self)]
        if not applicable:
            return fns.base(self), None
        top = max(e.priority for e, _ in applicable)
        best = [(e, fn) for e, fn in applicable if e.priority == top]
        if len(best) > 1:
            labels = ", ".join(e.label for e, _ in best)
            raise NormkitError("NK208", f"adjustment {a.name!r}: exceptions {labels} all apply with priority {top}",
                               location=a.location)
        e, fn = best[0]
        return fn(self), e.label

    def lookup(self, table: str, key: tuple[Any, ...]) -> Any:
        t = self.rs.compiled.tables[table]
        if self.rs.row_overrides:
            over = self.rs.row_overrides.get((table, key))
            if over is not None:  # a what-if row: the same value on every date
                self.children.append(Rec("table", t, over[0], extra=("overlay", key, over[1])))
                return over[0]
        version = in_force(t.layers, self.at)
        if version is None:
            if t.supplied_by and not any(t.layers):
                raise Missing("table", table, f"table `{table}` ({t.label.en}) must be supplied by the rate card")
            raise NormkitError("NK401", f"table {table!r} has no version in force on {self.at}; versions cover {coverage(t.layers)}",
                               location=t.location)
        rows = version.rows.get(key)
        if not rows:
            shown = "/".join(str(k) for k in key)
            if t.supplied_by:
                raise Missing("table", f"{table}[{shown}]", f"`{table}` has no row for {shown} (rate card, version from {version.start})")
            raise ops.lookup_miss(table, key, f" in the version in force from {version.start}", location=t.location,
                                  hint="check the keys; `normkit show " + table + "` lists the rows")
        row = rows[0]
        self.children.append(Rec("table", t, row.value, extra=(version, row)))
        return row.value

    def use_date_memo(self, shared: DateMemo) -> None:
        """Share the values and formula results of ``shared`` (only for evaluations that read
        no order input: those depend on the date alone)."""
        self.resolved, self.memo = shared.resolved, shared.formulas

    def sum_lines(self, group: str, fn: Callable[[Env], Any]) -> Any:
        """Σ ``fn`` over the rows of ``group`` (every row for ``all``), each row's values as ``line``."""
        total = ZERO
        saved = self.line
        for row in self.rows:
            if group != ALL_ROWS and row.group != group:
                continue
            self.line = row.values
            total = _add(total, fn(self))
        self.line = saved
        return total



_RECORDER_LOCK = threading.Lock()


class NotUntraced(Exception):
    """Raised by an untraced evaluation that cannot give the traced value: a value or table row
    missing, two adjustment exceptions of one priority, a formula this backend does not compile.
    The caller evaluates the traced way, which reports exactly what is wrong."""


class UntracedEnv:
    """The untraced evaluation of one epoch: what functions made by
    :func:`~normkit.core.lang.untraced.compile_untraced` read as ``Q``. It computes the values
    the traced :class:`Env` computes, and records nothing: ``R`` holds the values in force, ``F``
    the formula results, both the epoch's (:class:`~normkit.core.memo.DateMemo` ``values`` and
    ``results``). A value resolved here is resolved through :meth:`Env._resolve` and its record
    kept in the epoch's ``resolved``, as the traced evaluation would keep it, so a trace built
    later (:meth:`RuleSet.records`) shares it. Evaluations that read order inputs never come here."""

    __slots__ = ("F", "L", "R", "V")

    def __init__(self, rs: RuleSet, shared: DateMemo, at: dt.date, order_inputs: Mapping[str, Any] | None = None) -> None:
        c = rs.compiled
        values = self.R = shared.values
        results = shared.results
        env = Env(rs, at, order_inputs or {})  # order inputs: only for an evaluation whose memo is its own (tests)
        env.use_date_memo(shared)
        resolved = env.resolved
        fns = rs.memo.untraced
        row_overrides = rs.row_overrides
        versions: dict[str, Any] = {}

        def resolve(name: str) -> Any:
            rec = resolved.get(name)
            if rec is None:
                try:
                    rec = resolved.setdefault(name, env._resolve(name))  # the first stored wins, as in Env.value
                except Missing:
                    raise NotUntraced(name) from None
            return values.setdefault(name, rec.value)

        def formula(name: str, args: tuple[Any, ...]) -> Any:
            key = (name, args)
            v = results.get(key)
            if v is None:
                fn = fns.get(name, resolve)  # `resolve`: not looked at yet
                if fn is resolve:
                    fn = fns.setdefault(name, untraced_formula(c, name))
                if fn is None:
                    raise NotUntraced(name)
                v = fn(self, None, args)
                if len(results) < FORMULAS_PER_DATE_MAX:  # bounded as the traced results are
                    v = results.setdefault(key, v)
            return v

        def lookup(table: str, key: tuple[Any, ...]) -> Any:
            if row_overrides:
                over = row_overrides.get((table, key))
                if over is not None:
                    return over[0]
            version = versions.get(table)
            if version is None:
                version = in_force(c.tables[table].layers, at)
                if version is None:
                    raise NotUntraced(table)
                versions[table] = version
            rows = version.rows.get(key)
            if not rows:
                raise NotUntraced(table)
            return rows[0].value

        self.V, self.F, self.L = resolve, formula, lookup


def untraced_formula(c: CompiledSet, name: str) -> Untraced | None:
    """The untraced function of formula or adjustment ``name`` (None: the traced path only; an
    item-dependent one is kept per item by the traced evaluation)."""
    f = c.formulas.get(name)
    if f is not None:
        return None if f.item_dependent else compile_untraced(f.ir, tuple(p for p, _ in f.params))
    a = c.adjustments[name]
    if a.item_dependent:
        return None
    base = compile_untraced(a.base_ir)
    parts = [(compile_untraced(e.when_ir), compile_untraced(e.value_ir), e.priority) for e in a.exceptions]
    if base is None or any(w is None or v is None for w, v, _ in parts):
        return None

    def adjusted(q: UntracedEnv, line: Any, args: tuple[Any, ...]) -> Any:  # Env._adjust, without its records
        applicable = [(priority, value) for when, value, priority in parts if when(q, line, args)]  # type: ignore[misc]
        if not applicable:
            return base(q, line, args)
        top = max(priority for priority, _ in applicable)
        best = [value for priority, value in applicable if priority == top]
        if len(best) > 1:
            raise NotUntraced(name)  # NK208: reported by the traced evaluation
        return best[0](q, line, args)  # type: ignore[misc]

    return adjusted


class RuleSet:
    """A checked pack set, ready to evaluate. Immutable; share it freely between threads.

    What it computes once and reuses lives in :attr:`memo`, a separate object whose every
    table is bounded (see :mod:`normkit.core.memo`); the rule set's own attributes never
    change after construction. Domains extend it (``normkit.media.pricing.PricingRules``
    adds ``quote``); :meth:`with_overrides` keeps the subclass."""

    def __init__(self, compiled: CompiledSet, overrides: Mapping[str, Any] | None = None, overlay_label: str | None = None,
                 overlay_text: Mapping[str, str] | None = None) -> None:
        self.compiled = compiled
        self.overrides: Mapping[str, Any] = MappingProxyType(dict(overrides or {}))
        self.overlay_label = overlay_label
        self.overlay_text: Mapping[str, str] = MappingProxyType(dict(overlay_text or {}))
        # the overridden table rows, (table, key) -> (value, unit), from the `table[key]` names of overrides
        self.row_overrides: Mapping[tuple[str, tuple[Any, ...]], tuple[Any, str]] = MappingProxyType(
            {_row_key(compiled, name): (v, _row_unit(compiled, name)) for name, v in self.overrides.items() if "[" in name})
        self.units = UnitTable(Vocabulary(compiled.units), compiled.unit_base)
        self.formula_fns = MappingProxyType({n: compile_ir(f.ir) for n, f in compiled.formulas.items()})
        self.adjustment_fns = MappingProxyType({
            n: AdjustmentFns(base=compile_ir(a.base_ir),
                             exceptions=tuple(ExceptionFns(when=compile_ir(e.when_ir), value=compile_ir(e.value_ir)) for e in a.exceptions))
            for n, a in compiled.adjustments.items()
        })
        self.memo = Memo()

    # dates ----------------------------------------------------------------------------------
    def date_spans(self) -> Iterator[tuple[dt.date, dt.date | None]]:
        """The first and last day (None: open) of everything dated the rule set reads: every
        version of every parameter and table, and every pack's validity window. A domain adds
        its own (:class:`~normkit.media.pricing.PricingRules`: each norm's dates in force)."""
        c = self.compiled
        for p in c.params.values():
            for layer in p.layers:
                for d in layer:
                    yield d.start, d.end
        for t in c.tables.values():
            for tlayer in t.layers:
                for v in tlayer:
                    yield v.start, v.end
        for pack in c.packs:
            yield pack.valid_from, pack.valid_to

    def epoch(self, at: dt.date) -> int:
        """The epoch of ``at``: which interval between two consecutive boundaries of
        :meth:`date_spans` it falls in. Two dates of one epoch see the same version of every
        parameter, table and pack window, so what an evaluation computes from them alone is the
        same: the per-date memo is keyed by this number (see :mod:`normkit.core.memo`)."""
        bounds = self.memo.bounds
        if bounds is None:  # worked out once; two threads may both do it, with equal results
            bounds = self.memo.bounds = boundaries(self.date_spans())
        return epoch_of(bounds, at)

    def epoch_day(self, epoch: int) -> dt.date:
        """A day of ``epoch`` (its first; ``date.min`` for the first epoch): what an evaluation
        that depends on the epoch alone, not on a quote's date, evaluates at."""
        bounds = self.date_bounds()
        return bounds[epoch - 1] if epoch > 0 else dt.date.min

    def untraced(self, shared: DateMemo) -> UntracedEnv:
        """The untraced evaluation context of the epoch of ``shared`` (made once per epoch)."""
        q: UntracedEnv | None = shared.untraced
        if q is None:  # two threads may both make one: they share the epoch's tables
            q = shared.untraced = UntracedEnv(self, shared, self.epoch_day(shared.epoch))
        return q

    def records(self, shared: DateMemo, fn: Callable[[Env], Any], line: Mapping[str, Any]) -> list[Rec]:
        """The trace records of the traced ``fn`` evaluated in the epoch of ``shared`` with
        ``line`` as its ``line.<name>`` values: what an untraced evaluation skipped, made when a
        trace asks for it, with the epoch's shared records (one record per value, as a rule set
        that evaluated the traced way from the start holds)."""
        with _RECORDER_LOCK:  # one Env per epoch makes them (the traced closures' state is the Env's)
            env: Env | None = shared.recorder
            if env is None:
                env = shared.recorder = Env(self, self.epoch_day(shared.epoch), {})
                env.use_date_memo(shared)
            env.line, env.children, env.local = line, [], {}
            with localcontext(CTX):
                fn(env)
            return env.children

    def date_bounds(self) -> tuple[dt.date, ...]:
        """The sorted boundaries of the rule set's epochs (see :meth:`epoch`)."""
        self.epoch(dt.date.min)
        assert self.memo.bounds is not None
        return self.memo.bounds

    # what-if --------------------------------------------------------------------------------
    def with_overrides(self, values: Mapping[str, Any], label: str = "what-if") -> Self:
        """A new rule set in which the named parameters (and table rows) take the given values on every date.

        Values are numbers in the parameter's unit, or text with a unit (``"2340000 VND/month"``).
        A table row is named ``table[key]``, its keys separated by commas for a table with
        several keys (``salary_coefficient[A1,3]``); its value is in the table's (or the row's) unit.
        """
        errors = ErrorCollector()
        converted: dict[str, Any] = dict(self.overrides)
        text: dict[str, str] = dict(self.overlay_text)
        for given, raw in values.items():
            try:
                if "[" in given:  # a table row: its name as normkit writes it
                    name, value = self.convert_row(given, raw)
                else:
                    name, value = given, self.convert_param(given, raw)
                converted[name] = value
                text[name] = str(raw)
            except NormkitError as e:
                errors.add(e)
        errors.raise_if_any()
        return type(self)(self.compiled, converted, label, text)

    def with_overlay(self, overlay: Overlay) -> Self:
        return self.with_overrides(overlay.set, overlay.label)

    def convert_param(self, name: str, raw: Any) -> Any:
        p = self.compiled.params.get(name)
        where = Location(path=f"set.{name}")
        if p is None:
            close = close_matches(name, self.compiled.params)
            raise NormkitError("NK602", f"unknown parameter {name!r}", location=where,
                               hint=("did you mean " + ", ".join(close) + "?") if close else "`normkit show` lists a pack's parameters")
        return self.convert_value(raw, p.type, p.powers, p.unit, where, "NK602", p.min, p.max, name)

    def convert_row(self, name: str, raw: Any) -> tuple[str, Any]:
        """``table[key,…]`` and its new value: the row's name as normkit writes it (its keys as
        the table holds them) and the value in the table's unit (a table with a unit per row:
        the row's unit). An unknown table is NK602, a key without a row NK202, both with close matches."""
        where = Location(path=f"set.{name}")
        table, _, rest = name.partition("[")
        table = table.strip()
        texts = [k.strip() for k in rest.removesuffix("]").split(",")]
        t = self.compiled.tables.get(table)
        if t is None or not name.endswith("]"):
            close = close_matches(table, self.compiled.tables) if t is None else []
            raise NormkitError("NK602", f"unknown table {table!r}" if t is None else f"{name!r}: write a table row as TABLE[KEY] or TABLE[KEY1,KEY2]",
                               location=where,
                               hint=("did you mean " + ", ".join(close) + "?") if close else
                               f"e.g. {table}[{','.join(k for k, _ in t.keys)}]=VALUE" if t is not None else "`normkit show PACK` lists a pack's tables")
        if len(texts) != len(t.keys) or not all(texts):
            shown = ",".join(k for k, _ in t.keys)
            raise NormkitError("NK602", f"table {table!r} takes {len(t.keys)} key(s) ({shown}), got {rest.removesuffix(']')!r}",
                               location=where, hint=f"e.g. {table}[{shown}]=VALUE")
        key = tuple(txt if kt.kind == "str" else read_number(txt, location=where, what=kname)
                    for (kname, kt), txt in zip(t.keys, texts, strict=True))
        found = _find_keyed(t, key)
        if found is None:
            known = sorted({",".join(str(k) for k in ks) for layer in t.layers for v in layer for ks in v.rows})
            close = close_matches(",".join(texts), known)
            raise NormkitError("NK202", f"table {table!r} has no row for {','.join(texts)}", location=where,
                               hint=("did you mean " + ", ".join(f"{table}[{c}]" for c in close) + "?") if close
                               else f"`normkit show {table}` lists the rows")
        held, row = found
        canonical = f"{table}[{','.join(str(k) for k in held)}]"
        kind = "bool" if isinstance(row.value, bool) else "text" if isinstance(row.value, str) else "num"
        return canonical, self.convert_value(raw, kind, row.powers if t.per_row else t.powers, row.unit if t.per_row else t.unit,
                                             where, "NK602", name=canonical)

    def convert_value(self, raw: Any, kind: str, powers: Any, unit: str, where: Location | Callable[[], Location], code: str,
                      lo: Decimal | None = None, hi: Decimal | None = None, name: str = "value") -> Any:
        """``raw`` (a number in ``unit``, or text with any compatible unit) as a value in ``unit``.

        ``where`` may be a callable, so that a location is only worked out for an error."""
        def fail(err_code: str, message: str, hint: str | None = None) -> NormkitError:
            return NormkitError(err_code, message, location=where() if callable(where) else where, hint=hint)

        if kind == "bool":
            if isinstance(raw, (bool, str)):
                return read_bool(raw, location=where, what=name)
            raise fail(code, f"{name} takes true or false, got {raw!r}")
        if kind == "text":
            return str(raw)
        if isinstance(raw, bool):
            raise fail(code, f"{name} takes a number in {unit}, got {raw!r}")
        if isinstance(raw, (int, Decimal)):
            value = Decimal(raw)
        elif isinstance(raw, float):
            raise fail(code, f"{name}: floats are not accepted; write the number as text")
        else:
            text = str(raw)
            parsed = self.memo.quantities.get((text, powers))
            if parsed is None:
                q = read_quantity(text, self.units.vocab, location=where, what=name)  # the convention is unknown: ambiguity is an error
                value, given = q.value, q.powers
                factor = None
                if given:
                    f = self.units.conversion(given, dict(powers))
                    if f is None:
                        raise fail(code, f"{name} is in {unit}; {format_powers(given)} is not compatible",
                                   hint=f"give the value in {unit} or a unit of the same dimension")
                    factor = (Decimal(f.numerator), Decimal(f.denominator)) if f != 1 else None
                self.memo.quantities.put((text, powers), (value, factor))
            else:
                value, factor = parsed
            if factor is not None:
                value = _div(_mul(value, factor[0]), factor[1])
        if not value.is_finite():
            raise fail("NK603", f"{name}: {value} is not a finite number")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise fail("NK503", f"{name} = {value} is outside the allowed range [{lo if lo is not None else '…'}, {hi if hi is not None else '…'}]")
        return value


def _find_row(t: Any, key: tuple[Any, ...]) -> Any:
    """The newest row of table ``t`` (any version) with ``key``, or None."""
    found = _find_keyed(t, key)
    return found[1] if found is not None else None


def _find_keyed(t: Any, key: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any] | None:
    """The key as the table holds it (``3`` for a given ``3.0``) and the newest row with it."""
    found = None
    for layer in t.layers:
        for v in layer:
            rows = v.rows.get(key)
            if rows and (found is None or v.start >= found[0]):
                held = next(k for k in v.rows if k == key)
                found = (v.start, held, rows[0])
    return (found[1], found[2]) if found is not None else None


def _split_row(compiled: CompiledSet, name: str) -> tuple[Any, tuple[Any, ...]]:
    table, _, rest = name.partition("[")
    t = compiled.tables[table]
    texts = rest.removesuffix("]").split(",")
    return t, tuple(txt if kt.kind == "str" else Decimal(txt) for (_, kt), txt in zip(t.keys, texts, strict=True))


def _row_key(compiled: CompiledSet, name: str) -> tuple[str, tuple[Any, ...]]:
    """``table[k1,k2]`` (as :meth:`RuleSet.convert_row` writes it) -> ``(table, key)``."""
    t, key = _split_row(compiled, name)
    return t.name, key


def _row_unit(compiled: CompiledSet, name: str) -> str:
    t, key = _split_row(compiled, name)
    row = _find_row(t, key) if t.per_row else None
    return str(row.unit) if row is not None else str(t.unit)


class Locates(Protocol):
    """Something that turns a field path into a source location (an order does)."""

    def locate(self, *path: str | int) -> Location: ...


def check_validity(rs: RuleSet, at: dt.date, used: set[str] | None = None) -> None:
    """Refuse a date outside the validity window of a pack the evaluation uses (all packs of
    the set when ``used`` is None; the root pack is always used)."""
    root = rs.compiled.root.id
    for p in rs.compiled.packs:
        if used is not None and p.id not in used and p.id != root:
            continue
        if at < p.valid_from or (p.valid_to is not None and at > p.valid_to):
            until = f"to {p.valid_to}" if p.valid_to else "onwards"
            raise NormkitError("NK402", f"pack {p.id} is valid from {p.valid_from} {until}; it cannot be used on {at}",
                               location=p.valid_location if p.valid_location else Location(p.path + "/pack.yaml", path="valid"),
                               hint="price at a date inside the window, or use a pack in force on that date")


def convert_inputs(rs: RuleSet, given: dict[str, Any], where: tuple[str | int, ...], order: Locates | None = None) -> dict[str, Any]:
    """The raw inputs ``given`` converted to each input's declared unit; every bad one reported.

    ``where`` is the field path of ``given`` (``("inputs",)``), used with ``order`` to locate an error."""
    if not given:
        return {}
    out: dict[str, Any] = {}
    errors: ErrorCollector | None = None
    for name, raw in given.items():
        key = (name, type(raw), raw) if isinstance(raw, (str, int, Decimal, bool)) else None
        if key is not None:
            hit = rs.memo.inputs.get(key)
            if hit is not None:
                out[name] = hit
                continue
        try:
            out[name] = value = _convert_input(rs, name, raw, where, order)
            if key is not None:
                rs.memo.inputs.put(key, value)
        except NormkitError as e:
            errors = errors or ErrorCollector()
            errors.add(e)
    if errors is not None:
        errors.raise_if_any()
    return out


def _convert_input(rs: RuleSet, name: str, raw: Any, where: tuple[str | int, ...], order: Locates | None) -> Any:
    specs = rs.compiled.inputs
    spec = specs.get(name)

    def loc() -> Location:
        return order.locate(*where, name) if order is not None else Location(path=".".join(map(str, where + (name,))))

    if spec is None:
        close = close_matches(name, specs)
        raise NormkitError("NK601", f"unknown input {name!r}", location=loc(),
                           hint=("did you mean " + ", ".join(close) + "?") if close else
                           "inputs this pack set takes: " + (", ".join(sorted(specs)) or "none"))
    value = rs.convert_value(raw, spec.type, spec.powers, spec.unit, loc, "NK601", spec.min, spec.max, name)
    if spec.choices is not None and value not in spec.choices:
        raise NormkitError("NK601", f"{name} must be one of {', '.join(spec.choices)}, got {value!r}", location=loc())
    return value


def evaluate(rs: RuleSet, name: str, at: dt.date, args: tuple[Any, ...] = (), inputs: Mapping[str, Any] | None = None) -> tuple[Any, Rec]:
    """Evaluate one parameter, formula or adjustment at a date; returns the value and its record."""
    with localcontext(CTX):
        try:
            return _evaluate(rs, name, at, args, inputs)
        except (Overflow, InvalidOperation, DivisionByZero, Clamped) as exc:  # a value beyond the exact range
            c = rs.compiled
            obj = c.formulas.get(name) or c.adjustments.get(name)
            loc = getattr(obj, "location", None)
            raise NormkitError("NK502", f"evaluating {name}: a value is beyond the exact range (34 significant digits, magnitudes from 10^-60 to 10^60) "
                               f"({type(exc).__name__})", location=loc,
                               hint="check the inputs and the formula: a value this large is almost certainly a mistake") from None


def _evaluate(rs: RuleSet, name: str, at: dt.date, args: tuple[Any, ...] = (), inputs: Mapping[str, Any] | None = None) -> tuple[Any, Rec]:
    check_validity(rs, at)
    env = Env(rs, at, convert_inputs(rs, dict(inputs or {}), ("inputs",)))
    c = rs.compiled
    try:
        if name in c.formulas or name in c.adjustments:
            f = c.formulas.get(name)
            if f is not None and len(args) != len(f.params):
                raise NormkitError("NK303", f"{name} takes {len(f.params)} argument(s): {', '.join(p for p, _ in f.params)}")
            if f is not None:
                args = tuple(a if isinstance(a, str) or t.kind != "num" else Decimal(a) for a, (_, t) in zip(args, f.params, strict=True))
            value = env.formula(name, args)
        elif name in c.params or name in c.inputs:
            value = env.value(name)
        else:
            close = close_matches(name, [*c.formulas, *c.params, *c.adjustments])
            raise NormkitError("NK202", f"unknown name {name!r}", hint=("did you mean " + ", ".join(close) + "?") if close else None)
    except Missing as m:
        raise NormkitError("NK501", m.detail) from None
    return value, env.children[-1]
