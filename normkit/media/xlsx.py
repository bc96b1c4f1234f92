"""A priced quote as an XLSX unit-price sheet (bảng đơn giá / dự toán), as a finance office reads it.

Sheet "Dự toán": title, order, date, packs; per item a block with the cost elements grouped by
component (Nhân công / Máy thiết bị / Vật liệu / Chi phí khác) in the columns STT, Hạng mục
(Vietnamese and English), Đơn vị, Số lượng, Đơn giá, Thành tiền, Căn cứ (legal basis, from the
trace's sources); subtotals and totals. Sheet "Kiểm tra": every unverified value with its
reason, the packs (id, version, hash), the what-if values and the rounding rule.

Amounts are the quote's computed values stored as numbers, never formulas. Money never goes
through a float: whole-đồng amounts are written as ``int`` with the format ``#,##0``.

>>> import normkit
>>> from normkit.media.xlsx import write_quote_xlsx
>>> q = normkit.media.quote("examples/orders/tv-bulletins.yaml")   # doctest: +SKIP
>>> write_quote_xlsx(q, "quote.xlsx")                         # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from normkit.core.errors import Location, NormkitError
from normkit.core.units import VOCABULARY
from normkit.media.components import COMPONENT_LABELS
from normkit.media.quote import Quote, TraceNode
from normkit.media.whatif import line_nodes

MONEY_FORMAT = "#,##0"
QTY_FORMAT = "#,##0.######"
MAX_EXACT = 10**15  # a spreadsheet number holds 15 significant digits
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
HEADERS = ("STT", "Hạng mục", "Cost element (English)", "Đơn vị", "Số lượng", "Đơn giá (đ)", "Thành tiền (đ)", "Căn cứ / Legal basis")
WIDTHS = (7, 46, 40, 10, 12, 15, 17, 70)
_UNIT_VI = {u.name: u.vi for u in VOCABULARY}


class _Sheet:
    """Small helpers over an openpyxl worksheet; remembers whether any amount was rounded."""

    def __init__(self, ws: Any) -> None:
        from openpyxl.styles import Alignment, Font

        self.ws = ws
        self.row = 0
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.rounded_for_display = False

    def money(self, d: Decimal | None, *, rate: bool = False) -> int | None:
        """A money cell's value: an ``int`` of đồng (exact when the quote's amount is whole;
        a unit price is always shown rounded, as the sheet's footnote says)."""
        if d is None:
            return None
        if abs(d) >= MAX_EXACT:
            raise NormkitError("NK804", f"amount {d} has more digits than a spreadsheet number holds exactly",
                               hint="export the quote as JSON (normkit price --json) instead")
        whole = d.to_integral_value(rounding=ROUND_HALF_UP)
        if whole != d and not rate:
            self.rounded_for_display = True
        return int(whole)

    def put(self, values: list[Any], *, bold: bool = False, money_cols: tuple[int, ...] = (), qty_cols: tuple[int, ...] = (),
            wrap_cols: tuple[int, ...] = ()) -> None:
        self.row += 1
        for col, v in enumerate(values, start=1):
            if v is None or v == "":
                continue
            cell = self.ws.cell(row=self.row, column=col, value=v)
            if isinstance(v, str) and v.startswith("="):  # text from a pack or an order, never a live formula
                cell.data_type = "s"
            if bold:
                cell.font = self.bold
            if col in money_cols:
                cell.number_format = MONEY_FORMAT
            elif col in qty_cols:
                cell.number_format = QTY_FORMAT
            if col in wrap_cols:
                cell.alignment = self.wrap


def _basis(node: TraceNode | None) -> str:
    """The distinct sources (document, article, table) of a trace node and everything below it."""
    if node is None:
        return ""
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.source is not None:
            s = n.source
            text = s.document + (f", {s.article}" if s.article else "") + (f", {s.table}" if s.table else "")
            if text not in out:
                out.append(text)
        stack.extend(reversed(n.children))
    return "; ".join(out)


def _unit(unit: str) -> str:
    return "" if unit == "1" else _UNIT_VI.get(unit, unit)


def _quantity(d: Decimal) -> float | int:
    # a quantity (0.12 công), never money: openpyxl stores numbers as floats, so a
    # non-whole quantity goes through float here, as the spreadsheet itself would hold it
    return int(d) if d == d.to_integral_value() else float(d)


