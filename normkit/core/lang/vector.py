"""Compile the checked intermediate form into NumPy operations over whole columns.

The same IR that :mod:`normkit.core.lang.scalar` turns into Decimal closures for one case is
turned here into closures over arrays, so a population is evaluated by the very rules a
single case is. Inputs become columns; parameters and table values are resolved once at the
evaluation date and become scalars.

Representation of values (never a float):

* numbers: ``int64`` arrays while every value is a whole number (money in whole đồng,
  counts, points) — or the smallest integer type holding a range proved at compile time
  (:mod:`normkit.core.lang.ranges`: a count of 12 flags is ``int8``), widened to ``int64``
  before any operation without that proof — else ``object`` arrays of :class:`~decimal.Decimal` computed with
  normkit's own Decimal context, exactly as the single-case path computes them; scalars are
  Python ``int`` (a whole Decimal) or ``Decimal``;
* booleans: ``bool`` arrays or Python ``bool``;
* text: :class:`Text` (small integer codes into a tuple of categories) or a Python ``str``.

Errors are per row. Division by zero, a table key without a row, or a conflict between
adjustment exceptions is recorded for the rows where it happens *and* where the
sub-expression is actually used (a branch of ``if`` not taken does not fail, just as in the
single-case path, which never evaluates it). :func:`evaluate_columns` returns those
errors next to the values; the caller decides what a failed row becomes (a reject).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, assert_never

import numpy as np

from normkit.core.dating import coverage, in_force
from normkit.core.errors import NormkitError
from normkit.core.lang import ir, ops, ranges
from normkit.core.lang.ir import Node

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.runtime import RuleSet

Active = Callable[[], "np.ndarray | None"]
VFn = Callable[["VectorEnv", Active], Any]

INT_LIMIT = ops.INT_LIMIT


def _ALL() -> np.ndarray | None:
    """The :data:`Active` of every row (no mask)."""
    return None


@dataclass(frozen=True, slots=True)
class Text:
    """A text column: ``categories[codes[i]]`` is row i's value."""

    codes: np.ndarray
    categories: tuple[str, ...]

    def to_objects(self) -> np.ndarray:
        """The values as an ``object`` array of str."""
        out: np.ndarray = np.asarray(self.categories, dtype=object)[self.codes]
        return out

    def __len__(self) -> int:
        return len(self.codes)

    @staticmethod
    def from_values(values: Sequence[str] | np.ndarray) -> Text:
        """Encode strings (a list or an object/str array) as codes and categories."""
        arr = np.asarray(values, dtype=object)
        cats, codes = np.unique(arr.astype(str), return_inverse=True)
        return Text(codes.astype(_code_dtype(len(cats))), tuple(str(c) for c in cats))


@dataclass(slots=True)
class RowError:
    """An error on the rows where ``mask`` is true."""

    mask: np.ndarray
    code: str
    message: str


@dataclass
class VectorEnv:
    """State of one evaluation over ``n`` rows at date ``at``."""

    rs: RuleSet
    at: dt.date
    columns: Mapping[str, Any]
    n: int
    scalars: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, dict[tuple[Any, ...], Any]] = field(default_factory=dict)
    memo: dict[str, tuple[Any, list[RowError]]] = field(default_factory=dict)
    local: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def fail(self, mask: np.ndarray | bool, active: Active, code: str, message: str) -> None:
        """Record an error on the rows of ``mask`` that are in use."""
        m = np.broadcast_to(np.asarray(mask, dtype=bool), (self.n,))
        a = active()
        if a is not None:
            m = m & a
        if m.any():
            self.errors.append(RowError(np.array(m, dtype=bool), code, message))


# ---- scalars and conversions ------------------------------------------------------------------

def _code_dtype(n: int) -> Any:
    return np.int8 if n <= 127 else (np.int16 if n <= 32767 else np.int32)


scalar = ops.small  # a constant in array form: a whole Decimal becomes an int (exactly, within int64), others stay
_is_array, _is_int, _objects, _narrow = ops.is_array, ops.is_int, ops.objects, ops.narrow


def _failures(env: VectorEnv, active: Active) -> ops.Failures:
    """Where the operations of :mod:`normkit.core.lang.ops` report failing rows."""

    def fail(rows: Any, code: str, message: str) -> None:
        env.fail(rows, active, code, message)

    return fail


