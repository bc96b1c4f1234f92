"""A provincial norm above the national maximum stops pricing and budget checks with the NK209
error ``lint`` reports (issue 10: `price` used to quote 48,709,411 with it, and a budget of
48,000,000 passed against a national ceiling of 1,786,580)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, ROOT

from normkit.api import load
from normkit.budget.checking import check
from normkit.core.errors import NormkitError

NORM = "01.03.01.50.10"
MESSAGE = (f"norm {NORM} (too-generous): labour bien_dich_vien_III is 99 workday, above the national maximum 0.99 workday "
           "(vn-tv-03-2018)")


def _generous(tmp_path: Path) -> Path:
    """The example province, with a bulletin whose translator line is 100× the national norm."""
    pack = tmp_path / "too-generous"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "normkit: 1\nid: too-generous\ntitle: {vi: t, en: t}\nversion: '1'\njurisdiction: test\nstatus: test\n"
        f"valid: {{from: 2019-07-01}}\nextends: [{EXAMPLES / 'packs' / 'example-province'}]\n"
        f"norms:\n  \"{NORM}\":\n    name: {{vi: 'Bản tin', en: Bulletin}}\n    lines:\n"
        "      - {component: labour, resource: bien_dich_vien_III, label: {vi: a, en: a}, quantity: 99 workday, scale: A1, step: 4}\n",
        encoding="utf-8")
    return pack


def _order(tmp_path: Path, pack: Path) -> Path:
    order = tmp_path / "order.yaml"
    order.write_text(f"normkit_order: 1\nid: o\ndate: 2024-09-15\npacks: [{pack}]\nitems:\n  - {{norm: '{NORM}', quantity: 1}}\n", encoding="utf-8")
    return order


def test_pricing_with_a_norm_above_the_national_maximum_is_nk209(tmp_path: Path) -> None:
    pack = _generous(tmp_path)
    rules = load(pack, use_cache=False)
    with pytest.raises(NormkitError) as err:
        rules.quote(_order(tmp_path, pack))
    assert (err.value.code, err.value.message) == ("NK209", MESSAGE)
    assert err.value.location is not None and (err.value.location.line, err.value.location.column) == (13, 9)


def test_a_budget_checked_against_such_a_pack_is_refused_too(tmp_path: Path) -> None:
    pack = _generous(tmp_path)
    budget = {"normkit_budget": 1, "id": "b", "kind": "budget", "date": "2024-09-15", "total": 48000000,
              "lines": [{"ref": "1", "product": NORM, "quantity": 1, "unit_price": 48000000, "amount": 48000000}]}
    with pytest.raises(NormkitError) as err:
        check(budget, rules=load(pack, use_cache=False))
    assert (err.value.code, err.value.message) == ("NK209", MESSAGE)


def test_the_cli_says_nk209_with_exit_1(tmp_path: Path) -> None:
    pack = _generous(tmp_path)
    r = subprocess.run([sys.executable, "-m", "normkit", "price", str(_order(tmp_path, pack)), "--json", "--no-cache"],
                       check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and r.stdout == ""
    error = json.loads(r.stderr)["error"]
    assert (error["code"], error["message"]) == ("NK209", MESSAGE)


def test_a_pack_within_the_ceilings_still_prices() -> None:
    q = load(EXAMPLES / "packs" / "example-province").quote(EXAMPLES / "orders" / "tv-bulletins.yaml")
    assert q.total > 0
