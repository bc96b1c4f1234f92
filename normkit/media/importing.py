"""Import a province's norm table into a pack, and export a pack's norms as a table.

Every data row ends up either imported or rejected, with the row, the column and the reason;
nothing is dropped. A norm with any rejected row is left out whole (a norm missing a line
would under-price), so ``rows_in == imported + rejected`` always holds. The pack's file is
written atomically and only when no row was rejected (or, with ``keep_going``, with the
complete norms only, plus a CSV of the rejected rows). The written pack is then built and
checked like ``normkit lint``; if that fails, the previous file is put back.

>>> from normkit.media.importing import import_norms           # doctest: +SKIP
>>> report = import_norms("examples/norm-tables/tv-01.03.01.50.10.csv", "my-province")  # doctest: +SKIP
>>> report.rows_in == report.imported + report.rejected        # doctest: +SKIP
True
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from normkit.core.errors import Location, NormkitError, NormkitErrors
from normkit.core.io.tables import DateCell, fold, is_blank
from normkit.core.io.text import read_cell, read_quantity, read_text
from normkit.core.loader import read_pack
from normkit.core.registry import find_pack
from normkit.core.rulesets import load
from normkit.core.units import Vocabulary, format_powers, parse_unit_expr
from normkit.media.compiled import media_part
from normkit.media.normtable import EXPORT_HEADERS, NORM_FIELDS, RawTable, atomic_write, read_table, write_table

DEFAULT_CODE_PATTERN = r"\d{2}(\.\d{2}){4}"
SCALE_TABLE = "salary_coefficient"  # vn-wages: salary coefficient by (scale, step)
COMPONENTS = {
    "labour": "labour", "labor": "labour", "nhan cong": "labour", "hao phi nhan cong": "labour", "lao dong": "labour",
    "equipment": "equipment", "machine": "equipment", "machines": "equipment", "may": "equipment", "may thiet bi": "equipment",
    "may moc thiet bi": "equipment", "may moc": "equipment", "thiet bi": "equipment", "hao phi may": "equipment",
    "hao phi may moc thiet bi": "equipment", "hao phi may thiet bi": "equipment",
    "material": "material", "materials": "material", "vat lieu": "material", "hao phi vat lieu": "material",
}
COMPONENT_UNIT = {"labour": "workday", "equipment": "machine_hour"}
TRUE = {"true", "yes", "co", "x", "1", "da xac minh"}
FALSE = {"false", "no", "khong", "0", "chua xac minh"}
_GRADE_IN_TITLE = re.compile(r"^(?P<base>.*?)\s+hạng\s+(?P<grade>[IVX]+|[1-9])\s*$", re.IGNORECASE)
_SOURCE_ID = re.compile(r"^[^\W\d][\w.-]*$")
_CODE_SYNTAX = re.compile(r"[0-9A-Za-z]{1,20}(\.[0-9A-Za-z]{1,20}){0,9}")  # what a pack accepts as a norm code


class Reject(BaseModel):
    """One problem with one row: ``row`` as the user sees it, the column header, why."""

    model_config = ConfigDict(frozen=True)
    row: int
    column: str
    reason: str
    value: str = ""


class ImportReport(BaseModel):
    """What an import did. ``rows_in == imported + rejected``; ``written`` says whether the
    pack file was written (always false when a row was rejected, unless ``keep_going``)."""

    table: str
    sheet: str | None = None
    pack: str
    file: str
    rows_in: int
    imported: int
    rejected: int
    norms: list[str]
    lines: int
    rejects: list[Reject]
    written: bool
    rejects_file: str | None = None
    blank_rows: int = 0
    comment_rows: int = 0
    ignored_columns: list[str] = []
    warnings: list[str] = []


@dataclass
class Line:
    row: int
    data: dict[str, Any]
    key: tuple


@dataclass
class NormDraft:
    code: str
    first_row: int
    fields: dict[str, Any]
    lines: list[Line] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    bad_rows: list[int] = field(default_factory=list)


@dataclass
class PackContext:
    """What the import checks rows against: the pack set's units, sources, salary scales,
    the national entries it may not exceed, and codes other files of the pack define."""

    root: Path
    pack_id: str
    vocab: Vocabulary
    sources: set[str]
    scales: dict[str, int] | None  # scale -> number of steps
    national: dict[str, Any]  # code -> compiled norm of an extended pack
    elsewhere: dict[str, str]  # code -> location in another file of this pack
    code_re: re.Pattern[str]


def pack_context(pack_dir: Path, target: Path, code_pattern: str | None = None, use_cache: bool = True) -> PackContext:
    rules = load(pack_dir, use_cache=use_cache)
    c = rules.compiled
    root_id = c.packs[-1].id
    sources = {k.split(":", 1)[1] for k in c.sources if ":@" not in k}
    scales: dict[str, int] | None = None
    table = c.tables.get(SCALE_TABLE)
    if table is not None:
        scales = {}
        for layer in table.layers:
            for version in layer:
                for key in version.rows:
                    if len(key) == 2 and isinstance(key[0], str):
                        scales[key[0]] = max(scales.get(key[0], 0), int(key[1]))
    national: dict[str, Any] = {}
    media = media_part(c)
    for code, norm in media.norms.items():
        if norm.pack != root_id:
            national[code] = norm
        elif code in media.replaced_norms:
            national[code] = media.replaced_norms[code]
    elsewhere: dict[str, str] = {}
    for code, norm in media.norms.items():
        if norm.pack == root_id:
            file = norm.location.file
            if file is None or Path(file).resolve() != target.resolve():
                elsewhere[code] = str(norm.location)
    pattern = code_pattern or DEFAULT_CODE_PATTERN
    try:
        code_re = re.compile(pattern)
    except re.error as exc:
        raise NormkitError("NK801", f"the code pattern {pattern!r} is not a valid regular expression: {exc}") from None
    return PackContext(pack_dir, root_id, Vocabulary(c.units), sources, scales, national, elsewhere, code_re)


# ---- cells ------------------------------------------------------------------------------

def text_of(v: Any) -> str:
    """A cell as text, by the one input layer (``1e16`` -> ``"10000000000000000"``)."""
    return read_text(v)


def decimal_of(v: Any) -> Decimal:
    """A cell as an exact decimal: ``"0,04"`` and ``"0.04"`` alike. Spreadsheet numbers
    arrive as floats; their shortest repr is the decimal the user typed (0.04, not
    0.0400000000000000008)."""
    if isinstance(v, DateCell):
        raise ValueError("not a number")
    d: Decimal = read_cell(v)  # the one scalar reader: the same shapes as budgets and every other input
    return d


def number_text(d: Decimal) -> str:
    """``Decimal('3.10')`` -> ``'3.1'``; ``Decimal('100')`` -> ``'100'`` (one spelling per value)."""
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def resource_id(title: str, grade: str | None = None) -> str:
    """``"Biên dịch viên hạng III"`` -> ``"bien_dich_vien_III"``; the grade stays upper case."""
    m = _GRADE_IN_TITLE.match(title.strip())
    base, g = (m.group("base"), m.group("grade").upper()) if m else (title, grade)
    slug = re.sub(r"[^a-z0-9]+", "_", fold(base).lower()).strip("_")
    if g:
        slug = f"{slug}_{re.sub(r'[^A-Za-z0-9]+', '_', fold(g)).strip('_')}" if slug else re.sub(r"[^A-Za-z0-9]+", "_", fold(g))
    if not slug or slug[0].isdigit():
        slug = "r_" + slug
    return slug


def unit_of(text: str, component: str | None, vocab: Vocabulary) -> dict[str, int]:
    raw = text.strip()
    low = raw.lower()
    if low in ("ngày công", "ngay cong", "công", "cong"):
        return {"workday": 1}
    if low in ("giờ máy", "gio may"):
        return {"machine_hour": 1}
    candidates = [raw, low, raw.replace(" ", "_"), low.replace(" ", "_")]
    for cand in candidates:
        canon = vocab.canonical(cand)
        if canon:
            powers = {canon: 1}
            break
    else:
        powers = parse_unit_expr(raw, vocab)
    if component == "equipment" and powers == {"hour": 1}:
        return {"machine_hour": 1}  # the tables' "giờ" for equipment is machine time
    return powers


def unit_label(name: str, component: str, vocab: Vocabulary) -> str:
    """How export writes a unit: công, giờ, or a material's Vietnamese alias (ram, hộp)."""
    if component == "labour" and name == "workday":
        return "công"
    if component == "equipment" and name == "machine_hour":
        return "giờ"
    if vocab.canonical(name) == name:
        u = vocab.get(name)
        for a in u.aliases:
            if vocab.canonical(a) == name:
                return a
    return name


