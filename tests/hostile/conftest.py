"""Hostile-input tests: print the time and memory each attack took."""

from __future__ import annotations

import hostilekit


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not hostilekit.MEASURED:
        return
    terminalreporter.write_sep("-", f"normkit hostile inputs (bounds {hostilekit.SECONDS} s, {hostilekit.MIB} MiB)")
    for attack, (sec, mib, outcome) in sorted(hostilekit.MEASURED.items()):
        terminalreporter.write_line(f"{attack:40} {outcome:6} {sec:7.3f} s {mib:8.1f} MiB")
