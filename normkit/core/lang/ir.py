"""The checked intermediate form of an expression: one immutable value class per node kind.

:mod:`normkit.core.lang.typecheck` produces it (units already folded into exact ``Scale``
factors); every backend (:mod:`~normkit.core.lang.scalar`, :mod:`~normkit.core.lang.folded`,
:mod:`~normkit.core.lang.vector`) is one exhaustive ``match`` over :data:`Node`, and every static
analysis goes through :func:`children` / :func:`walk`. Fields are plain data (Decimal, str,
bool, int, tuples of nodes), so a tree can be serialised generically.

>>> from decimal import Decimal
>>> tree = Arith("add", Param("vat"), Const(Decimal(1)))
>>> [type(n).__name__ for n in walk(tree)]
['Arith', 'Param', 'Const']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, Literal, TypeAlias

from normkit.core.io.plain import register_all
from normkit.core.records import Frozen

ArithOp = Literal["add", "sub", "mul", "div"]
CmpOp = Literal["<", "<=", ">", ">=", "==", "!="]
Extreme = Literal["min", "max"]


_set = object.__setattr__


class Record(Frozen):
    """The base of the node classes: immutable, compared, hashed, printed, pickled and copied by
    value, field by field in ``__match_args__`` order (as a frozen dataclass is), from
    :class:`normkit.core.records.Frozen`, the one base of the written-out immutable records."""

    __slots__ = ()

    def values(self) -> tuple[Any, ...]:
        """The fields' values, in order."""
        return tuple([getattr(self, name) for name in self.__match_args__])


class Const(Record):
    """A number (a Decimal in the unit the checker settled on)."""
    __slots__ = ("value",)
    __match_args__ = ("value",)
    value: Decimal

    def __init__(self, value: Decimal) -> None:
        _set(self, "value", value)


class Text(Record):
    """A text constant."""
    __slots__ = ("value",)
    __match_args__ = ("value",)
    value: str

    def __init__(self, value: str) -> None:
        _set(self, "value", value)


class Flag(Record):
    """``true`` or ``false``."""
    __slots__ = ("value",)
    __match_args__ = ("value",)
    value: bool

    def __init__(self, value: bool) -> None:
        _set(self, "value", value)


class Param(Record):
    """A dated parameter of the pack set."""
    __slots__ = ("name",)
    __match_args__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        _set(self, "name", name)


class Input(Record):
    """An input of the order, item or case."""
    __slots__ = ("name",)
    __match_args__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        _set(self, "name", name)


class FormulaRef(Record):
    """A formula without arguments, or an adjustment."""
    __slots__ = ("name",)
    __match_args__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        _set(self, "name", name)


class LineField(Record):
    """A field of the norm line being priced (``resource``, ``quantity``, ``amount`` …)."""
    __slots__ = ("name",)
    __match_args__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        _set(self, "name", name)


class Local(Record):
    """An argument of the formula being evaluated."""
    __slots__ = ("name",)
    __match_args__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        _set(self, "name", name)


class ItemField(Record):
    """A field of the order item (derived-norm factors and checks)."""
    __slots__ = ("name",)
    __match_args__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        _set(self, "name", name)


class Scale(Record):
    """``node × num / den``: a unit conversion folded in by the checker."""
    __slots__ = ("den", "node", "num")
    __match_args__ = ("node", "num", "den")
    node: Node
    num: int
    den: int

    def __init__(self, node: Node, num: int, den: int) -> None:
        _set(self, "node", node)
        _set(self, "num", num)
        _set(self, "den", den)


class Neg(Record):
    __slots__ = ("node",)
    __match_args__ = ("node",)
    node: Node

    def __init__(self, node: Node) -> None:
        _set(self, "node", node)


class Arith(Record):
    __slots__ = ("left", "op", "right")
    __match_args__ = ("op", "left", "right")
    op: ArithOp
    left: Node
    right: Node

    def __init__(self, op: ArithOp, left: Node, right: Node) -> None:
        _set(self, "op", op)
        _set(self, "left", left)
        _set(self, "right", right)


class Cmp(Record):
    __slots__ = ("left", "op", "right")
    __match_args__ = ("op", "left", "right")
    op: CmpOp
    left: Node
    right: Node

    def __init__(self, op: CmpOp, left: Node, right: Node) -> None:
        _set(self, "op", op)
        _set(self, "left", left)
        _set(self, "right", right)


class And(Record):
    __slots__ = ("left", "right")
    __match_args__ = ("left", "right")
    left: Node
    right: Node

    def __init__(self, left: Node, right: Node) -> None:
        _set(self, "left", left)
        _set(self, "right", right)


class Or(Record):
    __slots__ = ("left", "right")
    __match_args__ = ("left", "right")
    left: Node
    right: Node

    def __init__(self, left: Node, right: Node) -> None:
        _set(self, "left", left)
        _set(self, "right", right)


class Not(Record):
    __slots__ = ("node",)
    __match_args__ = ("node",)
    node: Node

    def __init__(self, node: Node) -> None:
        _set(self, "node", node)


class If(Record):
    __slots__ = ("cond", "orelse", "then")
    __match_args__ = ("cond", "then", "orelse")
    cond: Node
    then: Node
    orelse: Node

    def __init__(self, cond: Node, then: Node, orelse: Node) -> None:
        _set(self, "cond", cond)
        _set(self, "then", then)
        _set(self, "orelse", orelse)


