"""A priced quote as an XLSX unit-price sheet (bảng dự toán + phân tích đơn giá), as a finance office reads it.

Sheet "Dự toán": title, order, date, packs, rounding; one row per item — STT, Hạng mục (Vietnamese
and English), Đơn vị (in Vietnamese), Số lượng, Đơn giá (the unit price, a link to its analysis),
Thành tiền = ``ROUND(Số lượng × Đơn giá)`` — and the total, ``SUM`` of the item amounts.
Sheet "Phân tích đơn giá": one block per distinct unit price (items of the same norm with the
same lines share one): ONE product's cost elements grouped by component (Nhân công / Máy thiết
bị / Vật liệu / Chi phí khác), each line ``ROUND(định mức × đơn giá)``, each component a ``SUM``
of its lines, the unit price a ``SUM`` of the components; Căn cứ (legal basis) from the trace.
Sheet "Kiểm tra": every unverified value with its reason, the packs (id, version, hash), the
what-if values and the rounding rule.

Every calculation the sheet shows is a live formula whose recalculated value is normkit's figure
to the đồng: before writing one, normkit evaluates it as a spreadsheet does (on the numbers the
cells hold, ``ROUND`` half away from zero) and writes the figure itself instead when the two could
differ (a rate with more than 15 significant digits at a rounding tie, a rate in another unit
than its quantity, a rounding mode a spreadsheet has no function for); a footnote then says so.
So quantity × unit price shown = amount shown on every row. Money never goes through a float:
whole-đồng amounts are ``int`` cells with the format ``#,##0``. The one-unit rule (every amount of
an item = its unit price × its quantity, docs/media.md#one-unit-amounts) is what makes the item
rows exact; on ``amount_basis: whole_quantity`` the analysis is of the item's whole quantity.

Rows are written streaming (openpyxl's write-only mode): 100,000 items take one row each and
as many analysis blocks as there are distinct unit prices.

>>> import normkit
>>> from normkit.media.xlsx import write_quote_xlsx
>>> q = normkit.media.quote("examples/orders/tv-bulletins.yaml")   # doctest: +SKIP
>>> write_quote_xlsx(q, "quote.xlsx")                         # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

from normkit.core.errors import Location, NormkitError
from normkit.core.numbers import CTX
from normkit.core.units import VOCABULARY
from normkit.media.components import COMPONENT_LABELS, COMPONENTS
from normkit.media.quote import Quote, QuoteItem, QuoteLine, TraceNode

MONEY_FORMAT = "#,##0"
MAX_EXACT = 10**15  # a spreadsheet number holds 15 significant digits
SIGNIFICANT = 15
ESTIMATE, ANALYSIS, AUDIT = "Dự toán", "Phân tích đơn giá", "Kiểm tra"
HEADERS = ("STT", "Hạng mục", "Cost element (English)", "Đơn vị", "Số lượng", "Đơn giá (đ)", "Thành tiền (đ)", "Căn cứ / Legal basis")
WIDTHS = (9, 46, 40, 12, 12, 17, 17, 70)
LETTERS = "ABCDEFGH"
# the pack's rounding mode as a spreadsheet function, for amounts ≥ 0 (half_even and half_down have none)
SHEET_ROUND = {"half_up": "ROUND", "up": "ROUNDUP", "down": "ROUNDDOWN", "ceiling": "ROUNDUP", "floor": "ROUNDDOWN"}
_DECIMAL_MODE = {"ROUND": ROUND_HALF_UP, "ROUNDUP": ROUND_UP, "ROUNDDOWN": ROUND_DOWN}
_UNIT_VI = {u.name: u.vi for u in VOCABULARY}
ONE = Decimal(1)


class Formula(str):
    """A live formula normkit wrote (any other text starting with ``=`` is stored as text)."""


def shown(d: Decimal) -> Decimal:
    """The number a cell holds for ``d`` and shows: ``d`` itself when whole and below 10^15, else
    ``d`` to 15 significant digits (what a spreadsheet number holds exactly), trailing zeros dropped."""
    if d == d.to_integral_value() and abs(d) < MAX_EXACT:
        return Decimal(int(d))
    with localcontext(CTX) as ctx:
        ctx.prec = SIGNIFICANT
        return (+d).normalize()


def cell_number(d: Decimal) -> tuple[int | float, str]:
    """A number cell for ``d``: its value (an ``int`` when whole, never a float for money) and the
    number format that shows every digit it holds, so what is shown is what is computed with."""
    s = shown(d)
    exponent = s.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent >= 0:
        return int(s), MONEY_FORMAT
    return float(s), MONEY_FORMAT + "." + "0" * -exponent


def money_number(d: Decimal) -> tuple[int | float, str]:
    """A money cell: NK804 when it has more digits than a spreadsheet number holds exactly."""
    if abs(d) >= MAX_EXACT:
        raise NormkitError("NK804", f"amount {d} has more digits than a spreadsheet number holds exactly",
                           hint="export the quote as JSON (normkit price --json) instead")
    return cell_number(d)


@dataclass(frozen=True, slots=True)
class Rounder:
    """The pack's money rounding as a spreadsheet formula and as the same computation in Decimal."""

    function: str | None  # ROUND / ROUNDUP / ROUNDDOWN, or None: the mode has no spreadsheet function
    digits: int | None  # ROUND's second argument for the quantum (1 → 0, 1000 → -3), None if not a power of ten

    @classmethod
    def of(cls, quote: Quote) -> Rounder:
        q = quote.rounding.quantum.normalize()
        sign, digits, exponent = q.as_tuple()
        power = digits == (1,) and isinstance(exponent, int) and not sign
        return cls(function=SHEET_ROUND.get(quote.rounding.mode), digits=-exponent if power and isinstance(exponent, int) else None)

    def formula(self, expr: str) -> str | None:
        return None if self.function is None or self.digits is None else f"{self.function}({expr},{self.digits})"

    def value(self, d: Decimal) -> Decimal:
        """What the spreadsheet function gives for the exact value ``d``."""
        assert self.function is not None and self.digits is not None
        return d.quantize(Decimal(1).scaleb(-self.digits), rounding=_DECIMAL_MODE[self.function])


