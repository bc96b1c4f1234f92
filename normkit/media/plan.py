"""Line plans: per norm, everything pricing needs about each of its lines, looked up once;
and what pricing makes of them (a line's rate, a priced line, an item's block of priced lines).

A :class:`NormPlan` is a function of the rule set alone (never of a date or an order), made on
first use and kept in the rule set's memo (at most PLANS_MAX norms).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from normkit.core.compiled import CompiledSet
from normkit.core.lang import ir
from normkit.core.lang.scalar import compile_ir
from normkit.core.lang.untraced import Untraced, compile_untraced
from normkit.core.records import Frozen, Record
from normkit.core.runtime import Env, Rec, Row, RuleSet
from normkit.media.compiled import LineC, NormC
from normkit.media.components import COMPONENT_LABELS, COMPONENTS

_set = object.__setattr__

__all__ = ["COMPONENTS", "COMPONENT_LABELS", "Compiled", "LinePlan", "LineRate", "NormPlan", "PricedBlock", "PricedLine", "ScaledRec", "ScaledRecs", "UnitFactor",
           "expand", "item_dependent", "line_consts", "norm_plan"]
PLANS_MAX = 1024  # norms whose plans are kept (a plan compiles its lines' rate formulas)

Compiled = Callable[[Env], Any]


class UnitFactor(Frozen):
    """An exact unit conversion of a line's rate: amount = quantity × rate × num / den."""

    __slots__ = ("den", "num")
    __match_args__ = ("num", "den")
    num: Decimal
    den: Decimal

    def __init__(self, num: Decimal, den: Decimal) -> None:
        _set(self, "num", num)
        _set(self, "den", den)


class LinePlan(Frozen):
    """One norm line, ready to price."""

    __slots__ = ("component", "consts", "factor", "item_dependent", "label_en", "label_vi", "line", "quantity", "rate_fn", "rate_missing", "rate_unit", "resource", "unit", "untraced", "verified")
    __match_args__ = ("line", "consts", "rate_fn", "item_dependent", "untraced", "factor", "rate_missing", "quantity", "component", "resource", "label_vi", "label_en", "unit", "rate_unit", "verified")
    line: LineC
    consts: Mapping[str, Any]  # what the rate formula reads as ``line.<name>``
    rate_fn: Compiled | None  # None: the pack has no pricing method for this component
    item_dependent: bool  # the rate reads an item input: never shared between items
    untraced: Untraced | None  # the rate without trace records (normkit.core.lang.untraced); None: traced only
    factor: UnitFactor | None  # None when the rate is already in the line's unit
    rate_missing: bool  # the rate card has no row for this resource (no unit factor known)
    quantity: Decimal
    component: str
    resource: str
    label_vi: str
    label_en: str
    unit: str
    rate_unit: str
    verified: bool

    def __init__(self, line: LineC, consts: Mapping[str, Any], rate_fn: Compiled | None, item_dependent: bool, untraced: Untraced | None, factor: UnitFactor | None, rate_missing: bool, quantity: Decimal, component: str, resource: str, label_vi: str, label_en: str, unit: str, rate_unit: str, verified: bool) -> None:
        _set(self, "line", line)
        _set(self, "consts", consts)
        _set(self, "rate_fn", rate_fn)
        _set(self, "item_dependent", item_dependent)
        _set(self, "untraced", untraced)
        _set(self, "factor", factor)
        _set(self, "rate_missing", rate_missing)
        _set(self, "quantity", quantity)
        _set(self, "component", component)
        _set(self, "resource", resource)
        _set(self, "label_vi", label_vi)
        _set(self, "label_en", label_en)
        _set(self, "unit", unit)
        _set(self, "rate_unit", rate_unit)
        _set(self, "verified", verified)


class NormPlan(Frozen):
    """A norm's lines, and the share of its base norm when it is derived."""

    __slots__ = ("factor_fn", "item_dependent", "lines", "norm")
    __match_args__ = ("norm", "lines", "factor_fn", "item_dependent")
    norm: NormC
    lines: tuple[LinePlan, ...]
    factor_fn: Compiled | None  # a derived norm's share of its base lines
    item_dependent: bool  # some line's rate reads an item input

    def __init__(self, norm: NormC, lines: tuple[LinePlan, ...], factor_fn: Compiled | None, item_dependent: bool) -> None:
        _set(self, "norm", norm)
        _set(self, "lines", lines)
        _set(self, "factor_fn", factor_fn)
        _set(self, "item_dependent", item_dependent)


