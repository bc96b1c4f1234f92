"""The Python API: load packs, price orders, explain results, export schemas.

>>> import normkit
>>> rules = normkit.load("examples/packs/example-province")   # doctest: +SKIP
>>> q = rules.quote("examples/orders/tv-bulletins.yaml")      # doctest: +SKIP
>>> q.total                                                    # doctest: +SKIP
Decimal('5359747')
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping

from normkit.core import cache
from normkit.core.errors import NormkitError
from normkit.core.schema import Order, Overlay
from normkit.media.pricing import PricingRules
from normkit.media.quote import Quote
from normkit.core.registry import find_pack


def load(pack: str | Path, *, extra: tuple[str, ...] = (), use_cache: bool = True) -> PricingRules:
    """Load, check and compile the pack ``pack`` (a folder or an installed pack's name)
    with every pack it extends. Compiled sets are cached by content hash."""
    root = Path(pack) if isinstance(pack, Path) else find_pack(str(pack))
    compiled = cache.load(root, tuple(extra)) if use_cache else None
    if compiled is None:
        from normkit.core.compiler import build  # pint is imported only on this path

        compiled = build(root, extra)
        if use_cache:
            cache.store(root, compiled, tuple(extra))
    return PricingRules(compiled)


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
    rules = load(resolve_order_pack(order, pack, base))
    if overlay is not None:
        if not isinstance(overlay, Overlay):
            overlay = load_overlay(overlay)
        rules = rules.with_overlay(overlay)
    if overrides:
        rules = rules.with_overrides(overrides, label=(rules.overlay_label or "what-if"))
    return rules.quote(order, at=at)


def resolve_order_pack(order: Order, pack: str | Path | None, base: Path | None) -> Path:
    if pack is not None:
        return pack if isinstance(pack, Path) else find_pack(str(pack))
    if not order.packs:
        raise NormkitError("NK601", "the order names no pack: add `packs: [...]` to it or pass a pack",
                           hint="e.g. normkit price ORDER.yaml --pack examples/packs/example-province")
    return find_pack(order.packs[0], base)


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``order``, ``quote``, ``trace`` (one trace node), ``pack`` (pack.yaml),
    ``pack-file``, ``overlay``, ``budget`` or ``report`` (budget checks)."""
    from normkit.core.schema import Order as O, Overlay as V, PackDocument, PackFile
    from normkit.media.quote import Quote as Q, TraceNode

    models: dict[str, Any] = {"order": O, "quote": Q, "trace": TraceNode, "pack": PackDocument, "pack-file": PackFile, "overlay": V}
    if kind in ("budget", "report"):
        from normkit.budget.schemas import schema as budget_schema

        return budget_schema(kind)
    if kind not in models:
        raise NormkitError("NK601", f"unknown schema {kind!r}; choose one of {', '.join([*models, 'budget', 'report'])}")
    out: dict[str, Any] = models[kind].model_json_schema(by_alias=True, mode="serialization" if kind in ("quote", "trace") else "validation")
    out["$id"] = f"https://normkit.invalid/schema/{kind}/1"
    out["title"] = {"quote": "normkit.quote/1", "trace": "normkit.trace/1"}.get(kind, out.get("title"))
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out
