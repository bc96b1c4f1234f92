"""Compile the media sections of a pack set (``pricing:`` and ``norms:``): the compile step the
media domain registers with the core (see :mod:`normkit.core.extensions`).

Runs after the core has checked inputs, parameters, tables, formulas and adjustments, through
the narrow :class:`~normkit.core.extensions.BuildApi`: component rates and extras are merged
across the packs (the last pack wins), each norm line gets its rate checked against its own
fields and its unit factor to VND folded in, norm sets scale another pack's norms into the
pack that declares them, derived norms take their base entry's lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from normkit.core.compiler import MISSING
from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.extensions import BuildApi
from normkit.core.io.text import read_quantity
from normkit.core.lang.ir import Const, Node
from normkit.core.lang.syntax import Expression
from normkit.core.lang.typecheck import BOOL, PLAIN, STR, FormulaSig, Powers, Scope, Symbol, TableSig, Type, num, powers_of
from normkit.core.loader import Defined, PackSource
from normkit.core.records import replace
from normkit.core.units import parse_unit_expr
from normkit.media.compiled import CheckC, ExtraC, LineC, MediaCompiled, NormC, NormSetC, RateC
from normkit.media.components import COMPONENTS as ALL_COMPONENTS
from normkit.media.schema import Check, ComponentRate, Extra, Norm, NormLine, NormSet

MONEY: Powers = (("VND", 1),)
COMPONENTS = ("labour", "equipment", "material")  # the components a rate card prices
LINE_GROUPS = (*ALL_COMPONENTS, "all")  # what `sum_lines(group, …)` may sum: one component, or every line
COMPONENT_UNITS = {"labour": "workday", "equipment": "machine_hour"}
# what an item-level expression (extras, checks, derived-norm factors) may read about the item's norm
NORM_FIELDS: dict[str, Type] = {"norm_duration": num((("second", 1),)), "norm_medium": STR, "norm_code": STR}


@dataclass(frozen=True, slots=True)
class RateDef:
    """A component's rate as written: the pack, the ``pricing:`` block and the model."""

    pack: PackSource
    block: Defined
    model: ComponentRate


@dataclass(frozen=True, slots=True)
class ItemDef:
    """One extra or check as written, with its index in the block's list."""

    pack: PackSource
    block: Defined
    index: int
    model: Any  # Extra | Check


@dataclass(slots=True)
class NormBuild:
    """State of one media compile: the API, the merged rates, rate expressions parsed once
    per (component, pack), and the part being filled."""

    api: BuildApi
    rates: dict[str, RateDef]
    part: MediaCompiled
    parsed: dict[tuple[str, str], Expression] = field(default_factory=dict)


def compile_media(api: BuildApi) -> MediaCompiled:
    """The media part of a pack set; errors go to ``api.errors`` (the core raises them all)."""
    part = MediaCompiled()
    rates = merge_rates(api.packs)
    part.rates = {c: RateC(component=c, text=r.model.rate, pack=r.pack.id, label=r.model.label,
                           location=r.block.smap.locate(r.block.path + (c, "rate")))
                  for c, r in rates.items()}
    item_types = compile_extras(api, part)
    compile_checks(api, part, item_types)
    build = NormBuild(api=api, rates=rates, part=part)
    for pack in api.packs:
        for code, d in pack.sections["norms"].items():
            api.attempt(add_norm, build, pack, code, d)
        for name, d in pack.sections["norm_sets"].items():
            api.attempt(add_norm_set, api, part, pack, name, d)
    derive_norms(api.errors, part)
    return part


def merge_rates(packs: list[PackSource]) -> dict[str, RateDef]:
    comps: dict[str, RateDef] = {}
    for pack in packs:
        for d in pack.blocks["pricing"]:
            for comp in COMPONENTS:
                c = getattr(d.model, comp)
                if c is not None:
                    comps[comp] = RateDef(pack=pack, block=d, model=c)
    return comps


