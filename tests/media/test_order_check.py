"""The plain order check (normkit/media/order_check.py) against pydantic's ``Order`` model.

The check may only accept what the model accepts, with the same values (types included); every
other document goes to the model, so the errors are the model's, unchanged. The reference is
what ``load_order`` did before the check existed: ``validate(Order, read_order_values(data))``.
"""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from normkit_testpaths import EXAMPLES

from normkit.core.errors import Location, NormkitError
from normkit.core.io.yaml import SourceMap
from normkit.core.loader import validate
from normkit.media import order_check
from normkit.media.order_check import CheckedItem, CheckedOrder, checked_order, read_order_values
from normkit.media.orders import load_order, order_from_data
from normkit.media.schema import Order as OrderModel
from normkit.media.schema import OrderItem as ItemModel

ORDER_FIELDS = tuple(OrderModel.model_fields)
ITEM_FIELDS = tuple(ItemModel.model_fields)


def shape(v: Any) -> Any:
    """A value with its type spelled out: Decimal('3.50') is not Decimal('3.5'), 1 is not True."""
    if isinstance(v, order_check.OrderItem):
        return ("item", [(f, shape(getattr(v, f))) for f in ITEM_FIELDS])
    if isinstance(v, order_check.Order):
        return ("order", [(f, shape(getattr(v, f))) for f in ORDER_FIELDS])
    if isinstance(v, Decimal):
        return (type(v).__name__, str(v))
    if isinstance(v, dict):
        return ("dict", [(shape(k), shape(x)) for k, x in v.items()])
    if isinstance(v, list):
        return ("list", [shape(x) for x in v])
    if isinstance(v, dt.date):
        return (type(v).__name__, v.isoformat())
    return (type(v).__name__, v)


def reference(data: dict[str, Any]) -> tuple[str, Any]:
    """The model's verdict: ("ok", the Order) or ("error", (code, message, location))."""
    smap = SourceMap("<order>")
    try:
        return "ok", validate(OrderModel, read_order_values(copy.deepcopy(data), smap.locate), smap)
    except NormkitError as e:
        return "error", (e.code, e.message, str(e.location), [(s.code, s.message, str(s.location)) for s in getattr(e, "errors", [])])


def fast(data: dict[str, Any]) -> CheckedOrder | None:
    try:
        values = read_order_values(copy.deepcopy(data), SourceMap("<order>").locate)
    except NormkitError:
        return None
    return checked_order(values)


# ---- generated documents ----------------------------------------------------------------------

LENGTHS = [0, 1, 59, 60, 61, 79, 80, 81, 199, 200, 201, 1999, 2000, 2001]
odd_text = st.sampled_from(["", " ", "\ud800", "a\ud800b", "\x00", "é", "\u0301", "𝔘", "\n", "a\n", "true", "không", "3", "3,5",
                            "1.234", "1e5", "NaN", "15/09/2024", "2024-09-15", "2024-02-30", "01.03.01.50.10"])
long_text = st.builds(lambda c, n: c * n, st.sampled_from(["x", "7", "é", "𝔘"]), st.sampled_from(LENGTHS))
texts = st.one_of(st.text(max_size=12), odd_text, long_text)
numbers = st.one_of(
    st.integers(), st.integers(-(10**40), 10**40), st.sampled_from([0, 1, -1, 2**63, -(2**63) - 1]),
    st.decimals(allow_nan=True, allow_infinity=True), st.decimals(places=2, min_value=-(10**6), max_value=10**6),
    st.sampled_from([Decimal("3.50"), Decimal("-0"), Decimal("1E+5"), Decimal("0E-7"), Decimal("sNaN"), Decimal(1)]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.booleans(), numbers, texts, st.none(), st.dates(), st.datetimes(), st.just([1]), st.just({"a": 1}), st.just(b"ab"))
words = st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
                  st.sampled_from(["thời_lượng", "ａ", "a\u0301", "1a", "a-b", "a\n", "", "_", "a" * 80, "a" * 81, "é" * 81]),
                  st.integers(0, 3))
input_maps = st.dictionaries(words, st.one_of(st.booleans(), numbers, texts, scalars), max_size=4)
norm_codes = st.one_of(st.from_regex(r"[0-9A-Za-z_]{1,4}([.-][0-9A-Za-z_]{1,4}){0,5}", fullmatch=True),
                       st.sampled_from(["01.03.01.50.10", "13.20.20.00.00-edited", "01.02\n", "a..b", ".a", "é", "a" * 60, "a" * 61, ""]),
                       scalars)
