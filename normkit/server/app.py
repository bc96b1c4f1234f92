"""The HTTP service: quote, check, packs, schemas and health, with an OpenAPI document.

- Packs are only those installed or on ``NORMKIT_PATH``, chosen by name: no rule upload, no
  paths, no overlay files (inline overlay values are allowed).
- Request bodies are limited in size (``max_body`` bytes, 1 MB by default): larger ones get 413;
  tokens, timeouts and the concurrency limit are in :mod:`normkit.server.guard`.
- The work of one request is limited before it is done (:mod:`normkit.server.limits`: priced
  lines, items × norm lines, stricter with a trace): more gets 413 NK909. Quotes are streamed
  (``Quote.json_chunks``), never held as one string.
- Every error is the NormkitError dict under ``error`` (code, message, location, hint …):
  422 for a request normkit cannot use, 404 for an unknown pack or route, 405 for a wrong method,
  413 for a body too large or too much work, 415 for a body not plain UTF-8, 401 without the token, 408 for a body
  too slow, 503 when busy (docs/integration.md lists them).
- Rule sets are loaded once per pack name and shared (they are immutable and thread-safe);
  restart the service to pick up changed packs.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from starlette.exceptions import HTTPException

from normkit.api import WhatIf, rules_for, schema
from normkit.budget.checking import check, find_named_pack
from normkit.budget.model import Budget, Report
from normkit.budget.schemas import SCHEMAS
from normkit.budget.schemas import schema as budget_schema
from normkit.core.errors import Location, NormkitError
from normkit.core.io import jsonstream
from normkit.core.io.text import read_date
from normkit.core.loader import read_pack
from normkit.core.registry import installed_packs
from normkit.media.pricing import PricingRules
from normkit.media.schema import Order
from normkit.poverty.deprivations import change_rows, compare_reports, count_deprivations
from normkit.poverty.standards import load_standard
from normkit.server import households, web, whatif
from normkit.server.guard import Guard
from normkit.server.limits import Limits, require_work, work_of
from normkit.server.packs import packs_router
from normkit.version import __version__

MAX_BODY = 1_000_000
SCHEMA_KINDS = ("order", "quote", "trace", "overlay", "budget", "report")
PackName = Field(max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="an installed pack's name (GET /v1/packs)")


def _request_date(value: Any) -> Any:
    """A request's ``at`` written as text, read as every date is (``2024-09-15`` or ``15/09/2024``)."""
    return read_date(value, location=Location(path="at"), what="at") if isinstance(value, str) else value


RequestDate = Annotated[dt.date | None, BeforeValidator(_request_date)]


class QuoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str = PackName
    order: Order
    at: RequestDate = Field(default=None, description="evaluation date; the order's `at`, else its `date`, when absent")
    overrides: dict[str, Decimal | str] | None = Field(default=None, description="what-if: parameter -> value (number or text with unit)")
    trace: bool = Field(default=False, description="include the trace of every figure")


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str | None = Field(default=None, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                             description="an installed pack's name; the budget's `pack` when absent")
    budget: Budget
    at: RequestDate = None
    trace: bool = Field(default=False, description="include each ceiling's quote trace")


Cell = bool | int | str | None
MAX_HOUSEHOLDS = 20_000


class DeprivationsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(default=None, description="review year: picks the national standard in force")
    standard: str | None = Field(default=None, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                 description="an installed standard pack's name (instead of year)")
    households: list[dict[str, Cell]] = Field(max_length=MAX_HOUSEHOLDS,
                                              description="one object per household: the indicator columns (true = deprived), "
                                                          "the --by columns, and for `among` the columns classify needs")
    compare: list[dict[str, Cell]] | None = Field(default=None, max_length=MAX_HOUSEHOLDS,
                                                  description="the earlier review of the same households or groups")
    compare_year: int | None = Field(default=None, description="the earlier review's year (its standard); default: the same standard")
    by: list[str] = Field(default_factory=list, max_length=5, description="group by these columns")
    among: Literal["all", "poor", "near_poor", "poor_and_near_poor"] = "all"
    dimension: str | None = Field(default=None, max_length=80, description="only this dimension: an id or a name (information)")


class ErrorBody(BaseModel):
    error: dict[str, Any] = Field(description="NormkitError.to_dict(): code, message, location, file, line, column, path, hint")


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class PackInfo(BaseModel):
    id: str
    version: str | None = None
    title_vi: str | None = None
    title_en: str | None = None
    status: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    extends: list[str] = Field(default_factory=list)
    error: dict[str, Any] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "unknown pack or schema"},
          413: {"model": ErrorBody, "description": "request body too large, or more work than the limit (NK909)"},
          422: {"model": ErrorBody, "description": "the request cannot be used (code, message, location, hint)"}}
