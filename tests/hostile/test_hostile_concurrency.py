"""Concurrency: normkit never reads or changes the thread's Decimal context; one loaded rule set
quotes and classifies from 8 threads at once with identical results; what-if leaves it unchanged."""

from __future__ import annotations

import decimal
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
from normkit_testpaths import EXAMPLES

ORDER = EXAMPLES / "orders" / "year-plan-2023.yaml"


def _hostile_context(i: int) -> decimal.Context:
    """A different, hostile context per thread: few digits, truncation, no traps."""
    return decimal.Context(prec=3 + i, rounding=decimal.ROUND_DOWN, Emax=10, Emin=-10, traps=[])


def test_the_callers_decimal_context_is_neither_used_nor_changed():
    from normkit.api import load

    rules = load(EXAMPLES / "packs" / "example-province")
    expected = rules.quote(ORDER).to_json(trace=True)
    saved = decimal.getcontext()
    try:
        ctx = _hostile_context(0)
        decimal.setcontext(ctx)
        got = rules.quote(ORDER).to_json(trace=True)
        assert decimal.getcontext() is ctx
        assert (ctx.prec, ctx.rounding, ctx.Emax, ctx.Emin) == (3, decimal.ROUND_DOWN, 10, -10)
        assert not any(ctx.traps.values()) and not any(ctx.flags.values())
    finally:
        decimal.setcontext(saved)
    assert got == expected


def test_quotes_from_8_threads_with_hostile_contexts_are_identical():
    from normkit.api import load

    expected = load(EXAMPLES / "packs" / "example-province").quote(ORDER).to_json(trace=True)
    shared = load(EXAMPLES / "packs" / "example-province", use_cache=False)  # caches filled concurrently

    def work(i: int) -> str:
        decimal.setcontext(_hostile_context(i))
        return shared.quote(ORDER).to_json(trace=True)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(64)))
    assert set(results) == {expected}


def test_what_if_leaves_the_shared_rule_set_unchanged():
    from normkit.api import load

    rules = load(EXAMPLES / "packs" / "example-province")
    before = rules.quote(ORDER).to_json(trace=True)
    with ThreadPoolExecutor(max_workers=8) as pool:
        variants = list(pool.map(lambda i: rules.with_overrides({"base_salary": f"{1800000 + i} VND/month"}).quote(ORDER).total, range(16)))
    assert len(set(variants)) == 16
    assert rules.quote(ORDER).to_json(trace=True) == before


def test_household_classification_from_8_threads_is_identical():
    from normkit.poverty.batch import classify_frame
    from normkit.poverty.standards import load_standard

    std = load_standard(year=2024)
    frame = pd.read_csv(EXAMPLES / "households" / "households.csv", dtype=str)
    expected = classify_frame(frame, std).classified.to_csv(index=False)

    def work(i: int) -> str:
        decimal.setcontext(_hostile_context(i))
        return classify_frame(frame, std).classified.to_csv(index=False)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(work, range(32))) == {expected}


def test_no_module_sets_the_global_decimal_context():
    """The source never calls decimal.setcontext or changes getcontext(); it uses localcontext or CTX explicitly."""
    from pathlib import Path

    import normkit

    root = Path(normkit.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for bad in ("setcontext(", "getcontext().prec", "getcontext().rounding", "getcontext().traps", "DefaultContext"):
            if bad in text:
                offenders.append(f"{path.relative_to(root)}: {bad}")
    assert offenders == []
