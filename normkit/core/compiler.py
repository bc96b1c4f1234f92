"""Build a pack set: resolve ``extends``, then check names, units, dates and references,
and compile everything into a :class:`~normkit.core.compiled.CompiledSet`.

This is the only stage that imports pint. All errors found are reported together.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from normkit.version import __version__
from normkit.core.build_locations import loc_from
from normkit.core.compiled import (
    AdjustmentC, CheckC, CompiledSet, Dated, ExceptionC, ExtraC, FormulaC, InputC, LineC, NormC, PackInfo,
    Param, Row, TableC, TableVersionC,
)
from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.lang.typecheck import (
    BOOL, PLAIN, STR, FormulaSig, Powers, Symbol, TableSig, Type, UnitAlgebra, check_expression, num, powers_of,
)
from normkit.core.lang import ir
from normkit.core.lang.syntax import Expression, parse
from normkit.core.loader import Defined, PackSource, read_pack
from normkit.core.schema import (
    Adjustment, DatedValue, Formula, InputSpec, Money, Parameter, ParameterValues, Source, Table,
    TableRows, TableVersion,
)
from normkit.core.quantity import parse_quantity
from normkit.core.registry import find_pack
from normkit.core.units import VOCABULARY, UnitDef, Vocabulary, build_unit_table, format_powers, parse_unit_def, parse_unit_expr, pint_registry

MONEY: Powers = (("VND", 1),)
COMPONENT_UNITS = {"labour": "workday", "equipment": "machine_hour"}
MISSING: Powers = (("__missing__", 1),)
# what an item-level expression (extras, checks, derived-norm factors) may read about the item's norm
NORM_FIELDS: dict[str, Type] = {"norm_duration": num((("second", 1),)), "norm_medium": STR, "norm_code": STR}


def resolve(root: str | Path, extra: Iterable[str] = ()) -> list[PackSource]:
    """The packs of a set, base first: ``root`` and everything it extends, transitively."""
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
            visit(find_pack(ref, path, loc), loc)
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
        self.norms: dict[str, NormC] = {}
        self.replaced: dict[str, NormC] = {}
        self.extras: list[ExtraC] = []
        self.checks: list[CheckC] = []
        self._parsed: dict[tuple[str, str], Expression] = {}
        self._inline = 0

    # ---- helpers ------------------------------------------------------------------------
    def attempt(self, fn: Any, *args: Any) -> Any:
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
            for ref in p.manifest.extends:
                try:
                    walk(by_root[find_pack(ref, p.root)])
                except (KeyError, NormkitError):
                    pass

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

    def expression(self, text: str, smap: Any, path: tuple) -> Expression:
        return parse(text, self.is_unit, smap.locate(path, 0))

    # ---- the passes ---------------------------------------------------------------------
    def run(self) -> CompiledSet:
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
        for pack in self.packs:
            for name, d in pack.sections["sources"].items():
                self.sources[f"{pack.id}:{name}"] = d.model
        for pack in self.packs:
            for i, ref in enumerate(pack.manifest.legal_basis):
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
        self.errors.raise_if_any()
        # formulas and adjustments: declare all signatures first, then check bodies
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
        for name, (pack, d) in self.formula_defs.items():
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
        self.pricing = self.merge_pricing()
        for pack in self.packs:
            for code, d in pack.sections["norms"].items():
                self.attempt(self.add_norm, pack, code, d)
        self.derive_norms()
        self.errors.raise_if_any()
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
            norms=self.norms,
            inputs=self.inputs,
            extras=self.extras,
            checks=self.checks,
            replaced_norms=self.replaced,
        )

    def pack_info(self, p: PackSource) -> PackInfo:
        m = p.manifest
        valid_loc = str(p.manifest_map.locate(("valid",))) if p.manifest_map else None
        return PackInfo(m.id, m.version, p.content_hash, m.title, str(p.root), m.jurisdiction, m.valid.from_, m.valid.to,
                        m.status, [f"{m.id}:{s}" for s in m.legal_basis], list(m.extends), m.description, valid_loc)

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
                return _loc_from(coll[name].location)
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
        self.inputs[name] = InputC(name, m.label, m.unit, powers, m.type, m.scope, default, m.min, m.max, m.choices, pack.id, str(d.location))

    def add_parameter(self, pack: PackSource, name: str, d: Defined) -> None:
        m = d.model
        if isinstance(m, Parameter):
            if name in self.params:
                raise NormkitError("NK203", f"parameter {name!r} is already declared by pack {self.params[name].pack}; "
                                   "a pack that extends it may give new `values:` only", location=d.location)
            powers = self.unit(m.unit, d.smap.locate(d.path + ("unit",)))
            p = Param(name, m.label, m.unit, powers, m.type, [], m.supplied_by, m.min, m.max, pack.id, str(d.location), m.description)
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
        return Dated(v.from_, v.to, value, src, self.verified(v.verified, src), v.why, pack.id, str(d.smap.locate(path)))

    def convert_text(self, text: str, powers: Powers, loc: Location) -> Decimal:
        value, given = parse_quantity(text, self.vocab, loc)
        f = self.algebra.factor(powers_of(given), powers)
        if f is None:
            raise NormkitError("NK311", f"{text!r} is not in a unit compatible with {_fmt(powers)}", location=loc)
        return value * f.numerator / f.denominator if f != 1 else value

    def check_sequence(self, layer: list[Any], name: str, d: Defined) -> None:
        layer.sort(key=lambda x: x.start)
        for a, b in zip(layer, layer[1:]):
            if a.start == b.start or (a.end is not None and a.end >= b.start):
                raise NormkitError("NK403", f"{name!r}: the value from {b.start} overlaps the one from {a.start}", location=_loc_from(b.location) if hasattr(b, "location") else d.location)
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
            t = TableC(name, m.label, keys, per_row, m.unit, powers, m.hit_policy, [], m.supplied_by, pack.id, str(d.location))
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
        rows: dict[tuple, list[Row]] = {}
        width = len(t.keys) + 1
        for ri, raw in enumerate(v.rows):
            rpath = vpath + ("rows", ri)
            loc = d.smap.locate(rpath)
            if len(raw) != width:
                raise NormkitError("NK207", f"table {t.name!r}: a row needs {len(t.keys)} key(s) and a value, got {len(raw)} column(s)", location=loc)
            key: list[Any] = []
            for (kname, ktype), cell in zip(t.keys, raw):
                if ktype.kind == "str":
                    if isinstance(cell, (bool, Decimal)):
                        cell = str(cell)
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
                value, given = parse_quantity(cell, self.vocab, vloc)
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
            row = Row(value, unit_text, powers, "/".join(str(x) for x in k), str(loc))
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

    def scope(self, local: list[tuple[str, Type]] | None = None, item: dict[str, Type] | None = None,
              line: "LineConsts | None" = None, lines: bool = False) -> "BuildScope":
        return BuildScope(self, dict(local or []), item or {}, line, lines)

    def add_formula(self, pack: PackSource, name: str, d: Defined) -> None:
        m: Formula = d.model
        params, result = self.signatures[name]
        expr = self.expression(m.expr, d.smap, d.path + ("expr",))
        self._parsed[("f", name)] = expr
        _t, tree = check_expression(expr, self.scope(params), self.algebra, result)
        src = self.source_key(pack, m.source, d.location)
        self.formulas[name] = FormulaC(name, m.label, m.unit, result, params, m.expr, tree, sorted(expr.names), False, src,
                                       self.verified(m.verified, src) if (m.verified is not None or src) else True, m.why, pack.id, str(d.location))

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
        self.adjustments[name] = AdjustmentC(name, m.label, m.unit, result, m.base, base_ir, excs, sorted(names), False, src, pack.id, str(d.location))

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
                    raise NormkitError("NK204", "formulas depend on each other in a cycle: " + " -> ".join(cycle), location=_loc_from(where))
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

    # ---- pricing and norms --------------------------------------------------------------
    def merge_pricing(self) -> dict[str, tuple[PackSource, Defined, Any]]:
        comps: dict[str, tuple[PackSource, Defined, Any]] = {}
        extras: dict[str, tuple[PackSource, Defined, int, Any]] = {}
        for pack in self.packs:
            for d in pack.pricing:
                for comp in ("labour", "equipment", "material"):
                    c = getattr(d.model, comp)
                    if c is not None:
                        comps[comp] = (pack, d, c)
                for i, e in enumerate(d.model.extras):
                    extras[e.id] = (pack, d, i, e)
        item_types = dict(NORM_FIELDS)
        item_types.update({"item_quantity": PLAIN, "labour_amount": num(MONEY), "equipment_amount": num(MONEY),
                           "material_amount": num(MONEY), "direct_amount": num(MONEY)})
        for eid, (pack, d, i, e) in extras.items():
            try:
                path = d.path + ("extras", i)
                scope = self.scope(item=dict(item_types), lines=True)
                expr = self.expression(e.expr, d.smap, path + ("expr",))
                _t, tree = check_expression(expr, scope, self.algebra, num(MONEY))
                when_ir = None
                if e.when:
                    w = self.expression(e.when, d.smap, path + ("when",))
                    _wt, when_ir = check_expression(w, scope, self.algebra, BOOL)
                self.extras.append(ExtraC(eid, e.label, e.expr, tree, e.when, when_ir, self.source_key(pack, e.source, d.location), pack.id, str(d.smap.locate(path))))
                item_types[eid] = num(MONEY)
            except NormkitError as err:
                self.errors.add(err)
        checks: dict[str, tuple[PackSource, Defined, int, Any]] = {}
        for pack in self.packs:
            for d in pack.pricing:
                for i, chk in enumerate(d.model.checks):
                    checks[chk.id] = (pack, d, i, chk)
        for cid, (pack, d, i, chk) in checks.items():
            try:
                path = d.path + ("checks", i)
                for name in chk.requires + ([chk.override] if chk.override else []):
                    if name not in self.inputs:
                        raise NormkitError("NK202", f"check {cid!r} names unknown input {name!r}", location=d.smap.locate(path))
                if chk.override and self.inputs[chk.override].type != "text":
                    raise NormkitError("NK303", f"check {cid!r}: the override input {chk.override!r} must be text (the reason)", location=d.smap.locate(path))
                expr = self.expression(chk.expr, d.smap, path + ("expr",))
                _t, tree = check_expression(expr, self.scope(item=dict(item_types)), self.algebra, BOOL)
                self.checks.append(CheckC(cid, chk.label, chk.expr, tree, chk.message, list(chk.media) if chk.media else None, list(chk.requires),
                                          chk.override, "norm_duration" in expr.names, self.source_key(pack, chk.source, d.location),
                                          pack.id, str(d.smap.locate(path))))
            except NormkitError as err:
                self.errors.add(err)
        return comps

    def derive_norms(self) -> None:
        """Fill the lines of derived norms from their base entries (after every pack's norms)."""
        for code, norm in self.norms.items():
            if norm.derive_from is None:
                continue
            base = self.norms.get(norm.derive_from)
            where = _loc_from(norm.location)
            if base is None:
                self.errors.add(NormkitError("NK504", f"norm {code} is derived from {norm.derive_from}, which no pack defines", location=where,
                                             hint="a province pack (or an imported norm table) must supply the base entry"))
                continue
            if not base.lines and base.supplied_by:
                continue  # the base entry's lines come from a province pack; pricing says so if they are missing
            if base.derive_from is not None:
                self.errors.add(NormkitError("NK204", f"norm {code} is derived from {norm.derive_from}, itself a derived norm", location=where))
                continue
            comps = set(norm.derive_components or [])
            norm.lines = [dataclasses.replace(line) for line in base.lines if line.component in comps]
            if not norm.lines:
                self.errors.add(NormkitError("NK207", f"norm {code}: base entry {base.code} has no {', '.join(sorted(comps))} lines", location=where))

    def add_norm(self, pack: PackSource, code: str, d: Defined) -> None:
        m = d.model
        src = self.source_key(pack, m.source, d.smap.locate(d.path + ("source",)))
        duration = None
        if m.duration:
            value, given = parse_quantity(m.duration, self.vocab, d.smap.locate(d.path + ("duration",)))
            f = self.algebra.factor(powers_of(given), (("second", 1),))
            if f is None:
                raise NormkitError("NK311", f"norm duration {m.duration!r} is not a time", location=d.smap.locate(d.path + ("duration",)))
            duration = value * f.numerator / f.denominator
        if m.derive is None and not m.lines and m.supplied_by is None:
            raise NormkitError("NK201", f"norm {code} has no lines; give `lines:` or `derive:` (or `supplied_by: province`)", location=d.location)
        if m.derive is not None and m.lines:
            raise NormkitError("NK201", f"norm {code} gives both `lines:` and `derive:`; choose one", location=d.location)
        lines: list[LineC] = []
        errors = ErrorCollector()
        for i, line in enumerate(m.lines):
            try:
                lines.append(self.norm_line(pack, code, i, line, d))
            except NormkitError as e:
                errors.add(e)
        errors.raise_if_any()
        valid = m.valid or pack.manifest.valid
        norm = NormC(code, m.name, m.output_unit, duration, m.duration, valid.from_, valid.to, src,
                     self.verified(m.verified, src), m.why, list(m.notes), lines, pack.id, str(d.location), medium=m.medium,
                     supplied_by=m.supplied_by)
        if m.derive is not None:
            item = dict(NORM_FIELDS)
            item["item_quantity"] = PLAIN
            expr = self.expression(m.derive.factor, d.smap, d.path + ("derive", "factor"))
            _t, tree = check_expression(expr, self.scope(item=item), self.algebra, PLAIN)
            norm.derive_from, norm.derive_components = m.derive.from_, list(m.derive.components)
            norm.factor_text, norm.factor_ir = m.derive.factor, tree
            norm.factor_source = self.source_key(pack, m.derive.source, d.location)
        if code in self.norms:
            previous = self.norms[code]
            self.replaced[code] = previous
            norm.replaces = previous.pack
        self.norms[code] = norm

    def norm_line(self, pack: PackSource, code: str, i: int, line: Any, d: Defined) -> LineC:
        path = d.path + ("lines", i)
        qloc = d.smap.locate(path + ("quantity",), 0)
        if isinstance(line.quantity, Decimal):
            if line.unit is None:
                raise NormkitError("NK603", "a norm line's quantity needs a unit: write e.g. \"0.04 workday\" or add `unit:`", location=qloc)
            qty, given = line.quantity, parse_unit_expr(line.unit, self.vocab, qloc)
            unit_text = line.unit
        else:
            qty, given = parse_quantity(line.quantity, self.vocab, qloc)
            unit_text = line.quantity.split(None, 1)[1] if " " in line.quantity.strip() else "1"
        powers = powers_of(given)
        if qty < 0:
            raise NormkitError("NK503", f"norm {code}: a quantity cannot be negative ({qty})", location=qloc)
        want = COMPONENT_UNITS.get(line.component)
        if want and self.algebra.factor(powers, ((want, 1),)) is None:
            raise NormkitError("NK311", f"norm {code}: a {line.component} line is measured in {want}, not {unit_text}", location=qloc)
        consts = LineConsts(line, code, d.smap.locate(path))
        rate_ir: ir.Node = ir.Const(Decimal(0))
        rate_text, rate_unit, factor = "", "", None
        comp = self.pricing.get(line.component)
        if comp is not None:
            cpack, cdef, cm = comp
            cpath = ("pricing", line.component, "rate")
            key = (line.component, cpack.id)
            expr = self._parsed.get(key)
            if expr is None:
                expr = self.expression(cm.rate, cdef.smap, cpath)
                self._parsed[key] = expr
            rate_t, rate_ir = check_expression(expr, self.scope(line=consts), self.algebra)
            rate_text = cm.rate
            if rate_t.unit != MISSING:
                amount_unit = self.algebra.mul(powers, rate_t.unit)
                f = self.algebra.factor(amount_unit, MONEY)
                if f is None:
                    raise NormkitError("NK311", f"norm {code} line {i + 1}: {unit_text} × {rate_t} is not money (VND)",
                                       location=qloc, hint=f"the {line.component} rate `{cm.rate}` must be VND per {unit_text}")
                factor = (f.numerator, f.denominator)
                rate_unit = str(rate_t)
        return LineC(line.component, line.resource, line.label, qty, unit_text, powers, line.grade, line.scale, line.step, line.steps,
                     line.verified if line.verified is not None else True, line.why, rate_text, rate_ir, rate_unit, factor, str(d.smap.locate(path)))


class LineConsts:
    """The fixed fields of one norm line, for checking a rate expression against it."""

    FIELDS = {"resource": STR, "scale": STR, "grade": STR, "step": PLAIN, "steps": PLAIN}

    def __init__(self, line: Any, code: str, loc: Location) -> None:
        self.line, self.code, self.loc = line, code, loc

    def get(self, name: str) -> Any:
        v = getattr(self.line, name)
        if v is None:
            raise NormkitError("NK202", f"norm {self.code}: this {self.line.component} line has no `{name}`, which its rate needs", location=self.loc)
        return Decimal(v) if isinstance(v, int) else v


LINE_GROUPS = ("labour", "equipment", "material", "other", "all")  # what `sum_lines(group, …)` may sum


class BuildScope:
    def __init__(self, b: Builder, local: dict[str, Type], item: dict[str, Type], line: LineConsts | None, lines: bool) -> None:
        self.b, self.local, self.item, self.line, self.lines = b, local, item, line, lines

    def symbol(self, name: str) -> Symbol | None:
        if name in self.local:
            return Symbol("local", self.local[name])
        if self.line is not None and name in LineConsts.FIELDS:
            self.line.get(name)
            return Symbol("line", LineConsts.FIELDS[name])
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

    def line_value(self, name: str) -> Any:
        assert self.line is not None
        return self.line.get(name)

    def table(self, name: str) -> TableSig | None:
        t = self.b.tables.get(name)
        if t is None:
            return None
        if t.unit == "text":
            return TableSig(tuple(k for _, k in t.keys), STR)
        if not t.per_row:
            return TableSig(tuple(k for _, k in t.keys), num(t.powers))

        def row_unit(key: tuple) -> Type | None:
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
        return LINE_GROUPS if self.lines else ()

    def line_scope(self, component: str) -> "LineFieldScope | None":
        if not self.lines or component not in LINE_GROUPS:
            return None
        fields = {"amount": num(MONEY), "resource": STR}
        if component in COMPONENT_UNITS:
            fields["quantity"] = num(((COMPONENT_UNITS[component], 1),))
        return LineFieldScope(self, fields)


class LineFieldScope:
    def __init__(self, outer: BuildScope, fields: dict[str, Type]) -> None:
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


def _fmt(p: Powers) -> str:
    return format_powers(dict(p))


_loc_from = loc_from
