"""Fuzz suite: print how many cases each target ran (and write them as JSON when asked)."""

from __future__ import annotations

import json
import os

import fuzzkit


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not fuzzkit.CASES:
        return
    total = sum(fuzzkit.CASES.values())
    mode = f"long run, {fuzzkit.LONG} examples per test" if fuzzkit.LONG else "CI budget"
    terminalreporter.write_sep("-", f"normkit fuzz cases ({mode}): {total}")
    for target, n in sorted(fuzzkit.CASES.items()):
        codes = {k.split(":", 1)[1]: v for k, v in fuzzkit.FINDINGS.items() if k.startswith(target + ":")}
        terminalreporter.write_line(f"{target:24} {n:8}  outcomes: {dict(sorted(codes.items()))}")
    out = os.environ.get("NORMKIT_FUZZ_REPORT")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"mode": mode, "total": total, "cases": dict(fuzzkit.CASES), "outcomes": dict(fuzzkit.FINDINGS), "samples": fuzzkit.SAMPLES,
                       "exitstatus": int(exitstatus)}, f, indent=2, sort_keys=True)
