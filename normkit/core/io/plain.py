"""A plain-data codec: compiled objects to JSON and back, building only registered classes.

No pickle, no import by name from the data. A class is written with a stable *tag* and its
fields in order; reading looks the tag up in an explicit registry, checks that the class still
has exactly the fields the writer saw, and builds it. Anything else (an unknown tag, a field
list that changed, a type the codec does not know) raises :class:`CodecError`, and the caller
(the cache) rebuilds instead of trusting the data.

Each module registers its own classes, next to their definitions::

    >>> from dataclasses import dataclass
    >>> from decimal import Decimal
    >>> @dataclass(frozen=True)
    ... class Price:
    ...     amount: Decimal
    ...     unit: str
    >>> _ = register(Price, tag="doc.Price")
    >>> loads(dumps([Price(Decimal("1.50"), "VND")]))
    [Price(amount=Decimal('1.50'), unit='VND')]

Values: None, bool, int, str, Decimal (as text), date, Fraction, tuple, list, dict (str keys as a
JSON object, other keys as pairs), registered dataclasses and pydantic models (field by field;
a model is rebuilt with ``model_construct``, so no validator is built at start-up) and enums (by value).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, TypeVar

from normkit.core.records import Frozen

_set = object.__setattr__

T = TypeVar("T", bound=type)


class CodecError(Exception):
    """The data cannot be written or read back exactly; never a user error."""


class Registered(Frozen):
    """One registered class: how it is written and rebuilt."""

    __slots__ = ("cls", "fields", "kind", "positional", "tag")
    __match_args__ = ("tag", "cls", "kind", "fields", "positional")
    tag: str
    cls: type
    kind: str  # "dataclass", "model" or "enum"
    fields: tuple[str, ...]
    positional: bool  # every field is an __init__ argument, in order

    def __init__(self, tag: str, cls: type, kind: str, fields: tuple[str, ...], positional: bool) -> None:
        _set(self, "tag", tag)
        _set(self, "cls", cls)
        _set(self, "kind", kind)
        _set(self, "fields", fields)
        _set(self, "positional", positional)


_BY_TAG: dict[str, Registered] = {}
_BY_CLASS: dict[type, Registered] = {}


def register(cls: T, *, tag: str) -> T:
    """Allow ``cls`` (a dataclass, a class written out like one — its own ``__match_args__`` and ``__init__``
    taking those fields in order —, a pydantic model or an Enum) in encoded data under ``tag``.

    Registering a class again is harmless: under the same tag nothing changes; under another
    tag (two modules both registering a shared class) the first tag is kept for writing and
    both are read. A tag already used by another class is a programming error (ValueError)."""
    known = _BY_TAG.get(tag)
    if known is not None:
        if known.cls is cls:
            return cls
        raise ValueError(f"codec tag {tag!r} is already registered for {known.cls.__qualname__}")
    entry = _describe(cls, tag)
    _BY_TAG[tag] = entry
    _BY_CLASS.setdefault(cls, entry)
    return cls


def register_all(*classes: type, prefix: str) -> None:
    """Register each of ``classes`` under the tag ``<prefix>.<class name>`` (e.g. the IR nodes:
    ``register_all(Const, Add, ..., prefix="ir")``). Renaming a class changes its tag, which
    only makes old cache entries unreadable (they are rebuilt)."""
    for cls in classes:
        register(cls, tag=f"{prefix}.{cls.__name__}")


def registered(tag: str) -> Registered | None:
    """The class registered under ``tag``, if any."""
    return _BY_TAG.get(tag)


def _describe(cls: type, tag: str) -> Registered:
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        return Registered(tag, cls, "enum", (), True)
    if hasattr(cls, "__dataclass_fields__"):  # made by @dataclass, so dataclasses is loaded already
        import dataclasses

        if dataclasses.is_dataclass(cls):
            fields = dataclasses.fields(cls)
            return Registered(tag, cls, "dataclass", tuple(f.name for f in fields), all(f.init for f in fields))
    own = vars(cls) if isinstance(cls, type) else {}
    if "__match_args__" in own and "__init__" in own:
        # a class written out like a dataclass (the IR nodes, the compiled form): its fields are
        # its __match_args__, its own __init__ takes them in that order
        return Registered(tag, cls, "dataclass", tuple(own["__match_args__"]), True)
    model_fields = getattr(cls, "model_fields", None)
    if isinstance(model_fields, dict) and hasattr(cls, "model_validate"):
        return Registered(tag, cls, "model", tuple(model_fields), False)
    raise TypeError(f"the codec can register dataclasses, pydantic models and enums, not {cls!r}")


# ---- writing -----------------------------------------------------------------------------------

class _Encoder:
    def __init__(self) -> None:
        self.used: dict[str, Registered] = {}

    def value(self, v: Any) -> Any:
        t = type(v)
        if v is None or t is str or t is bool or t is int:
            return v
        if t is Decimal:
            return ["D", str(v)]
        if t is tuple:
            return ["t", *[self.value(x) for x in v]]
        if t is list:
            return ["l", *[self.value(x) for x in v]]
        if t is dict:
            return self.mapping(v)
        if t is dt.date:
            return ["date", v.isoformat()]
        if t is Fraction:
            return ["F", v.numerator, v.denominator]
        entry = _BY_CLASS.get(t)
        if entry is None:
            raise CodecError(f"cannot encode a {t.__module__}.{t.__qualname__}: register it with normkit.core.io.plain.register")
        self.used[entry.tag] = entry
        if entry.kind == "dataclass":
            return ["o", entry.tag, *[self.value(getattr(v, name)) for name in entry.fields]]
        if entry.kind == "model":
            given = sorted(v.model_fields_set)
            return ["m", entry.tag, ["l", *given], *[self.value(getattr(v, name)) for name in entry.fields]]
        return ["e", entry.tag, self.value(v.value)]

    def mapping(self, v: dict[Any, Any]) -> Any:
        if all(type(k) is str for k in v):
            return {k: self.value(x) for k, x in v.items()}
        out: list[Any] = ["d"]
        for k, x in v.items():
            out.append(self.value(k))
            out.append(self.value(x))
        return out


def encode(obj: Any) -> tuple[Any, dict[str, list[str]]]:
    """``obj`` as JSON-ready data, and the field list of every registered class it uses."""
    enc = _Encoder()
    data = enc.value(obj)
    return data, {tag: list(e.fields) for tag, e in sorted(enc.used.items())}


def dumps(obj: Any) -> bytes:
    """``obj`` as UTF-8 JSON: ``{"classes": {tag: [fields]}, "data": ...}``."""
    data, classes = encode(obj)
    return json.dumps({"classes": classes, "data": data}, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


# ---- reading -----------------------------------------------------------------------------------

class _Decoder:
    def __init__(self, classes: dict[str, Registered]) -> None:
        self.classes = classes
        self.array: dict[str, Callable[[list[Any]], Any]] = {
            "t": lambda v: tuple(self.items(v, 1)),
            "l": lambda v: self.items(v, 1),
            "d": self.pairs,
            "D": self.decimal,
            "date": lambda v: dt.date.fromisoformat(v[1]),
            "F": lambda v: Fraction(_int(v[1]), _int(v[2])),
            "o": self.dataclass,
            "m": self.model,
            "e": lambda v: self.entry(v[1], "enum").cls(self.value(v[2])),
        }

    def value(self, v: Any) -> Any:
        t = type(v)
        if t in _PLAIN:
            return v
        if t is list and v:
            tag = v[0]  # the most frequent kinds inline: one call per node on a warm start
            if tag == "t":
                return tuple([x if type(x) in _PLAIN else self.value(x) for x in v[1:]])
            if tag == "o":
                return self.dataclass(v)
            if tag == "l":
                return [x if type(x) in _PLAIN else self.value(x) for x in v[1:]]
        if t is dict:
            return {k: self.value(x) for k, x in v.items()}
        if t is list and v and type(v[0]) is str:
            build = self.array.get(v[0])
            if build is not None:
                return build(v)
        raise CodecError(f"unexpected value in encoded data: {str(v)[:60]!r}")

    def items(self, v: list[Any], start: int) -> list[Any]:
        value = self.value  # plain scalars skip the call: most values are text or numbers
        return [x if type(x) in _PLAIN else value(x) for x in v[start:]]

    def entry(self, tag: Any, kind: str) -> Registered:
        e = self.classes.get(tag) if type(tag) is str else None
        if e is None or e.kind != kind:
            raise CodecError(f"unknown or undeclared tag {str(tag)[:60]!r}")
        return e

    def pairs(self, v: list[Any]) -> dict[Any, Any]:
        if len(v) % 2 != 1:
            raise CodecError("a mapping needs key/value pairs")
        return {self.value(v[i]): self.value(v[i + 1]) for i in range(1, len(v), 2)}

    def decimal(self, v: list[Any]) -> Decimal:
        if len(v) != 2 or type(v[1]) is not str:
            raise CodecError("a Decimal is written as text")
        try:
            return Decimal(v[1])
        except InvalidOperation:
            raise CodecError(f"not a decimal: {v[1][:40]!r}") from None

    def dataclass(self, v: list[Any]) -> Any:
        e = self.entry(v[1] if len(v) > 1 else None, "dataclass")
        values = self.items(v, 2)
        if len(values) != len(e.fields):
            raise CodecError(f"{e.tag}: {len(values)} fields, expected {len(e.fields)}")
        try:
            if e.positional:
                return e.cls(*values)
            obj: Any = object.__new__(e.cls)
            for name, x in zip(e.fields, values, strict=True):  # lengths checked above
                object.__setattr__(obj, name, x)
            return obj
        except (TypeError, ValueError) as exc:
            raise CodecError(f"{e.tag}: {exc}") from None

    def model(self, v: list[Any]) -> Any:
        # field by field, like a dataclass: model_construct builds no validator, so a warm start
        # pays for no pydantic schema (the entry's digest and ownership vouch for the values)
        e = self.entry(v[1] if len(v) > 1 else None, "model")
        given = self.value(v[2]) if len(v) > 2 else None
        values = self.items(v, 3)
        if len(values) != len(e.fields) or type(given) is not list or not set(given) <= set(e.fields):
            raise CodecError(f"{e.tag}: malformed model")
        return e.cls.model_construct(_fields_set=set(given), **dict(zip(e.fields, values, strict=True)))  # type: ignore[attr-defined]


_PLAIN = frozenset({str, int, bool, type(None)})


def _int(v: Any) -> int:
    if type(v) is not int:
        raise CodecError("expected an integer")
    return v


def decode(data: Any, classes: Any) -> Any:
    """Rebuild what :func:`encode` wrote. ``classes`` is the writer's ``{tag: [fields]}``; every
    tag must be registered here with exactly those fields, or :class:`CodecError` is raised."""
    if not isinstance(classes, dict):
        raise CodecError("missing class table")
    known: dict[str, Registered] = {}
    for tag, fields in classes.items():
        e = _BY_TAG.get(tag)
        if e is None:
            raise CodecError(f"unknown tag {tag[:60]!r}")
        if fields != list(e.fields):
            raise CodecError(f"{tag}: the fields changed since the data was written")
        known[tag] = e
    try:
        return _Decoder(known).value(data)
    except RecursionError:
        raise CodecError("data nested too deeply") from None
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"malformed data ({type(exc).__name__})") from None


def loads(raw: bytes) -> Any:
    """Rebuild what :func:`dumps` wrote; :class:`CodecError` for anything else."""
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise CodecError("not JSON") from None
    if not isinstance(doc, dict) or set(doc) != {"classes", "data"}:
        raise CodecError("not an encoded document")
    return decode(doc["data"], doc["classes"])


def classes_used(classes: dict[str, list[str]]) -> list[type]:
    """The registered classes named in a class table (for code digests)."""
    return [_BY_TAG[t].cls for t in classes if t in _BY_TAG]
