"""Loading and checking every shipped pack (no cache): milliseconds per pack set.

    python benchmarks/load_packs.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from normkit.core.compiler import build
from normkit.core.registry import shipped_rules_dir
from normkit.media.compiled import media_part


def main() -> None:
    import pint  # noqa: F401  (imported once up front, so each build is measured without the import)

    total = 0.0
    packs = sorted(p for p in shipped_rules_dir().iterdir() if (p / "pack.yaml").is_file())
    packs.append(ROOT / "examples" / "packs" / "example-province")
    for path in packs:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            compiled = build(path)
            best = min(best, time.perf_counter() - start)
        total += best
        print(f"{path.name:28s} {best * 1e3:8.1f} ms  ({len(compiled.packs)} packs, {len(media_part(compiled).norms)} norms, "
              f"{sum(len(r) for t in compiled.tables.values() for layer in t.layers for v in layer for r in v.rows.values())} table rows)")
    print(f"{'all shipped + example':28s} {total * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
