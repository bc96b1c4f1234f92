"""``normkit price --explain``: the trace graph printed as a tree for people.

Each distinct node is printed once, with its children; where it is met again (a rate shared by
ten items, a formula referenced 30 times) a one-line reference ``↑ #id`` stands for it, so the
output grows with the distinct evaluations, never with the paths to them. ``--explain-depth N``
stops N levels below the quote (deeper children are counted, not printed). Figures are rounded
for reading — VND to 2 decimals, other numbers to 6 — and marked ``≈`` when rounding changed
them; the exact values are in ``--json`` (``normkit.trace/2``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from normkit.core.amounts import fixed, number, unit_words, vnd

if TYPE_CHECKING:  # pragma: no cover
    from rich.tree import Tree

    from normkit.core.trace import Graph
    from normkit.media.quote import Quote

VND_PLACES = Decimal("0.01")
OTHER_PLACES = Decimal("0.000001")


def rounded(value: str, unit: str | None) -> str:
    """``value`` (an exact decimal as text, or text) as shown: rounded, with ``≈`` when that
    changed it; VND with thousands dots."""
    try:
        d = Decimal(value)
    except (InvalidOperation, ValueError):
        return value
    if not d.is_finite():
        return value
    places = VND_PLACES if unit == "VND" else OTHER_PLACES
    r = d.quantize(places, ROUND_HALF_UP) if d.adjusted() < 28 else d
    if r == d:  # nothing to round: the value with its own digits (0.80 stays 0,80 in vi, 0.80 in en)
        return vnd(d) if unit == "VND" else fixed(d)
    return "≈" + (vnd(r) if unit == "VND" else number(r))


def _fields(graph: Graph, node: dict[str, Any]) -> dict[str, Any]:
    if "base" in node:
        return {**graph.bases[node["base"]], **node}
    return node


def node_label(graph: Graph, n: dict[str, Any]) -> str:
    """One node's text: name = value unit, labels, then formula, inputs, rule, dates, source."""
    from rich.markup import escape

    f = _fields(graph, n)
    unit = f.get("unit")
    head = (f"[dim]#{f['id']}[/dim] [bold]{escape(f.get('name', ''))}[/bold] = [cyan]{escape(rounded(f['value'], unit))}[/cyan]"
            + (f" {escape(unit_words(unit))}" if unit and unit != "1" else ""))
    if f.get("label_vi"):
        head += f"  [dim]{escape(f['label_vi'])}" + (f" / {escape(f['label_en'])}" if f.get("label_en") else "") + "[/dim]"
    bits = []
    if f.get("formula"):
        bits.append(f"= {escape(f['formula'])}")
    if f.get("inputs"):
        bits.append(", ".join(f"{escape(i['name'])}={escape(rounded(i['value'], i.get('unit')))}"
                              + (f" {escape(unit_words(i['unit']))}" if i.get("unit") and i["unit"] != "1" else "") for i in f["inputs"]))
    if f.get("rule"):
        bits.append(f"rule {escape(f['rule'])}")
    if f.get("effective_from"):
        bits.append(f"in force {f['effective_from']}" + (f"…{f['effective_to']}" if f.get("effective_to") else "…"))
    if f.get("source") is not None:
        s = graph.sources[f["source"]]
        src = s.document + (f", {s.article}" if s.article else "") + (f", {s.table}" if s.table else "")
        bits.append(f"source: {escape(src)}")
    if f.get("verified") is False:
        bits.append("[yellow]unverified" + (f": {escape(f['why'])}" if f.get("why") else "") + "[/yellow]")
    return head + ("\n[dim]" + " · ".join(bits) + "[/dim]" if bits else "")


def explain_tree(q: Quote, depth: int | None = None) -> Tree:
    """The quote's trace as a rich Tree: each node once (then ``↑ #id``), ``depth`` levels at most."""
    from rich.markup import escape
    from rich.tree import Tree

    graph = q.trace_graph()
    root = Tree(f"[bold]Quote {escape(q.order_id)}[/bold] = [cyan]{vnd(q.total)}[/cyan] VND at {q.at}")
    shown: set[int] = set()
    # iterative depth-first walk (a trace may be deeper than Python's recursion limit)
    stack: list[tuple[Any, int, int]] = [(root, i, 1) for i in reversed(graph.roots)]
    while stack:
        parent, i, level = stack.pop()
        n = graph.nodes[i]
        if i in shown:
            f = _fields(graph, n)
            parent.add(f"[dim]↑ #{i} {escape(f.get('name', ''))} = {escape(rounded(f['value'], f.get('unit')))} (shown above)[/dim]")
            continue
        shown.add(i)
        branch = parent.add(node_label(graph, n))
        children = n.get("children", [])
        if not children:
            continue
        if depth is not None and level >= depth:
            branch.add(f"[dim]… {len(children)} more step(s) below (raise --explain-depth, or see --explain --json)[/dim]")
            continue
        stack.extend((branch, c, level + 1) for c in reversed(children))
    return root


__all__ = ["explain_tree", "node_label", "rounded"]
