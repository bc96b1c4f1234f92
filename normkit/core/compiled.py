"""The checked, compiled form of a pack set: plain data, no pint, cached by content hash.

Everything here is what evaluation needs, with units already reduced to exact factors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from normkit.core.errors import Location
from normkit.core.io.plain import register_all
from normkit.core.lang.ir import Node
from normkit.core.lang.typecheck import Powers, Type
from normkit.core.surface import Label, Money, Source
from normkit.core.units import UnitDef, UnitInfo


@dataclass(slots=True)
class Dated:
    start: dt.date
    end: dt.date | None
    value: Any  # Decimal (in the declared unit), bool or str
    source: str | None  # key into CompiledSet.sources
    verified: bool
    why: str | None
    pack: str
    location: Location

    def covers(self, at: dt.date) -> bool:
        return self.start <= at and (self.end is None or at <= self.end)


@dataclass(slots=True)
class Param:
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
    description: str | None = None


@dataclass(slots=True)
class Row:
    value: Decimal | bool | str
    unit: str
    powers: Powers
    id: str
    location: Location


@dataclass(slots=True)
class TableVersionC:
    start: dt.date
    end: dt.date | None
    source: str | None
    verified: bool
    why: str | None
    pack: str
    rows: dict[tuple[Any, ...], list[Row]]  # hit policy `first` keeps several, in order

    def covers(self, at: dt.date) -> bool:
        return self.start <= at and (self.end is None or at <= self.end)


@dataclass(slots=True)
class TableC:
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


@dataclass(slots=True)
class FormulaC:
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


@dataclass(slots=True)
class ExceptionC:
    label: str
    when_text: str
    when_ir: Node
    value_text: str
    value_ir: Node
    priority: int
    source: str | None


@dataclass(slots=True)
class AdjustmentC:
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


@dataclass(slots=True)
class InputC:
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


@dataclass(slots=True)
class PackInfo:
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
    valid_location: Location | None = None
    files: list[str] | None = None  # the manifest's `files:` (None: every *.yaml beside it)
    extends_resolved: list[str] = field(default_factory=list)  # the folder each `extends` entry resolved to


@dataclass
class CompiledSet:
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
    domains: dict[str, object] = field(default_factory=dict)

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
