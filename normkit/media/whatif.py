"""What-if: compare a baseline quote with a variant, line by line, with the cause of each change.

A variant is the same order priced with some parameters or table rows overridden (``--set`` or
an overlay; a row is named ``table[key]``). The cause of a line's change is read from its trace:
every node of kind ``parameter`` or ``table`` with rule ``"what-if overlay"`` below the line is an
overridden value the line depends on (a row is named ``table[key]`` in the causes). Extras
(other direct costs, overhead) are computed from the item's line amounts, which carry no
parameter nodes; their indirect causes are the causes of the item's changed lines (``via``).

>>> import normkit
>>> from normkit.media.whatif import compare
>>> rules = normkit.load("examples/packs/example-province")                  # doctest: +SKIP
>>> base = rules.quote("examples/orders/tv-bulletins.yaml")                  # doctest: +SKIP
>>> variant = rules.with_overrides({"base_salary": 1800000}).quote(...)      # doctest: +SKIP
>>> compare(base, variant).delta                                             # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from normkit.core.errors import Location, NormkitError
from normkit.media.components import COMPONENTS
from normkit.media.quote import Quote, QuoteLine, TraceNode

if TYPE_CHECKING:  # pragma: no cover
    from normkit.media.order_check import Order
    from normkit.media.pricing import PricingRules

COMPARISON_SCHEMA = "normkit.whatif/1"
SWEEP_SCHEMA = "normkit.sweep/1"
OVERLAY_RULE = "what-if overlay"


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class Change(_Out):
    baseline: Decimal
    variant: Decimal
    delta: Decimal


class LineChange(_Out):
    """One cost line in both quotes. ``baseline``/``variant`` is ``None`` when the line
    exists on one side only (an extra whose condition changed)."""

    item: str
    norm: str
    component: Literal["labour", "equipment", "material", "other"]
    resource: str
    label_vi: str
    label_en: str
    baseline: Decimal | None
    variant: Decimal | None
    delta: Decimal
    status: Literal["changed", "unchanged", "added", "removed"]
    causes: list[str] = Field(default_factory=list, description="overridden parameters and table rows (`table[key]`) this line's trace depends on")
    via: list[str] = Field(default_factory=list, description="overridden parameters reaching this line through the item's line amounts")


class ItemChange(_Out):
    id: str
    norm: str
    name_vi: str
    name_en: str
    baseline: Decimal | None
    variant: Decimal | None
    delta: Decimal
    causes: list[str] = Field(default_factory=list)


class Comparison(_Out):
    """Baseline and variant of one order, side by side. Money is exact (strings in JSON)."""

    schema_: str = Field(default=COMPARISON_SCHEMA, alias="schema")
    order_id: str
    at: dt.date
    variant_at: dt.date
    overlay_label: str | None = None
    overrides: dict[str, str] = Field(default_factory=dict, description="the values the variant sets")
    baseline_total: Decimal
    variant_total: Decimal
    delta: Decimal
    delta_percent: Decimal | None = Field(default=None, description="delta / baseline × 100, to 2 decimals (display only)")
    subtotals: dict[str, Change]
    items: list[ItemChange]
    lines: list[LineChange]


class SweepLine(_Out):
    item: str
    norm: str
    component: Literal["labour", "equipment", "material", "other"]
    resource: str
    label_vi: str
    label_en: str
    amounts: list[Decimal | None] = Field(description="one per column, baseline first")
    causes: list[str] = Field(default_factory=list)


class SweepItem(_Out):
    id: str
    norm: str
    name_vi: str
    name_en: str
    totals: list[Decimal | None]


class Sweep(_Out):
    """One order priced once as the packs say, then once per value of one parameter."""

    schema_: str = Field(default=SWEEP_SCHEMA, alias="schema")
    order_id: str
    at: dt.date
    parameter: str
    values: list[str]
    columns: list[str] = Field(description='"baseline", then "NAME=value" per value')
    base_overrides: dict[str, str] = Field(default_factory=dict, description="values set in every swept column (--set/--overlay)")
    totals: list[Decimal]
    subtotals: dict[str, list[Decimal]]
    items: list[SweepItem]
    lines: list[SweepLine]


# ---- trace walking ----------------------------------------------------------------------------

def overridden(node: TraceNode) -> list[str]:
    """Names of the overridden parameters and table rows (``table[key]``) below ``node``, in the order first met."""
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.rule == OVERLAY_RULE and n.kind in ("parameter", "table"):
            name = n.name if n.kind == "parameter" else f"{n.name}[{','.join(i.value for i in n.inputs)}]"
            if name not in out:
                out.append(name)
        stack.extend(reversed(n.children))
    return out


def line_nodes(q: Quote) -> dict[int, TraceNode]:
    """Quote line index -> its trace node (line or extra), matched item by item, in order."""
    out: dict[int, TraceNode] = {}
    by_item: dict[str, list[int]] = {}
    for i, line in enumerate(q.lines):
        by_item.setdefault(line.item, []).append(i)
    item_nodes = [n for n in q.trace if n.kind == "item"]
    # not strict: a quote read back without its trace has no nodes to match (and so no entries here)
    for item, node in zip(q.items, item_nodes, strict=False):
        kids = [c for c in node.children if c.kind in ("line", "extra")]
        for idx, kid in zip(by_item.get(item.id, []), kids, strict=False):
            out[idx] = kid
    return out


def _keyed(q: Quote) -> dict[tuple, tuple[QuoteLine, TraceNode | None]]:
    nodes = line_nodes(q)
    seen: dict[tuple, int] = {}
    out: dict[tuple, tuple[QuoteLine, TraceNode | None]] = {}
    for i, line in enumerate(q.lines):
        base = (line.item, line.component, line.resource)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out[base + (n,)] = (line, nodes.get(i))
    return out


def _merge_keys(*keyed: dict[Any, Any]) -> list[Any]:
    keys: list[Any] = []
    present: set[Any] = set()
    for k in keyed:
        for key in k:
            if key not in present:
                present.add(key)
                keys.append(key)
    return keys


# ---- compare ----------------------------------------------------------------------------------

def compare(baseline: Quote, variant: Quote) -> Comparison:
    """Line-by-line difference of two quotes of the same order, with causes from the variant's trace."""
    if baseline.order_id != variant.order_id:
        raise NormkitError("NK806", f"cannot compare quotes of different orders ({baseline.order_id} and {variant.order_id})")
    a, b = _keyed(baseline), _keyed(variant)
    lines: list[LineChange] = []
    for key in _merge_keys(a, b):
        la, lb = a.get(key), b.get(key)
        ref = (lb or la)[0]  # type: ignore[index]
        va = la[0].amount if la else None
        vb = lb[0].amount if lb else None
        node = lb[1] if lb else (la[1] if la else None)
        causes = overridden(node) if node is not None else []
        delta = (vb or Decimal(0)) - (va or Decimal(0))
        status: Literal["changed", "unchanged", "added", "removed"] = (
            "added" if la is None else "removed" if lb is None else ("changed" if delta else "unchanged"))
        lines.append(LineChange(item=ref.item, norm=ref.norm, component=ref.component, resource=ref.resource,
                                label_vi=ref.label_vi, label_en=ref.label_en, baseline=va, variant=vb, delta=delta,
                                status=status, causes=causes))
    lines = _with_via(lines)
    items: list[ItemChange] = []
    ia = {i.id: i for i in baseline.items}
    ib = {i.id: i for i in variant.items}
    for item_id in _merge_keys(ia, ib):
        x, y = ia.get(item_id), ib.get(item_id)
        ref_item = y or x
        assert ref_item is not None
        item_causes: list[str] = []
        for ln in lines:
            if ln.item == item_id and ln.status != "unchanged":
                item_causes.extend(c for c in ln.causes + ln.via if c not in item_causes)
        items.append(ItemChange(id=item_id, norm=ref_item.norm, name_vi=ref_item.name_vi, name_en=ref_item.name_en,
                                baseline=x.total if x else None, variant=y.total if y else None,
                                delta=(y.total if y else Decimal(0)) - (x.total if x else Decimal(0)), causes=item_causes))
    subtotals = {c: Change(baseline=baseline.subtotals.get(c, Decimal(0)), variant=variant.subtotals.get(c, Decimal(0)),
                           delta=variant.subtotals.get(c, Decimal(0)) - baseline.subtotals.get(c, Decimal(0))) for c in COMPONENTS}
    delta = variant.total - baseline.total
    pct = (delta * 100 / baseline.total).quantize(Decimal("0.01"), ROUND_HALF_UP) if baseline.total else None
    ov = variant.overlay
    return Comparison(order_id=baseline.order_id, at=baseline.at, variant_at=variant.at, overlay_label=ov.label if ov else None,
                      overrides=dict(ov.values) if ov else {}, baseline_total=baseline.total, variant_total=variant.total,
                      delta=delta, delta_percent=pct, subtotals=subtotals, items=items, lines=lines)


