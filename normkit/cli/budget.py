"""CLI command of the budget domain: ``normkit check`` (``normkit serve`` is in :mod:`normkit.cli.serve`).

Keep this module light: import heavy libraries inside the handlers, not at the top.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO

from normkit.cli.common import pack_options
from normkit.cli.formats import Cell, Rows, format_options

TABLE_LINES = 300
"""Above this many budget lines, the table view prints the findings by code, the largest excesses
and the totals instead of every line (``--all-lines`` prints every line; csv/xlsx/json hold all)."""
TOP_LINES = 20


def register(sub: Any) -> dict[str, Callable[[Any], int]]:
    ck = sub.add_parser(
        "check", help="check a budget (dự toán) or settlement (quyết toán) against the norm ceilings",
        description="Check BUDGET (.json, .jsonl, .yaml, .csv or .xlsx; Vietnamese or English headers) line by line: each line's "
                    "claim against the norm ceiling for one unit × quantity, with findings (codes BK101 …, docs/budget.md) "
                    "and totals. Exit code 0: passes; 1: a finding at or above --fail-on (the budget fails); 2: the budget "
                    "(or its pack) cannot be read or evaluated, or a usage error. Above 300 lines the table shows the "
                    "findings by code, the largest excesses and the totals (--all-lines: every line).",
        epilog="example: normkit check examples/budgets/clean-2024.csv --json --fail-on warning",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ck.add_argument("budget", help="budget file (.json, .jsonl, .yaml, .csv or .xlsx)")
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
    """Read, check and write the budget line by line (:mod:`normkit.budget.streaming`): csv and
    json are written as the lines are checked, the table keeps counts and the largest excesses."""
    from normkit.api import WhatIf, rules_for
    from normkit.budget.checking import budget_overlay, budget_pack
    from normkit.budget.streaming import check_stream, open_budget
    from normkit.cli.common import SET_LABEL, use_cache, whatif
    from normkit.cli.formats import chosen, emit
    from normkit.core.errors import NormkitError

    fmt = chosen(args)
    if args.trace and not args.json:
        raise NormkitError("NK601", "--trace applies to --json output", hint="add --json")
    out = getattr(args, "format_out", None)
    if out:
        from normkit.core.io.outputs import check_outputs

        check_outputs([("budget file", args.budget)], [("--out", out)])
    source = open_budget(args.budget, sheet=args.sheet)
    base = Path(args.budget).parent
    pack = budget_pack(source.head, args.pack, base)
    change = whatif(args)  # --overlay replaces the budget's own overlay; --set values apply on top
    if change.overlay is None:
        change = WhatIf(overlay=budget_overlay(source.head, base), values=change.values, label=SET_LABEL)
    rules = rules_for(pack, change, use_cache=use_cache(args))

    def run(sink: Any = None, keep: int | None = 0) -> Any:
        return check_stream(source, rules, at=args.at, trace=args.trace, on_line=sink.line if sink else None, keep=keep)

    if fmt in ("json", "csv"):
        def write(stream: BinaryIO) -> Any:
            sink = JsonOut(stream, source.head, rules, args.at) if fmt == "json" else CsvOut(stream, bom=not args.no_bom)
            result = run(sink)
            sink.finish(result)
            return result

        result = _written(out, write)
    elif fmt == "xlsx":
        rows = RowsOut()
        result = run(rows)
        rows.finish(result)
        emit(Rows(COLUMNS, rows.rows, sheet="check"), fmt, args, inputs=[("budget file", args.budget)])
    else:
        from normkit.budget.render import report_tables
        from normkit.cli.render import console

        result = run(keep=None if args.all_lines else TABLE_LINES)
        c = console()
        for part in (report_tables(result.report) if result.complete else summary(result)):
            c.print(part)
    return 1 if result.failing(args.fail_on) else 0


def _written(out: str | None, write: Callable[[BinaryIO], Any]) -> Any:
    """``write(stream)`` to the file ``out`` (atomically: a temporary file moved into place when
    complete) or to standard output as it comes."""
    import sys

    if out:
        from normkit.core.io.atomic import atomic_write

        result: list[Any] = []

        def fill(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                result.append(write(fh))

        atomic_write(out, fill, code="NK805")
        return result[0]
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        sys.stdout.flush()
        value = write(buffer)
        buffer.flush()
        return value
    import io

    raw = io.BytesIO()  # a text stream without a buffer (a test's capture): written when complete
    value = write(raw)
    sys.stdout.write(raw.getvalue().decode("utf-8"))
    return value


COLUMNS = ["kind", "line", "ref", "product", "quantity", "unit_price", "amount", "ceiling_unit", "allowed", "excess",
           "status", "codes", "messages_vi", "messages"]


def line_row(ln: Any, fs: list[Any]) -> list[Cell]:
    """The ``line`` row of the report sheet: the line and its findings' codes and messages."""
    return ["line", ln.line, ln.ref, ln.product, ln.quantity, ln.unit_price, ln.amount, ln.ceiling_unit, ln.allowed,
            ln.excess, ln.status, " ".join(ln.codes), " | ".join(f.message_vi for f in fs), " | ".join(f.message for f in fs)]


