"""The loopback load test, small (a few seconds; the full one is benchmarks/http_load.py):
small quotes, traced quotes, budget checks and bad requests from 4 threads on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")

from normkit_serverkit import load_mix, percentile, rss_mib, run_load, service_process
from normkit_testpaths import EXAMPLES

from normkit.budget import read_budget

MEMORY_BOUND_MIB = 300  # as benchmarks/http_load.py; its full run measured 128 MiB after 2,000 requests


def test_loopback_load_small() -> None:
    budget = json.loads(read_budget(EXAMPLES / "budgets" / "clean-2024.yaml").model_dump_json(exclude_none=True))
    budget["pack"] = "example-province"
    with service_process({"example-province": EXAMPLES / "packs" / "example-province"}) as (url, proc):
        latencies, errors, wall = run_load(url, load_mix(budget), total=200, concurrency=4, seconds=20)
        memory = rss_mib(proc.pid)
    assert errors == []
    assert sum(len(v) for v in latencies.values()) == 200
    assert {kind: len(v) for kind, v in latencies.items()} == {
        "small quote": 100, "traced quote": 20, "budget check": 20, "bad: unknown norm": 20, "bad: not JSON": 20, "bad: not UTF-8": 20}
    p99 = percentile(latencies["small quote"], 0.99)
    print(f"loopback load: 200 requests in {wall:.2f} s; small quotes p99 {p99 * 1000:.1f} ms; server memory {memory:.0f} MiB")
    assert memory < MEMORY_BOUND_MIB