def line_consts(line: LineC) -> dict[str, Any]:
    """What a rate formula reads as ``line.<name>`` for ``line``."""
    return {"resource": line.resource, "scale": line.scale, "grade": line.grade,
            "step": None if line.step is None else Decimal(line.step), "steps": line.steps}


def line_lookup_key(node: ir.Lookup, fields: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The row key a rate's table look-up ``node`` reads for a line whose ``line.<name>`` values
    are ``fields``: constants as written, line fields from ``fields``; None when a key part is
    anything else (it is only known while pricing)."""
    key: list[Any] = []
    for k in node.keys:
        if isinstance(k, (ir.Const, ir.Text)):
            key.append(k.value)
        elif isinstance(k, ir.LineField):
            key.append(fields.get(k.name))
        else:
            return None
    return tuple(key)


def norm_plan(rs: RuleSet, norm: NormC) -> NormPlan:
    """The plan of ``norm`` on ``rs`` (made once, then kept in ``rs.memo``)."""
    plan: NormPlan = rs.memo.table("media.plans", PLANS_MAX).get_or_make(norm.code, lambda: _make_plan(rs.compiled, norm))
    return plan


def _make_plan(c: CompiledSet, norm: NormC) -> NormPlan:
    lines = tuple(_line_plan(c, line) for line in norm.lines)
    factor_fn = compile_ir(norm.factor_ir) if norm.factor_ir is not None else None
    return NormPlan(norm=norm, lines=lines, factor_fn=factor_fn, item_dependent=any(p.item_dependent for p in lines))


def _line_plan(c: CompiledSet, line: LineC) -> LinePlan:
    factor = None
    if line.factor is not None and line.factor != (1, 1):
        factor = UnitFactor(num=Decimal(line.factor[0]), den=Decimal(line.factor[1]))
    dependent = item_dependent(c, line.rate_ir)
    return LinePlan(
        line=line, consts=line_consts(line), rate_fn=compile_ir(line.rate_ir) if line.rate_text else None,
        item_dependent=dependent, untraced=compile_untraced(line.rate_ir) if line.rate_text and not dependent else None,
        factor=factor, rate_missing=line.factor is None,
        quantity=line.quantity, component=line.component, resource=line.resource, label_vi=line.label.vi,
        label_en=line.label.en, unit=line.unit, rate_unit=line.rate_unit, verified=line.verified)


def item_dependent(c: CompiledSet, tree: ir.Node) -> bool:
    """Whether an IR reads an item-level input (directly or through a formula)."""

    def reads_item(n: ir.Node) -> bool:
        if isinstance(n, ir.Input):
            return c.inputs[n.name].scope == "item"
        if isinstance(n, (ir.FormulaRef, ir.Call)):
            f = c.formulas.get(n.name) or c.adjustments.get(n.name)
            return bool(f and f.item_dependent)
        return False

    return ir.depends_on(tree, reads_item)


# ---- what pricing makes of a plan (normkit.media.pricing) -------------------------------------

_RECORDS_LOCK = threading.Lock()


class LineRate:
    """A line's rate and the records of how it was computed: given, or made on first use by
    ``make`` (a rate computed untraced; its records are only made when a trace asks for them).
    Once made, the records are one list, the same for every reader."""

    __slots__ = ("_children", "_make", "rate")

    def __init__(self, rate: Decimal, children: list[Rec] | None = None, make: Callable[[], list[Rec]] | None = None) -> None:
        self.rate = rate
        self._children = children
        self._make = make

    @property
    def children(self) -> list[Rec]:
        kids = self._children
        if kids is None:
            with _RECORDS_LOCK:  # one list for every reader, whichever thread asks first
                kids = self._children
                if kids is None:
                    assert self._make is not None
                    kids = self._children = self._make()
                    self._make = None
        return kids


class PricedLine(Record):
    """One priced norm line; also the line's trace record (kind ``line``). Never changed once
    made (not frozen for speed only: a frozen dataclass costs three times as much to build, on
    every line of the first quote of a date's epoch)."""

    kind: ClassVar[str] = "line"
    __slots__ = ("amount", "exact", "line_rate", "plan", "quantity", "rate")
    __match_args__ = ("plan", "quantity", "rate", "amount", "exact", "line_rate")
    plan: LinePlan
    quantity: Decimal  # the line's quantity × the item's quantity
    rate: Decimal
    amount: Decimal  # rounded as the pack says
    exact: Decimal  # before rounding
    line_rate: LineRate  # the rate and how it was computed

    def __init__(self, plan: LinePlan, quantity: Decimal, rate: Decimal, amount: Decimal, exact: Decimal, line_rate: LineRate) -> None:
        self.plan = plan
        self.quantity = quantity
        self.rate = rate
        self.amount = amount
        self.exact = exact
        self.line_rate = line_rate

    @property
    def children(self) -> list[Rec]:
        """How the rate was computed (the rate's records, made on first use)."""
        return self.line_rate.children


class ScaledRec(Frozen):
    """The trace record of a line or an extra of an item of several products, under the one-unit
    basis: its one-unit record ``unit`` (a :class:`PricedLine` or an extra's record), the item's
    quantity, and the amount (the one-unit amount × the quantity, rounded where the pack rounds)."""

    __slots__ = ("amount", "kind", "quantity", "unit", "unit_amount")
    __match_args__ = ("kind", "unit", "unit_amount", "quantity", "amount")
    kind: str  # "line" or "extra": the trace node it becomes
    unit: Any
    unit_amount: Decimal
    quantity: Decimal
    amount: Decimal

    def __init__(self, kind: str, unit: Any, unit_amount: Decimal, quantity: Decimal, amount: Decimal) -> None:
        _set(self, "kind", kind)
        _set(self, "unit", unit)
        _set(self, "unit_amount", unit_amount)
        _set(self, "quantity", quantity)
        _set(self, "amount", amount)

    @property
    def children(self) -> list[Rec]:
        children: list[Rec] = self.unit.children
        return children


class ScaledRecs:
    """The trace records of an item of several products, expanded on first use: its one-unit records,
    each line and extra wrapped as a :class:`ScaledRec` with the amount of the item's quantity.
    Iterated by the trace assembler as the item record's children."""

    __slots__ = ("lines", "priced", "quantity")

    def __init__(self, priced: Any, quantity: Decimal, lines: list[Any]) -> None:
        self.priced, self.quantity, self.lines = priced, quantity, lines

    def records(self) -> list[Any]:
        priced, quantity, lines = self.priced, self.quantity, self.lines
        n = len(priced.lines)
        scaled: dict[int, Any] = {id(pl): ScaledRec("line", pl, pl.amount, quantity, ln.amount) for pl, ln in zip(priced.lines, lines, strict=False)}
        scaled.update({id(x.rec): ScaledRec("extra", x.rec, x.amount, quantity, ln.amount) for x, ln in zip(priced.extras, lines[n:], strict=True)})
        return [scaled.get(id(r), r) for r in priced.recs]



def expand(records: Any) -> list[Any]:
    """An item record's children with every :class:`ScaledRecs` expanded."""
    out: list[Any] = []
    for r in records:
        if isinstance(r, ScaledRecs):
            out.extend(r.records())
        else:
            out.append(r)
    return out


class PricedBlock(Frozen):
    """The priced lines of one item, their sums per component, and their rows for ``sum_lines``."""

    __slots__ = ("complete", "lines", "rows", "sums")
    __match_args__ = ("lines", "sums", "rows", "complete")
    lines: tuple[PricedLine, ...]
    sums: Mapping[str, Decimal]
    rows: tuple[Row, ...]
    complete: bool  # every line priced (no value missing, no arithmetic error)

    def __init__(self, lines: tuple[PricedLine, ...], sums: Mapping[str, Decimal], rows: tuple[Row, ...], complete: bool) -> None:
        _set(self, "lines", lines)
        _set(self, "sums", sums)
        _set(self, "rows", rows)
        _set(self, "complete", complete)
