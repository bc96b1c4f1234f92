"""Turn the compact evaluation records into :class:`~normkit.media.quote.TraceNode` trees.

Each node says how a figure was obtained: formula text, inputs with values and units, the
rule/norm/table row it came from, its effective dates and its legal source.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from normkit.media.quote import TraceInput, TraceNode

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.runtime import Rec, RuleSet
    from normkit.media.quote import Quote


def fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Assembler:
    def __init__(self, rs: "RuleSet") -> None:
        self.rs = rs
        self.sources = rs.compiled.sources
        self.done: dict[int, TraceNode] = {}

    def source(self, key: str | None) -> Any:
        return self.sources.get(key) if key else None

    def node(self, r: Any, context: Any = None) -> TraceNode:
        hit = self.done.get(id(r))
        if hit is not None:
            return hit
        if isinstance(r, tuple):  # a priced norm line, recorded compactly: ("line", line, QuoteLine, rate trace)
            from normkit.core.runtime import Rec

            r = Rec("line", r[1], r[2].amount, r[3], r[2])
        made = getattr(self, "_" + r.kind)(r, context)
        self.done[id(r)] = made
        return made

    def kids(self, r: "Rec", context: Any = None) -> list[TraceNode]:
        return [self.node(c, context) for c in r.children]

    def _item(self, r: "Rec", _c: Any) -> TraceNode:
        norm = r.ref
        item_id, qty, subtotal = r.extra
        src = self.source(norm.source)
        return TraceNode(
            kind="item", name=f"{item_id}: {norm.code}", label_vi=norm.name.vi, label_en=norm.name.en,
            formula="Σ line amounts (+ extras)", value=fmt(r.value), unit="VND",
            inputs=[TraceInput(name="quantity", value=fmt(qty), unit=norm.output_unit)]
            + [TraceInput(name=f"{k}_amount", value=fmt(v), unit="VND") for k, v in subtotal.items() if v],
            rule=norm.code, pack=norm.pack, location=str(norm.location), effective_from=norm.valid_from, effective_to=norm.valid_to,
            source=src, verified=norm.verified, why=norm.why, children=self.kids(r, norm))

    def _line(self, r: "Rec", norm: Any) -> TraceNode:
        line = r.ref
        ql = r.extra
        qty, rate, exact = ql.quantity, ql.rate, ql.amount_exact
        children = self.kids(r)
        if exact != r.value:
            q = self.rs.quantum
            children.append(TraceNode(kind="rounding", name="round line", formula=f"round({fmt(exact)}, {fmt(q)}, {self.rs.mode})",
                                      value=fmt(r.value), unit="VND", inputs=[TraceInput(name="before", value=fmt(exact), unit="VND")]))
        step = f" bậc {line.step}/{line.steps}" if line.step is not None and line.steps else (f" bậc {line.step}" if line.step is not None else "")
        return TraceNode(
            kind="line", name=f"{line.component}: {line.resource}", label_vi=line.label.vi + step, label_en=line.label.en,
            formula="quantity × rate", value=fmt(r.value), unit="VND",
            inputs=[TraceInput(name="quantity", value=fmt(qty), unit=line.unit), TraceInput(name="rate", value=fmt(rate), unit=line.rate_unit),
                    TraceInput(name="rate_formula", value=line.rate_text)],
            rule=f"{norm.code if norm else ''} {line.resource}".strip(), pack=norm.pack if norm else None, location=str(line.location),
            effective_from=norm.valid_from if norm else None, effective_to=norm.valid_to if norm else None,
            source=self.source(norm.source) if norm else None, verified=line.verified, why=line.why, children=children)

    def _extra(self, r: "Rec", _c: Any) -> TraceNode:
        x = r.ref
        return TraceNode(kind="extra", name=x.id, label_vi=x.label.vi, label_en=x.label.en, formula=x.text, value=fmt(r.value), unit="VND",
                         inputs=[TraceInput(name="before rounding", value=fmt(r.extra), unit="VND")], pack=x.pack, location=str(x.location),
                         source=self.source(x.source), verified=self.source(x.source).verified if x.source else True, children=self.kids(r))

    def _formula(self, r: "Rec", _c: Any) -> TraceNode:
        f = r.ref
        args = r.extra or ()
        return TraceNode(kind="formula", name=f.name, label_vi=f.label.vi, label_en=f.label.en, formula=f.text, value=fmt(r.value), unit=f.unit,
                         inputs=[TraceInput(name=p, value=fmt(a), unit=None if t.kind != "num" else _unit(t)) for (p, t), a in zip(f.params, args)],
                         pack=f.pack, location=str(f.location), source=self.source(f.source), verified=f.verified, why=f.why, children=self.kids(r))

    def _adjustment(self, r: "Rec", _c: Any) -> TraceNode:
        a = r.ref
        chosen = r.extra
        text = a.base_text if chosen is None else next(e.value_text for e in a.exceptions if e.label == chosen)
        return TraceNode(kind="adjustment", name=a.name, label_vi=a.label.vi, label_en=a.label.en, formula=text, value=fmt(r.value), unit=a.unit,
                         rule=chosen or "base", pack=a.pack, location=str(a.location), source=self.source(a.source), children=self.kids(r))

    def _parameter(self, r: "Rec", _c: Any) -> TraceNode:
        p = r.ref
        if r.extra == "overlay":
            return TraceNode(kind="parameter", name=p.name, label_vi=p.label.vi, label_en=p.label.en, value=fmt(r.value), unit=p.unit,
                             rule="what-if overlay", pack=p.pack, location=str(p.location), verified=False, why="value set by a what-if overlay")
        d = r.extra
        return TraceNode(kind="parameter", name=p.name, label_vi=p.label.vi, label_en=p.label.en, value=fmt(r.value), unit=p.unit,
                         pack=d.pack, location=str(d.location), effective_from=d.start, effective_to=d.end, source=self.source(d.source),
                         verified=d.verified, why=d.why)

    def _table(self, r: "Rec", _c: Any) -> TraceNode:
        t = r.ref
        version, row = r.extra
        return TraceNode(kind="table", name=t.name, label_vi=t.label.vi, label_en=t.label.en, value=fmt(r.value), unit=row.unit,
                         inputs=[TraceInput(name=k, value=v) for (k, _), v in zip(t.keys, row.id.split("/"))],
                         rule=row.id, pack=version.pack, location=str(row.location), effective_from=version.start, effective_to=version.end,
                         source=self.source(version.source), verified=version.verified, why=version.why)

    def _input(self, r: "Rec", _c: Any) -> TraceNode:
        i = r.ref
        return TraceNode(kind="input", name=i.name, label_vi=i.label.vi, label_en=i.label.en, value=fmt(r.value), unit=i.unit,
                         rule="order input", pack=i.pack, location=str(i.location))

    def _factor(self, r: "Rec", _c: Any) -> TraceNode:
        norm = r.ref
        return TraceNode(kind="factor", name=f"share of {norm.derive_from}", formula=norm.factor_text, value=fmt(r.value), unit="1",
                         inputs=[TraceInput(name="components", value=", ".join(norm.derive_components or []))],
                         rule=f"{norm.code} derived from {norm.derive_from}", pack=norm.pack, location=str(norm.location),
                         source=self.source(norm.factor_source), children=self.kids(r))

    def _check(self, r: "Rec", _c: Any) -> TraceNode:
        chk = r.ref
        return TraceNode(kind="check", name=chk.id, label_vi=chk.label.vi, label_en=chk.label.en, formula=chk.text, value="false",
                         rule=f"overridden: {r.extra}", pack=chk.pack, location=str(chk.location), source=self.source(chk.source),
                         verified=False, why=f"condition not met; priced anyway because the order says: {r.extra}", children=self.kids(r))

    def _rounding(self, r: "Rec", _c: Any) -> TraceNode:
        return TraceNode(kind="rounding", name=f"round {r.ref}", formula=f"round({fmt(r.extra)}, {fmt(self.rs.quantum)}, {self.rs.mode})",
                         value=fmt(r.value), unit="VND", inputs=[TraceInput(name="before", value=fmt(r.extra), unit="VND")])


def _unit(t: Any) -> str:
    from normkit.core.units import format_powers

    return format_powers(dict(t.unit))


def assemble(rs: "RuleSet", quote: "Quote", recs: list["Rec"]) -> list[TraceNode]:
    a = Assembler(rs)
    return [a.node(r) for r in recs]
