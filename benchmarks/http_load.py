"""The HTTP service under a bounded loopback load (127.0.0.1 only): by default 2,000 requests
from 8 threads, at most 120 s.

Starts ``normkit serve`` on a free loopback port (NORMKIT_PATH holding the illustrative example
province), then sends a mix (tests/normkit_serverkit.py ``load_mix``): small quotes (half of the
requests), traced quotes of 20 lines, checks of the 5-line clean example budget, and bad requests
(an unknown norm, a body that is not JSON, a body that is not UTF-8) that must get their coded
error. Reports p50/p99 latency per kind, the errors (a good request not answered 200, a bad one not
answered with its error status and body), which must be zero, and the server's resident memory
after the run, which must stay under MEMORY_BOUND_MIB.
Skips cleanly when the server extra (fastapi, uvicorn) or httpx is not installed.

    python benchmarks/http_load.py [REQUESTS] [CONCURRENCY]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


MEMORY_BOUND_MIB = 300


def main() -> int:
    try:
        import fastapi  # noqa: F401
        import httpx  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        print(f"skipped: the server extra is not installed ({exc.name}); pip install 'normkit[server]' httpx")
        return 0
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    from normkit_serverkit import load_mix, percentile, rss_mib, run_load, service_process

    from normkit.budget import read_budget

    budget = json.loads(read_budget(ROOT / "examples" / "budgets" / "clean-2024.yaml").model_dump_json(exclude_none=True))
    budget["pack"] = "example-province"
    try:
        with service_process({"example-province": ROOT / "examples" / "packs" / "example-province"}) as (url, proc):
            before = rss_mib(proc.pid)
            latencies, errors, wall = run_load(url, load_mix(budget), total, concurrency, seconds=120)
            after = rss_mib(proc.pid)
    except RuntimeError as exc:  # the server did not start
        print(exc)
        return 1
    done = sum(len(v) for v in latencies.values())
    print(f"{done} of {total} requests, concurrency {concurrency}: {wall:.2f} s, {done / wall:,.0f} req/s")
    for kind, values in latencies.items():
        print(f"  {kind:<20} {len(values):>6}  p50 {percentile(values, 0.5) * 1000:7.1f} ms  p99 {percentile(values, 0.99) * 1000:7.1f} ms")
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"server memory: {before:.0f} MiB after warm-up, {after:.0f} MiB after the run (bound {MEMORY_BOUND_MIB} MiB)")
    return 1 if errors or done < total or after > MEMORY_BOUND_MIB else 0


if __name__ == "__main__":
    sys.exit(main())
