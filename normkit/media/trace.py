"""The trace of a quote: the engine's records plus pricing's own (item, line, extra, factor,
check, rounding; a line a norm set scaled carries the set's factor and source as a child), turned
into one :class:`~normkit.core.trace.Graph` on first use (each distinct node once). A line
rounded as the quote's ``rounding`` says has its amount before rounding as the input
``before rounding``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from normkit.core.numbers import CTX
from normkit.core.runtime import Rec, RuleSet
from normkit.core.trace import Assembler, Graph, fast_fmt, fmt, trace_input
from normkit.media.plan import PricedLine, ScaledRec, expand
from normkit.media.quote import QuoteItem


class QuoteAssembler(Assembler):
    """Turns a quote's records into nodes; rounding is shown as the pack set states it."""

    def __init__(self, rs: RuleSet) -> None:
        super().__init__(rs)
        self.quantum = rs.compiled.money.quantum
        self.mode = rs.compiled.money.rounding
        self._lines: dict[tuple[int, int], _LineStatic] = {}
        self._bases: dict[int, int] = {}  # id(norm or extra) -> its base

    def _item(self, r: Rec, _c: Any) -> int:
        norm = r.ref
        facts: QuoteItem = r.extra  # the item's id, quantity and subtotals
        base = self._bases.get(id(norm))
        if base is None:  # what every item of this norm shares
            base = self._bases[id(norm)] = self.graph.base({
                "kind": "item", "label_vi": norm.name.vi, "label_en": norm.name.en, "formula": "Σ line amounts (+ extras)", "unit": "VND",
                "rule": norm.code, "pack": norm.pack, "location": str(norm.location), "effective_from": norm.valid_from,
                "effective_to": norm.valid_to, "source": self.source(norm.source), "verified": norm.verified, "why": norm.why})
        children = [self.add(c, norm) for c in expand(r.children)]
        inputs = [{"name": "quantity", "value": fast_fmt(facts.quantity), "unit": norm.output_unit}]
        if facts.unit_price is not None:
            inputs.append({"name": "unit_amount", "value": fast_fmt(facts.unit_price), "unit": "VND"})
        inputs += [{"name": f"{k}_amount", "value": fast_fmt(v), "unit": "VND"} for k, v in facts.subtotals.items() if v]
        node = {"id": 0, "base": base, "name": f"{facts.id}: {norm.code}", "value": fast_fmt(r.value), "inputs": inputs}
        if facts.unit_price is not None:
            node["formula"] = "one-unit amount × quantity (lines below: one unit)"
        if children:
            node["children"] = children
        return self.graph.add_plain(node)

    def _scaled(self, node: dict[str, Any], formula: str, r: ScaledRec) -> int:
        """An amount for the item's quantity: the one-unit node's fields (``node``, not added on
        its own), with value = one-unit amount × quantity, rounded where the pack rounds."""
        exact = CTX.multiply(r.unit_amount, r.quantity)  # normkit's context, not the caller's: the trace is built on first use
        children = list(node.get("children", ()))
        if exact != r.amount:
            children.append(self.graph.add({"kind": "rounding", "name": "round amount", "formula": f"round({fmt(exact)}, {fmt(self.quantum)}, {self.mode})",
                                            "value": fmt(r.amount), "unit": "VND", "inputs": [trace_input("before", fmt(exact), "VND")]}))
        node.update({"value": fast_fmt(r.amount), "formula": f"one-unit amount × quantity ({formula})",
                     "inputs": [*node["inputs"], {"name": "one_unit_amount", "value": fast_fmt(r.unit_amount), "unit": "VND"},
                                {"name": "item_quantity", "value": fast_fmt(r.quantity)}]})
        if children:
            node["children"] = children
        return self.graph.add_plain(node)

    def _line(self, r: PricedLine | ScaledRec, norm: Any) -> int:
        if isinstance(r, ScaledRec):
            return self._scaled(self._line_node(r.unit, norm), "quantity × rate", r)
        return self.graph.add_plain(self._line_node(r, norm))

    def _line_node(self, r: PricedLine, norm: Any) -> dict[str, Any]:
        line = r.plan.line
        static = self._lines.get((id(line), id(norm)))
        if static is None:
            static = self._lines[(id(line), id(norm))] = _LineStatic(self, line, norm)
        if r.children is not static.kids_of:  # the rate's records: one list per date, shared by every item
            static.kids_of, static.kids = r.children, self.kids(r)
        children = list(static.kids)
        if line.set_factor is not None:
            children.insert(0, self.graph.add(self._set_factor(line)))
        exact, amount, rate = r.exact, r.amount, r.rate
        if rate is not static.rate:  # the rate of a date is one object, shared by every item
            static.rate, static.rate_input = rate, {"name": "rate", "value": fast_fmt(rate), "unit": static.rate_unit}
        inputs = [{"name": "quantity", "value": fast_fmt(r.quantity), "unit": static.unit}, static.rate_input, static.rate_formula]
        if exact != amount:  # rounded as the quote's `rounding` says
            inputs.append({"name": "before rounding", "value": fast_fmt(exact), "unit": "VND"})
        node = {"id": 0, "base": static.base, "value": fast_fmt(amount), "inputs": inputs}
        if children:
            node["children"] = children
        return node

    def _set_factor(self, line: Any) -> dict[str, Any]:
        """The norm set's factor on a line it scaled: national quantity × factor = this quantity."""
        return {"kind": "factor", "name": f"norm set {line.set_id}", "formula": "national quantity × factor", "value": fmt(line.set_factor), "unit": "1",
                "inputs": [trace_input("national quantity", fmt(line.national_quantity), line.unit), trace_input("scaled quantity", fmt(line.quantity), line.unit)],
                "rule": f"{line.component} × {fmt(line.set_factor)}", "pack": line.set_id.split("/", 1)[0],
                "source": self.source(line.set_source), "verified": line.set_verified, "why": line.set_why}

    def _extra(self, r: Rec | ScaledRec, _c: Any) -> int:
        if isinstance(r, ScaledRec):
            return self._scaled(self._extra_node(r.unit), r.unit.ref.text, r)
        return self.graph.add_plain(self._extra_node(r))

    def _extra_node(self, r: Rec) -> dict[str, Any]:
        x = r.ref
        base = self._bases.get(id(x))
        if base is None:  # what every item's line of this extra shares
            src = self.source(x.source)
            base = self._bases[id(x)] = self.graph.base({
                "kind": "extra", "name": x.id, "label_vi": x.label.vi, "label_en": x.label.en, "formula": x.text, "unit": "VND",
                "pack": x.pack, "location": str(x.location), "source": src, "verified": src.verified if src is not None else True})
        node = {"id": 0, "base": base, "value": fast_fmt(r.value), "inputs": [{"name": "before rounding", "value": fast_fmt(r.extra), "unit": "VND"}]}
        children = self.kids(r)
        if children:
            node["children"] = children
        return node

    def _factor(self, r: Rec, _c: Any) -> dict[str, Any]:
        norm = r.ref
        return {"kind": "factor", "name": f"share of {norm.derive_from}", "formula": norm.factor_text, "value": fmt(r.value), "unit": "1",
                "inputs": [trace_input("components", ", ".join(norm.derive_components or []))],
                "rule": f"{norm.code} derived from {norm.derive_from}", "pack": norm.pack, "location": str(norm.location),
                "source": self.source(norm.factor_source), "children": self.kids(r)}

    def _check(self, r: Rec, _c: Any) -> dict[str, Any]:
        chk = r.ref
        return {"kind": "check", "name": chk.id, "label_vi": chk.label.vi, "label_en": chk.label.en, "formula": chk.text, "value": "false",
                "rule": f"overridden: {r.extra}", "pack": chk.pack, "location": str(chk.location), "source": self.source(chk.source),
                "verified": False, "why": f"condition not met; priced anyway because the order says: {r.extra}", "children": self.kids(r)}

    def _rounding(self, r: Rec, _c: Any) -> dict[str, Any]:
        return {"kind": "rounding", "name": f"round {r.ref}", "formula": f"round({fmt(r.extra)}, {fmt(self.quantum)}, {self.mode})",
                "value": fmt(r.value), "unit": "VND", "inputs": [trace_input("before", fmt(r.extra), "VND")]}


