"""Orders checked without pydantic when they are plainly valid (issue 13, the CLI warm start).

An order is what pricing reads: :class:`Order` and :class:`OrderItem` say which attributes it
has. Two kinds of object have them:

- the plain :class:`CheckedOrder` / :class:`CheckedItem`, built by :func:`checked_order` from an
  order document it is *sure* pydantic's model accepts, with the values the model would give
  (the same types too: an integer quantity is a ``Decimal``, ``true`` stays a ``bool``, a text
  stays a text);
- the pydantic models :class:`normkit.media.schema.Order` / ``OrderItem`` (subclasses of the
  two here), which give the JSON Schema, validate the service's requests, and check every
  document :func:`checked_order` is not sure of — a wrong type, a value out of its bounds, an
  unknown key, a coercion (a float, a ``datetime``, bytes, a non-ASCII input name …): then it
  returns ``None`` and the caller validates with the model, whose errors are the user's. So the
  errors are pydantic's as before; only documents the model accepts take the fast path.

A warm ``normkit price`` therefore reads its order without importing pydantic's model machinery
or building the model's validator (docs/performance.md). ``tests/media/test_order_check.py``
compares the two on generated documents, valid and invalid: whenever the check accepts, the
model accepts with equal values field by field, types included.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeGuard

from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.io.text import DATE, NUMBER, read_fields
from normkit.core.io.yaml import SourceMap, format_path

if TYPE_CHECKING:  # pragma: no cover
    from typing import Self

Value = Decimal | bool | str
"""An input's value in an order: a number, true/false or a text."""

MAX_ITEMS = 100_000
"""The most items an order may have (the model's ``items`` bound)."""

_set = object.__setattr__


class OrderItem:
    """One item of an order: a norm code and a quantity, with an optional id, label and the
    item's inputs. The attributes pricing reads; see the module's text for the two classes that
    have them."""

    __slots__ = ()
    if TYPE_CHECKING:  # pragma: no cover  (declared, not defined: pydantic would take them for fields)
        id: str | None
        norm: str
        quantity: Decimal
        label: str | None
        inputs: Mapping[str, Value]

        def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self: ...


class Order:
    """An order (đặt hàng) to price: its id, date, evaluation date, packs, inputs and items. The
    attributes pricing reads; see the module's text for the two classes that have them."""

    __slots__ = ()
    if TYPE_CHECKING:  # pragma: no cover  (declared, not defined: pydantic would take them for fields)
        normkit_order: int
        id: str
        title: str | None
        date: dt.date
        at: dt.date | None
        packs: Sequence[str]
        inputs: Mapping[str, Value]
        items: Sequence[OrderItem]

        def locate(self, *path: str | int) -> Location: ...
        def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self: ...


