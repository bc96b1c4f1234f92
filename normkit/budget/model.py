"""Budgets (dự toán), settlements (quyết toán) and their check reports, as pydantic models.

These models are the one contract shared by the Python API, the CLI (``normkit check``) and
the HTTP service; their JSON Schemas (``normkit.budget.schemas``) are versioned. Money is
:class:`~decimal.Decimal` and is written in JSON as a string holding an exact decimal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, field_validator, model_validator

from normkit.budget.options import option_name
from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.io.text import DATE, MONEY, NUMBER, Reader, read_fields
from normkit.core.io.yaml import format_path
from normkit.core.schema import Overlay
from normkit.media.quote import PackRef, TraceNode

BUDGET_SCHEMA = "normkit.budget/1"
REPORT_SCHEMA = "normkit.budget-report/1"

Short = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=2000)]
OptionValue = Decimal | bool | Text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)


# Bounds that keep every product and sum inside normkit's exact Decimal range (34 digits):
# no real budget comes near them, and beyond them arithmetic could only overflow.
QUANTITY_LIMIT = Decimal(10) ** 12
MONEY_LIMIT = Decimal(10) ** 18


MAX_PLACES = 12


def _within_places(value: Decimal | None) -> Decimal | None:
    """At most 12 decimal places: tinier values are not amounts or quantities, and would leave
    normkit's exact Decimal range when multiplied."""
    if value is None or not value.is_finite():
        return value
    _sign, digits, exponent = value.as_tuple()  # no arithmetic: nothing here can leave the context's range
    assert isinstance(exponent, int)
    end = len(digits)
    while end > 1 and digits[end - 1] == 0:  # trailing zeros do not make a place
        end -= 1
        exponent += 1
    if not any(digits):
        return Decimal(0)  # 0E-300 is zero: keep no extreme exponent around
    if exponent < -MAX_PLACES:
        raise ValueError(f"at most {MAX_PLACES} decimal places")
    return value


class BudgetLine(_Strict):
    """One line of a budget or settlement: a product, how many, and what is claimed for it."""

    ref: Short | None = Field(default=None, description="the line's own number or id in the budget (STT)")
    product: Short = Field(description="norm code (mã định mức) or product id of the pack, e.g. 01.03.01.50.10")
    description: Text | None = Field(default=None, description="nội dung / what the line is")
    quantity: Decimal = Field(default=Decimal(1), ge=-QUANTITY_LIMIT, le=QUANTITY_LIMIT, description="number of products (khối lượng)")
    unit: Short | None = Field(default=None, description="unit written in the budget (đơn vị tính), checked against the norm's")
    duration: Short | None = Field(default=None, description='actual duration (thời lượng thực tế), e.g. "10.5 minute" or "630 s"')
    unit_price: Decimal | None = Field(default=None, ge=-MONEY_LIMIT, le=MONEY_LIMIT, description="unit price claimed (đơn giá), VND")
    amount: Decimal | None = Field(default=None, ge=-MONEY_LIMIT, le=MONEY_LIMIT, description="amount claimed (thành tiền), VND")
    options: dict[Short, OptionValue] = Field(
        default_factory=dict,
        description="inputs the packs declare for an item: royalty_genre, royalty_coefficient, edited_share, "
                    "duration_override_reason … (Vietnamese names such as `hệ số nhuận bút` are accepted)")


    @field_validator("quantity", "unit_price", "amount")
    @classmethod
    def _places(cls, value: Decimal | None) -> Decimal | None:
        return _within_places(value)

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> Any:
        """Option names as the pack inputs they fill (``hệ số nhuận bút`` -> ``royalty_coefficient``),
        and numbers written as text (``"25"``) as numbers, so every file format reads the same."""
        if not isinstance(value, dict):
            return value
        out: dict[Any, Any] = {}
        for key, given in value.items():
            name = option_name(key) if isinstance(key, str) else key
            if name in out:
                raise ValueError(f"option {key!r} is given twice (as {name})")
            plain = isinstance(given, str) and _PLAIN_NUMBER.fullmatch(given.strip())
            out[name] = Decimal(given.strip()) if plain else given
        return out


_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")


LINE_TEXT_FIELDS: dict[str, Reader] = {"quantity": NUMBER, "unit_price": MONEY, "amount": MONEY}


def read_budget_values(data: dict[str, Any], locate: Callable[[tuple[str | int, ...]], Location]) -> dict[str, Any]:
    """Dates, quantities and amounts written as text, read by the one input layer
    (``15/09/2024``, ``"5.358.000"``; :mod:`normkit.core.io.text`); every bad value reported."""
    errors: list[NormkitError] = []
    out = read_fields(data, {"date": DATE, "at": DATE, "total": MONEY}, locate, errors=errors)
    lines = out.get("lines")
    if isinstance(lines, list):  # only lines with a value written as text are looked at again
        out["lines"] = [read_fields(line, LINE_TEXT_FIELDS, locate, ("lines", i), errors)
                        if isinstance(line, dict) and any(isinstance(line.get(f), str) for f in LINE_TEXT_FIELDS) else line
                        for i, line in enumerate(lines)]
    collector = ErrorCollector()
    for e in errors:
        collector.add(e)
    collector.raise_if_any()
    return out


