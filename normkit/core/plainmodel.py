"""Plain, slotted, immutable value classes that pydantic models can still embed as field types.

The warm CLI path (a compiled set from the cache, a quote written as JSON) only needs small
records — a label, a source, the money rules, a quote and its items, trace nodes. Defined as
pydantic models they cost the model machinery at every start; defined here they are plain
classes (slots, an ``__init__`` each, value equality, repr, frozen), and pydantic is imported
only when something asks for validation, a JSON Schema or a pydantic dump.

Each plain class has a *mirror*: a pydantic model with the same fields, in the same order, with
the same types, defaults, aliases, descriptions and docstring, kept in a module the warm path
never imports (``normkit.core.fields``, ``normkit.core.trace_models``, ``normkit.media.quote_models``).
A mirror holds mirrors, never plain objects, so a mirror module imports nothing of the plain ones.
A plain class used as a field type of a pydantic model validates through its mirror (the same
errors, at the same locations) and is then turned into the plain object; it is serialised
through its mirror too, and its JSON Schema is the mirror's (byte-identical to the model it
replaced). A module declares its plain classes and their mirrors with :func:`mirrored`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from normkit.core.records import FrozenInstanceError

if TYPE_CHECKING:  # pragma: no cover
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

P = TypeVar("P", bound="PlainModel")

_set = object.__setattr__

_LOADERS: list[Callable[[], dict[type, type]]] = []  # each: {plain class: its pydantic mirror}, importing the mirrors' module
_MIRROR: dict[type, Any] = {}  # plain class -> mirror (a pydantic model class)
_PLAIN: dict[type, Any] = {}  # mirror -> plain class


def mirrored(loader: Callable[[], dict[type, type]]) -> None:
    """Declare plain classes and their mirrors: ``loader`` imports the mirrors' module (only when
    a mirror is first needed) and returns ``{plain class: mirror}``."""
    _LOADERS.append(loader)


_LOCK = threading.RLock()
_BUSY = [0]  # loaders running: another thread waits for them


def _load() -> None:
    if not _LOADERS and not _BUSY[0]:
        return
    with _LOCK:  # the HTTP service's threads may meet their first mirror together
        _BUSY[0] += 1
        try:
            while _LOADERS:
                loader = _LOADERS.pop(0)
                try:
                    pairs = loader()
                except BaseException:
                    _LOADERS.insert(0, loader)
                    raise
                for plain, mirror in pairs.items():
                    _MIRROR[plain] = mirror
                    _PLAIN[mirror] = plain
        finally:
            _BUSY[0] -= 1


def mirror_of(cls: type) -> Any:
    """The pydantic mirror of the plain class ``cls``."""
    hit = _MIRROR.get(cls)
    if hit is None:
        _load()
        hit = _MIRROR[cls]
    return hit


def to_mirror(value: Any) -> Any:
    """``value`` with every plain object in it (in lists, tuples and dict values too) as its
    mirror, built without validation (``model_construct``)."""
    _load()
    return _to_mirror(value, {})


def _to_mirror(value: Any, memo: dict[int, Any]) -> Any:
    t = type(value)
    mirror = _MIRROR.get(t)
    if mirror is not None:
        hit = memo.get(id(value))
        if hit is None:  # a node shared by several parents (a trace) is converted once
            hit = memo[id(value)] = mirror.model_construct(**{n: _to_mirror(getattr(value, n), memo) for n in t.__match_args__})
        return hit
    if t is list:
        return [_to_mirror(v, memo) for v in value]
    if t is tuple:
        return tuple(_to_mirror(v, memo) for v in value)
    if t is dict:
        return {k: _to_mirror(v, memo) for k, v in value.items()}
    return value


def to_plain(value: Any) -> Any:
    """``value`` with every mirror in it as its plain object (the inverse of :func:`to_mirror`)."""
    _load()
    return _to_plain(value, {})


def _to_plain(value: Any, memo: dict[int, Any]) -> Any:
    t = type(value)
    plain = _PLAIN.get(t)
    if plain is not None:
        hit = memo.get(id(value))
        if hit is None:
            fields = value.__dict__
            hit = memo[id(value)] = plain(**{n: _to_plain(fields[n], memo) for n in plain.__match_args__})
        return hit
    if t is list:
        return [_to_plain(v, memo) for v in value]
    if t is tuple:
        return tuple(_to_plain(v, memo) for v in value)
    if t is dict:
        return {k: _to_plain(v, memo) for k, v in value.items()}
    return value


class _Serializer:
    """A plain class's ``__pydantic_serializer__``, built on first use: pydantic's serialiser
    (``pydantic_core.to_json``, a model's ``model_dump``) then writes a plain object met in plain
    data as it wrote the model it replaced (through the mirror)."""

    def __get__(self, obj: Any, cls: type) -> Any:
        hit = _SERIALIZERS.get(cls)
        if hit is None:
            from pydantic import TypeAdapter

            hit = _SERIALIZERS[cls] = TypeAdapter(cls).serializer
        return hit


_SERIALIZERS: dict[type, Any] = {}


def _rebuild(cls: type[P], values: tuple[Any, ...]) -> P:
    return cls(**dict(zip(cls.__match_args__, values, strict=True)))


class Mirrored:
    """What makes a plain class usable where pydantic expects its mirror: as a field type of a
    pydantic model (validated by the mirror, then made plain; serialised as the mirror; the
    mirror's JSON Schema) and in plain data written by ``pydantic_core.to_json``. The base of
    :class:`PlainModel`; a mutable plain record (``QuoteLine``) uses it directly."""

    __slots__ = ()
    __pydantic_serializer__ = _Serializer()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """As a field type of a pydantic model: validated by the mirror (a plain object is taken as
        it is), then made plain; serialised as the mirror; the mirror's JSON Schema."""
        from pydantic_core import core_schema

        inner = handler.generate_schema(mirror_of(cls))

        def validate(value: Any, nxt: Callable[[Any], Any]) -> Any:
            if type(value) is cls:
                return value
            return to_plain(nxt(value))

        def serialize(value: Any, nxt: Callable[[Any], Any]) -> Any:
            return nxt(to_mirror(value))

        return core_schema.no_info_wrap_validator_function(
            validate, inner, serialization=core_schema.wrap_serializer_function_ser_schema(serialize, schema=inner))


class PlainModel(Mirrored):
    """The base of the plain value classes: immutable, compared, hashed and printed by value,
    field by field in ``__match_args__`` order (the pydantic models they replace did the same);
    each subclass writes out its ``__slots__``, ``__match_args__`` and ``__init__`` (taking every
    field by keyword; by position too, in that order, when the defaults allow). Slots named with a
    leading ``_`` are not fields: they may be set after construction (what a pydantic private
    attribute was); copies keep them, pickles do not."""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def field_values(self) -> tuple[Any, ...]:
        """The fields' values, in order."""
        return tuple([getattr(self, name) for name in self.__match_args__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self.field_values() == other.field_values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.field_values())

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__match_args__)})"

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            _set(self, name, value)
            return
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:  # pickle: the fields (never the private slots)
        return (_rebuild, (type(self), self.field_values()))

    def __copy__(self: P) -> P:
        return self.model_copy()

    def __deepcopy__(self: P, memo: dict[int, Any]) -> P:
        import copy

        out = type(self)(**{n: copy.deepcopy(getattr(self, n), memo) for n in self.__match_args__})
        self._copy_private(out)
        return out

    def _copy_private(self, out: PlainModel) -> None:
        """Give ``out`` this object's private slots (a quote's trace), as pydantic copies private attributes."""
        for cls in type(self).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if name.startswith("_") and hasattr(self, name):
                    _set(out, name, getattr(self, name))

    # ---- what the replaced pydantic models offered, through the mirror (cold paths) --------------
    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """As the pydantic model's ``model_dump`` (any of its options)."""
        out: dict[str, Any] = to_mirror(self).model_dump(**kwargs)
        return out

    def model_dump_json(self, **kwargs: Any) -> str:
        """As the pydantic model's ``model_dump_json`` (any of its options)."""
        out: str = to_mirror(self).model_dump_json(**kwargs)
        return out

    def model_copy(self: P, *, update: dict[str, Any] | None = None, deep: bool = False) -> P:
        """A copy with ``update``'s fields replaced, not validated (as pydantic's ``model_copy``)."""
        import copy

        values = {n: getattr(self, n) for n in self.__match_args__}
        if deep:
            values = copy.deepcopy(values)
        values.update(update or {})
        out = type(self)(**values)
        self._copy_private(out)  # the private slots (a quote's trace) are kept, as pydantic keeps private attributes
        return out

    @classmethod
    def model_validate(cls: type[P], obj: Any) -> P:
        """Validate ``obj`` as the pydantic model did (the same errors) and build the plain object."""
        out: P = to_plain(mirror_of(cls).model_validate(obj))
        return out

    @classmethod
    def model_json_schema(cls, **kwargs: Any) -> dict[str, Any]:
        """The JSON Schema of the pydantic model this class replaced (its mirror's)."""
        out: dict[str, Any] = mirror_of(cls).model_json_schema(**kwargs)
        return out


__all__ = ["Mirrored", "PlainModel", "mirror_of", "mirrored", "to_mirror", "to_plain"]
