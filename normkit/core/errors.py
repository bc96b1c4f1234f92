"""One error hierarchy for everything a user can get wrong.

Every user-facing error carries a stable ``code``, a ``message``, a ``location``
(``file:line:column`` or a field path) and a ``hint``. The CLI prints them without a
traceback and exits 1; library users catch :class:`NormkitError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is: a file position, or a field path inside a document."""

    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    path: str | None = None  # e.g. "items[2].quantity"

    def shifted(self, columns: int) -> Location:
        """The same place, ``columns`` further along the line (for spans inside a scalar)."""
        if self.column is None:
            return self
        return Location(self.file, self.line, self.column + columns, self.path)

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            pos = self.file
            if self.line is not None:
                pos += f":{self.line}"
                if self.column is not None:
                    pos += f":{self.column}"
            parts.append(pos)
        if self.path:
            parts.append(self.path)
        return " ".join(parts) if parts else "<input>"


# code -> (title, default hint). The catalogue is documented in docs/errors.md and each
# code has a fixture under tests/fixtures/errors/.
CATALOGUE: dict[str, tuple[str, str]] = {
    # reading files
    "NK101": ("file cannot be read", "check the path and that the file is UTF-8 text"),
    "NK102": ("YAML syntax error", "fix the YAML at the position shown; inside {…} or […] quote expressions that contain [ ] { } or commas"),
    "NK103": ("duplicate key", "each key may appear once in a mapping; remove or rename one"),
    "NK104": ("YAML anchors and aliases are not allowed", "write the value out; rule files may not use & or *"),
    "NK105": ("input too large or too deeply nested", "split the file or flatten the structure"),
    "NK106": ("value not allowed in YAML", "write numbers as plain decimals; NaN and Infinity are refused"),
    "NK107": ("not a regular file", "name a regular file; a named pipe, device, socket or folder is never read"),
    "NK108": ("symbolic link loop", "the link points back to itself (directly or through other links); point it at a real file"),
    # reading one value (normkit/core/io/text.py; docs/input.md)
    "NK110": ("not a number", "write a number, e.g. 2340000, 5.358.000, 5,358,000, 0,12 or 0.12"),
    "NK111": ("ambiguous number", "write it without a thousands separator (1234) or with its decimals in full (1.234,0 or 1,234.0)"),
    "NK112": ("number in exponent notation", "write the number with all its digits; a number in exponent notation has already lost digits"),
    "NK113": ("amount not a whole number of đồng", "amounts are whole đồng; round the amount yourself, deliberately"),
    "NK114": ("number out of range", "check the number for a typing error: at most 34 digits, amounts at most 18"),
    "NK115": ("not a date", "write YYYY-MM-DD (2024-09-15) or dd/mm/yyyy (15/09/2024)"),
    "NK116": ("not true or false", "true: có, x, true, yes, y, t, 1, đúng, phải; false: không, false, no, n, f, 0, sai"),
    "NK117": ("value text too long", "a number, date or word is at most 100 characters; check the value"),
    "NK120": ("table too wide", "a table may have at most 1024 columns (docs/tables.md); remove the columns normkit does not read"),
    "NK121": ("a row or cell of a table is too long", "a row (CSV) or cell (XLSX, Parquet) may hold at most 8 MiB (docs/tables.md); check that the file is the table you meant"),
    "NK122": ("table expands beyond the memory bound", "a Parquet batch or row group, or an XLSX workbook's parts, may expand to at most 512 MiB (docs/tables.md); write smaller row groups or split the file"),
    "NK123": ("XLSX with a DTD or entity declaration", "normkit never parses a workbook that declares a DTD or entities (an entity bomb or an external entity); save the sheet again from a spreadsheet program"),
    "NK124": ("table text is not UTF-8", "a text or binary column must hold UTF-8 text; convert the column, or write it as a number"),
    "NK125": ("table file too large to read whole", "budgets and norm tables may be at most 256 MiB (docs/tables.md); split the table"),
    # schema and names
    "NK201": ("schema error", "compare the field with `normkit schema pack` or `normkit schema order`"),
    "NK202": ("unknown name", "check the spelling; `normkit show NAME` lists what a pack defines"),
    "NK203": ("duplicate definition", "a name may be defined once per pack; use an overlay or `extends` to replace it"),
    "NK204": ("reference cycle", "break the cycle: a formula may not depend on itself"),
    "NK205": ("pack not found", "`normkit packs` lists installed packs; or give a folder path"),
    "NK206": ("pack extends cycle", "packs may not extend each other in a loop"),
    "NK207": ("table row error", "check the row's keys and value against the table's declaration"),
    "NK208": ("conflicting exceptions", "give the exceptions different priorities, or make their conditions exclusive"),
    "NK209": ("norm above the national maximum", "a provincial norm may not exceed the national maximum for the same code and line"),
    "NK210": ("pack id found twice on the search path", "remove or rename one of the two folders, or take one off NORMKIT_PATH"),
    "NK212": ("invalid norm set", "a norm set names a pack before it in the set (`of:`), gives `factor:` or `components:` with positive factors, and scales at least one norm in force"),
    "NK213": ("a norm line has no rate", "add the missing row or value to the rate card (the hint names the close matches); `normkit lint` checks every norm line at every date a value changes"),
    "NK214": ("a pricing extra misses a rate-card value", "add the value (e.g. overhead_rate) to the rate card of the province pack"),
    "NK215": ("rate-card row no norm uses", "a misspelled resource key, or a row for no norm of the pack set: correct or remove it"),
    # expressions
    "NK301": ("expression syntax error", "see docs/expressions.md for the expression language"),
    "NK302": ("expression too large or too deep", "split it into named formulas"),
    "NK303": ("type error in expression", "comparisons give true/false; arithmetic needs numbers"),
    # units
    "NK310": ("unknown unit", "`normkit units` lists the vocabulary; a pack may add units under `units:`"),
    "NK311": ("unit mismatch", "convert one side or fix the declared unit"),
    # dates
    "NK401": ("no value in force at that date", "choose a date inside the covered range, or supply a value with --set"),
    "NK402": ("date outside the pack's validity", "price at a date inside the pack's validity window"),
    "NK403": ("overlapping or unordered dated values", "each value starts after the previous one ends"),
    # evaluation
    "NK501": ("missing rate-card values", "add the listed values to the province pack's rate card, or pass --set"),
    "NK502": ("arithmetic error", "a divisor is zero or a value is out of range"),
    "NK503": ("value out of range", "use a value inside the allowed range"),
    "NK504": ("unknown norm code", "check the code; `normkit show CODE` shows a norm"),
    "NK505": ("a rule's condition is not met", "change the order, or give the override the rule allows, with a reason"),
    # orders and overlays
    "NK601": ("order error", "compare the order with `normkit schema order`"),
    "NK602": ("overlay error", "an overlay may only replace values that exist, in a compatible unit"),
    "NK603": ("bad value", "write a number with its unit, e.g. 2340000 VND/month"),
    # poverty
    "NK701": ("no poverty standard for that choice", "give --year with a review year from 2021 to 2030, or --standard with a standard pack"),
    "NK702": ("household data cannot be read", "give a .csv (UTF-8, header row) or .parquet file"),
    "NK703": ("household data lacks a column", "add the column, or choose the method that matches the columns you have"),
    "NK704": ("bad household value", "area is rural or urban; incomes are whole đồng, 0 or more; deprivations are true/false"),
    "NK705": ("published table or review file error", "compare the file with the examples in examples/households/published/"),
    "NK706": ("deprivations cannot be counted or compared", "give one true/false column per indicator (`normkit indicators` lists them), a dimension the standard defines, and two reviews counted the same way"),
    "NK707": ("bad areas file for the QĐ 90 area targets", "give id, kind (district or commune), status_start and status_end; a district is poor or not_poor, a commune extremely_difficult or not_extremely_difficult"),
    "NK708": ("an area is listed twice", "list each district or commune once, with its status at the start and at the end of the period"),
    "NK709": ("the Dask engine is not installed", "pip install 'normkit[dask]' (dask[dataframe] and distributed), or use the default --engine local"),
    "NK710": ("a Dask worker's packs differ from the client's", "install the same normkit and packs (same content hashes) on every worker; docs/scale.md"),
    "NK711": ("cannot run on Dask with these inputs", "--engine dask reads a Parquet dataset (folder) and writes new folders; see docs/scale.md"),
    "NK712": ("the Dask scheduler cannot be reached", "check the address (tcp://host:8786) and that the scheduler runs, or leave out --scheduler for a local cluster"),
    # media import/export
    "NK801": ("norm table cannot be read", "give a .csv (UTF-8) or .xlsx table with a header row: code, name, component, title, unit, value (docs/import-norms.md)"),
    "NK802": ("norm table rows rejected", "fix the rows listed (row, column, reason) and import again; --keep-going imports the norms without rejected rows"),
    "NK803": ("imported norms fail the pack check", "the pack was left unchanged; fix the rows or the pack and import again"),
    "NK804": ("cannot export", "see docs/import-norms.md and docs/xlsx.md for what can be exported"),
    "NK805": ("cannot write the output file", "check that the folder exists and is writable"),
    "NK806": ("what-if has nothing to compare", "pass --set NAME=VALUE, --overlay FILE or --sweep NAME=v1,v2"),
    "NK807": ("an output is an input or another output", "give every output its own file; classify --in-place lets --out replace the input"),
    "NK808": ("a column name appears twice in the header", "rename or remove one of the two columns"),
    "NK809": ("duplicate household ids (--fail-on-duplicates)", "give each household one row with its own household_id, or drop --fail-on-duplicates to only report them"),
    # budget
    "NK901": ("budget file cannot be read", "give a .json, .yaml, .csv (UTF-8) or .xlsx budget (docs/budget.md)"),
    "NK902": ("budget table rows rejected", "fix the cells listed (row, column, reason); headers may be Vietnamese or English (docs/budget.md)"),
    "NK903": ("budget schema error", "compare the budget with `normkit schema budget`"),
    "NK904": ("pack or overlay not allowed here", "the HTTP service only uses installed packs, chosen by name, and inline overlays"),
    "NK905": ("request rejected", "send a JSON body under the size limit, with the fields the OpenAPI document lists"),
    "NK906": ("access token missing or wrong", "send `Authorization: Bearer <token>`; `normkit serve` beyond loopback needs --token or NORMKIT_TOKEN"),
    "NK907": ("request body encoding not accepted", "send the JSON body uncompressed (no Content-Encoding) and in UTF-8"),
    "NK908": ("request not served", "the routes and their methods are in /openapi.json; a busy or timed-out request may be retried"),
    "NK909": ("request over the work limit", "split the order or budget into smaller requests, or ask without `trace`; the limits are set by `normkit serve --max-work` and `--max-trace-work`"),
    # web workspace
    "NK915": ("upload not accepted", "choose one file of a kind the page lists (by its extension), not empty; the page never reads paths or pack folders"),
    "NK916": ("upload too large for the page", "split the file: the workspace takes at most the rows the page states (the CLI has no such limit)"),
    "NK917": ("form field not valid", "correct the field named in the message (dates as YYYY-MM-DD, numbers with a decimal point)"),
}


