"""The untraced scalar backend: an IR as one generated Python function that records nothing.

The traced backend (:mod:`normkit.core.lang.scalar`) calls one closure per node and records
every value it reads. That is what a trace needs, and about half the cost of the first quote
at a date whose rates no quote has computed yet (issue 13). This backend computes the same
value with none of it: the tree becomes the text of one Python expression, compiled once, whose
constants (Decimals exactly as the IR holds them, table and parameter names, rounding modes)
are bound in its namespace — never written into the text, so no pack data is ever parsed as code.

The generated function is ``f(Q, line, a0, a1, …)``: ``Q`` is the evaluation context (see
:class:`~normkit.core.runtime.UntracedEnv`): ``Q.R`` the values in force (a dict, name → value),
``Q.V(name)`` resolves a value not yet in it, ``Q.F(name, args)`` a formula or adjustment,
``Q.L(table, key)`` a table look-up; ``line`` is what ``line.<name>`` reads and ``a0…`` the
formula's parameters. The operations are those of the traced closures, in the same order
(left before right, the rounding quantum before the value), inside ``localcontext(CTX)``, so a
value computed here is the traced value; anything that would raise there raises here too (the
caller then evaluates the traced way, which reports it exactly). What this backend does not
compile (an item's fields, ``sum_lines``, or a tree too deep for Python's parser) gives
``None``: the caller keeps the traced closures.

>>> from decimal import Decimal
>>> from normkit.core.lang.ir import Arith, Const, LineField
>>> f = compile_untraced(Arith("mul", LineField("step"), Const(Decimal("2.5"))))
>>> f(None, {"step": Decimal(2)})
Decimal('5.0')
"""

from __future__ import annotations

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

Untraced = Callable[..., Any]
CACHE_MAX = 4096  # generated functions kept (keyed by the tree and its parameters' names: the same for every rule set)
_ARITH = {"add": "+", "sub": "-", "mul": "*"}
_CACHE: LRU[tuple[Any, ...], tuple[Untraced | None]] = LRU(CACHE_MAX)
_CMP = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}


class _Unsupported(Exception):
    """A node this backend leaves to the traced closures."""


def _round(quantum: Any, value: Any, mode: str) -> Any:
    return ops.round_value(value, quantum, mode)  # the quantum is evaluated first (it is the first argument)


class _Writer:
    """The text of one expression and the namespace of its constants."""

    def __init__(self, params: tuple[str, ...]) -> None:
        self.params = {name: f"a{i}" for i, name in enumerate(params)}
        self.ns: dict[str, Any] = {"div": ops.divide_in_context, "rnd": _round}
        self.uses: set[str] = set()

    def const(self, value: Any) -> str:
        name = f"k{len(self.ns)}"
        self.ns[name] = value
        return name

    def name(self, text: str) -> str:
        return self.const(text)  # a name is a bound str: never parsed

    def expr(self, node: Node) -> str:  # one exhaustive match, as every backend
        match node:
            case Param() | Input():
                self.uses.add("R")
                n = self.name(node.name)
                return f"(_v if (_v := R.get({n})) is not None else Q.V({n}))"
            case Const() | Text() | Flag():
                return self.const(node.value)
            case Arith():
                a, b = self.expr(node.left), self.expr(node.right)
                if node.op == "div":
                    return f"div({a}, {b})"
                return f"({a} {_ARITH[node.op]} {b})"
            case Scale():
                inner, num = self.expr(node.node), self.const(Decimal(node.num))
                if node.den == 1:
                    return f"({inner} * {num})"
                return f"({inner} * {num} / {self.const(Decimal(node.den))})"
            case LineField():
                return f"line[{self.name(node.name)}]"
            case Lookup():
                keys = "".join(self.expr(k) + ", " for k in node.keys)
                return f"Q.L({self.name(node.table)}, ({keys}))"
            case Call():
                args = "".join(self.expr(a) + ", " for a in node.args)
                return f"Q.F({self.name(node.name)}, ({args}))"
            case FormulaRef():
                return f"Q.F({self.name(node.name)}, ())"
            case Local():
                local = self.params.get(node.name)
                if local is None:
                    raise _Unsupported(node.name)
                return local
            case Cmp():
                return f"({self.expr(node.left)} {_CMP[node.op]} {self.expr(node.right)})"
            case If():
                c, a, b = self.expr(node.cond), self.expr(node.then), self.expr(node.orelse)
                return f"({a} if {c} else {b})"
            case And():
                return f"({self.expr(node.left)} and {self.expr(node.right)})"
            case Or():
                return f"({self.expr(node.left)} or {self.expr(node.right)})"
            case Not():
                return f"(not {self.expr(node.node)})"
            case Neg():
                return f"(-{self.expr(node.node)})"
            case MinMax():
                parts = ", ".join(self.expr(x) for x in node.args)
                return f"{node.op}([{parts}])"  # "min" or "max": the builtins, as the traced closures
            case Abs():
                return f"abs({self.expr(node.node)})"
            case Round():
                q = self.expr(node.quantum)
                return f"rnd({q}, {self.expr(node.node)}, {self.name(node.mode)})"
            case ItemField() | SumLines():  # an item's fields, its lines: the traced closures
                raise _Unsupported(type(node).__name__)
            case _:
                assert_never(node)


def compile_untraced(node: Node, params: tuple[str, ...] = ()) -> Untraced | None:
    """``node`` as ``f(Q, line, *params)`` (see the module's text), or None when this backend
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
    w = _Writer(params)
    try:
        body = w.expr(node)
    except (_Unsupported, RecursionError):
        return None
    args = "".join(f", {a}" for a in w.params.values())
    head = "    R = Q.R\n" if "R" in w.uses else ""
    text = f"def untraced(Q, line{args}):\n{head}    return {body}\n"
    try:
        code = compile(text, "<normkit untraced>", "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):  # e.g. nested deeper than Python's parser allows
        return None
    ns = dict(w.ns)
    exec(code, ns)  # noqa: S102 - the text is built from node kinds alone; every value is bound in `ns`
    fn: Untraced = ns["untraced"]
    return fn
