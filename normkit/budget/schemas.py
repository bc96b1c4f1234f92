"""JSON Schemas of the budget contract, versioned: ``budget`` (…/budget/1) and ``report`` (…/report/1).

``SCHEMAS`` maps a schema name to its pydantic model; :func:`schema` gives the JSON Schema
the way ``normkit schema`` prints the others (with ``$id``, ``$schema`` and a title).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from normkit.budget.model import BUDGET_SCHEMA, REPORT_SCHEMA, Budget, Report
from normkit.core.errors import NormkitError

SCHEMAS: dict[str, type[BaseModel]] = {"budget": Budget, "report": Report}
TITLES = {"budget": BUDGET_SCHEMA, "report": REPORT_SCHEMA}


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``budget`` (input, validation mode) or ``report`` (output, serialization mode)."""
    if kind not in SCHEMAS:
        raise NormkitError("NK601", f"unknown schema {kind!r}; choose one of {', '.join(SCHEMAS)}")
    out: dict[str, Any] = SCHEMAS[kind].model_json_schema(by_alias=True, mode="serialization" if kind == "report" else "validation")
    out["$id"] = f"https://normkit.invalid/schema/{kind}/1"
    out["title"] = TITLES[kind]
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out
