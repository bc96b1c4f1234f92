"""Reading orders and overlays from YAML/JSON files or plain data, with located errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from normkit.core.errors import Location, NormkitError
from normkit.core.io.yaml import SourceMap, read_file
from normkit.media.order_check import Order, checked_order, read_order_values

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.surface import Overlay


def _read(path: str | Path) -> tuple[Any, SourceMap]:
    p = Path(path)
    if p.suffix.lower() == ".json":
        data, smap = read_file(p)  # JSON is YAML: same strict reader, same positions
        return data, smap
    return read_file(p)


def load_order(path: str | Path) -> Order:
    """The order in the YAML or JSON file at ``path``, checked (NK601, or the model's errors as
    NK201 with file positions); without pydantic when the check of
    :mod:`normkit.media.order_check` is sure of it."""
    data, smap = _read(path)
    if not isinstance(data, dict):
        raise NormkitError("NK601", "an order file must be a mapping with `id`, `date` and `items`", location=Location(str(path), 1, 1))
    values = read_order_values(data, smap.locate)
    return checked_order(values, smap) or _validated(values, smap, located=True)


def order_from_data(data: Mapping[str, Any]) -> Order:
    """Validate a plain mapping (e.g. parsed JSON from another app) as an order."""
    smap = SourceMap("<order>")
    if not isinstance(data, Mapping):
        raise NormkitError("NK601", "an order must be a mapping", location=Location(path="order"))
    values = read_order_values(dict(data), smap.locate)
    return checked_order(values) or _validated(values, smap, located=False)


def _validated(values: dict[str, Any], smap: SourceMap, *, located: bool) -> Order:
    """``values`` validated by the pydantic model: an order the plain check was not sure of (its
    errors are the user's), located in ``smap`` when ``located``."""
    from normkit.core.loader import validate
    from normkit.media.schema import Order as OrderModel

    order: OrderModel = validate(OrderModel, values, smap)
    if located:
        order._source_map = smap
    return order


def load_overlay(path: str | Path) -> Overlay:
    from normkit.core.loader import validate
    from normkit.core.surface import Overlay

    data, smap = _read(path)
    if not isinstance(data, dict):
        raise NormkitError("NK602", "an overlay file must be a mapping with `set:`", location=Location(str(path), 1, 1))
    overlay: Overlay = validate(Overlay, data, smap)
    return overlay


def parse_set(pairs: list[str], field: str = "--set") -> dict[str, str]:
    """``["base_salary=2340000 VND/month"]`` -> ``{"base_salary": "2340000 VND/month"}``.

    A name may be a table row, ``table[key]`` or ``table[key1,key2]`` (the first ``=`` after
    the name separates the value): ``["machine_hour_rate[may_vi_tinh]=4000"]``. ``field`` names
    where the pairs came from in an error's location (``--set``, a web form's field)."""
    out: dict[str, str] = {}
    for i, pair in enumerate(pairs):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise NormkitError("NK602", f"{field} expects NAME=VALUE, got {pair!r}", location=Location(path=f"{field}[{i}]"),
                               hint="e.g. --set base_salary=2340000 or --set 'base_salary=2340000 VND/month'")
        name = name.strip()
        if "[" in name:  # a row: no spaces around its keys
            table, _, keys = name.partition("[")
            name = table.strip() + "[" + ",".join(k.strip() for k in keys.removesuffix("]").split(",")) + ("]" if keys.endswith("]") else "")
        out[name] = value.strip()
    return out
