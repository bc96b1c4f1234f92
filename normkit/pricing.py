"""Price an order: norm lines × rates, extras, rounding where the pack says, and a trace."""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import Any

from .compiled import NormC
from .dating import in_force
from .decimalctx import CTX, ZERO, round_to
from .engine import COMPONENTS, Env, Missing, Rec, RuleSet
from .errors import ErrorCollector, Location, NormkitError
from .model import Order
from .quote import OverlayInfo, PackRef, Quote, QuoteItem, QuoteLine, Rounding
from .build_locations import loc_from as _loc_from
from .trace import assemble

_mul, _div, _add = CTX.multiply, CTX.divide, CTX.add


def check_validity(rs: RuleSet, at: dt.date) -> None:
    for p in rs.compiled.packs:
        if at < p.valid_from or (p.valid_to is not None and at > p.valid_to):
            until = f"to {p.valid_to}" if p.valid_to else "onwards"
            raise NormkitError("NK402", f"pack {p.id} is valid from {p.valid_from} {until}; it cannot be used on {at}",
                               location=_loc_from(p.valid_location) if p.valid_location else Location(p.path + "/pack.yaml", path="valid"),
                               hint="price at a date inside the window, or use a pack in force on that date")


def convert_inputs(rs: RuleSet, given: dict[str, Any], where: tuple, order: Order | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors = ErrorCollector()
    for name, raw in given.items():
        spec = rs.compiled.inputs.get(name)
        loc = order.locate(*where, name) if order is not None else Location(path=".".join(map(str, where + (name,))))
        if spec is None:
            close = difflib.get_close_matches(name, list(rs.compiled.inputs), n=3)
            errors.add(NormkitError("NK601", f"unknown input {name!r}", location=loc,
                                    hint=("did you mean " + ", ".join(close) + "?") if close else
                                    "inputs this pack set takes: " + (", ".join(sorted(rs.compiled.inputs)) or "none")))
            continue
        try:
            value = rs.convert_value(raw, spec.type, spec.powers, spec.unit, loc, "NK601", spec.min, spec.max, name)
            if spec.choices is not None and value not in spec.choices:
                raise NormkitError("NK601", f"{name} must be one of {', '.join(spec.choices)}, got {value!r}", location=loc)
            out[name] = value
        except NormkitError as e:
            errors.add(e)
    errors.raise_if_any()
    return out


def find_norm(rs: RuleSet, code: str, at: dt.date, loc: Location) -> NormC:
    norm = rs.compiled.norms.get(code)
    if norm is None:
        close = difflib.get_close_matches(code, list(rs.compiled.norms), n=3, cutoff=0.6)
        raise NormkitError("NK504", f"unknown norm code {code!r}", location=loc,
                           hint=("close matches: " + ", ".join(close)) if close else "`normkit show` lists the norms of a pack")
    if at < norm.valid_from or (norm.valid_to is not None and at > norm.valid_to):
        raise NormkitError("NK402", f"norm {code} is in force from {norm.valid_from}" + (f" to {norm.valid_to}" if norm.valid_to else "") + f", not on {at}", location=loc)
    return norm


def _walk(ir: Any, line: dict[str, Any] | None, rs: RuleSet, at: dt.date, out: dict[str, str], seen: set[str]) -> None:
    """Collect the rate-card values an IR needs that are absent at ``at`` (statically, so that
    one error can list all of them rather than only the first one evaluation trips over)."""
    if not isinstance(ir, tuple) or not ir:
        return
    tag = ir[0]
    c = rs.compiled
    if tag == "name" and ir[1] == "param":
        p = c.params[ir[2]]
        if ir[2] not in rs.overrides and p.supplied_by and in_force(p.layers, at) is None:
            out.setdefault(ir[2], f"`{p.name}` ({p.label.en}, {p.unit}) must be supplied by the {p.supplied_by.replace('_', ' ')}")
        return
    if tag in ("name", "call") and (ir[1] if tag == "call" else ir[2]) not in seen:
        name = ir[1] if tag == "call" else ir[2]
        if tag == "name" and ir[1] != "formula":
            return
        seen.add(name)
        if name in c.formulas:
            _walk(c.formulas[name].ir, None, rs, at, out, seen)
        elif name in c.adjustments:
            a = c.adjustments[name]
            for part in [a.base_ir] + [e.when_ir for e in a.exceptions] + [e.value_ir for e in a.exceptions]:
                _walk(part, None, rs, at, out, seen)
    if tag == "lookup":
        t = c.tables[ir[1]]
        version = in_force(t.layers, at)
        if t.supplied_by and version is None:
            out.setdefault(ir[1], f"table `{t.name}` ({t.label.en}) must be supplied by the rate card")
        elif t.supplied_by and version is not None and line is not None:
            keys = []
            for k in ir[2]:
                if k[0] in ("const", "str"):
                    keys.append(k[1])
                elif k[0] == "name" and k[1] == "line":
                    keys.append(line.get(k[2]))
                else:
                    keys = []
                    break
            if keys and tuple(keys) not in version.rows:
                shown = "/".join(str(k) for k in keys)
                out.setdefault(f"{t.name}[{shown}]", f"`{t.name}` has no row for {shown} (rate card, version from {version.start})")
    for part in ir[1:]:
        if isinstance(part, tuple):
            if part and isinstance(part[0], str):
                _walk(part, line, rs, at, out, seen)
            else:
                for sub in part:
                    _walk(sub, line, rs, at, out, seen)


def missing_values(rs: RuleSet, at: dt.date, norms: list[NormC]) -> dict[str, str]:
    out: dict[str, str] = {}
    for norm in {n.code: n for n in norms}.values():
        for line in norm.lines:
            if not line.rate_text:
                out.setdefault(f"pricing.{line.component}", f"no pricing method for {line.component} lines (`pricing.{line.component}.rate`)")
                continue
            consts = {"resource": line.resource, "scale": line.scale, "grade": line.grade, "steps": line.steps,
                      "step": None if line.step is None else Decimal(line.step)}
            _walk(line.rate_ir, consts, rs, at, out, set())
    if norms:
        for extra in rs.compiled.extras:
            _walk(extra.ir, None, rs, at, out, set())
            if extra.when_ir:
                _walk(extra.when_ir, None, rs, at, out, set())
    return out


def price(rs: RuleSet, order: Order, at: dt.date | None = None) -> Quote:
    at = at or order.at or order.date
    check_validity(rs, at)
    env = Env(rs, at, convert_inputs(rs, dict(order.inputs), ("inputs",), order))
    quantum, mode, round_at = rs.quantum, rs.mode, rs.round_at
    missing: dict[str, Missing] = {}
    errors = ErrorCollector()
    items: list[QuoteItem] = []
    lines: list[QuoteLine] = []
    item_recs: list[Rec] = []
    totals = dict.fromkeys(COMPONENTS, ZERO)
    prepared: list[tuple[int, Any, NormC, dict[str, Any]]] = []
    for idx, item in enumerate(order.items):  # the order's own mistakes first, all of them
        try:
            norm = find_norm(rs, item.norm, at, order.locate("items", idx, "norm"))
            if item.quantity <= 0 or not item.quantity.is_finite():
                raise NormkitError("NK503", f"item quantity must be a positive number, got {item.quantity}", location=order.locate("items", idx, "quantity"))
            prepared.append((idx, item, norm, convert_inputs(rs, dict(item.inputs), ("items", idx, "inputs"), order)))
        except NormkitError as e:
            errors.add(e)
    errors.raise_if_any()
    absent = missing_values(rs, at, [p[2] for p in prepared])
    if absent:
        raise NormkitError("NK501", f"{len(absent)} value(s) missing to price this order: " + "; ".join(absent.values()),
                           details={"missing": [{"name": k, "detail": v} for k, v in absent.items()]})
    for idx, item, norm, item_inputs in prepared:
        item_id = item.id or f"{idx + 1}"
        loc = order.locate("items", idx)
        env.item_inputs = item_inputs
        env.item_memo = {}
        env.lines = []
        env.item = {}
        subtotal = dict.fromkeys(COMPONENTS, ZERO)
        recs: list[Rec] = []
        for line in norm.lines:
            env.line = {"resource": line.resource, "scale": line.scale, "grade": line.grade,
                        "step": None if line.step is None else Decimal(line.step), "steps": line.steps}
            env.children = []
            try:
                if not line.rate_text:
                    raise Missing("pricing", f"pricing.{line.component}", f"no pricing method for {line.component} lines (`pricing.{line.component}.rate`)")
                rate = rs.line_fns[id(line)](env)
                if line.factor is None:
                    raise Missing("table", f"rate for {line.resource}", f"no rate for {line.component} `{line.resource}`")
            except Missing as m:
                missing.setdefault(m.name, m)
                continue
            except (Overflow, InvalidOperation, DivisionByZero) as exc:
                errors.add(NormkitError("NK502", f"arithmetic error pricing {item.norm} {line.resource}: {type(exc).__name__}", location=loc))
                continue
            qty = _mul(line.quantity, item.quantity)
            n, d = line.factor
            exact = _mul(qty, rate)
            if n != 1:
                exact = _mul(exact, n)
            if d != 1:
                exact = _div(exact, d)
            amount = round_to(exact, quantum, mode) if round_at == "line" else exact
            env.lines.append((line, qty, amount))
            subtotal[line.component] = _add(subtotal[line.component], amount)
            recs.append(Rec("line", line, amount, env.children, extra=(qty, rate, exact)))
            lines.append(QuoteLine.model_construct(
                item=item_id, norm=norm.code, component=line.component, resource=line.resource,
                label_vi=line.label.vi, label_en=line.label.en, quantity=qty, quantity_unit=line.unit,
                rate=rate, rate_unit=line.rate_unit, amount=amount, amount_exact=exact, verified=line.verified))
        if rs.extra_fns:
            env.item = {"item_quantity": item.quantity, "labour_amount": subtotal["labour"], "equipment_amount": subtotal["equipment"],
                        "material_amount": subtotal["material"],
                        "direct_amount": _add(_add(subtotal["labour"], subtotal["equipment"]), subtotal["material"])}
            for extra, fn, when in rs.extra_fns:
                env.children = []
                env.line = {}
                try:
                    if when is not None and not when(env):
                        continue
                    exact = fn(env)
                except Missing as m:
                    missing.setdefault(m.name, m)
                    env.item[extra.id] = ZERO  # placeholder so later extras still report what they miss
                    continue
                amount = round_to(exact, quantum, mode) if round_at == "line" else exact
                env.item[extra.id] = amount
                subtotal["other"] = _add(subtotal["other"], amount)
                recs.append(Rec("extra", extra, amount, env.children, extra=exact))
                lines.append(QuoteLine.model_construct(
                    item=item_id, norm=norm.code, component="other", resource=extra.id, label_vi=extra.label.vi,
                    label_en=extra.label.en, quantity=Decimal(1), quantity_unit="1", rate=exact, rate_unit="VND",
                    amount=amount, amount_exact=exact, verified=True))
        rounded: list[Rec] = []
        if round_at == "subtotal":
            for c in COMPONENTS:
                r = round_to(subtotal[c], quantum, mode)
                if r != subtotal[c]:
                    rounded.append(Rec("rounding", f"{item_id}.{c}", r, extra=subtotal[c]))
                subtotal[c] = r
        item_total = sum((subtotal[c] for c in COMPONENTS), ZERO)
        for c in COMPONENTS:
            totals[c] = _add(totals[c], subtotal[c])
        items.append(QuoteItem.model_construct(id=item_id, norm=norm.code, name_vi=norm.name.vi, name_en=norm.name.en,
                                               quantity=item.quantity, subtotals=subtotal, total=item_total))
        item_recs.append(Rec("item", norm, item_total, recs + rounded, extra=(item_id, item.quantity, subtotal)))
    if missing:
        errors.add(NormkitError(
            "NK501", f"{len(missing)} value(s) missing to price this order: " + "; ".join(m.detail for m in missing.values()),
            details={"missing": [{"kind": m.kind, "name": m.name, "detail": m.detail} for m in missing.values()]}))
    errors.raise_if_any()
    total = sum((totals[c] for c in COMPONENTS), ZERO)
    top: list[Rec] = []
    if round_at == "total":
        r = round_to(total, quantum, mode)
        top.append(Rec("rounding", "total", r, extra=total))
        total = r
    c = rs.compiled
    unverified = sorted(_unverified(item_recs))
    quote = Quote.model_construct(
        schema_="normkit.quote/1", order_id=order.id, at=at, currency=c.money.currency, items=items, lines=lines,
        subtotals=totals, total=total,
        rounding=Rounding(quantum=quantum, mode=mode, at=round_at, pack=c.money_pack),
        packs=[PackRef(id=p.id, version=p.version, hash=p.hash) for p in c.packs],
        overlay=OverlayInfo(label=rs.overlay_label or "what-if", values=rs.overlay_text) if rs.overlay_text else None,
        unverified=unverified, trace=[])
    object.__setattr__(quote, "trace", assemble(rs, quote, item_recs + top))
    return quote


def _unverified(recs: list[Rec]) -> set[str]:
    out: set[str] = set()
    stack = list(recs)
    seen: set[int] = set()
    while stack:
        r = stack.pop()
        if id(r) in seen:
            continue
        seen.add(id(r))
        ref = r.ref
        if r.kind == "parameter" and r.extra != "overlay" and not r.extra.verified:
            out.add(f"parameter {ref.name}")
        elif r.kind == "table" and not r.extra[0].verified:
            out.add(f"table {ref.name}")
        elif r.kind == "line" and not ref.verified:
            out.add(f"norm line {ref.resource}")
        elif r.kind == "item" and not ref.verified:
            out.add(f"norm {ref.code}")
        elif r.kind == "formula" and not ref.verified:
            out.add(f"formula {ref.name}")
        stack.extend(r.children)
    return out