quantities = st.one_of(numbers, st.sampled_from(["3,5", "3.5", "1.234", "1.234,5", "abc", "", " 2 ", "1e5"]), st.booleans(), st.none())
dates = st.one_of(st.dates(), st.datetimes(), st.sampled_from(["15/09/2024", "2024-09-15", "31/02/2024", "x", "", 20240915]), st.none())
ids = st.one_of(texts, st.none(), st.integers(0, 9))


@st.composite
def items(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(scalars)  # not a mapping
    item: dict[Any, Any] = {}
    for key, values, chance in (("norm", norm_codes, 9), ("id", ids, 5), ("quantity", quantities, 7), ("label", texts | st.none(), 3),
                                ("inputs", input_maps | scalars, 4)):
        if draw(st.integers(0, 9)) < chance:
            item[key] = draw(values)
    if draw(st.integers(0, 14)) == 0:
        item[draw(st.sampled_from(["extra", "Norm", "_source_map", 1]))] = 1
    return item


@st.composite
def orders(draw: st.DrawFn) -> dict[Any, Any]:
    doc: dict[Any, Any] = {}
    for key, values, chance in (("normkit_order", st.sampled_from([1, True, 1.0, "1", 2, Decimal(1), None]), 3),
                                ("id", ids, 9), ("title", texts | st.none(), 3), ("date", dates, 9), ("at", dates, 3),
                                ("packs", st.lists(texts | st.none(), max_size=3) | scalars, 3), ("inputs", input_maps | scalars, 4),
                                ("items", st.lists(items(), max_size=4) | scalars, 9)):
        if draw(st.integers(0, 9)) < chance:
            doc[key] = draw(values)
    if draw(st.integers(0, 14)) == 0:
        doc[draw(st.sampled_from(["extra", "ID", "_source_map", 7]))] = 1
    return doc


plain_values = st.one_of(st.booleans(), st.integers(), st.decimals(allow_nan=False, allow_infinity=False), st.text(max_size=5), odd_text, long_text)
plain_maps = st.dictionaries(st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), st.sampled_from(["a" * 80, "a" * 81])),
                             plain_values, max_size=3)


def plain_item() -> st.SearchStrategy[dict[str, Any]]:
    """Items that are mostly valid: the accepting side gets exercised too."""
    return st.fixed_dictionaries({"norm": st.sampled_from(["01.03.01.50.10", "13.20.20.00.00-edited", "A-1"])},
                                 optional={"id": st.text(max_size=5) | st.none(), "quantity": numbers | st.sampled_from(["3,5", "2"]),
                                           "label": st.text(max_size=5) | odd_text | long_text, "inputs": plain_maps})


def plain_orders() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"id": st.text(max_size=6), "date": st.dates() | st.sampled_from(["15/09/2024"]),
                                  "items": st.lists(plain_item(), min_size=1, max_size=3)},
                                 optional={"normkit_order": st.just(1), "title": st.text(max_size=5) | st.none(),
                                           "at": st.dates() | st.none(), "packs": st.lists(st.text(max_size=5), max_size=2),
                                           "inputs": plain_maps})


def compare(data: dict[str, Any]) -> str:
    """Check (a) and (b) on ``data``; what happened, for the statistics."""
    verdict, ref = reference(data)
    got = fast(data)
    if got is not None:
        # (a) the check accepts only what the model accepts, with equal values and types
        assert verdict == "ok", (data, ref)
        assert shape(got) == shape(ref)
        assert type(got.items[0]) is CheckedItem
    if verdict == "error":
        # (b) what the model rejects, the check does not accept: the user sees the model's errors
        assert got is None
        with pytest.raises(NormkitError) as e:
            order_from_data(copy.deepcopy(data))
        err = e.value
        assert (err.code, err.message, str(err.location), [(s.code, s.message, str(s.location)) for s in getattr(err, "errors", [])]) == ref
    else:
        assert shape(order_from_data(copy.deepcopy(data))) == shape(ref)
    return f"model {verdict}, check {'accepts' if got is not None else 'defers'}"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders())
def test_the_check_accepts_only_what_the_model_accepts_with_the_same_values(data: dict[str, Any]) -> None:
    event(compare(data))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_orders())
def test_the_same_on_mostly_valid_orders(data: dict[str, Any]) -> None:
    event(compare(data))


# ---- exact values -------------------------------------------------------------------------------

BASE: dict[str, Any] = {"id": "O-1", "date": "15/09/2024", "items": [{"norm": "01.03.01.50.10"}]}

