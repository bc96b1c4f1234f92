"""The convention setting (``--convention vi|en``, ``NORMKIT_CONVENTION``, ``text.reading_convention``):
a text with two readings is read per the chosen convention instead of NK111."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from normkit.core.errors import NormkitError
from normkit.core.io.text import CONVENTION, read_cell, read_money, read_number, reading_convention

ROOT = Path(__file__).resolve().parents[2]


def test_the_chosen_convention_settles_a_single_group_and_is_restored() -> None:
    with pytest.raises(NormkitError) as e:
        read_number("1.234")
    assert e.value.code == "NK111"
    token = reading_convention("vi")
    try:
        assert (read_number("1.234"), read_number("1,234"), read_cell("3,000")) == (Decimal(1234), Decimal("1.234"), Decimal(3))
        assert read_number("1.234", convention="en") == Decimal("1.234")  # an explicit convention wins (pack files: en)
        assert read_money("1,234") == Decimal(1234)  # money: a decimal reading is never whole đồng, whatever the convention
        with pytest.raises(NormkitError) as e:
            read_money("1,5")
        assert e.value.code == "NK113"
    finally:
        CONVENTION.reset(token)
    token = reading_convention("en")
    try:
        assert (read_number("1.234"), read_number("1,234")) == (Decimal("1.234"), Decimal(1234))
        assert read_number("5.358.000") == Decimal(5358000)  # one reading: the same in every convention
    finally:
        CONVENTION.reset(token)
    assert CONVENTION.get() is None
    with pytest.raises(ValueError) as v:
        reading_convention("fr")  # type: ignore[arg-type]
    assert str(v.value) == "'fr' is not a convention (vi or en)"


def _budget(tmp_path: Path) -> Path:
    text = (ROOT / "examples" / "budgets" / "clean-2024.csv").read_text(encoding="utf-8")
    text = text.replace("../packs/example-province", str(ROOT / "examples" / "packs" / "example-province"))
    line = next(x for x in text.splitlines() if x.startswith("1,01.03.01.50.10,"))
    cells = line.split(",")
    assert cells[3] == "3"
    cells[3] = '"3,000"'
    p = tmp_path / "b.csv"
    p.write_text(text.replace(line, ",".join(cells)), encoding="utf-8")
    return p


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    e = {k: v for k, v in os.environ.items() if k != "NORMKIT_CONVENTION"}
    e["PYTHONPATH"] = str(ROOT)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "normkit", *args], capture_output=True, text=True, env=e, cwd=ROOT, check=False)


def test_cli_convention_option_and_environment(tmp_path: Path) -> None:
    p = _budget(tmp_path)
    r = _run(["check", str(p), "--json"])
    assert r.returncode == 1  # check reads row by row: the row that cannot be read is a finding (BK501), the budget fails
    found = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "BK501"]
    assert [(f["line"], f["details"]["row"], f["message"]) for f in found] == [
        (1, "8", "row 8, column 4: Số lượng / quantity: '3,000' is ambiguous: 3.000 as Vietnamese writes numbers, 3000 as English does")]
    quantities = {}
    for how, extra, env in (("vi", ["--convention", "vi"], None), ("en", [], {"NORMKIT_CONVENTION": "en"}),
                            ("both", ["--convention", "vi"], {"NORMKIT_CONVENTION": "en"})):
        r = _run(["check", str(p), "--json", *extra], env)
        assert r.returncode in (0, 1), r.stderr
        report = json.loads(r.stdout)
        quantities[how] = report["lines"][0]["quantity"]
    assert quantities == {"vi": "3.000", "en": "3000", "both": "3.000"}  # the option wins over the environment
    r = _run(["check", str(p)], {"NORMKIT_CONVENTION": "xx"})
    assert (r.returncode, r.stderr.strip()) == (2, "normkit: error: NORMKIT_CONVENTION=xx is not a convention (choose from 'vi', 'en')")
