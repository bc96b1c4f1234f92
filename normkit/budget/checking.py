"""Check a budget or settlement against the norm ceilings, line by line.

For each line, the ceiling is the quote of ONE unit of the product (đơn giá trần), priced by
the engine with the line's options as item inputs; the allowed amount is that unit ceiling ×
the quantity (đơn giá × khối lượng = thành tiền, as a budget writes it), rounded as the pack
rounds money, by the very function the quote uses for an item's amounts
(:func:`normkit.media.pricing.scale_amount`): a budget built from a quote's own amounts passes.
A pack that declares ``amount_basis: whole_quantity`` is checked against the quote of the
line's whole quantity instead. A line that cannot be priced gets findings saying why; it never
stops the others. Finding codes are documented in docs/budget.md.

The steps, one function each: :func:`_claimed` (BK103, BK102) → :func:`_duplicate` (BK301) →
:func:`_line_ceiling` (options, quantity, the unit quote; BK2xx) → :func:`_allowed` →
:func:`_compare` (BK210, BK101) per line; then :func:`_budget_findings` (BK401, BK402) and
:func:`_report`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Clamped, Decimal, InvalidOperation, Overflow, localcontext
from pathlib import Path
from typing import Any

from normkit.budget.model import SEVERITY_RANK, Budget, BudgetLine, Finding, LineResult, Report, Totals
from normkit.budget.options import option_name
from normkit.budget.reading import budget_from_data, read_budget
from normkit.core.amounts import vnd
from normkit.core.errors import Location, NormkitError
from normkit.core.names import close_matches, did_you_mean
from normkit.core.numbers import CTX, ZERO
from normkit.core.registry import find_pack, installed_packs
from normkit.core.schema import Overlay
from normkit.core.units import parse_unit_expr
from normkit.media.ceilings import require_ceilings
from normkit.media.compiled import media_part
from normkit.media.orders import load_overlay
from normkit.media.pricing import PricingRules, load, scale_amount
from normkit.media.quote import Quote
from normkit.media.schema import Order, OrderItem

HUNDRED = Decimal(100)
PCT = Decimal("0.01")

# code -> (severity, title); docs/budget.md lists them and tests check the list matches
CODES: dict[str, tuple[str, str]] = {
    "BK101": ("error", "amount above the norm ceiling"),
    "BK102": ("error", "unit price × quantity ≠ amount"),
    "BK103": ("error", "the line claims nothing"),
    "BK201": ("error", "unknown norm code"),
    "BK202": ("error", "rate-card values missing"),
    "BK203": ("error", "unit mismatch"),
    "BK204": ("error", "duration outside tolerance without override"),
    "BK205": ("error", "royalty coefficient outside its frame"),
    "BK206": ("error", "date outside the validity of the packs or the norm"),
    "BK207": ("error", "unknown or invalid option"),
    "BK208": ("error", "a rule's condition is not met"),
    "BK209": ("error", "the line cannot be priced"),
    "BK210": ("info", "priced with an override"),
    "BK211": ("warning", "unit not in the vocabulary, not checked"),
    "BK301": ("warning", "duplicate line"),
    "BK401": ("error", "totals do not add up"),
    "BK402": ("info", "the ceilings use unverified values"),
    "BK501": ("error", "a row of the file cannot be read"),
}


def _f(code: str, line: int | None, en: str, vi: str, numbers: Mapping[str, Decimal] | None = None,
       details: Mapping[str, Any] | None = None) -> Finding:
    severity: Any = CODES[code][0]
    return Finding(code=code, severity=severity, line=line, message=en, message_vi=vi,
                   numbers=dict(numbers or {}), details=dict(details or {}))


def _fmt(d: Decimal) -> str:
    return vnd(d)


def resolve_rules(budget: Budget, pack: str | os.PathLike[str] | None, base: Path | None, overlay: Any = None,
                  names_only: bool = False) -> PricingRules:
    """The rule set a budget is checked with: ``pack`` or the budget's ``pack``, plus ``overlay``
    or else the budget's overlay."""
    rules = load(budget_pack(budget, pack, base, names_only=names_only))
    ov = _as_overlay(overlay, base, names_only) if overlay is not None else budget_overlay(budget, base, names_only=names_only)
    return rules.with_overlay(ov) if ov is not None else rules