def _merged(packs: list[PackSource], attr: str) -> dict[str, ItemDef]:
    """Extras (``attr="extras"``) or checks of every ``pricing:`` block by id; a later pack's
    entry replaces an earlier one of the same id."""
    out: dict[str, ItemDef] = {}
    for pack in packs:
        for d in pack.blocks["pricing"]:
            for i, x in enumerate(getattr(d.model, attr)):
                out[x.id] = ItemDef(pack=pack, block=d, index=i, model=x)
    return out


def compile_extras(api: BuildApi, part: MediaCompiled) -> dict[str, Type]:
    """Check every extra; returns the item scope checks see (item fields plus each extra)."""
    item_types = dict(NORM_FIELDS)
    item_types.update({"item_quantity": PLAIN, "labour_amount": num(MONEY), "equipment_amount": num(MONEY),
                       "material_amount": num(MONEY), "direct_amount": num(MONEY)})
    for eid, x in _merged(api.packs, "extras").items():
        try:
            part.extras.append(_extra(api, x, item_types))
            item_types[eid] = num(MONEY)
        except NormkitError as err:
            api.errors.add(err)
    return item_types


def _extra(api: BuildApi, x: ItemDef, item_types: dict[str, Type]) -> ExtraC:
    e: Extra = x.model
    d = x.block
    path = d.path + ("extras", x.index)
    scope = MediaScope(api.scope(item=dict(item_types)), line=None, lines=True)
    _t, ir = api.check(api.expression(e.expr, d.smap, path + ("expr",)), scope, num(MONEY))
    when_ir = None
    if e.when:
        _wt, when_ir = api.check(api.expression(e.when, d.smap, path + ("when",)), scope, BOOL)
    return ExtraC(id=e.id, label=e.label, text=e.expr, ir=ir, when_text=e.when, when_ir=when_ir,
                  source=api.source_key(x.pack, e.source, d.location), pack=x.pack.id, location=d.smap.locate(path))


def compile_checks(api: BuildApi, part: MediaCompiled, item_types: dict[str, Type]) -> None:
    for cid, x in _merged(api.packs, "checks").items():
        try:
            part.checks.append(_check(api, cid, x, item_types))
        except NormkitError as err:
            api.errors.add(err)


def _check(api: BuildApi, cid: str, x: ItemDef, item_types: dict[str, Type]) -> CheckC:
    chk: Check = x.model
    d = x.block
    path = d.path + ("checks", x.index)
    for name in chk.requires + ([chk.override] if chk.override else []):
        if name not in api.inputs:
            raise NormkitError("NK202", f"check {cid!r} names unknown input {name!r}", location=d.smap.locate(path))
    if chk.override and api.inputs[chk.override].type != "text":
        raise NormkitError("NK303", f"check {cid!r}: the override input {chk.override!r} must be text (the reason)", location=d.smap.locate(path))
    expr = api.expression(chk.expr, d.smap, path + ("expr",))
    _t, ir = api.check(expr, api.scope(item=dict(item_types)), BOOL)
    return CheckC(id=cid, label=chk.label, text=chk.expr, ir=ir, message=chk.message, media=list(chk.media) if chk.media else None,
                  requires=list(chk.requires), override=chk.override, uses_duration="norm_duration" in expr.names,
                  source=api.source_key(x.pack, chk.source, d.location), pack=x.pack.id, location=d.smap.locate(path))


def derive_norms(errors: ErrorCollector, part: MediaCompiled) -> None:
    """Fill the lines of derived norms from their base entries (after every pack's norms)."""
    for code, norm in part.norms.items():
        if norm.derive_from is None:
            continue
        base = part.norms.get(norm.derive_from)
        where = norm.location
        if base is None:
            errors.add(NormkitError("NK504", f"norm {code} is derived from {norm.derive_from}, which no pack defines", location=where,
                                    hint="a province pack (or an imported norm table) must supply the base entry"))
            continue
        if not base.lines and base.supplied_by:
            continue  # the base entry's lines come from a province pack; pricing says so if they are missing
        if base.derive_from is not None:
            errors.add(NormkitError("NK204", f"norm {code} is derived from {norm.derive_from}, itself a derived norm", location=where))
            continue
        comps = set(norm.derive_components or [])
        norm.lines = copy_lines(base.lines, comps)
        if not norm.lines:
            errors.add(NormkitError("NK207", f"norm {code}: base entry {base.code} has no {', '.join(sorted(comps))} lines", location=where))


