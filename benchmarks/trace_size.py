"""The exported trace: its size, and the time to price and export it, against the hand-written pricing.

Targets (issue 10): the 10-item order's JSON with its trace at least 5× smaller than before the
trace became a graph (1,992,877 bytes, pretty-printed as `price --json --explain` wrote it, at
6123de3), and quote + export at most 20× the hand-written pricing of the same lines
(tests/handpriced.py; 118–167× before). Then a generated pack whose formulas fan out
(FAN terms per level, DEPTH levels: FAN^DEPTH paths, FAN × DEPTH + 1 distinct evaluations):
its trace must grow with the distinct evaluations.

    python benchmarks/trace_size.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from _timing import paired
from fanout import fanout_order, fanout_pack
from handpriced import price_lines

import normkit.api
from normkit.media.orders import order_from_data

ITEMS = 10
BEFORE_BYTES = 1_992_877  # 6123de3: `price --json --explain` of this order (indent 2, trace as nested trees)


def main() -> None:
    rules = normkit.api.load(ROOT / "examples" / "packs" / "example-province")
    order = order_from_data({"id": "bench", "date": "2024-09-15",
                             "items": [{"id": f"i{i}", "norm": "01.03.01.50.10", "quantity": i + 1} for i in range(ITEMS)]})
    q = rules.quote(order)
    text = q.to_json()
    graph = q.trace_graph()

    def hand() -> Decimal:
        return sum((price_lines(Decimal(i + 1))[1] for i in range(ITEMS)), Decimal(0))

    assert hand() == q.total
    # single calls, best of many, alternating: on a shared machine a call of a few ms is often
    # pre-empted, and an average over several calls measures the neighbours as much as the code
    export, baseline = paired(lambda: rules.quote(order).to_json(), hand, rounds=300, number_a=1, number_b=1)
    size = len(text.encode())
    print(f"order: {ITEMS} items, {len(q.lines)} lines; trace: {len(graph.nodes)} nodes, {len(graph.bases)} bases, {len(graph.sources)} sources")
    print(f"JSON with trace: {size:,} bytes (before: {BEFORE_BYTES:,}; {BEFORE_BYTES / size:.1f}× smaller, target ≥ 5×)")
    print(f"hand-written pricing: {baseline * 1e3:.3f} ms; quote + JSON export: {export * 1e3:.3f} ms = {export / baseline:.1f}× (target ≤ 20×)")
    with tempfile.TemporaryDirectory() as tmp:
        for depth in (2, 4, 6):
            pack = fanout_pack(Path(tmp) / f"fan{depth}", fan=30, depth=depth)
            fan_rules = normkit.api.load(pack, use_cache=False)
            start = time.perf_counter()
            fq = fan_rules.quote(fanout_order(pack))
            fan_text = fq.to_json()
            took = time.perf_counter() - start
            print(f"fan-out 30 × {depth} levels (30^{depth} = {30 ** depth:,} paths): {len(fq.trace_graph().nodes)} nodes, "
                  f"{len(fan_text.encode()):,} bytes, {took:.2f} s")


if __name__ == "__main__":
    main()
