"""Media's lint step, second half: a pack set with a rate card can price every norm it defines.

``normkit lint`` used to say ok for a rate card that misses ``overhead_rate`` or spells a
machine-hour key ``he_thong_dung_phi_tuyn``; only ``price`` failed. Here lint asks, at every date
where a norm or a rate-card value starts or ends within the pack's validity, what pricing asks
(:func:`normkit.media.pricing.missing_values`), and reports:

- NK213: a norm line (or a norm's own lines or factor) whose rate misses a rate-card value,
  with the close matches among the rows that exist;
- NK214: a rate-card value a pricing extra needs (e.g. ``overhead_rate``) that is missing;
- NK215: a rate-card row no norm line looks up (a misspelled key, or dead data).

A pack set without any rate-card value (a national pack, the pricing method alone) is not a
rate card: nothing is missing there that a province pack will not supply, so nothing is reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from normkit.core.compiled import CompiledSet
from normkit.core.dating import in_force
from normkit.core.errors import NormkitError
from normkit.core.extensions import DomainLint
from normkit.core.lang import ir
from normkit.core.names import close_matches
from normkit.media.ceilings import ceiling_findings
from normkit.media.compiled import NormC, media_part
from normkit.media.plan import line_consts, line_lookup_key, norm_plan
from normkit.media.pricing import PricingRules, missing_values


def has_rate_card(c: CompiledSet) -> bool:
    """Whether some pack of the set supplies a value the pricing method leaves to the rate card."""
    return any(p.supplied_by and any(p.layers) for p in c.params.values()) or \
        any(t.supplied_by and any(t.layers) for t in c.tables.values())


def check_dates(c: CompiledSet) -> list[dt.date]:
    """Every date within the root pack's validity where a norm or a rate-card value starts or ends."""
    lo, hi = c.root.valid_from, c.root.valid_to
    days: set[dt.date] = {lo}

    def span(start: dt.date, end: dt.date | None) -> None:
        days.add(start)
        if end is not None and end < dt.date.max:
            days.add(end + dt.timedelta(days=1))

    for n in media_part(c).norms.values():
        span(n.valid_from, n.valid_to)
    for p in c.params.values():
        for d in (d for layer in p.layers for d in layer if p.supplied_by):
            span(d.start, d.end)
    for t in c.tables.values():
        for v in (v for layer in t.layers for v in layer if t.supplied_by):
            span(v.start, v.end)
    return sorted(d for d in days if lo <= d and (hi is None or d <= hi))


def _in_force(n: NormC, at: dt.date) -> bool:
    return n.valid_from <= at and (n.valid_to is None or at <= n.valid_to)


def _row_key(key: tuple[Any, ...]) -> str:
    return "/".join(str(k) for k in key)


def _row_hint(c: CompiledSet, name: str, at: dt.date, pack: str) -> str:
    """Close matches for a missing ``table[key]`` among the rows in force at ``at``."""
    table, _, key = name.partition("[")
    t = c.tables.get(table)
    if t is not None and key:
        version = in_force(t.layers, at)
        rows = [_row_key(k) for k in version.rows] if version is not None else []
        found = close_matches(key.rstrip("]"), rows)
        if found:
            return f"{table} has the row(s) {', '.join(found)}: a misspelled key? Otherwise add a row {key.rstrip(']')} to the rate card"
    return f"add the value to the rate card (pack {pack}), or pass --set when pricing"


