"""``normkit lint``: check a pack and everything it extends; report every problem (the core's
and each registered domain's lint step, e.g. media's provincial ceilings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from normkit.core.compiled import CompiledSet
from normkit.core.errors import NormkitErrors
from normkit.core.extensions import DomainLint, registered


def domain_lints(c: CompiledSet) -> list[DomainLint]:
    """Every registered domain's lint step on ``c``."""
    return [d.lint(c) for d in registered() if d.lint is not None]


def lint(pack_dir: str, as_json: bool) -> int:
    from normkit.core.compiler import build

    c = build(Path(pack_dir))
    reports = domain_lints(c)
    problems = [e for r in reports for e in r.findings]
    counts = {"parameters": len(c.params), "tables": len(c.tables), "formulas": len(c.formulas), "adjustments": len(c.adjustments)}
    for r in reports:
        counts.update(r.counts)
    counts["inputs"] = len(c.inputs)
    summary: dict[str, Any] = {
        "ok": not problems,
        "packs": [{"id": p.id, "version": p.version, "hash": p.hash} for p in c.packs],
        "counts": counts,
        "unverified": sorted(_unverified(c).union(*(r.unverified for r in reports))),
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
    return out
