"""``normkit lint``: check a pack and everything it extends; report every problem."""

from __future__ import annotations

import json
from typing import Any

from normkit.core.compiled import CompiledSet
from normkit.core.errors import NormkitError, NormkitErrors


def ceiling_findings(c: CompiledSet) -> list[NormkitError]:
    """Norms are ceilings: a provincial entry may not exceed the national one, line by line."""
    out: list[NormkitError] = []
    for code, national in c.replaced_norms.items():
        local = c.norms[code]
        if not national.lines and national.supplied_by:
            continue  # the national lines were not readable: the province supplies them, nothing to compare
        limits: dict[tuple, Any] = {}
        for line in national.lines:
            key = (line.component, line.resource, line.scale, line.step)
            limits[key] = limits.get(key, 0) + line.quantity
        used: dict[tuple, Any] = {}
        for line in local.lines:
            key = (line.component, line.resource, line.scale, line.step)
            used[key] = used.get(key, 0) + line.quantity
            where = line.location
            if key not in limits:
                out.append(NormkitError("NK209", f"norm {code} ({local.pack}): {line.component} line {line.resource} is not in the national entry of pack {national.pack}",
                                        location=where, hint="a provincial norm may only lower or keep the national lines"))
            elif used[key] > limits[key]:
                out.append(NormkitError("NK209", f"norm {code} ({local.pack}): {line.component} {line.resource} is {used[key]} {line.unit}, above the national maximum {limits[key]} {line.unit} ({national.pack})",
                                        location=where))
    return out


def lint(pack_dir: str, as_json: bool) -> int:
    from normkit.core.compiler import build

    c = build(pack_dir)  # a bare id on the search path, else a folder (core.registry.find_pack)
    problems = ceiling_findings(c)
    summary: dict[str, Any] = {
        "ok": not problems,
        "packs": [{"id": p.id, "version": p.version, "hash": p.hash} for p in c.packs],
        "counts": {"parameters": len(c.params), "tables": len(c.tables), "formulas": len(c.formulas),
                   "adjustments": len(c.adjustments), "norms": len(c.norms), "inputs": len(c.inputs)},
        "unverified": sorted(_unverified(c)),
    }
    if problems:
        raise NormkitErrors(problems)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    from normkit.cli.render import console

    con = console()
    con.print(f"[green]ok[/green] {c.root.id} {c.root.version}: " + ", ".join(f"{n} {k}" for k, n in summary["counts"].items() if n)
              + f" (packs: {', '.join(p.id for p in c.packs)})")
    if summary["unverified"]:
        con.print(f"[yellow]{len(summary['unverified'])} unverified item(s)[/yellow] (shown in every trace that uses them): "
                  + ", ".join(summary["unverified"][:8]) + (" …" if len(summary["unverified"]) > 8 else ""))
    return 0


def _unverified(c: CompiledSet) -> set[str]:
    out: set[str] = set()
    for p in c.params.values():
        if any(not d.verified for layer in p.layers for d in layer):
            out.add(f"parameter {p.name}")
    for t in c.tables.values():
        if any(not v.verified for layer in t.layers for v in layer):
            out.add(f"table {t.name}")
    for f in c.formulas.values():
        if not f.verified:
            out.add(f"formula {f.name}")
    for n in c.norms.values():
        if not n.verified or any(not line.verified for line in n.lines):
            out.add(f"norm {n.code}")
    return out
