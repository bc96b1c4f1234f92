"""The untraced scalar backend: an IR as Python closures that record nothing.

The traced backend (:mod:`normkit.core.lang.scalar`) calls one closure per node over an
:class:`~normkit.core.runtime.Env` that records every value it reads. That is what a trace
needs, and about half the cost of the first quote at a date whose rates no quote has computed
yet (issue 13). This backend computes the same value with none of it. It is a closure compiler
too (no source text is ever generated, parsed, compiled or executed: rule files are untrusted
input), with closures specialised by the shape of a node and of its operands, so a common rate
formula is a few calls: an operand that is a constant or a parameter is read inside its
parent's closure (``Arith`` of a ``Param`` and a ``Const`` is one call), a formula call or a
table look-up whose arguments are exactly the formula's parameters passes them on as they are,
one whose arguments are ``line.<name>`` fields reads them in place.

A compiled function is ``f(Q, line, args)``: ``Q`` is the evaluation context (see
:class:`~normkit.core.runtime.UntracedEnv`): ``Q.R`` the values in force (a dict, name → value),
``Q.V(name)`` resolves a value not yet in it, ``Q.F(name, args)`` a formula or adjustment,
``Q.L(table, key)`` a table look-up; ``line`` is what ``line.<name>`` reads and ``args`` the
tuple of the formula's arguments (``()`` outside a formula). The operations are those of the
traced closures, in the same order (left before right, the rounding quantum before the value),
run by the caller inside ``localcontext(CTX)``, so a value computed here is the traced value;
anything that would raise there raises here too (the caller then evaluates the traced way,
which reports it exactly). What this backend does not compile (an item's fields,
``sum_lines``, a parameter name the formula does not have, a tree too deep to compile) gives
``None``: the caller keeps the traced closures.

>>> from decimal import Decimal
>>> from normkit.core.lang.ir import Arith, Const, LineField
>>> f = compile_untraced(Arith("mul", LineField("step"), Const(Decimal("2.5"))))
>>> f(None, {"step": Decimal(2)}, ())
Decimal('5.0')
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any, assert_never

from normkit.core.lang import ops
from normkit.core.lang.ir import (
    Abs,
    And,
    Arith,
    Call,
    Cmp,
    Const,
    Flag,
    FormulaRef,
    If,
    Input,
    ItemField,
    LineField,
    Local,
    Lookup,
    MinMax,
    Neg,
    Node,
    Not,
    Or,
    Param,
    Record,
    Round,
    Scale,
    SumLines,
    Text,
    walk,
)
from normkit.core.memo import LRU

Untraced = Callable[[Any, Any, tuple[Any, ...]], Any]
CACHE_MAX = 4096  # compiled trees kept (keyed by the tree and its parameters' names: the same for every rule set)
_CACHE: LRU[tuple[Any, ...], tuple[Untraced | None]] = LRU(CACHE_MAX)
# Python's operators, which inside localcontext(CTX) are the operations of ops (see ops.IN_CONTEXT);
# the comparisons are those of ops.COMPARE
_ARITH: dict[str, Callable[[Any, Any], Any]] = {**ops.IN_CONTEXT, "div": ops.divide_in_context}
_CMP: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
                                               "==": operator.eq, "!=": operator.ne}

# An operand, as its parent reads it: ("k", value) a constant, ("p", name) a value in force
# (parameter or order input), ("f", fn) anything else, a compiled closure.
_Operand = tuple[str, Any]


class _Unsupported(Exception):
    """A node this backend leaves to the traced closures."""


def compile_untraced(node: Node, params: tuple[str, ...] = ()) -> Untraced | None:
    """``node`` as ``f(Q, line, args)`` (see the module's text), or None when this backend
    leaves it to the traced closures. Kept per tree (CACHE_MAX): the function reads everything
    that differs between rule sets and dates through ``Q``."""
    key = (_exact(node), params)
    hit = _CACHE.get(key)
    if hit is None:
        hit = _CACHE.put(key, (_compile(node, params),))
    return hit[0]


def _exact(node: Node) -> tuple[Any, ...]:
    """The tree, flat, with every value as it is written (``Const(1)`` equals ``Const(1.0)``, but
    the two give results of other exponents); made without recursion, however deep the tree."""
    parts: list[Any] = []
    for n in walk(node):
        parts.append(type(n).__name__)
        for name in n.__match_args__:
            v = getattr(n, name)
            if isinstance(v, tuple):
                parts.append(len(v))  # the nodes of a call's arguments or a look-up's keys: walked
            elif not isinstance(v, Record):
                parts.append((type(v).__name__, str(v)))
    return tuple(parts)


def _compile(node: Node, params: tuple[str, ...]) -> Untraced | None:
    try:
        return _Compiler(params).fn(node)
    except (_Unsupported, RecursionError):  # a tree deeper than the compiler recurses: the traced closures
        return None


class _Compiler:
    """The closures of one tree; ``params`` are the names of its formula's parameters."""

    def __init__(self, params: tuple[str, ...]) -> None:
        self.params = params
        self.index = {name: i for i, name in enumerate(params)}

    def operand(self, node: Node) -> _Operand:
        match node:
            case Const() | Text() | Flag():
                return ("k", node.value)
            case Param() | Input():
                return ("p", node.name)
            case _:
                return ("f", self.fn(node))

    def fn(self, node: Node) -> Untraced:  # one exhaustive match, as every backend
        match node:
            case Param() | Input():
                return _value(node.name)
            case Const() | Text() | Flag():
                v: Any = node.value
                return lambda q, line, a: v
            case Arith():
                return _binary(_ARITH[node.op], self.operand(node.left), self.operand(node.right))
            case Scale():
                return _scale(self.operand(node.node), Decimal(node.num), Decimal(node.den))
            case LineField():
                field = node.name
                return lambda q, line, a: line[field]
            case Lookup():
                return self.call("L", node.table, node.keys)
            case Call():
                return self.call("F", node.name, node.args)
            case FormulaRef():
                ref = node.name
                return lambda q, line, a: q.F(ref, ())
            case Local():
                i = self.local(node.name)
                return lambda q, line, a: a[i]
            case Cmp():
                return _binary(_CMP[node.op], self.operand(node.left), self.operand(node.right))
            case If():
                return _if(self.fn(node.cond), self.operand(node.then), self.operand(node.orelse))
            case And():
                x, y = self.fn(node.left), self.fn(node.right)
                return lambda q, line, a: x(q, line, a) and y(q, line, a)
            case Or():
                x, y = self.fn(node.left), self.fn(node.right)
                return lambda q, line, a: x(q, line, a) or y(q, line, a)
            case Not():
                inner = self.fn(node.node)
                return lambda q, line, a: not inner(q, line, a)
            case Neg():
                inner = self.fn(node.node)
                return lambda q, line, a: -inner(q, line, a)  # ops.negate, in context
            case MinMax():
                parts = [self.fn(x) for x in node.args]
                pick = min if node.op == "min" else max  # ops.extreme, as the traced closures
                return lambda q, line, a: pick([p(q, line, a) for p in parts])
            case Abs():
                inner = self.fn(node.node)
                return lambda q, line, a: abs(inner(q, line, a))  # ops.absolute, in context
            case Round():
                return _round(self.operand(node.quantum), self.fn(node.node), node.mode)
            case ItemField() | SumLines():  # an item's fields, its lines: the traced closures
                raise _Unsupported(type(node).__name__)
            case _:
                assert_never(node)

    def local(self, name: str) -> int:
        i = self.index.get(name)
        if i is None:
            raise _Unsupported(name)  # a local outside a formula with that parameter
        return i

    def call(self, kind: str, name: str, nodes: tuple[Node, ...]) -> Untraced:
        """``Q.F(name, args)`` (a formula call) or ``Q.L(name, key)`` (a table look-up), its
        arguments evaluated left to right: passed on as they are when they are exactly the
        formula's own arguments in order, read in place when they are ``line.<name>`` fields."""
        if kind == "F":
            if nodes and all(isinstance(n, Local) for n in nodes) and [self.local(n.name) for n in nodes] == list(range(len(self.params))):  # type: ignore[union-attr]
                return lambda q, line, a: q.F(name, a)
            if len(nodes) == 2 and all(isinstance(n, LineField) for n in nodes):
                f0, f1 = (n.name for n in nodes)  # type: ignore[union-attr]
                return lambda q, line, a: q.F(name, (line[f0], line[f1]))
            args = self.arguments(nodes)
            return lambda q, line, a: q.F(name, args(q, line, a))
        if nodes and all(isinstance(n, Local) for n in nodes) and [self.local(n.name) for n in nodes] == list(range(len(self.params))):  # type: ignore[union-attr]
            return lambda q, line, a: q.L(name, a)
        if len(nodes) == 1 and isinstance(nodes[0], LineField):
            f0 = nodes[0].name
            return lambda q, line, a: q.L(name, (line[f0],))
        key = self.arguments(nodes)
        return lambda q, line, a: q.L(name, key(q, line, a))

    def arguments(self, nodes: tuple[Node, ...]) -> Callable[[Any, Any, tuple[Any, ...]], tuple[Any, ...]]:
        """The tuple of a call's arguments or a look-up's key, left to right (line fields read
        in place)."""
        if nodes and all(isinstance(n, LineField) for n in nodes):
            names = [n.name for n in nodes]  # type: ignore[union-attr]
            return lambda q, line, a: tuple([line[n] for n in names])
        fns = [self.fn(n) for n in nodes]
        if not fns:
            return lambda q, line, a: ()
        if len(fns) == 1:
            f0 = fns[0]
            return lambda q, line, a: (f0(q, line, a),)
        return lambda q, line, a: tuple([f(q, line, a) for f in fns])


def _value(name: str) -> Untraced:
    """A value in force: from ``Q.R``, else resolved by ``Q.V``."""

    def value(q: Any, line: Any, a: Any) -> Any:
        v = q.R.get(name)
        return v if v is not None else q.V(name)

    return value


def _binary(op: Callable[[Any, Any], Any], left: _Operand, right: _Operand) -> Untraced:
    """``op(left, right)``, the left operand read first; a constant or a value in force is read
    in place (no call of its own)."""
    (lk, x), (rk, y) = left, right
    if lk == "f" and rk == "f":
        return lambda q, line, a: op(x(q, line, a), y(q, line, a))
    if lk == "f" and rk == "k":
        return lambda q, line, a: op(x(q, line, a), y)
    if lk == "k" and rk == "f":
        return lambda q, line, a: op(x, y(q, line, a))
    if lk == "k" and rk == "k":
        return lambda q, line, a: op(x, y)
    if lk == "p" and rk == "k":

        def pk(q: Any, line: Any, a: Any) -> Any:
            v = q.R.get(x)
            return op(v if v is not None else q.V(x), y)

        return pk
    if lk == "k" and rk == "p":

        def kp(q: Any, line: Any, a: Any) -> Any:
            v = q.R.get(y)
            return op(x, v if v is not None else q.V(y))

        return kp
    if lk == "p" and rk == "p":

        def pp(q: Any, line: Any, a: Any) -> Any:
            R = q.R
            v = R.get(x)
            if v is None:
                v = q.V(x)
            w = R.get(y)
            return op(v, w if w is not None else q.V(y))

        return pp
    if lk == "p":  # and a closure on the right

        def pf(q: Any, line: Any, a: Any) -> Any:
            v = q.R.get(x)
            if v is None:
                v = q.V(x)
            return op(v, y(q, line, a))

        return pf

    def fp(q: Any, line: Any, a: Any) -> Any:  # a closure on the left, a value in force on the right
        v = x(q, line, a)
        w = q.R.get(y)
        return op(v, w if w is not None else q.V(y))

    return fp


def _scale(inner: _Operand, num: Decimal, den: Decimal) -> Untraced:
    """A unit factor: ``inner × num`` or ``inner × num / den`` (ops.scale, in context, as the
    traced closures)."""
    kind, x = inner
    if kind == "p":
        if den == 1:

            def scaled_value(q: Any, line: Any, a: Any) -> Any:
                v = q.R.get(x)
                return (v if v is not None else q.V(x)) * num

            return scaled_value

        def divided_value(q: Any, line: Any, a: Any) -> Any:
            v = q.R.get(x)
            return (v if v is not None else q.V(x)) * num / den

        return divided_value
    fn = x if kind == "f" else (lambda q, line, a: x)
    if den == 1:
        return lambda q, line, a: fn(q, line, a) * num
    return lambda q, line, a: fn(q, line, a) * num / den


def _if(cond: Untraced, then: _Operand, orelse: _Operand) -> Untraced:
    (tk, x), (ek, y) = then, orelse
    if tk == "k" and ek == "k":
        return lambda q, line, a: x if cond(q, line, a) else y
    fx = x if tk == "f" else _operand_fn(then)
    fy = y if ek == "f" else _operand_fn(orelse)
    return lambda q, line, a: fx(q, line, a) if cond(q, line, a) else fy(q, line, a)


def _operand_fn(operand: _Operand) -> Untraced:
    kind, x = operand
    if kind == "p":
        return _value(x)
    return lambda q, line, a: x


def _round(quantum: _Operand, value: Untraced, mode: str) -> Untraced:
    """``round(value, quantum, mode)``: the quantum first, on every backend."""
    kind, k = quantum
    rnd = ops.round_value
    if kind == "k":  # a constant: reading it first or not is the same
        return lambda q, line, a: rnd(value(q, line, a), k, mode)
    fq = k if kind == "f" else _value(k)

    def rounded(q: Any, line: Any, a: Any) -> Any:
        qu = fq(q, line, a)
        return rnd(value(q, line, a), qu, mode)

    return rounded
