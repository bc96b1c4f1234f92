"""Fuzz orders, overlays and --set values against the illustrative province pack and the tiny
test pack: hostile quantities, amounts, dates, inputs, norm codes and files."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
import yaml
from fuzzkit import fuzz_settings, must_be_clean
from hypothesis import given
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES, FIXTURES, ROOT

NORMS = ["01.03.01.50.10", "99.00.00.00.01", "13.20.20.00.00", "01.03", "", "x" * 70, "01.03.01.50.10 ", "01..03", "ho\u0323"]
DATES = [dt.date(2024, 7, 1), dt.date(2019, 7, 1), dt.date(2019, 6, 30), dt.date(9999, 12, 31), dt.date(1, 1, 1),
         "2024-02-30", "9999-12-31", "10000-01-01", "yesterday", 20240701, None]
AMOUNTS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1e30", "-1", "0", "-0", "1e-40", "NaN", "Infinity", "-inf", "sNaN", "1e999999", "3", "2.5", "abc", "",
                     "1e30 VND", "10 minute", "5 workday", "1,5", "1.5.5", "١٢", "\u0661", True, None, [], {}]),
    st.integers(min_value=-10**40, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
)
INPUT_NAMES = ["duration", "language", "edited_share", "override_reason", "x", "__class__", "ho\u0323", "1bad", ""]

item = st.fixed_dictionaries(
    {"norm": st.sampled_from(NORMS)},
    optional={"quantity": AMOUNTS, "id": st.text(max_size=10), "label": st.text(max_size=10),
              "inputs": st.dictionaries(st.sampled_from(INPUT_NAMES), st.one_of(AMOUNTS, st.sampled_from(["vi", "ethnic", "ET\u0301HNIC"])), max_size=3)},
)
order = st.fixed_dictionaries(
    {"id": st.text(max_size=20), "date": st.sampled_from(DATES), "items": st.lists(item, max_size=4)},
    optional={"at": st.sampled_from(DATES), "inputs": st.dictionaries(st.sampled_from(INPUT_NAMES), AMOUNTS, max_size=2),
              "normkit_order": st.sampled_from([1, 2, "1", None]), "title": st.text(max_size=10),
              "extra_field": st.text(max_size=3)},
)

# plausible orders: the right shape, with one or two hostile values inside
GOOD_DATES = [dt.date(2024, 7, 1), dt.date(2023, 7, 1), dt.date(2019, 7, 1), dt.date(2030, 12, 31), dt.date(9999, 12, 31)]
QUANTITY = st.one_of(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3),
                     st.integers(1, 10**6), AMOUNTS)
INPUT_VALUE = st.one_of(st.sampled_from(["vi", "ethnic", "10 minute", "90 s", "17%", "0.17", "5 minute", "1e3 minute", "-1 minute",
                                         "1e61 minute", "20", "yes", "reason: urgent", "họ"]), AMOUNTS)
plausible_item = st.fixed_dictionaries(
    {"norm": st.sampled_from(["01.03.01.50.10", "99.00.00.00.01", "13.20.20.00.00"]), "quantity": QUANTITY},
    optional={"inputs": st.dictionaries(st.sampled_from(["duration", "language", "edited_share", "override_reason", "x"]),
                                        INPUT_VALUE, max_size=2)})
plausible_order = st.fixed_dictionaries(
    {"id": st.just("o"), "date": st.sampled_from(GOOD_DATES), "items": st.lists(plausible_item, min_size=1, max_size=4)},
    optional={"inputs": st.dictionaries(st.sampled_from(INPUT_NAMES[:4]), INPUT_VALUE, max_size=2)})
order = st.one_of(plausible_order, plausible_order, order)


@pytest.fixture(scope="module")
def province():
    from normkit.api import load
    return load(EXAMPLES / "packs" / "example-province")


@pytest.fixture(scope="module")
def tiny():
    from normkit.api import load
    return load(FIXTURES / "packs" / "tiny", use_cache=False)


@fuzz_settings(200)
@given(order)
def test_fuzz_order_data(province, tiny, data: dict) -> None:
    for rules in (province, tiny):
        def run(rules: Any = rules) -> Any:  # bound now (must_be_clean calls it at once, but say so)
            q = rules.quote(data)
            q.to_json(trace=True)  # the trace and JSON of any priced quote render
            return q
        result = must_be_clean("order.data", run)
        if not isinstance(result, Exception):
            assert result.total >= 0 or any(line.amount < 0 for line in result.lines)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", str(v)))


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return Decimal(repr(v)) if v == v and abs(v) != float("inf") else str(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


@fuzz_settings(100)
@given(order, st.sampled_from(["yaml", "json", "nfd", "bom", "utf16", "truncate"]), st.floats(0, 1))
def test_fuzz_order_file(tmp_path_factory, province, data: dict, form: str, cut: float) -> None:
    from normkit.media.orders import load_order

    data = _plain(data)
    folder = tmp_path_factory.mktemp("order")
    path = folder / ("order.json" if form == "json" else "order.yaml")
    text = json.dumps(data, default=str, ensure_ascii=False) if form == "json" else yaml.dump(data, Dumper=_Dumper, allow_unicode=True)
    raw = {"nfd": unicodedata.normalize("NFD", text).encode(), "bom": b"\xef\xbb\xbf" + text.encode(),
           "utf16": text.encode("utf-16")}.get(form, text.encode())
    if form == "truncate":
        raw = raw[: int(len(raw) * cut)]
    path.write_bytes(raw)
    must_be_clean("order.file", lambda: province.quote(load_order(path)), located=True)


@pytest.fixture(scope="module")
def wages():
    from normkit.api import load
    return load(EXAMPLES / "packs" / "example-province")


SET_NAMES = ["base_salary", "working_days_per_month", "overhead_rate", "day_rate", "nope", "ho\u0323", "", "language_factor"]


@fuzz_settings(150)
@given(st.dictionaries(st.sampled_from(SET_NAMES), st.one_of(AMOUNTS, st.sampled_from(
    ["2340000 VND/month", "1e30 VND/month", "-1 VND/month", "5 workday", "12%", "1e30%", "NaN VND/month", "1 VND/VND"])), max_size=3))
def test_fuzz_overrides(province, sets: dict) -> None:
    order = EXAMPLES / "orders" / "tv-bulletins.yaml"

    def run() -> Any:
        return province.with_overrides({k: (v if isinstance(v, (str, Decimal, int, bool)) else str(v)) for k, v in sets.items()}).quote(order)
    must_be_clean("order.overrides", run)


@fuzz_settings(60)
@given(st.fixed_dictionaries({"set": st.dictionaries(st.sampled_from(SET_NAMES), AMOUNTS, max_size=3)},
                             optional={"normkit_overlay": st.sampled_from([1, 2]), "label": st.text(max_size=5)}))
def test_fuzz_overlay_file(tmp_path_factory, province, data: dict) -> None:
    from normkit.media.orders import load_overlay

    folder = tmp_path_factory.mktemp("overlay")
    path = folder / "overlay.yaml"
    path.write_text(yaml.dump(_plain(data), Dumper=_Dumper, allow_unicode=True), encoding="utf-8")
    must_be_clean("order.overlay", lambda: province.with_overlay(load_overlay(path)).quote(EXAMPLES / "orders" / "tv-bulletins.yaml"))


HOSTILE_FILES = [
    b"items: [" * 200,
    b"a: &x [1]\nb: *x\n",
    b"\xff\xfe\x00garbage",
    b"id: x\ndate: 9999-12-31\nitems: [{norm: '01.03.01.50.10', quantity: 1e30}]\n",
    b"id: x\ndate: 2024-07-01\nitems: [{norm: '01.03.01.50.10', quantity: .nan}]\n",
]


@pytest.mark.parametrize("content", HOSTILE_FILES, ids=["deep", "alias", "binary", "1e30-in-9999", "nan"])
def test_fuzz_cli_price_hostile_order_exits_1_without_traceback(tmp_path, content: bytes) -> None:
    path = tmp_path / "order.yaml"
    path.write_bytes(content)
    pack = EXAMPLES / "packs" / "example-province"
    r = subprocess.run([sys.executable, "-m", "normkit", "price", str(path), "--pack", str(pack)], capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert "NK" in r.stderr
