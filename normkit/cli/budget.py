"""CLI commands of the budget domain: ``normkit check`` and ``normkit serve``.

Keep this module light: import heavy libraries inside the handlers, not at the top.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD, e.g. 2024-07-01") from None


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return n


def register(sub: Any, pack_options: Callable[[argparse.ArgumentParser], None]) -> dict[str, Callable[[Any], int]]:
    ck = sub.add_parser(
        "check", help="check a budget (dự toán) or settlement (quyết toán) against the norm ceilings",
        description="Check BUDGET (.json, .yaml, .csv or .xlsx; Vietnamese or English headers) line by line: each line's "
                    "claim against the norm ceiling for one unit × quantity, with findings (codes BK101 …, docs/budget.md) "
                    "and totals. Exit code 1 when there is a finding at or above --fail-on.",
        epilog="example: normkit check examples/budgets/clean-2024.csv --json --fail-on warning",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ck.add_argument("budget", help="budget file (.json, .yaml, .csv or .xlsx)")
    pack_options(ck)
    ck.add_argument("--at", type=_date, help="evaluation date YYYY-MM-DD (default: the budget's `at`, else its `date`)")
    ck.add_argument("--fail-on", choices=["error", "warning"], default="error",
                    help="exit 1 when there is a finding of this severity or above (default: error)")
    ck.add_argument("--trace", action="store_true", help="with --json: include each ceiling's quote trace")
    ck.add_argument("--sheet", help="sheet of an .xlsx budget (default: the first)")

    sv = sub.add_parser(
        "serve", help="serve quote, check, packs and schemas over HTTP (needs normkit[server])",
        description="Start the HTTP service (FastAPI on uvicorn): POST /v1/quote, POST /v1/check, GET /v1/packs, "
                    "GET /v1/schema/{kind}, GET /health; the OpenAPI document is at /openapi.json. Packs are only those "
                    "installed or on NORMKIT_PATH, chosen by name; no rule upload.",
        epilog="example: normkit serve --port 8765  (then: curl -s localhost:8765/health)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    return {"check": cmd_check, "serve": cmd_serve}


def cmd_check(args: Any) -> int:
    from pathlib import Path

    from normkit.core.errors import NormkitError
    from normkit.budget.checking import check, resolve_rules
    from normkit.budget.reading import read_budget

    budget = read_budget(args.budget, sheet=args.sheet) if args.sheet else read_budget(args.budget)
    rules = resolve_rules(budget, args.pack, Path(args.budget).parent, args.overlay)
    if args.sets:
        from normkit.media.orders import parse_set

        rules = rules.with_overrides(parse_set(args.sets), label=rules.overlay_label or "--set")
    if args.trace and not args.json:
        raise NormkitError("NK601", "--trace applies to --json output", hint="add --json")
    report = check(budget, rules=rules, at=args.at, trace=args.trace)
    failing = report.at_or_above(args.fail_on)
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        from normkit.cli.render import console
        from normkit.budget.render import report_tables

        c = console()
        for part in report_tables(report):
            c.print(part)
    return 1 if failing else 0


def cmd_serve(args: Any) -> int:
    from normkit.core.errors import NormkitError

    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise NormkitError("NK601", "the HTTP service needs the server extra", hint="pip install 'normkit[server]'") from None
    from normkit.server.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")
    return 0
