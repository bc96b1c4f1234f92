"""`normkit price ORDER --json` as a whole process, warm cache, against bare interpreters.

Targets: issue 13 — the warm run ≤ 2× `python -c "import pydantic"` (orders are read with pydantic
models, so that import is the floor of any run; ``from pydantic import BaseModel``, the model
machinery, is printed beside it); issue 2 — faster than building pint's default
registry (a warm run never imports pint). All commands run in the same rounds, interleaved, and
the best of N is kept, so the machine's noise falls on every side.

Bytecode is written (to a temporary ``PYTHONPYCACHEPREFIX``, even if ``PYTHONDONTWRITEBYTECODE``
is set), as an installed package has it: otherwise every run recompiles normkit's sources.

    python benchmarks/cli_startup.py [ROUNDS]
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


def once(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(NORMKIT_CACHE_DIR=tempfile.mkdtemp(prefix="normkit-bench-"), PYTHONPATH=str(ROOT),
               PYTHONPYCACHEPREFIX=tempfile.mkdtemp(prefix="normkit-bench-pyc-"))
    price = [sys.executable, "-m", "normkit", "price", str(ORDER), "--json"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import pydantic'": [sys.executable, "-c", "import pydantic"],
        "pydantic's BaseModel": [sys.executable, "-c", "from pydantic import BaseModel"],
        "import pint; pint.UnitRegistry()": [sys.executable, "-c", "import pint; pint.UnitRegistry()"],
        "normkit price --json (warm cache)": price,
    }
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for cmd in commands.values():  # write the bytecode and fill the cache
        once(cmd, env)
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(rounds):
        for name, cmd in commands.items():
            best[name] = min(best[name], once(cmd, env))
    cold = min(once([*price, "--no-cache"], env) for _ in range(3))
    for name, seconds in best.items():
        print(f"{name:36}: {seconds * 1e3:7.1f} ms")
    warm, pydantic, bare, pint = (best[k] for k in ("normkit price --json (warm cache)", "python -c 'import pydantic'",
                                                    "python -c pass", "import pint; pint.UnitRegistry()"))
    print(f"{'normkit price --json (no cache)':36}: {cold * 1e3:7.1f} ms")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"warm / import pydantic = {warm / pydantic:4.2f}  (target <= 2)")
    models = best["pydantic's BaseModel"]
    print(f"warm / BaseModel       = {warm / models:4.2f}  (the floor of a run that validates with pydantic models)")
    print(f"warm / python -c pass  = {warm / bare:4.2f}")
    print(f"warm / pint registry   = {warm / pint:4.2f}  (target < 1)")


if __name__ == "__main__":
    main()