STATUS = {"NK904": 404, "NK205": 404, "NK905": 422, "NK909": 413}


def _error(e: NormkitError, status: int | None = None) -> JSONResponse:
    return JSONResponse({"error": e.to_dict()}, status_code=status or STATUS.get(e.code, 422))


class Packs:
    """Rule sets by installed pack name, each loaded once."""

    def __init__(self) -> None:
        self._sets: dict[str, PricingRules] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> PricingRules:
        hit = self._sets.get(name)
        if hit is not None:
            return hit
        root = find_named_pack(name)
        with self._lock:
            hit = self._sets.get(name)
            if hit is None:
                hit = rules_for(root)
                self._sets[name] = hit
        return hit


def quote_rules(packs: Packs, req: QuoteRequest) -> PricingRules:
    """The rule set of a quote request: the named pack with the request's overrides, through
    :func:`normkit.api.rules_for`'s :class:`~normkit.api.WhatIf` like every CLI command."""
    return WhatIf(values=dict(req.overrides or {})).apply(packs.get(req.pack))


def check_rules(packs: Packs, req: CheckRequest) -> PricingRules:
    """The rule set of a check request: the named pack (``pack``, else the budget's) with the
    budget's inline overlay (an overlay file cannot be named here)."""
    budget = req.budget
    name = req.pack or budget.pack
    if name is None:
        raise NormkitError("NK601", "the budget names no pack: give `pack` (an installed pack's name)", location=Location(path="pack"))
    rules = packs.get(name)
    if isinstance(budget.overlay, str):
        raise NormkitError("NK904", "an overlay file cannot be named here; give the overlay inline (`overlay: {set: {...}}`)",
                           location=Location(path="budget.overlay"))
    return WhatIf(overlay=budget.overlay).apply(rules)


def deprivations_response(req: DeprivationsRequest) -> dict[str, Any]:
    """The body of ``POST /v1/deprivations``: ``normkit deprivations --json`` for the same data."""
    import pandas as pd

    if req.standard is None and req.year is None:
        raise NormkitError("NK701", "choose a standard: give `year` or `standard`", location=Location(path="year"))
    std = load_standard(year=req.year, standard=find_named_pack(req.standard) if req.standard else None)

    def count(rows: list[dict[str, Cell]], field: str, standard: Any) -> Any:
        try:
            return count_deprivations(pd.DataFrame(rows), standard, by=req.by, among=req.among, dimension=req.dimension)
        except NormkitError as e:
            if e.location is None:
                e.location = Location(path=field)
            raise

    if req.compare_year is not None and req.compare is None:
        raise NormkitError("NK706", "compare_year needs compare (the earlier review's households)", location=Location(path="compare_year"))
    after = count(req.households, "households", std)
    data = {**after.to_dict(), "standard_choice": std.choice.to_dict() if std.choice is not None else None}  # as the CLI's --json
    if req.compare is None:
        return data
    before = count(req.compare, "compare", std if req.compare_year is None else load_standard(year=req.compare_year))
    return {"after": data, "before": before.to_dict(), "changes": change_rows(compare_reports(before, after), req.by)}


def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """The framework's own refusals (unknown route, wrong method, a body it cannot parse) as
    normkit errors: 404/405 NK908, 415 NK907 for bytes that are not UTF-8, 422 NK905 for the rest."""
    method, path = request.method, request.url.path
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        err, status = NormkitError("NK908", f"no route {path}", location=Location(path="path")), 404
    elif exc.status_code == 405:
        allowed = headers.get("Allow") or headers.get("allow") or ""
        err, status = NormkitError("NK908", f"{method} is not allowed on {path} (allowed: {allowed})", location=Location(path="method")), 405
    elif exc.status_code == 400:
        cause = exc.__cause__
        if isinstance(cause, UnicodeDecodeError):
            err, status = NormkitError("NK907", f"the request body is not UTF-8 (byte {cause.start})", location=Location(path="body")), 415
        elif isinstance(cause, RecursionError):
            err, status = NormkitError("NK905", "the JSON body is nested too deeply", location=Location(path="body")), 422
        elif isinstance(cause, ValueError) and "digits" in str(cause):
            err, status = NormkitError("NK905", "a number in the JSON body has too many digits (more than 4300)", location=Location(path="body")), 422
        else:
            err, status = NormkitError("NK905", "the request body cannot be parsed as JSON", location=Location(path="body")), 422
    else:
        err, status = NormkitError("NK905", str(exc.detail), location=Location(path="body")), exc.status_code
    return JSONResponse({"error": err.to_dict()}, status_code=status, headers={k: v for k, v in headers.items() if k.lower() == "allow"})