def copy_lines(lines: list[LineC], components: set[str], factors: dict[str, Decimal] | None = None,
               **marks: Any) -> list[LineC]:
    """The lines of a base entry that belong to ``components``, copied for the norm that takes
    them: as they are (a derived norm, whose share applies per item), or with each quantity ×
    its component's factor and the norm set named on the line (``marks``: set_id, set_source …)."""
    out = []
    for line in lines:
        if line.component not in components:
            continue
        f = (factors or {}).get(line.component)
        if f is None:
            out.append(replace(line))
        else:
            out.append(replace(line, quantity=line.quantity * f, set_factor=f, national_quantity=line.quantity, **marks))
    return out


def add_norm_set(api: BuildApi, part: MediaCompiled, pack: PackSource, name: str, d: Defined) -> None:
    """Scale every norm of pack ``of`` in force while the set is (of its media) into ``pack``:
    the scaled entry replaces the referenced one under the same code, so lint's ceiling check
    compares a later province's lines with the scaled maxima."""
    m = d.model
    assert isinstance(m, NormSet)
    where = d.location
    set_id = f"{pack.id}/{name}"
    earlier = [p.id for p in api.packs[:api.packs.index(pack)]]
    if m.of not in earlier:
        raise NormkitError("NK212", f"norm set {set_id} scales the norms of pack {m.of!r}, which is not before it in the pack set", location=where,
                           hint=f"add {m.of!r} to the pack's `extends:`")
    if (m.factor is None) == (m.components is None):
        raise NormkitError("NK212", f"norm set {set_id}: give either `factor:` (every component) or `components:` (a factor per component)", location=where)
    factors = dict.fromkeys(COMPONENTS, m.factor) if m.factor is not None else dict(m.components or {})
    for comp, f in factors.items():
        if f is None or not f > 0:
            raise NormkitError("NK212", f"norm set {set_id}: the {comp} factor must be a positive number, not {f}", location=where)
    valid = m.valid or pack.manifest.valid
    src = api.source_key(pack, m.source, d.smap.locate(d.path + ("source",)))
    verified = api.verified(m.verified, src)
    ns = NormSetC(id=set_id, pack=pack.id, of=m.of, media=list(m.media) if m.media else None,
                  factors={c: f for c, f in factors.items() if f is not None}, valid_from=valid.from_, valid_to=valid.to,
                  source=src, verified=verified, why=m.why, location=where)
    shown = ", ".join(f"{c} × {f}" for c, f in ns.factors.items())
    for code, norm in list(part.norms.items()):
        if norm.pack != m.of or (ns.media is not None and norm.medium not in ns.media):
            continue
        start = max(norm.valid_from, ns.valid_from)
        ends = [e for e in (norm.valid_to, ns.valid_to) if e is not None]
        end = min(ends) if ends else None
        if end is not None and end < start:
            continue  # not in force while the set is
        if norm.derive_from is not None or not norm.lines:
            # a derived norm takes its lines from its (scaled) base entry; an entry whose national
            # lines were not readable has nothing to scale
            if norm.derive_from is None:
                ns.unscaled.append(code)
            continue
        lines = copy_lines(norm.lines, set(ALL_COMPONENTS), ns.factors, set_id=set_id, set_source=src,
                           set_verified=verified, set_why=m.why)
        note = f"norm set {set_id}: {shown} of {m.of}'s entry {code}"
        part.replaced_norms[code] = norm
        part.norms[code] = replace(
            norm, lines=lines, pack=pack.id, location=where, valid_from=start, valid_to=end, replaces=norm.pack,
            verified=norm.verified and verified, why="; ".join(w for w in (norm.why, m.why if not verified else None) if w) or None,
            notes=[*norm.notes, note])
        ns.scaled.append(code)
    if not ns.scaled and not ns.unscaled:
        raise NormkitError("NK212", f"norm set {set_id}: pack {m.of} has no norm{' of ' + ', '.join(ns.media) if ns.media else ''} in force from {ns.valid_from}", location=where)
    part.norm_sets[set_id] = ns


