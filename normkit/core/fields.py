"""The constrained field types of the file formats (pack files, orders, overlays) and the
strict base of their pydantic models.

Imported only where pydantic models are built (reading packs, orders and overlays, JSON
Schemas); :mod:`normkit.core.surface` re-exports every name here on first use.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

Word = Annotated[str, StringConstraints(pattern=r"^[^\W\d]\w*$", max_length=80)]
SetName = Annotated[str, StringConstraints(pattern=r"^[^\W\d]\w*(\[[^\[\]]{1,200}\])?$", max_length=300)]
"""What an overlay sets: a parameter name, or a table row ``table[key]`` / ``table[key1,key2]``."""
SourceId = Annotated[str, StringConstraints(pattern=r"^[^\W\d][\w.-]*$", max_length=80)]
PackId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(max_length=2000)]
Expr = Annotated[str, StringConstraints(max_length=10_000)]
UnitText = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v), StringConstraints(max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)


__all__ = ["Expr", "PackId", "SetName", "SourceId", "Strict", "Text", "UnitText", "Word"]
