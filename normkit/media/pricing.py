"""Price an order: norm lines × rates, extras, rounding where the pack says, and a trace."""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Clamped, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from typing import Any

from normkit.core.compiled import NormC
from normkit.core.dating import in_force
from normkit.core.numbers import CTX, MODES, ONE, ZERO, round_to
from normkit.core.runtime import COMPONENTS, Env, Missing, Rec, RuleSet
from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.lang import ir
from normkit.core.schema import Order
from normkit.media.quote import QUOTE_SCHEMA, OverlayInfo, Quote, QuoteItem, QuoteLine, QuoteNote, fast_model
from normkit.core.build_locations import loc_from as _loc_from
from normkit.core.trace import assemble

_mul, _div, _add = CTX.multiply, CTX.divide, CTX.add



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
                               location=_loc_from(p.valid_location) if p.valid_location else Location(p.path + "/pack.yaml", path="valid"),
                               hint="price at a date inside the window, or use a pack in force on that date")


def convert_inputs(rs: RuleSet, given: dict[str, Any], where: tuple, order: Order | None = None) -> dict[str, Any]:
    """The order's raw inputs converted to each input's declared unit; every bad one reported."""
    if not given:
        return {}
    out: dict[str, Any] = {}
    errors: ErrorCollector | None = None
    specs = rs.compiled.inputs
    cache = rs.converted_inputs
    for name, raw in given.items():
        key = (name, type(raw), raw) if isinstance(raw, (str, int, Decimal, bool)) else None
        if key is not None:
            hit = cache.get(key)
            if hit is not None:
                out[name] = hit[0]
                continue
        spec = specs.get(name)

        def loc(name: str = name) -> Location:
            return order.locate(*where, name) if order is not None else Location(path=".".join(map(str, where + (name,))))

        try:
            if spec is None:
                close = difflib.get_close_matches(name, list(specs), n=3)
                raise NormkitError("NK601", f"unknown input {name!r}", location=loc(),
                                   hint=("did you mean " + ", ".join(close) + "?") if close else
                                   "inputs this pack set takes: " + (", ".join(sorted(specs)) or "none"))
            value = rs.convert_value(raw, spec.type, spec.powers, spec.unit, loc, "NK601", spec.min, spec.max, name)
            if spec.choices is not None and value not in spec.choices:
                raise NormkitError("NK601", f"{name} must be one of {', '.join(spec.choices)}, got {value!r}", location=loc())
            out[name] = value
            if key is not None and len(cache) < 4096:
                cache[key] = (value,)
        except NormkitError as e:
            errors = errors or ErrorCollector()
            errors.add(e)
    if errors is not None:
        errors.raise_if_any()
    return out


def find_norm(rs: RuleSet, code: str, at: dt.date, where: Any) -> NormC:
    """The norm ``code`` in force at ``at``; ``where()`` gives the location for an error."""
    norm = rs.compiled.norms.get(code)
    if norm is not None and norm.valid_from <= at and (norm.valid_to is None or at <= norm.valid_to):
        return norm
    loc = where() if callable(where) else where
    if norm is None:
        close = difflib.get_close_matches(code, list(rs.compiled.norms), n=3, cutoff=0.6)
        raise NormkitError("NK504", f"unknown norm code {code!r}", location=loc,
                           hint=("close matches: " + ", ".join(close)) if close else "`normkit show` lists the norms of a pack")
    if at < norm.valid_from or (norm.valid_to is not None and at > norm.valid_to):
        raise NormkitError("NK402", f"norm {code} is in force from {norm.valid_from}" + (f" to {norm.valid_to}" if norm.valid_to else "") + f", not on {at}", location=loc)
    return norm


