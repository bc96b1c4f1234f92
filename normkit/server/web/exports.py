"""Files the pages offer for download, built in memory within the response (nothing is kept).

The budget report workbook lays out :class:`normkit.budget.model.Report` as the CLI's report
prints it: the totals, one row per line (claimed, allowed, excess, status, codes) and one row per
finding. Amounts are the report's exact values: whole đồng as integers (format ``#,##0``), other
amounts as their exact text.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from normkit.media.xlsx import save_workbook

MONEY = "#,##0"
SEVERITY_VI = {"error": "lỗi", "warning": "cảnh báo", "info": "thông tin"}


def data_url(data: bytes, mime: str) -> str:
    """``data`` as a ``data:`` link the page carries itself (a download that needs no second request)."""
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def to_bytes(write: Callable[[Path], None], suffix: str) -> bytes:
    """What ``write(path)`` writes, read back from a private temporary folder that is then removed."""
    with tempfile.TemporaryDirectory(prefix="normkit-web-") as folder:
        path = Path(folder) / f"out{suffix}"
        write(path)
        return path.read_bytes()


def _money(d: Decimal | None) -> Any:
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else format(d, "f")


def write_report_xlsx(report: Any, path: Path) -> None:
    """The budget check ``report`` as a workbook: sheet "Kiểm tra" (totals and lines), sheet "Phát hiện" (findings)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws: Any = wb.active
    ws.title = "Kiểm tra"
    bold = Font(bold=True)
    ws.append([f"Kết quả kiểm tra / Check report: {report.budget_id}"])
    ws["A1"].font = bold
    ws.append(["Loại / Kind", report.kind, "Ngày / At", str(report.at)])
    ws.append(["Kết quả / Result", "Đạt / passed" if report.passed else "Không đạt / failed"])
    ws.append(["Bộ quy tắc / Packs", ", ".join(f"{p.id} {p.version}" for p in report.packs)])
    ws.append([])
    totals = report.totals
    for label, value in (("Tổng đề nghị / Claimed", totals.claimed), ("Tổng được phép / Allowed", totals.allowed),
                         ("Tổng vượt trần / Excess", totals.excess)):
        ws.append([label, _money(value)])
        ws.cell(ws.max_row, 2).number_format = MONEY
    ws.append([])
    header = ["Dòng / Line", "STT / Ref", "Sản phẩm / Product", "Số lượng / Quantity", "Đơn giá / Unit price", "Đề nghị / Claimed",
              "Trần đơn vị / Ceiling per unit", "Được phép / Allowed", "Vượt trần / Excess", "Tình trạng / Status", "Mã / Codes"]
    ws.append(header)
    for c in ws[ws.max_row]:
        c.font = bold
    for ln in report.lines:
        ws.append([ln.line, ln.ref, ln.product, format(ln.quantity, "f"), _money(ln.unit_price), _money(ln.amount), _money(ln.ceiling_unit),
                   _money(ln.allowed), _money(ln.excess), ln.status, ", ".join(ln.codes)])
        for col in (5, 6, 7, 8, 9):
            ws.cell(ws.max_row, col).number_format = MONEY
    for letter, width in zip("ABCDEFGHIJK", (10, 8, 18, 12, 14, 14, 16, 14, 14, 12, 18), strict=True):
        ws.column_dimensions[letter].width = width
    fs: Any = wb.create_sheet("Phát hiện")
    fs.append(["Dòng / Line", "Mã / Code", "Mức độ / Severity", "Nội dung", "Message"])
    for c in fs[1]:
        c.font = bold
    for f in report.findings:
        fs.append([f.line, f.code, f"{SEVERITY_VI[f.severity]} / {f.severity}", f.message_vi, f.message])
    for letter, width in zip("ABCDE", (10, 9, 18, 80, 80), strict=True):
        fs.column_dimensions[letter].width = width
    save_workbook(wb, path)
