"""The trace's pydantic models: the mirrors of :class:`~normkit.core.trace.TraceInput` and
:class:`~normkit.core.trace.TraceNode` (see :mod:`normkit.core.plainmodel`), and the exported
graph's schema (:class:`TraceGraph`, ``normkit.trace/2``). Imported only for a JSON Schema or a
pydantic dump (a budget report's trace); never on the warm path."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from normkit.core.surface_mirrors import Source

Kind = Literal["quote", "item", "line", "extra", "formula", "adjustment", "parameter", "table", "input", "rounding", "norm",
               "factor", "check"]


class TraceInput(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    value: str
    unit: str | None = None


class TraceNode(BaseModel):
    """How one figure was obtained."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    # the kinds of every domain, listed here so that the trace's JSON Schema is one closed set
    kind: Kind
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


class GraphNode(BaseModel):
    """One node of the exported trace (``normkit.trace/2``): a :class:`TraceNode` whose
    ``source`` is an index into the graph's ``sources`` and whose ``children`` are node ids.
    Fields at their default (``null``, ``[]``, ``verified: true``) are left out."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: int = Field(description="the node's index in `nodes`; children always come before their parents")
    base: int | None = Field(default=None, description="index into the graph's `bases`: the fields of that base belong to this node "
                                                        "too (fields the node gives itself win)")
    kind: Kind | None = Field(default=None, description="given here or by the base")
    name: str | None = Field(default=None, description="given here or by the base")
    label_vi: str | None = None
    label_en: str | None = None
    formula: str | None = None
    value: str = Field(description="the exact value (a decimal number as text, or text)")
    unit: str | None = None
    inputs: list[TraceInput] = Field(default_factory=list)
    rule: str | None = None
    pack: str | None = None
    location: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    source: int | None = Field(default=None, description="index into the graph's `sources`")
    verified: bool = True
    why: str | None = None
    children: list[int] = Field(default_factory=list, description="ids of the nodes this value was computed from, in order")


class TraceGraph(BaseModel):
    """The exported trace: every distinct node once, children before parents."""

    model_config = ConfigDict(frozen=True, defer_build=True, populate_by_name=True)

    schema_: Literal["normkit.trace/2"] = Field(alias="schema")
    roots: list[int] = Field(description="ids of the top-level nodes (a quote: its items, then a total rounding)")
    sources: list[Source] = Field(description="the legal sources the nodes cite, each once")
    bases: list[dict[str, Any]] = Field(description="fields several nodes share (a node's `base`), each once: node fields except id, base, value, inputs, children")
    nodes: list[GraphNode]


__all__ = ["GraphNode", "Kind", "TraceGraph", "TraceInput", "TraceNode"]