class NormkitError(Exception):
    """A user-facing error with a stable code, a location and a hint."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        if code not in CATALOGUE:  # a programming error, not a user's
            raise ValueError(f"unknown error code {code}")
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint if hint is not None else CATALOGUE[code][1]
        self.details = details or {}

    def __str__(self) -> str:
        loc = f"{self.location}: " if self.location else ""
        return f"{loc}{self.code} {self.message}"

    def render(self) -> str:
        """The message as the CLI prints it: location, code, message, hint."""
        return f"{self}\n  hint: {self.hint}"

    def to_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "code": self.code,
            "message": self.message,
            "location": str(loc) if loc else None,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "path": loc.path if loc else None,
            "hint": self.hint,
            **({"details": self.details} if self.details else {}),
        }


class NormkitErrors(NormkitError):
    """Several errors found in one pass (lint, a batch); never only the first."""

    def __init__(self, errors: Iterable[NormkitError]) -> None:
        self.errors = list(errors)
        if not self.errors:
            raise ValueError("NormkitErrors needs at least one error")
        first = self.errors[0]
        more = len(self.errors) - 1
        summary = first.message + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")
        super().__init__(first.code, summary, location=first.location, hint=first.hint)

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": [e.to_dict() for e in self.errors]}


class ErrorCollector:
    """Collects errors so a pass reports all of them at once."""

    def __init__(self) -> None:
        self.errors: list[NormkitError] = []

    def add(self, error: NormkitError) -> None:
        if isinstance(error, NormkitErrors):
            self.errors.extend(error.errors)
        else:
            self.errors.append(error)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise NormkitErrors(self.errors)