def _walk(tree: ir.Node | None, line: dict[str, Any] | None, rs: RuleSet, at: dt.date, out: dict[str, str], used: set[tuple[str, str]]) -> None:
    """Collect what an IR uses, and the rate-card values it needs that are absent at ``at``.

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
            if node.name not in rs.overrides and p.supplied_by and in_force(p.layers, at) is None:
                out.setdefault(node.name, f"`{p.name}` ({p.label.en}, {p.unit}) must be supplied by the {p.supplied_by.replace('_', ' ')}")
        elif isinstance(node, (ir.FormulaRef, ir.Call)):
            if ("formula", node.name) not in used:
                used.add(("formula", node.name))
                if node.name in c.formulas:
                    _walk(c.formulas[node.name].ir, None, rs, at, out, used)
                elif node.name in c.adjustments:
                    a = c.adjustments[node.name]
                    for part in [a.base_ir] + [e.when_ir for e in a.exceptions] + [e.value_ir for e in a.exceptions]:
                        _walk(part, None, rs, at, out, used)
        elif isinstance(node, ir.Lookup):
            _walk_lookup(node, line, rs, at, out, used)


def _walk_lookup(node: ir.Lookup, line: dict[str, Any] | None, rs: RuleSet, at: dt.date, out: dict[str, str], used: set[tuple[str, str]]) -> None:
    used.add(("table", node.table))
    t = rs.compiled.tables[node.table]
    version = in_force(t.layers, at)
    if t.supplied_by and version is None:
        out.setdefault(node.table, f"table `{t.name}` ({t.label.en}) must be supplied by the rate card")
    elif t.supplied_by and version is not None and line is not None:
        keys: list[Any] = []
        for k in node.keys:
            if isinstance(k, (ir.Const, ir.Text)):
                keys.append(k.value)
            elif isinstance(k, ir.LineField):
                keys.append(line.get(k.name))
            else:
                keys = []
                break
        if keys and tuple(keys) not in version.rows:
            shown = "/".join(str(k) for k in keys)
            out.setdefault(f"{t.name}[{shown}]", f"`{t.name}` has no row for {shown} (rate card, version from {version.start})")


def static_check(rs: RuleSet, at: dt.date, norms: list[NormC]) -> tuple[dict[str, str], list[str], set[str]]:
    """(missing rate-card values, unverified values used, packs used) for pricing ``norms`` at ``at``; cached."""
    key = (at, tuple(sorted({n.code for n in norms})))
    hit = rs.static_cache.get(key)
    if hit is not None:
        return hit
    out: dict[str, str] = {}
    used: set[tuple[str, str]] = set()
    unverified: set[str] = set()
    for norm in {n.code: n for n in norms}.values():
        if not norm.lines and (norm.supplied_by or norm.derive_from):
            base = norm.derive_from or norm.code
            out.setdefault(f"norm {base}", f"the lines of norm {base} must be supplied by a province pack (the national table was not readable)")
        if norm.factor_ir is not None:
            _walk(norm.factor_ir, None, rs, at, out, used)
        if not norm.verified:
            unverified.add(f"norm {norm.code}")
        for line in norm.lines:
            if not line.verified:
                unverified.add(f"norm line {norm.code} {line.resource}")
            if not line.rate_text:
                out.setdefault(f"pricing.{line.component}", f"no pricing method for {line.component} lines (`pricing.{line.component}.rate`)")
                continue
            _walk(line.rate_ir, rs.line_consts[id(line)], rs, at, out, used)
    if norms:
        for extra in rs.compiled.extras:
            _walk(extra.ir, None, rs, at, out, used)
            if extra.when_ir:
                _walk(extra.when_ir, None, rs, at, out, used)
    c = rs.compiled
    for kind, name in used:
        if kind == "parameter" and name not in rs.overrides:
            d = in_force(c.params[name].layers, at)
            if d is not None and not d.verified:
                unverified.add(f"parameter {name}")
        elif kind == "table":
            v = in_force(c.tables[name].layers, at)
            if v is not None and not v.verified:
                unverified.add(f"table {name}")
        elif kind == "formula" and name in c.formulas and not c.formulas[name].verified:
            unverified.add(f"formula {name}")
    packs = {n.pack for n in norms} | {rs.compiled.money_pack}
    for n in norms:
        if n.derive_from and n.derive_from in c.norms:
            packs.add(c.norms[n.derive_from].pack)
    for kind, name in used:
        if kind == "parameter":
            p = c.params[name]
            packs.add(p.pack)
            d = in_force(p.layers, at)
            if d is not None and name not in rs.overrides:
                packs.add(d.pack)
        elif kind == "table":
            t = c.tables[name]
            packs.add(t.pack)
            v = in_force(t.layers, at)
            if v is not None:
                packs.add(v.pack)
        elif kind == "formula":
            obj = c.formulas.get(name) or c.adjustments.get(name)
            if obj is not None:
                packs.add(obj.pack)
    packs |= {x.pack for x in c.extras} | {x.pack for x in c.checks if x.media is None or any(n.medium in x.media for n in norms)}
    result = (out, sorted(unverified), packs)
    rs.static_cache[key] = result
    return result


def price(rs: RuleSet, order: Order, at: dt.date | None = None) -> Quote:
    """Price ``order`` at ``at`` (default: the order's ``at`` or ``date``).

    Arithmetic runs in normkit's own Decimal context (34 digits, traps on overflow and invalid
    operations), installed for this thread only for the duration of the call."""
    with localcontext(CTX):
        try:
            return _price(rs, order, at)
        except (Overflow, InvalidOperation, DivisionByZero, Clamped):  # a subtotal or total beyond the exact range
            raise _too_large(f"order {order.id}: a subtotal or the total", order.locate("items")) from None


def _too_large(what: str, location: Any) -> NormkitError:
    """A value beyond what normkit computes exactly (34 significant digits, exponents within ±60)."""
    return NormkitError("NK502", f"{what} is beyond the exact range (34 significant digits, magnitudes from 10^-60 to 10^60); "
                        "the amount cannot be computed to the đồng", location=location,
                        hint="check the quantities and inputs: a value this large is almost certainly a typing mistake")


def _price(rs: RuleSet, order: Order, at: dt.date | None = None) -> Quote:
    at = at or order.at or order.date
    check_validity(rs, at, set())  # the root pack first: the clearest error for a wrong date
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
            norm = find_norm(rs, item.norm, at, lambda: order.locate("items", idx, "norm"))
            if item.quantity <= 0 or not item.quantity.is_finite():
                raise NormkitError("NK503", f"item quantity must be a positive number, got {item.quantity}", location=order.locate("items", idx, "quantity"))
            if not -60 <= item.quantity.adjusted() <= 60:  # the Decimal context's range: nothing outside it computes exactly
                raise NormkitError("NK503", f"item quantity must lie between 10^-60 and 10^60, got {item.quantity}",
                                   location=order.locate("items", idx, "quantity"))
            prepared.append((idx, item, norm, convert_inputs(rs, dict(item.inputs), ("items", idx, "inputs"), order)))
        except NormkitError as e:
            errors.add(e)
    errors.raise_if_any()
    absent, unverified, used_packs = static_check(rs, at, [p[2] for p in prepared])
    check_validity(rs, at, used_packs)
    if absent:
        raise NormkitError("NK501", f"{len(absent)} value(s) missing to price this order: " + "; ".join(absent.values()),
                           details={"missing": [{"name": k, "detail": v} for k, v in absent.items()]})
    # a line's rate that depends on no order input is the same for every quote at this date
    # what reads no order input depends on the date alone: shared by every quote of this rule set at `at`
    shared = rs.date_cache(at) if not order.inputs else None
    rate_cache: dict[int, tuple[Any, list[Rec]]] = shared["rates"] if shared is not None else {}
    blocks: dict[tuple, Any] | None = shared["blocks"] if shared is not None else None
    if shared is not None:
        env.resolved, env.memo = shared["values"], shared["memo"]
    notes: list[QuoteNote] = []
    per_line = round_at == "line"
    unit_quantum = per_line and quantum == ONE
    rounding = MODES[mode]
    keep_lines = rs.uses_line_sums
    too_large: set[int] = set()
    for idx, item, norm, item_inputs in prepared:
        item_id = item.id or f"{idx + 1}"
        code = norm.code
        env.set_item_inputs(item_inputs)
        env.item_memo = {}
        env.lines = []
        env.item = {"norm_duration": norm.duration, "norm_medium": norm.medium or "", "norm_code": code, "item_quantity": item.quantity}
        subtotal = dict.fromkeys(COMPONENTS, ZERO)
        recs: list[Any] = []
        item_qty = item.quantity
        if norm.factor_ir is not None:  # a derived norm: its base lines count at a share chosen per item
            env.children = []
            env.line = {}
            try:
                share = rs.factor_fn(norm)(env)
            except Missing as m:
                missing.setdefault(m.name, m)
                continue
            recs.append(Rec("factor", norm, share, env.children))
            item_qty = item_qty * share
        plan = rs.line_plan(norm)
        block_key = (code, item_qty)
        cached: tuple[list[tuple], dict[str, Decimal], list[tuple]] | None = blocks.get(block_key) if blocks is not None else None
        if cached is None:
            block: list[tuple] = []
            complete = True
            for entry in plan:
                line, consts, fn, dependent, factor, line_qty, comp, resource = entry[:8]
                hit = None if dependent else rate_cache.get(id(line))
                if hit is None:
                    env.line = consts
                    env.children = []
                    try:
                        if fn is None:
                            raise Missing("pricing", f"pricing.{comp}", f"no pricing method for {comp} lines (`pricing.{comp}.rate`)")
                        rate = fn(env)
                        if factor == "missing":
                            raise Missing("table", f"rate for {resource}", f"no rate for {comp} `{resource}`")
                    except Missing as m:
                        missing.setdefault(m.name, m)
                        complete = False
                        continue
                    except (Overflow, InvalidOperation, DivisionByZero, Clamped) as exc:
                        errors.add(NormkitError("NK502", f"arithmetic error pricing {item.norm} {resource}: {type(exc).__name__}",
                                                location=order.locate("items", idx)))
                        complete = False
                        continue
                    hit = (rate, env.children)
                    if not dependent:
                        rate_cache[id(line)] = hit
                rate, children = hit
                try:
                    qty = line_qty * item_qty
                    exact = qty * rate
                    if factor is not None:
                        exact = exact * factor[0] / factor[1]
                    if unit_quantum:
                        amount = exact.quantize(ONE, rounding)
                    elif per_line:
                        amount = round_to(exact, quantum, mode)
                    else:
                        amount = exact
                except (Overflow, InvalidOperation, Clamped):
                    if idx not in too_large:  # one error per item, naming its first line
                        too_large.add(idx)
                        errors.add(_too_large(f"item {item_id} ({code}), line {resource}: {line_qty} × {item_qty} × {rate}",
                                              order.locate("items", idx, "quantity")))
                    complete = False
                    continue
                # what a QuoteLine needs besides the item, and the line's trace
                block.append(((comp, resource, entry[8], entry[9], qty, entry[10], rate, entry[11], amount, exact, entry[12]),
                              line, children))
            block_sums = dict.fromkeys(COMPONENTS, ZERO)
            for args, _line, _children in block:
                block_sums[args[0]] += args[8]
            block_lines = [(line, args[4], args[8]) for args, line, _children in block]
            cached = (block, block_sums, block_lines)
            # a block that reads no item input is the same for every item of this norm and quantity
            if blocks is not None and complete and not any(entry[3] for entry in plan):
                blocks[block_key] = cached
        block_rows, block_sums, block_lines = cached
        subtotal.update(block_sums)
        if keep_lines:
            env.lines.extend(block_lines)
        for args, line, children in block_rows:
            ql = QuoteLine(item_id, code, *args)
            lines.append(ql)
            recs.append(("line", line, ql, children))  # a line's trace record: the line, its result, its rate's trace
        if rs.extra_fns:
            env.item.update({"labour_amount": subtotal["labour"], "equipment_amount": subtotal["equipment"],
                             "material_amount": subtotal["material"],
                             "direct_amount": subtotal["labour"] + subtotal["equipment"] + subtotal["material"]})
            for extra, fn, when in rs.extra_fns:
                env.children = []
                env.line = {}
                try:
                    if when is not None and not when(env):
                        continue
                    exact = fn(env)
                    amount = round_to(exact, quantum, mode) if round_at == "line" else exact
                except Missing as m:
                    missing.setdefault(m.name, m)
                    env.item[extra.id] = ZERO  # placeholder so later extras still report what they miss
                    continue
                except (Overflow, InvalidOperation, DivisionByZero, Clamped):
                    errors.add(_too_large(f"item {item_id} ({code}) extra {extra.id}", order.locate("items", idx)))
                    env.item[extra.id] = ZERO
                    continue
                env.item[extra.id] = amount
                subtotal["other"] = _add(subtotal["other"], amount)
                recs.append(Rec("extra", extra, amount, env.children, extra=exact))
                lines.append(QuoteLine(item_id, code, "other", extra.id, extra.label.vi, extra.label.en, ONE, "1", exact, "VND",
                                       amount, exact, True))
        for check, fn in rs.check_fns:
            if check.media is not None and norm.medium not in check.media:
                continue
            if check.uses_duration and norm.duration is None:
                continue
            applies = True
            for name in check.requires:
                if name not in item_inputs and name not in env.order_inputs:
                    applies = False
                    break
            if not applies:
                continue
            env.children = []
            try:
                ok = fn(env)
            except Missing as m:
                missing.setdefault(m.name, m)
                continue
            except (Overflow, InvalidOperation, DivisionByZero, Clamped):
                errors.add(_too_large(f"item {item_id} ({code}) check {check.id}", order.locate("items", idx)))
                continue
            if ok:
                continue
            reason = item_inputs.get(check.override) if check.override else None
            if reason is None and check.override:
                reason = env.order_inputs.get(check.override)
            if reason:
                notes.append(QuoteNote(item=item_id, check=check.id, label_vi=check.label.vi, label_en=check.label.en,
                                       message_vi=check.message.vi, message_en=check.message.en, reason=str(reason),
                                       source=rs.compiled.sources.get(check.source) if check.source else None))
                recs.append(Rec("check", check, False, env.children, str(reason)))
            else:
                hint = (f"if this is intended, give the input `{check.override}` with the reason" if check.override
                        else "this rule allows no override")
                errors.add(NormkitError("NK505", f"item {item_id} ({code}): {check.message.en} / {check.message.vi}",
                                        location=order.locate("items", idx), hint=hint,
                                        details={"check": check.id, "item": item_id}))
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
        items.append(fast_model(QuoteItem, {"id": item_id, "norm": norm.code, "name_vi": norm.name.vi, "name_en": norm.name.en,
                                            "quantity": item.quantity, "subtotals": subtotal, "total": item_total}))
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
    compiled = rs.compiled
    quote = fast_model(Quote, {
        "schema_": QUOTE_SCHEMA, "order_id": order.id, "at": at, "currency": compiled.money.currency, "items": items, "lines": lines,
        "subtotals": totals, "total": total,
        "rounding": rs.rounding_info,
        "packs": rs.pack_refs,
        "overlay": OverlayInfo(label=rs.overlay_label or "what-if", values=rs.overlay_text) if rs.overlay_text else None,
        "unverified": list(unverified), "notes": notes})
    records = item_recs + top
    quote._materialize = lambda: assemble(rs, quote, records)  # the trace, rendered to TraceNode models on first use
    return quote
