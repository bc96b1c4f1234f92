"""CLI commands of this domain. ``register`` adds sub-commands and returns their handlers.

Keep this module light: import heavy libraries inside the handlers, not at the top.

    normkit classify HOUSEHOLDS.csv --out OUT.csv --year 2024
    normkit household area=rural income_per_capita=1500000 deprivation_count=3 --year 2024 --explain
    normkit rates OUT.csv --by district
    normkit targets examples/households/review-2021-2022.yaml
    normkit compare-standards HOUSEHOLDS.csv --from 2026 --to 2027
    normkit check-published examples/households/published/vietnam-2022.yaml
    normkit indicators --year 2027
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from normkit.cli.common import pack_options
from normkit.cli.formats import Cell, Rows, format_options
from normkit.core.amounts import count, fixed, unit_words, vnd

STATUS_HEADERS = {
    "poor": "Hộ nghèo\npoor",
    "near_poor": "Hộ cận nghèo\nnear-poor",
    "middle": "Mức sống trung bình\nmiddle",
    "none": "Khác\nnone",
}


def _standard_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--year", type=int, help="review year: picks the national standard in force (read at 1 September)")
    g.add_argument("--standard", help="standard pack: an id (vn-poverty-2022-2026) or a folder that extends one")
    pack_options(p, pack_help="standard pack, as --standard")


def register(sub: Any) -> dict[str, Callable[[Any], int]]:
    fmt = argparse.RawDescriptionHelpFormatter
    c = sub.add_parser("classify", help="classify households (poor / near-poor / middle / none) from a CSV or Parquet file",
                       formatter_class=fmt,
                       description="Classify every household of HOUSEHOLDS under a poverty standard. Reads `area` (rural/urban), "
                                   "`income_per_capita` (whole đồng per person per month) and either the standard's indicator "
                                   "columns (true = deprived) or `deprivation_count`; `score_a`/`score_b` for the score-based review. "
                                   "Writes every input column plus `status` and `deprivation_count`; bad rows go to the rejects file "
                                   "with their row number and reason.",
                       epilog="example: normkit classify examples/households/households.csv --out /tmp/out.csv --year 2024")
    c.add_argument("households", help="input file (.csv or .parquet)")
    c.add_argument("--out", required=True, help="output file (.csv or .parquet), written atomically")
    c.add_argument("--rejects", help="rejects file (default: OUT.rejects.csv next to the output)")
    c.add_argument("--in-place", action="store_true",
                   help="allow --out to be the input file (replaced only when the run completes); any other output that "
                        "is an input or another output is refused (NK807)")
    c.add_argument("--fail-on-reject", action="store_true",
                   help="exit 1 when any row is rejected (the rows are still written to the rejects file); an input that "
                        "cannot be read then exits 2")
    c.add_argument("--fail-on-duplicates", action="store_true",
                   help="a household_id given on more than one row is an error (NK809); without it they are counted and reported")
    c.add_argument("--method", choices=["income", "score"], help="income lines, or review scores (default: score when score_a is present)")
    c.add_argument("--low-income", action="store_true", help="add `low_income_household` (NĐ 30/2025; from 24 Feb 2025)")
    c.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show the progress bar")
    c.add_argument("--no-progress", dest="progress", action="store_false", help="never show the progress bar")
    c.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="local (this process, default) or dask: HOUSEHOLDS and --out are Parquet datasets (folders), "
                        "classified on a Dask cluster (needs the `dask` extra; docs/scale.md)")
    c.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: the scheduler (tcp://host:8786); default a local cluster")
    _standard_options(c)

    h = sub.add_parser("household", help="classify one household and explain how", formatter_class=fmt,
                       description="Classify one household given as NAME=VALUE pairs, with the lines, thresholds and sources used.",
                       epilog="example: normkit household area=urban income_per_capita=2000000 deprivation_count=3 --year 2024 --explain")
    h.add_argument("values", nargs="+", metavar="NAME=VALUE")
    h.add_argument("--method", choices=["income", "score"])
    h.add_argument("--explain", action="store_true", help="print the trace behind the status")
    _standard_options(h)

    r = sub.add_parser("rates", help="counts and rates (2 decimals) of poor and near-poor households, by any column",
                       formatter_class=fmt,
                       description="Counts and rates of a classified file (with `status`), or of a household file classified on the "
                                   "fly with --year/--standard. Rates = count / households × 100, rounded half up to 0.01; the "
                                   "multidimensional rate counts poor + near-poor.",
                       epilog="example: normkit rates /tmp/out.csv --by district --by area")
    r.add_argument("households")
    r.add_argument("--by", action="append", default=[], metavar="COLUMN", help="group by this column (repeatable)")
    r.add_argument("--method", choices=["income", "score"])
    r.add_argument("--progress", dest="progress", action="store_true", default=None)
    _standard_options(r)
    format_options(r)

    t = sub.add_parser("targets", help="judge the QĐ 90 targets between two reviews (met / not met, with margins)",
                       formatter_class=fmt, epilog="example: normkit targets examples/households/review-2021-2022.yaml")
    t.add_argument("figures", nargs="?", help="YAML with `before:` and `after:` review figures (and optional `baseline:`)")
    t.add_argument("--areas", help="CSV/YAML of districts and communes (id, kind, status_start, status_end): judges the 30 %% "
                                   "poor-district and 30 %% coastal-commune exit targets too")
    t.add_argument("--json", action="store_true")

    cs = sub.add_parser("compare-standards", help="classify the same households under two standards; print the transition matrix",
                        formatter_class=fmt, epilog="example: normkit compare-standards households.csv --from 2026 --to 2027")
    cs.add_argument("households")
    cs.add_argument("--from", dest="std_from", required=True, help="review year or standard pack (A)")
    cs.add_argument("--to", dest="std_to", required=True, help="review year or standard pack (B)")
    cs.add_argument("--progress", dest="progress", action="store_true", default=None)
    cs.add_argument("--json", action="store_true")
    cs.add_argument("--no-cache", action="store_true")
    format_options(cs)

    cp = sub.add_parser("check-published", help="check a published review table: parts that do not add up, rates that do not match",
                        formatter_class=fmt, epilog="example: normkit check-published examples/households/published/vietnam-2022.yaml")
    cp.add_argument("table", help="YAML published table (see examples/households/published/)")
    cp.add_argument("--json", action="store_true")
    cp.add_argument("--fail-on", dest="published_fail_on", action="append", metavar="CHECK",
                    choices=["any", "parts_sum", "poor_plus_near", "rate", "rates_disagree"],
                    help="exit 1 when there is a finding of this check (any, parts_sum, poor_plus_near, rate, rates_disagree; "
                         "repeatable); a table that cannot be read then exits 2")

    ind = sub.add_parser("indicators", help="list a poverty standard's lines and indicators (names in vi/en, dimension)")
    ind.add_argument("--json", action="store_true")
    g = ind.add_mutually_exclusive_group()
    g.add_argument("--year", type=int)
    g.add_argument("--standard")
    return {"classify": cmd_classify, "household": cmd_household, "rates": cmd_rates, "targets": cmd_targets,
            "compare-standards": cmd_compare, "check-published": cmd_check_published, "indicators": cmd_indicators}


# ---- helpers ------------------------------------------------------------------------------------

def _standard(args: Any) -> Any:
    """The standard of --year/--standard (or --pack), with --overlay and --set applied."""
    from normkit.cli.common import use_cache, whatif
    from normkit.core.errors import NormkitError
    from normkit.poverty.standards import Standard, load_standard

    standard = getattr(args, "standard", None) or getattr(args, "pack", None)
    year = getattr(args, "year", None)
    if standard is None and year is None:
        raise NormkitError("NK701", "choose a standard: --year YEAR or --standard PACK")
    change = whatif(args)
    std = load_standard(year=year, standard=standard, use_cache=use_cache(args))
    announce_choice(std)
    if change.overlay is None and not change.values:
        return std
    return Standard(change.apply(std.rules), std.at, choice=std.choice)


def announce_choice(std: Any) -> None:
    """In a transitional year, say on stderr which standard --year took, why, and the other one."""
    choice = getattr(std, "choice", None)
    if choice is not None and choice.transitional:
        print(f"warning: {choice.warning()}", file=sys.stderr)


def with_choice(data: dict[str, Any], *stds: Any) -> dict[str, Any]:
    """``data`` plus ``standard_choice`` (how --year chose the standard; null when a standard was named)."""
    choices = [s.choice.to_dict() if getattr(s, "choice", None) is not None else None for s in stds]
    return {**data, "standard_choice": choices[0] if len(choices) == 1 else choices}


def _console() -> Any:
    from normkit.cli.render import console

    return console()


def _rate(value: Decimal | None) -> str:
    return "—" if value is None else fixed(value)


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def _print_json(data: Any) -> None:
    sys.stdout.write(_json(data))


def rates_rows(by: list[str], groups: list[Any], total: Any) -> Rows:
    """The rates as one sheet: a ``group`` row per group, then the ``total`` row (what the table shows)."""
    from normkit.poverty.standards import STATUSES

    columns = ["kind", *by, "households", *STATUSES, "poverty_rate", "near_poverty_rate", "multidimensional_rate"]
    rows: list[list[Cell]] = []
    for kind, g in [*(("group", g) for g in groups), ("total", total)]:
        rows.append([kind, *(list(g.group) if g.group else [None] * len(by)), g.households,
                     *(g.counts.get(st, 0) for st in STATUSES), g.poverty_rate, g.near_poverty_rate, g.multidimensional_rate])
    return Rows(columns, rows, sheet="rates")


def transition_rows(t: Any) -> Rows:
    """The transition matrix as one sheet: a row per status under A (``from``), a column per status under B."""
    from normkit.poverty.standards import STATUSES

    rows: list[list[Cell]] = [[s, *row, sum(row)] for s, row in zip(STATUSES, t.matrix(), strict=True)]
    return Rows([f"from {t.a} \\ to {t.b}", *STATUSES, "total"], rows, sheet="transitions")


# ---- commands -----------------------------------------------------------------------------------

def cmd_classify(args: Any) -> int:
    from normkit.poverty.run import classify_file

    std = _standard(args)
    if getattr(args, "engine", "local") == "dask":
        s = _classify_dask(args, std)
    else:
        if getattr(args, "scheduler", None):
            from normkit.core.errors import NormkitError

            raise NormkitError("NK711", "--scheduler is an option of --engine dask", hint="add --engine dask, or drop --scheduler")
        s = classify_file(args.households, args.out, std, method=args.method, rejects=args.rejects, low_income=args.low_income,
                          show_progress=args.progress, in_place=args.in_place, fail_on_duplicates=args.fail_on_duplicates)
    if s.duplicate_ids:
        shown = ", ".join(f"{d['household_id']!r} at row {d['row']}" for d in s.duplicate_examples)
        print(f"warning: {count(s.duplicate_ids)} row(s) repeat a household_id of an earlier row ({shown}"
              f"{', …' if s.duplicate_ids > len(s.duplicate_examples) else ''}); --fail-on-duplicates makes this an error",
              file=sys.stderr)
    if args.json:
        _print_json(with_choice(s.to_dict(), std))
        return 1 if args.fail_on_reject and s.rejected else 0
    from normkit.cli.render import table

    c = _console()
    t = table(title=f"Phân loại hộ / Classification — {s.standard} (at {s.at}, method {s.method})", header_style="bold")
    for st in STATUS_HEADERS:
        t.add_column(STATUS_HEADERS[st], justify="right")
    t.add_column("Tổng\nclassified", justify="right")
    t.add_column("Loại bỏ\nrejected", justify="right")
    t.add_row(*[count(s.counts.get(st, 0)) for st in STATUS_HEADERS], count(s.classified), count(s.rejected))
    c.print(t)
    c.print(f"rows in {count(s.rows_in)} = classified {count(s.classified)} + rejected {count(s.rejected)}; written {s.out}"
            + (f"; rejects in {s.rejects}" if s.rejects else "")
            + ("; duplicate household ids not looked for" if s.duplicate_ids is None else f"; duplicate household ids {count(s.duplicate_ids)}"))
    for n in s.notes:
        c.print(f"[yellow]note:[/yellow] {n}")
    return 1 if args.fail_on_reject and s.rejected else 0


def _classify_dask(args: Any, std: Any) -> Any:
    from normkit.core.errors import NormkitError
    from normkit.poverty.dask import classify_dataset

    unsupported = [flag for flag, on in (("--in-place", args.in_place), ("--fail-on-duplicates", args.fail_on_duplicates)) if on]
    if unsupported:
        raise NormkitError("NK711", f"{', '.join(unsupported)} cannot be used with --engine dask",
                           hint="--engine dask writes new folders and does not look for duplicate household ids; drop the option")
    return classify_dataset(args.households, args.out, std, method=args.method, rejects=args.rejects, low_income=args.low_income,
                            scheduler=args.scheduler)


def cmd_household(args: Any) -> int:
    from normkit.core.errors import Location, NormkitError
    from normkit.poverty.household import classify_household

    values: dict[str, str] = {}
    for i, pair in enumerate(args.values):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise NormkitError("NK704", f"expected NAME=VALUE, got {pair!r}", location=Location(path=f"values[{i}]"))
        values[name.strip()] = value.strip()
    std = _standard(args)
    known = set(std.rules.compiled.inputs)
    unknown = [n for n in values if n not in known]
    if unknown:
        from normkit.core.names import close_matches

        close = close_matches(unknown[0], sorted(known), cutoff=0.4)
        raise NormkitError("NK704", f"{std.id} has no input {unknown[0]!r}", location=Location(path=f"household.{unknown[0]}"),
                           hint=("did you mean " + ", ".join(close) + "?") if close else "inputs: " + ", ".join(sorted(known)))
    r = classify_household(values, std=std, method=args.method, explain=args.explain or args.json)
    if args.json:
        _print_json(with_choice(r.to_dict(), std))
        return 0
    from normkit.poverty.standards import STATUS_LABELS

    c = _console()
    vi, en = STATUS_LABELS[r.status]
    c.print(f"[bold]{vi}[/bold] / {en}  (status = {r.status}; {r.deprivation_count} deprivation(s); {r.standard} at {r.at}, method {r.method})")
    if r.deprived:
        c.print("deprived in: " + ", ".join(r.deprived))
    if r.low_income_household is not None:
        c.print(f"low-income-worker household (NĐ 30/2025): {'yes' if r.low_income_household else 'no'}")
    for n in r.notes:
        c.print(f"[yellow]note:[/yellow] {n}")
    if args.explain:
        from rich.tree import Tree

        for node in r.explanation:
            tree = Tree(_node_text(node))
            _grow(tree, node)
            c.print(tree)
    return 0


def _node_text(n: Any) -> str:
    from rich.markup import escape

    label = f"{n.label_vi} / {n.label_en}" if n.label_vi else n.name
    unit = f" {unit_words(n.unit)}" if n.unit and n.unit != "1" else ""
    src = ""
    if n.source is not None:
        src = f" [dim]— {escape(n.source.document)}{(', ' + escape(n.source.article)) if n.source.article else ''}[/dim]"
    flag = "" if n.verified else f" [red](unverified: {escape(n.why or '')})[/red]"
    dates = f" [dim]from {n.effective_from}[/dim]" if n.effective_from else ""
    formula = f"\n  [cyan]{escape(n.formula.strip())}[/cyan]" if n.formula else ""
    return f"[bold]{escape(n.name)}[/bold] = {escape(_value(n.value, n.unit))}{unit}  {escape(label)}{dates}{src}{flag}{formula}"


def _value(text: str, unit: str | None) -> str:
    """A trace value in the chosen language: money grouped (2.000.000), other numbers with their own digits."""
    try:
        d = Decimal(text)
    except ArithmeticError:
        return text
    if not d.is_finite():
        return text
    return vnd(d) if (unit or "").split("/")[0] == "VND" else fixed(d)


def _grow(tree: Any, node: Any) -> None:
    for child in node.children:
        _grow(tree.add(_node_text(child)), child)


def cmd_rates(args: Any) -> int:
    from normkit.cli.formats import chosen, emit, emit_json
    from normkit.poverty.files import read_chunks
    from normkit.poverty.run import rates_file

    fmt = chosen(args)
    std = None
    first = next(iter(read_chunks(args.households, 1000)), None)
    if (first is not None and "status" not in first.columns) or args.year is not None or args.standard or args.pack:
        std = _standard(args)
    counter, rejected = rates_file(args.households, args.by, std, method=args.method, show_progress=args.progress)
    groups = counter.result()
    total = counter.total()
    if args.json:
        emit_json(_json({"by": args.by, "groups": [g.to_dict(args.by) for g in groups], "total": total.to_dict([]),
                         "rejected": rejected, "standard": std.id if std else None,
                         "standard_choice": std.choice.to_dict() if std is not None and std.choice is not None else None}), args)
        return 0
    if fmt in ("csv", "xlsx"):
        emit(rates_rows(args.by, groups, total), fmt, args, inputs=[("household file", args.households)])
        return 0
    from normkit.cli.render import table

    c = _console()
    t = table(title="Tỷ lệ hộ nghèo, cận nghèo / Poverty rates" + (f" — {std.id}" if std else ""), header_style="bold")
    for col in args.by:
        t.add_column(col)
    t.add_column("Số hộ\nhouseholds", justify="right")
    t.add_column("Hộ nghèo\npoor", justify="right")
    t.add_column("Tỷ lệ nghèo %\npoverty rate", justify="right")
    t.add_column("Hộ cận nghèo\nnear-poor", justify="right")
    t.add_column("Tỷ lệ cận nghèo %\nnear-poverty rate", justify="right")
    t.add_column("Nghèo đa chiều %\nmultidimensional", justify="right")
    rows = groups if args.by else []
    for g in rows + [total]:
        label = list(g.group) if g.group else (["[bold]tổng / total[/bold]"] + [""] * (len(args.by) - 1) if args.by else [])
        t.add_row(*label, count(g.households), count(g.poor), _rate(g.poverty_rate), count(g.near_poor), _rate(g.near_poverty_rate),
                  _rate(g.multidimensional_rate))
    c.print(t)
    if rejected:
        c.print(f"[yellow]{count(rejected)} row(s) rejected and not counted[/yellow] (run `normkit classify` to see why)")
    return 0


def cmd_targets(args: Any) -> int:
    from normkit.core.errors import NormkitError
    from normkit.poverty.targets import evaluate_area_targets, evaluate_targets, load_areas, load_review_change, review_standards

    if args.figures is None and args.areas is None:
        raise NormkitError("NK705", "give a figures file (before/after reviews), --areas FILE, or both")
    change = load_review_change(args.figures) if args.figures else None
    results = evaluate_targets(change) if change is not None else []
    choices = review_standards(change) if change is not None else {}
    if args.areas:
        results += evaluate_area_targets(load_areas(args.areas), end_year=change.after.year if change is not None else 2025)
    for choice in choices.values():
        if choice.transitional:
            print(f"warning: {choice.warning()}", file=sys.stderr)
    if args.json:
        _print_json({"before": change.before.year if change else None, "after": change.after.year if change else None,
                     "targets": [r.model_dump() for r in results],
                     "standard_choice": {k: v.to_dict() for k, v in choices.items()} if change else None})
        return 0
    from normkit.cli.render import table

    c = _console()
    span = f"{change.before.year} → {change.after.year}" if change else "2021–2025"
    t = table(title=f"Chỉ tiêu QĐ 90 / QĐ 90 targets: {span}", header_style="bold")
    for col in ("Chỉ tiêu / target", "Giá trị / value", "Khoảng / band", "Kết quả / result", "Chênh lệch / margin"):
        t.add_column(col)
    for r in results:
        result = "—" if not r.evaluated else ("[green]đạt / met[/green]" if r.met else "[red]không đạt / not met[/red]")
        t.add_row(f"{r.label_vi}\n[dim]{r.label_en}[/dim]", f"{r.value} {r.unit}" if r.evaluated else (r.note or ""), r.band, result,
                  r.margin or "")
    c.print(t)
    for r in results:
        if r.evaluated and r.note:
            c.print(f"[yellow]note:[/yellow] {r.id}: {r.note}")
    return 0


def _std_arg(text: str, no_cache: bool) -> Any:
    from normkit.poverty.standards import load_standard

    if text.isdigit():
        std = load_standard(year=int(text), use_cache=not no_cache)
        announce_choice(std)
        return std
    return load_standard(standard=text, use_cache=not no_cache)


def cmd_compare(args: Any) -> int:
    from normkit.cli.formats import chosen, emit, emit_json
    from normkit.poverty.run import compare_file
    from normkit.poverty.standards import STATUSES

    fmt = chosen(args)
    a, b = _std_arg(args.std_from, args.no_cache), _std_arg(args.std_to, args.no_cache)
    t = compare_file(args.households, a, b, show_progress=args.progress)
    if args.json:
        emit_json(_json(with_choice(t.to_dict(), a, b)), args)
        return 0
    if fmt in ("csv", "xlsx"):
        emit(transition_rows(t), fmt, args, inputs=[("household file", args.households)])
        return 0
    from normkit.cli.render import table

    c = _console()
    tab = table(title=f"Chuyển đổi / Transitions: {a.id} ({a.at}) → {b.id} ({b.at})", header_style="bold")
    tab.add_column("từ / from \\ sang / to")
    for s in STATUSES:
        tab.add_column(STATUS_HEADERS[s], justify="right")
    tab.add_column("Tổng\ntotal", justify="right")
    for s, row in zip(STATUSES, t.matrix(), strict=True):
        tab.add_row(STATUS_HEADERS[s].replace("\n", " / "), *[count(n) for n in row], count(sum(row)))
    c.print(tab)
    c.print(f"households {count(t.households)}; changed status {count(t.moved())}; rejected {count(t.rejected)}")
    for n in t.notes:
        c.print(f"[yellow]note:[/yellow] {n}")
    return 0


def cmd_check_published(args: Any) -> int:
    from normkit.poverty.published import check_table, load_published

    published = load_published(args.table)
    findings = check_table(published)
    kinds = set(args.published_fail_on or [])
    failing = [f for f in findings if "any" in kinds or f.check in kinds]
    if args.json:
        _print_json({"id": published.id, "consistent": not findings, "findings": [f.model_dump() for f in findings]})
        return 1 if failing else 0
    c = _console()
    if not findings:
        c.print(f"[green]{published.id}: consistent[/green] — parts add up, poor + near-poor match, rates match counts at 2 decimals")
        return 0
    from normkit.cli.render import table

    t = table(title=f"{published.id}: {len(findings)} inconsistenc{'y' if len(findings) == 1 else 'ies'} (reported, not corrected)",
              header_style="bold")
    for col in ("check", "row", "field", "published", "implied", "message"):
        t.add_column(col)
    for f in findings:
        t.add_row(f.check, f.row, f.field, f.published, f.expected, f.message)
    c.print(t)
    return 1 if failing else 0


def cmd_indicators(args: Any) -> int:
    from normkit.core.dating import in_force
    from normkit.poverty.standards import load_standard

    std = load_standard(year=args.year, standard=args.standard) if (args.year or args.standard) else None
    if std is None:
        from normkit.core.errors import NormkitError

        raise NormkitError("NK701", "choose a standard: --year YEAR or --standard PACK")
    announce_choice(std)
    tables = std.rules.compiled.tables
    lines = {}
    for name in ("poverty_line", "near_poverty_line", "middle_upper_line", "low_income_line"):
        if name in tables:
            version = in_force(tables[name].layers, std.at)
            if version is not None:
                lines[name] = {k[0]: str(rows[0].value) for k, rows in version.rows.items()}
    data = {"standard": std.id, "at": str(std.at), "statuses": list(std.statuses), "lines_vnd_per_person_month": lines,
            "indicators": [i.__dict__ for i in std.indicators],
            "standard_choice": std.choice.to_dict() if std.choice is not None else None}
    if args.json:
        _print_json(data)
        return 0
    from normkit.cli.render import table

    c = _console()
    c.print(f"[bold]{std.title.vi}[/bold]\n{std.title.en}\n(read at {std.at}; statuses: {', '.join(std.statuses)})")
    lt = table(title="Chuẩn thu nhập / Income lines (đồng/người/tháng)", header_style="bold")
    for col in ("line", "rural / nông thôn", "urban / thành thị"):
        lt.add_column(col)
    for name, v in lines.items():
        lt.add_row(name, vnd(Decimal(v.get('rural', '0'))), vnd(Decimal(v.get('urban', '0'))))
    c.print(lt)
    it = table(title="Chỉ số thiếu hụt / Deprivation indicators", header_style="bold")
    for col in ("id", "tiếng Việt", "English", "dịch vụ / dimension", "verified"):
        it.add_column(col)
    for i in std.indicators:
        it.add_row(i.id, i.name_vi, i.name_en, f"{i.dimension_vi} / {i.dimension_en}", "yes" if i.verified else "[red]no[/red]")
    c.print(it)
    return 0
