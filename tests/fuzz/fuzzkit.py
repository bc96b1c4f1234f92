"""Shared pieces of the fuzz suite: the example budget, the case counter and the one assertion.

Every fuzz test feeds hostile-but-plausible input to a public entry point and calls
:func:`must_be_clean`: the call either succeeds or raises a :class:`NormkitError` whose code is
in the catalogue, with a message and a hint. Anything else (``KeyError``, ``TypeError``,
``RecursionError`` …) fails the test and hypothesis shrinks it to a minimal input.

Budgets: each test names its CI example count; ``NORMKIT_FUZZ_EXAMPLES=N`` runs N examples per
test instead (the long run, ``tools/fuzz_long.sh``). CI runs are derandomized (the same inputs
every time); the long run is random and prints its seed.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings

from normkit.core.errors import CATALOGUE, NormkitError, NormkitErrors

LONG = int(os.environ.get("NORMKIT_FUZZ_EXAMPLES", "0") or 0)
CASES: Counter[str] = Counter()
FINDINGS: Counter[str] = Counter()  # codes seen, per target: what the fuzzers exercised
SAMPLES: dict[str, str] = {}  # target:code -> the first message seen (for the report)


def fuzz_settings(ci_examples: int) -> settings:
    """Settings of one fuzz test: ``ci_examples`` in CI, ``NORMKIT_FUZZ_EXAMPLES`` in the long run."""
    return settings(
        max_examples=LONG or ci_examples,
        deadline=None,
        derandomize=not LONG,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
    )


def must_be_clean(target: str, call: Callable[[], Any], *, located: bool = False) -> Any:
    """Run ``call``; a failure must be a catalogued NormkitError (with a location if ``located``)."""
    CASES[target] += 1
    try:
        result = call()
    except NormkitError as e:
        check_error(e, located=located)
        FINDINGS[f"{target}:{e.code}"] += 1
        SAMPLES.setdefault(f"{target}:{e.code}", str(e)[:300])
        return e
    FINDINGS[f"{target}:ok"] += 1
    return result


def check_error(e: NormkitError, *, located: bool = False) -> None:
    errors = e.errors if isinstance(e, NormkitErrors) else [e]
    for err in errors:
        assert err.code in CATALOGUE, err.code
        assert err.message and err.message.strip(), repr(err)
        assert err.hint and err.hint.strip(), repr(err)
        assert "Traceback" not in err.message
        if located:
            assert err.location is not None and (err.location.file or err.location.path), f"no location: {err.render()}"
        err.render()
        err.to_dict()