class MinMax(Record):
    __slots__ = ("args", "op")
    __match_args__ = ("op", "args")
    op: Extreme
    args: tuple[Node, ...]

    def __init__(self, op: Extreme, args: tuple[Node, ...]) -> None:
        _set(self, "op", op)
        _set(self, "args", args)


class Abs(Record):
    __slots__ = ("node",)
    __match_args__ = ("node",)
    node: Node

    def __init__(self, node: Node) -> None:
        _set(self, "node", node)


class Round(Record):
    """``round(node, quantum, mode)``; ``mode`` is one of :data:`normkit.core.numbers.MODES`."""
    __slots__ = ("mode", "node", "quantum")
    __match_args__ = ("node", "quantum", "mode")
    node: Node
    quantum: Node
    mode: str

    def __init__(self, node: Node, quantum: Node, mode: str) -> None:
        _set(self, "node", node)
        _set(self, "quantum", quantum)
        _set(self, "mode", mode)


class Lookup(Record):
    __slots__ = ("keys", "table")
    __match_args__ = ("table", "keys")
    table: str
    keys: tuple[Node, ...]

    def __init__(self, table: str, keys: tuple[Node, ...]) -> None:
        _set(self, "table", table)
        _set(self, "keys", keys)


class Call(Record):
    """A formula with arguments."""
    __slots__ = ("args", "name")
    __match_args__ = ("name", "args")
    name: str
    args: tuple[Node, ...]

    def __init__(self, name: str, args: tuple[Node, ...]) -> None:
        _set(self, "name", name)
        _set(self, "args", args)


class SumLines(Record):
    """``sum_lines(group, node)``: ``node`` summed over the lines of a group the scope declares."""
    __slots__ = ("group", "node")
    __match_args__ = ("group", "node")
    group: str
    node: Node

    def __init__(self, group: str, node: Node) -> None:
        _set(self, "group", group)
        _set(self, "node", node)


Node: TypeAlias = (Const | Text | Flag | Param | Input | FormulaRef | LineField | Local | ItemField | Scale | Neg | Arith
                   | Cmp | And | Or | Not | If | MinMax | Abs | Round | Lookup | Call | SumLines)
Name: TypeAlias = Param | Input | FormulaRef | LineField | Local | ItemField
NODE_KINDS: tuple[type, ...] = (Const, Text, Flag, Param, Input, FormulaRef, LineField, Local, ItemField, Scale, Neg, Arith,
                                Cmp, And, Or, Not, If, MinMax, Abs, Round, Lookup, Call, SumLines)


def _leaf(node: Any) -> tuple[Node, ...]:
    return ()


# a table, not a `match`: static analyses walk every tree of a pack when a rule set is built
_CHILDREN: dict[type, Callable[[Any], tuple[Node, ...]]] = {
    **dict.fromkeys((Const, Text, Flag, Param, Input, FormulaRef, LineField, Local, ItemField), _leaf),
    Scale: lambda n: (n.node,), Neg: lambda n: (n.node,), Not: lambda n: (n.node,), Abs: lambda n: (n.node,),
    SumLines: lambda n: (n.node,),
    Arith: lambda n: (n.left, n.right), Cmp: lambda n: (n.left, n.right), And: lambda n: (n.left, n.right),
    Or: lambda n: (n.left, n.right),
    If: lambda n: (n.cond, n.then, n.orelse),
    Round: lambda n: (n.quantum, n.node),  # the quantum is evaluated first, on every backend
    MinMax: lambda n: n.args, Call: lambda n: n.args, Lookup: lambda n: n.keys,
}
assert set(_CHILDREN) == set(NODE_KINDS), "every node kind needs its children"


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, in evaluation order."""
    return _CHILDREN[type(node)](node)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, in evaluation order."""
    stack = [node]
    table = _CHILDREN
    while stack:
        n = stack.pop()
        yield n
        below = table[type(n)](n)
        if below:
            stack.extend(reversed(below))


def calls(node: Node) -> set[str]:
    """The formulas and adjustments the tree refers to (with or without arguments)."""
    return {n.name for n in walk(node) if isinstance(n, (FormulaRef, Call))}


def names_used(node: Node) -> set[tuple[str, str]]:
    """``(kind, name)`` of every name and table the tree reads; kind is the node class name in lower case."""
    out: set[tuple[str, str]] = set()
    for n in walk(node):
        if isinstance(n, (Param, Input, FormulaRef, LineField, Local, ItemField, Call)):
            out.add((type(n).__name__.lower(), n.name))
        elif isinstance(n, Lookup):
            out.add(("lookup", n.table))
    return out


def uses_sum_lines(node: Node) -> bool:
    return any(isinstance(n, SumLines) for n in walk(node))


def depends_on(node: Node, predicate: Callable[[Node], bool]) -> bool:
    """Whether any node of the tree satisfies ``predicate`` (e.g. "reads an item input")."""
    return any(predicate(n) for n in walk(node))


def text_choices(node: Node) -> list[str] | None:
    """The text constants an ``if`` tree chooses between, when that is all it can give."""
    match node:
        case Text(value):
            return [value]
        case If(_, then, orelse):
            a, b = text_choices(then), text_choices(orelse)
            if a is None or b is None:
                return None
            return a + [s for s in b if s not in a]
        case _:
            return None


def const_value(node: Node) -> Decimal | str | bool | None:
    """The value of a constant node, else None."""
    if isinstance(node, (Const, Text, Flag)):
        return node.value
    return None


# ---- plain data: the cache's codec (normkit.core.io.plain) builds only these node kinds -------------

register_all(*NODE_KINDS, prefix="ir")