class _Plain:
    """Value semantics for the two plain classes: immutable, compared and printed field by field
    (as the pydantic models are), copied with ``model_copy`` (no validation, as pydantic's)."""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()
    # lists and dicts inside: not hashable (the frozen models' hash fails on them too)
    __hash__ = None  # type: ignore[assignment]
    _shown = ""  # the name printed: the model's
    _stored: tuple[str, ...] = ()  # the slots, in order (the fields and what else the object keeps)

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self.__match_args__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __repr__(self) -> str:
        return f"{self._shown}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__match_args__)})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._shown} is frozen: cannot assign to {name!r} (use model_copy(update=...))")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self._shown} is frozen: cannot delete {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and copy: frozen slots, set by _rebuild
        return _rebuild, (type(self), tuple([getattr(self, name) for name in self._stored]))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with the fields in ``update`` replaced (not checked, as pydantic's ``model_copy``)."""
        import copy  # only when a copy is asked for: not on a warm start

        new = copy.deepcopy(self) if deep else copy.copy(self)
        for name, value in (update or {}).items():
            if name not in self.__match_args__:
                raise AttributeError(f"{self._shown} has no field {name!r}")
            _set(new, name, value)
        return new


def _rebuild(cls: type[_Plain], values: tuple[Any, ...]) -> _Plain:
    new = object.__new__(cls)
    for name, value in zip(cls._stored, values, strict=True):
        _set(new, name, value)
    return new


class CheckedItem(_Plain, OrderItem):
    """An order item :func:`checked_order` built (no pydantic)."""

    __slots__ = ("id", "inputs", "label", "norm", "quantity")
    __match_args__ = ("id", "norm", "quantity", "label", "inputs")
    _shown = "OrderItem"
    _stored = __match_args__
    id: str | None
    norm: str
    quantity: Decimal
    label: str | None
    inputs: dict[str, Value]

    def __init__(self, id: str | None, norm: str, quantity: Decimal, label: str | None, inputs: dict[str, Value]) -> None:
        _set(self, "id", id)
        _set(self, "norm", norm)
        _set(self, "quantity", quantity)
        _set(self, "label", label)
        _set(self, "inputs", inputs)


class CheckedOrder(_Plain, Order):
    """An order :func:`checked_order` built (no pydantic)."""

    __slots__ = ("_source_map", "at", "date", "id", "inputs", "items", "normkit_order", "packs", "title")
    __match_args__ = ("normkit_order", "id", "title", "date", "at", "packs", "inputs", "items")
    _shown = "Order"
    _stored = (*__match_args__, "_source_map")
    normkit_order: int
    id: str
    title: str | None
    date: dt.date
    at: dt.date | None
    packs: list[str]
    inputs: dict[str, Value]
    items: list[CheckedItem]
    _source_map: SourceMap | None

    def __init__(self, id: str, title: str | None, date: dt.date, at: dt.date | None, packs: list[str],
                 inputs: dict[str, Value], items: list[CheckedItem], source_map: SourceMap | None = None) -> None:
        _set(self, "normkit_order", 1)
        _set(self, "id", id)
        _set(self, "title", title)
        _set(self, "date", date)
        _set(self, "at", at)
        _set(self, "packs", packs)
        _set(self, "inputs", inputs)
        _set(self, "items", items)
        _set(self, "_source_map", source_map)

    def locate(self, *path: str | int) -> Location:
        """File position of a field (``locate("items", 2, "norm")``), or just its path."""
        if self._source_map is not None:
            return self._source_map.locate(tuple(path))
        return Location(path=format_path(tuple(path)))


def checked_fields(value: CheckedOrder | CheckedItem) -> dict[str, Any]:
    """The fields of a checked order or item as a mapping (its items as they are): what the
    pydantic models validate when given one (``QuoteRequest(order=load_order(...))``)."""
    return {name: getattr(value, name) for name in value.__match_args__}


def read_order_values(data: dict[str, Any], locate: Callable[[tuple[str | int, ...]], Location]) -> dict[str, Any]:
    """An order's dates and item quantities written as text, read by the one input layer
    (``15/09/2024``, ``"3,5"``; :mod:`normkit.core.io.text`); every bad value reported at once."""
    errors: list[NormkitError] = []
    out = read_fields(data, {"date": DATE, "at": DATE}, locate, errors=errors)
    items = out.get("items")
    if isinstance(items, list):  # only items with a quantity written as text are looked at again
        out["items"] = [read_fields(item, {"quantity": NUMBER}, locate, ("items", i), errors)
                        if isinstance(item, dict) and isinstance(item.get("quantity"), str) else item for i, item in enumerate(items)]
    collector = ErrorCollector()
    for e in errors:
        collector.add(e)
    collector.raise_if_any()
    return out


# ---- the check ---------------------------------------------------------------------------------
# Each test below accepts a value only in a form whose result under the model is certain; the
# model's field types are in the comments (normkit/media/schema.py).

_ORDER_KEYS = frozenset(("normkit_order", "id", "title", "date", "at", "packs", "inputs", "items"))
_ITEM_KEYS = frozenset(("id", "norm", "quantity", "label", "inputs"))
# NormCode's pattern; fullmatch, as the model's regex engine reads `$` (no newline before the end)
_NORM_CODE = re.compile(r"[0-9A-Za-z_]+(?:[.-][0-9A-Za-z_]+)*").fullmatch
# Word (`^[^\W\d]\w*$`) for ASCII names only: other letters are left to the model's own engine
_ASCII_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").fullmatch
_ONE = Decimal(1)
TEXT_MAX = 2000  # Text
WORD_MAX = 80  # Word
ID_MAX = 80  # an order's or an item's id
PACK_MAX = 200  # one entry of `packs`
NORM_MAX = 60  # NormCode


def _text(value: object, limit: int) -> TypeGuard[str]:
    """A ``str`` of at most ``limit`` characters the model keeps as it is (no lone surrogate,
    which it cannot read)."""
    if type(value) is not str or len(value) > limit:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _inputs(raw: object) -> dict[str, Value] | None:
    """``dict[Word, Decimal | bool | Text]``: a number (an integer becomes a Decimal, as in the
    model's union), true/false, or a text of at most 2,000 characters."""
    if type(raw) is not dict:
        return None
    out: dict[str, Value] = {}
    for key, value in raw.items():
        if type(key) is not str or len(key) > WORD_MAX or not _ASCII_WORD(key):
            return None
        t = type(value)
        if t is bool:
            out[key] = value
        elif t is Decimal:
            if not value.is_finite():
                return None
            out[key] = value
        elif t is int:
            out[key] = Decimal(value)
        elif t is str and _text(value, TEXT_MAX):
            out[key] = value
        else:  # a float, None, a longer text (which the model may read as a number) …
            return None
    return out


def _item(raw: object) -> CheckedItem | None:
    if type(raw) is not dict or not raw.keys() <= _ITEM_KEYS:
        return None
    norm = raw.get("norm")  # NormCode, required
    if type(norm) is not str or len(norm) > NORM_MAX or not _NORM_CODE(norm):
        return None
    item_id = raw.get("id")  # str (at most 80) | None
    if item_id is not None and not _text(item_id, ID_MAX):
        return None
    label = raw.get("label")  # Text | None
    if label is not None and not _text(label, TEXT_MAX):
        return None
    quantity = raw.get("quantity", _ONE)  # Decimal, 1 when absent; a text was read before
    t = type(quantity)
    if t is int:
        quantity = Decimal(quantity)
    elif t is not Decimal or not quantity.is_finite():
        return None
    if "inputs" in raw:
        inputs = _inputs(raw["inputs"])
        if inputs is None:
            return None
    else:
        inputs = {}
    return CheckedItem(item_id, norm, quantity, label, inputs)


def checked_order(data: dict[str, Any], source_map: SourceMap | None = None) -> CheckedOrder | None:
    """``data`` (an order document after :func:`read_order_values`) as a :class:`CheckedOrder`
    located in ``source_map``, if it is sure the model :class:`normkit.media.schema.Order` accepts
    it with the same values; ``None`` when it is not (then validate with the model)."""
    if type(data) is not dict or not data.keys() <= _ORDER_KEYS:
        return None
    version = data.get("normkit_order", 1)  # Literal[1]
    if type(version) is not int or version != 1:
        return None
    order_id = data.get("id")  # str (at most 80), required
    if not _text(order_id, ID_MAX):
        return None
    title = data.get("title")  # Text | None
    if title is not None and not _text(title, TEXT_MAX):
        return None
    date = data.get("date")  # date, required; a text was read before
    if type(date) is not dt.date:
        return None
    at = data.get("at")  # date | None
    if at is not None and type(at) is not dt.date:
        return None
    raw_packs = data.get("packs", [])  # list of str (at most 200 each)
    if type(raw_packs) is not list or not all(_text(p, PACK_MAX) for p in raw_packs):
        return None
    if "inputs" in data:
        inputs = _inputs(data["inputs"])
        if inputs is None:
            return None
    else:
        inputs = {}
    raw_items = data.get("items")  # list of items, 1 to 100,000
    if type(raw_items) is not list or not 1 <= len(raw_items) <= MAX_ITEMS:
        return None
    items: list[CheckedItem] = []
    for raw in raw_items:
        item = _item(raw)
        if item is None:
            return None
        items.append(item)
    return CheckedOrder(order_id, title, date, at, list(raw_packs), inputs, items, source_map)