def norm_duration(api: BuildApi, m: Norm, d: Defined) -> Decimal | None:
    """A norm's duration in seconds, or None."""
    if not m.duration:
        return None
    where = d.smap.locate(d.path + ("duration",))
    q = read_quantity(m.duration, api.vocab, convention="en", exponent=True, location=where)
    value, given = q.value, q.powers
    f = api.algebra.factor(powers_of(given), (("second", 1),))
    if f is None:
        raise NormkitError("NK311", f"norm duration {m.duration!r} is not a time", location=where)
    return value * f.numerator / f.denominator


def add_norm(build: NormBuild, pack: PackSource, code: str, d: Defined) -> None:
    api, m = build.api, d.model
    assert isinstance(m, Norm)
    src = api.source_key(pack, m.source, d.smap.locate(d.path + ("source",)))
    duration = norm_duration(api, m, d)
    if m.derive is None and not m.lines and m.supplied_by is None:
        raise NormkitError("NK201", f"norm {code} has no lines; give `lines:` or `derive:` (or `supplied_by: province`)", location=d.location)
    if m.derive is not None and m.lines:
        raise NormkitError("NK201", f"norm {code} gives both `lines:` and `derive:`; choose one", location=d.location)
    lines: list[LineC] = []
    errors = ErrorCollector()
    for i, line in enumerate(m.lines):
        try:
            lines.append(norm_line(build, code, i, line, d))
        except NormkitError as e:
            errors.add(e)
    errors.raise_if_any()
    valid = m.valid or pack.manifest.valid
    norm = NormC(code=code, name=m.name, output_unit=m.output_unit, duration=duration, duration_text=m.duration,
                 valid_from=valid.from_, valid_to=valid.to, source=src, verified=api.verified(m.verified, src), why=m.why,
                 notes=list(m.notes), lines=lines, pack=pack.id, location=d.location, medium=m.medium, supplied_by=m.supplied_by)
    if m.derive is not None:
        item = dict(NORM_FIELDS)
        item["item_quantity"] = PLAIN
        expr = api.expression(m.derive.factor, d.smap, d.path + ("derive", "factor"))
        _t, ir = api.check(expr, api.scope(item=item), PLAIN)
        norm.derive_from, norm.derive_components = m.derive.from_, list(m.derive.components)
        norm.factor_text, norm.factor_ir = m.derive.factor, ir
        norm.factor_source = api.source_key(pack, m.derive.source, d.location)
    norms = build.part.norms
    if code in norms:
        previous = norms[code]
        build.part.replaced_norms[code] = previous
        norm.replaces = previous.pack
    norms[code] = norm


@dataclass(frozen=True, slots=True)
class LineQuantity:
    """A norm line's quantity as written: the number, its unit text and its unit powers."""

    value: Decimal
    unit: str
    powers: Powers


def line_quantity(api: BuildApi, code: str, line: NormLine, qloc: Location) -> LineQuantity:
    if isinstance(line.quantity, Decimal):
        if line.unit is None:
            raise NormkitError("NK603", "a norm line's quantity needs a unit: write e.g. \"0.04 workday\" or add `unit:`", location=qloc)
        qty, given, unit_text = line.quantity, parse_unit_expr(line.unit, api.vocab, qloc), line.unit
    else:
        q = read_quantity(line.quantity, api.vocab, convention="en", exponent=True, location=qloc)
        qty, given = q.value, q.powers
        unit_text = line.quantity.split(None, 1)[1] if " " in line.quantity.strip() else "1"
    powers = powers_of(given)
    if qty < 0:
        raise NormkitError("NK503", f"norm {code}: a quantity cannot be negative ({qty})", location=qloc)
    want = COMPONENT_UNITS.get(line.component)
    if want and api.algebra.factor(powers, ((want, 1),)) is None:
        raise NormkitError("NK311", f"norm {code}: a {line.component} line is measured in {want}, not {unit_text}", location=qloc)
    return LineQuantity(value=qty, unit=unit_text, powers=powers)