class _LineStatic:
    """What a line's node says that depends on the norm line alone (made once per assembler):
    its base (labels, rule, place, dates, source), units, rate formula, and the last rate seen."""

    __slots__ = ("base", "kids", "kids_of", "rate", "rate_formula", "rate_input", "rate_unit", "unit")

    def __init__(self, a: QuoteAssembler, line: Any, norm: Any) -> None:
        step = f" bậc {line.step}/{line.steps}" if line.step is not None and line.steps else (f" bậc {line.step}" if line.step is not None else "")
        self.base = a.graph.base({
            "kind": "line", "name": f"{line.component}: {line.resource}", "label_vi": line.label.vi + step, "label_en": line.label.en,
            "formula": "quantity × rate", "unit": "VND", "rule": f"{norm.code if norm else ''} {line.resource}".strip(),
            "pack": norm.pack if norm else None, "location": str(line.location),
            "effective_from": norm.valid_from if norm else None, "effective_to": norm.valid_to if norm else None,
            "source": a.source(norm.source) if norm else None, "verified": line.verified, "why": line.why})
        self.unit, self.rate_unit = line.unit, line.rate_unit
        self.rate_formula = trace_input("rate_formula", line.rate_text)
        self.rate: Any = None
        self.kids_of: Any = None
        self.kids: list[int] = []
        self.rate_input: dict[str, str] = {}


def assemble(rs: RuleSet, records: Sequence[Any]) -> Graph:
    """The trace graph of a quote's top-level records (items, then a total rounding): its roots."""
    a = QuoteAssembler(rs)
    a.graph.roots = [a.add(r) for r in records]
    return a.graph