def _with_via(lines: list[LineChange]) -> list[LineChange]:
    """Extras see the item's line amounts: give a changed extra the causes of its item's changed lines."""
    out: list[LineChange] = []
    for i, ln in enumerate(lines):
        if ln.component == "other" and ln.status != "unchanged":
            via: list[str] = []
            for other in lines[:i]:
                if other.item == ln.item and other.status != "unchanged":
                    via.extend(c for c in other.causes + other.via if c not in via and c not in ln.causes)
            out.append(ln.model_copy(update={"via": via}))
        else:
            out.append(ln)
    return out


# ---- sweep ------------------------------------------------------------------------------------

def parse_sweep(text: str) -> tuple[str, list[str]]:
    """``"base_salary=1800000,2340000"`` -> ``("base_salary", ["1800000", "2340000"])``; with a
    ``;`` the values are separated by ``;``, so each may use commas (``0,5;0,6``, ``1,800,000;2,340,000``)."""
    name, sep, rest = text.partition("=")
    values = [v.strip() for v in rest.split(";" if ";" in rest else ",")]
    if not sep or not name.strip() or not rest.strip() or any(not v for v in values):
        raise NormkitError("NK602", f"--sweep expects NAME=V1,V2,…, got {text!r}", location=Location(path="--sweep"),
                           hint="e.g. --sweep base_salary=1800000,2340000, or separate with ; when a value has a comma: "
                                "--sweep 'base_salary=1.800.000;2.340.000'")
    return name.strip(), values


