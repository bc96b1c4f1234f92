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
    match node:
        case Const(value) | Text(value) | Flag(value):
            v: Any = value
            return lambda env: v
        case Param(name) | Input(name):
            return lambda env: env.value(name)
        case FormulaRef(name):
            return lambda env: env.formula(name, ())
        case LineField(name):
            return lambda env: env.line[name]
        case Local(name):
            return lambda env: env.local[name]
        case ItemField(name):
            return lambda env: env.item[name]
        case Scale(inner_node, num, den):
            inner, n, d = compile_ir(inner_node), Decimal(num), Decimal(den)
            if den == 1:  # ops.scale, in context (see ops.IN_CONTEXT): this is on every priced line
                return lambda env: inner(env) * n
            return lambda env: inner(env) * n / d
        case Neg(inner_node):
            inner = compile_ir(inner_node)
            return lambda env: -inner(env)  # ops.negate, in context
        case Arith(op, left, right):
            return _arith(op, compile_ir(left), compile_ir(right))
        case Cmp(op, left, right):
            a, b, cmp = compile_ir(left), compile_ir(right), ops.COMPARE[op]
            return lambda env: cmp(a(env), b(env))
        case And(left, right):
            a, b = compile_ir(left), compile_ir(right)
            return lambda env: a(env) and b(env)
        case Or(left, right):
            a, b = compile_ir(left), compile_ir(right)
            return lambda env: a(env) or b(env)
        case Not(inner_node):
            inner = compile_ir(inner_node)
            return lambda env: not inner(env)
        case If(cond, then, orelse):
            c, a, b = compile_ir(cond), compile_ir(then), compile_ir(orelse)
            return lambda env: a(env) if c(env) else b(env)
        case MinMax(op, args):
            parts = [compile_ir(x) for x in args]
            pick = min if op == "min" else max  # ops.extreme, inlined
            return lambda env: pick([p(env) for p in parts])
        case Abs(inner_node):
            inner = compile_ir(inner_node)
            return lambda env: abs(inner(env))  # ops.absolute, in context
        case Round(value_node, quantum_node, mode):
            value_fn, quantum_fn = compile_ir(value_node), compile_ir(quantum_node)

            def rounded(env: Any) -> Decimal:
                q = quantum_fn(env)
                return ops.round_value(value_fn(env), q, mode)

            return rounded
        case Lookup(table, keys):
            return _lookup(table, [compile_ir(k) for k in keys])
        case Call(name, args):
            fns = [compile_ir(a) for a in args]
            return lambda env: env.formula(name, tuple(a(env) for a in fns))
        case SumLines(group, inner_node):
            inner = compile_ir(inner_node)
            return lambda env: env.sum_lines(group, inner)
        case _:
            assert_never(node)


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
