"""``normkit deprivations``: deprived households and rates per indicator and dimension, by group.

    normkit deprivations examples/households/indicators.csv --year 2024 --by district --dimension information
    normkit deprivations review-2024.csv --year 2024 --compare review-2023.csv --out /tmp/change.xlsx

Keep this module light: heavy imports happen inside the handler.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from normkit.core.amounts import count, fixed


def register(sub: Any) -> dict[str, Callable[[Any], int]]:
    d = sub.add_parser("deprivations", help="deprived households and rates per indicator and dimension (e.g. information), by group",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="For each indicator and each dimension of the standard (the basic social services of "
                                   "NĐ 07/2021; a household is deprived in a dimension when deprived in any of its indicators): "
                                   "the deprived households and the rate = deprived / households × 100, rounded half up to 0.01. "
                                   "HOUSEHOLDS (.csv or .parquet) has one true/false column per indicator. With --compare, the "
                                   "change in percentage points from the other review (OTHER) to this one.",
                       epilog="example: normkit deprivations examples/households/indicators.csv --year 2024 --by district "
                              "--dimension information")
    d.add_argument("households", help="household file (.csv or .parquet) with the indicator columns (true = deprived)")
    g = d.add_mutually_exclusive_group()
    g.add_argument("--year", type=int, help="review year: picks the national standard in force")
    g.add_argument("--standard", help="standard pack: an id (vn-poverty-2022-2026) or a folder that extends one")
    d.add_argument("--by", action="append", default=[], metavar="COLUMN", help="group by this column (repeatable)")
    d.add_argument("--among", choices=["all", "poor", "near_poor", "poor_and_near_poor"], default="all",
                   help="count only households of this status, classified as `classify` does (default: all)")
    d.add_argument("--dimension", help="only this dimension and its indicators: an id (thong_tin) or a name (information)")
    d.add_argument("--compare", metavar="OTHER", help="the earlier review of the same households or groups: print the change in points")
    d.add_argument("--compare-year", type=int, metavar="Y",
                   help="the earlier review's year: it is read (and, with --among, classified) under the standard of Y "
                        "(default: the same standard and date as HOUSEHOLDS)")
    d.add_argument("--out", metavar="FILE", help="also write the table to FILE (.csv or .xlsx), atomically")
    d.add_argument("--json", action="store_true", help="print one JSON object (rates as exact decimal strings)")
    d.add_argument("--no-cache", action="store_true", help="rebuild the compiled packs instead of using the cache")
    return {"deprivations": cmd_deprivations}


def count_file(path: str, std: Any, args: Any) -> Any:
    """The :class:`~normkit.poverty.deprivations.DeprivationReport` of one household file, read chunk by chunk."""
    from normkit.poverty.deprivations import DeprivationCounter
    from normkit.poverty.files import read_chunks
    from normkit.poverty.run import located

    counter = DeprivationCounter(std, by=args.by, among=args.among, dimension=args.dimension)
    with located(path):
        first = 1
        for chunk in read_chunks(path):
            counter.add(chunk, first_row=first)
            first += len(chunk)
    return counter.report


def cmd_deprivations(args: Any) -> int:
    from normkit.cli.poverty import announce_choice
    from normkit.core.errors import NormkitError
    from normkit.poverty.deprivations import ROW_FIELDS, change_rows, check_output, compare_reports, write_rows
    from normkit.poverty.standards import load_standard

    if args.out:
        check_output(args.out)  # a wrong --out fails before the files are read
    if args.year is None and not args.standard:
        raise NormkitError("NK701", "choose a standard: --year YEAR or --standard PACK")
    std = load_standard(year=args.year, standard=args.standard, use_cache=not args.no_cache)
    announce_choice(std)
    report = count_file(args.households, std, args)
    if args.compare_year is not None and not args.compare:
        raise NormkitError("NK706", "--compare-year needs --compare OTHER (the earlier review's file)")
    before = None
    if args.compare:
        earlier = std if args.compare_year is None else load_standard(year=args.compare_year, use_cache=not args.no_cache)
        if earlier is not std:
            announce_choice(earlier)
        before = count_file(args.compare, earlier, args)
    if before is not None:
        rows = change_rows(compare_reports(before, report), args.by)
        columns = [*args.by, "kind", "id", "name_vi", "name_en", "dimension", "rate_before", "rate_after", "change_points"]
    else:
        rows = report.rows()
        columns = [*args.by, *ROW_FIELDS]
    if args.out:
        write_rows(rows, columns, args.out)
    if args.json:
        data = {**report.to_dict(), "standard_choice": std.choice.to_dict() if std.choice is not None else None}
        if before is not None:
            data = {"after": data, "before": before.to_dict(), "changes": rows}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return 0
    _print(report, before, rows, columns, args)
    return 0


NUMERIC_COLUMNS = ("households", "deprived", "rate", "rate_before", "rate_after", "change_points")


def _cell(col: str, value: Any) -> str:
    """A table cell in the chosen language's number format (counts grouped, rates with their 2 decimals)."""
    if value is None:
        return ""
    if col in ("households", "deprived"):
        return count(int(value))
    if col in NUMERIC_COLUMNS:
        return fixed(str(value))
    return str(value)


def _print(report: Any, before: Any, rows: list[dict[str, Any]], columns: list[str], args: Any) -> None:
    from rich.markup import escape

    from normkit.cli.render import console, table

    c = console()
    if before is None:
        title = f"Thiếu hụt / Deprivations — {report.standard} at {report.at}"
    else:
        title = f"Thay đổi (điểm %) / Change in points — {before.standard} at {before.at} → {report.standard} at {report.at}"
    t = table(title=f"{title}, among {report.among}", header_style="bold")
    shown = [col for col in columns if col not in ("name_vi", "dimension")]
    cells_of = [[_cell(col, r.get(col)) for col in shown] for r in rows]
    for col in shown:
        if col in NUMERIC_COLUMNS:
            t.add_column(col, justify="right", overflow="fold")
        else:  # ids and group values are typed by users (--dimension, --by, CSV columns): wrapped, never cut with "…"
            t.add_column(col, overflow="fold")
    for r, cells in zip(rows, cells_of, strict=True):
        bold = r["kind"] == "dimension"  # a dimension's line in bold, its indicators below it
        t.add_row(*[f"[bold]{escape(x)}[/bold]" if bold else escape(x) for x in cells])
    c.print(t)
    for rep, label in ((report, ""), (before, "earlier review: ")):
        if rep is None:
            continue
        counted = sum(g.households for g in rep.groups.values())
        c.print(f"{label}rows in {count(rep.rows_in)} = counted {count(counted)} + other status {count(rep.excluded)} + rejected {count(rep.rejected)}")
        for r in rep.rejects[:5]:
            c.print(f"[yellow]  row {r['row']}: {escape(r['reason'])}[/yellow]")
    if args.out:
        c.print(f"written {args.out}")
