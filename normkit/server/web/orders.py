"""An order uploaded as a spreadsheet (the Price and What-if pages): one row per item under a
header row — the norm code, the quantity, an optional item id, and one column per option the
pack's norms take (``actual_duration``, ``royalty_genre`` …, as ``normkit show`` names them).

Headers may be Vietnamese or English (``Mã định mức``/``norm``, ``Số lượng``/``quantity``,
``STT``/``id``); every bad cell is reported with its row and column, all at once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.io.tables import is_blank, is_comment, xlsx_records
from normkit.core.io.vocabulary import fold_header
from normkit.media.order_check import Order
from normkit.media.orders import order_from_data

MAX_ITEMS = 500
HEADERS = {"norm": ("norm", "norm_code", "code", "ma", "ma_dinh_muc", "ma_hieu", "ma_hieu_dinh_muc"),
           "quantity": ("quantity", "qty", "so_luong", "khoi_luong"),
           "id": ("id", "item", "stt", "tt")}


def xlsx_order(path: Path, shown: str, date: dt.date | None, inputs: list[str]) -> Order:
    """The order in the first sheet of ``path`` (``shown`` is the user's file name), dated ``date``."""
    if date is None:
        raise NormkitError("NK917", "a spreadsheet order has no date of its own: give the date on the form", location=Location(path="date"))
    records, _ = xlsx_records(path, None, code="NK915", max_rows=MAX_ITEMS)
    rows = [(n, cells) for n, cells in records if not all(is_blank(c) for c in cells) and not is_comment(cells)]
    if not rows:
        raise NormkitError("NK915", f"{shown} has no rows", location=Location(shown))
    header_row, header = rows[0]
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        key = fold_header(str(h)) if h is not None else ""
        field = next((f for f, names in HEADERS.items() if key in names), key if key in inputs else None)
        if field is not None and field not in columns:
            columns[field] = i
    if "norm" not in columns:
        raise NormkitError("NK915", f"{shown}: no norm-code column in the header row (Mã định mức / norm)",
                           location=Location(shown, header_row, 1))
    errors = ErrorCollector()
    items: list[dict[str, Any]] = []
    for n, cells in rows[1:]:
        def cell(field: str, cells: list[Any] = cells) -> Any:
            i = columns.get(field)
            return cells[i] if i is not None and i < len(cells) else None

        norm = cell("norm")
        if is_blank(norm):
            errors.add(NormkitError("NK917", "the norm code is empty", location=Location(shown, n, columns["norm"] + 1, "norm")))
            continue
        item: dict[str, Any] = {"norm": str(norm).strip(), "id": str(cell("id")).strip() if not is_blank(cell("id")) else f"row-{n}"}
        qty = cell("quantity")
        if not is_blank(qty):
            try:
                item["quantity"] = Decimal(str(qty).strip())
            except InvalidOperation:
                errors.add(NormkitError("NK917", f"quantity {qty!r} is not a number",
                                        location=Location(shown, n, columns["quantity"] + 1, "quantity")))
        opts = {name: (Decimal(str(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v).strip())
                for name in inputs if name in columns and not is_blank(v := cell(name))}
        if opts:
            item["inputs"] = opts
        items.append(item)
    errors.raise_if_any()
    if not items:
        raise NormkitError("NK915", f"{shown} lists no item under its header row", location=Location(shown, header_row))
    return order_from_data({"normkit_order": 1, "id": Path(shown).stem[:80] or "XLSX-ORDER", "date": date, "items": items})