def budget_pack(budget: Budget, pack: str | os.PathLike[str] | None, base: Path | None, *, names_only: bool = False) -> Path:
    """The pack folder a budget is checked with: ``pack`` if given, else the budget's ``pack``
    (relative to the budget's folder ``base``); with ``names_only``, installed packs by name only."""
    ref = pack if pack is not None else budget.pack
    if ref is None:
        raise NormkitError("NK601", "the budget names no pack: add `pack:` to it or pass one",
                           hint="e.g. normkit check BUDGET --pack examples/packs/example-province")
    if names_only:
        return find_named_pack(str(ref))
    # a pack the caller gives (--pack) is a path from the working directory, as for `price`;
    # only the budget's own `pack:` is relative to the budget's folder
    return ref if isinstance(ref, Path) else find_pack(str(ref), base if pack is None else None)


def budget_overlay(budget: Budget, base: Path | None, *, names_only: bool = False) -> Overlay | None:
    """The budget's own overlay: inline, or a file relative to the budget's folder ``base``."""
    return None if budget.overlay is None else _as_overlay(budget.overlay, base, names_only)


def _as_overlay(ov: Any, base: Path | None, names_only: bool) -> Overlay:
    if isinstance(ov, str):
        if names_only:
            raise NormkitError("NK904", "an overlay file cannot be named here; give the overlay inline (`overlay: {set: {...}}`)",
                               location=Location(path="overlay"))
        p = Path(ov)
        if base is not None and not p.is_absolute():
            p = base / p
        return load_overlay(p)
    return ov if isinstance(ov, Overlay) else Overlay.model_validate(ov)


def find_named_pack(name: str) -> Path:
    """An installed pack chosen by its name only (no paths): what the HTTP service allows."""
    for p in installed_packs():
        if p.name == name:
            return find_pack(name, location=Location(path="pack"))  # NK210 when the id is on the search path twice
    ids = [p.name for p in installed_packs()]
    close = did_you_mean(name, ids)
    raise NormkitError("NK904", f"no installed pack named {name!r}", location=Location(path="pack"),
                       hint=(f"{close} " if close else "") + f"packs are chosen by name among those installed: {', '.join(ids) or 'none'}")


def check(budget: Budget | Mapping[str, Any] | str | os.PathLike[str], *, pack: str | os.PathLike[str] | None = None,
          rules: PricingRules | None = None, at: dt.date | None = None, overlay: Any = None, trace: bool = False) -> Report:
    """Check ``budget`` (a :class:`Budget`, plain data, or a .json/.yaml/.csv/.xlsx file).

    The rule set is ``rules`` (used as given: the budget's ``overlay`` is not applied to it;
    ``overlay`` is), else ``pack`` (a folder or installed pack name), else the
    budget's ``pack`` (relative to the budget file). ``at`` overrides the evaluation date.
    ``trace=True`` puts each ceiling's quote trace in the report's lines."""
    base: Path | None = None
    if isinstance(budget, (str, os.PathLike)):
        base = Path(budget).parent
        budget = read_budget(budget)
    elif not isinstance(budget, Budget):
        budget = budget_from_data(budget)
    if rules is None:
        rules = resolve_rules(budget, pack, base, overlay)
    elif overlay is not None:
        rules = rules.with_overlay(overlay if isinstance(overlay, Overlay) else Overlay.model_validate(overlay))
    checked_rules(rules)
    with localcontext(CTX):
        return _check(budget, rules, at or budget.at or budget.date, trace)


def checked_rules(rules: PricingRules) -> PricingRules:
    """``rules``, refused (NK209) when its norms are not maximum consumptions, as lint refuses them."""
    if rules.program.above_ceiling:
        require_ceilings(rules.compiled)
    return rules


class _Ceiling:
    """The outcome of pricing one unit of a product with given options: a quote or findings."""

    __slots__ = ("name", "problems", "quote")

    def __init__(self, quote: Quote | None, problems: list[tuple[str, str, str, dict]], name: tuple[str, str] | None) -> None:
        self.quote, self.problems, self.name = quote, problems, name


@dataclass(slots=True)
class _Allowed:
    """A line's ceiling: the unit ceiling (the quote of one product; None on the whole-quantity
    basis), the allowed amount before and after rounding, and the quote it comes from."""

    unit: Decimal | None
    exact: Decimal
    amount: Decimal
    quote: Quote