@dataclass(slots=True)
class Block:
    """One analysis block: the lines of ``quantity`` products of an item (one product on the
    one-unit basis), shared by every item with the same lines; ``row`` is the row of its total."""

    number: int
    index: int  # the first item it analyses (its trace gives the legal basis)
    item: QuoteItem
    quantity: Decimal
    lines: list[tuple[QuoteLine, Decimal, Decimal]]  # (line, quantity analysed, amount analysed)
    total: Decimal
    row: int = 0
    used_by: list[str] = field(default_factory=list)
    count: int = 0


def analysed(line: QuoteLine, quantity: Decimal, one_unit: bool) -> tuple[Decimal, Decimal]:
    """A line's quantity and amount for the analysed quantity: under the one-unit basis, one
    product's (the quote's line is that × the item quantity; ``amount_exact`` is the one-unit
    amount × the quantity before rounding), else the line's own."""
    if not one_unit or quantity == ONE:
        return line.quantity, line.amount
    with localcontext(CTX):
        unit_quantity = line.quantity if line.component == "other" else line.quantity / quantity
        return unit_quantity, line.amount_exact / quantity


def plan_blocks(quote: Quote) -> tuple[list[Block], list[int]]:
    """The distinct analysis blocks, and for every item the index of its block."""
    one_unit = quote.rounding.basis == "one_unit"
    blocks: dict[tuple, Block] = {}
    order: list[Block] = []
    assignment: list[int] = []
    lines = quote.lines
    pos = 0
    for index, item in enumerate(quote.items):
        mine: list[tuple[QuoteLine, Decimal, Decimal]] = []
        while pos < len(lines) and lines[pos].item == item.id:
            ln = lines[pos]
            mine.append((ln, *analysed(ln, item.quantity, one_unit)))
            pos += 1
        qty = ONE if one_unit else item.quantity
        total = item.unit_price if one_unit and item.unit_price is not None else item.total
        key = (item.norm, item.name_vi, str(qty), total,
               tuple((ln.component, ln.resource, ln.label_vi, ln.verified, ln.quantity_unit, str(q), ln.rate if ln.component != "other" else None, a)
                     for ln, q, a in mine))  # an extra's `rate` is its exact amount for the item's quantity
        block = blocks.get(key)
        if block is None:
            block = blocks[key] = Block(number=len(order) + 1, index=index, item=item, quantity=qty, lines=mine, total=total)
            order.append(block)
        if len(block.used_by) < 10:
            block.used_by.append(item.id)
        block.count += 1
        assignment.append(block.number - 1)
    return order, assignment


