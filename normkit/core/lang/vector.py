"""Compile the checked intermediate form into NumPy operations over whole columns.

The same IR that :mod:`normkit.core.lang.scalar` turns into Decimal closures for one case is
turned here into closures over arrays, so a population is evaluated by the very rules a
single case is. Inputs become columns; parameters and table values are resolved once at the
evaluation date and become scalars.

Representation of values (never a float):

* numbers: ``int64`` arrays while every value is a whole number (money in whole đồng,
  counts, points), else ``object`` arrays of :class:`~decimal.Decimal` computed with
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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from normkit.core.dating import coverage, in_force
from normkit.core.numbers import CTX, round_to
from normkit.core.errors import NormkitError

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.runtime import RuleSet

Active = Callable[[], "np.ndarray | None"]
VFn = Callable[["VectorEnv", Active], Any]

INT_LIMIT = 2**62  # beyond this, int64 arithmetic moves to exact Decimal objects
_ALL: Active = lambda: None  # noqa: E731 - every row is in use


@dataclass(frozen=True, slots=True)
class Text:
    """A text column: ``categories[codes[i]]`` is row i's value."""

    codes: np.ndarray
    categories: tuple[str, ...]

    def to_objects(self) -> np.ndarray:
        """The values as an ``object`` array of str."""
        return np.asarray(self.categories, dtype=object)[self.codes]

    def __len__(self) -> int:
        return len(self.codes)

    @staticmethod
    def from_values(values: Sequence[str] | np.ndarray) -> "Text":
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

    rs: "RuleSet"
    at: dt.date
    columns: Mapping[str, Any]
    n: int
    scalars: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, dict[tuple, Any]] = field(default_factory=dict)
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


