"""``GET /v1/packs/{pack}`` and ``GET /v1/packs/{pack}/names/{name}``: a pack's names, as
``normkit show PACK --json`` and ``normkit show NAME --pack PACK --json`` print them.

Both answers come from :mod:`normkit.media.listing` (the one place a pack's names are turned into
plain data), on the service's shared rule sets. An unknown name is 404 with ``NK202`` and its
close matches in the hint; an unknown pack is 404 with ``NK205``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from normkit.core.errors import Location, NormkitError
from normkit.core.names import did_you_mean
from normkit.core.runtime import RuleSet
from normkit.media.listing import all_names, describe, listing, without_paths

PACK_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class NameEntry(BaseModel):
    kind: Literal["parameter", "table", "formula", "adjustment", "input", "norm"]
    name: str
    label_vi: str
    label_en: str
    unit: str
    from_: str | None = Field(alias="from", description="the first date of its values (ISO); null: it has no dated values")
    to: str | None = Field(description="the last date of its values; null: still in force (or no dated values)")
    verified: bool | None = Field(description="false: some value or line is unverified; null: it has no values of its own")


class PackListing(BaseModel):
    pack: str
    version: str
    title_vi: str
    title_en: str
    valid_from: str
    valid_to: str | None
    packs: list[str] = Field(description="the packs the set is built from, base first")
    names: list[NameEntry]


class ErrorBody(BaseModel):
    error: dict[str, Any]


def packs_router(rules: Callable[[str], RuleSet]) -> APIRouter:
    """The routes, on ``rules`` (an installed pack's name → its shared rule set)."""
    router = APIRouter()
    errors: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "unknown pack (NK205) or name (NK202)"}}

    @router.get("/v1/packs/{pack}", response_model=PackListing, response_model_by_alias=True, responses=errors,
                summary="every parameter, table, formula, adjustment, input and norm a pack set defines (normkit show PACK)")
    def get_pack(pack: str = PathParam(max_length=80, pattern=PACK_PATTERN)) -> dict[str, Any]:
        return listing(rules(pack).compiled)

    @router.get("/v1/packs/{pack}/names/{name}", responses=errors,
                summary="one name of a pack with its dated values, units and sources (normkit show NAME --pack PACK)")
    def get_name(pack: str = PathParam(max_length=80, pattern=PACK_PATTERN),
                 name: str = PathParam(max_length=200)) -> Any:
        c = rules(pack).compiled
        found = describe(c, name)
        if found is None:
            err = NormkitError("NK202", f"{name!r} is not a norm, parameter, table, formula, adjustment or input of pack {pack}",
                               location=Location(path="name"),
                               hint=did_you_mean(name, all_names(c)) or f"GET /v1/packs/{pack} lists every name the pack defines")
            return JSONResponse({"error": err.to_dict()}, status_code=404)
        return without_paths(found)  # the pack folder and file, never the server's own paths

    return router
