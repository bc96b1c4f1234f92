"""A pack's names as plain data: one norm, parameter, table, formula or adjustment with its
dated values, units, legal sources and ``verified`` flags.

Every front-end that shows a pack (``normkit show``, the service, the web workspace) reads it
from here, so that they say the same thing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from normkit.core.compiled import CompiledSet
from normkit.core.trace import fmt
from normkit.media.compiled import media_part


def source_of(c: CompiledSet, key: str | None) -> dict[str, Any] | None:
    if not key or key not in c.sources:
        return None
    return c.sources[key].model_dump(mode="json", exclude_none=True)


def key_text(value: Any) -> Any:
    """A table key as JSON can hold it: a number key (a Decimal) as its exact text."""
    return fmt(value) if isinstance(value, Decimal) else value


def describe(c: CompiledSet, name: str) -> dict[str, Any] | None:
    norms = media_part(c).norms
    if name in norms:
        n = norms[name]
        return {"kind": "norm", "code": n.code, "name_vi": n.name.vi, "name_en": n.name.en, "output_unit": n.output_unit,
                "duration": n.duration_text, "valid_from": str(n.valid_from), "valid_to": str(n.valid_to) if n.valid_to else None,
                "pack": n.pack, "replaces": n.replaces, "location": str(n.location), "source": source_of(c, n.source), "verified": n.verified,
                "why": n.why, "notes": n.notes,
                "lines": [{"component": ln.component, "resource": ln.resource, "label_vi": ln.label.vi, "label_en": ln.label.en,
                           "quantity": fmt(ln.quantity), "unit": ln.unit, "scale": ln.scale, "step": ln.step, "steps": ln.steps,
                           "verified": ln.verified, "why": ln.why} for ln in n.lines]}
    if name in c.params:
        p = c.params[name]
        return {"kind": "parameter", "name": p.name, "label_vi": p.label.vi, "label_en": p.label.en, "unit": p.unit, "type": p.type,
                "supplied_by": p.supplied_by, "pack": p.pack, "location": str(p.location), "description": p.description,
                "values": [{"from": str(d.start), "to": str(d.end) if d.end else None, "value": fmt(d.value), "pack": d.pack,
                            "source": source_of(c, d.source), "verified": d.verified, "why": d.why}
                           for layer in p.layers for d in layer]}
    if name in c.tables:
        t = c.tables[name]
        return {"kind": "table", "name": t.name, "label_vi": t.label.vi, "label_en": t.label.en, "unit": t.unit,
                "keys": [k for k, _ in t.keys], "hit_policy": t.hit_policy, "supplied_by": t.supplied_by, "pack": t.pack,
                "versions": [{"from": str(v.start), "to": str(v.end) if v.end else None, "pack": v.pack, "source": source_of(c, v.source),
                              "verified": v.verified, "why": v.why,
                              "rows": [[*(key_text(x) for x in k), fmt(r.value), r.unit] for k, rs in v.rows.items() for r in rs]}
                             for layer in t.layers for v in layer]}
    if name in c.formulas:
        f = c.formulas[name]
        return {"kind": "formula", "name": f.name, "label_vi": f.label.vi, "label_en": f.label.en, "unit": f.unit, "expr": f.text,
                "params": [p for p, _ in f.params], "pack": f.pack, "location": str(f.location), "source": source_of(c, f.source),
                "verified": f.verified, "why": f.why}
    if name in c.adjustments:
        a = c.adjustments[name]
        return {"kind": "adjustment", "name": a.name, "label_vi": a.label.vi, "label_en": a.label.en, "unit": a.unit, "base": a.base_text,
                "exceptions": [{"label": e.label, "when": e.when_text, "value": e.value_text, "priority": e.priority} for e in a.exceptions],
                "pack": a.pack, "location": str(a.location)}
    return None
