"""Type and unit inference of expressions, with pint, at load time only.

The checker walks a parsed expression, infers the type of every node (a number with a unit,
a boolean, or text), reports unit mismatches with the file position of the offending
operator, and lowers the tree to the typed intermediate form of :mod:`normkit.core.lang.ir`, in which every
unit conversion is already an exact factor (a ``Scale`` node). That form is what is cached and
compiled; pint is not needed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol, cast

from normkit.core.errors import Location, NormkitError
from normkit.core.lang import ir
from normkit.core.lang.ir import Node
from normkit.core.lang.syntax import Binary, Bool, Call, Expression, If, Lookup, Name, Num, Str, Unary
from normkit.core.lang.types import Powers as Powers  # re-exported: the compiler and the domains import them from here
from normkit.core.lang.types import Type as Type
from normkit.core.lang.types import powers_of as powers_of
from normkit.core.numbers import CTX
from normkit.core.units import Vocabulary, parse_unit_expr

ROUNDING_MODES = ("half_up", "half_even", "half_down", "up", "down", "ceiling", "floor")

BOOL = Type("bool")
STR = Type("str")
PLAIN = Type("num", ())


def num(unit: Mapping[str, int] | Powers) -> Type:
    return Type("num", powers_of(dict(unit)))


@dataclass(frozen=True, slots=True)
class Symbol:
    kind: str  # param, input, formula, line, local
    type: Type


@dataclass(frozen=True, slots=True)
class TableSig:
    keys: tuple[Type, ...]
    value: Type | None  # None: each row has its own unit (a rate card's material prices)
    row_unit: Callable[[tuple[Any, ...]], Type | None] | None = None


@dataclass(frozen=True, slots=True)
class FormulaSig:
    params: tuple[tuple[str, Type], ...]
    result: Type


class Scope(Protocol):
    """What an expression can see. A domain declares line groups (``sum_lines(group, …)``) here."""

    def symbol(self, name: str) -> Symbol | None: ...
    def table(self, name: str) -> TableSig | None: ...
    def function(self, name: str) -> FormulaSig | None: ...
    def line_scope(self, group: str) -> Scope | None: ...
    def line_groups(self) -> tuple[str, ...]: ...


_NAME_NODES: dict[str, type[ir.Param | ir.Input | ir.FormulaRef | ir.LineField | ir.Local | ir.ItemField]] = {
    "param": ir.Param, "input": ir.Input, "formula": ir.FormulaRef, "line": ir.LineField, "local": ir.Local, "item": ir.ItemField,
}


class UnitAlgebra:
    """pint-backed unit arithmetic on canonical power tuples."""

    def __init__(self, vocab: Vocabulary, registry: Any) -> None:
        self.vocab = vocab
        self.reg = registry
        self._cache: dict[tuple[Powers, Powers], Fraction | None] = {}

    def pint_unit(self, p: Powers) -> Any:
        u = self.reg.dimensionless
        for name, power in p:
            u = u * self.reg.Unit(name) ** power
        return u

    def _powers(self, unit: Any) -> Powers:
        return powers_of({str(k): int(v) for k, v in unit._units.items()})

    def mul(self, a: Powers, b: Powers) -> Powers:
        return self._powers(self.pint_unit(a) * self.pint_unit(b))

    def div(self, a: Powers, b: Powers) -> Powers:
        return self._powers(self.pint_unit(a) / self.pint_unit(b))

    def factor(self, src: Powers, dst: Powers) -> Fraction | None:
        """x [src] = x·f [dst]; None when the dimensions differ."""
        key = (src, dst)
        if key not in self._cache:
            a, b = self.pint_unit(src), self.pint_unit(dst)
            if a.dimensionality != b.dimensionality:
                self._cache[key] = None
            else:
                self._cache[key] = Fraction(self.reg.Quantity(Fraction(1), a).to(b).magnitude)
        return self._cache[key]

    def parse(self, text: str, location: Location | None = None) -> Powers:
        return powers_of(parse_unit_expr(text, self.vocab, location))


def scaled(node: Node, f: Fraction) -> Node:
    """Multiply an IR node by an exact factor (no node when the factor is 1)."""
    if f == 1:
        return node
    if isinstance(node, ir.Const):
        return ir.Const(CTX.divide(CTX.multiply(node.value, Decimal(f.numerator)), Decimal(f.denominator)))
    return ir.Scale(node, f.numerator, f.denominator)


_OP_WORD = {"+": "add", "-": "subtract", "<": "compare", "<=": "compare", ">": "compare",
            ">=": "compare", "==": "compare", "!=": "compare"}


class Checker:
    def __init__(self, expr: Expression, scope: Scope, units: UnitAlgebra) -> None:
        self.expr = expr
        self.scope = scope
        self.units = units

    def fail(self, code: str, message: str, at: int) -> NormkitError:
        text = self.expr.text
        excerpt = text if len(text) <= 80 else text[:77] + "..."
        return NormkitError(code, f"{message} in `{excerpt}`", location=self.expr.locate(at))

    def check(self, node: Any, scope: Scope | None = None) -> tuple[Type, Node]:
        scope = scope or self.scope
        if isinstance(node, Num):
            if node.unit:
                p = self.units.parse(node.unit, self.expr.locate(node.start))
                return num(p), ir.Const(node.value)
            return PLAIN, ir.Const(node.value)
        if isinstance(node, Str):
            return STR, ir.Text(node.value)
        if isinstance(node, Bool):
            return BOOL, ir.Flag(node.value)
        if isinstance(node, Name):
            sym = scope.symbol(node.id)
            if sym is None:
                if scope.table(node.id) is not None:
                    raise self.fail("NK303", f"{node.id!r} is a table; look it up with {node.id}[key, ...]", node.start)
                raise self.fail("NK202", f"unknown name {node.id!r}", node.start)
            return sym.type, _NAME_NODES[sym.kind](node.id)
        if isinstance(node, Unary):
            t, operand = self.check(node.operand, scope)
            if node.op == "not":
                self.want(t, BOOL, node.operand.start, "`not` needs true/false")
                return BOOL, ir.Not(operand)
            self.want_num(t, node.operand.start, "`-`")
            return t, ir.Neg(operand)
        if isinstance(node, Binary):
            return self.binary(node, scope)
        if isinstance(node, If):
            ct, cir = self.check(node.cond, scope)
            self.want(ct, BOOL, node.cond.start, "the condition of `if` must be true/false")
            at, air = self.check(node.then, scope)
            bt, bir = self.check(node.orelse, scope)
            bir = self.convert(bt, at, bir, node.orelse.start, "choose between")
            return at, ir.If(cir, air, bir)
        if isinstance(node, Lookup):
            return self.lookup(node, scope)
        if isinstance(node, Call):
            return self.call(node, scope)
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def want(self, t: Type, expected: Type, at: int, what: str) -> None:
        if t.kind != expected.kind:
            raise self.fail("NK303", f"{what}, but this is {t}", at)

    def want_num(self, t: Type, at: int, what: str) -> None:
        if t.kind != "num":
            raise self.fail("NK303", f"{what} needs a number, but this is {t}", at)

    def convert(self, src: Type, dst: Type, node: Node, at: int, verb: str) -> Node:
        """IR of a value of type ``src`` expressed in ``dst``'s unit, or a unit mismatch."""
        if src.kind != dst.kind:
            raise self.fail("NK303", f"cannot {verb} {dst} and {src}", at)
        if src.kind != "num":
            return node
        f = self.units.factor(src.unit, dst.unit)
        if f is None:
            raise self.fail("NK311", f"cannot {verb} {dst} and {src}", at)
        return scaled(node, f)

    def binary(self, node: Binary, scope: Scope) -> tuple[Type, Node]:
        lt, lir = self.check(node.left, scope)
        rt, rir = self.check(node.right, scope)
        op = node.op
        if op in ("and", "or"):
            self.want(lt, BOOL, node.left.start, f"`{op}` needs true/false")
            self.want(rt, BOOL, node.right.start, f"`{op}` needs true/false")
            return BOOL, (ir.And(lir, rir) if op == "and" else ir.Or(lir, rir))
        if op in ("==", "!=") and lt.kind in ("str", "bool"):
            if rt.kind != lt.kind:
                raise self.fail("NK303", f"cannot compare {lt} and {rt}", node.right.start)
            return BOOL, ir.Cmp(cast(ir.CmpOp, op), lir, rir)
        if op in ("+", "-", "<", "<=", ">", ">=", "==", "!="):
            self.want_num(lt, node.left.start, f"`{op}`")
            self.want_num(rt, node.right.start, f"`{op}`")
            rir = self.convert(rt, lt, rir, node.right.start, _OP_WORD[op])
            if op in ("+", "-"):
                return lt, ir.Arith("add" if op == "+" else "sub", lir, rir)
            return BOOL, ir.Cmp(cast(ir.CmpOp, op), lir, rir)
        # * and /
        self.want_num(lt, node.left.start, f"`{op}`")
        self.want_num(rt, node.right.start, f"`{op}`")
        if op == "*":
            return num(self.units.mul(lt.unit, rt.unit)), ir.Arith("mul", lir, rir)
        return num(self.units.div(lt.unit, rt.unit)), ir.Arith("div", lir, rir)

    def lookup(self, node: Lookup, scope: Scope) -> tuple[Type, Node]:
        sig = scope.table(node.table)
        if sig is None:
            raise self.fail("NK202", f"unknown table {node.table!r}", node.start)
        if len(node.keys) != len(sig.keys):
            raise self.fail("NK303", f"table {node.table!r} takes {len(sig.keys)} key(s), got {len(node.keys)}", node.start)
        keys: list[Node] = []
        for key, want in zip(node.keys, sig.keys, strict=True):
            kt, kir = self.check(key, scope)
            keys.append(self.convert(kt, want, kir, key.start, "use as a key"))
        value = sig.value
        if value is None:
            value = self.row_type(node, sig, keys)
        return value, ir.Lookup(node.table, tuple(keys))

    def row_type(self, node: Lookup, sig: TableSig, keys: list[Node]) -> Type:
        """A table whose rows carry their own unit: the keys must be known at load time."""
        consts: list[Any] = []
        for k in keys:
            if isinstance(k, (ir.Const, ir.Text)):
                consts.append(k.value)
            elif isinstance(k, ir.LineField) and hasattr(self.scope, "line_value"):
                consts.append(self.scope.line_value(k.name))
            else:
                raise self.fail("NK303", f"table {node.table!r} has a unit per row, so its keys must be fixed values or norm-line fields", node.start)
        assert sig.row_unit is not None
        t = sig.row_unit(tuple(consts))
        if t is None:
            return Type("num", (("__missing__", 1),))  # no row yet: reported as a missing rate-card value when priced
        return t

    def call(self, node: Call, scope: Scope) -> tuple[Type, Node]:
        f = node.func
        if f in ("min", "max"):
            if len(node.args) < 2:
                raise self.fail("NK303", f"{f}() needs at least two values", node.start)
            first_t, first = self.check(node.args[0], scope)
            self.want_num(first_t, node.args[0].start, f"{f}()")
            irs = [first]
            for a in node.args[1:]:
                t, part = self.check(a, scope)
                irs.append(self.convert(t, first_t, part, a.start, f"take the {f}imum of"))
            return first_t, ir.MinMax("min" if f == "min" else "max", tuple(irs))
        if f == "abs":
            if len(node.args) != 1:
                raise self.fail("NK303", "abs() takes one value", node.start)
            t, value = self.check(node.args[0], scope)
            self.want_num(t, node.args[0].start, "abs()")
            return t, ir.Abs(value)
        if f == "round":
            if len(node.args) != 3 or not isinstance(node.args[2], Name) or node.args[2].id not in ROUNDING_MODES:
                raise self.fail("NK303", "round() takes (value, quantum, mode) with mode one of " + ", ".join(ROUNDING_MODES), node.start)
            t, value = self.check(node.args[0], scope)
            self.want_num(t, node.args[0].start, "round()")
            qt, qir = self.check(node.args[1], scope)
            if qt == PLAIN:
                qt = t  # a plain quantum is in the value's unit
            qir = self.convert(qt, t, qir, node.args[1].start, "round")
            return t, ir.Round(value, qir, node.args[2].id)
        if f == "sum_lines":
            return self.sum_lines(node, scope)
        sig = scope.function(f)
        if sig is None:
            raise self.fail("NK202", f"unknown function {f!r}", node.start)
        if len(node.args) != len(sig.params):
            raise self.fail("NK303", f"{f}() takes {len(sig.params)} argument(s), got {len(node.args)}", node.start)
        args: list[Node] = []
        for a, (_pname, ptype) in zip(node.args, sig.params, strict=True):
            t, arg = self.check(a, scope)
            args.append(self.convert(t, ptype, arg, a.start, f"pass to {f}()"))
        return sig.result, ir.Call(f, tuple(args))

    def sum_lines(self, node: Call, scope: Scope) -> tuple[Type, Node]:
        """``sum_lines(group, expression)``: the groups are the scope's, not the language's."""
        groups = scope.line_groups()
        if not groups:
            raise self.fail("NK303", "sum_lines() can only be used where lines are being summed (a norm being priced)", node.start)
        first = node.args[0] if node.args else None
        inner = scope.line_scope(first.id) if len(node.args) == 2 and isinstance(first, Name) else None
        if inner is None:
            raise self.fail("NK303", "sum_lines() takes (group, expression) with group one of " + ", ".join(groups), node.start)
        assert isinstance(first, Name)
        t, value = self.check(node.args[1], inner)
        self.want_num(t, node.args[1].start, "sum_lines()")
        return t, ir.SumLines(first.id, value)


