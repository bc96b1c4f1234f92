"""CLI command of the budget domain: ``normkit check`` (``normkit serve`` is in :mod:`normkit.cli.serve`).

Keep this module light: import heavy libraries inside the handlers, not at the top.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from normkit.cli.common import pack_options
from normkit.cli.formats import Cell, Rows, format_options

TABLE_LINES = 300
"""Above this many budget lines, the table view prints the findings by code, the largest excesses
and the totals instead of every line (``--all-lines`` prints every line; csv/xlsx/json hold all)."""
TOP_LINES = 20


def register(sub: Any) -> dict[str, Callable[[Any], int]]:
    ck = sub.add_parser(
        "check", help="check a budget (dự toán) or settlement (quyết toán) against the norm ceilings",
        description="Check BUDGET (.json, .yaml, .csv or .xlsx; Vietnamese or English headers) line by line: each line's "
                    "claim against the norm ceiling for one unit × quantity, with findings (codes BK101 …, docs/budget.md) "
                    "and totals. Exit code 0: passes; 1: a finding at or above --fail-on (the budget fails); 2: the budget "
                    "(or its pack) cannot be read or evaluated, or a usage error. Above 300 lines the table shows the "
                    "findings by code, the largest excesses and the totals (--all-lines: every line).",
        epilog="example: normkit check examples/budgets/clean-2024.csv --json --fail-on warning",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ck.add_argument("budget", help="budget file (.json, .yaml, .csv or .xlsx)")
    pack_options(ck, at="evaluation date YYYY-MM-DD (default: the budget's `at`, else its `date`)",
                 pack_help="pack folder or installed pack name (default: the budget's `pack`)")
    ck.add_argument("--fail-on", choices=["error", "warning"], default="error",
                    help="exit 1 when there is a finding of this severity or above (default: error)")
    ck.add_argument("--trace", action="store_true", help="with --json: include each ceiling's quote trace")
    ck.add_argument("--sheet", help="sheet of an .xlsx budget (default: the first)")
    ck.add_argument("--all-lines", action="store_true", help=f"print every line in the table even above {TABLE_LINES} lines")
    format_options(ck)

    return {"check": cmd_check}


def cmd_check(args: Any) -> int:
    from normkit.api import WhatIf, rules_for
    from normkit.budget.checking import budget_overlay, budget_pack, check
    from normkit.budget.reading import read_budget
    from normkit.cli.common import SET_LABEL, use_cache, whatif
    from normkit.cli.formats import chosen, emit, emit_json
    from normkit.core.errors import NormkitError

    fmt = chosen(args)
    budget = read_budget(args.budget, sheet=args.sheet) if args.sheet else read_budget(args.budget)
    base = Path(args.budget).parent
    pack = budget_pack(budget, args.pack, base)
    change = whatif(args)  # --overlay replaces the budget's own overlay; --set values apply on top
    if change.overlay is None:
        change = WhatIf(overlay=budget_overlay(budget, base), values=change.values, label=SET_LABEL)
    rules = rules_for(pack, change, use_cache=use_cache(args))
    if args.trace and not args.json:
        raise NormkitError("NK601", "--trace applies to --json output", hint="add --json")
    report = check(budget, rules=rules, at=args.at, trace=args.trace)
    failing = report.at_or_above(args.fail_on)
    if args.json:
        emit_json(report.to_json(), args)
    elif fmt in ("csv", "xlsx"):
        emit(report_rows(report), fmt, args, inputs=[("budget file", args.budget)])
    else:
        from normkit.budget.render import report_tables
        from normkit.cli.render import console

        c = console()
        for part in (report_tables(report) if args.all_lines or len(report.lines) <= TABLE_LINES else summary(report)):
            c.print(part)
    return 1 if failing else 0


def report_rows(r: Any) -> Rows:
    """The report as one sheet: a ``line`` row per budget line (its findings' codes and messages),
    a ``finding`` row per finding of the whole budget, then the ``total`` row."""
    columns = ["kind", "line", "ref", "product", "quantity", "unit_price", "amount", "ceiling_unit", "allowed", "excess",
               "status", "codes", "messages_vi", "messages"]
    by_line: dict[int, list[Any]] = {}
    for f in r.findings:
        if f.line is not None:
            by_line.setdefault(f.line, []).append(f)
    rows: list[list[Cell]] = []
    for ln in r.lines:
        fs = by_line.get(ln.line, [])
        rows.append(["line", ln.line, ln.ref, ln.product, ln.quantity, ln.unit_price, ln.amount, ln.ceiling_unit, ln.allowed,
                     ln.excess, ln.status, " ".join(ln.codes), " | ".join(f.message_vi for f in fs), " | ".join(f.message for f in fs)])
    for f in r.findings:
        if f.line is None:
            rows.append(["finding", None, None, None, None, None, None, None, None, None, f.severity, f.code, f.message_vi, f.message])
    t = r.totals
    rows.append(["total", None, None, None, None, None, t.claimed, None, t.allowed, t.excess, "passed" if r.passed else "failed",
                 None, None, None])
    return Rows(columns, rows, sheet="check")


def summary(r: Any) -> list[Any]:
    """A large report for people: the findings counted by code (with the first lines and one
    example), the lines most above their ceiling, and the verdict with the totals."""
    from rich.markup import escape

    from normkit.budget.render import SEVERITY, report_tables
    from normkit.cli.render import table
    from normkit.core.amounts import count, vnd

    groups: dict[str, list[Any]] = {}
    for f in r.findings:
        groups.setdefault(f.code, []).append(f)
    kind = "Dự toán / Budget" if r.kind == "budget" else "Quyết toán / Settlement"
    t = table(title=f"{kind} {escape(r.budget_id)} — tại ngày / at {r.at}: {count(len(r.lines))} dòng / lines; "
                    "phát hiện theo mã / findings by code", header_style="bold", title_justify="left")
    t.add_column("Mã\nCode", no_wrap=True)
    t.add_column("Mức độ\nSeverity")
    t.add_column("Số lần\nCount", justify="right")
    t.add_column("Dòng\nLines")
    t.add_column("Ví dụ / Example", ratio=4)
    for code, fs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines = [str(f.line) for f in fs if f.line is not None]
        shown = ", ".join(lines[:5]) + (", …" if len(lines) > 5 else "")
        t.add_row(code, SEVERITY[fs[0].severity], count(len(fs)), shown or "—",
                  f"{escape(fs[0].message_vi)}\n[dim]{escape(fs[0].message)}[/dim]")
    over = sorted((ln for ln in r.lines if ln.excess), key=lambda ln: (-ln.excess, ln.line))[:TOP_LINES]
    out: list[Any] = [t]
    if over:
        top = r.model_copy(update={"lines": over, "findings": []})
        out.append(f"Các dòng vượt trần nhiều nhất / lines most above their ceiling ({len(over)} of "
                   f"{count(sum(1 for ln in r.lines if ln.excess))}):")
        out.append(report_tables(top)[0])
    tot = r.totals
    verdict = "[green]Đạt / passed[/green]" if r.passed else "[red]Không đạt / failed[/red]"
    out.append(f"{verdict}: {count(r.counts['error'])} lỗi / errors, {count(r.counts['warning'])} cảnh báo / warnings, "
               f"{count(r.counts['info'])} thông tin / info; đề nghị / claimed {vnd(tot.claimed)} đ, được duyệt / allowed "
               f"{vnd(tot.allowed)} đ, vượt trần / above the ceilings {vnd(tot.excess)} đ; "
               f"{count(tot.priced_lines)}/{count(tot.lines)} dòng tính được / lines priced")
    out.append(f"[dim]{count(len(r.lines))} dòng > {TABLE_LINES}: --all-lines in mọi dòng / prints every line; "
               "--format csv|xlsx|json ghi mọi dòng / writes every line[/dim]")
    return out
