"""Integer ranges proved at compile time, and the small-integer paths they open (issue 13)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from normkit.core.errors import NormkitError
from normkit.core.lang import ir
from normkit.core.lang.folded import Folder
from normkit.core.lang.ranges import IntRange, int_range, operand_range
from normkit.core.lang.vector import VectorEnv, compile_vector, evaluate_columns
from normkit.poverty.household import classify_household, household_classifier
from normkit.poverty.standards import load_standard


def c(v: int | str) -> ir.Const:
    return ir.Const(Decimal(v))


def flag(name: str, yes: int = 1, no: int = 0) -> ir.If:
    return ir.If(ir.Input(name), c(yes), c(no))


def total(*terms: ir.Node) -> ir.Node:
    out = terms[0]
    for t in terms[1:]:
        out = ir.Arith("add", out, t)
    return out


@pytest.fixture(scope="module")
def std():
    return load_standard(year=2024)


def test_twelve_flags_add_up_to_at_most_twelve():
    tree = total(*(flag(f"f{i}") for i in range(12)))
    assert int_range(tree) == IntRange(0, 12)
    assert int_range(tree).dtype() is np.int8


@pytest.mark.parametrize(("tree", "expected"), [
    (ir.Arith("sub", flag("a"), flag("b", 5, 2)), IntRange(-5, -1)),
    (ir.Arith("mul", flag("a", -3, 2), flag("b", 4, -1)), IntRange(-12, 8)),
    (ir.Neg(flag("a", 7, -2)), IntRange(-7, 2)),
    (ir.Abs(flag("a", -7, 2)), IntRange(0, 7)),  # the interval -7..2 holds 0
    (ir.Abs(flag("a", -7, -2)), IntRange(2, 7)),
    (ir.MinMax("max", (flag("a", 1, 9), c(4))), IntRange(4, 9)),
    (ir.MinMax("min", (flag("a", 1, 9), c(4))), IntRange(1, 4)),
    (c(2**31 - 1), IntRange(2**31 - 1, 2**31 - 1)),
])
def test_interval_arithmetic(tree, expected):
    assert int_range(tree) == expected


@pytest.mark.parametrize("tree", [
    ir.Input("income"),                                   # an input's value is never assumed
    c("0.5"),                                             # not whole
    ir.Arith("div", flag("a"), c(1)),                     # division leaves the whole numbers
    ir.Arith("add", flag("a"), ir.Param("line")),         # a parameter is not a constant of the tree
    ir.Arith("mul", c(2**20), c(2**20)),                  # beyond the small range
    ir.If(ir.Input("a"), c(1), ir.Input("b")),
])
def test_no_range_without_proof(tree):
    assert int_range(tree) is None


def test_operand_range_holds_the_operands_too():
    tree = ir.Arith("sub", c(1000), c(1000))
    assert int_range(tree) == IntRange(0, 0)
    assert operand_range(tree) == IntRange(0, 1000)
    assert operand_range(tree).dtype() is np.int16


def test_range_dtypes():
    assert IntRange(-127, 127).dtype() is np.int8
    assert IntRange(-128, 0).dtype() is np.int16  # abs(-128) does not fit int8
    assert IntRange(0, 40000).dtype() is np.int32


def run(std, tree, columns, n):
    env = VectorEnv(std.rules, std.at, columns, n)
    return compile_vector(tree)(env, lambda: None), env


def test_count_of_flags_in_int8_without_touching_the_input(std):
    cols = {f"f{i}": np.array([True, False, i % 2 == 0]) for i in range(12)}
    before = {k: v.copy() for k, v in cols.items()}
    value, env = run(std, total(*(flag(f"f{i}") for i in range(12))), cols, 3)
    assert value.dtype == np.int8
    assert value.tolist() == [12, 0, 6]
    assert env.errors == []
    assert all(np.array_equal(cols[k], before[k]) for k in cols)


def test_single_flag_is_a_read_only_view(std):
    col = np.array([True, False, True])
    value, _ = run(std, flag("a"), {"a": col}, 3)
    assert value.tolist() == [1, 0, 1]
    assert value.dtype == np.int8 and not value.flags.writeable


def test_small_integers_widen_before_unchecked_arithmetic(std):
    # (0..200 in int16) × an int64 column: NumPy alone would compute in int16 and wrap
    tree = ir.Arith("mul", total(flag("a", 100, 0), flag("b", 100, 0)), ir.Input("x"))
    cols = {"a": np.array([True, True, False]), "b": np.array([True, False, False]),
            "x": np.array([10**17, 3, 5], dtype=np.int64)}
    value, env = run(std, tree, cols, 3)
    assert value.tolist() == [Decimal("20000000000000000000"), 300, 0]
    assert env.errors == []


def test_small_integers_widen_in_a_choice(std):
    tree = ir.If(ir.Input("c"), total(flag("a"), flag("b")), c(1000))
    value, _ = run(std, tree, {"a": np.array([True, True]), "b": np.array([True, False]), "c": np.array([True, False])}, 2)
    assert value.dtype == np.int16  # 0..1000: proved small as a whole
    assert value.tolist() == [2, 1000]
    # one branch unproved (an int64 column): the small branch widens before np.where
    tree = ir.If(ir.Input("c"), total(flag("a"), flag("b")), ir.Input("x"))
    cols = {"a": np.array([True, True]), "b": np.array([True, False]), "c": np.array([True, False]),
            "x": np.array([1, 10**12], dtype=np.int64)}
    value, _ = run(std, tree, cols, 2)
    assert value.dtype == np.int64
    assert value.tolist() == [2, 10**12]


def test_pack_count_is_int8_and_equals_the_sum(std):
    rng = np.random.default_rng(1)
    flags = {i: rng.random(500) < 0.4 for i in std.indicator_ids}
    value, errors = evaluate_columns(std.rules, "indicator_deprivation_count", std.at, flags, 500)
    assert value.dtype == np.int8
    assert np.array_equal(value, np.sum([flags[i] for i in std.indicator_ids], axis=0))
    assert errors == []


def test_folded_small_sum(std):
    folder = Folder(std.rules, std.at)
    count = folder.run("indicator_deprivation_count")
    row = dict.fromkeys(std.indicator_ids, False)
    row[std.indicator_ids[3]] = True
    row[std.indicator_ids[11]] = True
    assert count(row) == 2 and type(count(row)) is int
    del row[std.indicator_ids[5]]
    with pytest.raises(NormkitError) as e:
        count(row)
    assert e.value.code == "NK501"
    assert e.value.message.startswith(f"input `{std.indicator_ids[5]}` (")


def test_folded_sum_of_other_terms_keeps_order_and_value():
    std = load_standard(year=2024)
    folder = Folder(std.rules, std.at)
    a, b = std.indicator_ids[:2]
    fn = folder.compile(total(flag(a, 2, 0), ir.MinMax("max", (flag(b, 1, 9), c(4))), c(-3)))
    assert fn({a: True, b: True}) == 3
    assert fn({a: False, b: False}) == 6


def test_household_flags_fast_path_agrees_with_the_explained_path(std):
    classify = household_classifier(std)
    rng = np.random.default_rng(4)
    for k in range(60):
        h = {"area": "urban" if k % 3 else "rural", "income_per_capita": int(rng.integers(0, 3_500_000))}
        h.update({i: bool(rng.random() < 0.3) for i in std.indicator_ids})
        assert classify(h) == classify_household(h, std=std, method="income", explain=False).status


def test_household_flags_fast_path_values():
    std = load_standard(year=2024)
    classify = household_classifier(std)
    ids = std.indicator_ids
    base = {"area": "rural", "income_per_capita": 1_500_000}
    assert classify({**base, **dict.fromkeys(ids, False), ids[0]: True, ids[1]: True, ids[2]: True}) == "poor"
    assert classify({**base, **dict.fromkeys(ids, False), ids[0]: True, ids[1]: True}) == "near_poor"
    # a flag given as a word takes the checked path, with the same answer
    assert classify({**base, **dict.fromkeys(ids, False), ids[0]: "có", ids[1]: True, ids[2]: True}) == "poor"
    with pytest.raises(NormkitError) as e:
        classify({**base, **dict.fromkeys(ids, False), ids[0]: "maybe"})
    assert (e.value.code, e.value.message) == ("NK116", f"{ids[0]}: cannot read 'maybe' as true or false")  # the one input layer
