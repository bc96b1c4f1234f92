"""The HTTP service under a bounded loopback load: 1,000 requests, concurrency 8.

Starts ``normkit serve`` on a free loopback port (NORMKIT_PATH holding the illustrative
example province), then sends a mix of POST /v1/check (the 5-line clean example budget) and
POST /v1/quote (3 bulletins) from 8 threads with httpx. Reports p50 and p99 latency and the
number of errors (any non-200 answer or transport error), which must be zero.
Skips cleanly when the server extra (fastapi, uvicorn) or httpx is not installed.

    python benchmarks/http_load.py [REQUESTS] [CONCURRENCY]
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> int:
    try:
        import fastapi  # noqa: F401
        import httpx
        import uvicorn  # noqa: F401
    except ImportError as exc:
        print(f"skipped: the server extra is not installed ({exc.name}); pip install 'normkit[server]' httpx")
        return 0
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    from normkit.budget import read_budget

    budget = json.loads(read_budget(ROOT / "examples" / "budgets" / "clean-2024.yaml").model_dump_json(exclude_none=True))
    budget["pack"] = "example-province"
    bodies = [("/v1/check", {"budget": budget}),
              ("/v1/quote", {"pack": "example-province",
                             "order": {"id": "q", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": 3}]}})]
    from normkit_serverkit import running_service

    try:
        with running_service({"example-province": ROOT / "examples" / "packs" / "example-province"}) as url:
            latencies, errors, wall = _load(httpx, url, bodies, total, concurrency)
    except RuntimeError as exc:  # the server did not start
        print(exc)
        return 1
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(f"{total} requests (check and quote, alternating), concurrency {concurrency}: {wall:.2f} s, {total / wall:,.0f} req/s")
    print(f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    return 1 if errors else 0


def _load(httpx: Any, url: str, bodies: list[tuple[str, dict]], total: int, concurrency: int) -> tuple[list[float], list[str], float]:
    """Warm the service, then send ``total`` requests from ``concurrency`` threads."""
    with httpx.Client(base_url=url, timeout=30) as warm:  # load the pack once, as a running service has it
        for path, body in bodies:
            warm.post(path, json=body).raise_for_status()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                path, body = bodies[i % len(bodies)]
                start = time.perf_counter()
                try:
                    r = client.post(path, json=body)
                    ok = r.status_code == 200
                    why = f"{path}: HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    ok, why = False, f"{path}: {type(exc).__name__}"
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(why)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return latencies, errors, wall


if __name__ == "__main__":
    sys.exit(main())