def sweep(rules: PricingRules, order: Order, name: str, values: Sequence[str | int | Decimal], *, at: dt.date | None = None,
          baseline: PricingRules | None = None) -> Sweep:
    """Price ``order`` as ``baseline`` (default: ``rules`` without its overrides) says, then
    with ``rules`` and parameter ``name`` set to each of ``values``: one column each."""
    if not values:
        raise NormkitError("NK806", "a sweep needs at least one value")
    base_rules = baseline if baseline is not None else type(rules)(rules.compiled)
    quotes = [base_rules.quote(order, at=at)]
    for v in values:
        quotes.append(rules.with_overrides({name: v}, label=f"sweep {name}").quote(order, at=at))
    keyed = [_keyed(q) for q in quotes]
    lines: list[SweepLine] = []
    for key in _merge_keys(*keyed):
        present = [k[key] for k in keyed if key in k]
        ref, _node = present[-1]
        causes: list[str] = []
        for k in keyed[1:]:
            if key in k and k[key][1] is not None:
                causes.extend(c for c in overridden(k[key][1]) if c not in causes)  # type: ignore[arg-type]
        lines.append(SweepLine(item=ref.item, norm=ref.norm, component=ref.component, resource=ref.resource,
                               label_vi=ref.label_vi, label_en=ref.label_en,
                               amounts=[k[key][0].amount if key in k else None for k in keyed], causes=causes))
    items: list[SweepItem] = []
    for item in quotes[0].items:
        totals = [next((x.total for x in q.items if x.id == item.id), None) for q in quotes]
        items.append(SweepItem(id=item.id, norm=item.norm, name_vi=item.name_vi, name_en=item.name_en, totals=totals))
    base_over = {k: v for k, v in rules.overlay_text.items() if k != name}
    return Sweep(order_id=quotes[0].order_id, at=quotes[0].at, parameter=name, values=[str(v) for v in values],
                 columns=["baseline"] + [f"{name}={v}" for v in values], base_overrides=base_over,
                 totals=[q.total for q in quotes],
                 subtotals={c: [q.subtotals.get(c, Decimal(0)) for q in quotes] for c in COMPONENTS}, items=items, lines=lines)
