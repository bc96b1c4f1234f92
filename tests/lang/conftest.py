"""The rule-language tests: print how many differential cases ran and which node kinds they drew."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    try:
        import test_lang_differential as t
    except ImportError:  # pragma: no cover
        return
    if not t.KINDS.get("cases"):
        return
    kinds = {k: v for k, v in sorted(t.KINDS.items()) if k != "cases"}
    rows = sum(t.OUTCOMES.values())
    terminalreporter.write_sep("-", f"normkit differential test: {t.KINDS['cases']} programs, {rows} rows compared on 3 backends")
    terminalreporter.write_line(f"node kinds drawn ({len(kinds)}): {kinds}")
    terminalreporter.write_line(f"outcomes: {dict(sorted(t.OUTCOMES.items()))}")
    try:
        import test_lang_checked_differential as c
    except ImportError:  # pragma: no cover
        return
    if c.CHECKED:
        terminalreporter.write_line(f"checked expression texts (through the pack builder): {sum(c.CHECKED.values())} rows, "
                                    f"outcomes {dict(sorted(c.CHECKED.items()))}")
