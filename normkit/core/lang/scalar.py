"""Compile the checked intermediate form into Python closures over plain Decimals.

Each closure takes an environment ``env`` (see :class:`normkit.core.runtime.Env`) and returns a
Decimal, a bool or a str. Unit conversions were folded into exact factors by the checker,
so nothing here knows about units. Closures use Python's operators, so they must run inside
``decimal.localcontext(normkit.core.numbers.CTX)``: the engine's entry points (pricing,
``evaluate``) install that context for the calling thread only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from normkit.core.numbers import round_to
from normkit.core.errors import NormkitError

Fn = Callable[[Any], Any]



def _safe_div(a: Decimal, b: Decimal) -> Decimal:
    if not b:
        raise NormkitError("NK502", f"division by zero ({a} / 0)")
    return a / b


def compile_ir(ir: tuple) -> Fn:
    tag = ir[0]
    if tag in ("const", "str", "bool"):
        value = ir[1]
        return lambda env: value
    if tag == "name":
        kind, name = ir[1], ir[2]
        if kind in ("param", "input"):
            return lambda env: env.value(name)
        if kind == "formula":
            return lambda env: env.formula(name, ())
        if kind == "line":
            return lambda env: env.line[name]
        if kind == "local":
            return lambda env: env.local[name]
        if kind == "item":
            return lambda env: env.item[name]
        raise AssertionError(kind)  # pragma: no cover
    if tag == "scale":
        inner = compile_ir(ir[1])
        n, d = Decimal(ir[2]), Decimal(ir[3])
        if d == 1:
            return lambda env: inner(env) * n
        return lambda env: inner(env) * n / d
    if tag == "neg":
        inner = compile_ir(ir[1])
        return lambda env: -inner(env)
    if tag in ("add", "sub", "mul", "div"):
        a, b = compile_ir(ir[1]), compile_ir(ir[2])
        if tag == "add":
            return lambda env: a(env) + b(env)
        if tag == "sub":
            return lambda env: a(env) - b(env)
        if tag == "mul":
            return lambda env: a(env) * b(env)
        return lambda env: _safe_div(a(env), b(env))
    if tag == "cmp":
        a, b = compile_ir(ir[2]), compile_ir(ir[3])
        cmp = {
            "<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y,
            ">=": lambda x, y: x >= y, "==": lambda x, y: x == y, "!=": lambda x, y: x != y,
        }[ir[1]]
        return lambda env: cmp(a(env), b(env))
    if tag == "and":
        a, b = compile_ir(ir[1]), compile_ir(ir[2])
        return lambda env: a(env) and b(env)
    if tag == "or":
        a, b = compile_ir(ir[1]), compile_ir(ir[2])
        return lambda env: a(env) or b(env)
    if tag == "not":
        a = compile_ir(ir[1])
        return lambda env: not a(env)
    if tag == "if":
        c, a, b = compile_ir(ir[1]), compile_ir(ir[2]), compile_ir(ir[3])
        return lambda env: a(env) if c(env) else b(env)
    if tag in ("min", "max"):
        parts = [compile_ir(x) for x in ir[1]]
        pick = min if tag == "min" else max
        return lambda env: pick(p(env) for p in parts)
    if tag == "abs":
        a = compile_ir(ir[1])
        return lambda env: abs(a(env))
    if tag == "round":
        a, q, mode = compile_ir(ir[1]), compile_ir(ir[2]), ir[3]

        def _round(env: Any) -> Decimal:
            quantum = q(env)
            if quantum <= 0:
                raise NormkitError("NK502", f"round() needs a positive quantum, got {quantum}")
            return round_to(a(env), quantum, mode)

        return _round
    if tag == "lookup":
        table = ir[1]
        keys = [compile_ir(k) for k in ir[2]]
        if len(keys) == 1:
            k0 = keys[0]
            return lambda env: env.lookup(table, (k0(env),))
        return lambda env: env.lookup(table, tuple(k(env) for k in keys))
    if tag == "call":
        name = ir[1]
        args = [compile_ir(a) for a in ir[2]]
        return lambda env: env.formula(name, tuple(a(env) for a in args))
    if tag == "sum_lines":
        comp, inner = ir[1], compile_ir(ir[2])
        return lambda env: env.sum_lines(comp, inner)
    raise AssertionError(f"unknown IR {tag}")  # pragma: no cover