def _compare(op: str, a: Any, b: Any, n: int) -> Any:
    if isinstance(a, Text) or isinstance(b, Text) or isinstance(a, str) or isinstance(b, str):
        return _compare_text(op, a, b)
    if isinstance(a, Decimal) or isinstance(b, Decimal) or _is_objects(a) or _is_objects(b):
        a, b = _wide(a), _wide(b)  # exact objects compare with int64 values as they always have
    return ops.array_compare_numbers(op, a, b, n)


def _is_objects(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind == "O"


def _compare_text(op: str, a: Any, b: Any) -> Any:
    if op not in ("==", "!="):  # the checker allows only these on text
        raise NormkitError("NK303", f"text cannot be compared with {op}")
    if isinstance(b, Text) and not isinstance(a, Text):
        a, b = b, a
    if isinstance(a, str) and isinstance(b, str):
        return (a == b) if op == "==" else (a != b)
    assert isinstance(a, Text)
    if isinstance(b, str):
        eq = a.codes == a.categories.index(b) if b in a.categories else np.zeros(len(a.codes), dtype=bool)
    else:
        eq = a.to_objects() == b.to_objects()
    return eq if op == "==" else ~eq


def _within(active: Active, guard: np.ndarray) -> Active:
    """The rows in use inside a branch: those in use outside and where ``guard`` holds."""

    def rows() -> np.ndarray:
        outer = active()
        return guard if outer is None else outer & guard

    return rows


def _choose(c: np.ndarray, a: Any, b: Any) -> Any:
    """``np.where`` that keeps values exact and merges text categories."""
    if isinstance(a, (Text, str)) or isinstance(b, (Text, str)):
        ta = a if isinstance(a, Text) else None
        tb = b if isinstance(b, Text) else None
        cats = list(ta.categories if ta else ())
        for s in (tb.categories if tb else ()):
            if s not in cats:
                cats.append(s)
        for s in (a, b):
            if isinstance(s, str) and s not in cats:
                cats.append(s)
        dtype = _code_dtype(len(cats))

        def codes(x: Any) -> Any:
            if isinstance(x, str):
                return dtype(cats.index(x))
            remap = np.array([cats.index(s) for s in x.categories], dtype=dtype)
            return x.codes if np.array_equal(remap, np.arange(len(remap))) else remap[x.codes]

        return Text(np.where(c, codes(a), codes(b)).astype(dtype, copy=False), tuple(cats))
    if (_is_array(a) and a.dtype == object) or (_is_array(b) and b.dtype == object) or isinstance(a, Decimal) or isinstance(b, Decimal):
        return _narrow(np.where(c, _objects(a) if not isinstance(a, bool) else a, _objects(b) if not isinstance(b, bool) else b))
    return np.where(c, a, b)


# ---- the compiler -----------------------------------------------------------------------------

def static_text_choices(node: Node) -> list[str] | None:
    """The text constants an ``if`` tree chooses between, when that is all it can give."""
    return ir.text_choices(node)


def compile_vector(node: Node) -> VFn:
    """Compile one IR tree into a function ``fn(env, active)`` over columns."""
    cats = ir.text_choices(node) if isinstance(node, ir.If) else None
    if cats is not None:
        coded = _compile(node, {s: i for i, s in enumerate(cats)})
        dtype = _code_dtype(len(cats))
        tcats = tuple(cats)

        def as_text(env: VectorEnv, active: Active) -> Any:
            v = coded(env, active)
            if isinstance(v, np.ndarray):
                return Text(v.astype(dtype, copy=False), tcats)
            return tcats[int(v)]

        return as_text
    return _compile(node, None)


def _compile(node: Node, codes: dict[str, int] | None) -> VFn:
    match node:
        case ir.Text(text):
            if codes is not None:
                code = _code_dtype(len(codes))(codes[text])
                return lambda env, active: code
            return lambda env, active: text
        case ir.Const(number):
            cvalue = scalar(number)
            return lambda env, active: cvalue
        case ir.Flag(flag):
            return lambda env, active: flag
        case ir.Param(name):
            return lambda env, active: _param(env, name)
        case ir.Input(name):
            return lambda env, active: _input(env, name)
        case ir.FormulaRef(name):
            return lambda env, active: _formula(env, name, active)
        case ir.Local(name):
            return lambda env, active: env.local[name]
        case ir.LineField(name) | ir.ItemField(name):
            return _not_over_cases(f"`{name}` ({type(node).__name__})")
        case ir.SumLines():
            return _not_over_cases("`sum_lines`")
        case ir.Scale(inner_node, num, den):
            inner = _compile(inner_node, None)
            return lambda env, active: ops.array_scale(_wide(inner(env, active)), num, den, _failures(env, active))
        case ir.Neg(inner_node):
            inner = _compile(inner_node, None)
            return lambda env, active: ops.array_negate(_wide(inner(env, active)), _failures(env, active))
        case ir.Arith(op, left, right):
            if op != "div" and (proved := ranges.operand_range(node)) is not None:
                return _ranged_arith(node, proved.dtype())
            a, b = _compile(left, None), _compile(right, None)
            if op == "div":
                return lambda env, active: ops.array_divide(_wide(a(env, active)), _wide(b(env, active)), _failures(env, active))
            return lambda env, active: ops.array_arith(op, _wide(a(env, active)), _wide(b(env, active)), _failures(env, active))
        case ir.Cmp(op, left, right):
            a, b = _compile(left, None), _compile(right, None)
            return lambda env, active: _compare(op, a(env, active), b(env, active), env.n)
        case ir.And(left, right) | ir.Or(left, right):
            return _logic(_compile(left, None), _compile(right, None), isinstance(node, ir.And))
        case ir.Not(inner_node):
            inner = _compile(inner_node, None)
            return lambda env, active: (np.logical_not(v) if _is_array(v := inner(env, active)) else not v)
        case ir.If(cond, then, orelse):
            if codes is None and (proved := ranges.int_range(node)) is not None:
                return _ranged_if(node, proved.dtype())
            return _if(_compile(cond, None), _compile(then, codes), _compile(orelse, codes), codes is not None)
        case ir.MinMax(op, args):
            parts = [_compile(x, None) for x in args]
            return lambda env, active: ops.array_extreme(op, [_wide(p(env, active)) for p in parts])
        case ir.Abs(inner_node):
            inner = _compile(inner_node, None)
            return lambda env, active: ops.array_abs(_wide(inner(env, active)))
        case ir.Round(value_node, quantum_node, mode):
            value, quantum = _compile(value_node, None), _compile(quantum_node, None)

            def rounded(env: VectorEnv, active: Active) -> Any:
                q = quantum(env, active)
                return ops.array_round(_wide(value(env, active)), _wide(q), mode, _failures(env, active))

            return rounded
        case ir.Lookup(table, keys):
            kfns = [_compile(k, None) for k in keys]
            return lambda env, active: _lookup(env, table, [k(env, active) for k in kfns], active)
        case ir.Call(name, args):
            afns = [_compile(x, None) for x in args]
            return lambda env, active: _call(env, name, [x(env, active) for x in afns], active)
        case _:
            assert_never(node)


def _not_over_cases(what: str) -> VFn:
    def fail(env: VectorEnv, active: Active) -> Any:
        raise NormkitError("NK303", f"{what} cannot be evaluated over a table of cases")

    return fail


def _logic(a: VFn, b: VFn, is_and: bool) -> VFn:
    def logic(env: VectorEnv, active: Active) -> Any:
        left = a(env, active)
        if not _is_array(left):
            if bool(left) != is_and:  # decided, like the short-circuit of the single-case path
                return bool(left)
            return b(env, active)
        right = b(env, _within(active, left if is_and else ~left))
        return np.logical_and(left, right) if is_and else np.logical_or(left, right)

    return logic


def _if(c: VFn, a: VFn, b: VFn, coded: bool) -> VFn:
    def choose(env: VectorEnv, active: Active) -> Any:
        cond = c(env, active)
        if not _is_array(cond):
            return a(env, active) if cond else b(env, active)
        yes = a(env, _within(active, cond))
        no = b(env, _within(active, ~cond))
        if coded:
            return np.where(cond, yes, no)
        return _choose(cond, _wide(yes), _wide(no))

    return choose


# ---- small whole numbers: ranges proved at compile time (normkit.core.lang.ranges) -----------

def _wide(x: Any) -> Any:
    """A small-integer array as int64, before it meets an operation that assumes int64 (which checks
    overflow against int64's range: NumPy would compute int8 + a Python int in int8)."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "iu" and x.dtype.itemsize < 8:
        return x.astype(np.int64)
    return x


def _ranged_arith(node: ir.Arith, dtype: Any) -> VFn:
    """``+``/``-``/``×`` whose result and operands are proved to fit ``dtype``: no overflow check,
    no int64 temporaries, and a running sum of terms accumulates in place in its own temporary."""
    a, b = _compile(node.left, None), _compile(node.right, None)
    ufunc = _NP_ARITH[node.op]
    py = _PY_ARITH[node.op]
    own_left = isinstance(node.left, ir.Arith)  # a temporary this backend made: safe to write into

    def arith(env: VectorEnv, active: Active) -> Any:
        x, y = a(env, active), b(env, active)
        if not isinstance(x, np.ndarray) and not isinstance(y, np.ndarray):
            return py(int(x), int(y))
        if own_left and isinstance(x, np.ndarray) and x.dtype == dtype:
            return ufunc(x, y, out=x, dtype=dtype)
        return ufunc(x, y, dtype=dtype)

    return arith


def _ranged_if(node: ir.If, dtype: Any) -> VFn:
    """``if c then p else q`` with small whole branches: ``if c then 1 else 0`` is the condition's own
    bytes read as ``int8`` (no copy); other constants one ``np.where`` in ``dtype``."""
    c = _compile(node.cond, None)
    then_c, else_c = ir.const_value(node.then), ir.const_value(node.orelse)
    if isinstance(then_c, Decimal) and isinstance(else_c, Decimal):
        va, vb = int(then_c), int(else_c)
        typed_a, typed_b = dtype(va), dtype(vb)

        def constants(env: VectorEnv, active: Active) -> Any:
            cond = c(env, active)
            if not _is_array(cond):
                return va if cond else vb
            cond = np.asarray(cond, dtype=bool)
            if (va, vb) == (1, 0) and dtype is np.int8:
                view = cond.view(np.int8)
                view.flags.writeable = False  # the caller's column underneath: never written
                return view
            return np.where(cond, typed_a, typed_b)

        return constants
    a, b = _compile(node.then, None), _compile(node.orelse, None)

    def choose(env: VectorEnv, active: Active) -> Any:
        cond = c(env, active)
        if not _is_array(cond):
            return a(env, active) if cond else b(env, active)
        yes = a(env, _within(active, cond))
        no = b(env, _within(active, ~cond))
        return np.where(cond, _typed(yes, dtype), _typed(no, dtype))

    return choose


def _typed(x: Any, dtype: Any) -> Any:
    return x.astype(dtype, copy=False) if isinstance(x, np.ndarray) else dtype(x)


_NP_ARITH = {"add": np.add, "sub": np.subtract, "mul": np.multiply}
_PY_ARITH: dict[str, Callable[[int, int], int]] = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y}


# ---- names -------------------------------------------------------------------------------------

def _param(env: VectorEnv, name: str) -> Any:
    hit = env.scalars.get(name, _MISSING)
    if hit is not _MISSING:
        return hit
    rs = env.rs
    p = rs.compiled.params[name]
    if name in rs.overrides:
        value = rs.overrides[name]
    else:
        d = in_force(p.layers, env.at)
        if d is None:
            if p.supplied_by and not any(layer for layer in p.layers):
                raise NormkitError("NK501", f"`{name}` ({p.label.en}, {p.unit}) must be supplied by the {p.supplied_by.replace('_', ' ')}")
            raise NormkitError("NK401", f"{name!r} has no value in force on {env.at}; values cover {coverage(p.layers)}", location=p.location)
        value = d.value
    env.scalars[name] = value = scalar(value)
    return value


_MISSING = object()


def _input(env: VectorEnv, name: str) -> Any:
    col = env.columns.get(name, _MISSING)
    if col is not _MISSING:
        return col
    spec = env.rs.compiled.inputs[name]
    if spec.default is not None:
        return scalar(spec.default)
    raise NormkitError("NK501", f"input `{name}` ({spec.label.en}; {spec.unit}) is required: the data has no column `{name}`",
                       hint=f"add a column `{name}` to the data")


def _formula(env: VectorEnv, name: str, active: Active) -> Any:
    hit = env.memo.get(name)
    if hit is None:
        outer, env.errors = env.errors, []
        try:
            value = _body(env, name)(env, _ALL)
        finally:
            inner, env.errors = env.errors, outer
        hit = (value, inner)
        env.memo[name] = hit
    value, errors = hit
    for e in errors:  # charge the formula's row errors only to rows that use it here
        env.fail(e.mask, active, e.code, e.message)
    return value


def _call(env: VectorEnv, name: str, args: list[Any], active: Active) -> Any:
    f = env.rs.compiled.formulas[name]
    saved = env.local
    env.local = dict(zip((p for p, _ in f.params), args, strict=True))
    try:
        return _body(env, name)(env, active)
    finally:
        env.local = saved


def _body(env: VectorEnv, name: str) -> VFn:
    return vector_program(env.rs).function(name)


def _lookup(env: VectorEnv, table: str, keys: list[Any], active: Active) -> Any:
    rows = env.tables.get(table)
    if rows is None:
        rows = _table_rows(env, table)
        env.tables[table] = rows
    if not any(isinstance(k, (Text, np.ndarray)) for k in keys):
        key = tuple(_key_value(k) for k in keys)
        if key not in rows:
            env.fail(np.ones(env.n, dtype=bool), active, "NK202", f"table {table!r} has no row for {'/'.join(str(k) for k in key)}")
            return _placeholder(rows)
        return rows[key]
    # factorize the key columns, look up each distinct key once, then spread
    parts: list[tuple[np.ndarray, list[Any]]] = []
    for k in keys:
        if isinstance(k, Text):
            parts.append((k.codes.astype(np.intp, copy=False), list(k.categories)))
        elif isinstance(k, np.ndarray):
            uniq, inv = np.unique(k, return_inverse=True)
            parts.append((inv, uniq.tolist()))
        else:
            parts.append((np.zeros(env.n, dtype=np.intp), [k]))
    if len(parts) == 1:
        combo, inverse = parts[0][0], None
        distinct: list[tuple[int, ...]] = [(i,) for i in range(len(parts[0][1]))]
    else:
        combo = np.ravel_multi_index(tuple(p[0] for p in parts), tuple(len(p[1]) for p in parts))
        flat, inverse = np.unique(combo, return_inverse=True)
        distinct = [tuple(int(i) for i in idx) for idx in zip(*np.unravel_index(flat, tuple(len(p[1]) for p in parts)), strict=True)]
    values: list[Any] = []
    for pos, idx in enumerate(distinct):
        key = tuple(_key_value(parts[j][1][i]) for j, i in enumerate(idx))
        if key in rows:
            values.append(rows[key])
        else:
            hit_rows = (combo == pos) if inverse is None else (inverse == pos)
            env.fail(hit_rows, active, "NK202", f"table {table!r} has no row for {'/'.join(str(x) for x in key)}")
            values.append(_placeholder(rows))
    index = combo if inverse is None else inverse
    if not values:  # no rows at all (an empty chunk): the result has the type of the table's values
        values = [_placeholder(rows)]
    return _spread(values, index)


def _key_value(k: Any) -> Any:
    if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
        return Decimal(int(k))
    return k


def _placeholder(rows: dict[tuple[Any, ...], Any]) -> Any:
    return next(iter(rows.values())) if rows else 0


def _spread(values: list[Any], index: np.ndarray) -> Any:
    if all(isinstance(v, str) for v in values):
        cats: list[str] = []
        for v in values:
            if v not in cats:
                cats.append(v)
        dtype = _code_dtype(len(cats))
        return Text(np.array([cats.index(v) for v in values], dtype=dtype)[index], tuple(cats))
    if all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)[index]
    if all(_is_int(v) for v in values) and all(abs(v) < INT_LIMIT for v in values):
        return np.array(values, dtype=np.int64)[index]
    return np.array([_objects(v) if not isinstance(v, (bool, str)) else v for v in values], dtype=object)[index]


def _table_rows(env: VectorEnv, name: str) -> dict[tuple[Any, ...], Any]:
    t = env.rs.compiled.tables[name]
    version = in_force(t.layers, env.at)
    if version is None:
        if t.supplied_by and not any(t.layers):
            raise NormkitError("NK501", f"table `{name}` ({t.label.en}) must be supplied by the rate card")
        raise NormkitError("NK401", f"table {name!r} has no version in force on {env.at}; versions cover {coverage(t.layers)}", location=t.location)
    out = {k: scalar(rows[0].value) for k, rows in version.rows.items() if rows}
    for (tname, key), (value, _unit) in env.rs.row_overrides.items():  # what-if rows
        if tname == name:
            out[key] = scalar(value)
    return out


# ---- adjustments -------------------------------------------------------------------------------

def _compile_adjustment(a: Any) -> VFn:
    base = compile_vector(a.base_ir)
    excs = [(e, _compile(e.when_ir, None), compile_vector(e.value_ir)) for e in a.exceptions]
    levels = sorted({e.priority for e in a.exceptions}, reverse=True)

    def adjust(env: VectorEnv, active: Active) -> Any:
        # every `when` is evaluated, in the order written, as on the single-case path
        masks = [np.broadcast_to(np.asarray(w(env, active), dtype=bool), (env.n,)) for _e, w, _v in excs]
        undecided = np.ones(env.n, dtype=bool)
        chosen: list[tuple[np.ndarray, Any]] = []
        for level in levels:
            here = [(e, m, v) for (e, _w, v), m in zip(excs, masks, strict=True) if e.priority == level]
            count = np.sum([m for _, m, _ in here], axis=0)
            clash = undecided & (count > 1)
            if clash.any():
                env.fail(clash, active, "NK208", ops.conflict(a.name, (e.label for e, _, _ in here), level).message)
            for _e, m, v in here:
                take = undecided & m & ~clash
                if take.any():
                    chosen.append((take, v(env, _within(active, take))))
            undecided &= ~(count >= 1)
        result = base(env, _within(active, undecided))
        for take, value in chosen:
            result = _choose(take, _wide(value), _wide(result))
        return result

    return adjust


# ---- programs -------------------------------------------------------------------------------------

class VectorProgram:
    """The array form of every formula and adjustment of a rule set, compiled on first use."""

    def __init__(self, rs: RuleSet) -> None:
        self.compiled = rs.compiled  # not the rule set itself: the program is kept in a weak map keyed by it
        self._fns: dict[str, VFn] = {}

    def function(self, name: str) -> VFn:
        fn = self._fns.get(name)
        if fn is None:
            c = self.compiled
            if name in c.formulas:
                fn = compile_vector(c.formulas[name].ir)
            elif name in c.adjustments:
                fn = _compile_adjustment(c.adjustments[name])
            else:
                raise NormkitError("NK202", f"unknown formula {name!r}")
            self._fns[name] = fn
        return fn


def vector_program(rs: RuleSet) -> VectorProgram:
    """The array program of ``rs``, made once and kept in the rule set's own memo (no global table)."""
    program: VectorProgram = rs.memo.table("lang.vector", 1).get_or_make("program", lambda: VectorProgram(rs))
    return program


def broadcast(value: Any, n: int) -> Any:
    """A scalar result repeated for ``n`` rows (arrays and text columns are returned as they are)."""
    if isinstance(value, (np.ndarray, Text)):
        return value
    if isinstance(value, str):
        return Text(np.zeros(n, dtype=np.int8), (value,))
    if isinstance(value, bool):
        return np.full(n, value, dtype=bool)
    if isinstance(value, int) and abs(value) < INT_LIMIT:
        return np.full(n, value, dtype=np.int64)
    return np.full(n, value, dtype=object)


def evaluate_columns(rs: RuleSet, name: str, at: dt.date, columns: Mapping[str, Any], n: int,
                     *, env: VectorEnv | None = None) -> tuple[Any, list[RowError]]:
    """Evaluate formula ``name`` over ``n`` rows of ``columns`` at ``at``.

    Returns the values (an array, or :class:`Text`) and the row errors. Pass the same ``env``
    to evaluate several formulas over the same rows: shared formulas are computed once.

    >>> from normkit.api import load                                        # doctest: +SKIP
    >>> rs = load("vn-poverty-2022-2026")                                    # doctest: +SKIP
    >>> cols = {"area": Text.from_values(["rural"]), "income_per_capita": np.array([1500000]),
    ...         "deprivation_count": np.array([3])}                          # doctest: +SKIP
    >>> evaluate_columns(rs, "status", dt.date(2024, 9, 1), cols, 1)[0].to_objects()  # doctest: +SKIP
    array(['poor'], dtype=object)
    """
    if env is None:
        env = VectorEnv(rs, at, columns, n)
    before = len(env.errors)
    value = _formula(env, name, _ALL)
    return broadcast(value, n), env.errors[before:]