class Rows:
    """A write-only worksheet, appended row by row; counts rows for formula references."""

    def __init__(self, ws: Any) -> None:
        from openpyxl.styles import Alignment, Font

        self.ws = ws
        self.row = 0
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def put(self, values: Sequence[Any], *, bold: bool = False, formats: dict[int, str] | None = None, wrap: Sequence[int] = ()) -> int:
        from openpyxl.cell import WriteOnlyCell

        cells: list[Any] = []
        for col, v in enumerate(values, start=1):
            if v is None or v == "":
                cells.append(None)
                continue
            cell = WriteOnlyCell(self.ws, value=f"={v}" if isinstance(v, Formula) else v)
            if isinstance(v, str) and not isinstance(v, Formula) and v.startswith("="):  # text from a pack or an order
                cell.data_type = "s"
            if bold:
                cell.font = self.bold
            if formats and col in formats:
                cell.number_format = formats[col]
            if col in wrap:
                cell.alignment = self.wrap
            cells.append(cell)
        self.ws.append(cells)
        self.row += 1
        return self.row

    def widths(self, widths: Sequence[int]) -> None:
        for i, w in enumerate(widths):
            self.ws.column_dimensions[LETTERS[i] if i < len(LETTERS) else chr(65 + i)].width = w


@dataclass(slots=True)
class Export:
    """What writing one workbook needs and counts."""

    quote: Quote
    rounder: Rounder
    one_unit: bool
    units_vi: dict[str, str]
    item_node: Callable[[int], TraceNode | None]
    as_values: int = 0  # calculations written as their figure because the formula could give another

    def calc(self, formula: str | None, sheet_value: Decimal | None, expected: Decimal) -> tuple[Any, str]:
        """A calculated money cell: the live formula when the spreadsheet computes ``expected`` with it
        (``sheet_value``, evaluated as the spreadsheet does), else the figure itself, counted."""
        value, fmt = money_number(expected)
        if formula is not None and sheet_value == expected:
            return Formula(formula), fmt
        self.as_values += 1
        return value, fmt

    def rounded(self, expr: str, exact: Decimal, rounds: bool) -> tuple[str | None, Decimal | None]:
        """``expr`` rounded as the pack rounds money when ``rounds`` (formula, its value), else as is."""
        if not rounds:
            return expr, exact
        formula = self.rounder.formula(expr)
        return (formula, self.rounder.value(exact)) if formula is not None else (None, None)

    def unit(self, unit: str) -> str:
        return "" if unit == "1" else self.units_vi.get(unit, unit)


def write_quote_xlsx(quote: Quote, path: str | os.PathLike[str]) -> None:
    """Write ``quote`` as an XLSX unit-price sheet at ``path``, atomically (temp file + rename)."""

    with localcontext(CTX):  # normkit's Decimal context, never the caller's
        _write_quote_xlsx(quote, path)


