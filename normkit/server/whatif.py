"""``POST /v1/whatif`` and ``POST /v1/sweep``: what ``normkit whatif --json`` prints, for other apps
and the workspace's What-if page.

The baseline is the named pack as it is; the variant is the pack with ``overrides`` (through
:class:`normkit.api.WhatIf`, like ``--set``). A sweep prices the order once as the pack says, then
once per value of ``parameter`` (on top of ``overrides``), as ``normkit whatif --sweep``. A name may
be a table row, ``machine_hour_rate[may_vi_tinh]``, as ``--set`` takes it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from normkit.api import WhatIf
from normkit.media.pricing import PricingRules
from normkit.media.schema import Order
from normkit.media.whatif import compare, sweep

NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
MAX_SWEEP = 50


class PackSource(Protocol):
    def get(self, name: str) -> PricingRules: ...


class WhatIfRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str = Field(max_length=80, pattern=NAME, description="an installed pack's name (GET /v1/packs)")
    order: Order
    at: dt.date | None = Field(default=None, description="evaluation date; the order's `at`, else its `date`, when absent")
    overrides: dict[str, Decimal | str] = Field(min_length=1, max_length=100,
                                                description="the variant: parameter, or table row `table[key]` (keys comma-separated), "
                                                            "-> value (number or text with unit)")


class SweepRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str = Field(max_length=80, pattern=NAME, description="an installed pack's name (GET /v1/packs)")
    order: Order
    at: dt.date | None = None
    parameter: str = Field(max_length=300, description="the parameter (or table row `table[key]`) to sweep")
    values: list[Decimal | str] = Field(min_length=1, max_length=MAX_SWEEP, description="one column per value")
    overrides: dict[str, Decimal | str] | None = Field(default=None, max_length=100, description="values set in every swept column")


JSON_200 = {"content": {"application/json": {"schema": {"type": "object"}}}}


def router(packs: PackSource) -> APIRouter:
    r = APIRouter()

    @r.post("/v1/whatif", summary="baseline and variant of an order side by side, with the cause of each change",
            responses={200: {"description": "normkit.whatif/1, as `normkit whatif --set … --json`", **JSON_200}})
    def post_whatif(req: WhatIfRequest) -> Response:
        rules = packs.get(req.pack)
        variant = WhatIf(values=dict(req.overrides)).apply(rules)
        comparison = compare(rules.quote(req.order, at=req.at), variant.quote(req.order, at=req.at))
        return Response(comparison.model_dump_json(by_alias=True), media_type="application/json")

    @r.post("/v1/sweep", summary="an order's totals for each value of one parameter",
            responses={200: {"description": "normkit.sweep/1, as `normkit whatif --sweep … --json`", **JSON_200}})
    def post_sweep(req: SweepRequest) -> Response:
        base = WhatIf(values=dict(req.overrides or {})).apply(packs.get(req.pack))
        result = sweep(base, req.order, req.parameter, [str(v) for v in req.values], at=req.at)
        return Response(result.model_dump_json(by_alias=True), media_type="application/json")

    return r
