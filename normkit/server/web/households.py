"""The Households page's work: classify an uploaded file as ``normkit classify`` does, count and
rate it as ``normkit rates`` does (by every column an officer may group by), and count the
deprivations per indicator as ``normkit deprivations`` does, the information dimension first.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from normkit.core.errors import Location, NormkitError
from normkit.server.web import charts, text
from normkit.server.web.exports import data_url
from normkit.server.web.uploads import HOUSEHOLD_KINDS, MAX_HOUSEHOLD_ROWS, Upload, stored

MAX_GROUPS = 60  # a column with more distinct values is not offered for grouping
NOT_GROUPED = ("household_id", "income_per_capita", "deprivation_count", "status", "score_a", "score_b")
REJECTS_SHOWN = 200


def xlsx_to_csv(path: Path) -> Path:
    """The first sheet of a household workbook as CSV text (cells as written: true/false, whole numbers)."""
    from normkit.core.io.tables import is_blank, xlsx_records

    records, _sheet = xlsx_records(path, None, code="NK702", max_rows=MAX_HOUSEHOLD_ROWS)
    out = path.with_suffix(".csv")
    buf = io.StringIO()
    w = csv.writer(buf)
    for _n, cells in records:
        if all(is_blank(c) for c in cells):
            continue
        w.writerow(["" if c is None else ("true" if c is True else "false" if c is False else
                                          str(int(c)) if isinstance(c, float) and c.is_integer() else str(c)) for c in cells])
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out


def chosen_standard(year: int | None, standard: Path | None) -> Any:
    """The standard a households form chose: by review year or by pack (one of them is needed)."""
    from normkit.poverty.standards import load_standard

    if year is None and standard is None:
        raise NormkitError("NK701", "choose a standard: give a review year or a standard pack", location=Location(path="year"))
    return load_standard(year=year, standard=standard)


def run_households(upload: Upload, year: int | None, standard: Path | None, lang: str) -> dict[str, Any]:
    from normkit.poverty.deprivations import count_deprivations, items_of
    from normkit.poverty.files import count_rows, read_table
    from normkit.poverty.run import classify_file, rates_file

    std = chosen_standard(year, standard)
    with stored(upload, HOUSEHOLD_KINDS, "file") as path:
        source = xlsx_to_csv(path) if path.suffix == ".xlsx" else path
        rows = count_rows(source)
        if rows > MAX_HOUSEHOLD_ROWS:
            raise NormkitError("NK916", f"the file has {rows:,} households; the page takes at most {MAX_HOUSEHOLD_ROWS:,}",
                               location=Location(path="file"), hint="split the file, or run `normkit classify` on the command line")
        out = path.parent / "classified.csv"
        summary = classify_file(source, out, std, show_progress=False)
        frame = read_table(out) if summary.classified else None
        columns = [c for c in (frame.columns if frame is not None else []) if c not in NOT_GROUPED
                   and frame is not None and 0 < frame[c].nunique() <= MAX_GROUPS]
        views: list[dict[str, Any]] = []
        for col in [None, *columns]:
            by = [col] if col else []
            counter, _rejected = rates_file(out, by, None, show_progress=False) if summary.classified else (None, 0)
            groups = ([*counter.result(), counter.total()] if col else [counter.total()]) if counter else []
            bars = [(str(g.group[0]) if g.group else text.word("total", lang), g.poverty_rate, str(g.poverty_rate)) for g in groups]
            views.append({"column": col, "groups": groups, "by": by,
                          "chart": charts.bar_chart(bars, f"{text.word('poverty_rate', lang)} — {col or text.word('whole', lang)}")})
        deprivation: dict[str, Any] | None = None
        indicator_ids = set(std.indicator_ids)
        households = read_table(source) if rows else None
        present = set(households.columns) if households is not None else set()
        if indicator_ids & present:
            report = count_deprivations(households, std)
            try:
                info = {i.id for i in items_of(std, "information")}
            except NormkitError:
                info = set()
            ordered = [i for i in report.items if i.dimension in info] + [i for i in report.items if i.dimension not in info]
            total = report.total()
            dep_rows: list[dict[str, Any]] = [{"item": i, "deprived": total.deprived.get(f"{i.kind}:{i.id}", 0), "households": total.households,
                                     "rate": total.rate(i), "information": i.dimension in info} for i in ordered]
            chart = charts.bar_chart([(text.label(r["item"], lang, "name"), r["rate"], str(r["rate"])) for r in dep_rows
                                      if r["item"].kind == "dimension"], text.word("deprivations", lang))
            deprivation = {"rows": dep_rows, "report": report, "chart": chart, "carried": carried(report)}
            for view in views:  # the same rates per group of the view's column (as `normkit deprivations --by COLUMN`)
                if view["column"] is None or view["column"] not in present:
                    continue
                grouped = count_deprivations(households, std, by=[view["column"]])
                counted = grouped.group_list()
                view["deprivation"] = {"groups": [g.group[0] if g.group else text.word("total", lang) for g in counted],
                                       "rows": [{"item": i, "information": i.dimension in info, "rates": [g.rate(i) for g in counted]}
                                                for i in ordered]}
        rejects: list[dict[str, str]] = []
        rej_bytes = b""
        if summary.rejects:
            rej_bytes = Path(summary.rejects).read_bytes()
            with Path(summary.rejects).open(encoding="utf-8", newline="") as fh:
                rejects = [dict(r) for _, r in zip(range(REJECTS_SHOWN), csv.DictReader(fh), strict=False)]
        classified_bytes = out.read_bytes() if out.exists() else b""
    return {"summary": summary, "views": views, "deprivation": deprivation, "rejects": rejects, "std": std,
            "choice": std.choice.to_dict() if std.choice is not None else None,
            "downloads": {"classified": data_url(classified_bytes, "text/csv"), "rejects": data_url(rej_bytes, "text/csv") if rej_bytes else None}}


# ---- two reviews of the same households: the change in points per indicator ---------------------

def carried(report: Any) -> str:
    """The totals of a deprivation count as the compare form carries them (counts only, no household
    data): the standard, the households counted and the deprived per item."""
    import json

    total = report.total()
    return json.dumps({"standard": report.standard, "households": total.households, "deprived": total.deprived}, sort_keys=True)


def _later_report(text_json: str, before: Any) -> Any:
    """The later review's report rebuilt from the counts the compare form carried (validated: the
    same standard, whole non-negative counts, no more deprived than households)."""
    import json

    from normkit.poverty.deprivations import DeprivationReport, GroupCounts

    def bad(why: str) -> NormkitError:
        return NormkitError("NK917", f"the later review's counts are not valid: {why}", location=Location(path="later"),
                            hint="classify the later review on this page again, then compare from its result")

    try:
        data = json.loads(text_json)
    except ValueError:
        raise bad("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("deprived"), dict):
        raise bad("no counts")
    n = data.get("households")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise bad("the number of households is not a whole number ≥ 0")
    if any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= n for v in data["deprived"].values()):
        raise bad("a deprived count is not a whole number between 0 and the households")
    if data.get("standard") != before.standard:
        raise NormkitError("NK706", f"the two reviews were counted under different standards ({before.standard} / {data.get('standard')})",
                           location=Location(path="later"), hint="compare two reviews counted under the same standard (give the same year or standard)")
    return DeprivationReport(standard=before.standard, at=before.at, by=[], among=before.among, items=before.items,
                             groups={(): GroupCounts((), n, {str(k): v for k, v in data["deprived"].items()})})


def compare_households(upload: Upload, year: int | None, standard: Path | None, later: str, lang: str) -> dict[str, Any]:
    """The earlier review (the uploaded file) against the later one (the counts the result page
    carried): each indicator's and dimension's rate before and after and the change in points, as
    ``normkit deprivations LATER --compare EARLIER`` prints them."""
    from normkit.poverty.deprivations import compare_reports, count_deprivations, items_of
    from normkit.poverty.files import read_table

    std = chosen_standard(year, standard)
    with stored(upload, HOUSEHOLD_KINDS, "file") as path:
        source = xlsx_to_csv(path) if path.suffix == ".xlsx" else path
        households = read_table(source)
        if len(households) > MAX_HOUSEHOLD_ROWS:
            raise NormkitError("NK916", f"the file has {len(households):,} households; the page takes at most {MAX_HOUSEHOLD_ROWS:,}",
                               location=Location(path="file"), hint="split the file, or run `normkit deprivations --compare` on the command line")
        before = count_deprivations(households, std)
    after = _later_report(later, before)
    try:
        info = {i.id for i in items_of(std, "information")}
    except NormkitError:
        info = set()
    changes = compare_reports(before, after)
    rows = [{"item": c.item, "before": c.before, "after": c.after, "points": c.points, "information": c.item.dimension in info} for c in changes]
    rows = [r for r in rows if r["information"]] + [r for r in rows if not r["information"]]
    return {"comparison": {"rows": rows, "standard": before.standard,
                           "households_before": before.total().households, "households_after": after.total().households}}
