"""The names a compiled pack defines, one plain entry each, for the Packs page.

The entry shape is ``{"kind", "name", "label_vi", "label_en", "unit", "from", "to", "verified"}``
(the same as ``normkit.media.listing``'s listing, so a front-end can use either).
"""

from __future__ import annotations

from typing import Any

from normkit.core.compiled import CompiledSet
from normkit.media.compiled import media_part


def _span(starts: list[Any], ends: list[Any]) -> tuple[str | None, str | None]:
    first = min(starts) if starts else None
    last = None if not ends or any(e is None for e in ends) else max(ends)
    return (str(first) if first else None, str(last) if last else None)


def listing(c: CompiledSet) -> list[dict[str, Any]]:
    """Every norm, parameter, table, formula and adjustment of ``c``: kind, name, labels, unit, the
    span of its dated values (``to`` None = open) and whether every value is verified."""
    out: list[dict[str, Any]] = []
    for code, n in sorted(media_part(c).norms.items()):
        out.append({"kind": "norm", "name": code, "label_vi": n.name.vi, "label_en": n.name.en, "unit": n.output_unit,
                    "from": str(n.valid_from), "to": str(n.valid_to) if n.valid_to else None,
                    "verified": bool(n.verified and all(ln.verified for ln in n.lines))})
    for name, p in sorted(c.params.items()):
        values = [d for layer in p.layers for d in layer]
        start, end = _span([d.start for d in values], [d.end for d in values])
        out.append({"kind": "parameter", "name": name, "label_vi": p.label.vi, "label_en": p.label.en, "unit": p.unit,
                    "from": start, "to": end, "verified": all(d.verified for d in values)})
    for name, t in sorted(c.tables.items()):
        versions = [v for layer in t.layers for v in layer]
        start, end = _span([v.start for v in versions], [v.end for v in versions])
        out.append({"kind": "table", "name": name, "label_vi": t.label.vi, "label_en": t.label.en, "unit": t.unit,
                    "from": start, "to": end, "verified": all(v.verified for v in versions)})
    for name, f in sorted(c.formulas.items()):
        out.append({"kind": "formula", "name": name, "label_vi": f.label.vi, "label_en": f.label.en, "unit": f.unit,
                    "from": None, "to": None, "verified": bool(f.verified)})
    for name, a in sorted(c.adjustments.items()):
        out.append({"kind": "adjustment", "name": name, "label_vi": a.label.vi, "label_en": a.label.en, "unit": a.unit,
                    "from": None, "to": None, "verified": True})
    return out