def end_rows(result: Any) -> list[list[Cell]]:
    """The ``finding`` rows of the whole budget's findings, then the ``total`` row."""
    rows: list[list[Cell]] = [["finding", None, None, None, None, None, None, None, None, None, f.severity, f.code,
                               f.message_vi, f.message] for f in result.budget_findings]
    r = result.report
    t = r.totals
    rows.append(["total", None, None, None, None, None, t.claimed, None, t.allowed, t.excess, "passed" if r.passed else "failed",
                 None, None, None])
    return rows


def report_rows(r: Any) -> Rows:
    """A whole report as one sheet: a ``line`` row per budget line (its findings' codes and
    messages), a ``finding`` row per finding of the whole budget, then the ``total`` row —
    what ``--format csv|xlsx`` writes line by line."""
    by_line: dict[int, list[Any]] = {}
    for f in r.findings:
        if f.line is not None:
            by_line.setdefault(f.line, []).append(f)
    rows = [line_row(ln, by_line.get(ln.line, [])) for ln in r.lines]
    whole = SimpleNamespace(budget_findings=[f for f in r.findings if f.line is None], report=r)
    return Rows(COLUMNS, rows + end_rows(whole), sheet="check")


class RowsOut:
    """The report sheet's rows, gathered for XLSX (a workbook is written whole, at most 1,048,576 rows)."""

    def __init__(self) -> None:
        self.rows: list[list[Cell]] = []

    def line(self, ln: Any, fs: list[Any]) -> None:
        self.rows.append(line_row(ln, fs))

    def finish(self, result: Any) -> None:
        self.rows.extend(end_rows(result))


def _csv_cell(v: Cell) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format(v, "f")  # canonical, as formats.csv_text writes it
    return str(v)


class CsvOut:
    """The report sheet as CSV (as ``formats.csv_text`` writes it), one row as each line is checked."""

    def __init__(self, stream: BinaryIO, *, bom: bool) -> None:
        import csv
        import io

        self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
        if bom:
            self._text.write("\ufeff")
        self._w = csv.writer(self._text, lineterminator="\r\n")
        self._w.writerow(COLUMNS)

    def line(self, ln: Any, fs: list[Any]) -> None:
        self._w.writerow([_csv_cell(v) for v in line_row(ln, fs)])

    def finish(self, result: Any) -> None:
        for row in end_rows(result):
            self._w.writerow([_csv_cell(v) for v in row])
        self._text.flush()
        self._text.detach()


