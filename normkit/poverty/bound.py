"""A formula bound to one date, for classifying one case at a time as fast as plain Python.

The engine's Decimal path (:func:`normkit.core.runtime.evaluate`) records a trace and resolves
every name through its environment; that is what an explanation needs. Screening one
household at a time in a loop needs none of that, so this module compiles the same checked
IR once more, with every parameter and table resolved at the date and folded in as a
constant, into closures over a plain mapping of inputs. Arithmetic uses normkit's Decimal
context, so results are the engine's, digit for digit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
import operator
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable, Mapping

from normkit.core.dating import in_force
from normkit.core.numbers import CTX, round_to
from normkit.core.errors import NormkitError

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.runtime import RuleSet

Row = Mapping[str, Any]
BFn = Callable[[Row], Any]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}
_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y, "==": lambda x, y: x == y, "!=": lambda x, y: x != y,
}


def _num(x: Any) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(x)


def _whole(v: Any) -> Any:
    """Whole Decimals as int: comparisons with int inputs stay exact and cheaper."""
    if isinstance(v, Decimal) and v.is_finite() and v == v.to_integral_value():
        return int(v)
    return v


def _div(a: Any, b: Any) -> Any:
    if not b:
        raise NormkitError("NK502", f"division by zero ({a} / 0)")
    return CTX.divide(_num(a), _num(b))


class Binder:
    """Compiles IR trees of one rule set at one date into closures over an input mapping."""

    def __init__(self, rs: "RuleSet", at: dt.date) -> None:
        self.rs = rs
        self.at = at

    def param(self, name: str) -> Any:
        from normkit.core.runtime import evaluate

        if name in self.rs.overrides:
            return _whole(self.rs.overrides[name])
        p = self.rs.compiled.params[name]
        d = in_force(p.layers, self.at)
        if d is None:
            return _whole(evaluate(self.rs, name, self.at)[0])  # raises the engine's own error
        return _whole(d.value)

    def table(self, name: str) -> dict[Any, Any]:
        t = self.rs.compiled.tables[name]
        version = in_force(t.layers, self.at)
        if version is None:
            raise NormkitError("NK401", f"table {name!r} has no version in force on {self.at}")
        single = len(t.keys) == 1
        return {(k[0] if single else k): _whole(rows[0].value) for k, rows in version.rows.items() if rows}

    def formula(self, name: str) -> BFn:
        f = self.rs.compiled.formulas.get(name)
        if f is None:
            raise NormkitError("NK202", f"unknown formula {name!r}")
        if f.params:
            raise NormkitError("NK303", f"{name} takes arguments; bind a formula without arguments")
        fn = self.compile(f.ir)
        inputs = self.rs.compiled.inputs

        def run(row: Row) -> Any:
            try:
                return fn(row)
            except KeyError as e:  # closures index the row and the tables directly; say which failed
                key = e.args[0] if e.args else None
                if isinstance(key, str) and key in inputs and key not in row:
                    raise NormkitError("NK704", f"the household has no `{key}`") from None
                raise NormkitError("NK202", f"no table row for {key!r} in formula {name!r}") from None

        return run

    def compile(self, ir: tuple) -> BFn:  # noqa: C901 - one branch per IR tag, like compile.py
        tag = ir[0]
        if tag in ("const", "str", "bool"):
            value = _whole(ir[1])
            return lambda row: value
        if tag == "name":
            kind, name = ir[1], ir[2]
            if kind == "input":
                default = self.rs.compiled.inputs[name].default
                if default is None:
                    return itemgetter(name)  # a missing input surfaces as KeyError, reported by `bind`
                return lambda row: row.get(name, default)
            if kind == "param":
                value = self.param(name)
                return lambda row: value
            if kind == "formula":
                return self.formula(name)
            raise NormkitError("NK303", f"`{name}` ({kind}) cannot be bound for one household")
        if tag == "scale":
            inner = self.compile(ir[1])
            n, d = Decimal(ir[2]), Decimal(ir[3])
            return lambda row: _whole(CTX.divide(CTX.multiply(_num(inner(row)), n), d))
        if tag == "neg":
            inner = self.compile(ir[1])
            return lambda row: -inner(row)
        if tag in ("add", "sub", "mul"):
            a, b = self.compile(ir[1]), self.compile(ir[2])
            op = {"add": CTX.add, "sub": CTX.subtract, "mul": CTX.multiply}[tag]
            return lambda row: _whole(op(_num(a(row)), _num(b(row))))
        if tag == "div":
            a, b = self.compile(ir[1]), self.compile(ir[2])
            return lambda row: _div(a(row), b(row))
        if tag == "cmp":
            return self.compare(ir[1], ir[2], ir[3])
        if tag == "and":
            a, b = self.compile(ir[1]), self.compile(ir[2])
            return lambda row: a(row) and b(row)
        if tag == "or":
            a, b = self.compile(ir[1]), self.compile(ir[2])
            return lambda row: a(row) or b(row)
        if tag == "not":
            a = self.compile(ir[1])
            return lambda row: not a(row)
        if tag == "if":
            return self.choice(ir)
        if tag in ("min", "max"):
            parts = [self.compile(x) for x in ir[1]]
            pick = min if tag == "min" else max
            return lambda row: pick(p(row) for p in parts)
        if tag == "abs":
            a = self.compile(ir[1])
            return lambda row: abs(a(row))
        if tag == "round":
            a, q, mode = self.compile(ir[1]), self.compile(ir[2]), ir[3]
            return lambda row: _whole(round_to(_num(a(row)), _num(q(row)), mode))
        if tag == "lookup":
            return self.lookup(ir[1], ir[2])
        raise NormkitError("NK303", f"`{tag}` cannot be bound for one household")

    def choice(self, ir: tuple) -> BFn:
        """``if``: the test inlined when it is ``input <op> constant`` or ``input <op> table[text input]``,
        and constant branches returned without a call (a classification is a tree of these)."""
        test = self._simple_test(ir[1])
        const = ir[2][0] in _CONST and ir[3][0] in _CONST
        va, vb = (_whole(ir[2][1]), _whole(ir[3][1])) if const else (None, None)
        a, b = (None, None) if const else (self.compile(ir[2]), self.compile(ir[3]))
        if test is not None and test[3] is None:
            x, op, c, _ = test
            if const:
                return lambda row: va if op(row[x], c) else vb
            return lambda row: a(row) if op(row[x], c) else b(row)  # type: ignore[misc]
        if test is not None:
            x, op, rows, k = test
            if const:
                return lambda row: va if op(row[x], rows[row[k]]) else vb
            return lambda row: a(row) if op(row[x], rows[row[k]]) else b(row)  # type: ignore[misc]
        cond = self.compile(ir[1])
        if const:
            return lambda row: va if cond(row) else vb
        return lambda row: a(row) if cond(row) else b(row)  # type: ignore[misc]

    def _simple_test(self, ir: tuple) -> tuple[str, Callable[[Any, Any], bool], Any, Any] | None:
        """(input, operator, constant, None) or (input, operator, table rows, key input), else None."""
        if ir[0] != "cmp" or not _is_required_input(self.rs, ir[2]):
            return None
        op, x, right = _OPS[ir[1]], ir[2][2], ir[3]
        if right[0] in _CONST:
            return x, op, _whole(right[1]), None
        if right[0] == "name" and right[1] == "param":
            return x, op, self.param(right[2]), None
        if right[0] == "lookup" and len(right[2]) == 1 and _is_required_input(self.rs, right[2][0]):
            rows = self.table(right[1])
            if all(isinstance(k, str) for k in rows):
                return x, op, rows, right[2][0][2]
        return None

    def compare(self, op: str, left: tuple, right: tuple) -> BFn:
        cmp = _CMP[op]
        fused = self._fused_compare(op, left, right)
        if fused is not None:
            return fused
        a = self.compile(left)
        if right[0] in _CONST:
            c = _whole(right[1])
            return lambda row: cmp(a(row), c)
        b = self.compile(right)
        return lambda row: cmp(a(row), b(row))

    def _fused_compare(self, op: str, left: tuple, right: tuple) -> BFn | None:
        """``input <op> constant`` and ``input <op> table[text input]`` in one closure."""
        test = self._simple_test(("cmp", op, left, right))
        if test is None:
            return None
        x, fn, c, k = test
        if k is None:
            return lambda row: fn(row[x], c)
        return lambda row: fn(row[x], c[row[k]])

    def lookup(self, table: str, keys: tuple) -> BFn:
        rows = self.table(table)
        fns = [self.compile(k) for k in keys]

        def missing(key: Any) -> NormkitError:
            shown = "/".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
            return NormkitError("NK202", f"table {table!r} has no row for {shown}")

        if len(fns) == 1:
            k0 = fns[0]
            if _is_required_input(self.rs, keys[0]):  # a text input as the key: one dict look-up
                name = keys[0][2]
                return lambda row: rows[row[name]]

            def by_one(row: Row) -> Any:
                key = k0(row)
                try:
                    return rows[_key(key)]
                except KeyError:
                    raise missing(key) from None
            return by_one

        def by_many(row: Row) -> Any:
            key = tuple(_key(k(row)) for k in fns)
            try:
                return rows[key]
            except KeyError:
                raise missing(key) from None
        return by_many


_CONST = ("const", "str", "bool")


def _is_required_input(rs: "RuleSet", ir: tuple) -> bool:
    return ir[0] == "name" and ir[1] == "input" and rs.compiled.inputs[ir[2]].default is None


def _key(k: Any) -> Any:
    return Decimal(k) if isinstance(k, int) and not isinstance(k, bool) else k


def bind(rs: "RuleSet", at: dt.date, formula: str) -> BFn:
    """Formula ``formula`` of ``rs`` at ``at`` as a function of a mapping of inputs.

    A missing input or a key without a table row raises :class:`NormkitError` (NK704, NK202).

    >>> from normkit.api import load                                        # doctest: +SKIP
    >>> status = bind(load("vn-poverty-2022-2026"), dt.date(2024, 9, 1), "status")  # doctest: +SKIP
    >>> status({"area": "rural", "income_per_capita": 1500000, "deprivation_count": 3})  # doctest: +SKIP
    'poor'
    """
    return Binder(rs, at).formula(formula)
