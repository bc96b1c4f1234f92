"""``normkit lint``: check a pack and everything it extends; report every problem."""

from __future__ import annotations

import json

import normkit.api  # noqa: F401  (the domains register their pack sections and lint steps on import)
from normkit.cli.render import console
from normkit.core.lint import lint_pack


def lint(pack_dir: str, as_json: bool) -> int:
    summary = lint_pack(pack_dir)
    if as_json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        return 0
    con = console()
    con.print(f"[green]ok[/green] {summary.root.id} {summary.root.version}: " + ", ".join(f"{n} {k}" for k, n in summary.counts.items() if n)
              + f" (packs: {', '.join(p.id for p in summary.packs)})")
    if summary.unverified:
        con.print(f"[yellow]{len(summary.unverified)} unverified item(s)[/yellow] (shown in every trace that uses them): "
                  + ", ".join(summary.unverified[:8]) + (" …" if len(summary.unverified) > 8 else ""))
    return 0
