"""Bounds of the hostile-input tests: each attack must fail (or succeed) within a time and a
memory bound. Measured with time.process_time (CPU seconds; the wall time within WALL_FACTOR times
the bound) and tracemalloc (Python allocations, which is
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
#: The time bounds are CPU seconds of the process: a runaway parse burns CPU, and the CPU time it
#: takes does not grow with other jobs on the machine as its wall time does (on the 2-core machine
#: under load 8-12 the 500,000-value YAML document took 16-21 s of wall time for 4-5 s of CPU).
#: The wall time is still bounded, by WALL_FACTOR times the bound, so a call that waits is caught.
WALL_FACTOR = 4
MEASURED: dict[str, tuple[float, float, str]] = {}  # attack -> (CPU seconds, peak MiB, outcome)


def _within(attack: str, cpu: float, wall: float, seconds: float) -> None:
    assert cpu < seconds, f"{attack}: {cpu:.2f} s of CPU (bound {seconds} s)"
    assert wall < seconds * WALL_FACTOR, f"{attack}: {wall:.2f} s of wall time (bound {seconds * WALL_FACTOR} s)"


def bounded(attack: str, call: Callable[[], Any], *, seconds: float = SECONDS, mib: float = MIB) -> Any:
    """Run ``call`` under tracemalloc; return its result or the NormkitError it raised.

    Fails when it takes longer than ``seconds`` or allocates more than ``mib`` MiB at its peak,
    or when it raises anything but a catalogued NormkitError.
    """
    tracemalloc.start()
    start, start_cpu = time.perf_counter(), time.process_time()
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
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    MEASURED[attack] = (cpu, peak, outcome)
    _within(attack, cpu, elapsed, seconds)
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
start, start_cpu = time.perf_counter(), time.process_time()
try:
    {call}
    out = {{"code": "ok", "message": ""}}
except NormkitError as e:
    out = {{"code": e.code, "message": e.message}}
out["seconds"] = time.perf_counter() - start
out["cpu"] = time.process_time() - start_cpu
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
    MEASURED[attack] = (out["cpu"], out["mib"], out["code"])
    _within(attack, out["cpu"], out["seconds"], seconds)
    assert out["mib"] < mib, f"{attack}: peak RSS grew {out['mib']:.1f} MiB (bound {mib} MiB)"
    return out