@dataclass(frozen=True, slots=True)
class LineRate:
    """A norm line's rate: its text, IR and unit, and the exact factor quantity × rate × n/d = VND
    (None until the rate card has the row the rate reads)."""

    text: str = ""
    ir: Node = Const(Decimal(0))  # noqa: RUF009  (Const is a frozen IR node: one shared default is safe)
    unit: str = ""
    factor: tuple[int, int] | None = None


def line_rate(build: NormBuild, code: str, i: int, line: NormLine, q: LineQuantity, loc: Location, qloc: Location) -> LineRate:
    comp = build.rates.get(line.component)
    if comp is None:
        return LineRate()
    api = build.api
    key = (line.component, comp.pack.id)
    expr = build.parsed.get(key)
    if expr is None:
        expr = build.parsed[key] = api.expression(comp.model.rate, comp.block.smap, ("pricing", line.component, "rate"))
    scope = MediaScope(api.scope(), line=LineConsts(line, code, loc), lines=False)
    rate_t, rate_ir = api.check(expr, scope)
    if rate_t.unit == MISSING:
        return LineRate(text=comp.model.rate, ir=rate_ir)
    f = api.algebra.factor(api.algebra.mul(q.powers, rate_t.unit), MONEY)
    if f is None:
        raise NormkitError("NK311", f"norm {code} line {i + 1}: {q.unit} × {rate_t} is not money (VND)",
                           location=qloc, hint=f"the {line.component} rate `{comp.model.rate}` must be VND per {q.unit}")
    return LineRate(text=comp.model.rate, ir=rate_ir, unit=str(rate_t), factor=(f.numerator, f.denominator))


@dataclass(frozen=True, slots=True)
class TitleScale:
    """A salary scale as a ``scale_by_title`` table gives it for one title and grade."""

    scale: str
    table: str
    start: dt.date
    source: str | None
    verified: bool


def title_scale(build: NormBuild, line: NormLine, loc: Location) -> TitleScale | None:
    """The scale the rate's ``scale_by_title`` table maps ``line``'s title and grade to (its
    latest version that has the row), or None when the line or the rate does not use one."""
    comp = build.rates.get(line.component)
    if comp is None or comp.model.scale_by_title is None or line.title is None or line.grade is None:
        return None
    name, found, defined = comp.model.scale_by_title, None, False
    for pack in build.api.packs:
        d = pack.sections["tables"].get(name)
        if d is None:
            continue
        defined = True
        for v in d.model.versions:
            for row in v.rows:
                if len(row) >= 3 and row[0] == line.title and row[1] == line.grade and (found is None or v.from_ >= found.start):
                    src = build.api.source_key(pack, v.source, d.location)
                    found = TitleScale(str(row[2]), name, v.from_, src, build.api.verified(v.verified, src))
    if not defined:
        raise NormkitError("NK202", f"the {line.component} rate takes scales from table {name!r}, which the pack set does not define",
                           location=comp.block.smap.locate(comp.block.path + (line.component, "scale_by_title")))
    return found


def with_title_scale(build: NormBuild, line: NormLine, loc: Location) -> NormLine:
    """``line`` with the scale its title and grade map to filled in, or flagged as a conflict
    (not verified, the reason first in ``why``) when it writes another scale."""
    ts = title_scale(build, line, loc)
    if ts is None:
        return line
    where = f"table {ts.table} (version from {ts.start}" + (f", source {ts.source}" if ts.source else "") + \
        ("" if ts.verified else ", not verified") + ")"
    if line.scale is None:
        why = f"Scale {ts.scale} for {line.title} grade {line.grade}, from {where}."
        return line.model_copy(update={"scale": ts.scale, "why": f"{why} {line.why}" if line.why else why})
    if line.scale == ts.scale:
        return line
    conflict = f"CONFLICT with {where}: {line.title} grade {line.grade} is on {ts.scale}, but this line gives {line.scale}"
    said = line.why if line.why and line.why.startswith("CONFLICT") else None  # the pack explains the conflict itself
    return line.model_copy(update={"verified": False, "why": said or (f"{conflict}. {line.why}" if line.why else f"{conflict}.")})


