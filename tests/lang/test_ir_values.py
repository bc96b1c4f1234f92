"""The IR node classes are written out (no ``@dataclass`` at import, issue 13 warm start) with a
frozen dataclass's value semantics: equality and hash by fields, repr, immutability, pattern
matching, pickling and the plain cache codec."""

from __future__ import annotations

import copy
import pickle
from decimal import Decimal

import pytest

from normkit.core.io import plain
from normkit.core.lang import ir
from normkit.core.records import FrozenInstanceError


def tree() -> ir.Node:
    return ir.If(ir.Cmp(">", ir.Param("vat"), ir.Const(Decimal("0.10"))),
                 ir.MinMax("max", (ir.Input("n"), ir.Scale(ir.Local("x"), 3, 7))), ir.Text("none"))


def test_equal_trees_are_equal_and_hash_alike() -> None:
    a, b = tree(), tree()
    assert a is not b and a == b and hash(a) == hash(b)
    assert ir.Param("vat") != ir.Input("vat")  # another kind with the same field is another value
    assert ir.Const(Decimal(1)) != ir.Const(Decimal(2))
    assert ir.Param("a").__eq__("a") is NotImplemented
    assert {a: 1}[b] == 1
    assert hash(ir.Param("vat")) == hash(("vat",))


def test_repr_reads_like_the_constructor_call() -> None:
    assert repr(ir.Arith("add", ir.Param("vat"), ir.Const(Decimal(1)))) == \
        "Arith(op='add', left=Param(name='vat'), right=Const(value=Decimal('1')))"
    assert eval(repr(tree()), {**vars(ir), "Decimal": Decimal}) == tree()  # noqa: S307 (our own repr)


def test_nodes_are_immutable_and_have_no_dict() -> None:
    n = ir.Param("vat")
    with pytest.raises(FrozenInstanceError):
        n.name = "x"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del n.name  # type: ignore[misc]
    assert not hasattr(n, "__dict__")
    assert ir.Lookup(table="t", keys=(ir.Input("k"),)) == ir.Lookup("t", (ir.Input("k"),))  # keywords too


def test_match_pickle_copy_and_the_cache_codec() -> None:
    match tree():
        case ir.If(ir.Cmp(op, ir.Param(name), _), then=_, orelse=ir.Text(value)):
            assert (op, name, value) == (">", "vat", "none")
        case _:
            pytest.fail("no match")
    t = tree()
    assert pickle.loads(pickle.dumps(t)) == t  # noqa: S301 (our own bytes)
    assert copy.deepcopy(t) == t and copy.copy(t) == t
    assert plain.loads(plain.dumps(t)) == t
    assert plain.registered("ir.Scale") is not None and plain.registered("ir.Scale").fields == ("node", "num", "den")  # type: ignore[union-attr]
    assert all(set(k.__slots__) == set(k.__match_args__) for k in ir.NODE_KINDS)


def test_the_type_of_a_value_keeps_the_frozen_dataclass_semantics() -> None:
    """``Type`` (core/lang/types.py, apart from the checker since the warm path needs only it) is
    written out like the nodes: the same equality, hash, repr, text, immutability and codec tag as
    the frozen dataclass it was."""
    from normkit.core.compiled import CompiledSet  # registers the compiled form's classes with the codec
    from normkit.core.lang import typecheck
    from normkit.core.lang.types import Type

    assert typecheck.Type is Type and CompiledSet is not None
    money = Type("num", (("VND", 1), ("day", -1)))
    assert money == Type(kind="num", unit=(("VND", 1), ("day", -1))) and hash(money) == hash(("num", (("VND", 1), ("day", -1))))
    assert Type("num") == typecheck.PLAIN and Type("bool") != Type("str") and Type("num").__eq__(("num", ())) is NotImplemented
    assert repr(money) == "Type(kind='num', unit=(('VND', 1), ('day', -1)))"
    assert (str(money), str(typecheck.PLAIN), str(typecheck.BOOL), str(typecheck.STR)) == ("VND/day", "a plain number", "true/false", "text")
    with pytest.raises(FrozenInstanceError):
        money.kind = "bool"  # type: ignore[misc]
    assert not hasattr(money, "__dict__")
    assert pickle.loads(pickle.dumps(money)) == money  # noqa: S301 (our own bytes)
    assert plain.loads(plain.dumps([money, typecheck.num({"day": 1})])) == [money, Type("num", (("day", 1),))]
    assert plain.registered("core.Type").fields == ("kind", "unit")  # type: ignore[union-attr]
    match money:
        case Type("num", unit):
            assert unit == (("VND", 1), ("day", -1))
        case _:
            pytest.fail("no match")
