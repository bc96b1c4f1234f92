"""Build a pack set: resolve ``extends``, then check names, units, dates and references,
and compile everything into a :class:`~normkit.core.compiled.CompiledSet`. Sections a domain
adds (media's norms and pricing) are compiled by the domain's own step, called here through
the extension points of :mod:`normkit.core.extensions`; the result is ``CompiledSet.domains``.

This is the only stage that imports pint. All errors found are reported together.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from normkit.core.compiled import (
    AdjustmentC,
    CompiledSet,
    Dated,
    ExceptionC,
    FormulaC,
    InputC,
    PackInfo,
    Param,
    Row,
    TableC,
    TableVersionC,
)
from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.extensions import registered
from normkit.core.io.text import read_quantity
from normkit.core.io.yaml import SourceMap
from normkit.core.lang import ir
from normkit.core.lang.syntax import Expression, parse
from normkit.core.lang.typecheck import (
    BOOL,
    STR,
    FormulaSig,
    Powers,
    Scope,
    Symbol,
    TableSig,
    Type,
    UnitAlgebra,
    check_expression,
    num,
    powers_of,
)
from normkit.core.loader import Defined, PackSource, read_pack
from normkit.core.registry import find_pack, is_bare_id
from normkit.core.schema import (
    Adjustment,
    DatedValue,
    Formula,
    InputSpec,
    Money,
    Parameter,
    ParameterValues,
    Source,
    Table,
    TableRows,
    TableVersion,
)
from normkit.core.units import VOCABULARY, UnitDef, UnitTable, Vocabulary, build_unit_table, format_powers, parse_unit_def, pint_registry
from normkit.version import __version__

MISSING: Powers = (("__missing__", 1),)  # the unit of a per-row table's row the rate card does not have yet


def resolve(root: str | Path, extra: Iterable[str] = ()) -> list[PackSource]:
    """The packs of a set, base first: ``root`` and everything it extends, transitively.

    ``root`` and ``extra`` given as text follow :func:`~normkit.core.registry.find_pack` (a bare
    id on the search path, else a folder relative to the working directory); each pack records
    the folder every ``extends`` entry resolved to, so the cache can check it again."""
    order: list[PackSource] = []
    done: dict[Path, PackSource] = {}
    stack: list[Path] = []

    def visit(path: Path, via: Location | None) -> None:
        path = path.resolve()
        if path in done:
            return
        if path in stack:
            chain = " -> ".join(p.name for p in stack[stack.index(path):] + [path])
            raise NormkitError("NK206", f"packs extend each other in a loop: {chain}", location=via)
        stack.append(path)
        pack = read_pack(path)
        for i, ref in enumerate(pack.manifest.extends):
            loc = pack.manifest_map.locate(("extends", i)) if pack.manifest_map else Location(str(path / "pack.yaml"), path=f"extends[{i}]")
            target = find_pack(ref, path, loc)  # a bare id on the search path, a path relative to this pack
            pack.extends_resolved.append(target)
            visit(target, loc)
            if is_bare_id(ref) and done[target].id != ref:  # an id names the pack with that id, nothing else
                raise NormkitError("NK205", f"pack {ref!r} not found: the folder {target} holds pack {done[target].id!r}", location=loc,
                                   hint=f"rename the folder to {done[target].id}, or write its path (./…) instead of an id")
        stack.pop()
        done[path] = pack
        order.append(pack)

    for ref in extra:
        visit(find_pack(ref), None)
    visit(Path(root) if isinstance(root, Path) else find_pack(root), None)
    ids: dict[str, Path] = {}
    for p in order:
        if p.id in ids and ids[p.id] != p.root.resolve():
            raise NormkitError("NK203", f"two packs have the id {p.id!r}: {ids[p.id]} and {p.root}", location=p.manifest_location)
        ids[p.id] = p.root.resolve()
    return order


def build(root: str | Path, extra: Iterable[str] = ()) -> CompiledSet:
    return Builder(resolve(root, extra)).run()


class Builder:
    def __init__(self, packs: list[PackSource]) -> None:
        self.packs = packs
        self.errors = ErrorCollector()
        self.sources: dict[str, Source] = {}
        self.params: dict[str, Param] = {}
        self.tables: dict[str, TableC] = {}
        self.formulas: dict[str, FormulaC] = {}
        self.adjustments: dict[str, AdjustmentC] = {}
        self.inputs: dict[str, InputC] = {}
        self._inline = 0

    # ---- helpers ------------------------------------------------------------------------
    def attempt(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except NormkitError as e:
            self.errors.add(e)
            return None

    def visible(self, pack: PackSource) -> list[PackSource]:
        """``pack`` and the packs it extends, nearest first."""
        seen: list[PackSource] = []
        by_root = {p.root.resolve(): p for p in self.packs}

        def walk(p: PackSource) -> None:
            if p in seen:
                return
            seen.append(p)
            for target in p.extends_resolved:
                if target in by_root:
                    walk(by_root[target])

        walk(pack)
        return seen

    def source_key(self, pack: PackSource, ref: Any, loc: Location) -> str | None:
        if ref is None:
            return None
        if isinstance(ref, Source):
            self._inline += 1
            key = f"{pack.id}:@{self._inline}"
            self.sources[key] = ref
            return key
        for p in self.visible(pack):
            key = f"{p.id}:{ref}"
            if key in self.sources:
                return key
        raise NormkitError("NK202", f"unknown source {ref!r}", location=loc, hint="declare it under `sources:` in this pack or a pack it extends")

    def verified(self, explicit: bool | None, source: str | None) -> bool:
        if explicit is not None:
            return explicit
        return self.sources[source].verified if source else False

    def unit(self, text: str, loc: Location) -> Powers:
        return self.algebra.parse(text, loc)

    def expression(self, text: str, smap: SourceMap, path: tuple[str | int, ...]) -> Expression:
        return parse(text, self.is_unit, smap.locate(path, 0))

    def check(self, expr: Expression, scope: Scope, want: Type | None = None) -> tuple[Type, Any]:
        return check_expression(expr, scope, self.algebra, want)

    # ---- the passes ---------------------------------------------------------------------
    def run(self) -> CompiledSet:
        """The passes, in order; each reports every error it finds before the next one runs."""
        table = self.check_units()
        self.check_values()
        self.errors.raise_if_any()
        self.check_formulas()
        domains = self.run_domains()
        money, money_pack = Money(), "normkit"
        for pack in self.packs:
            if pack.manifest.money is not None:
                money, money_pack = pack.manifest.money, pack.id
        return CompiledSet(
            normkit_version=__version__,
            packs=[self.pack_info(p) for p in self.packs],
            units=self.vocab.units,
            unit_base=table.base,
            money=money,
            money_pack=money_pack,
            sources=self.sources,
            params=self.params,
            tables=self.tables,
            formulas=self.formulas,
            adjustments=self.adjustments,
            inputs=self.inputs,
            domains=domains,
        )

    def check_units(self) -> UnitTable:
        """The unit vocabulary (normkit's and the packs' own units) and its exact conversion table."""
        self.vocab = self.build_vocabulary()
        self.errors.raise_if_any()
        try:
            reg = pint_registry(self.vocab)
            self.algebra = UnitAlgebra(self.vocab, reg)
            table = build_unit_table(self.vocab, reg)
        except NormkitError:
            raise
        except Exception as exc:  # pint's own errors on a bad unit definition
            raise NormkitError("NK310", f"a unit definition is invalid: {exc}") from None
        self.is_unit = lambda name: self.vocab.canonical(name) is not None
        return table

    def check_values(self) -> None:
        """Sources, inputs, parameters and tables of every pack."""
        for pack in self.packs:
            for name, d in pack.sections["sources"].items():
                self.sources[f"{pack.id}:{name}"] = d.model
        for pack in self.packs:
            for ref in pack.manifest.legal_basis:
                self.attempt(self.source_key, pack, ref, pack.manifest_location or Location(str(pack.root)))
        for pack in self.packs:
            for name, d in pack.sections["inputs"].items():
                self.attempt(self.add_input, pack, name, d)
        for pack in self.packs:
            for name, d in pack.sections["parameters"].items():
                self.attempt(self.add_parameter, pack, name, d)
        for pack in self.packs:
            for name, d in pack.sections["tables"].items():
                self.attempt(self.add_table, pack, name, d)
        self.check_clashes()

    def check_formulas(self) -> None:
        """Formulas and adjustments: every signature first, then the bodies, then cycles."""
        self.formula_defs: dict[str, tuple[PackSource, Defined]] = {}
        for pack in self.packs:
            for section in ("formulas", "adjustments"):
                for name, d in pack.sections[section].items():
                    if name in self.formula_defs or name in self.params or name in self.tables or name in self.inputs:
                        self.errors.add(NormkitError("NK203", f"{name!r} is defined twice in this pack set", location=d.location))
                        continue
                    self.formula_defs[name] = (pack, d)
        self.errors.raise_if_any()
        self.signatures: dict[str, tuple[list[tuple[str, Type]], Type]] = {}
        for name, (_pack, d) in self.formula_defs.items():
            self.attempt(self.declare, name, d)
        self.errors.raise_if_any()
        for name, (pack, d) in self.formula_defs.items():
            if isinstance(d.model, Formula):
                self.attempt(self.add_formula, pack, name, d)
            else:
                self.attempt(self.add_adjustment, pack, name, d)
        self.errors.raise_if_any()
        self.attempt(self.check_cycles)
        self.errors.raise_if_any()
        self.mark_item_dependent()
        self.errors.raise_if_any()

    def run_domains(self) -> dict[str, object]:
        """Each registered domain's compile step, in registration order: its compiled part."""
        parts: dict[str, object] = {}
        for domain in registered():
            if domain.compile is not None:
                part = self.attempt(domain.compile, self)
                if part is not None:
                    parts[domain.name] = part
            self.errors.raise_if_any()
        return parts

    def pack_info(self, p: PackSource) -> PackInfo:
        m = p.manifest
        valid_loc = p.manifest_map.locate(("valid",)) if p.manifest_map else None
        return PackInfo(m.id, m.version, p.content_hash, m.title, str(p.root), m.jurisdiction, m.valid.from_, m.valid.to,
                        m.status, [f"{m.id}:{s}" for s in m.legal_basis], list(m.extends), m.description, valid_loc,
                        files=list(m.files) if m.files is not None else None,
                        extends_resolved=[str(t) for t in p.extends_resolved])

    def build_vocabulary(self) -> Vocabulary:
        vocab = Vocabulary(VOCABULARY)
        extra: list[UnitDef] = []
        for pack in self.packs:
            for name, d in pack.sections["units"].items():
                spec = d.model.model_dump(exclude_none=True)
                try:
                    u = parse_unit_def(name, spec, d.location)
                except NormkitError as e:
                    self.errors.add(e)
                    continue
                clash = [a for a in (u.name, *u.aliases) if vocab.canonical(a) or any(a == x.name or a in x.aliases for x in extra)]
                if clash:
                    self.errors.add(NormkitError("NK203", f"unit {clash[0]!r} already exists", location=d.location))
                    continue
                extra.append(u)
        return vocab.extend(extra)

    def check_clashes(self) -> None:
        for name in list(self.params) + list(self.tables) + list(self.inputs):
            if self.vocab.canonical(name):
                self.errors.add(NormkitError("NK203", f"{name!r} is the name of a unit; choose another name", location=self._where(name)))
        kinds = [set(self.params), set(self.tables), set(self.inputs)]
        for i in range(3):
            for j in range(i + 1, 3):
                for name in kinds[i] & kinds[j]:
                    self.errors.add(NormkitError("NK203", f"{name!r} is defined twice in this pack set", location=self._where(name)))

    def _where(self, name: str) -> Location:
        for coll in (self.params, self.tables, self.inputs):
            if name in coll:
                return coll[name].location
        return Location()

    # ---- inputs and parameters -----------------------------------------------------------
    def value_type(self, kind: str, powers: Powers) -> Type:
        return {"number": num(powers), "bool": BOOL, "text": STR}[kind]

    def add_input(self, pack: PackSource, name: str, d: Defined) -> None:
        m: InputSpec = d.model
        if name in self.inputs:
            raise NormkitError("NK203", f"input {name!r} is already declared by pack {self.inputs[name].pack}", location=d.location)
        powers = self.unit(m.unit, d.smap.locate(d.path + ("unit",)))
        default = m.default
        if default is not None and m.type == "number" and isinstance(default, str):
            default = self.convert_text(default, powers, d.smap.locate(d.path + ("default",)))
        self.inputs[name] = InputC(name, m.label, m.unit, powers, m.type, m.scope, default, m.min, m.max, m.choices, pack.id, d.location)

    def add_parameter(self, pack: PackSource, name: str, d: Defined) -> None:
        m = d.model
        if isinstance(m, Parameter):
            if name in self.params:
                raise NormkitError("NK203", f"parameter {name!r} is already declared by pack {self.params[name].pack}; "
                                   "a pack that extends it may give new `values:` only", location=d.location)
            powers = self.unit(m.unit, d.smap.locate(d.path + ("unit",)))
            p = Param(name, m.label, m.unit, powers, m.type, [], m.supplied_by, m.min, m.max, pack.id, d.location, m.description)
            self.params[name] = p
            values = m.values
        else:
            assert isinstance(m, ParameterValues)
            if name not in self.params:
                raise NormkitError("NK202", f"pack {pack.id} gives values for {name!r}, which no pack it extends declares", location=d.location)
            p = self.params[name]
            values = m.values
            if m.unit is not None:
                given = self.unit(m.unit, d.smap.locate(d.path + ("unit",)))
                if self.algebra.factor(given, p.powers) is None:
                    raise NormkitError("NK311", f"{name!r} is declared in {p.unit}; {m.unit} is not compatible", location=d.smap.locate(d.path + ("unit",)))
        layer = [self.dated(pack, p, i, v, d) for i, v in enumerate(values)]
        self.check_sequence(layer, name, d)
        if layer:
            p.layers.insert(0, layer)

    def dated(self, pack: PackSource, p: Param, i: int, v: DatedValue, d: Defined) -> Dated:
        path = d.path + ("values", i)
        loc = d.smap.locate(path + ("value",))
        value: Any = v.value
        if p.type == "number":
            if isinstance(value, bool):
                raise NormkitError("NK303", f"{p.name!r} takes a number, not true/false", location=loc)
            if isinstance(value, str):
                value = self.convert_text(value, p.powers, loc)
            elif isinstance(value, int):
                value = Decimal(value)
            if (p.min is not None and value < p.min) or (p.max is not None and value > p.max):
                raise NormkitError("NK503", f"{p.name!r} = {value} is outside [{p.min}, {p.max}]", location=loc)
        elif p.type == "bool" and not isinstance(value, bool):
            raise NormkitError("NK303", f"{p.name!r} takes true/false", location=loc)
        elif p.type == "text" and not isinstance(value, str):
            value = str(value)
        src = self.source_key(pack, v.source, d.smap.locate(path + ("source",)))
        return Dated(v.from_, v.to, value, src, self.verified(v.verified, src), v.why, pack.id, d.smap.locate(path))

    def convert_text(self, text: str, powers: Powers, loc: Location) -> Decimal:
        q = read_quantity(text, self.vocab, convention="en", exponent=True, location=loc)  # packs write numbers as code does
        value, given = q.value, q.powers
        f = self.algebra.factor(powers_of(given), powers)
        if f is None:
            raise NormkitError("NK311", f"{text!r} is not in a unit compatible with {_fmt(powers)}", location=loc)
        return value * f.numerator / f.denominator if f != 1 else value

    def check_sequence(self, layer: list[Any], name: str, d: Defined) -> None:
        layer.sort(key=lambda x: x.start)
        for a, b in itertools.pairwise(layer):
            if a.start == b.start or (a.end is not None and a.end >= b.start):
                raise NormkitError("NK403", f"{name!r}: the value from {b.start} overlaps the one from {a.start}", location=b.location if hasattr(b, "location") else d.location)
        for x in layer:
            if x.end is not None and x.end < x.start:
                raise NormkitError("NK403", f"{name!r}: a value ends ({x.end}) before it starts ({x.start})", location=d.location)

    # ---- tables --------------------------------------------------------------------------
    def add_table(self, pack: PackSource, name: str, d: Defined) -> None:
        m = d.model
        if isinstance(m, Table):
            if name in self.tables:
                raise NormkitError("NK203", f"table {name!r} is already declared by pack {self.tables[name].pack}", location=d.location)
            keys = []
            for k in m.keys:
                kp = self.unit(k.unit, d.location)
                keys.append((k.name, STR if k.type == "text" else num(kp)))
            per_row = m.unit == "per_row"
            powers = () if per_row or m.unit == "text" else self.unit(m.unit, d.smap.locate(d.path + ("unit",)))
            t = TableC(name, m.label, keys, per_row, m.unit, powers, m.hit_policy, [], m.supplied_by, pack.id, d.location)
            self.tables[name] = t
            versions = m.versions
        else:
            assert isinstance(m, TableRows)
            if name not in self.tables:
                raise NormkitError("NK202", f"pack {pack.id} gives rows for table {name!r}, which no pack it extends declares", location=d.location)
            t = self.tables[name]
            versions = m.versions
        layer = [self.table_version(pack, t, i, v, d) for i, v in enumerate(versions)]
        self.check_sequence(layer, name, d)
        if layer:
            t.layers.insert(0, layer)

    def table_version(self, pack: PackSource, t: TableC, vi: int, v: TableVersion, d: Defined) -> TableVersionC:
        vpath = d.path + ("versions", vi)
        src = self.source_key(pack, v.source, d.smap.locate(vpath + ("source",)))
        rows: dict[tuple[Any, ...], list[Row]] = {}
        width = len(t.keys) + 1
        for ri, raw in enumerate(v.rows):
            rpath = vpath + ("rows", ri)
            loc = d.smap.locate(rpath)
            if len(raw) != width:
                raise NormkitError("NK207", f"table {t.name!r}: a row needs {len(t.keys)} key(s) and a value, got {len(raw)} column(s)", location=loc)
            key: list[Any] = []
            for (kname, ktype), cell in zip(t.keys, raw[:-1], strict=True):  # the last column is the value (width checked above)
                if ktype.kind == "str":
                    key.append(str(cell))
                else:
                    if isinstance(cell, bool) or not isinstance(cell, (int, Decimal)):
                        raise NormkitError("NK207", f"table {t.name!r}: key {kname!r} must be a number, got {cell!r}", location=loc)
                    key.append(Decimal(cell))
            cell = raw[-1]
            vloc = d.smap.locate(rpath + (width - 1,), 0)
            if t.per_row:
                if not isinstance(cell, str):
                    raise NormkitError("NK207", f"table {t.name!r} has a unit per row: write the value with its unit, e.g. \"45000 VND/ream\"", location=vloc)
                q = read_quantity(cell, self.vocab, convention="en", exponent=True, location=vloc)
                value, given = q.value, q.powers
                powers = powers_of(given)
                unit_text = cell.split(None, 1)[1] if " " in cell.strip() else "1"
            elif t.unit == "text":
                if not isinstance(cell, str):
                    raise NormkitError("NK207", f"table {t.name!r} holds text; got {cell!r}", location=vloc)
                text_value: Any = cell
                value, powers, unit_text = text_value, (), "text"
            else:
                if isinstance(cell, str):
                    value = self.convert_text(cell, t.powers, vloc)
                elif isinstance(cell, (int, Decimal)) and not isinstance(cell, bool):
                    value = Decimal(cell)
                else:
                    raise NormkitError("NK207", f"table {t.name!r}: the value must be a number, got {cell!r}", location=vloc)
                powers, unit_text = t.powers, t.unit
            k = tuple(key)
            row = Row(value, unit_text, powers, "/".join(str(x) for x in k), loc)
            if k in rows and t.hit_policy == "unique":
                raise NormkitError("NK207", f"table {t.name!r} (hit policy unique): key {row.id!r} appears twice (first at {rows[k][0].location})", location=loc)
            rows.setdefault(k, []).append(row)
        return TableVersionC(v.from_, v.to, src, self.verified(v.verified, src), v.why, pack.id, rows)

    # ---- formulas and adjustments -------------------------------------------------------
    def declare(self, name: str, d: Defined) -> None:
        m = d.model
        kind = getattr(m, "type", "number")
        result = {"bool": BOOL, "text": STR}.get(kind) or num(self.unit(m.unit, d.smap.locate(d.path + ("unit",))))
        params: list[tuple[str, Type]] = []
        for pname, ptext in getattr(m, "params", {}).items():
            if ptext == "text":
                params.append((pname, STR))
            else:
                params.append((pname, num(self.unit(ptext, d.smap.locate(d.path + ("params", pname))))))
        self.signatures[name] = (params, result)

    def scope(self, item: dict[str, Type] | None = None, local: list[tuple[str, Type]] | None = None) -> BuildScope:
        """The checked names of the pack set, plus ``item`` (names a domain gives per item) and
        ``local`` (a formula's parameters)."""
        return BuildScope(self, dict(local or []), item or {})

    def add_formula(self, pack: PackSource, name: str, d: Defined) -> None:
        m: Formula = d.model
        params, result = self.signatures[name]
        expr = self.expression(m.expr, d.smap, d.path + ("expr",))
        _t, tree = check_expression(expr, self.scope(local=params), self.algebra, result)
        src = self.source_key(pack, m.source, d.location)
        self.formulas[name] = FormulaC(name, m.label, m.unit, result, params, m.expr, tree, sorted(expr.names), False, src,
                                       self.verified(m.verified, src) if (m.verified is not None or src) else True, m.why, pack.id, d.location)

    def add_adjustment(self, pack: PackSource, name: str, d: Defined) -> None:
        m: Adjustment = d.model
        _params, result = self.signatures[name]
        scope = self.scope()
        base = self.expression(m.base, d.smap, d.path + ("base",))
        _t, base_ir = check_expression(base, scope, self.algebra, result)
        names = set(base.names)
        excs: list[ExceptionC] = []
        labels: set[str] = set()
        for i, e in enumerate(m.exceptions):
            if e.label in labels:
                raise NormkitError("NK203", f"adjustment {name!r}: exception label {e.label!r} is used twice", location=d.smap.locate(d.path + ("exceptions", i)))
            labels.add(e.label)
            when = self.expression(e.when, d.smap, d.path + ("exceptions", i, "when"))
            value = self.expression(e.value, d.smap, d.path + ("exceptions", i, "value"))
            _wt, when_ir = check_expression(when, scope, self.algebra, BOOL)
            _vt, value_ir = check_expression(value, scope, self.algebra, result)
            names |= when.names | value.names
            excs.append(ExceptionC(e.label, e.when, when_ir, e.value, value_ir, e.priority,
                                   self.source_key(pack, e.source, d.location)))
        src = self.source_key(pack, m.source, d.location)
        self.adjustments[name] = AdjustmentC(name, m.label, m.unit, result, m.base, base_ir, excs, sorted(names), False, src, pack.id, d.location)

    def deps(self, name: str) -> set[str]:
        f = self.formulas.get(name)
        names = set(f.names) if f else set(self.adjustments[name].names)
        calls = ir.calls(f.ir) if f else set().union(ir.calls(self.adjustments[name].base_ir),
                                                      *(ir.calls(e.when_ir) | ir.calls(e.value_ir) for e in self.adjustments[name].exceptions))
        return {n for n in names | calls if n in self.formulas or n in self.adjustments}

    def check_cycles(self) -> None:
        graph = {n: self.deps(n) for n in list(self.formulas) + list(self.adjustments)}
        state: dict[str, int] = {}
        path: list[str] = []

        def visit(n: str) -> None:
            state[n] = 1
            path.append(n)
            for m in sorted(graph[n]):
                if state.get(m) == 1:
                    cycle = path[path.index(m):] + [m]
                    where = self.formulas[n].location if n in self.formulas else self.adjustments[n].location
                    raise NormkitError("NK204", "formulas depend on each other in a cycle: " + " -> ".join(cycle), location=where)
                if state.get(m) is None:
                    visit(m)
            path.pop()
            state[n] = 2

        for n in sorted(graph):
            if state.get(n) is None:
                visit(n)
        self.graph = graph

    def mark_item_dependent(self) -> None:
        item_inputs = {n for n, i in self.inputs.items() if i.scope == "item"}
        memo: dict[str, bool] = {}

        def dep(n: str) -> bool:
            if n not in memo:
                memo[n] = False
                obj = self.formulas.get(n) or self.adjustments[n]
                memo[n] = bool(set(obj.names) & item_inputs) or any(dep(m) for m in self.graph.get(n, ()))
            return memo[n]

        for n, f in self.formulas.items():
            f.item_dependent = dep(n)
        for n, a in self.adjustments.items():
            a.item_dependent = dep(n)