def _write_quote_xlsx(quote: Quote, path: str | os.PathLike[str]) -> None:
    from openpyxl import Workbook

    from normkit.media.normtable import atomic_write

    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise NormkitError("NK804", f"cannot write {p.name}: the workbook must end in .xlsx", location=Location(str(p)))
    blocks, assignment = plan_blocks(quote)
    vocab = {u.name: u.vi for u in quote._vocab.units} if quote._vocab is not None else {}
    x = Export(quote=quote, rounder=Rounder.of(quote), one_unit=quote.rounding.basis == "one_unit",
               units_vi={**_UNIT_VI, **vocab}, item_node=_item_nodes(quote))
    wb = Workbook(write_only=True)
    estimate, analysis, audit = (Rows(wb.create_sheet(name)) for name in (ESTIMATE, ANALYSIS, AUDIT))
    _place_blocks(blocks)
    try:
        nodes = [x.item_node(b.index) for b in blocks]
        _write_analysis(analysis, x, blocks, nodes)  # first: it counts the figures written as values
        _write_estimate(estimate, x, blocks, assignment)
        _checks(audit, quote, [n for n in nodes if n is not None])
        atomic_write(p, lambda tmp: save_workbook(wb, tmp))
    except BaseException:
        discard(wb)
        raise


def discard(wb: Any) -> None:
    """Drop what a write-only workbook holds open: each sheet's row generator and its temporary
    file. Left to the garbage collector after a failed write, the generator's close fails on the
    closed file and Python prints that as an "Exception ignored" traceback after normkit's error."""
    for ws in wb.worksheets:
        rows, writer = getattr(ws, "_rows", None), getattr(ws, "_writer", None)
        if rows is not None:
            with contextlib.suppress(Exception):
                rows.close()
            ws._rows = None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.xf.close()
            with contextlib.suppress(Exception):
                writer.cleanup()  # removes the sheet's temporary file


def _item_nodes(quote: Quote) -> Callable[[int], TraceNode | None]:
    """The trace node of the item at an index: assembled for that item alone when the quote can
    (a quote just priced), else from the whole trace (a quote read back has none)."""
    one = getattr(quote, "_item_trace", None)
    if one is not None:
        return one  # type: ignore[no-any-return,unused-ignore]
    items = [n for n in quote.trace if n.kind == "item"]
    return lambda i: items[i] if i < len(items) else None


ANALYSIS_FIRST = 4  # title, blank, header, then the blocks


def _block_rows(b: Block) -> int:
    groups = {ln.component for ln, _q, _a in b.lines}
    return 1 + len(groups) + len(b.lines) + 1  # header, components, lines, a blank row


def _place_blocks(blocks: list[Block]) -> None:
    row = ANALYSIS_FIRST
    for b in blocks:
        b.row = row
        row += _block_rows(b)


