"""The trace of a quote: the engine's records plus pricing's own (item, line, extra, factor,
check, rounding; a line a norm set scaled carries the set's factor and source as a child), turned into :class:`~normkit.core.trace.TraceNode` trees on first use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from normkit.core.numbers import CTX
from normkit.core.runtime import Rec, RuleSet
from normkit.core.trace import Assembler, TraceInput, TraceNode, fmt
from normkit.media.plan import PricedLine, ScaledRec, expand
from normkit.media.quote import QuoteItem


class QuoteAssembler(Assembler):
    """Turns a quote's records into nodes; rounding is shown as the pack set states it."""

    def __init__(self, rs: RuleSet) -> None:
        super().__init__(rs)
        self.quantum = rs.compiled.money.quantum
        self.mode = rs.compiled.money.rounding

    def _item(self, r: Rec, _c: Any) -> TraceNode:
        norm = r.ref
        facts: QuoteItem = r.extra  # the item's id, quantity and subtotals
        src = self.source(norm.source)
        return TraceNode(
            kind="item", name=f"{facts.id}: {norm.code}", label_vi=norm.name.vi, label_en=norm.name.en,
            formula="Σ line amounts (+ extras)" if facts.unit_price is None else "one-unit amount × quantity (lines below: one unit)",
            value=fmt(r.value), unit="VND",
            inputs=[TraceInput(name="quantity", value=fmt(facts.quantity), unit=norm.output_unit)]
            + ([] if facts.unit_price is None else [TraceInput(name="unit_amount", value=fmt(facts.unit_price), unit="VND")])
            + [TraceInput(name=f"{k}_amount", value=fmt(v), unit="VND") for k, v in facts.subtotals.items() if v],
            rule=norm.code, pack=norm.pack, location=str(norm.location), effective_from=norm.valid_from, effective_to=norm.valid_to,
            source=src, verified=norm.verified, why=norm.why, children=[self.node(c, norm) for c in expand(r.children)])

    def _scaled(self, unit: TraceNode, r: ScaledRec) -> TraceNode:
        """An amount for the item's quantity: its one-unit node, with value = one-unit amount × quantity (rounded)."""
        exact = CTX.multiply(r.unit_amount, r.quantity)  # normkit's context, not the caller's: the trace is built on first use
        children = list(unit.children)
        if exact != r.amount:
            children.append(TraceNode(kind="rounding", name="round amount", formula=f"round({fmt(exact)}, {fmt(self.quantum)}, {self.mode})",
                                      value=fmt(r.amount), unit="VND", inputs=[TraceInput(name="before", value=fmt(exact), unit="VND")]))
        return unit.model_copy(update={
            "value": fmt(r.amount), "formula": f"one-unit amount × quantity ({unit.formula})", "children": children,
            "inputs": [*unit.inputs, TraceInput(name="one_unit_amount", value=fmt(r.unit_amount), unit="VND"),
                       TraceInput(name="item_quantity", value=fmt(r.quantity))]})

    def _line(self, r: PricedLine | ScaledRec, norm: Any) -> TraceNode:
        if isinstance(r, ScaledRec):
            return self._scaled(self._line(r.unit, norm), r)
        line = r.plan.line
        qty, rate, exact = r.quantity, r.rate, r.exact
        children = self.kids(r)
        if exact != r.amount:
            children.append(TraceNode(kind="rounding", name="round line", formula=f"round({fmt(exact)}, {fmt(self.quantum)}, {self.mode})",
                                      value=fmt(r.amount), unit="VND", inputs=[TraceInput(name="before", value=fmt(exact), unit="VND")]))
        if line.set_factor is not None:
            children.insert(0, self._set_factor(line))
        step = f" bậc {line.step}/{line.steps}" if line.step is not None and line.steps else (f" bậc {line.step}" if line.step is not None else "")
        return TraceNode(
            kind="line", name=f"{line.component}: {line.resource}", label_vi=line.label.vi + step, label_en=line.label.en,
            formula="quantity × rate", value=fmt(r.amount), unit="VND",
            inputs=[TraceInput(name="quantity", value=fmt(qty), unit=line.unit), TraceInput(name="rate", value=fmt(rate), unit=line.rate_unit),
                    TraceInput(name="rate_formula", value=line.rate_text)],
            rule=f"{norm.code if norm else ''} {line.resource}".strip(), pack=norm.pack if norm else None, location=str(line.location),
            effective_from=norm.valid_from if norm else None, effective_to=norm.valid_to if norm else None,
            source=self.source(norm.source) if norm else None, verified=line.verified, why=line.why, children=children)

    def _set_factor(self, line: Any) -> TraceNode:
        """The norm set's factor on a line it scaled: national quantity × factor = this quantity."""
        return TraceNode(kind="factor", name=f"norm set {line.set_id}", formula="national quantity × factor",
                         value=fmt(line.set_factor), unit="1",
                         inputs=[TraceInput(name="national quantity", value=fmt(line.national_quantity), unit=line.unit),
                                 TraceInput(name="scaled quantity", value=fmt(line.quantity), unit=line.unit)],
                         rule=f"{line.component} × {fmt(line.set_factor)}", pack=line.set_id.split("/", 1)[0],
                         source=self.source(line.set_source), verified=line.set_verified, why=line.set_why)

    def _extra(self, r: Rec | ScaledRec, _c: Any) -> TraceNode:
        if isinstance(r, ScaledRec):
            return self._scaled(self._extra(r.unit, _c), r)
        x = r.ref
        return TraceNode(kind="extra", name=x.id, label_vi=x.label.vi, label_en=x.label.en, formula=x.text, value=fmt(r.value), unit="VND",
                         inputs=[TraceInput(name="before rounding", value=fmt(r.extra), unit="VND")], pack=x.pack, location=str(x.location),
                         source=self.source(x.source), verified=self.source(x.source).verified if x.source else True, children=self.kids(r))

    def _factor(self, r: Rec, _c: Any) -> TraceNode:
        norm = r.ref
        return TraceNode(kind="factor", name=f"share of {norm.derive_from}", formula=norm.factor_text, value=fmt(r.value), unit="1",
                         inputs=[TraceInput(name="components", value=", ".join(norm.derive_components or []))],
                         rule=f"{norm.code} derived from {norm.derive_from}", pack=norm.pack, location=str(norm.location),
                         source=self.source(norm.factor_source), children=self.kids(r))

    def _check(self, r: Rec, _c: Any) -> TraceNode:
        chk = r.ref
        return TraceNode(kind="check", name=chk.id, label_vi=chk.label.vi, label_en=chk.label.en, formula=chk.text, value="false",
                         rule=f"overridden: {r.extra}", pack=chk.pack, location=str(chk.location), source=self.source(chk.source),
                         verified=False, why=f"condition not met; priced anyway because the order says: {r.extra}", children=self.kids(r))

    def _rounding(self, r: Rec, _c: Any) -> TraceNode:
        return TraceNode(kind="rounding", name=f"round {r.ref}", formula=f"round({fmt(r.extra)}, {fmt(self.quantum)}, {self.mode})",
                         value=fmt(r.value), unit="VND", inputs=[TraceInput(name="before", value=fmt(r.extra), unit="VND")])



def assemble(rs: RuleSet, records: Sequence[Any]) -> list[TraceNode]:
    """The trace nodes of a quote's top-level records (items, then a total rounding)."""
    a = QuoteAssembler(rs)
    return [a.node(r) for r in records]