# ---- rows -> norms ------------------------------------------------------------------------

class Converter:
    def __init__(self, table: RawTable, ctx: PackContext, source: str | None) -> None:
        self.t, self.ctx, self.default_source = table, ctx, source
        self.rejects: list[Reject] = []
        self.norms: dict[str, NormDraft] = {}
        self.titles: dict[str, tuple[str, int]] = {}  # resource id -> (title, row)
        self.heading_rows: dict[int, str] = {}  # row -> code, rows holding only a code/name

    def reject(self, row: int, column: str, reason: str, value: Any = "") -> None:
        header = self.t.header_of(column) if column in self.t.columns else column
        self.rejects.append(Reject(row=row, column=header, reason=reason, value=text_of(value)))

    def run(self) -> None:
        t = self.t
        norm_fields: dict[str, str] = {}
        component: str | None = None
        for n, cells in t.rows:
            get = functools.partial(t.cell, cells)
            line_blank = all(is_blank(get(f)) for f in ("title", "unit", "value", "grade", "step", "scale"))
            code_text = text_of(get("code"))
            if code_text:
                if code_text != norm_fields.get("code"):
                    component = None
                norm_fields = {f: text_of(get(f)) for f in NORM_FIELDS}
            elif not norm_fields:
                self.reject(n, "code", "the row has no code and no earlier row gives one")
                continue
            comp_text = text_of(get("component"))
            if comp_text:
                comp = COMPONENTS.get(" ".join(re.sub(r"[^a-z]+", " ", fold(comp_text).lower()).split()))
                if comp is None:
                    self.reject(n, "component", "unknown component: write labour/nhân công, equipment/máy (thiết bị) or material/vật liệu", comp_text)
                    self._norm(norm_fields, n).bad_rows.append(n)
                    continue
                component = comp
            if line_blank:
                # a heading row: a norm's code and name, or a component heading (Nhân công)
                self.heading_rows[n] = norm_fields["code"]
                self._norm(norm_fields, n).rows.append(n)
                continue
            self.row(n, cells, norm_fields, component)

    def _norm(self, fields: dict[str, str], row: int) -> NormDraft:
        code = fields["code"]
        draft = self.norms.get(code)
        if draft is None:
            draft = NormDraft(code, row, {})
            self.norms[code] = draft
            self.check_norm(draft, fields, row)
        else:
            for f in ("name", "name_en", "duration", "notes", "source"):
                given, first = fields.get(f, ""), draft.fields.get(f + "_text", "")
                if given and given != first:
                    self.reject(row, f, f"differs from row {draft.first_row} ({first!r}) for the same code {code}", given)
                    draft.bad_rows.append(row)
        return draft

    def check_norm(self, draft: NormDraft, fields: dict[str, str], row: int) -> None:
        ctx, code = self.ctx, draft.code
        bad = False
        if not ctx.code_re.fullmatch(code) or not _CODE_SYNTAX.fullmatch(code):
            self.reject(row, "code", f"code {code!r} does not have the form {'NN.NN.NN.NN.NN (five dotted groups of 2 digits)' if ctx.code_re.pattern == DEFAULT_CODE_PATTERN else ctx.code_re.pattern}", code)
            bad = True
        elif code in ctx.elsewhere:
            self.reject(row, "code", f"norm {code} is already defined in another file of the pack ({ctx.elsewhere[code]})", code)
            bad = True
        for f in ("name", "name_en", "duration", "notes", "source"):
            draft.fields[f + "_text"] = fields.get(f, "")
        if not fields.get("name"):
            self.reject(row, "name", f"norm {code} has no name")
            bad = True
        duration = fields.get("duration", "")
        if duration:
            try:
                value, unit = _split_quantity(duration)
                powers = unit_of(unit, None, ctx.vocab)
                if set(powers) - {"second", "minute", "hour"} or sum(powers.values()) != 1:
                    raise ValueError
                draft.fields["duration"] = f"{number_text(value)} {format_powers(powers)}"
            except (ValueError, NormkitError):
                self.reject(row, "duration", "duration must be a time, e.g. 10 phút or 10 minute", duration)
                bad = True
        source = fields.get("source") or self.default_source
        if source:
            if not _SOURCE_ID.match(source) or source not in ctx.sources:
                known = ", ".join(sorted(ctx.sources)[:8])
                self.reject(row, "source" if fields.get("source") else "--source",
                            f"unknown source {source!r}: declare it under `sources:` in the pack (known: {known})", source)
                bad = True
            draft.fields["source"] = source
        notes = [t.strip() for t in fields.get("notes", "").split("\n") if t.strip()]
        draft.fields["notes"] = notes
        if bad:
            draft.bad_rows.append(row)

    def row(self, n: int, cells: list[Any], norm_fields: dict[str, str], component: str | None) -> None:
        t, ctx = self.t, self.ctx
        get = lambda name: t.cell(cells, name)  # noqa: E731
        draft = self._norm(norm_fields, n)
        draft.rows.append(n)
        before = len(self.rejects)
        if component is None:
            self.reject(n, "component", "the row has no component (labour/nhân công, equipment/máy, material/vật liệu)")
        title = text_of(get("title"))
        if not title:
            self.reject(n, "title", "the line has no title (chức danh / resource label)")
        title_en = text_of(get("title_en"))
        grade = text_of(get("grade")) or None
        m = _GRADE_IN_TITLE.match(title)
        if m:
            in_title = m.group("grade").upper()
            if grade and grade.upper() != in_title:
                self.reject(n, "grade", f"grade {grade!r} differs from the title's hạng {in_title}", grade)
            grade = in_title
        step = steps = None
        step_cell = get("step")
        if isinstance(step_cell, DateCell):
            self.reject(n, "step", "the step was read as a date (a spreadsheet turns 3/9 into 9 March): format the column as text", step_cell)
        elif not is_blank(step_cell):
            try:
                step, steps = _step(step_cell)
            except ValueError as exc:
                self.reject(n, "step", str(exc), step_cell)
        scale = text_of(get("scale")) or None
        verified, why = self.flags(n, get("verified"), text_of(get("why")) or None)
        # unit and value
        powers: dict[str, int] | None = None
        unit_cell = text_of(get("unit"))
        if not unit_cell:
            self.reject(n, "unit", "the line has no unit")
        else:
            try:
                powers = unit_of(unit_cell, component, ctx.vocab)
            except NormkitError:
                known = ", ".join(sorted(u.name for u in ctx.vocab.units))
                self.reject(n, "unit", f"unknown unit {unit_cell!r}; known: {known} (a pack may add units under `units:`)", unit_cell)
        if powers is not None and component:
            want = COMPONENT_UNIT.get(component)
            if want and powers != {want: 1}:
                label = "công (workday)" if want == "workday" else "giờ (machine_hour)"
                self.reject(n, "unit", f"a {component} line is measured in {label}, not {unit_cell!r}", unit_cell)
                powers = None
            elif not want and set(powers) & {"workday", "machine_hour", "VND"}:
                self.reject(n, "unit", f"a material line cannot be measured in {unit_cell!r}", unit_cell)
                powers = None
        value_cell = get("value")
        value: Decimal | None = None
        if is_blank(value_cell):
            self.reject(n, "value", "the line has no value")
        else:
            try:
                value = decimal_of(value_cell)
                if value < 0:
                    self.reject(n, "value", "a norm value cannot be negative", value_cell)
                    value = None
            except (ValueError, InvalidOperation) as exc:
                why = "" if "cannot read" in str(exc) or "is not a number" in str(exc) else f": {exc}"  # ambiguous, exponent, beyond a float's range
                self.reject(n, "value", f"not a number (write e.g. 0,04 or 0.04){why}", value_cell)
        if component and component != "labour":
            for f, v in (("grade", get("grade")), ("step", step_cell), ("scale", scale)):
                if not is_blank(v):
                    self.reject(n, f, f"{f} applies to labour lines only", v)
        if component == "labour" and ctx.scales is not None and len(self.rejects) == before:
            scale, verified, why = self.labour_scale(n, scale, step, steps, step_cell, verified, why)
        if len(self.rejects) != before or component is None or powers is None or value is None:
            draft.bad_rows.append(n)
            return
        resource = resource_id(title, grade if component == "labour" else None)
        seen = self.titles.get(resource)
        if seen is not None and seen[0] != title:
            self.reject(n, "title", f"title {title!r} gives the resource id {resource!r}, as does {seen[0]!r} (row {seen[1]}); rename one", title)
            draft.bad_rows.append(n)
            return
        self.titles.setdefault(resource, (title, n))
        data: dict[str, Any] = {"component": component, "resource": resource, "label": {"vi": title, "en": title_en},
                                "quantity": f"{number_text(value)} {format_powers(powers)}"}
        for k, v in (("grade", grade if component == "labour" else None), ("scale", scale), ("step", step), ("steps", steps),
                     ("verified", verified), ("why", why)):
            if v is not None:
                data[k] = v
        key = (component, resource, scale, step)
        dup = next((ln for ln in draft.lines if ln.key == key), None)
        if dup is not None:
            self.reject(n, "title", f"the same line ({component} {resource}" + (f" {scale} bậc {step}" if step else "") + f") is already on row {dup.row}", title)
            draft.bad_rows.append(n)
            return
        draft.lines.append(Line(n, data, key))
        self.ceiling(draft, n, key, value, powers, title)

    def flags(self, n: int, cell: Any, why: str | None) -> tuple[bool | None, str | None]:
        if is_blank(cell):
            return None, why
        word = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text_of(cell)).lower()).split())
        if word in TRUE:
            return True, why
        if word in FALSE:
            return False, why
        self.reject(n, "verified", "write true/false (có/không) or leave it empty", cell)
        return None, why

    def labour_scale(self, n: int, scale: str | None, step: int | None, steps: int | None, step_cell: Any,
                     verified: bool | None, why: str | None) -> tuple[str | None, bool | None, str | None]:
        scales = self.ctx.scales or {}
        if scale is not None:
            if scale not in scales:
                self.reject(n, "scale", f"unknown salary scale {scale!r}; known: {', '.join(sorted(scales))}", scale)
            elif steps is not None and scales[scale] != steps:
                self.reject(n, "step", f"scale {scale} has {scales[scale]} steps, the row says {steps}", step_cell)
            elif step is not None and step > scales[scale]:
                self.reject(n, "step", f"scale {scale} has {scales[scale]} steps; step {step} does not exist", step_cell)
            return scale, verified, why
        if step is None:
            self.reject(n, "step", "a labour line needs its salary step, e.g. 3/9 (bậc 3 of 9)")
            return None, verified, why
        if steps is None:
            self.reject(n, "scale", f"write the step as x/y (e.g. {step}/9) or give the scale (ngạch, e.g. A1)")
            return None, verified, why
        fits = sorted(s for s, k in scales.items() if k == steps)
        if len(fits) != 1:
            self.reject(n, "scale", (f"{steps} steps fit the scales {', '.join(fits)}: give the scale (ngạch)" if fits else
                                     f"no salary scale has {steps} steps; give the scale (ngạch)"), step_cell)
            return None, verified, why
        note = f"scale {fits[0]} inferred from the {steps}-step notation '{step}/{steps}'"
        return fits[0], False, (f"{why}; {note}" if why else note[0].upper() + note[1:] + ".")

    def ceiling(self, draft: NormDraft, n: int, key: tuple, value: Decimal, powers: dict[str, int], title: str) -> None:
        national = self.ctx.national.get(draft.code)
        if national is None:
            return
        limit = sum((ln.quantity for ln in national.lines if (ln.component, ln.resource, ln.scale, ln.step) == key), Decimal(0))
        exists = any((ln.component, ln.resource, ln.scale, ln.step) == key for ln in national.lines)
        used = sum((Decimal(ln.data["quantity"].split()[0]) for ln in draft.lines if ln.key == key), Decimal(0))
        if not exists:
            self.reject(n, "title", f"this {key[0]} line ({key[1]}) is not in the national entry {draft.code} of pack {national.pack}; a provincial norm may only keep or lower national lines", title)
        elif used > limit:
            self.reject(n, "value", f"{number_text(used)} is above the national maximum {number_text(limit)} for this line ({national.pack} {draft.code})", value)
        else:
            return
        draft.lines.pop()
        draft.bad_rows.append(n)

    def outcome(self) -> tuple[list[NormDraft], list[Reject]]:
        good: list[NormDraft] = []
        extra: list[Reject] = []
        for draft in self.norms.values():
            if not draft.lines and not draft.bad_rows:
                for r in draft.rows:
                    extra.append(Reject(row=r, column=self.t.header_of("code"), reason=f"norm {draft.code} has no lines", value=draft.code))
                draft.bad_rows.extend(draft.rows)
                continue
            if draft.bad_rows:
                first = min(draft.bad_rows)
                bad = set(draft.bad_rows)
                for r in draft.rows:
                    if r not in bad:
                        extra.append(Reject(row=r, column=self.t.header_of("code"), value=draft.code,
                                            reason=f"left out: norm {draft.code} has a rejected row ({first}), so none of its rows is imported"))
                continue
            good.append(draft)
        return good, sorted(self.rejects + extra, key=lambda r: r.row)


