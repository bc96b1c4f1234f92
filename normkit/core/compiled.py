"""The checked, compiled form of a pack set: plain data, no pint, cached by content hash.

Everything here is what evaluation needs, with units already reduced to exact factors.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from normkit.core.errors import Location
from normkit.core.io.plain import register_all
from normkit.core.lang.ir import Node
from normkit.core.lang.types import Powers, Type
from normkit.core.records import Record
from normkit.core.surface import Label, Money, Source
from normkit.core.units import UnitDef, UnitInfo


class Dated(Record):
    __slots__ = ("end", "location", "pack", "source", "start", "value", "verified", "why")
    __match_args__ = ("start", "end", "value", "source", "verified", "why", "pack", "location")
    start: dt.date
    end: dt.date | None
    value: Any  # Decimal (in the declared unit), bool or str
    source: str | None  # key into CompiledSet.sources
    verified: bool
    why: str | None
    pack: str
    location: Location

    def __init__(self, start: dt.date, end: dt.date | None, value: Any, source: str | None, verified: bool, why: str | None, pack: str, location: Location) -> None:
        self.start = start
        self.end = end
        self.value = value
        self.source = source
        self.verified = verified
        self.why = why
        self.pack = pack
        self.location = location

    def covers(self, at: dt.date) -> bool:
        return self.start <= at and (self.end is None or at <= self.end)


class Param(Record):
    __slots__ = ("description", "label", "layers", "location", "max", "min", "name", "pack", "powers", "supplied_by", "type", "unit")
    __match_args__ = ("name", "label", "unit", "powers", "type", "layers", "supplied_by", "min", "max", "pack", "location", "description")
    name: str
    label: Label
    unit: str
    powers: Powers
    type: str
    layers: list[list[Dated]]  # highest precedence first; each sorted by start date
    supplied_by: str | None
    min: Decimal | None
    max: Decimal | None
    pack: str
    location: Location
    description: str | None

    def __init__(self, name: str, label: Label, unit: str, powers: Powers, type: str, layers: list[list[Dated]], supplied_by: str | None, min: Decimal | None, max: Decimal | None, pack: str, location: Location, description: str | None = None) -> None:
        self.name = name
        self.label = label
        self.unit = unit
        self.powers = powers
        self.type = type
        self.layers = layers
        self.supplied_by = supplied_by
        self.min = min
        self.max = max
        self.pack = pack
        self.location = location
        self.description = description


class Row(Record):
    __slots__ = ("id", "location", "powers", "unit", "value")
    __match_args__ = ("value", "unit", "powers", "id", "location")
    value: Decimal | bool | str
    unit: str
    powers: Powers
    id: str
    location: Location

    def __init__(self, value: Decimal | bool | str, unit: str, powers: Powers, id: str, location: Location) -> None:
        self.value = value
        self.unit = unit
        self.powers = powers
        self.id = id
        self.location = location


class TableVersionC(Record):
    __slots__ = ("end", "pack", "rows", "source", "start", "verified", "why")
    __match_args__ = ("start", "end", "source", "verified", "why", "pack", "rows")
    start: dt.date
    end: dt.date | None
    source: str | None
    verified: bool
    why: str | None
    pack: str
    rows: dict[tuple[Any, ...], list[Row]]  # hit policy `first` keeps several, in order

    def __init__(self, start: dt.date, end: dt.date | None, source: str | None, verified: bool, why: str | None, pack: str, rows: dict[tuple[Any, ...], list[Row]]) -> None:
        self.start = start
        self.end = end
        self.source = source
        self.verified = verified
        self.why = why
        self.pack = pack
        self.rows = rows

    def covers(self, at: dt.date) -> bool:
        return self.start <= at and (self.end is None or at <= self.end)


class TableC(Record):
    __slots__ = ("hit_policy", "keys", "label", "layers", "location", "name", "pack", "per_row", "powers", "supplied_by", "unit")
    __match_args__ = ("name", "label", "keys", "per_row", "unit", "powers", "hit_policy", "layers", "supplied_by", "pack", "location")
    name: str
    label: Label
    keys: list[tuple[str, Type]]
    per_row: bool
    unit: str
    powers: Powers
    hit_policy: str
    layers: list[list[TableVersionC]]
    supplied_by: str | None
    pack: str
    location: Location

    def __init__(self, name: str, label: Label, keys: list[tuple[str, Type]], per_row: bool, unit: str, powers: Powers, hit_policy: str, layers: list[list[TableVersionC]], supplied_by: str | None, pack: str, location: Location) -> None:
        self.name = name
        self.label = label
        self.keys = keys
        self.per_row = per_row
        self.unit = unit
        self.powers = powers
        self.hit_policy = hit_policy
        self.layers = layers
        self.supplied_by = supplied_by
        self.pack = pack
        self.location = location


class FormulaC(Record):
    __slots__ = ("ir", "item_dependent", "label", "location", "name", "names", "pack", "params", "source", "text", "type", "unit", "verified", "why")
    __match_args__ = ("name", "label", "unit", "type", "params", "text", "ir", "names", "item_dependent", "source", "verified", "why", "pack", "location")
    name: str
    label: Label
    unit: str
    type: Type
    params: list[tuple[str, Type]]
    text: str
    ir: Node
    names: list[str]
    item_dependent: bool
    source: str | None
    verified: bool
    why: str | None
    pack: str
    location: Location

    def __init__(self, name: str, label: Label, unit: str, type: Type, params: list[tuple[str, Type]], text: str, ir: Node, names: list[str], item_dependent: bool, source: str | None, verified: bool, why: str | None, pack: str, location: Location) -> None:
        self.name = name
        self.label = label
        self.unit = unit
        self.type = type
        self.params = params
        self.text = text
        self.ir = ir
        self.names = names
        self.item_dependent = item_dependent
        self.source = source
        self.verified = verified
        self.why = why
        self.pack = pack
        self.location = location


class ExceptionC(Record):
    __slots__ = ("label", "priority", "source", "value_ir", "value_text", "when_ir", "when_text")
    __match_args__ = ("label", "when_text", "when_ir", "value_text", "value_ir", "priority", "source")
    label: str
    when_text: str
    when_ir: Node
    value_text: str
    value_ir: Node
    priority: int
    source: str | None

    def __init__(self, label: str, when_text: str, when_ir: Node, value_text: str, value_ir: Node, priority: int, source: str | None) -> None:
        self.label = label
        self.when_text = when_text
        self.when_ir = when_ir
        self.value_text = value_text
        self.value_ir = value_ir
        self.priority = priority
        self.source = source


class AdjustmentC(Record):
    __slots__ = ("base_ir", "base_text", "exceptions", "item_dependent", "label", "location", "name", "names", "pack", "source", "type", "unit")
    __match_args__ = ("name", "label", "unit", "type", "base_text", "base_ir", "exceptions", "names", "item_dependent", "source", "pack", "location")
    name: str
    label: Label
    unit: str
    type: Type
    base_text: str
    base_ir: Node
    exceptions: list[ExceptionC]
    names: list[str]
    item_dependent: bool
    source: str | None
    pack: str
    location: Location

    def __init__(self, name: str, label: Label, unit: str, type: Type, base_text: str, base_ir: Node, exceptions: list[ExceptionC], names: list[str], item_dependent: bool, source: str | None, pack: str, location: Location) -> None:
        self.name = name
        self.label = label
        self.unit = unit
        self.type = type
        self.base_text = base_text
        self.base_ir = base_ir
        self.exceptions = exceptions
        self.names = names
        self.item_dependent = item_dependent
        self.source = source
        self.pack = pack
        self.location = location


class InputC(Record):
    __slots__ = ("choices", "default", "label", "location", "max", "min", "name", "pack", "powers", "scope", "type", "unit")
    __match_args__ = ("name", "label", "unit", "powers", "type", "scope", "default", "min", "max", "choices", "pack", "location")
    name: str
    label: Label
    unit: str
    powers: Powers
    type: str
    scope: str
    default: Any
    min: Decimal | None
    max: Decimal | None
    choices: list[str] | None
    pack: str
    location: Location

    def __init__(self, name: str, label: Label, unit: str, powers: Powers, type: str, scope: str, default: Any, min: Decimal | None, max: Decimal | None, choices: list[str] | None, pack: str, location: Location) -> None:
        self.name = name
        self.label = label
        self.unit = unit
        self.powers = powers
        self.type = type
        self.scope = scope
        self.default = default
        self.min = min
        self.max = max
        self.choices = choices
        self.pack = pack
        self.location = location


class PackInfo(Record):
    __slots__ = ("description", "extends", "extends_resolved", "files", "hash", "id", "jurisdiction", "legal_basis", "path", "status", "title", "valid_from", "valid_location", "valid_to", "version")
    __match_args__ = ("id", "version", "hash", "title", "path", "jurisdiction", "valid_from", "valid_to", "status", "legal_basis", "extends", "description", "valid_location", "files", "extends_resolved")
    id: str
    version: str
    hash: str
    title: Label
    path: str
    jurisdiction: str
    valid_from: dt.date
    valid_to: dt.date | None
    status: str
    legal_basis: list[str]
    extends: list[str]
    description: str | None
    valid_location: Location | None
    files: list[str] | None  # the manifest's `files:` (None: every *.yaml beside it)
    extends_resolved: list[str]  # the folder each `extends` entry resolved to

    def __init__(self, id: str, version: str, hash: str, title: Label, path: str, jurisdiction: str, valid_from: dt.date, valid_to: dt.date | None, status: str, legal_basis: list[str], extends: list[str], description: str | None, valid_location: Location | None = None, files: list[str] | None = None, extends_resolved: list[str] | None = None) -> None:
        self.id = id
        self.version = version
        self.hash = hash
        self.title = title
        self.path = path
        self.jurisdiction = jurisdiction
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.status = status
        self.legal_basis = legal_basis
        self.extends = extends
        self.description = description
        self.valid_location = valid_location
        self.files = files
        self.extends_resolved = [] if extends_resolved is None else extends_resolved


class CompiledSet(Record):
    __match_args__ = ("normkit_version", "packs", "units", "unit_base", "money", "money_pack", "sources", "params", "tables", "formulas", "adjustments", "inputs", "domains")
    normkit_version: str
    packs: list[PackInfo]  # base first, root last
    units: tuple[UnitDef, ...]
    unit_base: dict[str, UnitInfo]
    money: Money
    money_pack: str
    sources: dict[str, Source]
    params: dict[str, Param]
    tables: dict[str, TableC]
    formulas: dict[str, FormulaC]
    adjustments: dict[str, AdjustmentC]
    inputs: dict[str, InputC]
    # each registered domain's compiled part, by domain name (see normkit.core.extensions);
    # each domain reads its own part through an accessor of its own
    domains: dict[str, object]

    def __init__(self, normkit_version: str, packs: list[PackInfo], units: tuple[UnitDef, ...], unit_base: dict[str, UnitInfo], money: Money, money_pack: str, sources: dict[str, Source], params: dict[str, Param], tables: dict[str, TableC], formulas: dict[str, FormulaC], adjustments: dict[str, AdjustmentC], inputs: dict[str, InputC], domains: dict[str, object] | None = None) -> None:
        self.normkit_version = normkit_version
        self.packs = packs
        self.units = units
        self.unit_base = unit_base
        self.money = money
        self.money_pack = money_pack
        self.sources = sources
        self.params = params
        self.tables = tables
        self.formulas = formulas
        self.adjustments = adjustments
        self.inputs = inputs
        self.domains = {} if domains is None else domains

    @property
    def root(self) -> PackInfo:
        return self.packs[-1]

    @property
    def key(self) -> str:
        return "+".join(f"{p.id}@{p.hash[:12]}" for p in self.packs)


# Every class of the compiled form, by a stable tag, for the plain-data cache codec
# (normkit.core.io.plain): an entry can only ever build these.
register_all(Dated, Param, Row, TableVersionC, TableC, FormulaC, ExceptionC, AdjustmentC, InputC,
             PackInfo, CompiledSet, Location, Type, UnitDef, UnitInfo, Label, Money, Source, prefix="core")
