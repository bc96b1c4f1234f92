"""Rich rendering for people: quote tables, trace trees, pack listings, errors.

VND is written as Vietnamese documents write it: dots between thousands (5.359.747 đ), by
:func:`normkit.core.amounts.vnd` (re-exported here).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from normkit.core.amounts import number, quantity, vnd
from normkit.media.components import COMPONENT_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.table import Table
    from rich.tree import Tree

    from normkit.media.quote import Quote

__all__ = ["COMPONENT_LABELS", "console", "error_text", "number", "quote_footer", "quote_table", "table", "trace_tree", "vnd"]


def quote_table(q: Quote) -> Any:
    from rich.markup import escape

    t = table(title=f"Báo giá / Quote {escape(q.order_id)} — tại ngày / at {q.at}", header_style="bold", title_justify="left")
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
            rate = vnd(line.rate.quantize(Decimal(1))) if line.component != "other" else ""
            t.add_row(f"    {escape(line.label_vi)}{mark} [dim]· {escape(line.label_en)}[/dim]",
                      escape(quantity(line.quantity, line.quantity_unit)), rate, vnd(line.amount))
        t.add_section()
    for comp, amount in q.subtotals.items():
        if amount:
            vi, en = COMPONENT_LABELS[comp]
            t.add_row(f"Cộng {vi.lower()} [dim]/ {en}[/dim]", "", "", vnd(amount))
    t.add_row("[bold]TỔNG CỘNG / TOTAL[/bold]", "", "", f"[bold]{vnd(q.total)}[/bold]")
    return t


def quote_summary(q: Quote, top: int) -> Any:
    """A quote of many items for people: the ``top`` items with the largest totals, then the
    component subtotals and the total (every item stays in --json and the XLSX sheet)."""
    from rich.markup import escape

    from normkit.core.amounts import count

    shown = sorted(q.items, key=lambda it: (-it.total, it.id))[:top]
    t = table(title=f"Báo giá / Quote {escape(q.order_id)} — tại ngày / at {q.at}: {count(len(q.items))} hạng mục / items; "
                    f"{len(shown)} lớn nhất / largest shown", header_style="bold", title_justify="left")
    t.add_column("Hạng mục / Item", ratio=3)
    t.add_column("Số lượng\nQuantity", justify="right", no_wrap=True)
    t.add_column("Thành tiền (đ)\nAmount (VND)", justify="right", no_wrap=True)
    for item in shown:
        t.add_row(f"{escape(item.id)} · {escape(item.norm)}\n[dim]{escape(item.name_vi)}[/dim]", number(item.quantity), vnd(item.total))
    rest = len(q.items) - len(shown)
    if rest:
        t.add_row(f"[dim]… {count(rest)} hạng mục khác / more items[/dim]",
                  "", f"[dim]{vnd(q.total - sum((it.total for it in shown), Decimal(0)))}[/dim]")
    t.add_section()
    for comp, amount in q.subtotals.items():
        if amount:
            vi, en = COMPONENT_LABELS[comp]
            t.add_row(f"Cộng {vi.lower()} [dim]/ {en}[/dim]", "", vnd(amount))
    t.add_row("[bold]TỔNG CỘNG / TOTAL[/bold]", "", f"[bold]{vnd(q.total)}[/bold]")
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


def error_text(err: Any, lang: str | None = None) -> str:
    """An error as the CLI prints it: location, code, message and hint. The first line is the same
    in every language (``FILE:LINE:COL: error NKxxx: message``, for people and for scripts); in
    Vietnamese (``vi``) the Vietnamese message follows (``lỗi:``) where the catalogue translates it
    (:data:`normkit.core.errors.MESSAGES_VI`), and the Vietnamese hint (``gợi ý:``) after the
    English one when the two differ."""
    from rich.markup import escape

    from normkit.core.amounts import current_lang
    from normkit.core.errors import CATALOGUE_VI, hint_vi, message_vi

    errors = getattr(err, "errors", [err])
    out = []
    for e in errors:
        loc = f"{escape(str(e.location))}: " if e.location else ""
        text = f"{loc}[bold red]error {e.code}[/bold red]: {escape(e.message)}"
        if (lang or current_lang()) == "vi":
            vi = message_vi(e.code, e.message)
            title = CATALOGUE_VI.get(e.code, ("", ""))[0]
            if vi != e.message and vi != f"{title}: {e.message}":  # a catalogued translation of this message
                text += f"\n  lỗi: {escape(vi)}"
        text += f"\n  [dim]hint: {escape(e.hint)}[/dim]"
        if (lang or current_lang()) == "vi" and hint_vi(e.code, e.hint) != e.hint:
            text += f"\n  [dim]gợi ý: {escape(hint_vi(e.code, e.hint))}[/dim]"
        out.append(text)
    return "\n".join(out)


def table(*args: Any, **kwargs: Any) -> Table:
    """A rich Table whose columns wrap a long cell (folding a word without spaces) instead of cutting
    it with "…": nothing a user must type again (an id, a column name, a total) is truncated."""
    from rich.table import Table

    class FoldingTable(Table):
        def add_column(self, *a: Any, **k: Any) -> None:
            k.setdefault("overflow", "fold")
            super().add_column(*a, **k)

    return FoldingTable(*args, **kwargs)


def console(stderr: bool = False) -> Console:
    import os
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # piped output gets a readable width instead of rich's 80-column default; COLUMNS, when set, wins
    width = None if stream.isatty() or os.environ.get("COLUMNS", "").strip().isdigit() else 120
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


__all__ = ["COMPONENT_LABELS", "console", "error_text", "number", "quote_footer", "quote_table", "table", "trace_tree", "vnd"]
