"""The checked intermediate form of an expression: one frozen dataclass per node kind.

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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeAlias

from normkit.core.io.plain import register_all

ArithOp = Literal["add", "sub", "mul", "div"]
CmpOp = Literal["<", "<=", ">", ">=", "==", "!="]
Extreme = Literal["min", "max"]


@dataclass(frozen=True, slots=True)
class Const:
    """A number (a Decimal in the unit the checker settled on)."""

    value: Decimal


@dataclass(frozen=True, slots=True)
class Text:
    """A text constant."""

    value: str


@dataclass(frozen=True, slots=True)
class Flag:
    """``true`` or ``false``."""

    value: bool


@dataclass(frozen=True, slots=True)
class Param:
    """A dated parameter of the pack set."""

    name: str


@dataclass(frozen=True, slots=True)
class Input:
    """An input of the order, item or case."""

    name: str


@dataclass(frozen=True, slots=True)
class FormulaRef:
    """A formula without arguments, or an adjustment."""

    name: str


@dataclass(frozen=True, slots=True)
class LineField:
    """A field of the norm line being priced (``resource``, ``quantity``, ``amount`` …)."""

    name: str


@dataclass(frozen=True, slots=True)
class Local:
    """An argument of the formula being evaluated."""

    name: str


@dataclass(frozen=True, slots=True)
class ItemField:
    """A field of the order item (derived-norm factors and checks)."""

    name: str


@dataclass(frozen=True, slots=True)
class Scale:
    """``node × num / den``: a unit conversion folded in by the checker."""

    node: Node
    num: int
    den: int


@dataclass(frozen=True, slots=True)
class Neg:
    node: Node


@dataclass(frozen=True, slots=True)
class Arith:
    op: ArithOp
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Cmp:
    op: CmpOp
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class If:
    cond: Node
    then: Node
    orelse: Node


@dataclass(frozen=True, slots=True)
class MinMax:
    op: Extreme
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Abs:
    node: Node


@dataclass(frozen=True, slots=True)
class Round:
    """``round(node, quantum, mode)``; ``mode`` is one of :data:`normkit.core.numbers.MODES`."""

    node: Node
    quantum: Node
    mode: str


@dataclass(frozen=True, slots=True)
class Lookup:
    table: str
    keys: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Call:
    """A formula with arguments."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class SumLines:
    """``sum_lines(group, node)``: ``node`` summed over the lines of a group the scope declares."""

    group: str
    node: Node


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
