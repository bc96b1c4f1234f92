"""Integer range analysis at compile time: which expressions can only give small whole numbers.

A count of deprived indicators is written ``(if a then 1 else 0) + (if b then 1 else 0) + …``;
whatever the data, twelve such terms add up to a whole number from 0 to 12. Knowing that before
any row is read lets the array backend (:mod:`normkit.core.lang.vector`) compute the count in
``int8`` with no overflow check, and the folded backend (:mod:`normkit.core.lang.folded`) add
plain ``int`` values, while every other expression keeps the checked path. The analysis reads
only the tree (constants and the shape of ``if``/``+``/``-``/``×``/``min``/``max``/``abs``), never
an input's declared bounds: a range proved here holds for any data, checked or not.

>>> from decimal import Decimal
>>> from normkit.core.lang import ir
>>> one = ir.If(ir.Input("a"), ir.Const(Decimal(1)), ir.Const(Decimal(0)))
>>> int_range(ir.Arith("add", one, one))
IntRange(lo=0, hi=2)
>>> int_range(ir.Input("income")) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from normkit.core.lang import ir
from normkit.core.lang.ir import Node

# far inside int64 (and inside the INT_LIMIT of normkit.core.lang.ops): a range beyond it is not "small"
LIMIT = 2**31


@dataclass(frozen=True, slots=True)
class IntRange:
    """Every value of the expression is a whole number in ``lo ..= hi``."""

    lo: int
    hi: int

    def dtype(self) -> Any:
        """The smallest signed NumPy integer type holding the range (and its negation: no abs overflow)."""
        m = max(abs(self.lo), abs(self.hi))
        if m <= 127:
            return np.int8
        if m <= 32767:
            return np.int16
        return np.int32


def _fits(lo: int, hi: int) -> IntRange | None:
    return IntRange(lo, hi) if -LIMIT < lo <= hi < LIMIT else None


def int_range(node: Node) -> IntRange | None:
    """The range of ``node``'s values when the tree alone proves they are small whole numbers, else None."""
    match node:
        case ir.Const(value):
            if value.is_finite() and value == value.to_integral_value():
                v = int(value)
                return _fits(v, v)
            return None
        case ir.If(_cond, then, orelse):
            a, b = int_range(then), int_range(orelse)
            if a is None or b is None:
                return None
            return _fits(min(a.lo, b.lo), max(a.hi, b.hi))
        case ir.Neg(inner):
            r = int_range(inner)
            return None if r is None else _fits(-r.hi, -r.lo)
        case ir.Abs(inner):
            r = int_range(inner)
            if r is None:
                return None
            return _fits(0 if r.lo <= 0 <= r.hi else min(abs(r.lo), abs(r.hi)), max(abs(r.lo), abs(r.hi)))
        case ir.Arith(op, left, right) if op != "div":
            a, b = int_range(left), int_range(right)
            if a is None or b is None:
                return None
            if op == "add":
                return _fits(a.lo + b.lo, a.hi + b.hi)
            if op == "sub":
                return _fits(a.lo - b.hi, a.hi - b.lo)
            corners = (a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi)
            return _fits(min(corners), max(corners))
        case ir.MinMax(op, args):
            rs = [int_range(x) for x in args]
            if not rs or any(r is None for r in rs):
                return None
            known = [r for r in rs if r is not None]
            pick = min if op == "min" else max
            return _fits(pick(r.lo for r in known), pick(r.hi for r in known))
        case _:
            return None


def operand_range(node: Node) -> IntRange | None:
    """The range of an arithmetic node together with its operands (the type must hold all three)."""
    r = int_range(node)
    if r is None or not isinstance(node, ir.Arith):
        return r
    a, b = int_range(node.left), int_range(node.right)
    if a is None or b is None:  # pragma: no cover - int_range(node) implies both
        return None
    return IntRange(min(r.lo, a.lo, b.lo), max(r.hi, a.hi, b.hi))
