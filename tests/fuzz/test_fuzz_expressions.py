"""Fuzz the expression language: the parser on any text, and typed expressions built, checked,
compiled and evaluated in a small pack (overflow, division by zero, huge and tiny numbers)."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

from fuzzkit import fuzz_settings, must_be_clean
from hypothesis import example, given
from hypothesis import strategies as st
from normkit_testpaths import FIXTURES

from normkit.core.lang.syntax import parse

UNITS = {"VND", "workday", "month", "minute", "second", "machine_hour", "hour", "percent"}.__contains__
TOKENS = ["+", "-", "*", "/", "×", "÷", "−", "<", "<=", ">=", "==", "!=", "≤", "≠", "(", ")", "[", "]", ",", "%", "^", "**",
          "if", "then", "else", "and", "or", "not", "true", "false", "min", "max", "abs", "round", "sum_lines", "half_up",
          "x", "t", '"A1"', "'b'", "1", "0", "-1", "0.5", "1e30", "1e-30", "99999999999999999999999999999999999999",
          "VND", "workday", "month", "VND/month", " ", "\t", "\n", ".", "__import__", "os.system", "lambda", ";", "\\",
          "ho\u0323", "h\u1ed9", "\x00", "\U0001f600"]

any_text = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=60).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=60).map("".join),
    st.text(max_size=80),
)


@fuzz_settings(400)
@given(any_text)
def test_fuzz_expression_parser(text: str) -> None:
    must_be_clean("expr.parse", lambda: parse(text, UNITS))


# ---- typed expressions in a pack ----------------------------------------------------------

NUMBERS = ["0", "1", "2", "0.5", "-3", "1e30", "1e-30", "1e60", "123456789012345678901234567890", "0.000000000000000001",
           "1000000000000000000000000000000000", "17%", "ethnic_uplift", "language_factor", "(1 - 1)", "duration / 10 minute"]
RATES = ["day_rate", "300000 VND/workday", "0 VND/workday", "1e30 VND/workday", "-5 VND/workday", "hour_rate * 8 machine_hour / 1 workday",
         "per_minute_fee * 480 minute / 1 workday"]


def rate_expr(depth: int = 3) -> st.SearchStrategy[str]:
    number = st.sampled_from(NUMBERS)
    if depth == 0:
        return st.sampled_from(RATES)
    sub = st.deferred(lambda: rate_expr(depth - 1))
    num = st.one_of(number, st.builds(lambda a, o, b: f"({a} {o} {b})", number, st.sampled_from("+-*/"), number))
    return st.one_of(
        st.sampled_from(RATES),
        st.builds(lambda a, o, b: f"({a} {o} {b})", sub, st.sampled_from("+-"), sub),
        st.builds(lambda a, o, b: f"({a} {o} {b})", sub, st.sampled_from("*/"), num),
        st.builds(lambda a, b: f"({a} * {b})", num, sub),
        st.builds(lambda a, o, b: f"({a} {o} {b})", sub, st.sampled_from("*/"), sub),  # squared and cancelled dimensions
        st.builds(lambda a, b: f"min({a}, {b})", sub, sub),
        st.builds(lambda a, b: f"max({a}, {b})", sub, sub),
        st.builds(lambda a: f"abs({a})", sub),
        st.builds(lambda a, q, m: f"round({a}, {q}, {m})", sub, st.sampled_from(["1", "1000", "0.01", "0", "-1", "1e40"]),
                  st.sampled_from(["half_up", "half_even", "down", "ceiling", "floor", "sideways"])),
        st.builds(lambda c, a, o, b, d: f"(if {c} {o} {b} then {a} else {d})", sub, sub, st.sampled_from(["<", ">=", "==", "!="]), sub, sub),
        st.builds(lambda a, b: f'(if language == "ethnic" then {a} else {b})', sub, sub),
    )


def _mutate(text: str, junk: str, at: float) -> str:
    i = int(len(text) * at)
    return text[:i] + junk + text[i:]


PACK = (FIXTURES / "packs" / "tiny" / "pack.yaml").read_text(encoding="utf-8")


@fuzz_settings(150)
@given(rate_expr(), st.sampled_from([""] * (3 * len(TOKENS)) + TOKENS), st.floats(0, 1),
       st.sampled_from([dt.date(2024, 7, 1), dt.date(2020, 1, 1), dt.date(2030, 12, 31), dt.date(9999, 12, 31), dt.date(1, 1, 1)]),
       st.sampled_from(["VND/workday", "VND/workday", "VND", "1", "percent"]))
@example(expr="1 / (day_rate * day_rate)", junk="", at_frac=0.0, at=dt.date(2024, 7, 1), unit="percent")  # long-run finding
def test_fuzz_typed_expression(tmp_path_factory, expr: str, junk: str, at_frac: float, at: dt.date, unit: str) -> None:
    from normkit.api import load
    from normkit.core.runtime import evaluate

    text = _mutate(expr, junk, at_frac)
    folder = tmp_path_factory.mktemp("expr")
    quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    (folder / "pack.yaml").write_text(PACK + f'formulas:\n  f:\n    label: {{vi: f, en: f}}\n    unit: {unit}\n    expr: "{quoted}"\n',
                                      encoding="utf-8")

    def run() -> Any:
        rules = load(folder, use_cache=False)
        return evaluate(rules, "f", at, inputs={"duration": "10 minute"})
    must_be_clean("expr.typed", run)
    shutil.rmtree(folder, ignore_errors=True)
