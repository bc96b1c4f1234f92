"""Lint a pack set: build it (every error at once), then run each registered domain's lint
step (e.g. media's provincial ceilings); the summary ``normkit lint`` prints (normkit.cli.lint)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from normkit.core.compiled import CompiledSet, PackInfo
from normkit.core.errors import NormkitErrors
from normkit.core.extensions import DomainLint, registered


def domain_lints(c: CompiledSet) -> list[DomainLint]:
    """Every registered domain's lint step on ``c``."""
    return [d.lint(c) for d in registered() if d.lint is not None]


@dataclass(frozen=True, slots=True)
class LintSummary:
    """What ``normkit lint`` reports for a pack set without problems."""

    root: PackInfo
    packs: list[PackInfo]
    counts: dict[str, int]  # parameters, tables, formulas, adjustments, each domain's counts, inputs
    unverified: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": True, "packs": [{"id": p.id, "version": p.version, "hash": p.hash} for p in self.packs],
                "counts": self.counts, "unverified": self.unverified}


def lint_compiled(c: CompiledSet) -> LintSummary:
    """Run every domain's lint step on ``c``; raises NormkitErrors with every problem found."""
    reports = domain_lints(c)
    problems = [e for r in reports for e in r.findings]
    if problems:
        raise NormkitErrors(problems)
    counts = {"parameters": len(c.params), "tables": len(c.tables), "formulas": len(c.formulas), "adjustments": len(c.adjustments)}
    for r in reports:
        counts.update(r.counts)
    counts["inputs"] = len(c.inputs)
    return LintSummary(c.root, list(c.packs), counts, sorted(_unverified(c).union(*(r.unverified for r in reports))))


def lint_pack(pack_dir: str | Path) -> LintSummary:
    """Build the pack at ``pack_dir`` (and everything it extends) and lint it. The domains whose
    sections the pack uses must be registered (``import normkit.api`` registers them all)."""
    from normkit.core.compiler import build

    return lint_compiled(build(Path(pack_dir)))


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
