"""Rich rendering for people: quote tables, trace trees, pack listings, errors.

VND is written as Vietnamese documents write it: dots between thousands (5.359.747 đ), by
:func:`normkit.core.amounts.vnd` (re-exported here).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from normkit.core.amounts import number, vnd
from normkit.media.components import COMPONENT_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.tree import Tree

    from normkit.media.quote import Quote

__all__ = ["COMPONENT_LABELS", "console", "error_text", "number", "quote_footer", "quote_table", "trace_tree", "vnd"]


def quote_table(q: Quote) -> Any:
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=f"Báo giá / Quote {escape(q.order_id)} — tại ngày / at {q.at}", header_style="bold", title_justify="left")
    t.add_column("Hạng mục / Cost element", ratio=3)
    t.add_column("Số lượng\nQuantity", justify="right", no_wrap=True)
    t.add_column("Đơn giá (đ)\nRate (VND)", justify="right", no_wrap=True)
    t.add_column("Thành tiền (đ)\nAmount (VND)", justify="right", no_wrap=True)
    by_item: dict[str, list[Any]] = {}
    for line in q.lines:
        by_item.setdefault(line.item, []).append(line)
    for item in q.items:
        t.add_row(f"[bold]{escape(item.id)} · {escape(item.norm)} × {number(item.quantity)}[/bold]\n"
                  f"{escape(item.name_vi)}\n[dim]{escape(item.name_en)}[/dim]", "", "", f"[bold]{vnd(item.total)}[/bold]")
        current = None
        for line in by_item.get(item.id, []):
            if line.component != current:
                current = line.component
                vi, en = COMPONENT_LABELS[current]
                t.add_row(f"  [underline]{vi}[/underline] [dim]/ {en}[/dim]", "", "", vnd(item.subtotals[current]))
            mark = " [yellow]†[/yellow]" if not line.verified else ""
            unit = line.quantity_unit if line.quantity_unit != "1" else ""
            rate = vnd(line.rate.quantize(Decimal(1))) if line.component != "other" else ""
            t.add_row(f"    {escape(line.label_vi)}{mark} [dim]· {escape(line.label_en)}[/dim]",
                      f"{number(line.quantity)} {unit}".strip(), rate, vnd(line.amount))
        t.add_section()
    for comp, amount in q.subtotals.items():
        if amount:
            vi, en = COMPONENT_LABELS[comp]
            t.add_row(f"Cộng {vi.lower()} [dim]/ {en}[/dim]", "", "", vnd(amount))
    t.add_row("[bold]TỔNG CỘNG / TOTAL[/bold]", "", "", f"[bold]{vnd(q.total)}[/bold]")
    return t


def quote_footer(q: Quote) -> str:
    packs = ", ".join(f"{p.id} {p.version}" for p in q.packs)
    lines = [f"Bộ quy tắc / packs: {packs}",
             f"Làm tròn / rounding: {q.rounding.mode} to {number(q.rounding.quantum)} VND per {q.rounding.at}"]
    if q.overlay:
        lines.append(f"Giả định / what-if ({q.overlay.label}): " + ", ".join(f"{k}={v}" for k, v in q.overlay.values.items()))
    for n in q.notes:
        lines.append(f"[yellow]! {n.item}: {n.label_vi} / {n.label_en} — {n.message_en}; priced anyway: {n.reason}[/yellow]")
    if q.unverified:
        lines.append(f"[yellow]† {len(q.unverified)} value(s) used are not verified in their source[/yellow] "
                     "(run with --explain, or see `unverified` in --json): " + ", ".join(q.unverified[:6]) + (" …" if len(q.unverified) > 6 else ""))
    return "\n".join(lines)


def trace_tree(q: Quote, depth: int | None = None) -> Tree:
    """The quote's trace as a rich Tree (:func:`normkit.cli.explain.explain_tree`)."""
    from normkit.cli.explain import explain_tree

    return explain_tree(q, depth)


def error_text(err: Any) -> str:
    from rich.markup import escape

    errors = getattr(err, "errors", [err])
    out = []
    for e in errors:
        loc = f"{escape(str(e.location))}: " if e.location else ""
        out.append(f"{loc}[bold red]error {e.code}[/bold red]: {escape(e.message)}\n  [dim]hint: {escape(e.hint)}[/dim]")
    return "\n".join(out)


def console(stderr: bool = False) -> Console:
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # piped output gets a readable width instead of rich's 80-column default
    width = None if stream.isatty() else 120
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


__all__ = ["COMPONENT_LABELS", "console", "error_text", "number", "quote_footer", "quote_table", "trace_tree", "vnd"]
