"""Rich tables of a budget check report: Vietnamese labels with diacritics next to English."""

from __future__ import annotations

from typing import Any

from normkit.budget.model import Report
from normkit.core.amounts import number, vnd

SEVERITY = {"error": ("[red]lỗi / error[/red]"), "warning": "[yellow]cảnh báo / warning[/yellow]", "info": "[dim]thông tin / info[/dim]"}
STATUS = {"within": "[green]trong mức / within[/green]", "over": "[red]vượt / over[/red]", "not_priced": "[yellow]không tính được / not priced[/yellow]"}


def _m(v: Any) -> str:
    return "—" if v is None else vnd(v)


def report_tables(r: Report) -> list[Any]:
    from rich.markup import escape
    from rich.table import Table

    kind = "Dự toán / Budget" if r.kind == "budget" else "Quyết toán / Settlement"
    t = Table(title=f"{kind} {escape(r.budget_id)} — tại ngày / at {r.at}", header_style="bold", title_justify="left")
    t.add_column("Dòng\nLine", justify="right")
    t.add_column("Sản phẩm\nProduct", no_wrap=True)
    t.add_column("SL\nQty", justify="right", no_wrap=True)
    t.add_column("Đề nghị (đ)\nClaimed", justify="right", no_wrap=True)
    t.add_column("Đơn giá trần\nUnit ceiling", justify="right", no_wrap=True)
    t.add_column("Được duyệt\nAllowed", justify="right", no_wrap=True)
    t.add_column("Vượt (đ)\nExcess", justify="right", no_wrap=True)
    t.add_column("Kết quả\nResult")
    for ln in r.lines:
        t.add_row(str(ln.line), escape(ln.product), number(ln.quantity), _m(ln.amount), _m(ln.ceiling_unit), _m(ln.allowed),
                  _m(ln.excess), STATUS[ln.status] + (" " + " ".join(ln.codes) if ln.codes else ""))
    t.add_section()
    tot = r.totals
    t.add_row("", "[bold]TỔNG / TOTAL[/bold]", "", f"[bold]{vnd(tot.claimed)}[/bold]", "", f"[bold]{vnd(tot.allowed)}[/bold]",
              f"[bold]{vnd(tot.excess)}[/bold]", f"{tot.priced_lines}/{tot.lines} dòng tính được / lines priced")
    out: list[Any] = [t]
    if r.findings:
        f = Table(title="Phát hiện / Findings", header_style="bold", title_justify="left")
        f.add_column("Dòng\nLine", justify="right")
        f.add_column("Mã\nCode", no_wrap=True)
        f.add_column("Mức độ\nSeverity")
        f.add_column("Nội dung / Message", ratio=4)
        for x in r.findings:
            f.add_row("—" if x.line is None else str(x.line), x.code, SEVERITY[x.severity],
                      f"{escape(x.message_vi)}\n[dim]{escape(x.message)}[/dim]")
        out.append(f)
    verdict = ("[green]Đạt / passed[/green]" if r.passed else "[red]Không đạt / failed[/red]")
    out.append(f"{verdict}: {r.counts['error']} lỗi / errors, {r.counts['warning']} cảnh báo / warnings, "
               f"{r.counts['info']} thông tin / info; vượt trần / above the ceilings: {vnd(tot.excess)} đ")
    return out