def scalar(value: Any) -> Any:
    """A constant in array form: a whole Decimal becomes an int (exactly), others stay."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return value


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def _is_int(x: Any) -> bool:
    return (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, np.ndarray) and x.dtype.kind == "i")


def _bound(x: Any) -> int:
    if isinstance(x, np.ndarray):
        return int(np.abs(x).max()) if x.size else 0
    return abs(int(x))


def _objects(x: Any) -> Any:
    """An int64 array or int scalar as exact Decimal objects."""
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            return x
        return np.array([Decimal(int(v)) for v in x.tolist()], dtype=object)
    return Decimal(x) if not isinstance(x, Decimal) else x


def _narrow(x: Any) -> Any:
    """An object array of Decimals whose values are all whole numbers becomes int64."""
    if isinstance(x, np.ndarray) and x.dtype == object and x.size:
        vals = x.tolist()
        if all(isinstance(v, Decimal) and v == v.to_integral_value() and abs(v) < INT_LIMIT for v in vals):
            return np.array([int(v) for v in vals], dtype=np.int64)
    if isinstance(x, Decimal):
        return scalar(x)
    return x


_D_ADD = np.frompyfunc(CTX.add, 2, 1)
_D_SUB = np.frompyfunc(CTX.subtract, 2, 1)
_D_MUL = np.frompyfunc(CTX.multiply, 2, 1)
_D_DIV = np.frompyfunc(CTX.divide, 2, 1)


def _arith(op: str, a: Any, b: Any) -> Any:
    if _is_int(a) and _is_int(b):
        if op in ("add", "sub"):
            if _bound(a) + _bound(b) < INT_LIMIT:
                return (np.add if op == "add" else np.subtract)(a, b) if (_is_array(a) or _is_array(b)) else (a + b if op == "add" else a - b)
        elif op == "mul":
            if _bound(a) * _bound(b) < INT_LIMIT:
                return np.multiply(a, b) if (_is_array(a) or _is_array(b)) else a * b
    fn = {"add": _D_ADD, "sub": _D_SUB, "mul": _D_MUL}[op]
    if not _is_array(a) and not _is_array(b):
        return scalar({"add": CTX.add, "sub": CTX.subtract, "mul": CTX.multiply}[op](_objects(a), _objects(b)))
    return _narrow(fn(_objects(a), _objects(b)))


def _divide(env: VectorEnv, active: Active, a: Any, b: Any) -> Any:
    zero = np.asarray(b == 0) if _is_array(b) else (b == 0)
    if np.any(zero):
        env.fail(zero, active, "NK502", "division by zero")
        if not _is_array(b):
            b = 1
        else:
            b = np.where(zero, 1, b) if b.dtype != object else np.where(zero, Decimal(1), b)
    if _is_int(a) and _is_int(b):
        if not _is_array(a) and not _is_array(b):
            return scalar(CTX.divide(Decimal(a), Decimal(b)))
        if not np.any(np.remainder(a, b)):
            return np.floor_divide(a, b)
    if not _is_array(a) and not _is_array(b):
        return scalar(CTX.divide(_objects(a), _objects(b)))
    return _narrow(_D_DIV(_objects(a), _objects(b)))


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NP_CMP = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal, "!=": np.not_equal}


def _compare(op: str, a: Any, b: Any, n: int) -> Any:
    if isinstance(a, Text) or isinstance(b, Text) or isinstance(a, str) or isinstance(b, str):
        return _compare_text(op, a, b)
    if not _is_array(a) and not _is_array(b):
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
    if not _is_array(a):  # keep the array on the left
        a, b, op = b, a, _FLIP[op]
    if isinstance(b, Decimal) and a.dtype != object:
        # an integer column against a fractional constant: exact integer bounds
        if op in ("==", "!="):
            return np.full(n, op == "!=")
        lo = int(b.to_integral_value(rounding="ROUND_FLOOR"))
        hi = lo + 1
        if op in ("<", "<="):
            return np.less_equal(a, lo)
        return np.greater_equal(a, hi)
    if a.dtype == object or (_is_array(b) and b.dtype == object):
        return np.asarray(_NP_CMP[op](a, b), dtype=bool)
    return _NP_CMP[op](a, b)


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

def static_text_choices(ir: tuple) -> list[str] | None:
    """The text constants an ``if`` tree chooses between, when that is all it can give."""
    tag = ir[0]
    if tag == "str":
        return [ir[1]]
    if tag == "if":
        a, b = static_text_choices(ir[2]), static_text_choices(ir[3])
        if a is None or b is None:
            return None
        return a + [s for s in b if s not in a]
    return None


def compile_vector(ir: tuple) -> VFn:
    """Compile one IR tree into a function ``fn(env, active)`` over columns."""
    cats = static_text_choices(ir) if ir[0] == "if" else None
    if cats is not None:
        coded = _compile(ir, {s: i for i, s in enumerate(cats)})
        dtype = _code_dtype(len(cats))
        tcats = tuple(cats)

        def as_text(env: VectorEnv, active: Active) -> Any:
            v = coded(env, active)
            if isinstance(v, np.ndarray):
                return Text(v.astype(dtype, copy=False), tcats)
            return tcats[int(v)]

        return as_text
    return _compile(ir, None)


def _compile(ir: tuple, codes: dict[str, int] | None) -> VFn:
    tag = ir[0]
    if tag == "str":
        if codes is not None:
            code = _code_dtype(len(codes))(codes[ir[1]])
            return lambda env, active: code
        value = ir[1]
        return lambda env, active: value
    if tag in ("const", "bool"):
        value = scalar(ir[1])
        return lambda env, active: value
    if tag == "name":
        kind, name = ir[1], ir[2]
        if kind == "param":
            return lambda env, active: _param(env, name)
        if kind == "input":
            return lambda env, active: _input(env, name)
        if kind == "formula":
            return lambda env, active: _formula(env, name, active)
        if kind == "local":
            return lambda env, active: env.local[name]
        raise NormkitError("NK303", f"`{name}` ({kind}) cannot be evaluated over a table of cases")
    if tag == "scale":
        inner = _compile(ir[1], None)
        n, d = scalar(Decimal(ir[2])), scalar(Decimal(ir[3]))
        if d == 1:
            return lambda env, active: _arith("mul", inner(env, active), n)
        return lambda env, active: _divide(env, active, _arith("mul", inner(env, active), n), d)
    if tag == "neg":
        inner = _compile(ir[1], None)
        return lambda env, active: _arith("sub", 0, inner(env, active))
    if tag in ("add", "sub", "mul"):
        a, b = _compile(ir[1], None), _compile(ir[2], None)
        return lambda env, active: _arith(tag, a(env, active), b(env, active))
    if tag == "div":
        a, b = _compile(ir[1], None), _compile(ir[2], None)
        return lambda env, active: _divide(env, active, a(env, active), b(env, active))
    if tag == "cmp":
        op = ir[1]
        a, b = _compile(ir[2], None), _compile(ir[3], None)
        return lambda env, active: _compare(op, a(env, active), b(env, active), env.n)
    if tag in ("and", "or"):
        a, b = _compile(ir[1], None), _compile(ir[2], None)
        is_and = tag == "and"

        def logic(env: VectorEnv, active: Active) -> Any:
            left = a(env, active)
            if not _is_array(left):
                if bool(left) != is_and:  # decided, like the short-circuit of the single-case path
                    return bool(left)
                return b(env, active)
            right = b(env, _within(active, left if is_and else ~left))
            return np.logical_and(left, right) if is_and else np.logical_or(left, right)

        return logic
    if tag == "not":
        a = _compile(ir[1], None)
        return lambda env, active: (np.logical_not(v) if _is_array(v := a(env, active)) else not v)
    if tag == "if":
        c, a, b = _compile(ir[1], None), _compile(ir[2], codes), _compile(ir[3], codes)

        def choose(env: VectorEnv, active: Active) -> Any:
            cond = c(env, active)
            if not _is_array(cond):
                return a(env, active) if cond else b(env, active)
            yes = a(env, _within(active, cond))
            no = b(env, _within(active, ~cond))
            if codes is not None:
                return np.where(cond, yes, no)
            return _choose(cond, yes, no)

        return choose
    if tag in ("min", "max"):
        parts = [_compile(x, None) for x in ir[1]]
        pick = np.minimum if tag == "min" else np.maximum

        def extreme(env: VectorEnv, active: Active) -> Any:
            vals = [p(env, active) for p in parts]
            if not any(_is_array(v) for v in vals):
                return (min if tag == "min" else max)(vals)
            if all(_is_int(v) for v in vals):
                out = vals[0]
                for v in vals[1:]:
                    out = pick(out, v)
                return out
            out = _objects(vals[0])
            for v in vals[1:]:
                out = np.asarray(pick(out, _objects(v)), dtype=object) if _is_array(out) or _is_array(v) else pick(out, _objects(v))
            return _narrow(out)

        return extreme
    if tag == "abs":
        a = _compile(ir[1], None)
        return lambda env, active: (np.abs(v) if _is_array(v := a(env, active)) else abs(v))
    if tag == "round":
        a, q, mode = _compile(ir[1], None), _compile(ir[2], None), ir[3]

        def rounded(env: VectorEnv, active: Active) -> Any:
            quantum = q(env, active)
            if _is_array(quantum) or quantum <= 0:
                raise NormkitError("NK502", f"round() needs a fixed positive quantum, got {quantum}")
            value = a(env, active)
            dq = _objects(quantum)
            if _is_array(value):
                if _is_int(value) and isinstance(quantum, int) and quantum == 1:
                    return value
                return _narrow(np.array([round_to(v, dq, mode) for v in _objects(value).tolist()], dtype=object))
            return scalar(round_to(_objects(value), dq, mode))

        return rounded
    if tag == "lookup":
        table = ir[1]
        keys = [_compile(k, None) for k in ir[2]]
        return lambda env, active: _lookup(env, table, [k(env, active) for k in keys], active)
    if tag == "call":
        name = ir[1]
        args = [_compile(x, None) for x in ir[2]]
        return lambda env, active: _call(env, name, [x(env, active) for x in args], active)
    raise NormkitError("NK303", f"`{tag}` cannot be evaluated over a table of cases")


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
    env.local = dict(zip((p for p, _ in f.params), args))
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
        distinct = [(i,) for i in range(len(parts[0][1]))]
    else:
        combo = np.ravel_multi_index(tuple(p[0] for p in parts), tuple(len(p[1]) for p in parts))
        flat, inverse = np.unique(combo, return_inverse=True)
        distinct = [tuple(int(i) for i in idx) for idx in zip(*np.unravel_index(flat, tuple(len(p[1]) for p in parts)))]
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


def _placeholder(rows: dict[tuple, Any]) -> Any:
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


def _table_rows(env: VectorEnv, name: str) -> dict[tuple, Any]:
    t = env.rs.compiled.tables[name]
    version = in_force(t.layers, env.at)
    if version is None:
        if t.supplied_by and not any(t.layers):
            raise NormkitError("NK501", f"table `{name}` ({t.label.en}) must be supplied by the rate card")
        raise NormkitError("NK401", f"table {name!r} has no version in force on {env.at}; versions cover {coverage(t.layers)}", location=t.location)
    return {k: scalar(rows[0].value) for k, rows in version.rows.items() if rows}


# ---- adjustments -------------------------------------------------------------------------------

def _compile_adjustment(a: Any) -> VFn:
    base = compile_vector(a.base_ir)
    excs = [(e, _compile(e.when_ir, None), compile_vector(e.value_ir)) for e in a.exceptions]
    levels = sorted({e.priority for e in a.exceptions}, reverse=True)

    def adjust(env: VectorEnv, active: Active) -> Any:
        undecided = np.ones(env.n, dtype=bool)
        result: Any = None
        chosen: list[tuple[np.ndarray, Any]] = []
        for level in levels:
            here = [(e, np.broadcast_to(np.asarray(w(env, active), dtype=bool), (env.n,)), v) for e, w, v in excs if e.priority == level]
            count = np.sum([m for _, m, _ in here], axis=0)
            clash = undecided & (count > 1)
            if clash.any():
                labels = ", ".join(e.label for e, _, _ in here)
                env.fail(clash, active, "NK208", f"adjustment {a.name!r}: exceptions {labels} all apply with priority {level}")
            for _e, m, v in here:
                take = undecided & m
                if take.any():
                    chosen.append((take, v(env, lambda take=take: take)))
            undecided &= ~(count >= 1)
        result = base(env, lambda: undecided)
        for take, value in chosen:
            result = _choose(take, value, result)
        return result

    return adjust


# ---- programs -------------------------------------------------------------------------------------

class VectorProgram:
    """The array form of every formula and adjustment of a rule set, compiled on first use."""

    def __init__(self, rs: "RuleSet") -> None:
        self.rs = rs
        self._fns: dict[str, VFn] = {}

    def function(self, name: str) -> VFn:
        fn = self._fns.get(name)
        if fn is None:
            c = self.rs.compiled
            if name in c.formulas:
                fn = compile_vector(c.formulas[name].ir)
            elif name in c.adjustments:
                fn = _compile_adjustment(c.adjustments[name])
            else:
                raise NormkitError("NK202", f"unknown formula {name!r}")
            self._fns[name] = fn
        return fn


def vector_program(rs: "RuleSet") -> VectorProgram:
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
    if isinstance(value, int):
        return np.full(n, value, dtype=np.int64)
    return np.full(n, value, dtype=object)


def evaluate_columns(rs: "RuleSet", name: str, at: dt.date, columns: Mapping[str, Any], n: int,
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