def norm_line(build: NormBuild, code: str, i: int, line: NormLine, d: Defined) -> LineC:
    path = d.path + ("lines", i)
    line = with_title_scale(build, line, d.smap.locate(path))
    qloc = d.smap.locate(path + ("quantity",), 0)
    q = line_quantity(build.api, code, line, qloc)
    rate = line_rate(build, code, i, line, q, d.smap.locate(path), qloc)
    return LineC(component=line.component, resource=line.resource, label=line.label, quantity=q.value, unit=q.unit, powers=q.powers,
                 grade=line.grade, scale=line.scale, step=line.step, steps=line.steps,
                 verified=line.verified if line.verified is not None else True, why=line.why,
                 rate_text=rate.text, rate_ir=rate.ir, rate_unit=rate.unit, factor=rate.factor, location=d.smap.locate(path))


class LineConsts:
    """The fixed fields of one norm line, for checking a rate expression against it."""

    FIELDS: ClassVar[dict[str, Type]] = {"resource": STR, "scale": STR, "grade": STR, "step": PLAIN, "steps": PLAIN}

    def __init__(self, line: NormLine, code: str, loc: Location) -> None:
        self.line, self.code, self.loc = line, code, loc

    def get(self, name: str) -> Any:
        v = getattr(self.line, name)
        if v is None:
            raise NormkitError("NK202", f"norm {self.code}: this {self.line.component} line has no `{name}`, which its rate needs", location=self.loc)
        return Decimal(v) if isinstance(v, int) else v


class MediaScope:
    """The core's scope plus what pricing adds: one norm line's fixed fields (while a rate is
    checked) and, for extras, the priced lines of the item (``sum_lines``)."""

    def __init__(self, outer: Scope, line: LineConsts | None, lines: bool) -> None:
        self.outer, self.line, self.lines = outer, line, lines

    def symbol(self, name: str) -> Symbol | None:
        if self.line is not None and name in LineConsts.FIELDS:
            self.line.get(name)
            return Symbol("line", LineConsts.FIELDS[name])
        return self.outer.symbol(name)

    def line_value(self, name: str) -> Any:
        assert self.line is not None
        return self.line.get(name)

    def table(self, name: str) -> TableSig | None:
        return self.outer.table(name)

    def function(self, name: str) -> FormulaSig | None:
        return self.outer.function(name)

    def line_groups(self) -> tuple[str, ...]:
        return LINE_GROUPS if self.lines else ()

    def line_scope(self, component: str) -> LineFieldScope | None:
        if not self.lines or component not in LINE_GROUPS:
            return None
        fields = {"amount": num(MONEY), "resource": STR}
        if component in COMPONENT_UNITS:
            fields["quantity"] = num(((COMPONENT_UNITS[component], 1),))
        return LineFieldScope(self, fields)


class LineFieldScope:
    """Inside ``sum_lines(component, …)``: the fields of each priced line, then the outer scope."""

    def __init__(self, outer: MediaScope, fields: dict[str, Type]) -> None:
        self.outer, self.fields = outer, fields

    def symbol(self, name: str) -> Symbol | None:
        if name in self.fields:
            return Symbol("line", self.fields[name])
        return self.outer.symbol(name)

    def table(self, name: str) -> TableSig | None:
        return self.outer.table(name)

    def function(self, name: str) -> FormulaSig | None:
        return self.outer.function(name)

    def line_groups(self) -> tuple[str, ...]:
        return ()

    def line_scope(self, component: str) -> None:
        return None