def _write_analysis(s: Rows, x: Export, blocks: list[Block], nodes: list[TraceNode | None]) -> None:
    s.widths(WIDTHS)
    what = "1 sản phẩm / one product" if x.one_unit else "khối lượng của hạng mục / the item's quantity"
    s.put([f"PHÂN TÍCH ĐƠN GIÁ ({what}) / UNIT-PRICE ANALYSIS"], bold=True)
    s.put([])
    s.put(["STT", "Hạng mục", "Cost element (English)", "Đơn vị", "Định mức / Số lượng", "Đơn giá (đ)", "Thành tiền (đ)",
           "Căn cứ / Legal basis"], bold=True, wrap=range(1, 9))
    round_at = x.quote.rounding.at
    for b, node in zip(blocks, nodes, strict=True):
        assert s.row + 1 == b.row
        kids = [c for c in node.children if c.kind in ("line", "extra")] if node is not None else []
        groups = [c for c in COMPONENTS if any(ln.component == c for ln, _q, _a in b.lines)]
        # the rows of the component subtotals, known before they are written (the header sums them)
        comp_rows: list[int] = []
        row = b.row + 1
        for c in groups:
            comp_rows.append(row)
            row += 1 + sum(1 for ln, _q, _a in b.lines if ln.component == c)
        items = ", ".join(b.used_by) + (f" … ({b.count})" if b.count > len(b.used_by) else "")
        basis = f"Định mức {b.item.norm}" + (f"; {_source_text(node.source)}" if node is not None and node.source else "")
        quantity, qfmt = cell_number(b.quantity)
        total_formula = "+".join(f"G{r}" for r in comp_rows) or "0"
        total, tfmt = x.calc(total_formula, _sum_of(b, x), b.total)
        s.put([f"ĐG{b.number}", f"{b.item.name_vi} (mã {b.item.norm}) — hạng mục / items {items}", b.item.name_en, x.unit("item"),
               quantity, None, total, basis], bold=True, formats={5: qfmt, 7: tfmt}, wrap=(2, 3, 8))
        k = 0
        for g, c in enumerate(groups, start=1):
            mine = [(i, t) for i, t in enumerate(b.lines) if t[0].component == c]
            first, last = s.row + 2, s.row + 1 + len(mine)
            amounts = sum((a for _i, (_ln, _q, a) in mine), Decimal(0))
            formula, value = x.rounded(f"SUM(G{first}:G{last})", amounts, round_at == "subtotal")
            expected = x.rounder.value(amounts) if round_at == "subtotal" and x.rounder.function else amounts
            vi, en = COMPONENT_LABELS[c]
            cell, fmt = x.calc(formula, value, expected)
            s.put([f"ĐG{b.number}.{g}", vi, en, None, None, None, cell, None], bold=True, formats={7: fmt})
            for j, (i, (ln, q, a)) in enumerate(mine, start=1):
                k = i
                lnode = kids[k] if k < len(kids) else None
                label = (lnode.label_vi if lnode is not None and lnode.label_vi else ln.label_vi) + ("" if ln.verified else " †")
                if c == "other":
                    basis = (_own_formula(lnode) + (f" — {_basis(lnode)}" if _basis(lnode) else "")) if lnode is not None else ""
                    cell, fmt = money_number(a)
                    s.put([f"ĐG{b.number}.{g}.{j}", label, ln.label_en, None, None, None, cell, basis], formats={7: fmt}, wrap=(2, 3, 8))
                    continue
                r = s.row + 1
                qv, qf = cell_number(q)
                rv, rf = cell_number(ln.rate)
                formula, value = x.rounded(f"E{r}*F{r}", shown(q) * shown(ln.rate), round_at == "line")
                cell, fmt = x.calc(formula, value, a)
                s.put([f"ĐG{b.number}.{g}.{j}", label, ln.label_en, x.unit(ln.quantity_unit), qv, rv, cell, _basis(lnode)],
                      formats={5: qf, 6: rf, 7: fmt}, wrap=(2, 3, 8))
        s.put([])


def _own_formula(node: TraceNode) -> str:
    """An extra's own formula (its node for several products wraps it: "one-unit amount × quantity (…)")."""
    text = node.formula or ""
    prefix = "one-unit amount × quantity ("
    return text[len(prefix):-1] if text.startswith(prefix) and text.endswith(")") else text


def _sum_of(b: Block, x: Export) -> Decimal:
    """The block's total as the sheet computes it: the sum of its component cells."""
    total = Decimal(0)
    for c in COMPONENTS:
        amounts = [a for ln, _q, a in b.lines if ln.component == c]
        if amounts:
            s = sum(amounts, Decimal(0))
            total += x.rounder.value(s) if x.quote.rounding.at == "subtotal" and x.rounder.function and x.rounder.digits is not None else s
    return total