def dimension_text(dims: Any) -> str:
    """``[labour] / [currency]^2``: pint's own formatting fails on exponents held as Fractions."""
    def term(name: Any, power: Any) -> str:
        p = Fraction(power)
        return str(name) if p == 1 else f"{name}^{p.numerator if p.denominator == 1 else p}"

    items = list(dict(dims).items())
    num = " * ".join(term(k, v) for k, v in items if v > 0) or "1"
    den = " * ".join(term(k, -v) for k, v in items if v < 0)
    return f"{num} / {den}" if den else num


def check_expression(expr: Expression, scope: Scope, units: UnitAlgebra, declared: Type | None = None) -> tuple[Type, Node]:
    """Infer the type of ``expr``; when ``declared`` is given, convert to it or fail."""
    checker = Checker(expr, scope, units)
    t, tree = checker.check(expr.tree)
    if declared is not None and t.unit != (("__missing__", 1),):
        if t.kind != declared.kind:
            raise NormkitError("NK303", f"`{expr.text}` gives {t} but {declared} is declared", location=expr.location)
        if t.kind == "num":
            f = units.factor(t.unit, declared.unit)
            if f is None:
                raise NormkitError(
                    "NK311",
                    f"`{expr.text}` has unit {t} but {declared} is declared",
                    location=expr.location,
                    hint=f"the expression's dimension is {dimension_text(units.pint_unit(t.unit).dimensionality)}, "
                         f"the declared one {dimension_text(units.pint_unit(declared.unit).dimensionality)}",
                )
            tree = scaled(tree, f)
        return declared, tree
    return t, tree
