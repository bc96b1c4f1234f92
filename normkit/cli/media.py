"""CLI commands of this domain. ``register`` adds sub-commands and returns their handlers.

Keep this module light: import heavy libraries inside the handlers, not at the top.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from normkit.cli.common import Variants, pack_options
from normkit.cli.formats import format_options

AT_HELP = "evaluation date YYYY-MM-DD (default: the order's)"


def register(sub: Any) -> dict[str, Callable[[Any], int]]:
    fmt = argparse.RawDescriptionHelpFormatter
    im = sub.add_parser(
        "import-norms", help="import a province's norm table (.csv/.xlsx) into a pack, checking every row",
        description="Read TABLE (one row per norm line: code, name, component, title, grade, step, unit, value; Vietnamese "
                    "or English headers; decimal comma accepted) and write its norms into PACK_DIR as a `norms:` file. Every "
                    "rejected row is reported with its row, column and reason; nothing is written unless all rows pass "
                    "(or, with --keep-going, the complete norms are written and the rejected rows go to a CSV). Exit 1 "
                    "if any row was rejected. The pack is checked like `normkit lint` after writing.",
        epilog="example: normkit import-norms examples/norm-tables/tv-01.03.01.50.10.csv --into my-province", formatter_class=fmt)
    im.add_argument("table", help="norm table, .csv (UTF-8) or .xlsx")
    im.add_argument("--into", required=True, metavar="PACK_DIR", help="pack folder (with pack.yaml) to write the norms into")
    im.add_argument("--source", metavar="ID", help="source id (declared under `sources:`) for norms whose row names none")
    im.add_argument("--sheet", metavar="NAME", help="sheet of an .xlsx table (default: the first)")
    im.add_argument("--file", default="norms.yaml", help="file written inside PACK_DIR (default: norms.yaml)")
    im.add_argument("--keep-going", action="store_true", help="write the norms without rejected rows, and the rejects as CSV")
    im.add_argument("--rejects", metavar="CSV", help="where --keep-going writes rejected rows (default: TABLE.rejects.csv)")
    im.add_argument("--code-pattern", metavar="REGEX", help=r"norm-code pattern (default: \d{2}(\.\d{2}){4}, e.g. 01.03.01.50.10)")
    im.add_argument("--json", action="store_true", help="print the report as JSON")
    im.add_argument("--no-cache", action="store_true", help="rebuild the compiled packs instead of using the cache")

    ex = sub.add_parser("export-norms", help="write a pack's own norms as a norm table (.csv/.xlsx) that import-norms reads back",
                        description="Write the norms PACK defines itself (not those it extends), one row per line, in the "
                                    "layout import-norms reads: importing the table again gives the same norms.",
                        epilog="example: normkit export-norms rules/vn-tv-03-2018 --out tv-norms.xlsx", formatter_class=fmt)
    ex.add_argument("pack", help="pack folder or installed pack name")
    ex.add_argument("--out", required=True, metavar="TABLE", help="output .csv or .xlsx")
    ex.add_argument("--json", action="store_true", help="print the report as JSON")
    ex.add_argument("--no-cache", action="store_true", help="rebuild the compiled packs instead of using the cache")

    xq = sub.add_parser("export-quote", help="price an order and write it as an XLSX unit-price sheet (bảng đơn giá)",
                        description="Price ORDER like `normkit price` and write an XLSX workbook laid out as a finance office "
                                    "lays out a unit-price sheet: per item, cost elements grouped by component with quantity, "
                                    "unit price, amount and legal basis; a second sheet lists unverified values and the packs.",
                        epilog="example: normkit export-quote examples/orders/tv-bulletins.yaml --xlsx quote.xlsx", formatter_class=fmt)
    xq.add_argument("order", help="order file (.yaml or .json)")
    xq.add_argument("--xlsx", required=True, metavar="OUT", help="workbook to write (.xlsx)")
    pack_options(xq, at=AT_HELP)

    wi = sub.add_parser("whatif", help="compare an order's price with and without changed values, line by line",
                        description="Price ORDER twice, as the packs say (baseline) and with --set/--overlay (variant), and "
                                    "show both side by side with the change of every line and its cause: the overridden "
                                    "parameters the line's trace depends on. --sweep NAME=v1,v2,… prices one column per value.",
                        epilog="examples:\n  normkit whatif examples/orders/tv-bulletins.yaml --set base_salary=1800000\n"
                               "  normkit whatif examples/orders/tv-bulletins.yaml --sweep overhead_rate=5,10,15 --json",
                        formatter_class=fmt)
    wi.add_argument("order", help="order file (.yaml or .json)")
    wi.add_argument("--sweep", metavar="NAME=V1,V2,…", help="one column per value of parameter NAME (decimals with a point)")
    wi.add_argument("--all-lines", action="store_true", help="also show lines that did not change")
    wi.add_argument("--totals-only", action="store_true", help="with --sweep: only the items' totals and the total, no lines")
    pack_options(wi, at=AT_HELP)
    format_options(wi)
    return {"import-norms": cmd_import_norms, "export-norms": cmd_export_norms, "export-quote": cmd_export_quote, "whatif": cmd_whatif}


def _pack_files(pack: str) -> list[tuple[str, Path]]:
    """The files of a pack given as a folder (inputs no output may overwrite); none for an installed name."""
    folder = Path(pack)
    if not folder.is_dir():
        return []
    return [(f"pack file {p.relative_to(folder)}", p) for p in sorted(folder.rglob("*")) if p.is_file()]


def _order_inputs(args: Any) -> list[tuple[str, Any]]:
    inputs: list[tuple[str, Any]] = [("order file", args.order)]
    if getattr(args, "overlay", None):
        inputs.append(("--overlay file", args.overlay))
    return inputs


def cmd_import_norms(args: Any) -> int:
    from normkit.core.io.outputs import check_outputs
    from normkit.media.importing import import_norms

    outputs: list[tuple[str, Any]] = [(f"--into {args.into} --file {args.file}", Path(args.into) / args.file)]
    if args.keep_going:
        outputs.append(("--rejects" if args.rejects else "the rejects file derived from the table",
                        args.rejects or Path(args.table).with_suffix(".rejects.csv")))
    check_outputs([("norm table", args.table), ("pack manifest", Path(args.into) / "pack.yaml")], outputs)
    report = import_norms(args.table, args.into, source=args.source, sheet=args.sheet, keep_going=args.keep_going,
                          file=args.file, rejects_file=args.rejects, code_pattern=args.code_pattern, use_cache=not args.no_cache)
    if args.json:
        print(report.model_dump_json(indent=2))
        return 1 if report.rejected else 0
    from rich.markup import escape

    from normkit.cli.render import console, table
    from normkit.core.amounts import count

    c = console()
    if report.rejects:
        t = table(title=f"Dòng bị loại / Rejected rows ({report.rejected})", header_style="bold", title_justify="left")
        for col in ("Dòng\nRow", "Cột\nColumn", "Lý do / Reason", "Giá trị\nValue"):
            t.add_column(col)
        for r in report.rejects:
            t.add_row(str(r.row), escape(r.column), escape(r.reason), escape(r.value))
        c.print(t)
    for w in report.warnings:
        c.print(f"[yellow]warning[/yellow]: {escape(w)}")
    state = ("[green]written[/green] " + escape(report.file)) if report.written else "[red]nothing written[/red]"
    c.print(f"{count(report.rows_in)} row(s) in: {count(report.imported)} imported, {count(report.rejected)} rejected "
            f"({count(len(report.norms))} norm(s), {count(report.lines)} line(s)); {state}"
            + (f"; rejected rows in {escape(report.rejects_file)}" if report.rejects_file else ""))
    return 1 if report.rejected else 0


def cmd_export_norms(args: Any) -> int:
    from normkit.core.io.outputs import check_outputs
    from normkit.media.importing import export_norms

    check_outputs(_pack_files(args.pack), [("--out", args.out)])
    report = export_norms(args.pack, args.out, use_cache=not args.no_cache)
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {report.rows} row(s) of {len(report.norms)} norm(s) to {report.out}")
    return 0


def _priced(args: Any) -> tuple[Any, Variants]:
    """The order and its rule sets (baseline, and variant with --set/--overlay) from the shared options."""
    from normkit.api import resolve_order_pack
    from normkit.cli.common import variants
    from normkit.media.orders import load_order

    order = load_order(args.order)
    return order, variants(args, resolve_order_pack(order, args.pack, Path(args.order).parent))


def cmd_export_quote(args: Any) -> int:
    from normkit.core.io.outputs import check_outputs
    from normkit.media.xlsx import write_quote_xlsx

    check_outputs(_order_inputs(args), [("--xlsx", args.xlsx)])
    order, sets = _priced(args)
    q = (sets.variant or sets.baseline).quote(order, at=args.at)
    write_quote_xlsx(q, args.xlsx)
    if args.json:
        print(json.dumps({"written": args.xlsx, "order_id": q.order_id, "at": str(q.at), "total": str(q.total)}, ensure_ascii=False))
    else:
        from normkit.cli.render import vnd

        print(f"wrote {args.xlsx}: {q.order_id} at {q.at}, total {vnd(q.total)} VND")
    return 0


def cmd_whatif(args: Any) -> int:
    from normkit.cli.formats import chosen, emit, emit_json
    from normkit.core.errors import NormkitError
    from normkit.media.whatif import compare, parse_sweep, sweep

    fmt = chosen(args)
    order, sets = _priced(args)
    rules, variant = sets.baseline, sets.variant
    if args.sweep:
        name, values = parse_sweep(args.sweep)
        base = variant or rules
        result = sweep(base, order, name, values, at=args.at)
        if args.json:
            emit_json(result.model_dump_json(indent=2), args)
            return 0
        from normkit.cli.whatif_tables import sweep_rows, sweep_table

        if fmt in ("csv", "xlsx"):
            emit(sweep_rows(result, all_lines=args.all_lines, totals_only=args.totals_only), fmt, args, inputs=_order_inputs(args))
            return 0
        from normkit.cli.render import console

        console().print(sweep_table(result, all_lines=args.all_lines, totals_only=args.totals_only))
        return 0
    if variant is None:
        raise NormkitError("NK806", "whatif needs --set NAME=VALUE, --overlay FILE or --sweep NAME=v1,v2")
    comparison = compare(rules.quote(order, at=args.at), variant.quote(order, at=args.at))
    if args.json:
        emit_json(comparison.model_dump_json(indent=2), args)
        return 0
    from normkit.cli.whatif_tables import comparison_rows, comparison_table

    if fmt in ("csv", "xlsx"):
        emit(comparison_rows(comparison, all_lines=args.all_lines), fmt, args, inputs=_order_inputs(args))
        return 0
    from normkit.cli.render import console

    console().print(comparison_table(comparison, all_lines=args.all_lines))
    return 0