def create_app(max_body: int = MAX_BODY, limits: Limits | None = None) -> FastAPI:
    """The service. ``limits`` (token, timeouts, concurrency, body size) default to :class:`Limits`
    with ``max_body``. The interactive pages (/docs, /redoc) are off: they load their scripts from
    a CDN; the OpenAPI document is at /openapi.json."""
    app = FastAPI(title="normkit", version=__version__, docs_url=None, redoc_url=None,
                  description="Exact, explainable prices from Vietnam's economic-technical norms: quote orders and check budgets "
                              "against the norm ceilings. Money is always a string holding an exact decimal.")
    packs = Packs()
    limits = limits or Limits(max_body=max_body)
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]

    @app.exception_handler(NormkitError)
    async def normkit_error(_request: Request, exc: NormkitError) -> JSONResponse:
        return _error(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {"loc": (), "msg": "invalid request"}
        path = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
        err = NormkitError("NK905", f"{first.get('msg', 'invalid request')}{more}", location=Location(path=path or "body"),
                           details={"errors": [{"path": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg"))}
                                               for e in errs[:50]]})
        return _error(err, 422)

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, exc: Exception) -> JSONResponse:  # a bug in normkit: say so, no traceback
        return JSONResponse({"error": {"code": "internal", "message": f"internal error: {type(exc).__name__}", "location": None,
                                       "hint": "this is a bug in normkit, not in your request; please report it"}}, status_code=500)

    @app.get("/health", response_model=Health, summary="liveness")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/v1/packs", response_model=list[PackInfo], summary="the installed packs (the only ones requests may name)")
    def list_packs() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for path in installed_packs():
            try:
                m = read_pack(path).manifest
                out.append({"id": m.id, "version": m.version, "title_vi": m.title.vi, "title_en": m.title.en, "status": m.status,
                            "valid_from": str(m.valid.from_), "valid_to": str(m.valid.to) if m.valid.to else None, "extends": m.extends})
            except NormkitError as e:
                out.append({"id": path.name, "error": e.to_dict()})
        return out

    @app.get("/v1/schema/{kind}", summary="JSON Schema of an order, quote, trace node, overlay, budget or report",
             responses={404: ERRORS[404]})
    def get_schema(kind: Literal["order", "quote", "trace", "overlay", "budget", "report"]) -> dict[str, Any]:
        return budget_schema(kind) if kind in SCHEMAS else schema(kind)

    @app.post("/v1/quote", summary="price an order with an installed pack",
              responses={200: {"description": "the quote (normkit.quote/1; GET /v1/schema/quote)",
                               "content": {"application/json": {"schema": {"type": "object"}}}}, **ERRORS})
    def post_quote(req: QuoteRequest) -> Response:
        rules = quote_rules(packs, req)
        require_work(work_of(rules, (item.norm for item in req.order.items)), req.trace, limits, "the order", "order.items")
        q = rules.quote(req.order, at=req.at)
        return StreamingResponse(jsonstream.gathered(q.json_chunks(trace=req.trace)), media_type="application/json")

    @app.post("/v1/check", response_model=Report, summary="check a budget or settlement against the norm ceilings",
              responses={**ERRORS})
    def post_check(req: CheckRequest) -> Response:
        rules = check_rules(packs, req)
        require_work(work_of(rules, (line.product for line in req.budget.lines)), req.trace, limits, "the budget", "budget.lines")
        report = check(req.budget, rules=rules, at=req.at, trace=req.trace)
        return Response(report.to_json(indent=None), media_type="application/json")

    @app.post("/v1/deprivations", summary="deprived households and rates per indicator and dimension, by group",
              responses={200: {"description": "counts and rates (exact decimal strings), as `normkit deprivations --json`",
                               "content": {"application/json": {"schema": {"type": "object"}}}}, **ERRORS})
    def post_deprivations(req: DeprivationsRequest) -> Response:
        import json

        return Response(json.dumps(deprivations_response(req), ensure_ascii=False), media_type="application/json")

    app.include_router(packs_router(packs.get))  # GET /v1/packs/{pack}, /v1/packs/{pack}/names/{name}
    app.include_router(households.router())
    app.include_router(whatif.router(packs))
    app.include_router(web.router(packs))
    app.add_middleware(Guard, limits=limits)
    return app
