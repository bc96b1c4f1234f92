"""Turn the compact evaluation records (:class:`~normkit.core.runtime.Rec`) into
:class:`TraceNode` trees.

Each node says how a figure was obtained: formula text, inputs with values and units, the
rule or table row it came from, its effective dates and its legal source. This module knows the
engine's record kinds (formula, adjustment, parameter, table, input); a domain subclasses
:class:`Assembler` for its own (media pricing: item, line, extra, factor, check, rounding).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from normkit.core.schema import Source
from normkit.core.units import format_powers

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.runtime import Rec, RuleSet

TRACE_SCHEMA = "normkit.trace/1"


class TraceInput(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    value: str
    unit: str | None = None


class TraceNode(BaseModel):
    """How one figure was obtained."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    # the kinds of every domain, listed here so that the trace's JSON Schema is one closed set
    kind: Literal["quote", "item", "line", "extra", "formula", "adjustment", "parameter", "table", "input", "rounding", "norm",
                  "factor", "check"]
    name: str
    label_vi: str | None = None
    label_en: str | None = None
    formula: str | None = None
    value: str
    unit: str | None = None
    inputs: list[TraceInput] = Field(default_factory=list)
    rule: str | None = Field(default=None, description="norm code, table row id, or chosen exception")
    pack: str | None = None
    location: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    source: Source | None = None
    verified: bool = True
    why: str | None = None
    children: list[TraceNode] = Field(default_factory=list)


def fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Assembler:
    """Turns records into nodes, once each (a record met twice gives the same node).

    A record is anything with ``kind`` and ``children``; ``kind`` names the method ``_<kind>``."""

    def __init__(self, rs: RuleSet) -> None:
        self.rs = rs
        self.sources = rs.compiled.sources
        self.done: dict[int, TraceNode] = {}

    def source(self, key: str | None) -> Any:
        return self.sources.get(key) if key else None

    def node(self, r: Any, context: Any = None) -> TraceNode:
        hit = self.done.get(id(r))
        if hit is not None:
            return hit
        made: TraceNode = getattr(self, "_" + r.kind)(r, context)
        self.done[id(r)] = made
        return made

    def kids(self, r: Any, context: Any = None) -> list[TraceNode]:
        return [self.node(c, context) for c in r.children]

    def _formula(self, r: Rec, _c: Any) -> TraceNode:
        f = r.ref
        args = r.extra or ()
        return TraceNode(kind="formula", name=f.name, label_vi=f.label.vi, label_en=f.label.en, formula=f.text, value=fmt(r.value), unit=f.unit,
                         inputs=[TraceInput(name=p, value=fmt(a), unit=None if t.kind != "num" else _unit(t)) for (p, t), a in zip(f.params, args, strict=True)],
                         pack=f.pack, location=str(f.location), source=self.source(f.source), verified=f.verified, why=f.why, children=self.kids(r))

    def _adjustment(self, r: Rec, _c: Any) -> TraceNode:
        a = r.ref
        chosen = r.extra
        text = a.base_text if chosen is None else next(e.value_text for e in a.exceptions if e.label == chosen)
        return TraceNode(kind="adjustment", name=a.name, label_vi=a.label.vi, label_en=a.label.en, formula=text, value=fmt(r.value), unit=a.unit,
                         rule=chosen or "base", pack=a.pack, location=str(a.location), source=self.source(a.source), children=self.kids(r))

    def _parameter(self, r: Rec, _c: Any) -> TraceNode:
        p = r.ref
        if r.extra == "overlay":
            return TraceNode(kind="parameter", name=p.name, label_vi=p.label.vi, label_en=p.label.en, value=fmt(r.value), unit=p.unit,
                             rule="what-if overlay", pack=p.pack, location=str(p.location), verified=False, why="value set by a what-if overlay")
        d = r.extra
        return TraceNode(kind="parameter", name=p.name, label_vi=p.label.vi, label_en=p.label.en, value=fmt(r.value), unit=p.unit,
                         pack=d.pack, location=str(d.location), effective_from=d.start, effective_to=d.end, source=self.source(d.source),
                         verified=d.verified, why=d.why)

    def _table(self, r: Rec, _c: Any) -> TraceNode:
        t = r.ref
        version, row = r.extra
        return TraceNode(kind="table", name=t.name, label_vi=t.label.vi, label_en=t.label.en, value=fmt(r.value), unit=row.unit,
                         inputs=[TraceInput(name=k, value=v) for (k, _), v in zip(t.keys, row.id.split("/", len(t.keys) - 1), strict=True)],
                         rule=row.id, pack=version.pack, location=str(row.location), effective_from=version.start, effective_to=version.end,
                         source=self.source(version.source), verified=version.verified, why=version.why)

    def _input(self, r: Rec, _c: Any) -> TraceNode:
        i = r.ref
        return TraceNode(kind="input", name=i.name, label_vi=i.label.vi, label_en=i.label.en, value=fmt(r.value), unit=i.unit,
                         rule="order input", pack=i.pack, location=str(i.location))

def _unit(t: Any) -> str:
    return format_powers(dict(t.unit))
