"""A pack's names as plain data: the listing of every name a pack set defines (:func:`listing`),
and one norm, parameter, table, formula or adjustment with its
dated values, units, legal sources and ``verified`` flags.

Every front-end that shows a pack (``normkit show``, the service, the web workspace) reads it
from here, so that they say the same thing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from normkit.core.compiled import CompiledSet
from normkit.core.schema import Label
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
    if name in c.inputs:
        i = c.inputs[name]
        return {"kind": "input", "name": i.name, "label_vi": i.label.vi, "label_en": i.label.en, "unit": i.unit, "type": i.type,
                "scope": i.scope, "default": key_text(i.default), "min": key_text(i.min), "max": key_text(i.max), "choices": i.choices,
                "pack": i.pack, "location": str(i.location)}
    return None


def _range(spans: list[tuple[dt.date, dt.date | None]]) -> tuple[str | None, str | None]:
    """The first start and the last end (None: open-ended) of dated values; (None, None) when there is none."""
    if not spans:
        return None, None
    ends = [e for _, e in spans]
    return str(min(s for s, _ in spans)), None if any(e is None for e in ends) else str(max(e for e in ends if e is not None))


def _entry(kind: str, name: str, label: Label, unit: str, spans: list[tuple[dt.date, dt.date | None]], verified: bool | None) -> dict[str, Any]:
    start, end = _range(spans)
    return {"kind": kind, "name": name, "label_vi": label.vi, "label_en": label.en, "unit": unit, "from": start, "to": end, "verified": verified}


def names(c: CompiledSet) -> list[dict[str, Any]]:
    """Every name the pack set defines, one entry each, in the order parameters, tables,
    formulas, adjustments, inputs, norms (each sorted by name).

    An entry is ``{"kind", "name", "label_vi", "label_en", "unit", "from", "to", "verified"}``:
    ``from``/``to`` span the dated values (``to`` None: still in force; both None: the name has no
    dated values, e.g. a formula, an input or a rate-card value no pack of the set supplies);
    ``verified`` is False when any of its values (or lines) is unverified, None when it has no
    values of its own to verify."""
    out: list[dict[str, Any]] = []
    for p in sorted(c.params.values(), key=lambda x: x.name):
        ds = [d for layer in p.layers for d in layer]
        out.append(_entry("parameter", p.name, p.label, p.unit, [(d.start, d.end) for d in ds], all(d.verified for d in ds) if ds else None))
    for t in sorted(c.tables.values(), key=lambda x: x.name):
        vs = [v for layer in t.layers for v in layer]
        out.append(_entry("table", t.name, t.label, t.unit, [(v.start, v.end) for v in vs], all(v.verified for v in vs) if vs else None))
    for f in sorted(c.formulas.values(), key=lambda x: x.name):
        out.append(_entry("formula", f.name, f.label, f.unit, [], f.verified))
    for a in sorted(c.adjustments.values(), key=lambda x: x.name):
        out.append(_entry("adjustment", a.name, a.label, a.unit, [], None))
    for i in sorted(c.inputs.values(), key=lambda x: x.name):
        out.append(_entry("input", i.name, i.label, i.unit, [], None))
    for n in sorted(media_part(c).norms.values(), key=lambda x: x.code):
        out.append(_entry("norm", n.code, n.name, n.output_unit, [(n.valid_from, n.valid_to)],
                          n.verified and all(ln.verified for ln in n.lines)))
    return out


def listing(c: CompiledSet) -> dict[str, Any]:
    """The pack set ``c`` as ``normkit show PACK`` prints it and ``GET /v1/packs/{pack}`` serves
    it: the pack, the packs it is built from, and :func:`names`."""
    r = c.root
    return {"pack": r.id, "version": r.version, "title_vi": r.title.vi, "title_en": r.title.en,
            "valid_from": str(r.valid_from), "valid_to": str(r.valid_to) if r.valid_to else None,
            "packs": [p.id for p in c.packs], "names": names(c)}


def all_names(c: CompiledSet) -> list[str]:
    """Every name :func:`describe` knows in ``c`` (for close matches)."""
    return [*media_part(c).norms, *c.params, *c.tables, *c.formulas, *c.adjustments, *c.inputs]


def without_paths(entry: Any) -> Any:
    """``entry`` (a :func:`describe` result) with every ``location`` reduced to the pack folder and
    file (``vn-wages/parameters.yaml:12:5``): what a service shows, without the server's own paths."""
    if isinstance(entry, dict):
        return {k: (_short(v) if k == "location" and isinstance(v, str) else without_paths(v)) for k, v in entry.items()}
    if isinstance(entry, list):
        return [without_paths(v) for v in entry]
    return entry


def _short(location: str) -> str:
    head, sep, rest = location.partition(".yaml")
    if not sep:
        return location.rsplit("/", 1)[-1]
    parts = head.replace("\\", "/").split("/")
    return "/".join(parts[-2:]) + sep + rest
