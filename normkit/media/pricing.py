"""Price an order: norm lines × rates, extras, rounding where the pack says, and a trace.

The pipeline, one small function per step: resolve the date and the norms of the items
(:func:`_prepare_items`) → the static check of what the rate card lacks and which values are
unverified (:func:`static_check`) → per item (:func:`_price_item`): the derived share, the line
plan, each line's rate and amount with its rounding (:func:`_priced_block`), the extras
(:func:`_price_extras`), the rule checks (:func:`_run_checks`), subtotal rounding → totals →
the quote, whose trace is assembled on first use (:mod:`normkit.media.trace`).

Named structures only on this path: :class:`~normkit.media.plan.LinePlan`, ``LineRate``,
``PricedLine``, ``PricedBlock`` (in :mod:`normkit.media.plan`), :class:`StaticCheck`, :class:`PreparedItem`.
What outlives one quote (rates and priced blocks that read no order input, static checks) is
kept in the rule set's bounded memo: BLOCKS_MAX priced blocks, STATIC_MAX static checks, rates
per epoch for the 64 most recent epochs. Every one is keyed by the date's epoch
(:meth:`~normkit.core.runtime.RuleSet.epoch`: the interval of dates over which every value in
force stays the same), never by the calendar date: what names the date (the quote's ``at``, the
NK401/NK402 messages) is made per quote, outside the memo.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Iterator, Mapping
from decimal import Clamped, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from pathlib import Path
from typing import Any

from normkit.core.compiled import CompiledSet
from normkit.core.dating import in_force
from normkit.core.errors import ErrorCollector, NormkitError
from normkit.core.lang import ir
from normkit.core.lang.scalar import compile_ir
from normkit.core.memo import DateMemo
from normkit.core.names import close_matches
from normkit.core.numbers import CTX, MODES, ONE, ZERO, round_to
from normkit.core.records import Frozen, Record
from normkit.core.rulesets import load_as
from normkit.core.runtime import Env, Missing, Rec, Row, RuleSet, check_validity, convert_inputs
from normkit.media.ceilings import ceiling_findings, require_ceilings
from normkit.media.compiled import CheckC, ExtraC, NormC, media_part
from normkit.media.order_check import Order, OrderItem
from normkit.media.orders import load_order, order_from_data
from normkit.media.plan import (
    COMPONENTS,
    Compiled,
    LinePlan,
    LineRate,
    NormPlan,
    PricedBlock,
    PricedLine,
    ScaledRecs,
    line_lookup_key,
    norm_plan,
)
from normkit.media.quote import (
    QUOTE_SCHEMA,
    OverlayInfo,
    PackRef,
    Quote,
    QuoteItem,
    QuoteLine,
    QuoteNote,
    Rounding,
    extra_line,
    fast_model,
    quote_line,
    scaled_line,
)
from normkit.media.trace import assemble

_set = object.__setattr__

_add = CTX.add
_ARITHMETIC = (Overflow, InvalidOperation, DivisionByZero, Clamped)
BLOCKS_MAX = 1024  # priced blocks (norm × quantity × date) kept: about 12 KB each for a 19-line norm
STATIC_MAX = 256  # static checks (date × the order's norms) kept
RATES = "media.rates"  # per-epoch table: line -> LineRate, one entry per norm line at most
UNITS = "media.units"  # (epoch, norm, item inputs) -> the one-unit PricedItem
UNITS_MAX = 4096  # one-unit prices kept: about 13 KB each for a 19-line norm with its trace records


# ---- the rule set that prices -------------------------------------------------------------------

class ExtraFn(Frozen):
    __slots__ = ("extra", "value", "when")
    __match_args__ = ("extra", "value", "when")
    extra: ExtraC
    value: Compiled
    when: Compiled | None

    def __init__(self, extra: ExtraC, value: Compiled, when: Compiled | None) -> None:
        _set(self, "extra", extra)
        _set(self, "value", value)
        _set(self, "when", when)


class CheckFn(Frozen):
    __slots__ = ("check", "test")
    __match_args__ = ("check", "test")
    check: CheckC
    test: Compiled

    def __init__(self, check: CheckC, test: Compiled) -> None:
        _set(self, "check", check)
        _set(self, "test", test)


class PricingProgram(Frozen):
    """What pricing needs from a compiled set besides its norms, compiled once per rule set."""

    __slots__ = ("above_ceiling", "basis", "checks", "extras", "mode", "order_inputs", "packs", "quantum", "round_at", "rounding", "uses_line_sums")
    __match_args__ = ("extras", "checks", "uses_line_sums", "above_ceiling", "quantum", "mode", "round_at", "basis", "rounding", "packs", "order_inputs")
    extras: tuple[ExtraFn, ...]
    checks: tuple[CheckFn, ...]
    uses_line_sums: bool  # some extra sums the item's lines: lay them out as rows
    above_ceiling: bool  # a provincial norm exceeds the national maximum: pricing is refused (NK209)
    quantum: Decimal
    mode: str
    round_at: str
    basis: str  # "one_unit": every amount = one-unit amount × quantity; "whole_quantity": lines priced on the quantity
    rounding: Rounding
    packs: tuple[PackRef, ...]
    order_inputs: frozenset[str]  # the inputs of order scope: an item giving one has its rates evaluated the traced way

    def __init__(self, extras: tuple[ExtraFn, ...], checks: tuple[CheckFn, ...], uses_line_sums: bool, above_ceiling: bool, quantum: Decimal, mode: str, round_at: str, basis: str, rounding: Rounding, packs: tuple[PackRef, ...], order_inputs: frozenset[str]) -> None:
        _set(self, "extras", extras)
        _set(self, "checks", checks)
        _set(self, "uses_line_sums", uses_line_sums)
        _set(self, "above_ceiling", above_ceiling)
        _set(self, "quantum", quantum)
        _set(self, "mode", mode)
        _set(self, "round_at", round_at)
        _set(self, "basis", basis)
        _set(self, "rounding", rounding)
        _set(self, "packs", packs)
        _set(self, "order_inputs", order_inputs)

    @classmethod
    def build(cls, c: CompiledSet) -> PricingProgram:
        m, media = c.money, media_part(c)
        return cls(
            extras=tuple(ExtraFn(x, compile_ir(x.ir), compile_ir(x.when_ir) if x.when_ir else None) for x in media.extras),
            checks=tuple(CheckFn(chk, compile_ir(chk.ir)) for chk in media.checks),
            uses_line_sums=any(ir.uses_sum_lines(x.ir) or (x.when_ir is not None and ir.uses_sum_lines(x.when_ir)) for x in media.extras),
            above_ceiling=bool(ceiling_findings(c)),
            quantum=m.quantum, mode=m.rounding, round_at=m.round_at, basis=m.amount_basis,
            rounding=Rounding(quantum=m.quantum, mode=m.rounding, at=m.round_at, basis=m.amount_basis, pack=c.money_pack),
            packs=tuple(PackRef(id=p.id, version=p.version, hash=p.hash) for p in c.packs),
            order_inputs=frozenset(name for name, i in c.inputs.items() if i.scope != "item"))


class PricingRules(RuleSet):
    """A rule set that prices orders: what :func:`normkit.api.load` returns.

    A subclass rather than a function only: ``rules.quote(order)`` is the documented API, and
    the engine's :class:`RuleSet` must not import pricing. Immutable like its base.

    >>> import normkit
    >>> rules = normkit.load("examples/packs/example-province")   # doctest: +SKIP
    >>> rules.quote("examples/orders/tv-bulletins.yaml").total     # doctest: +SKIP
    Decimal('5336124')
    """

    def __init__(self, compiled: CompiledSet, overrides: Mapping[str, Any] | None = None, overlay_label: str | None = None,
                 overlay_text: Mapping[str, str] | None = None) -> None:
        super().__init__(compiled, overrides, overlay_label, overlay_text)
        self.program = PricingProgram.build(compiled)

    def date_spans(self) -> Iterator[tuple[dt.date, dt.date | None]]:
        """The engine's dated things, and each norm's dates in force (checked per quote: listed so
        that an epoch never spans a norm's first or last day)."""
        yield from super().date_spans()
        for n in media_part(self.compiled).norms.values():
            yield n.valid_from, n.valid_to

    def quote(self, order: Order | Mapping[str, Any] | str | os.PathLike[str], at: dt.date | None = None) -> Quote:
        """Price ``order`` (an :class:`Order`, a mapping, or a YAML/JSON file path) at ``at``
        (default: the order's ``at``, else its ``date``)."""
        return quote(self, order, at)

    # the money rule of the set, as budgets and reports show it
    @property
    def quantum(self) -> Decimal:
        return self.program.quantum

    @property
    def mode(self) -> str:
        return self.program.mode

    @property
    def round_at(self) -> str:
        return self.program.round_at

    @property
    def pack_refs(self) -> list[PackRef]:
        return list(self.program.packs)


def load(pack: str | Path, *, extra: tuple[str, ...] = (), use_cache: bool = True) -> PricingRules:
    """The pricing rule set of ``pack`` (see :func:`normkit.core.rulesets.load_as`)."""
    return load_as(PricingRules, pack, extra=extra, use_cache=use_cache)


def quote(rules: PricingRules, order: Order | Mapping[str, Any] | str | os.PathLike[str], at: dt.date | None = None) -> Quote:
    """Price ``order`` (an :class:`Order`, a mapping, or a YAML/JSON file path) with ``rules`` at ``at``."""
    if isinstance(order, (str, os.PathLike)):
        order = load_order(os.fspath(order))
    elif not isinstance(order, Order):
        order = order_from_data(order)
    return price(rules, order, at)


# ---- named structures of the money path ---------------------------------------------------------

class StaticCheck(Frozen):
    """Before pricing: the rate-card values missing at the date, the unverified values used,
    and the packs the order uses."""

    __slots__ = ("missing", "packs", "unverified")
    __match_args__ = ("missing", "unverified", "packs")
    missing: Mapping[str, str]
    unverified: tuple[str, ...]
    packs: frozenset[str]

    def __init__(self, missing: Mapping[str, str], unverified: tuple[str, ...], packs: frozenset[str]) -> None:
        _set(self, "missing", missing)
        _set(self, "unverified", unverified)
        _set(self, "packs", packs)


class PreparedItem(Record):
    """An order item checked and resolved: its index, id, norm in force and converted inputs.

    Not frozen, for speed only (a frozen dataclass costs 1 µs to build, 10% of a cached quote of
    ten items): made per item inside one call of :func:`price`, never shared, never changed."""

    __slots__ = ("id", "index", "inputs", "item", "norm")
    __match_args__ = ("index", "id", "item", "norm", "inputs")
    index: int
    id: str
    item: OrderItem
    norm: NormC
    inputs: Mapping[str, Any]

    def __init__(self, index: int, id: str, item: OrderItem, norm: NormC, inputs: Mapping[str, Any]) -> None:
        self.index = index
        self.id = id
        self.item = item
        self.norm = norm
        self.inputs = inputs


class Run(Record):
    """The state of pricing one order (made per call, never shared)."""

    __slots__ = ("at", "env", "epoch", "errors", "failures", "item_recs", "items", "lines", "missing", "notes", "order", "rates", "rs", "scaled", "shared", "too_large", "total", "totals", "units")
    __match_args__ = ("rs", "order", "at", "epoch", "env", "shared", "rates", "missing", "errors", "items", "lines", "item_recs", "notes", "totals", "too_large", "units", "scaled", "total", "failures")
    rs: PricingRules
    order: Order
    at: dt.date
    epoch: int  # the date's epoch: what the memo's per-date entries are keyed by
    env: Env
    shared: DateMemo | None  # the epoch's shared memo, when the order has no order-level inputs
    rates: dict[int, LineRate]
    missing: dict[str, Missing]
    errors: ErrorCollector
    items: list[QuoteItem]
    lines: list[QuoteLine]
    item_recs: list[Rec]
    notes: list[QuoteNote]
    totals: dict[str, Decimal]
    too_large: set[int]
    units: dict[tuple, PricedItem]  # the one-unit prices this run used (its trace shares them)
    scaled: dict[tuple[int, Decimal], tuple[PricedItem, list[tuple[Decimal, Decimal, Decimal | None]]]]
    total: Decimal  # the sum of the item totals
    failures: int  # values found missing so far (with ``errors``: whether an item's pricing failed)

    def __init__(self, rs: PricingRules, order: Order, at: dt.date, epoch: int, env: Env, shared: DateMemo | None, rates: dict[int, LineRate], missing: dict[str, Missing] | None = None, errors: ErrorCollector | None = None, items: list[QuoteItem] | None = None, lines: list[QuoteLine] | None = None, item_recs: list[Rec] | None = None, notes: list[QuoteNote] | None = None, totals: dict[str, Decimal] | None = None, too_large: set[int] | None = None, units: dict[tuple, PricedItem] | None = None, scaled: dict[tuple[int, Decimal], tuple[PricedItem, list[tuple[Decimal, Decimal, Decimal | None]]]] | None = None, total: Decimal = ZERO, failures: int = 0) -> None:
        self.rs = rs
        self.order = order
        self.at = at
        self.epoch = epoch
        self.env = env
        self.shared = shared
        self.rates = rates
        self.missing = {} if missing is None else missing
        self.errors = ErrorCollector() if errors is None else errors
        self.items = [] if items is None else items
        self.lines = [] if lines is None else lines
        self.item_recs = [] if item_recs is None else item_recs
        self.notes = [] if notes is None else notes
        self.totals = dict.fromkeys(COMPONENTS, ZERO) if totals is None else totals
        self.too_large = set() if too_large is None else too_large
        self.units = {} if units is None else units
        self.scaled = {} if scaled is None else scaled
        self.total = total
        self.failures = failures

    def miss(self, m: Missing) -> None:
        """Record a missing value (reported, all of them, by :func:`_finish`)."""
        self.missing.setdefault(m.name, m)
        self.failures += 1


# ---- resolve: the norms of the items -------------------------------------------------------------

def find_norm(rs: RuleSet, code: str, at: dt.date, where: Any) -> NormC:
    """The norm ``code`` in force at ``at``; ``where()`` gives the location for an error."""
    norms = media_part(rs.compiled).norms
    norm = norms.get(code)
    if norm is not None and norm.valid_from <= at and (norm.valid_to is None or at <= norm.valid_to):
        return norm
    loc = where() if callable(where) else where
    if norm is None:
        close = close_matches(code, norms)
        raise NormkitError("NK504", f"unknown norm code {code!r}", location=loc,
                           hint=("close matches: " + ", ".join(close)) if close else "`normkit show` lists the norms of a pack")
    until = f" to {norm.valid_to}" if norm.valid_to else ""
    raise NormkitError("NK402", f"norm {code} is in force from {norm.valid_from}{until}, not on {at}", location=loc)


def _prepare_items(rs: RuleSet, order: Order, at: dt.date) -> list[PreparedItem]:
    """Every item's norm and inputs; the order's own mistakes first, all of them."""
    errors = ErrorCollector()
    prepared: list[PreparedItem] = []
    for idx, item in enumerate(order.items):
        try:
            norm = find_norm(rs, item.norm, at, functools.partial(order.locate, "items", idx, "norm"))
            if item.quantity <= 0 or not item.quantity.is_finite():
                raise NormkitError("NK503", f"item quantity must be a positive number, got {item.quantity}",
                                   location=order.locate("items", idx, "quantity"))
            if not -60 <= item.quantity.adjusted() <= 60:  # the Decimal context's range: nothing outside it computes exactly
                raise NormkitError("NK503", f"item quantity must lie between 10^-60 and 10^60, got {item.quantity}",
                                   location=order.locate("items", idx, "quantity"))
            inputs = convert_inputs(rs, dict(item.inputs), ("items", idx, "inputs"), order)
            prepared.append(PreparedItem(index=idx, id=item.id or f"{idx + 1}", item=item, norm=norm, inputs=inputs))
        except NormkitError as e:
            errors.add(e)
    errors.raise_if_any()
    return prepared


# ---- static check: what is missing, what is unverified, which packs are used -------------------

Probe = tuple[Any, ...]  # what a walk found to look up at a date: ("param", name, p), ("table", name, t, keys), ("fixed", name, detail)


def _walk(tree: ir.Node | None, line: Mapping[str, Any] | None, rs: RuleSet, probes: list[Probe], used: set[tuple[str, str]]) -> None:
    """Collect what an IR uses, and the rate-card values it needs (``probes``, looked up at a
    date by :func:`_replay`): the walk reads no date, so it is done once per set of norms.

    Done statically, so that one error lists every missing value (not only the first one an
    evaluation trips over), and so the list of unverified values is known without walking
    the trace."""
    if tree is None:
        return
    c = rs.compiled
    for node in ir.walk(tree):
        if isinstance(node, ir.Param):
            used.add(("parameter", node.name))
            p = c.params[node.name]
            if node.name not in rs.overrides and p.supplied_by:
                probes.append(("param", node.name, p))
        elif isinstance(node, (ir.FormulaRef, ir.Call)):
            if ("formula", node.name) not in used:
                used.add(("formula", node.name))
                if node.name in c.formulas:
                    _walk(c.formulas[node.name].ir, None, rs, probes, used)
                elif node.name in c.adjustments:
                    a = c.adjustments[node.name]
                    for part in [a.base_ir] + [e.when_ir for e in a.exceptions] + [e.value_ir for e in a.exceptions]:
                        _walk(part, None, rs, probes, used)
        elif isinstance(node, ir.Lookup):
            _walk_lookup(node, line, rs, probes, used)


def _walk_lookup(node: ir.Lookup, line: Mapping[str, Any] | None, rs: RuleSet, probes: list[Probe], used: set[tuple[str, str]]) -> None:
    used.add(("table", node.table))
    t = rs.compiled.tables[node.table]
    if not t.supplied_by:
        return
    keys = line_lookup_key(node, line) if line is not None else None
    probes.append(("table", node.table, t, keys or ()))


def _versions_at(at: dt.date) -> Callable[[Any], Any]:
    """``version(p)``: the version of parameter or table ``p`` in force at ``at``, each looked up
    once (the static check asks about the same table for every line that reads it)."""
    seen: dict[int, Any] = {}

    def version(obj: Any) -> Any:
        key = id(obj)
        found = seen.get(key, seen)
        if found is seen:
            found = seen[key] = in_force(obj.layers, at)
        return found

    return version


def _replay(probes: list[Probe] | tuple[Probe, ...], at: dt.date, out: dict[str, str], version: Callable[[Any], Any] | None = None) -> None:
    """What ``probes`` (from :func:`_walk`) find missing at ``at``, in the walk's order."""
    version = version or _versions_at(at)
    for probe in probes:
        kind, name = probe[0], probe[1]
        if kind == "fixed":
            out.setdefault(name, probe[2])
        elif kind == "param":
            p = probe[2]
            if version(p) is None:
                out.setdefault(name, f"`{p.name}` ({p.label.en}, {p.unit}) must be supplied by the {p.supplied_by.replace('_', ' ')}")
        else:
            t, keys = probe[2], probe[3]
            version_ = version(t)
            if version_ is None:
                out.setdefault(name, f"table `{t.name}` ({t.label.en}) must be supplied by the rate card")
            elif keys and keys not in version_.rows:
                shown = "/".join(str(k) for k in keys)
                out.setdefault(f"{t.name}[{shown}]", f"`{t.name}` has no row for {shown} (rate card, version from {version_.start})")


def missing_values(rs: RuleSet, at: dt.date, tree: ir.Node | None, line: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The rate-card values ``tree`` (a line's rate with the line's fields ``line``, an extra …)
    needs at ``at`` and does not find: name → what is missing. ``normkit lint`` asks this of
    every norm line, so that it fails exactly where pricing would."""
    out: dict[str, str] = {}
    probes: list[Probe] = []
    _walk(tree, line, rs, probes, set())
    _replay(probes, at, out)
    return out


class Needs(Frozen):
    """What pricing some norms reads, whatever the date: the probes of every value the rate card
    must supply (in the order an error lists them), every name used, and the unverified norms,
    norm lines and formulas. Found by one walk of their IR, kept per rule set (STATIC_MAX)."""

    __slots__ = ("dated", "packs", "probes", "unverified", "used")
    __match_args__ = ("probes", "used", "unverified", "packs", "dated")
    probes: tuple[Probe, ...]
    used: frozenset[tuple[str, str]]
    unverified: frozenset[str]
    packs: frozenset[str]  # the packs used whatever the date (of the norms, names, extras, checks)
    dated: tuple[tuple[str, str, Any], ...]  # (kind, name, parameter or table) whose version in force names a pack and may be unverified

    def __init__(self, probes: tuple[Probe, ...], used: frozenset[tuple[str, str]], unverified: frozenset[str], packs: frozenset[str] = frozenset(), dated: tuple[tuple[str, str, Any], ...] = ()) -> None:
        _set(self, "probes", probes)
        _set(self, "used", used)
        _set(self, "unverified", unverified)
        _set(self, "packs", packs)
        _set(self, "dated", dated)


def static_check(rs: RuleSet, at: dt.date, norms: list[NormC], epoch: int | None = None) -> StaticCheck:
    """What pricing ``norms`` at ``at`` lacks and uses; kept in the rule set's memo (STATIC_MAX),
    keyed by the date's epoch (it reads only the versions in force, never the date itself) and
    the norms in the order of the items (the order of the missing values an error lists)."""
    codes = tuple({n.code: None for n in norms})
    key = (rs.epoch(at) if epoch is None else epoch, codes)
    table = rs.memo.table("media.static", STATIC_MAX)
    hit: StaticCheck | None = table.get(key)
    if hit is None:
        needs: Needs = rs.memo.table("media.needs", STATIC_MAX).get_or_make(codes, lambda: _needs(rs, norms))
        hit = table.put(key, _static_check(rs, at, norms, needs))
    return hit


def _needs(rs: RuleSet, norms: list[NormC]) -> Needs:
    probes: list[Probe] = []
    used: set[tuple[str, str]] = set()
    unverified: set[str] = set()
    for norm in {n.code: n for n in norms}.values():
        if not norm.lines and (norm.supplied_by or norm.derive_from):
            base = norm.derive_from or norm.code
            probes.append(("fixed", f"norm {base}", f"the lines of norm {base} must be supplied by a province pack (the national table was not readable)"))
        if norm.factor_ir is not None:
            _walk(norm.factor_ir, None, rs, probes, used)
        if not norm.verified:
            unverified.add(f"norm {norm.code}")
        for lp in norm_plan(rs, norm).lines:
            line = lp.line
            if not line.verified:
                unverified.add(f"norm line {norm.code} {line.resource}")
            if not line.rate_text:
                probes.append(("fixed", f"pricing.{line.component}", f"no pricing method for {line.component} lines (`pricing.{line.component}.rate`)"))
                continue
            _walk(line.rate_ir, lp.consts, rs, probes, used)
    if norms:
        for extra in media_part(rs.compiled).extras:
            _walk(extra.ir, None, rs, probes, used)
            if extra.when_ir:
                _walk(extra.when_ir, None, rs, probes, used)
    c = rs.compiled
    unverified |= {f"formula {name}" for kind, name in used if kind == "formula" and name in c.formulas and not c.formulas[name].verified}
    # a probe met again (every line reading one rate-card table without a row key) finds nothing new: kept once, where first met
    seen: set[tuple[Any, ...]] = set()
    kept: list[Probe] = []
    for pr in probes:
        key = (pr[0], pr[1], pr[3] if pr[0] == "table" else None)
        if key not in seen:
            seen.add(key)
            kept.append(pr)
    frozen_used = frozenset(used)
    return Needs(probes=tuple(kept), used=frozen_used, unverified=frozenset(unverified), packs=frozenset(_packs_used(rs, norms, frozen_used)),
                 dated=tuple((kind, name, c.params[name] if kind == "parameter" else c.tables[name]) for kind, name in sorted(frozen_used)
                             if kind == "table" or (kind == "parameter" and name not in rs.overrides)))


def _static_check(rs: RuleSet, at: dt.date, norms: list[NormC], needs: Needs) -> StaticCheck:
    """The static check at ``at``: what the date's versions lack, which of them are unverified, and
    the packs they come from (with the packs used whatever the date, found once per set of norms)."""
    out: dict[str, str] = {}
    version = _versions_at(at)
    _replay(needs.probes, at, out, version)
    unverified = set(needs.unverified)
    packs = set(needs.packs)
    for kind, name, obj in needs.dated:
        v = version(obj)
        if v is not None:
            packs.add(v.pack)
            if not v.verified:
                unverified.add(f"{kind} {name}")
    return StaticCheck(missing=out, unverified=tuple(sorted(unverified)), packs=frozenset(packs))


def _packs_used(rs: RuleSet, norms: list[NormC], used: frozenset[tuple[str, str]]) -> set[str]:
    """The packs pricing ``norms`` uses whatever the date: the norms', the money rule's, every
    parameter's, table's, formula's, extra's and applicable check's (the versions in force at a
    date add theirs: :func:`_static_check`)."""
    c, media = rs.compiled, media_part(rs.compiled)
    packs = {n.pack for n in norms} | {c.money_pack}
    for n in norms:
        if n.derive_from and n.derive_from in media.norms:
            packs.add(media.norms[n.derive_from].pack)
    for kind, name in used:
        if kind == "parameter":
            packs.add(c.params[name].pack)
        elif kind == "table":
            packs.add(c.tables[name].pack)
        elif kind == "formula":
            obj = c.formulas.get(name) or c.adjustments.get(name)
            if obj is not None:
                packs.add(obj.pack)
    packs |= {x.pack for x in media.extras} | {x.pack for x in media.checks if x.media is None or any(n.medium in x.media for n in norms)}
    return packs


# ---- price ----------------------------------------------------------------------------------------

def price(rs: PricingRules, order: Order, at: dt.date | None = None) -> Quote:
    """Price ``order`` at ``at`` (default: the order's ``at`` or ``date``).

    Arithmetic runs in normkit's own Decimal context (34 digits, traps on overflow and invalid
    operations), installed for this thread only for the duration of the call. A pack whose
    provincial norm exceeds the national maximum is refused first (NK209, as ``normkit lint``)."""
    if rs.program.above_ceiling:
        require_ceilings(rs.compiled)
    with localcontext(CTX):
        try:
            return _price(rs, order, at)
        except _ARITHMETIC:  # a subtotal or total beyond the exact range
            raise _too_large(f"order {order.id}: a subtotal or the total", order.locate("items")) from None


# Money is exact to the quantum when it has at most 32 digits counted down to the quantum (below
# 10^32 đồng at a quantum of 1): every product and sum that makes it, in 34 significant digits,
# then still holds two digits below the quantum, and a sum of such amounts is exact. Beyond it, a
# 35-digit `--set base_salary=…` used to come out as `1.49…E+34` with subtotals that did not add up.
EXACT_DIGITS = 32


def in_exact_range(value: Decimal, quantum: Decimal) -> bool:
    """True when ``value`` (an amount, a rate, a subtotal or a total) is exact to ``quantum``."""
    return value.is_finite() and (not value or value.adjusted() - quantum.adjusted() < EXACT_DIGITS)


def _too_large(what: str, location: Any) -> NormkitError:
    """A value beyond what normkit computes exactly (34 significant digits, exponents within ±60)."""
    return NormkitError("NK502", f"{what} is beyond the exact range for money (at most {EXACT_DIGITS} digits down to the rounding quantum; "
                        "normkit computes with 34 significant digits); the amount cannot be computed to the đồng", location=location,
                        hint="check the quantities and inputs: a value this large is almost certainly a typing mistake")


def _price(rs: PricingRules, order: Order, at: dt.date | None = None) -> Quote:
    at = at or order.at or order.date
    check_validity(rs, at, set())  # the root pack first: the clearest error for a wrong date
    env = Env(rs, at, convert_inputs(rs, dict(order.inputs), ("inputs",), order))
    prepared = _prepare_items(rs, order, at)
    epoch = rs.epoch(at)
    static = static_check(rs, at, [p.norm for p in prepared], epoch)
    check_validity(rs, at, set(static.packs))
    if static.missing:
        raise NormkitError("NK501", f"{len(static.missing)} value(s) missing to price this order: " + "; ".join(static.missing.values()),
                           details={"missing": [{"name": k, "detail": v} for k, v in static.missing.items()]})
    # what reads no order input depends on the values in force alone: shared by every quote of this
    # rule set at a date of the same epoch as `at`
    shared = rs.memo.date(epoch) if not order.inputs else None
    if shared is not None:
        env.use_date_memo(shared)
    run = Run(rs=rs, order=order, at=at, epoch=epoch, env=env, shared=shared, rates=shared.table(RATES) if shared is not None else {})
    for p in prepared:
        _price_item(run, p)
    return _finish(run, static)


class PricedExtra(Frozen):
    """One extra of an item: its exact value, its amount (rounded as the pack says) and its trace record."""

    __slots__ = ("amount", "exact", "extra", "rec")
    __match_args__ = ("extra", "exact", "amount", "rec")
    extra: ExtraC
    exact: Decimal
    amount: Decimal
    rec: Rec

    def __init__(self, extra: ExtraC, exact: Decimal, amount: Decimal, rec: Rec) -> None:
        _set(self, "extra", extra)
        _set(self, "exact", exact)
        _set(self, "amount", amount)
        _set(self, "rec", rec)


class PricedItem(Frozen):
    """One item priced at one quantity: ONE product under the one-unit basis (then kept in the rule
    set's memo and multiplied by each item's quantity), or the item's whole quantity otherwise."""

    __slots__ = ("extras", "largest", "lines", "overridden", "recs", "rows", "subtotals", "total")
    __match_args__ = ("lines", "extras", "subtotals", "total", "recs", "overridden", "rows", "largest")
    lines: tuple[PricedLine, ...]
    extras: tuple[PricedExtra, ...]
    subtotals: Mapping[str, Decimal]
    total: Decimal
    recs: tuple[Any, ...]  # trace records: the derived share, lines, extras, overridden checks, roundings
    overridden: tuple[tuple[CheckC, str], ...]  # checks not met, priced with the override reason the item gives
    rows: tuple[tuple[Any, ...], ...]  # per quote line, what scaling it needs (see _scaled_lines), made once
    largest: Decimal  # the largest amount in magnitude: × a quantity, it tells whether every amount stays exact

    def __init__(self, lines: tuple[PricedLine, ...], extras: tuple[PricedExtra, ...], subtotals: Mapping[str, Decimal], total: Decimal, recs: tuple[Any, ...], overridden: tuple[tuple[CheckC, str], ...], rows: tuple[tuple[Any, ...], ...], largest: Decimal) -> None:
        _set(self, "lines", lines)
        _set(self, "extras", extras)
        _set(self, "subtotals", subtotals)
        _set(self, "total", total)
        _set(self, "recs", recs)
        _set(self, "overridden", overridden)
        _set(self, "rows", rows)
        _set(self, "largest", largest)

    @classmethod
    def make(cls, lines: tuple[PricedLine, ...], extras: tuple[PricedExtra, ...], subtotals: Mapping[str, Decimal], total: Decimal,
             recs: tuple[Any, ...], overridden: tuple[tuple[CheckC, str], ...]) -> PricedItem:
        rows: tuple[tuple[Any, ...], ...] = tuple((pl.plan.component, pl.plan.resource, pl.plan.label_vi, pl.plan.label_en, pl.quantity,
                                                   pl.plan.unit, pl.rate, pl.plan.rate_unit, pl.amount, pl.plan.verified) for pl in lines)
        rows += tuple(("other", x.extra.id, x.extra.label.vi, x.extra.label.en, None, "1", None, "VND", x.amount, True) for x in extras)
        amounts = [abs(r[8]) for r in rows] + [abs(v) for v in subtotals.values()] + [abs(total)]
        return cls(lines=lines, extras=extras, subtotals=subtotals, total=total, recs=recs, overridden=overridden, rows=rows,
                   largest=max(amounts))


def _price_item(run: Run, p: PreparedItem) -> None:
    """Price one item and add its lines, item and totals to ``run``.

    Under the one-unit basis (the default) the item's every amount is its one-unit amount × its
    quantity, rounded: :func:`scale_amount`. Under ``amount_basis: whole_quantity`` the lines are
    priced on the whole quantity and rounded there."""
    program = run.rs.program
    if program.basis == "whole_quantity":
        priced = _evaluate(run, p, p.item.quantity)
        if priced is not None:
            _add_item(run, p, priced, None)
        return
    unit = _unit_price(run, p)
    if unit is not None:
        _add_item(run, p, unit, p.item.quantity)


def _unit_price(run: Run, p: PreparedItem) -> PricedItem | None:
    """The item's one-unit price: from the rule set's memo (UNITS_MAX entries) when the order has
    no order-level inputs, else from this run's own table. A new quantity of a norm already seen
    in this date's epoch with these item inputs costs a multiplication, not a re-pricing."""
    key = (run.epoch, p.norm.code, _inputs_key(p.inputs))
    mine: PricedItem | None = run.units.get(key)  # what this run already used: one object per key within a quote
    if mine is not None:
        return mine
    table: Any = run.rs.memo.table(UNITS, UNITS_MAX) if run.shared is not None else None
    hit: PricedItem | None = table.get(key) if table is not None else None
    priced = hit if hit is not None else _evaluate(run, p, ONE)
    if priced is not None:
        if table is not None and hit is None:
            priced = table.put(key, priced)  # the first stored wins: every run shares one object
        run.units[key] = priced
    return priced


def _inputs_key(inputs: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    return tuple(sorted((k, type(v).__name__, str(v)) for k, v in inputs.items())) if inputs else ()


def scale_amount(value: Decimal, quantity: Decimal, rounded: bool, quantum: Decimal, mode: str) -> Decimal:
    """An amount for ``quantity`` products from its one-unit amount ``value``: ``value × quantity``,
    rounded to ``quantum`` with ``mode`` when ``rounded``. The one formula of the one-unit basis: the
    quote's lines, subtotals and item totals, and so the budget check's ceilings and the XLSX
    sheet's figures, all come from it."""
    exact = value * quantity
    if not rounded:
        return exact
    return exact.quantize(ONE, MODES[mode]) if quantum == ONE else round_to(exact, quantum, mode)


def _evaluate(run: Run, p: PreparedItem, quantity: Decimal) -> PricedItem | None:
    """Price ``quantity`` of the item: lines, extras, checks, subtotal rounding. None when a value
    is missing or an error was recorded (they are reported by :func:`_finish`)."""
    env, norm, program = run.env, p.norm, run.rs.program
    failures = run.failures + len(run.errors.errors)
    env.set_item_inputs(p.inputs)
    env.item_memo = {}
    env.rows = ()
    env.item = {"norm_duration": norm.duration, "norm_medium": norm.medium or "", "norm_code": norm.code, "item_quantity": quantity}
    plan = norm_plan(run.rs, norm)
    recs: list[Any] = []
    item_qty = _item_quantity(run, p, plan, recs, quantity)
    if item_qty is None:
        return None
    block = _block(run, p, plan, item_qty)
    subtotal = dict.fromkeys(COMPONENTS, ZERO)
    subtotal.update(block.sums)
    if program.uses_line_sums:
        env.rows = block.rows
    recs.extend(block.lines)  # a priced line is its own trace record
    extras = _price_extras(run, p, subtotal, recs) if program.extras else ()
    overridden = _run_checks(run, p, recs)
    recs.extend(_round_subtotals(run, subtotal))
    total = sum((subtotal[c] for c in COMPONENTS), ZERO)
    if not all(in_exact_range(v, program.quantum) for v in (*subtotal.values(), total)):
        _item_too_large(run, p, f"item {p.id} ({p.norm.code}): a subtotal or its total", run.order.locate("items", p.index))
        return None
    if not block.complete or run.failures + len(run.errors.errors) != failures:
        return None
    return PricedItem.make(block.lines, extras, subtotal, total, tuple(recs), overridden)


def _item_too_large(run: Run, p: PreparedItem, what: str, location: Any) -> None:
    if p.index not in run.too_large:  # one error per item
        run.too_large.add(p.index)
        run.errors.add(_too_large(what, location))


def _add_item(run: Run, p: PreparedItem, priced: PricedItem, quantity: Decimal | None) -> None:
    """Add a priced item to ``run``: as priced (``quantity`` None: the whole quantity was priced),
    or its one-unit amounts × ``quantity``, each rounded where the pack rounds (lines and extras
    when it rounds each line; subtotals and the item's total when it rounds each line or subtotal)."""
    program = run.rs.program
    code = p.norm.code
    if quantity is None or quantity == ONE:
        if quantity is None:  # priced on the whole quantity: `amount_exact` is before the line's rounding
            lines = [quote_line(p.id, code, pl) for pl in priced.lines]
            lines += [extra_line(p.id, code, x.extra.id, x.extra.label.vi, x.extra.label.en, exact=x.exact, amount=x.amount)
                      for x in priced.extras]
        else:  # one product: `amount_exact` is the one-unit amount × 1, as for any other quantity
            lines = [scaled_line(p.id, code, pl, ONE, pl.amount) for pl in priced.lines]
            lines += [extra_line(p.id, code, x.extra.id, x.extra.label.vi, x.extra.label.en, exact=x.amount, amount=x.amount)
                      for x in priced.extras]
        subtotal = dict(priced.subtotals)
        item_total = priced.total
        recs = list(priced.recs)
    else:
        quantum, mode = program.quantum, program.mode
        each, sums = program.round_at == "line", program.round_at != "total"
        try:  # the largest amount × the quantity stays exact: then every amount does (checked before any rounding)
            exact = in_exact_range(priced.largest * quantity, quantum)
        except _ARITHMETIC:
            exact = False
        if not exact:
            _item_too_large(run, p, f"item {p.id} ({code}): the one-unit amount {priced.total} × the quantity {quantity}", run.order.locate("items", p.index, "quantity"))
            return
        lines = _scaled_lines(p.id, code, priced, quantity, each, quantum, mode, run.scaled)
        subtotal = {c: scale_amount(v, quantity, sums, quantum, mode) for c, v in priced.subtotals.items()}
        exact_total = priced.total * quantity
        item_total = scale_amount(priced.total, quantity, sums, quantum, mode)
        recs = [ScaledRecs(priced, quantity, lines)]  # the trace records, made only if the trace is asked for
        if item_total != exact_total:
            recs.append(Rec("rounding", f"{p.id}: one-unit amount {priced.total} × {quantity}", item_total, extra=exact_total))
    run.lines.extend(lines)
    for check, reason in priced.overridden:
        run.notes.append(QuoteNote(item=p.id, check=check.id, label_vi=check.label.vi, label_en=check.label.en,
                                   message_vi=check.message.vi, message_en=check.message.en, reason=reason,
                                   source=run.rs.compiled.sources.get(check.source) if check.source else None))
    for c in COMPONENTS:
        run.totals[c] = _add(run.totals[c], subtotal[c])
    run.total = _add(run.total, item_total)
    item = fast_model(QuoteItem, {"id": p.id, "norm": code, "name_vi": p.norm.name.vi, "name_en": p.norm.name.en,
                                  "quantity": p.item.quantity, "unit_price": priced.total if quantity is not None else None,
                                  "subtotals": subtotal, "total": item_total})
    run.items.append(item)
    run.item_recs.append(Rec("item", p.norm, item_total, recs, extra=item))  # the trace shows the item's id, quantity, subtotals


SCALED_MAX = 4096  # (one-unit price, quantity) pairs whose scaled figures a run keeps


def _scaled_lines(item: str, norm: str, priced: PricedItem, quantity: Decimal, rounded: bool, quantum: Decimal, mode: str,
                  memo: dict[tuple[int, Decimal], tuple[PricedItem, list[tuple[Decimal, Decimal, Decimal | None]]]] | None = None,
                  ) -> list[QuoteLine]:
    """The item's quote lines for ``quantity`` products: each one-unit amount × the quantity, rounded
    when the pack rounds each line (:func:`scale_amount`, inlined: this is the hot path of a new quantity).

    Items of one order that repeat a norm and a quantity share the scaled figures (``memo``: the
    amount, the exact amount and the line quantity are the same Decimal objects), so a large order
    holds one set of figures per distinct (one-unit price, quantity), not one per item."""
    key = (id(priced), quantity)
    hit = memo.get(key) if memo is not None else None
    if hit is not None and hit[0] is priced:
        figures = hit[1]
    else:
        rmode = MODES[mode]
        fast = rounded and quantum == ONE
        figures = []
        for _c, _r, _lv, _le, qty, _u, _rate, _ru, amount, _v in priced.rows:
            exact = amount * quantity
            value = exact.quantize(ONE, rmode) if fast else scale_amount(amount, quantity, rounded, quantum, mode)
            figures.append((value, exact, None if qty is None else qty * quantity))
        if memo is not None and len(memo) < SCALED_MAX:
            memo[key] = (priced, figures)  # the priced item is held: its id() stays its own while the run lives
    out: list[QuoteLine] = []
    append = out.append
    for (component, resource, label_vi, label_en, qty, unit, rate, rate_unit, _amount, verified), (value, exact, lq) in zip(
            priced.rows, figures, strict=True):
        if qty is None:  # an extra: quantity 1, its rate is its exact amount
            append(QuoteLine(item, norm, "other", resource, label_vi, label_en, ONE, "1", exact, "VND", value, exact, True))
        else:
            assert lq is not None  # a norm line's quantity × the item quantity
            append(QuoteLine(item, norm, component, resource, label_vi, label_en, lq, unit, rate, rate_unit, value, exact, verified))
    return out


def _item_quantity(run: Run, p: PreparedItem, plan: NormPlan, recs: list[Any], quantity: Decimal) -> Decimal | None:
    """The quantity the norm's lines count for: ``quantity``, times a derived norm's share of its
    base lines (None when the share misses a value)."""
    if plan.factor_fn is None:
        return quantity
    env = run.env
    env.children = []
    env.line = {}
    try:
        share = plan.factor_fn(env)
    except Missing as m:
        run.miss(m)
        return None
    recs.append(Rec("factor", p.norm, share, env.children))
    result: Decimal = quantity * share
    return result


def _block(run: Run, p: PreparedItem, plan: NormPlan, item_qty: Decimal) -> PricedBlock:
    """The item's priced lines: from the memo when they read no order or item input."""
    if run.shared is None or plan.item_dependent:
        return _priced_block(run, p, plan, item_qty)
    key = (run.epoch, plan.norm.code, str(item_qty))  # the text: 3 and 3.0 give lines of different exponents
    table = run.rs.memo.table("media.blocks", BLOCKS_MAX)
    block: PricedBlock | None = table.get(key)
    if block is None:
        block = _priced_block(run, p, plan, item_qty)
        if block.complete:
            block = table.put(key, block)  # the first stored wins
    return block


def _priced_block(run: Run, p: PreparedItem, plan: NormPlan, item_qty: Decimal) -> PricedBlock:
    priced: list[PricedLine] = []
    complete = True
    program = run.rs.program
    # _price_line inlined for the common case (each line rounded to 1 đồng, every value in range);
    # anything else is priced (and reported) by _price_line itself
    fast = program.round_at == "line" and program.quantum == ONE
    rmode = MODES[program.mode]
    top = EXACT_DIGITS + program.quantum.adjusted()
    rates = run.rates
    append = priced.append
    # the rates that read no item input are computed untraced the first time in an epoch (when the
    # item gives no input of order scope, which they would read); their records are made when a
    # trace asks for them (RuleSet.records)
    rs, shared = run.rs, run.shared
    q = rs.untraced(shared) if shared is not None and (not p.inputs or p.inputs.keys().isdisjoint(program.order_inputs)) else None
    for lp in plan.lines:
        rate = None if lp.item_dependent else rates.get(id(lp.line))
        if rate is None:
            fn = lp.untraced
            if q is not None and fn is not None and not lp.rate_missing:
                try:
                    value = fn(q, lp.consts, ())
                except Exception:  # whatever it is, the traced evaluation (_line_rate) reports it exactly
                    value = None
                if value is not None:
                    assert shared is not None and lp.rate_fn is not None  # q is the epoch's; a rate compiled untraced has its traced closures
                    rate = rates.setdefault(id(lp.line), LineRate(value, make=functools.partial(rs.records, shared, lp.rate_fn, lp.consts)))
        if rate is None:
            rate = _line_rate(run, p, lp)
            if rate is None:
                complete = False
                continue
        r = rate.rate
        if fast and lp.factor is None and r.is_finite() and (not r or r.adjusted() < top):
            try:
                qty = lp.quantity * item_qty
                exact = qty * r
                if exact.is_finite() and (not exact or exact.adjusted() < top):
                    append(PricedLine(lp, qty, r, exact.quantize(ONE, rmode), exact, rate))
                    continue
            except _ARITHMETIC:
                pass
        line = _price_line(run, p, lp, rate, item_qty)
        if line is None:
            complete = False
            continue
        append(line)
    sums = dict.fromkeys(COMPONENTS, ZERO)
    for pl in priced:
        sums[pl.plan.component] += pl.amount
    rows: tuple[Row, ...] = ()
    if run.rs.program.uses_line_sums:
        rows = tuple(Row(group=pl.plan.component, values={"quantity": pl.quantity, "amount": pl.amount, "resource": pl.plan.resource})
                     for pl in priced)
    return PricedBlock(lines=tuple(priced), sums=sums, rows=rows, complete=complete)


def _line_rate(run: Run, p: PreparedItem, lp: LinePlan) -> LineRate | None:
    """The line's rate (from the date's memo when it reads no item input); None when it misses a value."""
    hit = None if lp.item_dependent else run.rates.get(id(lp.line))
    if hit is not None:
        return hit
    env = run.env
    env.line = lp.consts
    env.children = []
    comp = lp.component
    try:
        if lp.rate_fn is None:
            raise Missing("pricing", f"pricing.{comp}", f"no pricing method for {comp} lines (`pricing.{comp}.rate`)")
        rate = lp.rate_fn(env)
        if lp.rate_missing:
            raise Missing("table", f"rate for {lp.resource}", f"no rate for {comp} `{lp.resource}`")
    except Missing as m:
        run.miss(m)
        return None
    except _ARITHMETIC as exc:
        run.errors.add(NormkitError("NK502", f"arithmetic error pricing {p.item.norm} {lp.resource}: {type(exc).__name__}",
                                    location=run.order.locate("items", p.index)))
        return None
    hit = LineRate(rate=rate, children=env.children)
    if not lp.item_dependent:
        hit = run.rates.setdefault(id(lp.line), hit)  # shared by the date's runs: the first stored wins
    return hit


def _price_line(run: Run, p: PreparedItem, lp: LinePlan, rate: LineRate, item_qty: Decimal) -> PricedLine | None:
    """quantity × rate (× the unit factor), rounded when the pack rounds each line."""
    program = run.rs.program
    try:
        qty = lp.quantity * item_qty
        exact = qty * rate.rate
        if lp.factor is not None:
            exact = exact * lp.factor.num / lp.factor.den
        if program.round_at != "line":
            amount = exact
        elif program.quantum == ONE:
            amount = exact.quantize(ONE, MODES[program.mode])
        else:
            amount = round_to(exact, program.quantum, program.mode)
    except (Overflow, InvalidOperation, Clamped):
        exact = None
    if not in_exact_range(rate.rate, program.quantum):  # one error per item, naming its first line
        _item_too_large(run, p, f"item {p.id} ({p.norm.code}), line {lp.resource}: the rate {rate.rate}", run.order.locate("items", p.index))
        return None
    if exact is None or not in_exact_range(exact, program.quantum):
        _item_too_large(run, p, f"item {p.id} ({p.norm.code}), line {lp.resource}: {lp.quantity} × {item_qty} × {rate.rate}",
                        run.order.locate("items", p.index, "quantity"))
        return None
    return PricedLine(plan=lp, quantity=qty, rate=rate.rate, amount=amount, exact=exact, line_rate=rate)


def _price_extras(run: Run, p: PreparedItem, subtotal: dict[str, Decimal], recs: list[Any]) -> tuple[PricedExtra, ...]:
    """The pack's extras (other direct costs, overhead…), each a formula over the item's amounts."""
    env, program = run.env, run.rs.program
    env.item.update({"labour_amount": subtotal["labour"], "equipment_amount": subtotal["equipment"],
                     "material_amount": subtotal["material"],
                     "direct_amount": subtotal["labour"] + subtotal["equipment"] + subtotal["material"]})
    out: list[PricedExtra] = []
    for xf in program.extras:
        extra = xf.extra
        env.children = []
        env.line = {}
        try:
            if xf.when is not None and not xf.when(env):
                continue
            exact = xf.value(env)
            if not in_exact_range(exact, program.quantum):
                raise Overflow  # reported below, like an overflow while evaluating it
            amount = round_to(exact, program.quantum, program.mode) if program.round_at == "line" else exact
        except Missing as m:
            run.miss(m)
            env.item[extra.id] = ZERO  # placeholder so later extras still report what they miss
            continue
        except _ARITHMETIC:
            run.errors.add(_too_large(f"item {p.id} ({p.norm.code}) extra {extra.id}", run.order.locate("items", p.index)))
            env.item[extra.id] = ZERO
            continue
        env.item[extra.id] = amount
        subtotal["other"] = _add(subtotal["other"], amount)
        rec = Rec("extra", extra, amount, env.children, extra=exact)
        recs.append(rec)
        out.append(PricedExtra(extra=extra, exact=exact, amount=amount, rec=rec))
    return tuple(out)


def _run_checks(run: Run, p: PreparedItem, recs: list[Any]) -> tuple[tuple[CheckC, str], ...]:
    """The pack's rule checks that apply to the item; a failed one is an error or, with the
    override input the rule allows, a note (returned: the check and the reason)."""
    env = run.env
    overridden: list[tuple[CheckC, str]] = []
    for cf in run.rs.program.checks:
        check = cf.check
        if not _check_applies(run, p, check):
            continue
        env.children = []
        try:
            ok = cf.test(env)
        except Missing as m:
            run.miss(m)
            continue
        except _ARITHMETIC:
            run.errors.add(_too_large(f"item {p.id} ({p.norm.code}) check {check.id}", run.order.locate("items", p.index)))
            continue
        if not ok:
            reason = _check_failed(run, p, check, recs)
            if reason is not None:
                overridden.append((check, reason))
    return tuple(overridden)


def _check_applies(run: Run, p: PreparedItem, check: CheckC) -> bool:
    if check.media is not None and p.norm.medium not in check.media:
        return False
    if check.uses_duration and p.norm.duration is None:
        return False
    return all(name in p.inputs or name in run.env.order_inputs for name in check.requires)


def _check_failed(run: Run, p: PreparedItem, check: CheckC, recs: list[Any]) -> str | None:
    """The override reason when the item gives one (recorded in the trace), else an NK505 error."""
    reason = p.inputs.get(check.override) if check.override else None
    if reason is None and check.override:
        reason = run.env.order_inputs.get(check.override)
    if reason:
        recs.append(Rec("check", check, False, run.env.children, str(reason)))
        return str(reason)
    hint = (f"if this is intended, give the input `{check.override}` with the reason" if check.override
            else "this rule allows no override")
    run.errors.add(NormkitError("NK505", f"item {p.id} ({p.norm.code}): {check.message.en} / {check.message.vi}",
                                location=run.order.locate("items", p.index), hint=hint, details={"check": check.id, "item": p.id}))
    return None


def _round_subtotals(run: Run, subtotal: dict[str, Decimal]) -> list[Rec]:
    """Round each component's subtotal when the pack rounds there; the records of what changed."""
    program = run.rs.program
    rounded: list[Rec] = []
    if program.round_at != "subtotal":
        return rounded
    for c in COMPONENTS:
        r = round_to(subtotal[c], program.quantum, program.mode)
        if r != subtotal[c]:
            rounded.append(Rec("rounding", f"{c} subtotal", r, extra=subtotal[c]))
        subtotal[c] = r
    return rounded


def _finish(run: Run, static: StaticCheck) -> Quote:
    """Report every missing value and error, or total the items into a quote."""
    if run.missing:
        missing = run.missing.values()
        run.errors.add(NormkitError(
            "NK501", f"{len(missing)} value(s) missing to price this order: " + "; ".join(m.detail for m in missing),
            details={"missing": [{"kind": m.kind, "name": m.name, "detail": m.detail} for m in missing]}))
    run.errors.raise_if_any()
    rs, program = run.rs, run.rs.program
    total = run.total  # the items' totals (each the one-unit amount × the quantity): the order subtotals may differ by rounding
    if not all(in_exact_range(v, program.quantum) for v in (*run.totals.values(), total)):
        raise _too_large(f"order {run.order.id}: a subtotal or the total", run.order.locate("items"))
    top: list[Rec] = []
    if program.round_at == "total":
        r = round_to(total, program.quantum, program.mode)
        top.append(Rec("rounding", "total", r, extra=total))
        total = r
    quote = fast_model(Quote, {
        "schema_": QUOTE_SCHEMA, "order_id": run.order.id, "at": run.at, "currency": rs.compiled.money.currency, "items": run.items,
        "lines": run.lines, "subtotals": run.totals, "total": total, "rounding": program.rounding, "packs": list(program.packs),
        "overlay": OverlayInfo(label=rs.overlay_label or "what-if", values=dict(rs.overlay_text)) if rs.overlay_text else None,
        "unverified": list(static.unverified), "notes": run.notes})
    records = run.item_recs + top
    quote._materialize = lambda: assemble(rs, records)  # the trace, rendered to TraceNode models on first use
    item_recs = run.item_recs
    quote._item_trace = lambda i: assemble(rs, [item_recs[i]]).trees()[0] if 0 <= i < len(item_recs) else None
    quote._vocab = rs.units.vocab
    return quote
