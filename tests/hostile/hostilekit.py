"""Bounds of the hostile-input tests: each attack must fail (or succeed) within a time and a
memory bound. Measured with time.perf_counter and tracemalloc (Python allocations, which is
where a YAML bomb or a runaway number would show); the bounds are stated in docs/threat-model.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from normkit.core.errors import CATALOGUE, NormkitError, NormkitErrors

SECONDS = 5.0
MIB = 200
MEASURED: dict[str, tuple[float, float, str]] = {}  # attack -> (seconds, peak MiB, outcome)


def bounded(attack: str, call: Callable[[], Any], *, seconds: float = SECONDS, mib: float = MIB) -> Any:
    """Run ``call`` under tracemalloc; return its result or the NormkitError it raised.

    Fails when it takes longer than ``seconds`` or allocates more than ``mib`` MiB at its peak,
    or when it raises anything but a catalogued NormkitError.
    """
    tracemalloc.start()
    start = time.perf_counter()
    try:
        try:
            result: Any = call()
            outcome = "ok"
        except NormkitError as e:
            result = e
            outcome = e.code
            for err in (e.errors if isinstance(e, NormkitErrors) else [e]):
                assert err.code in CATALOGUE and err.message and err.hint
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    MEASURED[attack] = (elapsed, peak, outcome)
    assert elapsed < seconds, f"{attack}: {elapsed:.2f} s (bound {seconds} s)"
    assert peak < mib, f"{attack}: peak {peak:.1f} MiB (bound {mib} MiB)"
    return result


def expect_error(attack: str, call: Callable[[], Any], code: str, message: str | None = None, **bounds: float) -> NormkitError:
    """``call`` must fail with ``code`` (and ``message`` in its text, when given) within the bounds."""
    result = bounded(attack, call, **bounds)
    if not isinstance(result, NormkitError):
        pytest.fail(f"{attack}: expected {code}, got a result: {result!r}"[:500])
    assert result.code == code, result.render()
    if message is not None:
        assert message in result.message, result.render()
    return result


_CHILD = r"""
import json, resource, sys, time
from normkit.core.errors import NormkitError


def status(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


{setup}
try:  # reset the resident-set high-water mark (Linux), so the setup's own peak is not counted
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
base = status("VmRSS")
start = time.perf_counter()
try:
    {call}
    out = {{"code": "ok", "message": ""}}
except NormkitError as e:
    out = {{"code": e.code, "message": e.message}}
out["seconds"] = time.perf_counter() - start
out["mib"] = max(status("VmHWM") - base, 0) / 1024
print(json.dumps(out))
"""


def bounded_child(attack: str, setup: str, call: str, *, seconds: float = SECONDS, mib: float = MIB) -> dict[str, Any]:
    """Run ``call`` in a fresh Python (after ``setup``) and measure its time and its peak RSS growth.

    For allocation-heavy attacks (a large YAML document) where tracemalloc's own overhead
    would dominate; the child's resident-set high-water mark (VmHWM, reset after the setup) costs nothing.
    """
    script = _CHILD.format(setup=setup, call=call)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    out: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    MEASURED[attack] = (out["seconds"], out["mib"], out["code"])
    assert out["seconds"] < seconds, f"{attack}: {out['seconds']:.2f} s (bound {seconds} s)"
    assert out["mib"] < mib, f"{attack}: peak RSS grew {out['mib']:.1f} MiB (bound {mib} MiB)"
    return out
