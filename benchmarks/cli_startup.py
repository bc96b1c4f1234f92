"""`normkit price ORDER --json` as a whole process, against `import pint; pint.UnitRegistry()`.

Target (issue 2): the whole warm CLI run is faster than building pint's default registry
alone. A warm run loads the compiled packs from the cache (keyed by content hash) and never
imports pint. The cold run (empty cache: parse, check with pint, compile) is shown too.

    python benchmarks/cli_startup.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = ROOT / "examples" / "orders" / "tv-bulletins.yaml"


def wall(cmd: list[str], env: dict[str, str], runs: int = 7) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    env = dict(os.environ, NORMKIT_CACHE_DIR=tempfile.mkdtemp(prefix="normkit-bench-"), PYTHONPATH=str(ROOT))
    price = [sys.executable, "-m", "normkit", "price", str(ORDER), "--json"]
    cold = wall(price + ["--no-cache"], env, runs=3)
    subprocess.run(price, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # fill the cache
    warm = wall(price, env)
    pint = wall([sys.executable, "-c", "import pint; pint.UnitRegistry()"], env)
    bare = wall([sys.executable, "-c", "pass"], env)
    print(f"python -c pass                    : {bare * 1e3:7.1f} ms")
    print(f"import pint; pint.UnitRegistry()  : {pint * 1e3:7.1f} ms")
    print(f"normkit price --json (warm cache) : {warm * 1e3:7.1f} ms   ratio to pint {warm / pint:4.2f}  (target < 1)")
    print(f"normkit price --json (no cache)   : {cold * 1e3:7.1f} ms   ratio to pint {cold / pint:4.2f}")


if __name__ == "__main__":
    main()
