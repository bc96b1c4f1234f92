"""The traced scalar backend: the IR as Python closures over the runtime environment.

Each closure takes an environment ``env`` (see :class:`normkit.core.runtime.Env`) and returns a
Decimal, a bool or a str. The environment resolves names (recording the trace), looks up
tables, evaluates formulas and sums lines; every operation is :mod:`normkit.core.lang.ops`,
so this path means what the folded and array paths mean. Like the engine before it, it runs
inside ``decimal.localcontext(CTX)`` (installed by ``evaluate`` and pricing), where Python's
operators on Decimals are :data:`ops.IN_CONTEXT`. Unit conversions were folded into exact factors
by the checker. A value beyond the exact range raises the decimal signal, which
the engine's entry points turn into NK502 (:func:`normkit.core.lang.ops.range_error`).
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
    Round,
    Scale,
    SumLines,
    Text,
)

Fn = Callable[[Any], Any]


def compile_ir(node: Node) -> Fn:
    """``node`` as a function of an environment."""
    match node:  # plain class patterns, most frequent first: this runs once per node of every rule
        case Param() | Input():
            name = node.name
            return lambda env: env.value(name)
        case Const() | Text() | Flag():
            v: Any = node.value
            return lambda env: v
        case Arith():
            return _arith(node.op, compile_ir(node.left), compile_ir(node.right))
        case Scale():
            inner, n, d = compile_ir(node.node), Decimal(node.num), Decimal(node.den)
            if node.den == 1:  # ops.scale, in context (see ops.IN_CONTEXT): this is on every priced line
                return lambda env: inner(env) * n
            return lambda env: inner(env) * n / d
        case LineField():
            field = node.name
            return lambda env: env.line[field]
        case Lookup():
            return _lookup(node.table, [compile_ir(k) for k in node.keys])
        case Call():
            fname, fns = node.name, [compile_ir(a) for a in node.args]
            return lambda env: env.formula(fname, tuple(a(env) for a in fns))
        case FormulaRef():
            ref = node.name
            return lambda env: env.formula(ref, ())
        case Local():
            local = node.name
            return lambda env: env.local[local]
        case ItemField():
            item = node.name
            return lambda env: env.item[item]
        case Cmp():
            a, b, cmp = compile_ir(node.left), compile_ir(node.right), ops.COMPARE[node.op]
            return lambda env: cmp(a(env), b(env))
        case If():
            c, a, b = compile_ir(node.cond), compile_ir(node.then), compile_ir(node.orelse)
            return lambda env: a(env) if c(env) else b(env)
        case And():
            a, b = compile_ir(node.left), compile_ir(node.right)
            return lambda env: a(env) and b(env)
        case Or():
            a, b = compile_ir(node.left), compile_ir(node.right)
            return lambda env: a(env) or b(env)
        case Not():
            inner = compile_ir(node.node)
            return lambda env: not inner(env)
        case Neg():
            inner = compile_ir(node.node)
            return lambda env: -inner(env)  # ops.negate, in context
        case MinMax():
            parts = [compile_ir(x) for x in node.args]
            pick = min if node.op == "min" else max  # ops.extreme, inlined
            return lambda env: pick([p(env) for p in parts])
        case Abs():
            inner = compile_ir(node.node)
            return lambda env: abs(inner(env))  # ops.absolute, in context
        case Round():
            return _round(compile_ir(node.node), compile_ir(node.quantum), node.mode)
        case SumLines():
            group, inner = node.group, compile_ir(node.node)
            return lambda env: env.sum_lines(group, inner)
        case _:
            assert_never(node)


def _round(value_fn: Fn, quantum_fn: Fn, mode: str) -> Fn:
    def rounded(env: Any) -> Decimal:
        q = quantum_fn(env)  # the quantum first, on every backend
        return ops.round_value(value_fn(env), q, mode)

    return rounded


def _arith(op: str, a: Fn, b: Fn) -> Fn:
    """Arithmetic in context (:data:`ops.IN_CONTEXT`): the operators, inlined into the closures."""
    if op == "add":
        return lambda env: a(env) + b(env)
    if op == "sub":
        return lambda env: a(env) - b(env)
    if op == "mul":
        return lambda env: a(env) * b(env)
    div = ops.divide_in_context
    return lambda env: div(a(env), b(env))


def _lookup(table: str, keys: list[Fn]) -> Fn:
    if len(keys) == 1:
        k0 = keys[0]
        return lambda env: env.lookup(table, (k0(env),))
    return lambda env: env.lookup(table, tuple(k(env) for k in keys))
