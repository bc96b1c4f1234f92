"""Provincial norms are ceilings (never above the entry they replace: the
national one, or the national one × a province's norm-set factor). Media's lint step
(:func:`normkit.media.readiness.media_lint`) reports them with the readiness findings.

The same ceiling findings stop pricing and budget checks (:func:`require_ceilings`): norms are
maximum consumptions, so a pack whose provincial entry exceeds the national maximum is refused
with the NK209 errors ``lint`` reports, before anything is priced."""

from __future__ import annotations

from decimal import Decimal

from normkit.core.compiled import CompiledSet
from normkit.core.errors import ErrorCollector, NormkitError
from normkit.media.compiled import LineC, media_part

LineKey = tuple[str, str, "str | None", "int | None"]  # component, resource, scale, step


def _key(line: LineC) -> LineKey:
    return (line.component, line.resource, line.scale, line.step)


def ceiling_findings(c: CompiledSet) -> list[NormkitError]:
    """Norms are ceilings: a provincial entry may not exceed the national one, line by line."""
    media = media_part(c)
    out: list[NormkitError] = []
    for code, national in media.replaced_norms.items():
        local = media.norms[code]
        if not national.lines and national.supplied_by:
            continue  # the national lines were not readable: the province supplies them, nothing to compare
        limits: dict[LineKey, Decimal] = {}
        scaled: dict[LineKey, LineC] = {}  # lines of the replaced entry a norm set scaled
        for line in national.lines:
            limits[_key(line)] = limits.get(_key(line), Decimal(0)) + line.quantity
            if line.set_factor is not None:
                scaled[_key(line)] = line
        used: dict[LineKey, Decimal] = {}
        for line in local.lines:
            key = _key(line)
            used[key] = used.get(key, Decimal(0)) + line.quantity
            where = line.location
            if key not in limits:
                out.append(NormkitError("NK209", f"norm {code} ({local.pack}): {line.component} line {line.resource} is not in the national entry of pack {national.pack}",
                                        location=where, hint="a provincial norm may only lower or keep the national lines"))
            elif used[key] > limits[key] and key in scaled:
                s = scaled[key]
                out.append(NormkitError("NK209", f"norm {code} ({local.pack}): {line.component} {line.resource} is {used[key]} {line.unit}, above the maximum {limits[key]} {line.unit} of norm set {s.set_id} ({s.set_factor} × the national quantity)",
                                        location=where))
            elif used[key] > limits[key]:
                out.append(NormkitError("NK209", f"norm {code} ({local.pack}): {line.component} {line.resource} is {used[key]} {line.unit}, above the national maximum {limits[key]} {line.unit} ({national.pack})",
                                        location=where))
    return out


def require_ceilings(c: CompiledSet) -> None:
    """Raise the NK209 error(s) of :func:`ceiling_findings`, if any: pricing and checking refuse
    such a pack exactly as ``normkit lint`` reports it."""
    errors = ErrorCollector()
    for e in ceiling_findings(c):
        errors.add(e)
    errors.raise_if_any()