# every bound of the model, on both sides, and texts the model cannot read
EDGES: list[tuple[str, dict[str, Any], bool]] = [
    *[(f"order id of {n}", {"id": "x" * n}, n <= 80) for n in (80, 81)],
    *[(f"item id of {n}", {"items": [{"norm": "A", "id": "x" * n}]}, n <= 80) for n in (80, 81)],
    *[(f"norm code of {n}", {"items": [{"norm": "A" * n}]}, n <= 60) for n in (60, 61)],
    *[(f"pack of {n}", {"packs": ["p" * n]}, n <= 200) for n in (200, 201)],
    *[(f"title of {n}", {"title": "é" * n}, n <= 2000) for n in (2000, 2001)],
    *[(f"label of {n}", {"items": [{"norm": "A", "label": "𝔘" * n}]}, n <= 2000) for n in (2000, 2001)],
    *[(f"input text of {n}", {"inputs": {"a": "x" * n}}, n <= 2000) for n in (2000, 2001)],
    *[(f"input name of {n}", {"inputs": {"a" * n: 1}}, n <= 80) for n in (80, 81)],
    *[(f"item input name of {n}", {"items": [{"norm": "A", "inputs": {"_" * n: True}}]}, n <= 80) for n in (80, 81)],
    ("a lone surrogate in a title", {"title": "a\ud800"}, False),
    ("a lone surrogate in an input", {"inputs": {"a": "\udfff"}}, False),
    ("a lone surrogate in a pack", {"packs": ["\ud800"]}, False),
    ("a newline after a norm code", {"items": [{"norm": "A.1\n"}]}, False),
    ("a newline after an input name", {"inputs": {"a\n": 1}}, False),
    ("no items", {"items": []}, False),
    ("a NaN quantity", {"items": [{"norm": "A", "quantity": Decimal("NaN")}]}, False),
    ("an infinite input", {"inputs": {"a": Decimal("-Infinity")}}, False),
    ("true as a quantity", {"items": [{"norm": "A", "quantity": True}]}, False),
    ("version 2", {"normkit_order": 2}, False),
    ("an unknown key", {"extra": 1}, False),
    ("an unknown item key", {"items": [{"norm": "A", "extra": 1}]}, False),
    ("a private name as a key", {"_source_map": None}, False),
    ("a huge whole quantity", {"items": [{"norm": "A", "quantity": 10**60}]}, True),
    ("a negative zero", {"items": [{"norm": "A", "quantity": Decimal("-0")}]}, True),
]


@pytest.mark.parametrize(("what", "change", "accepted"), EDGES, ids=[e[0] for e in EDGES])
def test_the_models_bounds_on_both_sides(what: str, change: dict[str, Any], accepted: bool) -> None:
    data = {**BASE, **change}
    assert (reference(data)[0] == "ok") is accepted, what
    assert (fast(data) is not None) is accepted, what
    compare(data)


def test_an_order_of_plain_values_takes_the_check_with_the_models_values() -> None:
    order = order_from_data({**BASE, "at": dt.date(2024, 10, 1), "packs": ["example-province"], "title": "Tiêu đề",
                             "inputs": {"minutes": 10, "rate": Decimal("0.50"), "live": True, "note": "3"},
                             "items": [{"norm": "01.03.01.50.10", "quantity": "3,5", "id": "a", "label": "Bản tin"},
                                       {"norm": "13.20.20.00.00-edited", "quantity": 2, "inputs": {"edited_share": 15}},
                                       {"norm": "A-1"}]})
    assert type(order) is CheckedOrder
    assert (order.normkit_order, order.id, order.title, order.date, order.at, order.packs) == \
        (1, "O-1", "Tiêu đề", dt.date(2024, 9, 15), dt.date(2024, 10, 1), ["example-province"])
    assert shape(order.inputs) == ("dict", [(("str", "minutes"), ("Decimal", "10")), (("str", "rate"), ("Decimal", "0.50")),
                                            (("str", "live"), ("bool", True)), (("str", "note"), ("str", "3"))])
    a, b, c = order.items
    assert (a.id, a.norm, str(a.quantity), a.label, a.inputs) == ("a", "01.03.01.50.10", "3.5", "Bản tin", {})
    assert (b.id, str(b.quantity), b.inputs, type(b.inputs["edited_share"])) == (None, "2", {"edited_share": Decimal(15)}, Decimal)
    assert (c.quantity, type(c.quantity), c.label) == (Decimal(1), Decimal, None)
    assert str(order.locate("items", 1, "norm")) == "items[1].norm"  # no file: the path alone, as the model's


@pytest.mark.parametrize(("change", "why"), [
    ({"inputs": {"thời_lượng": 1}}, "a name that is not ASCII: the model's own pattern decides"),
    ({"items": [{"norm": "01.03.01.50.10", "quantity": 2.5}]}, "a float: the model converts it"),
    ({"date": dt.datetime(2024, 9, 15)}, "a datetime: the model takes its day"),
    ({"title": b"bytes"}, "bytes: the model decodes them"),
    ({"inputs": {"note": "9" * 2001}}, "a text longer than 2,000 characters: the model reads it as a number"),
    ({"normkit_order": True}, "true for the version: the model takes it as 1"),
])
def test_what_the_check_is_not_sure_of_goes_to_the_model(change: dict[str, Any], why: str) -> None:
    data = {**BASE, **change}
    assert fast(data) is None, why
    order = order_from_data(data)
    assert type(order) is OrderModel and order.id == "O-1"
    assert shape(order) == shape(reference(data)[1])