class Budget(_Strict):
    """A budget (dự toán) or settlement (quyết toán) to check against the norm ceilings."""

    normkit_budget: Literal[1] = 1
    id: Short
    title: Text | None = None
    comment: Text | None = Field(default=None, description="free text for people; not used by the check")
    kind: Literal["budget", "settlement"] = "budget"
    date: dt.date
    at: dt.date | None = Field(default=None, description="evaluation date; the budget's date when absent")
    pack: Short | None = Field(default=None, description="the province pack: an installed pack's name, or (files only) a folder")
    overlay: Short | Overlay | None = Field(default=None, description="what-if values: an overlay file (files only) or one written inline")
    total: Decimal | None = Field(default=None, ge=-MONEY_LIMIT, le=MONEY_LIMIT, description="the total the budget declares (tổng cộng), checked against its lines")
    lines: list[BudgetLine] = Field(min_length=1, max_length=100_000)

    @model_validator(mode="before")
    @classmethod
    def _read_text(cls, data: Any) -> Any:
        # data that did not come through read_budget/budget_from_data (the service's requests): the same readers
        return read_budget_values(data, lambda path: Location(path=format_path(path))) if isinstance(data, dict) else data

    @field_validator("total")
    @classmethod
    def _total_places(cls, value: Decimal | None) -> Decimal | None:
        return _within_places(value)


class Finding(BaseModel):
    """One thing the check found, with a stable code (docs/budget.md)."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="stable finding code, BK101 … (docs/budget.md)")
    severity: Literal["error", "warning", "info"]
    line: int | None = Field(description="1-based line number in the budget; null for the whole budget")
    message: str = Field(description="the message in English")
    message_vi: str = Field(description="the message in Vietnamese")
    numbers: dict[str, Decimal] = Field(default_factory=dict, description="the amounts involved, exact decimals")
    details: dict[str, str | list[str]] = Field(default_factory=dict)


class LineResult(BaseModel):
    """One budget line against its ceiling."""

    model_config = ConfigDict(frozen=True)

    line: int
    ref: str | None = None
    product: str
    name_vi: str | None = None
    name_en: str | None = None
    quantity: Decimal
    unit_price: Decimal | None = Field(description="claimed unit price")
    amount: Decimal = Field(description="claimed amount (unit price × quantity when the budget gives no amount)")
    ceiling_unit: Decimal | None = Field(description="norm ceiling for one unit: the quote of one product (null if it cannot be priced)")
    allowed_exact: Decimal | None = Field(description="ceiling_unit × quantity, before rounding")
    allowed: Decimal | None = Field(description="allowed amount, rounded as the pack rounds money")
    excess: Decimal | None = Field(description="amount above the allowed amount (0 when within)")
    status: Literal["within", "over", "not_priced"]
    codes: list[str] = Field(default_factory=list, description="codes of this line's findings")
    trace: list[TraceNode] | None = Field(default=None, description="the ceiling's quote trace, when asked for")


class Totals(BaseModel):
    model_config = ConfigDict(frozen=True)

    claimed: Decimal
    allowed: Decimal = Field(description="sum of the allowed amounts of the lines that could be priced")
    excess: Decimal = Field(description="sum of the excess of the lines above their ceiling")
    claimed_priced: Decimal = Field(description="claimed amount of the lines that could be priced")
    declared: Decimal | None = Field(default=None, description="the total the budget declares, if any")
    lines: int
    priced_lines: int
    not_priced_lines: int


class Report(BaseModel):
    """The result of checking a budget: per-line ceilings, findings and totals."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    schema_: str = Field(default=REPORT_SCHEMA, alias="schema")
    budget_id: str
    kind: Literal["budget", "settlement"]
    at: dt.date
    currency: str = "VND"
    packs: list[PackRef]
    overlay: str | None = Field(default=None, description="label of the what-if values used, if any")
    passed: bool = Field(description="true when there is no finding of severity error")
    counts: dict[str, int] = Field(description="number of findings by severity")
    totals: Totals
    lines: list[LineResult]
    findings: list[Finding]
    _quotes: dict[int, Any] = PrivateAttr(default_factory=dict)

    def quote_for(self, line: int) -> Any:
        """The :class:`~normkit.media.quote.Quote` of one unit of ``line`` (1-based), or None."""
        return self._quotes.get(line)

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(by_alias=True, indent=indent, exclude_none=False)

    def at_or_above(self, severity: str) -> list[Finding]:
        rank = SEVERITY_RANK[severity]
        return [f for f in self.findings if SEVERITY_RANK[f.severity] >= rank]


SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


__all__ = ["BUDGET_SCHEMA", "REPORT_SCHEMA", "Budget", "BudgetLine", "Finding", "LineResult", "Report", "Totals"]
