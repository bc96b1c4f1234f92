"""CLI command of the budget domain: ``normkit check`` (``normkit serve`` is in :mod:`normkit.cli.serve`).

Keep this module light: import heavy libraries inside the handlers, not at the top.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from normkit.cli.common import pack_options


def register(sub: Any) -> dict[str, Callable[[Any], int]]:
    ck = sub.add_parser(
        "check", help="check a budget (dự toán) or settlement (quyết toán) against the norm ceilings",
        description="Check BUDGET (.json, .yaml, .csv or .xlsx; Vietnamese or English headers) line by line: each line's "
                    "claim against the norm ceiling for one unit × quantity, with findings (codes BK101 …, docs/budget.md) "
                    "and totals. Exit code 1 when there is a finding at or above --fail-on.",
        epilog="example: normkit check examples/budgets/clean-2024.csv --json --fail-on warning",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ck.add_argument("budget", help="budget file (.json, .yaml, .csv or .xlsx)")
    pack_options(ck, at="evaluation date YYYY-MM-DD (default: the budget's `at`, else its `date`)",
                 pack_help="pack folder or installed pack name (default: the budget's `pack`)")
    ck.add_argument("--fail-on", choices=["error", "warning"], default="error",
                    help="exit 1 when there is a finding of this severity or above (default: error)")
    ck.add_argument("--trace", action="store_true", help="with --json: include each ceiling's quote trace")
    ck.add_argument("--sheet", help="sheet of an .xlsx budget (default: the first)")

    return {"check": cmd_check}


def cmd_check(args: Any) -> int:
    from normkit.api import WhatIf, rules_for
    from normkit.budget.checking import budget_overlay, budget_pack, check
    from normkit.budget.reading import read_budget
    from normkit.cli.common import SET_LABEL, use_cache, whatif
    from normkit.core.errors import NormkitError

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
        sys.stdout.write(report.to_json() + "\n")
    else:
        from normkit.budget.render import report_tables
        from normkit.cli.render import console

        c = console()
        for part in report_tables(report):
            c.print(part)
    return 1 if failing else 0