def _write_estimate(s: Rows, x: Export, blocks: list[Block], assignment: list[int]) -> None:
    quote = x.quote
    s.widths(WIDTHS)
    s.ws.freeze_panes = "A8" if not quote.overlay else "A9"  # below the header row
    s.put(["BẢNG DỰ TOÁN KINH PHÍ SẢN XUẤT / UNIT-PRICE ESTIMATE"], bold=True)
    s.put(["Mã đặt hàng / Order", quote.order_id])
    s.put(["Ngày tính giá / Priced at", quote.at], formats={2: "dd/mm/yyyy"})
    s.put(["Bộ quy tắc / Packs", ", ".join(f"{r.id} {r.version}" for r in quote.packs)])
    basis = ("thành tiền = đơn giá 1 sản phẩm × số lượng / amount = unit price × quantity" if x.one_unit
             else "tính trên toàn bộ khối lượng / priced on the whole quantity")
    s.put(["Đơn vị tiền / Currency", (f"{quote.currency} (đồng); làm tròn / rounding: {quote.rounding.mode}, "
                                      f"{quote.rounding.quantum} per {quote.rounding.at} ({quote.rounding.pack}); {basis}")])
    if quote.overlay:
        s.put(["Giả định / What-if", f"{quote.overlay.label}: " + ", ".join(f"{k}={v}" for k, v in quote.overlay.values.items())])
    s.put([])
    s.put(list(HEADERS), bold=True, wrap=range(1, 9))
    first = s.row + 1
    sums = quote.rounding.at != "total"
    items_sum = Decimal(0)
    for k, item in enumerate(quote.items):
        b = blocks[assignment[k]]
        r = s.row + 1
        qv, qf = cell_number(item.quantity)
        link = Formula(f"'{ANALYSIS}'!G{b.row}")
        if x.one_unit:
            _price, pf = money_number(b.total)
            formula, value = x.rounded(f"E{r}*F{r}", shown(item.quantity) * b.total, sums)
            cell, fmt = x.calc(formula, value, item.total)
            row = [str(k + 1), item.name_vi + f" (mã {item.norm})", item.name_en, x.unit("item"), qv, link, cell, f"ĐG{b.number}"]
            s.put(row, formats={5: qf, 6: pf, 7: fmt}, wrap=(2, 3))
        else:
            cell, fmt = x.calc(str(link), b.total, item.total)
            s.put([str(k + 1), item.name_vi + f" (mã {item.norm})", item.name_en, x.unit("item"), qv, None, cell, f"ĐG{b.number}"],
                  formats={5: qf, 7: fmt}, wrap=(2, 3))
        items_sum += item.total
    last = s.row
    formula, value = x.rounded(f"SUM(G{first}:G{last})", items_sum, not sums)
    cell, fmt = x.calc(formula, value, quote.total)
    s.put([None, "TỔNG CỘNG", "TOTAL", None, None, None, cell, None], bold=True, formats={7: fmt})
    s.put([None, "Trong đó / of which:"])
    for comp, amount in quote.subtotals.items():
        if amount:
            vi, en = COMPONENT_LABELS[comp]
            value_, vf = money_number(amount)
            s.put([None, f"  {vi}", en, None, None, None, value_, None], formats={7: vf})
    s.put([])
    s.put([None, ("Thành tiền = số lượng × đơn giá của 1 sản phẩm, làm tròn như bộ quy tắc quy định; đơn giá phân tích ở sheet "
                  f"“{ANALYSIS}” (ĐG…). / Amount = quantity × the unit price of one product, rounded as the packs declare; each "
                  f"unit price is analysed on sheet “{ANALYSIS}”.") if x.one_unit else
           (f"Thành tiền tính trên toàn bộ khối lượng (sheet “{ANALYSIS}”). / Amounts are priced on the whole quantity "
            f"(sheet “{ANALYSIS}”).")], wrap=(2,))
    if sum(quote.subtotals.values(), Decimal(0)) != quote.total:
        s.put([None, ("Các khoản “trong đó” là tổng từng thành phần của các hạng mục, mỗi khoản làm tròn riêng, nên có thể lệch "
                      "tổng cộng vài đồng. / The components are each rounded per item and may differ from the total by a few đồng.")],
              wrap=(2,))
    if x.as_values:
        s.put([None, (f"{x.as_values} số liệu ghi bằng giá trị, không phải công thức, vì công thức của bảng tính có thể cho kết quả "
                      f"khác (đơn giá quá 15 chữ số, đơn vị quy đổi, hoặc cách làm tròn không có hàm tương ứng). / {x.as_values} "
                      "figure(s) are written as values, not formulas: a spreadsheet formula could give another result.")], wrap=(2,))
    if quote.unverified:
        s.put([None, f"† {len(quote.unverified)} giá trị chưa kiểm chứng / unverified value(s): see sheet “{AUDIT}”."], wrap=(2,))


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
        discard(wb)
        with contextlib.suppress(Exception):
            archive.close()  # writing its directory fails again on a full disk; the archive is closed all the same
        if archive.fp is not None:  # close() refused (a part still open): drop the file so __del__ has nothing to do
            with contextlib.suppress(Exception):
                archive.fp.close()
            archive.fp = None
        raise


