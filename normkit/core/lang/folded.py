"""The folded scalar backend: a formula bound to one date, evaluated without a trace.

The traced path (:mod:`normkit.core.lang.scalar`) resolves every name through its environment
and records a trace; that is what an explanation needs. Evaluating one case after another in a
loop (screening households) needs none of that, so here every parameter and table is resolved
at the date once and folded in as a constant, and the IR becomes closures over a plain mapping
of inputs. Every operation is :mod:`normkit.core.lang.ops`, so results are the engine's, digit
for digit, and failures are the same coded errors. Whole numbers are kept as ``int`` (exact),
which makes comparisons with integer inputs cheap.

>>> from normkit.api import load                                        # doctest: +SKIP
>>> status = fold(load("vn-poverty-2022-2026"), dt.date(2024, 9, 1), "status")  # doctest: +SKIP
>>> status({"area": "rural", "income_per_capita": 1500000, "deprivation_count": 3})  # doctest: +SKIP
'poor'
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, assert_never

from normkit.core.dating import coverage, in_force
from normkit.core.errors import NormkitError
from normkit.core.lang import ops, ranges
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

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.compiled import AdjustmentC
    from normkit.core.runtime import RuleSet

Row = Mapping[Any, Any]
BFn = Callable[[Row], Any]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {"add": ops.add, "sub": ops.subtract, "mul": ops.multiply, "div": ops.divide}
_CONSTS = (Const, Text, Flag)


class _Rows(dict[Any, Any]):
    """A table's rows at the date; a key without a row is the engine's NK202."""

    table = ""

    def __missing__(self, key: Any) -> Any:
        raise ops.lookup_miss(self.table, key if isinstance(key, tuple) else (key,))


@dataclass(frozen=True, slots=True)
class _Test:
    """``row[x] <fn> c`` (``key`` None) or ``row[x] <fn> c[row[key]]`` (``c`` a table's rows)."""

    x: str
    fn: Callable[[Any, Any], bool]
    c: Any
    key: str | None
    table: str

    def limit(self, row: Row) -> Any:
        """The right-hand side for ``row`` (a key without a row is the engine's NK202)."""
        if self.key is None:
            return self.c
        try:
            return self.c[row[self.key]]
        except KeyError:
            if self.key not in row:
                raise  # a missing input, reported by `run`
            raise ops.lookup_miss(self.table, (row[self.key],)) from None

    def test(self) -> BFn:
        x, fn, c, k, limit = self.x, self.fn, self.c, self.key, self.limit
        if k is None:
            return lambda row: fn(row[x], c)

        def test(row: Row) -> bool:
            try:
                return fn(row[x], c[row[k]])
            except KeyError:
                return fn(row[x], limit(row))

        return test

    def pick_values(self, va: Any, vb: Any) -> BFn:
        """``va if test else vb`` in one closure."""
        x, fn, c, k, limit = self.x, self.fn, self.c, self.key, self.limit
        if k is None:
            return lambda row: va if fn(row[x], c) else vb

        def pick(row: Row) -> Any:
            try:
                return va if fn(row[x], c[row[k]]) else vb
            except KeyError:
                return va if fn(row[x], limit(row)) else vb

        return pick

    def pick(self, a: BFn, b: BFn) -> BFn:
        """``a(row) if test else b(row)`` in one closure."""
        x, fn, c, k, limit = self.x, self.fn, self.c, self.key, self.limit
        if k is None:
            return lambda row: a(row) if fn(row[x], c) else b(row)

        def pick(row: Row) -> Any:
            try:
                chosen = fn(row[x], c[row[k]])
            except KeyError:
                chosen = fn(row[x], limit(row))
            return a(row) if chosen else b(row)

        return pick


def _local_key(name: str) -> tuple[str, str]:
    return ("local", name)  # a tuple: never the name of an input


def _raise(error: NormkitError) -> BFn:
    def fail(row: Row) -> Any:
        raise error

    return fail


class Folder:
    """Compiles IR trees of one rule set at one date into closures over an input mapping."""

    def __init__(self, rs: RuleSet, at: dt.date) -> None:
        self.rs = rs
        self.at = at
        self.compiled = rs.compiled
        self._formulas: dict[str, BFn] = {}
        self._tables: dict[str, _Rows | NormkitError] = {}

    # ---- names resolved at the date -------------------------------------------------------------
    def param(self, name: str) -> Any:
        """The value in force (or the what-if value); the engine's own error when there is none."""
        if name in self.rs.overrides:
            return ops.whole(self.rs.overrides[name])
        p = self.compiled.params[name]
        d = in_force(p.layers, self.at)
        if d is None:
            if p.supplied_by and not any(layer for layer in p.layers):
                raise NormkitError("NK501", f"`{name}` ({p.label.en}, {p.unit}) must be supplied by the {p.supplied_by.replace('_', ' ')}")
            raise NormkitError("NK401", f"{name!r} has no value in force on {self.at}; values cover {coverage(p.layers)}",
                               location=p.location)
        return ops.whole(d.value)

    def table(self, name: str) -> _Rows:
        """The rows in force, keyed by the key (one key) or the key tuple."""
        hit = self._tables.get(name)
        if hit is None:
            hit = self._tables[name] = self._table(name)
        if isinstance(hit, NormkitError):
            raise hit
        return hit

    def _table(self, name: str) -> _Rows | NormkitError:
        t = self.compiled.tables[name]
        version = in_force(t.layers, self.at)
        if version is None:
            if t.supplied_by and not any(t.layers):
                return NormkitError("NK501", f"table `{name}` ({t.label.en}) must be supplied by the rate card")
            return NormkitError("NK401", f"table {name!r} has no version in force on {self.at}; versions cover {coverage(t.layers)}",
                                location=t.location)
        single = len(t.keys) == 1
        rows = _Rows({(k[0] if single else k): ops.whole(rows[0].value) for k, rows in version.rows.items() if rows})
        for (tname, key), (value, _unit) in self.rs.row_overrides.items():  # what-if rows
            if tname == name:
                rows[key[0] if single else key] = ops.whole(value)
        rows.table = name
        return rows

    def formula(self, name: str) -> BFn:
        """Formula or adjustment ``name`` (without arguments) as a closure; compiled once."""
        fn = self._formulas.get(name)
        if fn is None:
            c = self.compiled
            if name in c.formulas:
                f = c.formulas[name]
                if f.params:
                    raise NormkitError("NK303", f"{name} takes arguments; fold a formula without arguments")
                fn = self.compile(f.ir)
            elif name in c.adjustments:
                fn = self.adjustment(c.adjustments[name])
            else:
                raise NormkitError("NK202", f"unknown formula {name!r}")
            self._formulas[name] = fn
        return fn

    def run(self, name: str) -> BFn:
        """Formula ``name`` as a function of a mapping of inputs, reporting failures as coded errors."""
        fn = self.formula(name)
        inputs = self.compiled.inputs
        obj = self.compiled.formulas.get(name) or self.compiled.adjustments.get(name)
        where = obj.location if obj is not None else None

        def run(row: Row) -> Any:
            try:
                return fn(row)
            except KeyError as e:  # a required input the mapping lacks (closures index it directly)
                key = e.args[0] if e.args else None
                if isinstance(key, str) and key in inputs and key not in row:
                    spec = inputs[key]
                    raise NormkitError("NK501", f"input `{key}` ({spec.label.en}; {spec.unit}) is required") from None
                raise
            except ops.RANGE_ERRORS as exc:
                raise ops.range_error(exc, name, where) from None

        return run

    # ---- the compiler ---------------------------------------------------------------------------
    def compile(self, node: Node) -> BFn:
        match node:
            case Const(value) | Text(value) | Flag(value):
                v = ops.whole(value)
                return lambda row: v
            case Param(name):
                try:
                    pv = self.param(name)
                except NormkitError as e:  # only an error if the value is actually needed
                    return _raise(e)
                return lambda row: pv
            case Input(name):
                return self.input(name)
            case FormulaRef(name):
                return self.formula(name)
            case Local(name):
                key = _local_key(name)
                return lambda row: row[key]
            case LineField(name) | ItemField(name):
                return _raise(NormkitError("NK303", f"`{name}` ({type(node).__name__}) cannot be evaluated without a norm being priced"))
            case SumLines():
                return _raise(NormkitError("NK303", "`sum_lines` cannot be evaluated without a norm being priced"))
            case Scale(inner_node, num, den):
                inner, n, d = self.compile(inner_node), Decimal(num), Decimal(den)
                return lambda row: ops.whole(ops.scale(inner(row), n, d))
            case Neg(inner_node):
                inner = self.compile(inner_node)
                return lambda row: ops.whole(ops.negate(inner(row)))
            case Arith(op, left, right):
                if op == "add" and ranges.operand_range(node) is not None:
                    return self.small_sum(node)
                a, b, fn = self.compile(left), self.compile(right), _ARITH[op]
                return lambda row: ops.whole(fn(a(row), b(row)))
            case Cmp(op, left, right):
                return self.compare(op, left, right)
            case And(left, right):
                a, b = self.compile(left), self.compile(right)
                return lambda row: a(row) and b(row)
            case Or(left, right):
                a, b = self.compile(left), self.compile(right)
                return lambda row: a(row) or b(row)
            case Not(inner_node):
                inner = self.compile(inner_node)
                return lambda row: not inner(row)
            case If(cond, then, orelse):
                return self.choice(cond, then, orelse)
            case MinMax(op, args):
                parts = [self.compile(x) for x in args]
                return lambda row: ops.extreme(op, [p(row) for p in parts])
            case Abs(inner_node):
                inner = self.compile(inner_node)
                return lambda row: ops.whole(ops.absolute(inner(row)))
            case Round(value_node, quantum_node, mode):
                value_fn, quantum_fn = self.compile(value_node), self.compile(quantum_node)

                def rounded(row: Row) -> Any:
                    q = quantum_fn(row)
                    return ops.whole(ops.round_value(value_fn(row), q, mode))

                return rounded
            case Lookup(table, keys):
                return self.lookup(table, keys)
            case Call(name, args):
                return self.call(name, args)
            case _:
                assert_never(node)

    def small_sum(self, node: Arith) -> BFn:
        """A sum proved to be a small whole number (:mod:`normkit.core.lang.ranges`): plain ``int`` additions.

        Twelve ``if flag then 1 else 0`` terms over required inputs become one look-up of the twelve
        inputs and a count of the true ones; other terms are added left to right, in the order written."""
        terms: list[Node] = []
        stack: list[Node] = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, Arith) and n.op == "add":
                stack += [n.right, n.left]
            else:
                terms.append(n)
        flags = [self._flag_term(t) for t in terms]
        if all(flags):
            pick = operator.itemgetter(*flags)
            if len(flags) == 1:
                return lambda row: 1 if pick(row) else 0
            return lambda row: sum(map(bool, pick(row)))
        fns = [self.compile(t) for t in terms]
        return lambda row: sum(f(row) for f in fns)

    def _flag_term(self, node: Node) -> str:
        """The input of an ``if input then 1 else 0`` term (a required input), else ""."""
        if isinstance(node, If) and isinstance(node.then, Const) and isinstance(node.orelse, Const) \
                and node.then.value == 1 and node.orelse.value == 0:
            return self._required_input(node.cond) or ""
        return ""

    def input(self, name: str) -> BFn:
        default = self.compiled.inputs[name].default
        if default is None:
            return operator.itemgetter(name)  # a missing input surfaces as KeyError, reported by `run`
        dv = ops.whole(default)
        return lambda row: row.get(name, dv)

    def call(self, name: str, args: tuple[Node, ...]) -> BFn:
        f = self.compiled.formulas[name]
        body = self.compile(f.ir)
        keys = [_local_key(p) for p, _ in f.params]
        fns = [self.compile(a) for a in args]

        def call(row: Row) -> Any:
            frame = dict(row)
            for k, a in zip(keys, fns, strict=True):  # every argument, in order, before the body (as on every path)
                frame[k] = a(row)
            return body(frame)

        return call

    def adjustment(self, a: AdjustmentC) -> BFn:
        base = self.compile(a.base_ir)
        excs = [(e, self.compile(e.when_ir), self.compile(e.value_ir)) for e in a.exceptions]
        where = a.location

        def adjust(row: Row) -> Any:
            applicable = [(e, v) for e, w, v in excs if w(row)]
            if not applicable:
                return base(row)
            top = max(e.priority for e, _ in applicable)
            best = [(e, v) for e, v in applicable if e.priority == top]
            if len(best) > 1:
                raise ops.conflict(a.name, (e.label for e, _ in best), top, where)
            return best[0][1](row)

        return adjust

    # ---- fast shapes: a classification is a tree of `input <op> constant` tests -----------------
    def _required_input(self, node: Node) -> str | None:
        if isinstance(node, Input) and self.compiled.inputs[node.name].default is None:
            return node.name
        return None

    def simple_test(self, op: str, left: Node, right: Node) -> _Test | None:
        """``input <op> constant`` or ``input <op> table[text input]``, resolved at the date; else None."""
        x = self._required_input(left)
        if x is None:
            return None
        fn = _OPS[op]
        try:
            if isinstance(right, (Const, Text, Flag, Param)):
                c = ops.whole(right.value) if isinstance(right, (Const, Text, Flag)) else self.param(right.name)
                return _Test(x, fn, c, None, "")
            if isinstance(right, Lookup) and len(right.keys) == 1 and (k := self._required_input(right.keys[0])) is not None:
                rows = self.table(right.table)
                if all(isinstance(key, str) for key in rows):
                    return _Test(x, fn, dict(rows), k, right.table)
        except NormkitError:
            return None  # not resolvable at the date: the general path raises when evaluated
        return None

    def compare(self, op: str, left: Node, right: Node) -> BFn:
        test = self.simple_test(op, left, right)
        if test is not None:
            return test.test()
        a, cmp = self.compile(left), ops.COMPARE[op]
        if isinstance(right, _CONSTS):
            c = ops.whole(right.value)
            return lambda row: cmp(a(row), c)
        b = self.compile(right)
        return lambda row: cmp(a(row), b(row))

    def choice(self, cond: Node, then: Node, orelse: Node) -> BFn:
        """``if``: a simple test inlined, constant branches returned without a call (a classification
        is a tree of these)."""
        test = self.simple_test(cond.op, cond.left, cond.right) if isinstance(cond, Cmp) else None
        if isinstance(then, (Const, Text, Flag)) and isinstance(orelse, (Const, Text, Flag)):
            va, vb = ops.whole(then.value), ops.whole(orelse.value)
            if test is not None:
                return test.pick_values(va, vb)
            c = self.compile(cond)
            return lambda row: va if c(row) else vb
        a, b = self.compile(then), self.compile(orelse)
        if test is not None:
            return test.pick(a, b)
        c = self.compile(cond)
        return lambda row: a(row) if c(row) else b(row)

    def lookup(self, table: str, keys: tuple[Node, ...]) -> BFn:
        try:
            rows = self.table(table)
        except NormkitError as e:
            return _raise(e)
        fns = [self.compile(k) for k in keys]
        if len(fns) == 1:
            name = self._required_input(keys[0])
            if name is not None and all(isinstance(k, str) for k in rows):
                return lambda row: rows[row[name]]  # a text input as the key: one dict look-up
            k0 = fns[0]
            return lambda row: rows[_key(k0(row))]
        return lambda row: rows[tuple(_key(k(row)) for k in fns)]


def _key(k: Any) -> Any:
    return Decimal(k) if isinstance(k, int) and not isinstance(k, bool) else k


def fold(rs: RuleSet, at: dt.date, formula: str) -> BFn:
    """Formula ``formula`` of ``rs`` at ``at`` as a function of a mapping of inputs."""
    return Folder(rs, at).run(formula)
