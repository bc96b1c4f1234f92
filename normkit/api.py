"""The Python API: load packs, price orders, explain results, export schemas.

>>> import normkit
>>> rules = normkit.load("examples/packs/example-province")   # doctest: +SKIP
>>> q = rules.quote("examples/orders/tv-bulletins.yaml")      # doctest: +SKIP
>>> q.total                                                    # doctest: +SKIP
Decimal('5336124')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from normkit.core.errors import NormkitError
from normkit.core.records import Frozen
from normkit.core.registry import find_pack
from normkit.core.runtime import RuleSet
from normkit.media.order_check import Order
from normkit.media.pricing import PricingRules, load
from normkit.media.quote import Quote

_set = object.__setattr__

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.overlay import Overlay  # a pydantic model: imported where an overlay is read, not by a warm `price`

__all__ = ["PricingRules", "WhatIf", "load", "quote", "resolve_order_pack", "rules_for", "schema"]

R = TypeVar("R", bound=RuleSet)


class WhatIf(Frozen):
    """Changed values for a what-if, as every front-end takes them: an overlay (its label
    names the variant), then single values (``--set``, a request's ``overrides``), which win.

    >>> WhatIf().apply(rules) is rules                                   # doctest: +SKIP
    True
    """

    __slots__ = ("label", "overlay", "values")
    __match_args__ = ("overlay", "values", "label")
    overlay: Overlay | None
    values: Mapping[str, Any]
    label: str
    """The variant's label when only ``values`` are given (the CLI says ``--set``)."""

    def __init__(self, overlay: Overlay | None = None, values: Mapping[str, Any] | None = None, label: str = "what-if") -> None:
        _set(self, "overlay", overlay)
        _set(self, "values", {} if values is None else values)
        _set(self, "label", label)

    def apply(self, rules: R) -> R:
        """``rules`` with the overlay, then the values; ``rules`` itself when nothing changes."""
        if self.overlay is not None:
            rules = rules.with_overlay(self.overlay)
        if self.values:
            rules = rules.with_overrides(self.values, label=rules.overlay_label or self.label)
        return rules


def rules_for(pack: str | Path, whatif: WhatIf | None = None, *, use_cache: bool = True) -> PricingRules:
    """The rule set a front-end evaluates with: ``pack`` (a folder or an installed pack's name)
    loaded once, then ``whatif`` applied. The CLI and the HTTP service both come through here."""
    rules = load(pack, use_cache=use_cache)
    return whatif.apply(rules) if whatif is not None else rules


def quote(order: str | Path | Order | Mapping[str, Any], *, pack: str | Path | None = None, at: dt.date | None = None,
          overrides: Mapping[str, Any] | None = None, overlay: Overlay | str | Path | None = None) -> Quote:
    """Price ``order`` (a file, an :class:`Order` or a mapping).

    The pack is ``pack``, or the order's first entry under ``packs:`` (relative to the order
    file). ``overrides`` and ``overlay`` replace parameter values for a what-if.
    """
    from normkit.media.orders import load_order, load_overlay, order_from_data

    base: Path | None = None
    if isinstance(order, (str, Path)):
        base = Path(order).parent
        order = load_order(order)
    elif not isinstance(order, Order):
        order = order_from_data(order)
    if overlay is not None:
        from normkit.core.overlay import Overlay  # the pydantic model: imported only when an overlay is given

        if not isinstance(overlay, Overlay):
            overlay = load_overlay(overlay)
    rules = rules_for(resolve_order_pack(order, pack, base), WhatIf(overlay, dict(overrides or {})))
    return rules.quote(order, at=at)


def resolve_order_pack(order: Order, pack: str | Path | None, base: Path | None) -> Path:
    if pack is not None:
        return pack if isinstance(pack, Path) else find_pack(str(pack))
    if not order.packs:
        raise NormkitError("NK601", "the order names no pack: add `packs: [...]` to it or pass a pack",
                           hint="e.g. normkit price ORDER.yaml --pack examples/packs/example-province")
    return find_pack(order.packs[0], base)


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``order``, ``quote``, ``trace`` (the trace graph), ``pack`` (pack.yaml),
    ``pack-file``, ``overlay``, ``budget`` or ``report`` (budget checks)."""
    from normkit.core.overlay import Overlay
    from normkit.core.sections import pack_document_model, pack_file_model
    from normkit.core.trace_models import TraceGraph
    from normkit.media.quote_models import Quote as Q  # the pydantic mirror of the plain Quote: its JSON Schema
    from normkit.media.schema import Order  # the pydantic model (the warm path reads orders without it)

    models: dict[str, Any] = {"order": Order, "quote": Q, "trace": TraceGraph, "pack": pack_document_model(), "pack-file": pack_file_model(),
                              "overlay": Overlay}
    if kind in ("budget", "report"):
        from normkit.budget.schemas import schema as budget_schema

        return budget_schema(kind)
    if kind not in models:
        raise NormkitError("NK601", f"unknown schema {kind!r}; choose one of {', '.join([*models, 'budget', 'report'])}")
    out: dict[str, Any] = models[kind].model_json_schema(by_alias=True, mode="serialization" if kind in ("quote", "trace") else "validation")
    if kind == "quote":  # the trace is written beside the model's fields (Quote.json_chunks): the graph's schema
        graph = TraceGraph.model_json_schema(by_alias=True, mode="serialization")
        out.setdefault("$defs", {}).update(graph.pop("$defs", {}))
        out["properties"]["trace"] = {**graph, "description": "how every figure was obtained (with `trace`/`--explain`): normkit.trace/2"}
    version = 2 if kind in ("quote", "trace") else 1
    out["$id"] = f"https://normkit.invalid/schema/{kind}/{version}"
    out["title"] = {"quote": "normkit.quote/2", "trace": "normkit.trace/2"}.get(kind, out.get("title"))
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out
