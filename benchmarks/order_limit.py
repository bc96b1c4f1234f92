"""An order at the documented item limit, priced by the CLI in a child process: wall time and
peak resident memory of `price --json` and `export-quote`, against the documented promise.

The promise (docs/threat-model.md, "Bounded time and memory"): an order at the item limit
(`normkit.media.schema.Order.items`, NK201 above it; 100,000 items) is priced and written by
`price --json` within PROMISES["price --json"], and its XLSX unit-price sheet by `export-quote`
within PROMISES["export-quote"]. Each item is
norm 01.03.01.50.10 of the example province (19 lines and 2 extras: 21 quote lines per item).

    python benchmarks/order_limit.py                 # the documented limit
    python benchmarks/order_limit.py 100000 price    # only `price --json` (export-quote takes minutes)

Exit status 1 when a command breaks its promise at the documented limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

PROMISES: dict[str, tuple[float, float] | None] = {"price --json": (120.0, 1024.0), "export-quote": (300.0, 1024.0)}  # seconds, MiB


def item_limit() -> int:
    from normkit.media.schema import Order

    for meta in Order.model_fields["items"].metadata:
        if getattr(meta, "max_length", None) is not None:
            return int(meta.max_length)
    raise SystemExit("the order schema declares no item limit")


def run(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit status of ``argv`` in a fresh child (the child's own peak:
    each command runs under a small wrapper that reports its RUSAGE_CHILDREN maximum)."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, rc)")
    out = subprocess.run([sys.executable, "-c", wrapper, *argv], cwd=cwd, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds, mib, rc = out.stdout.split()
    return float(seconds), float(mib), int(rc)


def main() -> int:
    limit = item_limit()
    items = int(sys.argv[1]) if len(sys.argv) > 1 else limit
    pack = ROOT / "examples" / "packs" / "example-province"
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        order = Path(tmp) / "order.json"
        order.write_text(json.dumps({"normkit_order": 1, "id": "limit", "date": "2024-09-15", "packs": [str(pack)],
                                     "items": [{"id": f"i{i}", "norm": "01.03.01.50.10", "quantity": 1 + i % 9} for i in range(items)]}),
                         encoding="utf-8")
        print(f"order: {items:,} items ({order.stat().st_size / 2**20:.1f} MiB of JSON); documented limit {limit:,} items")
        base = [sys.executable, "-m", "normkit"]
        commands = [("price --json", [*base, "price", str(order), "--json"]),
                    ("export-quote", [*base, "export-quote", str(order), "--xlsx", str(Path(tmp) / "q.xlsx")])]
        only = sys.argv[2] if len(sys.argv) > 2 else None
        for name, argv in commands:
            if only is not None and not name.startswith(only):
                continue
            seconds, mib, rc = run(argv, ROOT)
            promise = PROMISES[name]
            if promise is None:
                verdict = "no promise yet (reported only)"
            else:
                kept = rc == 0 and seconds <= promise[0] and mib <= promise[1]
                ok &= kept or items != limit
                verdict = f"{'within' if kept else 'OVER'} the promise of {promise[0]:g} s and {promise[1]:g} MiB"
            print(f"  {name:<14} {seconds:7.1f} s  {mib:8.0f} MiB peak  exit {rc}  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