def test_a_long_text_the_model_reads_as_a_number() -> None:
    order = order_from_data({**BASE, "inputs": {"note": "9" * 2001}})
    assert type(order) is OrderModel and order.inputs["note"] == Decimal("9" * 2001)


def test_the_errors_are_the_models(tmp_path: Path) -> None:
    with pytest.raises(NormkitError) as e:
        order_from_data({**BASE, "items": [{"norm": "01.03", "quantity": True}], "colour": "red"})
    assert [(s.code, s.message, str(s.location)) for s in e.value.errors] == [  # type: ignore[attr-defined]
        ("NK201", "Decimal input should be an integer, float, string or Decimal object", "<order> items[0].quantity"),
        ("NK201", "unknown field 'colour'", "<order> colour")]
    f = tmp_path / "order.yaml"
    f.write_text("id: O-1\ndate: 2024-09-15\nitems:\n  - norm: \"01.03\"\n    quantity: 2\n    colour: red\n", encoding="utf-8")
    with pytest.raises(NormkitError) as e:
        load_order(f)
    assert (e.value.code, e.value.message, str(e.value.location)) == ("NK201", "unknown field 'colour'", f"{f}:6:13 items[0].colour")


def test_a_file_order_is_located_in_its_file() -> None:
    path = EXAMPLES / "orders" / "tv-bulletins.yaml"
    order = load_order(path)
    assert type(order) is CheckedOrder
    data, smap = _parsed(path)
    ref = validate(OrderModel, read_order_values(data, smap.locate), smap)
    assert shape(order) == shape(ref)
    loc = order.locate("items", 0, "quantity")
    assert loc.file == str(path) and loc.line is not None and str(loc).endswith("items[0].quantity")
    again = pickle.loads(pickle.dumps(order))  # noqa: S301 (our own bytes)
    assert type(again) is CheckedOrder and again == order and again.locate("items", 0, "quantity") == loc


def _parsed(path: Path) -> tuple[Any, SourceMap]:
    from normkit.core.io.yaml import read_file

    return read_file(path)


def test_the_plain_order_behaves_as_the_frozen_model() -> None:
    order = order_from_data(BASE)
    assert isinstance(order, CheckedOrder) and isinstance(order, order_check.Order)
    assert issubclass(OrderModel, order_check.Order) and issubclass(ItemModel, order_check.OrderItem)
    model = OrderModel.model_validate(BASE)
    assert repr(order) == repr(model)
    assert order == order_from_data(BASE) and order != order.model_copy(update={"id": "O-2"})
    with pytest.raises(AttributeError):
        order.id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(order)
    other = order.model_copy(update={"packs": [], "at": dt.date(2025, 1, 1)})
    assert (other.id, other.at, other.packs, other.items is order.items) == ("O-1", dt.date(2025, 1, 1), [], True)
    deep = order.model_copy(deep=True)
    assert deep == order and deep.items is not order.items
    item = order.items[0].model_copy(update={"quantity": Decimal(2)})
    assert (item.norm, item.quantity, order.items[0].quantity) == ("01.03.01.50.10", Decimal(2), Decimal(1))
    with pytest.raises(AttributeError):
        order.model_copy(update={"colour": "red"})
    assert order.locate("items") == Location(path="items")


def test_a_checked_order_given_where_the_model_is_expected_becomes_the_model() -> None:
    """``QuoteRequest(order=load_order(...))`` and the like: the model validates the checked
    order's fields (the same values) and keeps its file positions."""
    path = EXAMPLES / "orders" / "tv-bulletins.yaml"
    checked = load_order(path)
    assert type(checked) is CheckedOrder
    model = OrderModel.model_validate(checked)
    assert type(model) is OrderModel and type(model.items[0]) is ItemModel
    assert shape(model) == shape(checked)
    assert model.locate("items", 0, "norm") == checked.locate("items", 0, "norm") and model.locate("items").file == str(path)
    item = OrderModel.model_validate({**BASE, "items": [checked.items[0]]}).items[0]
    assert type(item) is ItemModel and shape(item) == shape(checked.items[0])
    with pytest.raises(ValueError, match=r"items\.0\.norm\n  String should match pattern"):  # its fields are checked again
        OrderModel.model_validate({**BASE, "items": [checked.items[0].model_copy(update={"norm": "a..b"})]})