class JsonOut:
    """The report (schema report/1) as one JSON document written as the lines are checked: its
    fields up to ``overlay``, then ``lines`` (one a line of text, as they come), ``findings``
    (held in a temporary file until the lines end), then ``passed``, ``counts`` and ``totals``,
    which are known last. Compact JSON; the same document as ``Report.to_json`` once parsed."""

    def __init__(self, stream: BinaryIO, head: Any, rules: Any, at: Any) -> None:
        import tempfile

        from pydantic_core import to_json

        self._out = stream
        self._findings = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish()
        self._first_line = self._first_finding = True
        fields = {"schema": "normkit.budget-report/1", "budget_id": head.id, "kind": head.kind, "at": at or head.at or head.date,
                  "currency": "VND", "packs": rules.pack_refs,
                  "overlay": (rules.overlay_label or "what-if") if rules.overlay_text else None}
        stream.write(to_json(fields)[:-1] + b',"lines":[')

    def line(self, ln: Any, fs: list[Any]) -> None:
        self._out.write((b"\n" if self._first_line else b",\n") + ln.model_dump_json(by_alias=True).encode())
        self._first_line = False
        for f in fs:
            self._findings.write((b"\n" if self._first_finding else b",\n") + f.model_dump_json().encode())
            self._first_finding = False

    def finish(self, result: Any) -> None:
        import shutil

        from pydantic_core import to_json

        for f in result.budget_findings:
            self.line_finding(f)
        self._out.write(b'\n],"findings":[')
        self._findings.seek(0)
        shutil.copyfileobj(self._findings, self._out, 1 << 20)
        self._findings.close()
        r = result.report
        self._out.write(b'\n],"passed":' + to_json(r.passed) + b',"counts":' + to_json(r.counts) + b',"totals":'
                        + r.totals.model_dump_json().encode() + b"}\n")

    def line_finding(self, f: Any) -> None:
        self._findings.write((b"\n" if self._first_finding else b",\n") + f.model_dump_json().encode())
        self._first_finding = False


def summary(res: Any) -> list[Any]:
    """A large report for people, from what the streaming check keeps: the findings counted by
    code (with the first lines and one example), the lines most above their ceiling, and the
    verdict with the totals."""
    from rich.markup import escape

    from normkit.budget.render import SEVERITY, report_tables
    from normkit.cli.render import table
    from normkit.core.amounts import count, vnd

    r = res.report
    tot = r.totals
    kind = "Dự toán / Budget" if r.kind == "budget" else "Quyết toán / Settlement"
    t = table(title=f"{kind} {escape(r.budget_id)} — tại ngày / at {r.at}: {count(tot.lines)} dòng / lines; "
                    "phát hiện theo mã / findings by code", header_style="bold", title_justify="left")
    t.add_column("Mã\nCode", no_wrap=True)
    t.add_column("Mức độ\nSeverity")
    t.add_column("Số lần\nCount", justify="right")
    t.add_column("Dòng\nLines")
    t.add_column("Ví dụ / Example", ratio=4)
    for code, c in sorted(res.by_code.items(), key=lambda kv: (-kv[1].count, kv[0])):
        shown = ", ".join(str(n) for n in c.lines[:5]) + (", …" if len(c.lines) > 5 else "")
        t.add_row(code, SEVERITY[c.severity], count(c.count), shown or "—",
                  f"{escape(c.example.message_vi)}\n[dim]{escape(c.example.message)}[/dim]")
    over = res.top
    out: list[Any] = [t]
    if over:
        top = r.model_copy(update={"lines": over, "findings": []})
        out.append(f"Các dòng vượt trần nhiều nhất / lines most above their ceiling ({len(over)} of "
                   f"{count(res.over_lines)}):")
        out.append(report_tables(top)[0])
    verdict = "[green]Đạt / passed[/green]" if r.passed else "[red]Không đạt / failed[/red]"
    out.append(f"{verdict}: {count(r.counts['error'])} lỗi / errors, {count(r.counts['warning'])} cảnh báo / warnings, "
               f"{count(r.counts['info'])} thông tin / info; đề nghị / claimed {vnd(tot.claimed)} đ, được duyệt / allowed "
               f"{vnd(tot.allowed)} đ, vượt trần / above the ceilings {vnd(tot.excess)} đ; "
               f"{count(tot.priced_lines)}/{count(tot.lines)} dòng tính được / lines priced")
    out.append(f"[dim]{count(tot.lines)} dòng > {TABLE_LINES}: --all-lines in mọi dòng / prints every line; "
               "--format csv|xlsx|json ghi mọi dòng / writes every line[/dim]")
    return out
