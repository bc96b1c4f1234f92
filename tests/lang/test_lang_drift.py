"""The drifts of issue 9, and the nodes only a priced norm can evaluate: one answer on every path."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from normkit.api import load
from normkit.core.errors import NormkitError
from normkit.core.lang import ir
from normkit.core.lang.folded import Folder, fold
from normkit.core.lang.syntax import parse
from normkit.core.lang.typecheck import PLAIN, FormulaSig, Symbol, TableSig, UnitAlgebra, check_expression
from normkit.core.lang.vector import Text, compile_vector, evaluate_columns, vector_program
from normkit.core.runtime import RuleSet, evaluate
from normkit.core.units import VOCABULARY, Vocabulary, pint_registry

PACK = Path(__file__).parent / "diff-pack"
AT = dt.date(2024, 1, 1)
ROW = {"x": 10, "y": 3, "n": 1, "mins": 5, "area": "rural", "flag": False}


@pytest.fixture(scope="module")
def rs() -> RuleSet:
    return load(PACK, use_cache=False)


def columns(row: dict[str, Any]) -> dict[str, Any]:
    return {k: Text.from_values([v]) if isinstance(v, str) else np.array([v]) for k, v in row.items()}


def test_round_to_a_zero_quantum_is_nk502_on_every_path(rs: RuleSet) -> None:
    with pytest.raises(NormkitError) as traced:
        evaluate(rs, "round_by_nil", AT, inputs=ROW)
    with pytest.raises(NormkitError) as folded:
        fold(rs, AT, "round_by_nil")(ROW)
    _, errors = evaluate_columns(rs, "round_by_nil", AT, columns(ROW), 1)
    assert (traced.value.code, traced.value.message) == ("NK502", "round() needs a positive quantum, got 0")
    assert (folded.value.code, folded.value.message) == ("NK502", "round() needs a positive quantum, got 0")
    assert [(e.code, e.message, e.mask.tolist()) for e in errors] == [("NK502", "round() needs a positive quantum, got 0", [True])]


def test_an_adjustment_in_a_formula_has_one_value_on_every_path(rs: RuleSet) -> None:
    assert evaluate(rs, "bonus_plus_one", AT, inputs=ROW)[0] == Decimal(11)
    assert fold(rs, AT, "bonus_plus_one")(ROW) == 11
    values, errors = evaluate_columns(rs, "bonus_plus_one", AT, columns(ROW), 1)
    assert values.tolist() == [11] and errors == []
    # and the adjustment's own exceptions, with a conflict of equal priorities
    both = dict(ROW, flag=True, n=3)
    with pytest.raises(NormkitError) as traced:
        evaluate(rs, "bonus_plus_one", AT, inputs=both)
    with pytest.raises(NormkitError) as folded:
        fold(rs, AT, "bonus_plus_one")(both)
    _, errors = evaluate_columns(rs, "bonus_plus_one", AT, columns(both), 1)
    message = "adjustment 'bonus': exceptions flagged, many all apply with priority 1"
    assert (traced.value.code, traced.value.message) == ("NK208", message)
    assert (folded.value.code, folded.value.message) == ("NK208", message)
    assert [(e.code, e.message) for e in errors] == [("NK208", message)]
    assert fold(rs, AT, "bonus")(dict(ROW, area="urban")) == 3 == evaluate(rs, "bonus", AT, inputs=dict(ROW, area="urban"))[0]


def test_a_value_beyond_the_exact_range_is_nk502_on_every_path(rs: RuleSet) -> None:
    big = dict(ROW, x=6 * 10**60, y=6 * 10**60)
    with pytest.raises(NormkitError) as traced:
        evaluate(rs, "total", AT, inputs=big)
    with pytest.raises(NormkitError) as folded:
        fold(rs, AT, "total")(big)
    assert traced.value.code == folded.value.code == "NK502"
    assert folded.value.message == traced.value.message == (
        "evaluating total: a value is beyond the exact range (34 significant digits, magnitudes from 10^-60 to 10^60) (Overflow)")
    cols = {"x": np.array([Decimal(6 * 10**60), Decimal(1)], dtype=object), "y": np.array([Decimal(6 * 10**60), Decimal(2)], dtype=object)}
    values, errors = evaluate_columns(rs, "total", AT, cols, 2)
    assert [(e.code, e.mask.tolist()) for e in errors] == [("NK502", [True, False])]
    assert values.tolist()[1] == 3


@pytest.mark.parametrize("node", [ir.LineField("amount"), ir.ItemField("quantity"), ir.SumLines("all", ir.LineField("amount"))])
def test_line_and_item_nodes_are_nk303_off_a_priced_norm(rs: RuleSet, node: ir.Node) -> None:
    """Only pricing evaluates these (the traced path with a norm's lines); the other paths say so."""
    with pytest.raises(NormkitError) as folded:
        Folder(rs, AT).compile(node)({})
    from normkit.core.lang.vector import VectorEnv

    with pytest.raises(NormkitError) as vector:
        compile_vector(node)(VectorEnv(rs, AT, {}, 1), lambda: None)
    assert folded.value.code == vector.value.code == "NK303"


class _Scope:
    def __init__(self, groups: tuple[str, ...]) -> None:
        self.groups = groups

    def symbol(self, name: str) -> Symbol | None:
        return Symbol("line", PLAIN) if name == "amount" else None

    def table(self, name: str) -> TableSig | None:
        return None

    def function(self, name: str) -> FormulaSig | None:
        return None

    def line_scope(self, group: str) -> _Scope | None:
        return _Scope(()) if group in self.groups else None

    def line_groups(self) -> tuple[str, ...]:
        return self.groups


def _check(text: str, groups: tuple[str, ...]) -> ir.Node:
    vocab = Vocabulary(VOCABULARY)
    return check_expression(parse(text, lambda word: False), _Scope(groups), UnitAlgebra(vocab, pint_registry(vocab)))[1]


def test_sum_lines_groups_come_from_the_scope() -> None:
    assert _check("sum_lines(crew, amount)", ("crew", "gear")) == ir.SumLines("crew", ir.LineField("amount"))
    with pytest.raises(NormkitError) as unknown:
        _check("sum_lines(labour, amount)", ("crew", "gear"))
    assert unknown.value.code == "NK303" and "group one of crew, gear" in unknown.value.message
    with pytest.raises(NormkitError) as nowhere:
        _check("sum_lines(crew, amount)", ())
    assert nowhere.value.code == "NK303" and "where lines are being summed" in nowhere.value.message


def test_array_programs_belong_to_their_rule_set(rs: RuleSet) -> None:
    other = RuleSet(rs.compiled)
    assert vector_program(rs) is vector_program(rs)
    assert vector_program(other) is not vector_program(rs)
    gone = weakref.ref(other)
    program = weakref.ref(vector_program(other))
    del other
    gc.collect()
    assert gone() is None and program() is None  # the table keeps no rule set alive


@pytest.mark.parametrize("name", ["band", "over", "over_by"])
@pytest.mark.parametrize("area", ["rural", "coast", "mountain"])
@pytest.mark.parametrize("x", [0, 1500000, 1750000, 1750001, 2000001])
def test_the_folded_fast_shapes_mean_what_the_other_paths_mean(rs: RuleSet, name: str, area: str, x: int) -> None:
    import difftest

    rows = [dict(ROW, x=x, area=area, n=n) for n in (1, 2)]
    traced = difftest.traced(rs, name, AT, rows)
    assert traced == difftest.folded(rs, name, AT, rows) == difftest.vector(rs, name, AT, rows)
    assert (area == "mountain") == (traced[0] == ("error", "NK202"))
    missing = {k: v for k, v in rows[0].items() if k != "x"}
    with pytest.raises(NormkitError) as folded:
        fold(rs, AT, name)(missing)
    assert folded.value.code == "NK501"


def test_every_ir_tree_of_a_pack_round_trips_through_plain_json(rs: RuleSet) -> None:
    from normkit.core.io import plain

    c = rs.compiled
    trees = [f.ir for f in c.formulas.values()] + [a.base_ir for a in c.adjustments.values()]
    trees += [x for a in c.adjustments.values() for e in a.exceptions for x in (e.when_ir, e.value_ir)]
    trees += [ir.SumLines("all", ir.Round(ir.LineField("amount"), ir.Const(Decimal("0.01")), "half_up")), ir.ItemField("q"),
              ir.Call("f", (ir.Local("a"), ir.Scale(ir.Flag(True), 60, 1))), ir.MinMax("max", (ir.Text("a"), ir.Neg(ir.Abs(ir.Input("x")))))]
    for tree in trees:  # through the cache's codec: plain JSON, node kinds by registered tag only
        assert plain.loads(plain.dumps(tree)) == tree
    forged = plain.dumps(ir.Param("x")).replace(b"ir.Param", b"os.system")
    with pytest.raises(plain.CodecError):
        plain.loads(forged)
    with pytest.raises(plain.CodecError):
        plain.dumps(ir.Const(1.5))  # type: ignore[arg-type]  # a float is never plain data