class ExactDuplicates:
    """The lines seen so far, by their whole duplicate key (:func:`dup_key`): what :func:`check` uses."""

    def __init__(self) -> None:
        self.seen: dict[tuple, int] = {}

    def first(self, line: BudgetLine, n: int) -> int | None:
        """The first line ``line`` repeats, or None (and ``n`` is remembered as its first)."""
        key = dup_key(line)
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = n
        return first


@dataclass(slots=True)
class _Run:
    """The state of checking one budget (made per call, never shared)."""

    budget: Budget
    rs: PricingRules
    at: dt.date
    trace: bool
    ceilings: dict[tuple, _Ceiling] = field(default_factory=dict)
    dups: Any = field(default_factory=ExactDuplicates)
    quotes: dict[int, Quote] | None = field(default_factory=dict)
    unverified: set[str] = field(default_factory=set)
    results: list[LineResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    claimed: Decimal = ZERO
    allowed: Decimal = ZERO
    excess: Decimal = ZERO
    claimed_priced: Decimal = ZERO
    priced: int = 0


def _check(budget: Budget, rs: PricingRules, at: dt.date, trace: bool) -> Report:
    """Check every line (:func:`_check_line`), then the budget's own total and what the ceilings used."""
    run = _Run(budget=budget, rs=rs, at=at, trace=trace)
    for i, line in enumerate(budget.lines):
        result, mine = _check_line(run, i + 1, line)
        run.results.append(result)
        run.findings.extend(mine)
    run.findings.extend(_budget_findings(run, budget.total))
    return _report(run)


class LineChecker:
    """Checks a budget's lines one at a time, keeping only running state (totals, the ceilings
    priced so far, what finds duplicates): the streaming check (:mod:`normkit.budget.streaming`)
    gives it each line as it is read. ``head`` is the budget without its lines (id, date …).
    Call it inside ``localcontext(CTX)``."""

    def __init__(self, head: Budget, rules: PricingRules, at: dt.date, trace: bool, duplicates: Any) -> None:
        self._run = _Run(budget=head, rs=rules, at=at, trace=trace, dups=duplicates, quotes=None)
        self.lines = 0

    def line(self, n: int, line: BudgetLine) -> tuple[LineResult, list[Finding]]:
        """Line ``n`` checked: its result and its findings (sorted as :func:`check` sorts them)."""
        self.lines += 1
        return _check_line(self._run, n, line)

    def unread(self, n: int, fields: Mapping[str, Any], problems: list[tuple[str, dict[str, str]]]) -> tuple[LineResult, list[Finding]]:
        """Line ``n`` whose row could not be read: not priced, claiming nothing; one BK501 per
        problem (``(message, details)``: the row, column and field)."""
        self.lines += 1
        mine = sorted((row_finding(n, message, details) for message, details in problems), key=lambda f: (f.code, f.message))
        qty = fields.get("quantity")
        up = fields.get("unit_price")
        result = LineResult(line=n, ref=fields.get("ref") if isinstance(fields.get("ref"), str) else None,
                            product=str(fields.get("product") or ""),
                            quantity=qty if isinstance(qty, Decimal) and qty.is_finite() else Decimal(0),
                            unit_price=up if isinstance(up, Decimal) and up.is_finite() else None, amount=ZERO, ceiling_unit=None,
                            allowed_exact=None, allowed=None, excess=None, status="not_priced", codes=[f.code for f in mine])
        return result, mine

    def budget_findings(self, total: Decimal | None) -> list[Finding]:
        """BK401 and BK402, once every line is checked."""
        return _budget_findings(self._run, total)

    def totals(self, declared: Decimal | None) -> Totals:
        run = self._run
        return Totals(claimed=run.claimed, allowed=run.allowed, excess=run.excess, claimed_priced=run.claimed_priced,
                      declared=declared, lines=self.lines, priced_lines=run.priced, not_priced_lines=self.lines - run.priced)


def row_finding(line: int | None, message: str, details: Mapping[str, str]) -> Finding:
    """BK501: a row of a table budget that cannot be read (``details``: row, column, field, error)."""
    row = details.get("row")
    where_en = f"row {row}" + (f", column {details['column']}" if details.get("column") else "")
    where_vi = f"hàng {row}" + (f", cột {details['column']}" if details.get("column") else "")
    return _f("BK501", line, f"{where_en}: {message}", f"không đọc được {where_vi}: {message}", details=details)


def _check_line(run: _Run, n: int, line: BudgetLine) -> tuple[LineResult, list[Finding]]:
    """One line: what it claims, whether it repeats another, its ceiling, and the comparison."""
    mine: list[Finding] = []
    amount = _claimed(run.rs, line, n, mine)
    run.claimed += amount
    _duplicate(run, line, n, mine)
    ceiling = _line_ceiling(run, line, n, mine)
    allowed = _allowed(run.rs, ceiling.quote, line, n, mine) if ceiling is not None and ceiling.quote is not None else None
    excess: Decimal | None = None
    if allowed is not None:
        excess = _compare(run, allowed, line, n, amount, mine)
        status: Any = "over" if excess > 0 else "within"
    else:
        status = "not_priced"
        if not any(SEVERITY_RANK[f.severity] == 2 for f in mine):  # pragma: no cover - every unpriced line says why
            mine.append(_f("BK209", n, "the line could not be priced", "không tính được giá dòng này"))
    mine.sort(key=lambda f: (f.code, f.message))
    name = ceiling.name if ceiling is not None else None
    return LineResult(
        line=n, ref=line.ref, product=line.product, name_vi=name[0] if name else None, name_en=name[1] if name else None,
        quantity=line.quantity, unit_price=line.unit_price, amount=amount, ceiling_unit=allowed.unit if allowed else None,
        allowed_exact=allowed.exact if allowed else None, allowed=allowed.amount if allowed else None, excess=excess, status=status,
        codes=[f.code for f in mine], trace=list(allowed.quote.trace) if (run.trace and allowed is not None) else None), mine


def _claimed(rs: PricingRules, line: BudgetLine, n: int, mine: list[Finding]) -> Decimal:
    """What the line claims: its amount, else its unit price × quantity rounded (the one-unit rule);
    BK103 when it claims nothing, BK102 when its unit price × quantity is not its amount."""
    qty = line.quantity
    if line.amount is not None:
        amount = line.amount
    elif line.unit_price is not None:
        amount = scale_amount(line.unit_price, qty, True, rs.quantum, rs.mode)
    else:
        amount = ZERO
        mine.append(_f("BK103", n, "the line claims neither a unit price nor an amount", "dòng không ghi đơn giá hay thành tiền"))
    if line.unit_price is not None and line.amount is not None:
        product = line.unit_price * qty
        if product != line.amount and scale_amount(line.unit_price, qty, True, rs.quantum, rs.mode) != line.amount:
            diff = line.amount - product
            mine.append(_f("BK102", n, f"unit price × quantity = {_fmt(line.unit_price)} × {qty} = {_fmt(product)}, "
                                       f"but the amount is {_fmt(line.amount)} (difference {_fmt(diff)})",
                           f"đơn giá × số lượng = {_fmt(line.unit_price)} × {qty} = {_fmt(product)}, "
                           f"nhưng thành tiền ghi {_fmt(line.amount)} (chênh lệch {_fmt(diff)})",
                           {"unit_price": line.unit_price, "quantity": qty, "product": product, "amount": line.amount,
                            "difference": diff}))
    return amount


def _duplicate(run: _Run, line: BudgetLine, n: int, mine: list[Finding]) -> None:
    """BK301 when the line repeats an earlier one exactly."""
    first = run.dups.first(line, n)
    if first is not None:
        mine.append(_f("BK301", n, f"line {n} repeats line {first} (same product, quantity, options and claim)",
                       f"dòng {n} trùng với dòng {first} (cùng sản phẩm, số lượng, tùy chọn và số tiền)",
                       details={"first_line": str(first)}))


def _line_ceiling(run: _Run, line: BudgetLine, n: int, mine: list[Finding]) -> _Ceiling | None:
    """The line's options checked, and the quote of the product it claims for (one product on
    the one-unit basis, the line's quantity on the whole-quantity basis), kept per product,
    options (and quantity) for the whole budget; None when the options or the quantity are unusable."""
    rs, qty = run.rs, line.quantity
    inputs, option_findings, valid = _inputs(rs, line, n)
    mine.extend(option_findings)
    ceiling: _Ceiling | None = None
    if qty <= 0 or not qty.is_finite():
        mine.append(_f("BK207", n, f"the quantity must be a positive number, got {qty}",
                       f"số lượng phải là số dương, không phải {qty}", {"quantity": qty}))
    elif valid:
        whole = rs.program.basis == "whole_quantity"
        priced_qty = qty if whole else Decimal(1)
        key = (line.product, tuple(sorted((k, type(v).__name__, str(v)) for k, v in inputs.items())), str(qty) if whole else None)
        ceiling = run.ceilings.get(key)
        if ceiling is None:
            ceiling = run.ceilings[key] = _price_unit(rs, run.budget, line, inputs, run.at, priced_qty)
        for code, en, vi, extra in ceiling.problems:
            mine.append(_f(code, n, en, vi, extra.get("numbers"), extra.get("details")))
    if line.unit and line.product in media_part(rs.compiled).norms:
        mine.extend(_unit_check(rs, line, n))
    return ceiling


def _allowed(rs: PricingRules, q: Quote, line: BudgetLine, n: int, mine: list[Finding]) -> _Allowed | None:
    """The allowed amount for the line's quantity, by the function the quote itself uses: on the
    one-unit basis :func:`~normkit.media.pricing.scale_amount` of the unit ceiling (an order of
    that many products totals exactly this); on the whole-quantity basis the quote of that quantity."""
    if rs.program.basis == "whole_quantity":
        return _Allowed(unit=None, exact=q.total, amount=q.total, quote=q)
    cu, qty = q.total, line.quantity
    try:
        allowed = scale_amount(cu, qty, True, rs.quantum, rs.mode)
        return _Allowed(unit=cu, exact=cu * qty, amount=allowed, quote=q)
    except (InvalidOperation, Overflow, Clamped):  # beyond 34 exact digits: say so, never a bare decimal error
        mine.append(_f("BK209", n, f"the allowed amount {_fmt(cu)} × {qty} is beyond normkit's exact range (34 digits)",
                       f"mức trần {_fmt(cu)} × {qty} vượt phạm vi tính chính xác (34 chữ số)"))
        return None


def _compare(run: _Run, allowed: _Allowed, line: BudgetLine, n: int, amount: Decimal, mine: list[Finding]) -> Decimal:
    """The claim against the allowed amount: BK210 for each override the ceiling used, BK101 above
    it; adds the line to the totals and returns the excess."""
    q, qty, cu = allowed.quote, line.quantity, allowed.unit
    if run.quotes is not None:
        run.quotes[n] = q
    run.unverified.update(q.unverified)
    for note in q.notes:
        mine.append(_f("BK210", n, f"priced with the override of `{note.check}`: {note.message_en}; reason: {note.reason}",
                       f"tính giá với ngoại lệ `{note.check}`: {note.message_vi}; lý do: {note.reason}",
                       details={"check": note.check, "reason": note.reason}))
    excess = amount - allowed.amount if amount > allowed.amount else ZERO
    if excess > 0:
        pct = (excess * HUNDRED / allowed.amount).quantize(PCT) if allowed.amount else None
        nums = {"claimed": amount, "allowed": allowed.amount, "excess": excess, "quantity": qty}
        if cu is not None:
            nums["ceiling_unit"] = cu
        if pct is not None:
            nums["excess_percent"] = pct
        if line.unit_price is not None:
            nums["unit_price"] = line.unit_price
        shown = f" ({pct} %)" if pct is not None else ""
        how_en = f"{_fmt(cu)} × {qty}" if cu is not None else f"{qty} × {line.product}, priced on the whole quantity"
        how_vi = f"{_fmt(cu)} × {qty}" if cu is not None else f"{qty} × {line.product}, tính trên toàn bộ khối lượng"
        mine.append(_f("BK101", n, f"the amount {_fmt(amount)} is above the norm ceiling {_fmt(allowed.amount)} "
                                   f"({how_en}) by {_fmt(excess)}{shown}",
                       f"thành tiền {_fmt(amount)} vượt mức trần định mức {_fmt(allowed.amount)} "
                       f"({how_vi}) là {_fmt(excess)}{shown.replace('.', ',')}", nums))
    run.priced += 1
    run.allowed += allowed.amount
    run.excess += excess
    run.claimed_priced += amount
    return excess


def _budget_findings(run: _Run, total: Decimal | None) -> list[Finding]:
    """BK401 when the declared total is not the sum of the lines; BK402 when the ceilings use unverified values."""
    out: list[Finding] = []
    if total is not None and total != run.claimed:
        diff = total - run.claimed
        out.append(_f("BK401", None, f"the declared total {_fmt(total)} is not the sum of the lines {_fmt(run.claimed)} "
                                     f"(difference {_fmt(diff)})",
                      f"tổng cộng ghi {_fmt(total)} khác tổng các dòng {_fmt(run.claimed)} (chênh lệch {_fmt(diff)})",
                      {"declared": total, "sum_of_lines": run.claimed, "difference": diff}))
    if run.unverified:
        values = sorted(run.unverified)
        out.append(_f("BK402", None, f"the ceilings use {len(values)} value(s) not verified in their source",
                      f"mức trần dùng {len(values)} giá trị chưa được kiểm chứng với văn bản gốc", details={"values": values}))
    return out


def _report(run: _Run) -> Report:
    counts = dict.fromkeys(("error", "warning", "info"), 0)
    for f in run.findings:
        counts[f.severity] += 1
    budget, rs = run.budget, run.rs
    report = Report(
        budget_id=budget.id, kind=budget.kind, at=run.at, packs=rs.pack_refs,
        overlay=(rs.overlay_label or "what-if") if rs.overlay_text else None,
        passed=counts["error"] == 0, counts=counts,
        totals=Totals(claimed=run.claimed, allowed=run.allowed, excess=run.excess, claimed_priced=run.claimed_priced,
                      declared=budget.total, lines=len(run.results), priced_lines=run.priced, not_priced_lines=len(run.results) - run.priced),
        lines=run.results, findings=run.findings)
    report._quotes = run.quotes or {}
    return report


def dup_key(line: BudgetLine) -> tuple:
    """What makes two lines the same line (BK301): product, quantity, claim, duration, unit,
    description and options (by the input they fill), compared as values (3 = 3.0)."""
    return (line.product, line.quantity, line.unit_price, line.amount, line.duration, line.unit, line.description,
            tuple(sorted((option_name(k), str(v)) for k, v in line.options.items())))


def _inputs(rs: PricingRules, line: BudgetLine, n: int) -> tuple[dict[str, Any], list[Finding], bool]:
    """The line's options as the pack's item inputs, each checked; (inputs, findings, usable)."""
    specs = rs.compiled.inputs
    raw: dict[str, Any] = {}
    out: list[Finding] = []
    valid = True
    for key, value in line.options.items():
        name = option_name(key)
        if name in raw:
            out.append(_f("BK207", n, f"option {key!r} is given twice (as {name})", f"tùy chọn {key!r} ghi hai lần ({name})",
                          details={"option": key}))
            valid = False
            continue
        raw[name] = value
    if line.duration is not None:
        if "actual_duration" in raw:
            out.append(_f("BK207", n, "the actual duration is given both as the duration and as an option",
                          "thời lượng thực tế ghi cả ở cột thời lượng và ở tùy chọn", details={"option": "actual_duration"}))
            valid = False
        raw["actual_duration"] = line.duration
    inputs: dict[str, Any] = {}
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None or spec.scope != "item":
            close = close_matches(name, [k for k, s in specs.items() if s.scope == "item"])
            out.append(_f("BK207", n, f"unknown option {name!r}: the packs declare no such item input" +
                          (f"; did you mean {', '.join(close)}?" if close else "") + " The line is priced without it.",
                          f"tùy chọn {name!r} không có trong bộ quy tắc" + (f"; có phải {', '.join(close)}?" if close else "") +
                          " Dòng được tính giá không có tùy chọn này.",
                          details={"option": name, "close_matches": close}))
            continue
        try:
            converted = rs.convert_value(value, spec.type, spec.powers, spec.unit, Location(path=f"lines[{n - 1}].options.{name}"),
                                         "NK311", spec.min, spec.max, name)
            if spec.choices is not None and converted not in spec.choices:
                raise NormkitError("NK601", f"{name} must be one of {', '.join(spec.choices)}, got {converted!r}")
        except NormkitError as e:
            valid = False
            code = {"NK311": "BK203", "NK310": "BK203"}.get(e.code, "BK207")
            if e.code == "NK503" and name == "royalty_coefficient":
                code = "BK205"
            vi = {"BK203": "đơn vị không phù hợp", "BK205": "hệ số nhuận bút ngoài khung"}.get(code, "tùy chọn không hợp lệ")
            out.append(_f(code, n, f"option {name}: {e.message}", f"{vi} ({name}): {e.message}",
                          details={"option": name, "error": e.code}))
            continue
        inputs[name] = value
    return inputs, out, valid


def _unit_check(rs: PricingRules, line: BudgetLine, n: int) -> list[Finding]:
    norm = media_part(rs.compiled).norms[line.product]
    try:
        given = parse_unit_expr(line.unit or "", rs.units.vocab)
        want = parse_unit_expr(norm.output_unit, rs.units.vocab)
    except NormkitError:
        return [_f("BK211", n, f"the unit {line.unit!r} is not in normkit's vocabulary; it was not checked against the norm's unit "
                               f"({norm.output_unit})",
                   f"đơn vị {line.unit!r} không có trong danh mục đơn vị; chưa đối chiếu với đơn vị của định mức ({norm.output_unit})",
                   details={"unit": line.unit or "", "norm_unit": norm.output_unit})]
    if rs.units.conversion(given, want) != 1:
        return [_f("BK203", n, f"the line is in {line.unit} but norm {norm.code} prices one {norm.output_unit}",
                   f"dòng ghi đơn vị {line.unit} nhưng định mức {norm.code} tính cho một {norm.output_unit}",
                   details={"unit": line.unit or "", "norm_unit": norm.output_unit})]
    return []


def _price_unit(rs: PricingRules, budget: Budget, line: BudgetLine, inputs: dict[str, Any], at: dt.date, quantity: Decimal) -> _Ceiling:
    """The quote of ``quantity`` products of the line (one product on the one-unit basis), or findings saying why not."""
    norms = media_part(rs.compiled).norms
    norm = norms.get(line.product)
    if norm is None:
        close = close_matches(line.product, norms)
        return _Ceiling(None, [("BK201", f"unknown norm code {line.product!r}" + (f"; close matches: {', '.join(close)}" if close else ""),
                                f"mã định mức {line.product!r} không có trong bộ quy tắc" + (f"; mã gần giống: {', '.join(close)}" if close else ""),
                                {"details": {"product": line.product, "close_matches": close}})], None)
    name = (norm.name.vi, norm.name.en)
    order = Order.model_construct(normkit_order=1, id=budget.id, title=None, date=budget.date, at=None, packs=[], inputs={},
                                  items=[OrderItem.model_construct(id=line.ref, norm=line.product, quantity=quantity, label=None,
                                                                   inputs=inputs)])
    try:
        q = rs.quote(order, at=at)
    except NormkitError as e:
        return _Ceiling(None, [_problem(sub, line) for sub in getattr(e, "errors", [e])], name)
    return _Ceiling(q, [], name)


def _problem(e: NormkitError, line: BudgetLine) -> tuple[str, str, str, dict]:
    details: dict[str, Any] = {"error": e.code}
    if e.code == "NK501":
        names = [m["name"] for m in e.details.get("missing", [])]
        details["missing"] = names
        return ("BK202", f"cannot price {line.product}: {e.message}",
                f"không tính được giá {line.product}: thiếu {len(names)} giá trị trong bảng giá của tỉnh ({'; '.join(names)})",
                {"details": details})
    if e.code in ("NK402", "NK401"):
        return ("BK206", e.message, f"ngày tính giá nằm ngoài thời gian hiệu lực: {e.message}", {"details": details})
    if e.code == "NK505":
        check = str(e.details.get("check", ""))
        details["check"] = check
        if check == "radio_duration_tolerance":
            return ("BK204", (f"{line.product}: the actual duration {line.duration or line.options.get('actual_duration')} is outside "
                             "the tolerance of the norm's duration and the line gives no override reason"),
                    (f"{line.product}: thời lượng thực tế {line.duration or line.options.get('actual_duration')} lệch quá mức cho phép "
                    "so với thời lượng định mức và không ghi lý do"), {"details": details})
        if check == "royalty_frame":
            return ("BK205", f"{line.product}: the royalty coefficient is above its genre's maximum",
                    f"{line.product}: hệ số nhuận bút vượt khung tối đa của thể loại", {"details": details})
        return ("BK208", e.message, f"điều kiện của quy tắc không được đáp ứng: {e.message}", {"details": details})
    if e.code == "NK504":
        return ("BK201", e.message, f"mã định mức không có: {e.message}", {"details": details})
    if e.code in ("NK601", "NK503", "NK603"):
        return ("BK207", e.message, f"tùy chọn không hợp lệ: {e.message}", {"details": details})
    return ("BK209", f"{line.product} cannot be priced: {e.code} {e.message}", f"không tính được giá {line.product}: {e.code} {e.message}",
            {"details": details})