def write_quote_xlsx(quote: Quote, path: str | os.PathLike[str]) -> None:
    """Write ``quote`` as an XLSX unit-price sheet at ``path``, atomically (temp file + rename)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from normkit.media.normtable import atomic_write

    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise NormkitError("NK804", f"cannot write {p.name}: the workbook must end in .xlsx", location=Location(str(p)))
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook always has one worksheet, active
    ws.title = "Dự toán"
    s = _Sheet(ws)
    money = (6, 7)
    s.put(["BẢNG DỰ TOÁN KINH PHÍ SẢN XUẤT / UNIT-PRICE ESTIMATE"], bold=True)
    s.put(["Mã đặt hàng / Order", quote.order_id])
    s.put(["Ngày tính giá / Priced at", quote.at])
    ws.cell(row=s.row, column=2).number_format = "dd/mm/yyyy"
    s.put(["Bộ quy tắc / Packs", ", ".join(f"{r.id} {r.version}" for r in quote.packs)])
    s.put(["Đơn vị tiền / Currency", (f"{quote.currency} (đồng); làm tròn / rounding: {quote.rounding.mode}, "
                                      f"{quote.rounding.quantum} per {quote.rounding.at} ({quote.rounding.pack})")])
    if quote.overlay:
        s.put(["Giả định / What-if", f"{quote.overlay.label}: " + ", ".join(f"{k}={v}" for k, v in quote.overlay.values.items())])
    s.row += 1
    s.put(list(HEADERS), bold=True, wrap_cols=tuple(range(1, 9)))
    header_row = s.row
    nodes = line_nodes(quote)
    item_nodes = [n for n in quote.trace if n.kind == "item"]
    line_index = {id(line): i for i, line in enumerate(quote.lines)}
    for n_item, item in enumerate(quote.items):
        item_node = item_nodes[n_item] if n_item < len(item_nodes) else None
        number = ROMAN[n_item] if n_item < len(ROMAN) else str(n_item + 1)
        norm_basis = f"Định mức {item.norm}" + (f"; {_basis_own(item_node)}" if item_node is not None and item_node.source else "")
        s.put([number, f"{item.name_vi} (mã {item.norm})", item.name_en, "sản phẩm", _quantity(item.quantity), None,
               s.money(item.total), norm_basis], bold=True, money_cols=money, qty_cols=(5,), wrap_cols=(2, 3, 8))
        group = 0
        for comp in ("labour", "equipment", "material", "other"):
            lines = [ln for ln in quote.lines if ln.item == item.id and ln.component == comp]
            if not lines:
                continue
            group += 1
            vi, en = COMPONENT_LABELS[comp]
            s.put([str(group), vi, en, None, None, None, s.money(item.subtotals.get(comp)), None], bold=True, money_cols=money)
            for k, ln in enumerate(lines, start=1):
                node = nodes.get(line_index[id(ln)])
                label_vi = (node.label_vi if node is not None and node.label_vi else ln.label_vi) + ("" if ln.verified else " †")
                if comp == "other":
                    basis = ((node.formula or "") + (f" — {_basis(node)}" if _basis(node) else "")) if node is not None else ""
                    s.put([f"{group}.{k}", label_vi, ln.label_en, None, None, None, s.money(ln.amount), basis],
                          money_cols=money, wrap_cols=(2, 3, 8))
                else:
                    s.put([f"{group}.{k}", label_vi, ln.label_en, _unit(ln.quantity_unit), _quantity(ln.quantity),
                           s.money(ln.rate, rate=True), s.money(ln.amount), _basis(node)], money_cols=money, qty_cols=(5,), wrap_cols=(2, 3, 8))
        s.put([None, f"Cộng {number}", f"Total {item.id}", None, None, None, s.money(item.total), None], bold=True, money_cols=money)
    s.row += 1
    s.put([None, "TỔNG HỢP", "SUMMARY"], bold=True)
    for comp, amount in quote.subtotals.items():
        if amount:
            vi, en = COMPONENT_LABELS[comp]
            s.put([None, f"Cộng {vi.lower()}", en, None, None, None, s.money(amount), None], money_cols=money)
    s.put([None, "TỔNG CỘNG", "TOTAL", None, None, None, s.money(quote.total), None], bold=True, money_cols=money)
    s.row += 1
    s.put([None, ("Đơn giá hiển thị làm tròn đến 1 đồng; thành tiền tính từ đơn giá chính xác. / Unit prices are shown "
                  "rounded to 1 đồng; amounts are computed from the exact rates (see the trace in `normkit price --explain`).")],
          wrap_cols=(2,))
    if quote.unverified:
        s.put([None, f"† {len(quote.unverified)} giá trị chưa kiểm chứng / unverified value(s): see sheet “Kiểm tra”."], wrap_cols=(2,))
    if s.rounded_for_display:
        s.put([None, ("Some amounts are not whole đồng (the pack rounds at subtotal or total); they are shown rounded "
                      "to 1 đồng here. The exact values are in the JSON quote.")], wrap_cols=(2,))
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[chr(64 + i)].width = w
    ws.freeze_panes = f"A{header_row + 1}"  # the first line below the header (what a Cell there would give)
    _checks(wb.create_sheet("Kiểm tra"), quote)
    atomic_write(p, lambda tmp: save_workbook(wb, tmp))


def save_workbook(wb: Any, path: Path) -> None:
    """openpyxl's ``Workbook.save``, except that a failed write (a full disk) closes the
    workbook's zip archive at once: openpyxl leaves it open, and Python then prints a
    ``ZipFile.__del__`` traceback after normkit's own coded error."""
    import datetime
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        ExcelWriter(wb, archive).save()  # writes every part, then closes the archive
    except BaseException:
        with contextlib.suppress(Exception):
            archive.close()  # writing its directory fails again on a full disk; the archive is closed all the same
        if archive.fp is not None:  # close() refused (a part still open): drop the file so __del__ has nothing to do
            with contextlib.suppress(Exception):
                archive.fp.close()
            archive.fp = None
        raise


