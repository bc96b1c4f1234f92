"""The differential test through the real front end: random expression *texts* with units
(minutes and hours and seconds, VND, percent), parsed, unit-checked and lowered by the pack
builder, then evaluated on the traced, folded and array backends over random rows."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

import difftest
import pytest

from normkit.api import load

PACK = Path(__file__).parent / "diff-pack" / "pack.yaml"
AT = dt.date(2024, 1, 1)
CHECKED: Counter[str] = Counter()


class TextGen:
    """Random well-typed expression text; ``num`` kinds are ``money`` (VND), ``time`` (minutes) and ``plain``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, *options: Any) -> Any:
        return self.rng.choice(options)

    def choose(self, *options: Any) -> str:
        """One of the option makers, called: only the chosen subtree is generated."""
        return str(self.rng.choice(options)())

    def expr(self, kind: str, depth: int) -> str:
        if depth <= 0 or self.rng.random() < 0.15:
            return self.leaf(kind)
        d = depth - 1
        return getattr(self, kind)(d)

    def leaf(self, kind: str) -> str:
        return self.pick(*{
            "money": ["x", "y", "rate", "line[area]", "total", "bonus", "1500 VND", "grid[area, n]", "0 VND"],
            "time": ["mins", "2 hour", "90 second", "1.5 minute", "0 minute"],
            "plain": ["n", "half", "17%", "score[n]", "share", "nil", "3", "0.001", "huge"],
            "bool": ["flag", "bigger", "true", 'area == "urban"', 'kind != "up"'],
            "text": ["area", '"rural"', "kind", "word[area]"],
        }[kind])

    def money(self, d: int) -> str:
        m, p, b = (lambda: self.expr("money", d)), (lambda: self.expr("plain", d)), (lambda: self.expr("bool", d))
        return self.choose(
            lambda: f"({m()} + {m()})", lambda: f"({m()} - {m()})", lambda: f"({m()} * {p()})", lambda: f"({p()} * {m()})", lambda: f"({m()} / {p()})",
            lambda: f"min({m()}, {m()})", lambda: f"max({m()}, {m()}, {m()})", lambda: f"abs({m()})", lambda: f"(-{m()})",
            lambda: f"round({m()}, {self.pick('1000', '1', '0', '-5', '0.5', 'nil', 'half')}, {self.pick('half_up', 'half_even', 'floor', 'ceiling', 'down', 'up', 'half_down')})",
            lambda: f"(if {b()} then {m()} else {m()})", lambda: f"line[{self.expr('text', d)}]", lambda: f"({m()} * {self.expr('time', d)} / 1 hour)",
        )

    def time(self, d: int) -> str:
        t, p = (lambda: self.expr("time", d)), (lambda: self.expr("plain", d))
        return self.choose(lambda: f"({t()} + {t()})", lambda: f"({t()} - {t()})", lambda: f"({t()} * {p()})", lambda: f"max({t()}, 1 hour)", lambda: f"min({t()}, 30 second)",
                         lambda: f"round({t()}, 1 hour, half_up)", lambda: f"round({t()}, 15, down)", lambda: f"(if {self.expr('bool', d)} then {t()} else {t()})")

    def plain(self, d: int) -> str:
        p, m, t = (lambda: self.expr("plain", d)), (lambda: self.expr("money", d)), (lambda: self.expr("time", d))
        return self.choose(lambda: f"({p()} + {p()})", lambda: f"({p()} * {p()})", lambda: f"({p()} / {p()})", lambda: f"({m()} / {m()})", lambda: f"({t()} / {t()})",
                         lambda: f"({t()} / 1 hour)", lambda: f"score[{p()}]", lambda: f"round({p()}, 0.01, half_even)", lambda: f"abs({p()})")

    def bool(self, d: int) -> str:
        m, t, b = (lambda: self.expr("money", d)), (lambda: self.expr("time", d)), (lambda: self.expr("bool", d))
        op = self.pick("<", "<=", ">", ">=", "==", "!=")
        return self.choose(lambda: f"({m()} {op} {m()})", lambda: f"({t()} {op} {t()})", lambda: f"(not {b()})", lambda: f"({b()} and {b()})", lambda: f"({b()} or {b()})",
                         lambda: f"({self.expr('text', d)} == {self.expr('text', d)})")

    def text(self, d: int) -> str:
        return self.choose(lambda: f"(if {self.expr('bool', d)} then {self.expr('text', d)} else {self.expr('text', d)})",
                         lambda: f"word[{self.expr('text', d)}]", lambda: '"coast"')


DECLARED = {"money": "unit: VND", "time": "unit: minute", "plain": "unit: '1'", "bool": "type: bool", "text": "type: text"}


def write_pack(tmp: Path, seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    gen = TextGen(rng)
    lines, names = [], []
    for i in range(count):
        kind = rng.choice(["money", "money", "time", "plain", "bool", "text"])
        text = gen.expr(kind, 5).replace("'", "''")
        lines.append(f"  gen_{i}: {{label: {{vi: g{i}, en: g{i}}}, {DECLARED[kind]}, expr: '{text}'}}")
        names.append(f"gen_{i}")
    pack = PACK.read_text(encoding="utf-8").replace("adjustments:\n", "\n".join(lines) + "\nadjustments:\n", 1)
    (tmp / "pack.yaml").write_text(pack, encoding="utf-8")
    return names


def random_rows(rng: random.Random, n: int) -> list[dict[str, Any]]:
    def number() -> int:
        return rng.choice([0, 1, 2, 3, -2, 1500000, 2000000, 10**17, 7])

    return [{"x": number(), "y": number(), "n": rng.choice([0, 1, 2, 3, 4]), "mins": rng.choice([0, 30, 60, 90, 125, 10**9]),
             "area": rng.choice(["rural", "urban", "coast", "rural", "urban", "mountain"]), "flag": rng.random() < 0.5}
            for _ in range(n)]


@pytest.mark.parametrize("seed", range(4))
def test_checked_expressions_agree_on_three_backends(tmp_path: Path, seed: int) -> None:
    names = write_pack(tmp_path, seed, 40)
    rs = load(tmp_path, use_cache=False)
    rows = random_rows(random.Random(seed), 12)
    for name in names:
        traced = difftest.traced(rs, name, AT, rows)
        assert traced == difftest.folded(rs, name, AT, rows) == difftest.vector(rs, name, AT, rows), \
            f"{name}: {rs.compiled.formulas[name].text}"
        CHECKED.update("ok" if a[0] == "ok" else a[1] for a in traced)
