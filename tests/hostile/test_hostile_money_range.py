"""Money beyond the exact range (issue 10): a 35-digit `--set base_salary=` gave exit 0, a total
in exponent notation and subtotals that did not add up (the table crashed, exit 3), and the
server answered 200. Every money result is now exact or NK502, checked where amounts are
produced: line rates and amounts, extras, item subtotals and totals, the quote's totals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal, localcontext

import pytest
from hostilekit import expect_error
from normkit_testpaths import EXAMPLES, ROOT

from normkit.media.pricing import EXACT_DIGITS, in_exact_range

ORDER = EXAMPLES / "orders" / "tv-bulletins.yaml"
PROVINCE = EXAMPLES / "packs" / "example-province"
SALARY_35 = "1234567890123456789012345678901234"  # 34 digits: 35 significant digits are refused when read (NK114)
RANGE = (f"is beyond the exact range for money (at most {EXACT_DIGITS} digits down to the rounding quantum; "
         "normkit computes with 34 significant digits); the amount cannot be computed to the đồng")
RATE_MESSAGE = ("item tv-bulletin (01.03.01.50.10), line am_thanh_vien_III: the rate 224747472724747474545202020181792.8 " + RANGE)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NORMKIT_CACHE_DIR": os.environ.get("NORMKIT_CACHE_DIR", "")}
    return subprocess.run([sys.executable, "-m", "normkit", *args], capture_output=True, text=True, timeout=60, env=env)


def test_the_exact_range_for_money():
    one = Decimal(1)
    assert in_exact_range(Decimal("9" * 32), one) and in_exact_range(Decimal(0), one) and in_exact_range(Decimal("-1E+31"), one)
    assert not in_exact_range(Decimal(10) ** 32, one) and not in_exact_range(Decimal("1.499200491557700503701224595824668E+34"), one)
    assert in_exact_range(Decimal("1E+33"), Decimal(1000)) and not in_exact_range(Decimal("1E+31"), Decimal("0.1"))


def test_35_digit_base_salary_is_nk502_through_the_api():
    import normkit

    e = expect_error("base salary of 35 digits", lambda: normkit.quote(ORDER, pack=PROVINCE, overrides={"base_salary": SALARY_35}), "NK502",
                     seconds=30)  # the first call here also compiles the pack
    assert e.message == RATE_MESSAGE
    assert (e.location.path, e.location.line, e.location.column) == ("items[0]", 9, 5)


def test_35_significant_digits_are_refused_when_read():
    """A 35-digit value cannot be held exactly: the one input layer refuses it before any pricing."""
    import normkit

    e = expect_error("base salary of 35 digits", lambda: normkit.quote(ORDER, pack=PROVINCE, overrides={"base_salary": SALARY_35 + "5"}), "NK114")
    assert e.message == ("base_salary: '12345678901234567890123456789012345' is out of range: a number has at most 34 digits "
                         "and lies between 10^-60 and 10^60 in size")
    assert e.location.path == "set.base_salary"


def test_a_subtotal_or_total_beyond_the_range_is_nk502_even_when_each_line_is_in_it():
    """Each line below 10^32 đồng, the item's subtotal above it; then two items each below it, the order's total above."""
    import normkit

    e = expect_error("item subtotal above 10^32", lambda: normkit.quote(ORDER, pack=PROVINCE, overrides={"base_salary": "9" + "0" * 31}), "NK502")
    # one bulletin is within the range; its amount × 3 bulletins (the one-unit rule) is not
    assert e.message == "item tv-bulletin (01.03.01.50.10): the one-unit amount 41774532975000000000000000692576 × the quantity 3 " + RANGE
    assert e.location.path == "items[0].quantity"
    two = {"id": "EX2", "date": "2024-09-15", "items": [{"id": "a", "norm": "01.03.01.50.10", "quantity": 3},
                                                       {"id": "b", "norm": "01.03.01.50.10", "quantity": 3}]}
    e = expect_error("order total above 10^32", lambda: normkit.quote(two, pack=PROVINCE, overrides={"base_salary": "6" + "0" * 31}), "NK502")
    assert e.message == "order EX2: a subtotal or the total " + RANGE
    assert e.location.path == "items"
    # inside the range: exact, no exponent, the subtotals add up to the total
    q = normkit.quote(ORDER, pack=PROVINCE, overrides={"base_salary": "5" + "0" * 30})
    with localcontext(prec=60):  # the test's own sums, exact (the default context keeps 28 digits)
        assert q.total == sum(q.subtotals.values()) == sum(i.total for i in q.items)
    assert q.total == q.total.to_integral_value() and "E" not in str(q.total) and q.total.adjusted() == 30


@pytest.mark.parametrize("json_out", [False, True], ids=["table", "json"])
def test_cli_price_with_a_35_digit_base_salary_exits_1_with_nk502(json_out):
    r = _cli("price", str(ORDER), "--pack", str(PROVINCE), "--set", f"base_salary={SALARY_35}", *(["--json"] if json_out else []))
    assert r.returncode == 1, r.stdout[-500:] + r.stderr[-2000:]
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    if json_out:
        err = json.loads(r.stdout or r.stderr)["error"]
        assert (err["code"], err["message"], err["path"]) == ("NK502", RATE_MESSAGE, "items[0]")
    else:
        assert "NK502" in r.stderr and "E+3" not in r.stdout


def test_service_answers_422_nk502_for_a_35_digit_base_salary(monkeypatch):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from normkit.server.app import create_app

    monkeypatch.setenv("NORMKIT_PATH", str(EXAMPLES / "packs"))
    order = {"id": "EX", "date": "2024-09-15", "items": [{"id": "tv-bulletin", "norm": "01.03.01.50.10", "quantity": 3}]}
    client = TestClient(create_app())
    r = client.post("/v1/quote", json={"pack": "example-province", "order": order, "overrides": {"base_salary": SALARY_35}})
    assert r.status_code == 422
    assert (r.json()["error"]["code"], r.json()["error"]["message"]) == ("NK502", RATE_MESSAGE)
    r = client.post("/v1/quote", json={"pack": "example-province", "order": order})
    assert r.status_code == 200 and r.json()["total"] == "5336124"  # the example order since broadcaster II is on A2.2 (TT 30/2020 Art. 5)