def _basis_own(node: TraceNode) -> str:
    s = node.source
    assert s is not None
    return s.document + (f", {s.article}" if s.article else "") + (f", {s.table}" if s.table else "")


def _value_cell(text: str) -> Any:
    """An audit value: an ``int`` when whole, else its exact decimal text (never a float)."""
    try:
        d = Decimal(text)
    except Exception:
        return text
    return int(d) if d.is_finite() and d == d.to_integral_value() and abs(d) < MAX_EXACT else format(d, "f")


def unverified_nodes(quote: Quote) -> list[TraceNode]:
    """Every distinct unverified node of the trace (kind, name, rule), in trace order."""
    out: list[TraceNode] = []
    seen: set[tuple] = set()
    stack = list(reversed(quote.trace))
    while stack:
        n = stack.pop()
        if not n.verified:
            key = (n.kind, n.name, n.rule)
            if key not in seen:
                seen.add(key)
                out.append(n)
        stack.extend(reversed(n.children))
    return out


def _checks(ws: Any, quote: Quote) -> None:
    s = _Sheet(ws)
    s.put(["GIÁ TRỊ CHƯA KIỂM CHỨNG / UNVERIFIED VALUES"], bold=True)
    s.put(["Loại / Kind", "Tên / Name", "Giá trị / Value", "Đơn vị / Unit", "Quy tắc / Rule", "Lý do / Why", "Căn cứ / Source"], bold=True)
    for n in unverified_nodes(quote):
        why = n.why or (n.source.why if n.source is not None else None) or ""
        s.put([n.kind, n.name, _value_cell(n.value), n.unit or "", n.rule or "", why, _basis_own(n) if n.source else ""],
              wrap_cols=(6, 7))
    s.put([f"Tóm tắt / summary: {len(quote.unverified)}", "; ".join(quote.unverified)], wrap_cols=(2,))
    s.row += 1
    s.put(["BỘ QUY TẮC / PACKS"], bold=True)
    s.put(["id", "version", "hash (sha256)"], bold=True)
    for r in quote.packs:
        s.put([r.id, r.version, r.hash])
    if quote.overlay:
        s.row += 1
        s.put([f"GIẢ ĐỊNH / WHAT-IF: {quote.overlay.label}"], bold=True)
        for k, v in quote.overlay.values.items():
            s.put([k, v])
    s.row += 1
    s.put(["LÀM TRÒN / ROUNDING", quote.rounding.mode, str(quote.rounding.quantum), quote.rounding.at, quote.rounding.pack], bold=True)
    for i, w in enumerate((22, 34, 18, 16, 30, 60, 60), start=1):
        ws.column_dimensions[chr(64 + i)].width = w
