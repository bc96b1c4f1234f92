"""``POST /v1/households/classify`` and ``POST /v1/households/rates``: a batch of households
classified under a poverty standard (``normkit classify``), and counts and rates by group
(``normkit rates``), for other apps and the workspace's Households page.

Households are JSON objects with the columns ``normkit classify`` reads (``area``,
``income_per_capita``, ``deprivation_count`` or one true/false column per indicator, …); any
other column is kept (and may be grouped by). Bad rows are rejected with their row number
(1 = the first household) and reason, never dropped silently.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from normkit.budget.checking import find_named_pack
from normkit.core.errors import Location, NormkitError

Cell = bool | int | str | None
MAX_HOUSEHOLDS = 20_000
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class HouseholdsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(default=None, description="review year: picks the national standard in force")
    standard: str | None = Field(default=None, max_length=80, pattern=NAME, description="an installed standard pack's name (instead of year)")
    method: Literal["income", "score"] | None = Field(default=None, description="income (default when incomes are given) or score")
    households: list[dict[str, Cell]] = Field(min_length=1, max_length=MAX_HOUSEHOLDS, description="one object per household")
    by: list[str] = Field(default_factory=list, max_length=5, description="rates: group by these columns")


JSON_200 = {"content": {"application/json": {"schema": {"type": "object"}}}}


def _standard(req: HouseholdsRequest) -> Any:
    from normkit.poverty.standards import load_standard

    if req.standard is None and req.year is None:
        raise NormkitError("NK701", "choose a standard: give `year` or `standard`", location=Location(path="year"))
    return load_standard(year=req.year, standard=find_named_pack(req.standard) if req.standard else None)


def classified(req: HouseholdsRequest) -> tuple[Any, Any]:
    """The standard and :func:`normkit.poverty.batch.classify_frame`'s result for the request's households."""
    import pandas as pd

    from normkit.poverty.batch import classify_frame

    std = _standard(req)
    frame = pd.DataFrame([{k: (None if v is None else str(v).lower() if isinstance(v, bool) else str(v)) for k, v in h.items()}
                          for h in req.households])  # cells as text, as a CSV file is read
    try:
        result = classify_frame(frame, std, method=req.method)
    except NormkitError as e:
        if e.location is None:
            e.location = Location(path="households")
        raise
    return std, result


def classify_response(req: HouseholdsRequest) -> dict[str, Any]:
    from normkit.poverty.standards import STATUSES

    std, r = classified(req)
    counts = {s: int((r.classified["status"] == s).sum()) for s in STATUSES}
    rows = [{k: (None if v != v else v) for k, v in rec.items()} for rec in r.classified.astype(object).to_dict("records")]  # NaN -> None
    return {"standard": std.id, "at": str(std.at), "method": r.method, "rows_in": r.rows_in, "classified": len(r.classified),
            "rejected": len(r.rejects), "counts": counts, "households": rows,
            "rejects": [{"row": int(x["row"]), "reason": str(x["reason"])} for x in r.rejects[["row", "reason"]].to_dict("records")],
            "notes": r.notes, "standard_choice": std.choice.to_dict() if std.choice is not None else None}


def rates_response(req: HouseholdsRequest) -> dict[str, Any]:
    from normkit.poverty.rates import RateCounter

    std, r = classified(req)
    missing = [c for c in req.by if c not in r.classified.columns]
    if missing:
        raise NormkitError("NK702", f"no column {missing[0]!r} to group by", location=Location(path="by"))
    counter = RateCounter(req.by)
    counter.add(r.classified)
    return {"by": req.by, "groups": [g.to_dict(req.by) for g in counter.result()], "total": counter.total().to_dict([]),
            "rejected": len(r.rejects), "standard": std.id,
            "standard_choice": std.choice.to_dict() if std.choice is not None else None}


def router() -> APIRouter:
    import json

    r = APIRouter()

    @r.post("/v1/households/classify", summary="classify a batch of households (poor / near-poor / middle / none)",
            responses={200: {"description": "each household with `status` and `deprivation_count`, the counts, and the rejects "
                                            "with their reasons (as `normkit classify`)", **JSON_200}})
    def post_classify(req: HouseholdsRequest) -> Response:
        return Response(json.dumps(classify_response(req), ensure_ascii=False, default=str), media_type="application/json")

    @r.post("/v1/households/rates", summary="counts and rates of poor and near-poor households by group",
            responses={200: {"description": "as `normkit rates --json` (rates are exact decimal strings, 2 decimals)", **JSON_200}})
    def post_rates(req: HouseholdsRequest) -> Response:
        return Response(json.dumps(rates_response(req), ensure_ascii=False, default=str), media_type="application/json")

    return r