def missing_rates(c: CompiledSet) -> Iterator[NormkitError]:
    """NK213 and NK214: every norm line and pricing extra that misses a rate-card value."""
    rs = PricingRules(c)
    media = media_part(c)
    seen: set[tuple[str, ...]] = set()
    root = c.root.id
    for at in check_dates(c):
        norms = [n for n in media.norms.values() if _in_force(n, at)]
        for norm in norms:
            if not norm.lines and (norm.supplied_by or norm.derive_from):
                base = norm.derive_from or norm.code
                if ("lines", norm.code) not in seen:
                    seen.add(("lines", norm.code))
                    yield NormkitError("NK213", f"norm {norm.code}: its lines must be supplied by a province pack (the lines of {base} "
                                       "were not readable); no pack of the set gives them", location=norm.location,
                                       hint=f"add the lines of {base} to a province pack, or leave the norm out of the orders")
            for name, detail in missing_values(rs, at, norm.factor_ir).items():
                if ("factor", norm.code, name) not in seen:
                    seen.add(("factor", norm.code, name))
                    yield NormkitError("NK213", f"norm {norm.code} cannot be priced from {at}: {detail}", location=norm.location,
                                       hint=_row_hint(c, name, at, root))
            for lp in norm_plan(rs, norm).lines:
                line = lp.line
                found = ({f"pricing.{line.component}": f"no pricing method for {line.component} lines (`pricing.{line.component}.rate`)"}
                         if not line.rate_text else missing_values(rs, at, line.rate_ir, lp.consts))
                for name, detail in found.items():
                    if ("line", norm.code, line.component, line.resource, name) not in seen:
                        seen.add(("line", norm.code, line.component, line.resource, name))
                        yield NormkitError("NK213", f"norm {norm.code}: the {line.component} line {line.resource} has no rate from {at}: "
                                           f"{detail}", location=line.location, hint=_row_hint(c, name, at, root))
        if not norms:
            continue
        for extra in media.extras:
            for tree in (extra.ir, extra.when_ir):
                for name, detail in missing_values(rs, at, tree).items():
                    if ("extra", extra.id, name) not in seen:
                        seen.add(("extra", extra.id, name))
                        yield NormkitError("NK214", f"pricing extra {extra.id} cannot be computed from {at}: {detail}",
                                           location=extra.location, hint=f"add `{name}` to the rate card (pack {root})")


def _line_lookups(c: CompiledSet) -> dict[str, set[tuple[Any, ...]]]:
    """For every rate-card table a norm line's rate looks up by the line's fields: the keys looked up."""
    used: dict[str, set[tuple[Any, ...]]] = {}
    for norm in media_part(c).norms.values():
        for line in norm.lines:
            if not line.rate_text:
                continue
            consts = line_consts(line)
            for node in ir.walk(line.rate_ir):
                if not isinstance(node, ir.Lookup) or not c.tables[node.table].supplied_by:
                    continue
                if not any(isinstance(k, ir.LineField) for k in node.keys):
                    continue
                key = line_lookup_key(node, consts)
                if key is not None:
                    used.setdefault(node.table, set()).add(key)
    return used


def unused_rows(c: CompiledSet) -> Iterator[NormkitError]:
    """NK215: every rate-card row, of a table norm lines look up by their resource, that no norm line uses."""
    for table, keys in sorted(_line_lookups(c).items()):
        t = c.tables[table]
        reported: set[tuple[Any, ...]] = set()
        for version in (v for layer in t.layers for v in layer):
            for key, rows in version.rows.items():
                if key in keys or key in reported:
                    continue
                reported.add(key)
                shown = _row_key(key)
                wanted = [_row_key(k) for k in keys if k not in version.rows]
                found = close_matches(shown, wanted) or close_matches(shown, [_row_key(k) for k in keys])
                yield NormkitError("NK215", f"rate card {table}: no norm line uses the row {shown} (version from {version.start}, pack {version.pack})",
                                   location=rows[0].location,
                                   hint=(f"did you mean {', '.join(found)}? (a resource of a norm line)" if found else
                                         "remove the row, or check the resource names of the norm lines (`normkit show NORM`)"))


def readiness_findings(c: CompiledSet) -> list[NormkitError]:
    """What stops a pack set with a rate card from pricing its norms (empty for a set without one)."""
    if not has_rate_card(c):
        return []
    return [*missing_rates(c), *unused_rows(c)]


def media_lint(c: CompiledSet) -> DomainLint:
    media = media_part(c)
    unverified = {f"norm {n.code}" for n in media.norms.values() if not n.verified or any(not line.verified for line in n.lines)}
    unverified |= {f"norm set {s.id}" for s in media.norm_sets.values() if not s.verified}
    return DomainLint(findings=ceiling_findings(c) + readiness_findings(c), counts={"norms": len(media.norms)}, unverified=unverified)
