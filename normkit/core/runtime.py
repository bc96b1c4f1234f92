"""Evaluate a compiled pack set: price an order at a date, with what-if overrides.

A :class:`RuleSet` is immutable and safe to share between threads; every quote gets its
own :class:`Env` holding the values resolved for its date.
"""

from __future__ import annotations

import datetime as dt
import os
import difflib
from dataclasses import dataclass, field
from decimal import Clamped, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from typing import TYPE_CHECKING, Any, Callable, Mapping

from normkit.core.compiled import AdjustmentC, CompiledSet, LineC, NormC
from normkit.core.dating import coverage, in_force
from normkit.core.numbers import CTX, ZERO
from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.build_locations import loc_from
from normkit.core.lang import ir, ops
from normkit.core.lang.scalar import compile_ir
from normkit.core.schema import Order, Overlay
from normkit.core.quantity import parse_quantity
from normkit.core.units import UnitTable, Vocabulary, format_powers

if TYPE_CHECKING:  # pragma: no cover
    from normkit.media.quote import Quote

_mul, _div, _add = CTX.multiply, CTX.divide, CTX.add
COMPONENTS = ("labour", "equipment", "material", "other")


class Missing(Exception):
    """A value the rate card (or the order) must supply is absent; collected, then reported."""

    def __init__(self, kind: str, name: str, detail: str) -> None:
        super().__init__(name)
        self.kind, self.name, self.detail = kind, name, detail


@dataclass(slots=True)
class Rec:
    """A compact trace record, turned into a TraceNode only when a quote is assembled."""

    kind: str
    ref: Any = field(repr=False)
    value: Any
    children: list["Rec"] = field(default_factory=list, repr=False)
    extra: Any = field(default=None, repr=False)


class Env:
    """Evaluation state of one quote: the date, resolved values, memo tables, trace."""

    def __init__(self, rs: "RuleSet", at: dt.date, order_inputs: Mapping[str, Any]) -> None:
        self.rs = rs
        self.at = at
        self.order_inputs = order_inputs
        self.item_inputs: dict[str, tuple[Any, Rec]] = {}
        self.resolved: dict[str, tuple[Any, Rec]] = {}
        self.memo: dict[tuple, tuple[Any, Rec]] = {}
        self.item_memo: dict[tuple, tuple[Any, Rec]] = {}
        self.line: dict[str, Any] = {}
        self.local: dict[str, Any] = {}
        self.item: dict[str, Any] = {}
        self.lines: list[tuple[LineC, Decimal, Decimal]] = []  # (line, quantity, amount) of the current item
        self.children: list[Rec] = []

    # names --------------------------------------------------------------------------------
    def set_item_inputs(self, inputs: Mapping[str, Any]) -> None:
        """The current item's inputs, each with its trace record made once."""
        self.item_inputs = {name: (v, Rec("input", self.rs.compiled.inputs[name], v)) for name, v in inputs.items()}

    def value(self, name: str) -> Any:
        hit = self.item_inputs.get(name)
        if hit is None:
            hit = self.resolved.get(name)
            if hit is None:
                hit = self._resolve(name)
                self.resolved[name] = hit
        self.children.append(hit[1])
        return hit[0]

    def _resolve(self, name: str) -> tuple[Any, Rec]:
        rs = self.rs
        inp = rs.compiled.inputs.get(name)
        if inp is not None:
            if name in self.order_inputs:
                v = self.order_inputs[name]
            elif inp.default is not None:
                v = inp.default
            else:
                raise Missing("input", name, f"input `{name}` ({inp.label.en}; {inp.unit}) is required by the order")
            return v, Rec("input", inp, v)
        p = rs.compiled.params[name]
        if name in rs.overrides:
            v = rs.overrides[name]
            return v, Rec("parameter", p, v, extra="overlay")
        d = in_force(p.layers, self.at)
        if d is None:
            if p.supplied_by and not any(layer for layer in p.layers):
                raise Missing("parameter", name, f"`{name}` ({p.label.en}, {p.unit}) must be supplied by the {p.supplied_by.replace('_', ' ')}")
            raise NormkitError("NK401", f"{name!r} has no value in force on {self.at}; values cover {coverage(p.layers)}",
                               location=_loc(p.location))
        return d.value, Rec("parameter", p, d.value, extra=d)

    def formula(self, name: str, args: tuple) -> Any:
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
                    self.local = dict(zip((p for p, _ in f.params), args)) if args else {}
                    value = rs.formula_fns[name](self)
                    rec = Rec("formula", f, value, self.children, extra=args)
                else:
                    self.local = {}
                    value, chosen = self._adjust(rs.compiled.adjustments[name])
                    rec = Rec("adjustment", rs.compiled.adjustments[name], value, self.children, extra=chosen)
            finally:
                self.children, self.local = outer, outer_local
            hit = (value, rec)
            memo[key] = hit
        self.children.append(hit[1])
        return hit[0]

    def _adjust(self, a: AdjustmentC) -> tuple[Any, str | None]:
        fns = self.rs.adjustment_fns[a.name]
        applicable = [(e, fn) for e, (when, fn) in zip(a.exceptions, fns[1]) if when(self)]
        if not applicable:
            return fns[0](self), None
        top = max(e.priority for e, _ in applicable)
        best = [(e, fn) for e, fn in applicable if e.priority == top]
        if len(best) > 1:
            labels = ", ".join(e.label for e, _ in best)
            raise NormkitError("NK208", f"adjustment {a.name!r}: exceptions {labels} all apply with priority {top}",
                               location=_loc(a.location))
        e, fn = best[0]
        return fn(self), e.label

    def lookup(self, table: str, key: tuple) -> Any:
        t = self.rs.compiled.tables[table]
        version = in_force(t.layers, self.at)
        if version is None:
            if t.supplied_by and not any(t.layers):
                raise Missing("table", table, f"table `{table}` ({t.label.en}) must be supplied by the rate card")
            raise NormkitError("NK401", f"table {table!r} has no version in force on {self.at}; versions cover {coverage(t.layers)}",
                               location=_loc(t.location))
        rows = version.rows.get(key)
        if not rows:
            shown = "/".join(str(k) for k in key)
            if t.supplied_by:
                raise Missing("table", f"{table}[{shown}]", f"`{table}` has no row for {shown} (rate card, version from {version.start})")
            raise ops.lookup_miss(table, key, f" in the version in force from {version.start}", location=_loc(t.location),
                                  hint="check the keys; `normkit show " + table + "` lists the rows")
        row = rows[0]
        self.children.append(Rec("table", t, row.value, extra=(version, row)))
        return row.value

    def sum_lines(self, component: str, fn: Callable[["Env"], Any]) -> Any:
        total = ZERO
        saved = self.line
        for line, qty, amount in self.lines:
            if component != "all" and line.component != component:
                continue
            self.line = {"quantity": qty, "amount": amount, "resource": line.resource}
            total = _add(total, fn(self))
        self.line = saved
        return total