def _source_text(s: Any) -> str:
    return str(s.document + (f", {s.article}" if s.article else "") + (f", {s.table}" if s.table else ""))


def _basis(node: TraceNode | None) -> str:
    """The distinct sources (document, article, table) of a trace node and everything below it."""
    if node is None:
        return ""
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.source is not None:
            text = _source_text(n.source)
            if text not in out:
                out.append(text)
        stack.extend(reversed(n.children))
    return "; ".join(out)


def _value_cell(text: str) -> Any:
    """An audit value: an ``int`` when whole, else its exact decimal text (never a float)."""
    try:
        d = Decimal(text)
    except Exception:
        return text
    return int(d) if d.is_finite() and d == d.to_integral_value() and abs(d) < MAX_EXACT else format(d, "f")


def unverified_nodes(quote: Quote, roots: Sequence[TraceNode] | None = None) -> list[TraceNode]:
    """Every distinct unverified node (kind, name, rule) below ``roots`` (default: the quote's whole trace), in order."""
    out: list[TraceNode] = []
    seen: set[tuple] = set()
    stack = list(reversed(quote.trace if roots is None else roots))
    while stack:
        n = stack.pop()
        if not n.verified:
            key = (n.kind, n.name, n.rule)
            if key not in seen:
                seen.add(key)
                out.append(n)
        stack.extend(reversed(n.children))
    return out


def _checks(s: Rows, quote: Quote, roots: Sequence[TraceNode]) -> None:
    s.widths((22, 34, 18, 16, 30, 60, 60))
    s.put(["GIÁ TRỊ CHƯA KIỂM CHỨNG / UNVERIFIED VALUES"], bold=True)
    s.put(["Loại / Kind", "Tên / Name", "Giá trị / Value", "Đơn vị / Unit", "Quy tắc / Rule", "Lý do / Why", "Căn cứ / Source"], bold=True)
    for n in unverified_nodes(quote, roots):
        why = n.why or (n.source.why if n.source is not None else None) or ""
        s.put([n.kind, n.name, _value_cell(n.value), n.unit or "", n.rule or "", why, _source_text(n.source) if n.source else ""],
              wrap=(6, 7))
    s.put([f"Tóm tắt / summary: {len(quote.unverified)}", "; ".join(quote.unverified)], wrap=(2,))
    s.put([])
    s.put(["BỘ QUY TẮC / PACKS"], bold=True)
    s.put(["id", "version", "hash (sha256)"], bold=True)
    for r in quote.packs:
        s.put([r.id, r.version, r.hash])
    if quote.overlay:
        s.put([])
        s.put([f"GIẢ ĐỊNH / WHAT-IF: {quote.overlay.label}"], bold=True)
        for k, v in quote.overlay.values.items():
            s.put([k, v])
    s.put([])
    s.put(["LÀM TRÒN / ROUNDING", quote.rounding.mode, str(quote.rounding.quantum), quote.rounding.at, quote.rounding.pack,
           quote.rounding.basis], bold=True)
