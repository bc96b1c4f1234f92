"""Turn the compact evaluation records (:class:`~normkit.core.runtime.Rec`) into a trace
:class:`Graph`: each distinct node once, with an id, referenced by its parents; sources in one table.

Each node says how a figure was obtained: formula text, inputs with values and units, the
rule or table row it came from, its effective dates and its legal source. This module knows the
engine's record kinds (formula, adjustment, parameter, table, input); a domain subclasses
:class:`Assembler` for its own (media pricing: item, line, extra, factor, check, rounding).

The graph is exported as JSON (``normkit.trace/2``, :class:`~normkit.core.trace_models.TraceGraph`
is its schema; written in chunks by :meth:`Graph.chunks`); Python readers get :class:`TraceNode`
trees whose shared sub-results are the same objects (:meth:`Graph.tree`). ``TraceNode`` and
``TraceInput`` are plain classes (:mod:`normkit.core.plainmodel`; their pydantic mirrors, for
JSON Schemas and models that embed them, are in :mod:`normkit.core.trace_models`). A record
met twice is one node, so a trace grows with the number of distinct evaluations, never with the
number of paths to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from normkit.core.io import jsonstream
from normkit.core.plainmodel import PlainModel, mirrored
from normkit.core.surface import Source
from normkit.core.units import format_powers

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.runtime import Rec, RuleSet

TRACE_SCHEMA = "normkit.trace/2"
Kind = Literal["quote", "item", "line", "extra", "formula", "adjustment", "parameter", "table", "input", "rounding", "norm",
               "factor", "check"]


_set = object.__setattr__


class TraceInput(PlainModel):
    __slots__ = ("name", "unit", "value")
    __match_args__ = ("name", "value", "unit")
    name: str
    value: str
    unit: str | None

    def __init__(self, *, name: str, value: str, unit: str | None = None) -> None:
        _set(self, "name", name)
        _set(self, "value", value)
        _set(self, "unit", unit)


class TraceNode(PlainModel):
    """How one figure was obtained."""

    __slots__ = ("children", "effective_from", "effective_to", "formula", "inputs", "kind", "label_en", "label_vi", "location", "name",
                 "pack", "rule", "source", "unit", "value", "verified", "why")
    __match_args__ = ("kind", "name", "label_vi", "label_en", "formula", "value", "unit", "inputs", "rule", "pack", "location",
                      "effective_from", "effective_to", "source", "verified", "why", "children")
    # the kinds of every domain, listed here so that the trace's JSON Schema is one closed set
    kind: Kind
    name: str
    label_vi: str | None
    label_en: str | None
    formula: str | None
    value: str
    unit: str | None
    inputs: list[TraceInput]
    rule: str | None  # norm code, table row id, or chosen exception
    pack: str | None
    location: str | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    source: Source | None
    verified: bool
    why: str | None
    children: list[TraceNode]

    def __init__(self, *, kind: Kind, name: str, label_vi: str | None = None, label_en: str | None = None, formula: str | None = None,
                 value: str, unit: str | None = None, inputs: list[TraceInput] | None = None, rule: str | None = None,
                 pack: str | None = None, location: str | None = None, effective_from: dt.date | None = None,
                 effective_to: dt.date | None = None, source: Source | None = None, verified: bool = True, why: str | None = None,
                 children: list[TraceNode] | None = None) -> None:
        _set(self, "kind", kind)
        _set(self, "name", name)
        _set(self, "label_vi", label_vi)
        _set(self, "label_en", label_en)
        _set(self, "formula", formula)
        _set(self, "value", value)
        _set(self, "unit", unit)
        _set(self, "inputs", [] if inputs is None else inputs)
        _set(self, "rule", rule)
        _set(self, "pack", pack)
        _set(self, "location", location)
        _set(self, "effective_from", effective_from)
        _set(self, "effective_to", effective_to)
        _set(self, "source", source)
        _set(self, "verified", verified)
        _set(self, "why", why)
        _set(self, "children", [] if children is None else children)


def _mirrors() -> dict[type, type]:
    from normkit.core import trace_models as m

    return {TraceInput: m.TraceInput, TraceNode: m.TraceNode}


mirrored(_mirrors)


def fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fast_fmt(value: Decimal) -> str:
    """:func:`fmt` of a Decimal, faster when it has no exponent (most amounts, rates, quantities)."""
    text = str(value)
    return format(value, "f") if "E" in text else text


_DEFAULTS: dict[str, Any] = {"label_vi": None, "label_en": None, "formula": None, "unit": None, "inputs": [], "rule": None, "pack": None,
                             "location": None, "effective_from": None, "effective_to": None, "source": None, "verified": True,
                             "why": None, "children": []}  # TraceNode's defaults


class Graph:
    """A trace as built: nodes (plain dicts, each once) and the sources they cite (each once).

    A node is a dict of :class:`TraceNode` fields without their defaults, as exported: its
    ``children`` are node ids, its ``source`` an index into ``sources``, its dates ISO text."""

    __slots__ = ("_source_ids", "_trees", "bases", "nodes", "roots", "sources")

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.roots: list[int] = []
        self.sources: list[Source] = []
        self.bases: list[dict[str, Any]] = []
        self._source_ids: dict[int, int] = {}
        self._trees: dict[int, TraceNode] = {}

    def add(self, fields: dict[str, Any], base: int | None = None) -> int:
        """Add a node (its children already added); returns its id. ``base`` is a :meth:`base`
        whose fields the node shares (the node's own fields win)."""
        i = len(self.nodes)
        node: dict[str, Any] = {"id": i} if base is None else {"id": i, "base": base}
        node.update(self._plain(fields))
        self.nodes.append(node)
        return i

    def add_plain(self, node: dict[str, Any]) -> int:
        """Add a node whose fields are already as exported (``id`` first, then a ``base``, no
        defaults, no Source objects, no dates): the fast path of the many nodes of one kind."""
        i = len(self.nodes)
        node["id"] = i
        self.nodes.append(node)
        return i

    def base(self, fields: dict[str, Any]) -> int:
        """Register fields several nodes share (a norm line's labels, rule, place, dates and
        source, the same in every item that uses it); returns its index in ``bases``."""
        self.bases.append(self._plain(fields))
        return len(self.bases) - 1

    def _plain(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The fields as exported: no defaults, the source as its index, dates as ISO text."""
        node = {k: v for k, v in fields.items() if v is not None}
        if not node.get("inputs", True):
            del node["inputs"]
        if not node.get("children", True):
            del node["children"]
        if node.get("verified") is True:
            del node["verified"]
        src = node.get("source")
        if src is not None:
            node["source"] = self._source(src)
        d = node.get("effective_from")
        if d is not None:
            node["effective_from"] = d.isoformat()
        d = node.get("effective_to")
        if d is not None:
            node["effective_to"] = d.isoformat()
        return node

    def _source(self, src: Source) -> int:
        hit = self._source_ids.get(id(src))
        if hit is None:
            hit = self._source_ids[id(src)] = len(self.sources)
            self.sources.append(src)
        return hit

    def __len__(self) -> int:
        return len(self.nodes)

    # ---- export -------------------------------------------------------------------------------
    def chunks(self) -> Iterator[bytes]:
        """The graph as compact JSON (``normkit.trace/2``), in chunks."""
        sources = [s.json_fields() for s in self.sources]
        nodes = (jsonstream.encode(self.nodes[i:i + jsonstream.BATCH])[1:-1] for i in range(0, len(self.nodes), jsonstream.BATCH))
        return jsonstream.obj([("schema", jsonstream.encode(TRACE_SCHEMA)), ("roots", jsonstream.encode(self.roots)),
                               ("sources", jsonstream.encode(sources)), ("bases", jsonstream.encode(self.bases)), ("nodes", jsonstream.array(jsonstream.joined(nodes)))])

    def data(self) -> dict[str, Any]:
        """The exported graph as plain data (what :meth:`chunks` writes, parsed)."""
        import json

        return dict(json.loads(b"".join(self.chunks())))

    # ---- Python readers -----------------------------------------------------------------------
    def tree(self, i: int) -> TraceNode:
        """Node ``i`` as a :class:`TraceNode` whose children are TraceNodes; a node shared by
        several parents is one object (built once, without re-validation)."""
        hit = self._trees.get(i)
        if hit is not None:
            return hit
        for j in self._subtree_order(i):  # children first, without recursion: a chain may be deep
            if j in self._trees:
                continue
            n = self.nodes[j]
            fields = dict(_DEFAULTS)
            if "base" in n:
                fields.update(self.bases[n["base"]])
            fields.update(n)
            n = fields
            del fields["id"]
            fields.pop("base", None)
            fields["inputs"] = [TraceInput(**x) for x in n["inputs"]]
            fields["children"] = [self._trees[c] for c in n["children"]]
            if n["source"] is not None:
                fields["source"] = self.sources[n["source"]]
            for k in ("effective_from", "effective_to"):
                if n[k] is not None:
                    fields[k] = dt.date.fromisoformat(n[k])
            self._trees[j] = TraceNode(**fields)
        return self._trees[i]

    def _subtree_order(self, i: int) -> list[int]:
        out: list[int] = []
        seen: set[int] = set()
        stack = [(i, False)]
        while stack:
            j, done = stack.pop()
            if done:
                out.append(j)
                continue
            if j in seen or j in self._trees:
                continue
            seen.add(j)
            stack.append((j, True))
            stack.extend((c, False) for c in reversed(self.nodes[j].get("children", ())))
        return out

    def trees(self) -> list[TraceNode]:
        return [self.tree(i) for i in self.roots]


class Assembler:
    """Turns records into graph nodes, once each (a record met twice is the same node).

    A record is anything with ``kind`` and ``children``; ``kind`` names the method ``_<kind>``,
    which returns the node's fields (a dict; ``children`` as node ids from :meth:`kids`), or the
    id of the node it added itself."""

    def __init__(self, rs: RuleSet, graph: Graph | None = None) -> None:
        self.rs = rs
        self.sources = rs.compiled.sources
        self.graph = graph if graph is not None else Graph()
        self.done: dict[int, int] = {}
        self._held: list[Any] = []  # every record met: an id() in `done` stays its record's while the assembler lives

    def source(self, key: str | None) -> Any:
        return self.sources.get(key) if key else None

    def add(self, r: Any, context: Any = None) -> int:
        """The id of the node of record ``r`` (made with its sub-records on first meeting)."""
        hit = self.done.get(id(r))
        if hit is not None:
            return hit
        made: dict[str, Any] | int = getattr(self, "_" + r.kind)(r, context)
        if not isinstance(made, int):  # a method may add its node itself (e.g. with a base)
            made = self.graph.add(made)
        self.done[id(r)] = made
        self._held.append(r)  # records made on the fly (a one-unit line scaled to a quantity) must not free their id for another
        return made

    def node(self, r: Any, context: Any = None) -> TraceNode:
        """The record ``r`` as a :class:`TraceNode` tree."""
        return self.graph.tree(self.add(r, context))

    def kids(self, r: Any, context: Any = None) -> list[int]:
        return [self.add(c, context) for c in r.children]

    def _formula(self, r: Rec, _c: Any) -> dict[str, Any]:
        f = r.ref
        args = r.extra or ()
        return {"kind": "formula", "name": f.name, "label_vi": f.label.vi, "label_en": f.label.en, "formula": f.text, "value": fmt(r.value),
                "unit": f.unit, "inputs": [trace_input(p, fmt(a), None if t.kind != "num" else _unit(t)) for (p, t), a in zip(f.params, args, strict=True)],
                "pack": f.pack, "location": str(f.location), "source": self.source(f.source), "verified": f.verified, "why": f.why,
                "children": self.kids(r)}

    def _adjustment(self, r: Rec, _c: Any) -> dict[str, Any]:
        a = r.ref
        chosen = r.extra
        text = a.base_text if chosen is None else next(e.value_text for e in a.exceptions if e.label == chosen)
        return {"kind": "adjustment", "name": a.name, "label_vi": a.label.vi, "label_en": a.label.en, "formula": text, "value": fmt(r.value),
                "unit": a.unit, "rule": chosen or "base", "pack": a.pack, "location": str(a.location), "source": self.source(a.source),
                "children": self.kids(r)}

    def _parameter(self, r: Rec, _c: Any) -> dict[str, Any]:
        p = r.ref
        if r.extra == "overlay":
            return {"kind": "parameter", "name": p.name, "label_vi": p.label.vi, "label_en": p.label.en, "value": fmt(r.value), "unit": p.unit,
                    "rule": "what-if overlay", "pack": p.pack, "location": str(p.location), "verified": False, "why": "value set by a what-if overlay"}
        d = r.extra
        return {"kind": "parameter", "name": p.name, "label_vi": p.label.vi, "label_en": p.label.en, "value": fmt(r.value), "unit": p.unit,
                "pack": d.pack, "location": str(d.location), "effective_from": d.start, "effective_to": d.end, "source": self.source(d.source),
                "verified": d.verified, "why": d.why}

    def _table(self, r: Rec, _c: Any) -> dict[str, Any]:
        t = r.ref
        if r.extra[0] == "overlay":  # a row set by a what-if
            _, key, unit = r.extra
            return {"kind": "table", "name": t.name, "label_vi": t.label.vi, "label_en": t.label.en, "value": fmt(r.value), "unit": unit,
                    "inputs": [trace_input(k, str(v)) for (k, _), v in zip(t.keys, key, strict=True)],
                    "rule": "what-if overlay", "pack": t.pack, "location": str(t.location), "verified": False,
                    "why": "value set by a what-if overlay"}
        version, row = r.extra
        return {"kind": "table", "name": t.name, "label_vi": t.label.vi, "label_en": t.label.en, "value": fmt(r.value), "unit": row.unit,
                "inputs": [trace_input(k, v) for (k, _), v in zip(t.keys, row.id.split("/", len(t.keys) - 1), strict=True)],
                "rule": row.id, "pack": version.pack, "location": str(row.location), "effective_from": version.start,
                "effective_to": version.end, "source": self.source(version.source), "verified": version.verified, "why": version.why}

    def _input(self, r: Rec, _c: Any) -> dict[str, Any]:
        i = r.ref
        return {"kind": "input", "name": i.name, "label_vi": i.label.vi, "label_en": i.label.en, "value": fmt(r.value), "unit": i.unit,
                "rule": "order input", "pack": i.pack, "location": str(i.location)}


def trace_input(name: str, value: str, unit: str | None = None) -> dict[str, str]:
    """One entry of a node's ``inputs``."""
    return {"name": name, "value": value} if unit is None else {"name": name, "value": value, "unit": unit}


def _unit(t: Any) -> str:
    return format_powers(dict(t.unit))