def _loc(text: str) -> Location:
    return loc_from(text)


class RuleSet:
    """A checked pack set, ready to price orders. Immutable; share it freely between threads."""

    def __init__(self, compiled: CompiledSet, overrides: Mapping[str, Any] | None = None, overlay_label: str | None = None,
                 overlay_text: Mapping[str, str] | None = None) -> None:
        self.compiled = compiled
        self.overrides: dict[str, Any] = dict(overrides or {})
        self.overlay_label = overlay_label
        self.overlay_text: dict[str, str] = dict(overlay_text or {})
        self.units = UnitTable(Vocabulary(compiled.units), compiled.unit_base)
        self.formula_fns = {n: compile_ir(f.ir) for n, f in compiled.formulas.items()}
        self.adjustment_fns = {
            n: (compile_ir(a.base_ir), [(compile_ir(e.when_ir), compile_ir(e.value_ir)) for e in a.exceptions])
            for n, a in compiled.adjustments.items()
        }
        self.line_consts: dict[int, dict[str, Any]] = {}
        self._plans: dict[str, list[tuple]] = {}
        for norm in compiled.norms.values():
            for line in norm.lines:
                self.line_consts[id(line)] = {"resource": line.resource, "scale": line.scale, "grade": line.grade,
                                              "step": None if line.step is None else Decimal(line.step), "steps": line.steps}
        self.static_cache: dict[tuple, Any] = {}  # (date, norm codes) -> (missing values, unverified values)
        self._quantities: dict[tuple, Any] = {}  # ("90 s", unit) -> (value, factor): inputs parsed once
        self.converted_inputs: dict[tuple, tuple[Any]] = {}  # (input, raw value) -> (converted value,)
        self._rates: dict[dt.date, dict[str, dict]] = {}
        self.check_fns = [(chk, compile_ir(chk.ir)) for chk in compiled.checks]
        self._factor_fns: dict[str, Callable[[Env], Any]] = {}
        self.uses_line_sums = any(ir.uses_sum_lines(x.ir) or (x.when_ir is not None and ir.uses_sum_lines(x.when_ir)) for x in compiled.extras)
        self.extra_fns = [(x, compile_ir(x.ir), compile_ir(x.when_ir) if x.when_ir else None) for x in compiled.extras]
        m = compiled.money
        self.quantum, self.mode, self.round_at = m.quantum, m.rounding, m.round_at
        from normkit.media.quote import PackRef, Rounding

        self.rounding_info = Rounding(quantum=m.quantum, mode=m.rounding, at=m.round_at, pack=compiled.money_pack)
        self.pack_refs = [PackRef(id=p.id, version=p.version, hash=p.hash) for p in compiled.packs]

    def date_cache(self, at: dt.date) -> dict[str, dict]:
        """What was already computed at ``at``, shared by later quotes on this rule set: values
        in force, formula results, line rates (with their traces), priced line blocks.

        A rule set never changes, so anything that reads no order input is a function of the
        date alone. Bounded: at most 64 dates are kept."""
        cache = self._rates.get(at)
        if cache is None:
            if len(self._rates) >= 64:
                self._rates.clear()
            cache = self._rates.setdefault(at, {"values": {}, "memo": {}, "rates": {}, "blocks": {}})
        return cache

    def factor_fn(self, norm: NormC) -> Callable[[Env], Any]:
        fn = self._factor_fns.get(norm.code)
        if fn is None:
            assert norm.factor_ir is not None
            fn = self._factor_fns[norm.code] = compile_ir(norm.factor_ir)
        return fn

    def line_plan(self, norm: NormC) -> list[tuple]:
        """Per norm line, everything pricing needs, looked up once: (line, fixed fields,
        compiled rate, depends on item inputs, unit factor (None when 1, "missing" when
        the rate card has no row), quantity, component, resource, labels, units, verified)."""
        plan = self._plans.get(norm.code)
        if plan is None:
            plan = []
            for line in norm.lines:
                fn = compile_ir(line.rate_ir) if line.rate_text else None
                if line.factor is None:
                    factor: Any = "missing"
                elif line.factor == (1, 1):
                    factor = None
                else:
                    factor = (Decimal(line.factor[0]), Decimal(line.factor[1]))
                plan.append((line, self.line_consts[id(line)], fn, self.item_dependent(line.rate_ir), factor, line.quantity,
                             line.component, line.resource, line.label.vi, line.label.en, line.unit, line.rate_unit, line.verified))
            self._plans[norm.code] = plan
        return plan

    def item_dependent(self, tree: ir.Node) -> bool:
        """Whether an IR reads an item-level input (directly or through a formula)."""
        c = self.compiled

        def reads_item(n: ir.Node) -> bool:
            if isinstance(n, ir.Input):
                return c.inputs[n.name].scope == "item"
            if isinstance(n, (ir.FormulaRef, ir.Call)):
                f = c.formulas.get(n.name) or c.adjustments.get(n.name)
                return bool(f and f.item_dependent)
            return False

        return ir.depends_on(tree, reads_item)

    # what-if --------------------------------------------------------------------------------
    def with_overrides(self, values: Mapping[str, Any], label: str = "what-if") -> "RuleSet":
        """A new rule set in which the named parameters take the given values on every date.

        Values are numbers in the parameter's unit, or text with a unit (``"2340000 VND/month"``).
        """
        errors = ErrorCollector()
        converted: dict[str, Any] = dict(self.overrides)
        text: dict[str, str] = dict(self.overlay_text)
        for name, raw in values.items():
            try:
                converted[name] = self.convert_param(name, raw)
                text[name] = str(raw)
            except NormkitError as e:
                errors.add(e)
        errors.raise_if_any()
        return RuleSet(self.compiled, converted, label, text)

    def with_overlay(self, overlay: Overlay) -> "RuleSet":
        return self.with_overrides(overlay.set, overlay.label)

    def convert_param(self, name: str, raw: Any) -> Any:
        p = self.compiled.params.get(name)
        where = Location(path=f"set.{name}")
        if p is None:
            close = difflib.get_close_matches(name, list(self.compiled.params), n=3)
            raise NormkitError("NK602", f"unknown parameter {name!r}", location=where,
                               hint=("did you mean " + ", ".join(close) + "?") if close else "`normkit show` lists a pack's parameters")
        return self.convert_value(raw, p.type, p.powers, p.unit, where, "NK602", p.min, p.max, name)

    def convert_value(self, raw: Any, kind: str, powers: Any, unit: str, where: "Location | Callable[[], Location]", code: str,
                      lo: Decimal | None = None, hi: Decimal | None = None, name: str = "value") -> Any:
        """``raw`` (a number in ``unit``, or text with any compatible unit) as a value in ``unit``.

        ``where`` may be a callable, so that a location is only worked out for an error."""
        def fail(err_code: str, message: str, hint: str | None = None) -> NormkitError:
            return NormkitError(err_code, message, location=where() if callable(where) else where, hint=hint)

        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.lower() in ("true", "false"):
                return raw.lower() == "true"
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
            parsed = self._quantities.get((text, powers))
            if parsed is None:
                value, given = parse_quantity(text, self.units.vocab, where() if callable(where) else where)
                factor = None
                if given:
                    f = self.units.conversion(given, dict(powers))
                    if f is None:
                        raise fail(code, f"{name} is in {unit}; {format_powers(given)} is not compatible",
                                   hint=f"give the value in {unit} or a unit of the same dimension")
                    factor = (Decimal(f.numerator), Decimal(f.denominator)) if f != 1 else None
                if len(self._quantities) < 4096:
                    self._quantities[(text, powers)] = (value, factor)
            else:
                value, factor = parsed
            if factor is not None:
                value = _div(_mul(value, factor[0]), factor[1])
        if not value.is_finite():
            raise fail("NK603", f"{name}: {value} is not a finite number")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise fail("NK503", f"{name} = {value} is outside the allowed range [{lo if lo is not None else '…'}, {hi if hi is not None else '…'}]")
        return value

    # pricing --------------------------------------------------------------------------------
    def quote(self, order: "Order | Mapping[str, Any] | str | os.PathLike[str]", at: dt.date | None = None) -> "Quote":  # noqa: F821
        """Price ``order`` (an :class:`Order`, a mapping, or a YAML/JSON file path) at ``at``
        (default: the order's ``at``, else its ``date``)."""
        from normkit.media.pricing import price

        if isinstance(order, (str, os.PathLike)):
            from normkit.media.orders import load_order
            order = load_order(os.fspath(order))
        elif not isinstance(order, Order):
            from normkit.media.orders import order_from_data
            order = order_from_data(order)
        return price(self, order, at)


