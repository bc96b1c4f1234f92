"""The text readers compile their patterns on first use (issue 13, warm start): importing
:mod:`normkit.core.io.text` compiles none, and a pattern, once used, is the compiled one."""

from __future__ import annotations

import subprocess
import sys

from normkit_testpaths import ROOT

from normkit.core.io.text import Pattern, read_date, read_number


def test_a_pattern_compiles_on_first_use_and_matches_as_re() -> None:
    p = Pattern(r"^[0-9]+$")
    try:
        object.__getattribute__(p, "match")
        raise AssertionError("compiled before use")
    except AttributeError:
        pass
    assert p.match("123") is not None and p.match("12a") is None
    assert object.__getattribute__(p, "match").__self__.pattern == r"^[0-9]+$"  # now the compiled pattern's own method
    try:
        p.search  # noqa: B018  (only `match` exists)
        raise AssertionError("a pattern has only match")
    except AttributeError:
        pass


def test_importing_the_readers_compiles_no_pattern_and_reading_compiles_only_what_it_uses() -> None:
    code = """
import normkit.core.io.text as t
names = [n for n, v in vars(t).items() if isinstance(v, t.Pattern)]
def compiled():
    out = []
    for n in names:
        try:
            object.__getattribute__(getattr(t, n), "match")
            out.append(n)
        except AttributeError:
            pass
    return out
before = compiled()
t.read_date("2024-09-15")
print(len(names), before, compiled())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout.split(" ", 1)
    assert out == ["12", "[] ['_DATE_ISO']\n"]
    assert (read_number("1.234,5"), read_date("15/09/2024").isoformat()) == (read_number("1234.5", convention="en"), "2024-09-15")
