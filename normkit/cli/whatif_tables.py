"""Rich tables and sheets (:class:`~normkit.cli.formats.Rows`) of a what-if comparison and of a
sweep (:mod:`normkit.media.whatif` computes them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from normkit.cli.formats import Cell, Rows
from normkit.cli.render import COMPONENT_LABELS, vnd
from normkit.media.whatif import Comparison, Sweep

# ---- rendering --------------------------------------------------------------------------------

def _signed(d: Decimal) -> str:
    return ("+" if d > 0 else "") + vnd(d) if d else "0"


def _money(d: Decimal | None) -> str:
    return "—" if d is None else vnd(d)


def comparison_table(c: Comparison, *, all_lines: bool = False) -> Any:
    """A rich Table: baseline and variant side by side, with the delta and cause of each line."""
    from rich.markup import escape

    from normkit.cli.render import table

    sets = ", ".join(f"{k}={v}" for k, v in c.overrides.items())
    t = table(title=f"Giả định / What-if {escape(c.order_id)} — {escape(c.overlay_label or '')}: {escape(sets)}",
              header_style="bold", title_justify="left")
    t.add_column("Hạng mục / Cost element", ratio=3)
    t.add_column("Cơ sở (đ)\nBaseline (VND)", justify="right", no_wrap=True)
    t.add_column("Giả định (đ)\nVariant (VND)", justify="right", no_wrap=True)
    t.add_column("Chênh lệch (đ)\nDelta (VND)", justify="right", no_wrap=True)
    t.add_column("Nguyên nhân\nCause", ratio=1)
    for item in c.items:
        t.add_row(f"[bold]{escape(item.id)} · {escape(item.norm)}[/bold]\n{escape(item.name_vi)}\n[dim]{escape(item.name_en)}[/dim]",
                  _money(item.baseline), _money(item.variant), f"[bold]{_signed(item.delta)}[/bold]", escape(", ".join(item.causes)))
        hidden = 0
        for ln in (x for x in c.lines if x.item == item.id):
            if ln.status == "unchanged" and not all_lines:
                hidden += 1
                continue
            cause = ", ".join(ln.causes + [f"{v} (qua/via line amounts)" for v in ln.via])
            mark = {"added": " [green](mới / new)[/green]", "removed": " [red](bỏ / removed)[/red]"}.get(ln.status, "")
            t.add_row(f"  {escape(COMPONENT_LABELS[ln.component][0])}: {escape(ln.label_vi)}{mark} [dim]· {escape(ln.label_en)}[/dim]",
                      _money(ln.baseline), _money(ln.variant), _signed(ln.delta), escape(cause))
        if hidden:
            t.add_row(f"  [dim]{hidden} dòng không đổi / unchanged line(s)[/dim]", "", "", "", "")
        t.add_section()
    for comp, ch in c.subtotals.items():
        if ch.baseline or ch.variant:
            vi, en = COMPONENT_LABELS[comp]
            t.add_row(f"Cộng {vi.lower()} [dim]/ {en}[/dim]", _money(ch.baseline), _money(ch.variant), _signed(ch.delta), "")
    pct = f" ({'+' if c.delta_percent and c.delta_percent > 0 else ''}{c.delta_percent}%)" if c.delta_percent is not None else ""
    t.add_row("[bold]TỔNG CỘNG / TOTAL[/bold]", f"[bold]{_money(c.baseline_total)}[/bold]", f"[bold]{_money(c.variant_total)}[/bold]",
              f"[bold]{_signed(c.delta)}{pct}[/bold]", "")
    return t


def comparison_rows(c: Comparison, *, all_lines: bool = False) -> Rows:
    """The comparison as one sheet: item, line (changed ones unless ``all_lines``), subtotal and total rows."""
    columns = ["kind", "item", "norm", "component", "label_vi", "label_en", "status", "baseline", "variant", "delta", "causes"]
    rows: list[list[Cell]] = []
    for item in c.items:
        rows.append(["item", item.id, item.norm, None, item.name_vi, item.name_en, None, item.baseline, item.variant, item.delta,
                     ", ".join(item.causes)])
        for ln in (x for x in c.lines if x.item == item.id):
            if ln.status != "unchanged" or all_lines:
                rows.append(["line", ln.item, ln.norm, ln.component, ln.label_vi, ln.label_en, ln.status, ln.baseline, ln.variant,
                             ln.delta, ", ".join(ln.causes + ln.via)])
    for comp, ch in c.subtotals.items():
        if ch.baseline or ch.variant:
            rows.append(["subtotal", None, None, comp, COMPONENT_LABELS[comp][0], COMPONENT_LABELS[comp][1], None, ch.baseline,
                         ch.variant, ch.delta, None])
    rows.append(["total", None, None, None, "Tổng cộng", "Total", None, c.baseline_total, c.variant_total, c.delta, None])
    return Rows(columns, rows, sheet="whatif")


def sweep_rows(s: Sweep, *, all_lines: bool = False, totals_only: bool = False) -> Rows:
    """The sweep as one sheet, a column per swept value (baseline first); ``totals_only``: item totals and the total."""
    columns = ["kind", "item", "norm", "component", "label_vi", "label_en", *s.columns]
    rows: list[list[Cell]] = []
    for item in s.items:
        rows.append(["item", item.id, item.norm, None, item.name_vi, item.name_en, *item.totals])
        for ln in (x for x in s.lines if x.item == item.id):
            if not totals_only and (all_lines or len(set(ln.amounts)) > 1):
                rows.append(["line", ln.item, ln.norm, ln.component, ln.label_vi, ln.label_en, *ln.amounts])
    if not totals_only:
        for comp, amounts in s.subtotals.items():
            if any(amounts):
                rows.append(["subtotal", None, None, comp, COMPONENT_LABELS[comp][0], COMPONENT_LABELS[comp][1], *amounts])
    rows.append(["total", None, None, None, "Tổng cộng", "Total", *s.totals])
    return Rows(columns, rows, sheet="sweep")


def sweep_table(s: Sweep, *, all_lines: bool = False, totals_only: bool = False) -> Any:
    """A rich Table with one column per swept value, baseline first."""
    from rich.markup import escape

    from normkit.cli.render import table

    title = f"Quét / Sweep {escape(s.order_id)} — {escape(s.parameter)} at {s.at}"
    if s.base_overrides:
        title += " (with " + escape(", ".join(f"{k}={v}" for k, v in s.base_overrides.items())) + ")"
    t = table(title=title, header_style="bold", title_justify="left")
    t.add_column("Hạng mục / Cost element", ratio=3)
    t.add_column("Cơ sở (đ)\nBaseline (VND)", justify="right", no_wrap=True)
    for v in s.values:
        t.add_column(f"{escape(s.parameter)}\n= {escape(v)}", justify="right", no_wrap=True)
    for item in s.items:
        t.add_row(f"[bold]{escape(item.id)} · {escape(item.norm)}[/bold] {escape(item.name_vi)}", *[f"[bold]{_money(x)}[/bold]" for x in item.totals])
        for ln in (x for x in s.lines if x.item == item.id):
            if totals_only or (not all_lines and len(set(ln.amounts)) == 1):
                continue
            t.add_row(f"  {escape(COMPONENT_LABELS[ln.component][0])}: {escape(ln.label_vi)} [dim]· {escape(ln.label_en)}[/dim]",
                      *[_money(a) for a in ln.amounts])
        t.add_section()
    for comp, amounts in s.subtotals.items():
        if any(amounts) and not totals_only:
            vi, en = COMPONENT_LABELS[comp]
            t.add_row(f"Cộng {vi.lower()} [dim]/ {en}[/dim]", *[_money(a) for a in amounts])
    t.add_row("[bold]TỔNG CỘNG / TOTAL[/bold]", *[f"[bold]{_money(a)}[/bold]" for a in s.totals])
    t.add_row("[dim]Chênh lệch / Delta[/dim]", "", *[_signed(a - s.totals[0]) for a in s.totals[1:]])
    return t