class BuildScope:
    """Names as the checker sees them: a formula's parameters, the item names a domain gives,
    then inputs, parameters and argument-less formulas of the pack set (and its tables)."""

    def __init__(self, b: Builder, local: dict[str, Type], item: dict[str, Type]) -> None:
        self.b, self.local, self.item = b, local, item

    def symbol(self, name: str) -> Symbol | None:
        if name in self.local:
            return Symbol("local", self.local[name])
        if name in self.item:
            return Symbol("item", self.item[name])
        b = self.b
        if name in b.params:
            p = b.params[name]
            return Symbol("param", b.value_type(p.type, p.powers))
        if name in b.inputs:
            i = b.inputs[name]
            return Symbol("input", b.value_type(i.type, i.powers))
        if name in b.signatures:
            params, result = b.signatures[name]
            if not params:
                return Symbol("formula", result)
        return None

    def table(self, name: str) -> TableSig | None:
        t = self.b.tables.get(name)
        if t is None:
            return None
        if t.unit == "text":
            return TableSig(tuple(k for _, k in t.keys), STR)
        if not t.per_row:
            return TableSig(tuple(k for _, k in t.keys), num(t.powers))

        def row_unit(key: tuple[Any, ...]) -> Type | None:
            norm_key = tuple(Decimal(k) if isinstance(k, int) else k for k in key)
            for layer in t.layers:
                for v in layer:
                    if norm_key in v.rows:
                        return num(v.rows[norm_key][0].powers)
            return Type("num", MISSING)

        return TableSig(tuple(k for _, k in t.keys), None, row_unit)

    def function(self, name: str) -> FormulaSig | None:
        sig = self.b.signatures.get(name)
        if sig is None or not sig[0]:
            return None
        return FormulaSig(tuple(sig[0]), sig[1])

    def line_groups(self) -> tuple[str, ...]:
        return ()  # the core knows no line groups; a domain's scope adds them

    def line_scope(self, component: str) -> None:
        return None  # the core knows no line groups; a domain's scope adds them


def _fmt(p: Powers) -> str:
    return format_powers(dict(p))