def _split_quantity(text: str) -> tuple[Decimal, str]:
    m = re.match(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(.+?)\s*$", text)
    if not m:
        raise ValueError(text)
    return Decimal(m.group(1).replace(",", ".")), m.group(2)


def _step(cell: Any) -> tuple[int, int | None]:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if float(cell).is_integer() and cell >= 1:
            return int(cell), None
        raise ValueError("a step is a whole number, or x/y such as 3/9")
    text = fold(str(cell)).lower().replace("bac", "").strip()
    m = re.fullmatch(r"(\d{1,2})\s*(?:/\s*(\d{1,2}))?", text)
    if not m:
        raise ValueError("write the step as x/y, e.g. 3/9 (bậc 3 of 9 steps)")
    step, steps = int(m.group(1)), (int(m.group(2)) if m.group(2) else None)
    if step < 1 or (steps is not None and not step <= steps):
        raise ValueError(f"step {step} is outside 1…{steps if steps else '…'}")
    return step, steps


# ---- writing the pack file ------------------------------------------------------------------

def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def norms_yaml(norms: list[NormDraft], table_name: str) -> str:
    out = [(f"# Imported by `normkit import-norms` from {table_name}: {len(norms)} norm(s),"
           f" {sum(len(n.lines) for n in norms)} line(s)."),
           "# Change the table and import it again rather than editing this file by hand.",
           "norms:"]
    for n in norms:
        f = n.fields
        out.append(f"  {_q(n.code)}:")
        out.append(f"    name: {{vi: {_q(f['name_text'])}, en: {_q(f['name_en_text'])}}}")
        if f.get("duration"):
            out.append(f"    duration: {_q(f['duration'])}")
        if f.get("source"):
            out.append(f"    source: {_q(f['source'])}")
        if f.get("notes"):
            out.append("    notes:")
            out.extend(f"      - {_q(t)}" for t in f["notes"])
        out.append("    lines:")
        for ln in n.lines:
            d = ln.data
            out.append(f"      - component: {d['component']}")
            out.append(f"        resource: {d['resource']}")
            out.append(f"        label: {{vi: {_q(d['label']['vi'])}, en: {_q(d['label']['en'])}}}")
            out.append(f"        quantity: {_q(d['quantity'])}")
            for k in ("grade", "scale"):
                if k in d:
                    out.append(f"        {k}: {_q(d[k])}")
            for k in ("step", "steps"):
                if k in d:
                    out.append(f"        {k}: {d[k]}")
            if "verified" in d:
                out.append(f"        verified: {'true' if d['verified'] else 'false'}")
            if "why" in d:
                out.append(f"        why: {_q(d['why'])}")
    return "\n".join(out) + "\n"


def _check_target(target: Path) -> bytes | None:
    if not target.exists():
        return None
    old = target.read_bytes()
    # top-level keys only (a full parse of a large norms file costs seconds); the pack
    # build after writing reads it properly
    keys = set(re.findall(r"^([^\s#\-][^:\n]*):", old.decode("utf-8", "replace"), re.MULTILINE))
    if keys - {"norms"}:
        raise NormkitError("NK805", f"{target.name} holds more than a `norms:` section; import-norms will not overwrite it",
                           location=Location(str(target)), hint="choose another file with --file, e.g. --file norms-imported.yaml")
    return old


def import_norms(table: str | Path, pack_dir: str | Path, *, source: str | None = None, sheet: str | None = None,
                 keep_going: bool = False, file: str = "norms.yaml", rejects_file: str | Path | None = None,
                 code_pattern: str | None = None, use_cache: bool = True) -> ImportReport:
    """Import the norm table ``table`` into the pack folder ``pack_dir`` (see the module doc).

    Returns the report; the caller decides the exit status (1 when ``report.rejected``).
    """
    root = Path(pack_dir).resolve() if isinstance(pack_dir, Path) else find_pack(pack_dir)  # a bare id is never a CWD folder
    if not re.fullmatch(r"[\w.-]+\.ya?ml", file) or file in ("pack.yaml", "pack.yml"):
        raise NormkitError("NK805", f"--file must be a YAML file name inside the pack other than pack.yaml, got {file!r}")
    target = root / file
    old = _check_target(target)
    raw = read_table(table, sheet)
    ctx = pack_context(root, target, code_pattern, use_cache)
    conv = Converter(raw, ctx, source)
    conv.run()
    good, rejects = conv.outcome()
    rows_in = len(raw.rows)
    rejected_rows = len({r.row for r in rejects})
    report = ImportReport(
        table=str(table), sheet=raw.sheet, pack=str(root), file=str(target), rows_in=rows_in,
        imported=rows_in - rejected_rows, rejected=rejected_rows, norms=[n.code for n in good],
        lines=sum(len(n.lines) for n in good), rejects=rejects, written=False, blank_rows=raw.blank_rows,
        comment_rows=raw.comment_rows, ignored_columns=raw.ignored,
        warnings=[f"column {h!r} is not a norm-table column and was not read" for h in raw.ignored]
        + [f"norm {n.code} names no source: it counts as unverified (pass --source ID)" for n in good if not n.fields.get("source")])
    if not rows_in:
        raise NormkitError("NK801", "the table has a header but no rows", location=Location(str(table), raw.header_row))
    if rejects and keep_going:
        out = Path(rejects_file) if rejects_file else Path(table).with_suffix(".rejects.csv")
        by_row = dict(raw.rows)
        headers = ["row", "column", "reason"] + list(raw.headers)
        rows = [[r.row, r.column, r.reason] + [text_of(c) for c in by_row.get(r.row, [])] for r in rejects]
        write_table(out, headers, rows)
        report = report.model_copy(update={"rejects_file": str(out)})
    if rejects and not keep_going:
        return report
    if not good:
        return report
    text = norms_yaml(good, Path(table).name)
    atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    try:
        _lint(root)
    except NormkitError as e:
        if old is None:
            target.unlink()
        else:
            atomic_write(target, lambda tmp: tmp.write_bytes(old))
        errs = getattr(e, "errors", [e])
        raise NormkitError("NK803", f"the imported norms fail the pack check, so nothing was written: {errs[0]}",
                           location=errs[0].location, details={"errors": [x.to_dict() for x in errs]}) from None
    return report.model_copy(update={"written": True})


def _lint(root: Path) -> None:
    from normkit.core.compiler import build
    from normkit.media.ceilings import ceiling_findings

    problems = ceiling_findings(build(root))
    if problems:
        raise NormkitErrors(problems)


# ---- export -----------------------------------------------------------------------------------

class ExportReport(BaseModel):
    pack: str
    out: str
    norms: list[str]
    rows: int
    warnings: list[str] = []


def export_norms(pack: str | Path, out: str | Path, *, use_cache: bool = True) -> ExportReport:
    """Write the norms a pack defines itself (not those it extends) as a norm table."""
    root = Path(pack).resolve() if isinstance(pack, Path) else find_pack(pack)  # a bare id is never a CWD folder
    if Path(out).suffix.lower() not in (".csv", ".xlsx"):
        raise NormkitError("NK804", f"cannot write {Path(out).name}: the table must end in .csv or .xlsx", location=Location(str(out)))
    vocab = Vocabulary(load(root, use_cache=use_cache).compiled.units)
    src = read_pack(root)
    fields = list(EXPORT_HEADERS)
    rows: list[list[Any]] = []
    warnings: list[str] = []
    codes: list[str] = []
    for code, d in src.sections["norms"].items():
        norm = d.model
        codes.append(code)
        if norm.source is not None and not isinstance(norm.source, str):
            raise NormkitError("NK804", f"norm {code} writes its source inline; the table needs a source id", location=d.location,
                               hint="declare the source under `sources:` and name it by id")
        for what, present in (("valid", norm.valid), ("verified", norm.verified is not None), ("why", norm.why),
                              ("output_unit", norm.output_unit != "item")):
            if present:
                warnings.append(f"norm {code}: `{what}` has no column in the table and is not exported")
        for i, line in enumerate(norm.lines):
            loc = d.smap.locate(d.path + ("lines", i, "quantity"))
            if isinstance(line.quantity, Decimal):
                value, powers = line.quantity, parse_unit_expr(line.unit or "1", vocab, loc)
            else:
                q = read_quantity(line.quantity, vocab, convention="en", exponent=True, location=loc)
                value, powers = q.value, q.powers
            unit = format_powers(powers)
            cells = {
                "code": code, "name": norm.name.vi, "name_en": norm.name.en,
                "duration": _duration_text(norm.duration, vocab) if norm.duration else "",
                "component": line.component, "title": line.label.vi, "title_en": line.label.en,
                "grade": line.grade or "", "step": (f"{line.step}/{line.steps}" if line.steps else str(line.step)) if line.step is not None else "",
                "scale": line.scale or "", "unit": unit_label(unit, line.component, vocab), "value": Decimal(number_text(value)),
                "source": norm.source or "", "verified": "" if line.verified is None else ("true" if line.verified else "false"),
                "why": line.why or "", "notes": "\n".join(norm.notes),
            }
            if resource_id(line.label.vi, line.grade if line.component == "labour" else None) != line.resource:
                warnings.append(f"norm {code} line {i + 1}: resource {line.resource!r} is not the id its title gives "
                                f"({resource_id(line.label.vi, line.grade)!r}); an import would rename it")
            rows.append([cells[f] for f in fields])
    if not rows:
        raise NormkitError("NK804", f"pack {src.id} defines no norms of its own", location=Location(str(root)))
    write_table(out, [EXPORT_HEADERS[f] for f in fields], rows, text_columns=[fields.index("step"), fields.index("code")])
    return ExportReport(pack=str(root), out=str(out), norms=codes, rows=len(rows), warnings=warnings)


def _duration_text(text: str, vocab: Vocabulary) -> str:
    q = read_quantity(text, vocab, convention="en", exponent=True)
    value, powers = q.value, q.powers
    return f"{number_text(value)} {format_powers(powers)}"