def evaluate(rs: RuleSet, name: str, at: dt.date, args: tuple = (), inputs: Mapping[str, Any] | None = None) -> tuple[Any, Rec]:
    """Evaluate one parameter, formula or adjustment at a date; returns the value and its record."""
    with localcontext(CTX):
        try:
            return _evaluate(rs, name, at, args, inputs)
        except (Overflow, InvalidOperation, DivisionByZero, Clamped) as exc:  # a value beyond the exact range
            c = rs.compiled
            obj = c.formulas.get(name) or c.adjustments.get(name)
            loc = getattr(obj, "location", None)
            raise NormkitError("NK502", f"evaluating {name}: a value is beyond the exact range (34 significant digits, magnitudes from 10^-60 to 10^60) "
                               f"({type(exc).__name__})", location=loc_from(loc) if isinstance(loc, str) and loc else None,
                               hint="check the inputs and the formula: a value this large is almost certainly a mistake") from None


def _evaluate(rs: RuleSet, name: str, at: dt.date, args: tuple = (), inputs: Mapping[str, Any] | None = None) -> tuple[Any, Rec]:
    from normkit.media.pricing import check_validity, convert_inputs

    check_validity(rs, at)
    env = Env(rs, at, convert_inputs(rs, dict(inputs or {}), ("inputs",)))
    c = rs.compiled
    try:
        if name in c.formulas or name in c.adjustments:
            f = c.formulas.get(name)
            if f is not None and len(args) != len(f.params):
                raise NormkitError("NK303", f"{name} takes {len(f.params)} argument(s): {', '.join(p for p, _ in f.params)}")
            if f is not None:
                args = tuple(a if isinstance(a, str) or t.kind != "num" else Decimal(a) for a, (_, t) in zip(args, f.params))
            value = env.formula(name, args)
        elif name in c.params or name in c.inputs:
            value = env.value(name)
        else:
            close = difflib.get_close_matches(name, list(c.formulas) + list(c.params) + list(c.adjustments), n=3)
            raise NormkitError("NK202", f"unknown name {name!r}", hint=("did you mean " + ", ".join(close) + "?") if close else None)
    except Missing as m:
        raise NormkitError("NK501", m.detail) from None
    return value, env.children[-1]
