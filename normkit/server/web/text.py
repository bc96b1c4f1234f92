"""The words of the workspace in Vietnamese (the default) and English, and how figures are written."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from normkit.core.amounts import vnd
from normkit.core.units import VOCABULARY

UNIT_VI = {u.name: u.vi for u in VOCABULARY}

LANGS = ("vi", "en")

# key -> (Vietnamese, English)
WORDS: dict[str, tuple[str, str]] = {
    "app": ("Không gian làm việc normkit", "normkit workspace"),
    "home": ("Trang chủ", "Home"),
    "price": ("Đặt hàng", "Price an order"),
    "whatif": ("Giả định", "What-if"),
    "check": ("Dự toán, quyết toán", "Check a budget"),
    "households": ("Hộ nghèo", "Households"),
    "packs": ("Gói quy tắc", "Packs"),
    "switch_lang": ("English", "Tiếng Việt"),
    "pack": ("Gói quy tắc (tỉnh)", "Pack (province)"),
    "date": ("Ngày áp dụng", "Evaluation date"),
    "order_id": ("Số đơn hàng", "Order number"),
    "items": ("Sản phẩm", "Items"),
    "norm": ("Mã định mức", "Norm code"),
    "norm_search": ("Gõ mã hoặc tên để tìm", "type a code or a name to search"),
    "quantity": ("Số lượng", "Quantity"),
    "options": ("Tùy chọn của định mức", "The norm's options"),
    "price_it": ("Tính giá", "Price"),
    "upload_order": ("Hoặc tải lên đơn hàng (YAML, JSON, XLSX)", "Or upload an order (YAML, JSON, XLSX)"),
    "file": ("Tệp", "File"),
    "upload": ("Tải lên và xử lý", "Upload and run"),
    "total": ("Tổng cộng", "Total"),
    "subtotal": ("Cộng", "Subtotal"),
    "amount": ("Thành tiền (đ)", "Amount (VND)"),
    "rate": ("Đơn giá (đ)", "Unit price (VND)"),
    "unit": ("Đơn vị", "Unit"),
    "element": ("Hạng mục", "Cost element"),
    "unverified": ("Giá trị chưa kiểm chứng với văn bản gốc", "Values not verified in their source"),
    "unverified_mark": ("chưa kiểm chứng", "not verified"),
    "verified_mark": ("đã kiểm chứng", "verified"),
    "trace": ("Giải trình từng số liệu", "How each figure was obtained"),
    "download": ("Tải về", "Download"),
    "download_xlsx": ("Bảng đơn giá XLSX", "Unit-price sheet XLSX"),
    "download_json": ("JSON", "JSON"),
    "error_title": ("Không xử lý được", "Could not process"),
    "row": ("Dòng", "Row"),
    "column": ("Cột", "Column"),
    "where": ("Vị trí", "Where"),
    "code": ("Mã", "Code"),
    "message": ("Nội dung", "Message"),
    "hint": ("Gợi ý", "Hint"),
    "severity": ("Mức độ", "Severity"),
    "line": ("Dòng", "Line"),
    "error": ("lỗi", "error"),
    "warning": ("cảnh báo", "warning"),
    "info": ("thông tin", "info"),
    "filter": ("Lọc theo mức độ", "Filter by severity"),
    "filter_text": ("Lọc theo mã hoặc nội dung", "Filter by code or text"),
    "all": ("Tất cả", "All"),
    "claimed": ("Đề nghị", "Claimed"),
    "allowed": ("Được phép", "Allowed"),
    "excess": ("Vượt trần", "Excess"),
    "findings": ("Kết quả kiểm tra theo dòng", "Findings by line"),
    "budget_file": ("Tệp dự toán/quyết toán (CSV, XLSX, JSON, YAML)", "Budget or settlement file (CSV, XLSX, JSON, YAML)"),
    "check_it": ("Kiểm tra", "Check"),
    "passed": ("Đạt", "Passed"),
    "failed": ("Không đạt", "Failed"),
    "product": ("Sản phẩm", "Product"),
    "ceiling": ("Trần cho phép", "Ceiling"),
    "status": ("Tình trạng", "Status"),
    "download_report": ("Tải báo cáo", "Download the report"),
    "hh_file": ("Tệp hộ gia đình (CSV, XLSX, Parquet)", "Household file (CSV, XLSX, Parquet)"),
    "year": ("Năm rà soát", "Review year"),
    "standard": ("Chuẩn nghèo", "Poverty standard"),
    "by_year": ("theo năm rà soát", "by review year"),
    "classify": ("Phân loại", "Classify"),
    "rates_by": ("Số hộ và tỷ lệ theo", "Counts and rates by"),
    "households_n": ("Số hộ", "Households"),
    "poor": ("Hộ nghèo", "Poor"),
    "near_poor": ("Hộ cận nghèo", "Near-poor"),
    "poverty_rate": ("Tỷ lệ nghèo %", "Poverty rate %"),
    "near_poverty_rate": ("Tỷ lệ cận nghèo %", "Near-poverty rate %"),
    "multidimensional_rate": ("Nghèo đa chiều %", "Multidimensional %"),
    "deprivations": ("Tỷ lệ thiếu hụt theo chỉ số", "Deprivation rates per indicator"),
    "deprived": ("Số hộ thiếu hụt", "Deprived"),
    "rejects": ("Dòng bị loại", "Rejected rows"),
    "reason": ("Lý do", "Reason"),
    "download_classified": ("Tệp đã phân loại (CSV)", "Classified file (CSV)"),
    "download_rejects": ("Dòng bị loại (CSV)", "Rejected rows (CSV)"),
    "whole": ("toàn bộ", "all"),
    "baseline": ("Hiện hành", "Baseline"),
    "variant": ("Giả định", "Variant"),
    "delta": ("Chênh lệch", "Difference"),
    "causes": ("Nguyên nhân", "Causes"),
    "params": ("Thay đổi tham số (để trống: giữ nguyên)", "Change parameters (empty: unchanged)"),
    "current": ("hiện hành", "current"),
    "set_rows": ("Thay đổi dòng của bảng giá, mỗi dòng một giá trị: bảng[khóa]=giá trị",
                 "Change rate-card rows, one per line: table[key]=value"),
    "rate_rows": ("Các dòng của bảng giá đang áp dụng", "Rate-card rows in force"),
    "compare": ("So sánh", "Compare"),
    "sweep": ("Quét một tham số", "Sweep one parameter"),
    "sweep_param": ("Tham số", "Parameter"),
    "sweep_values": ("Các giá trị, cách nhau bởi dấu phẩy", "Values, separated by commas"),
    "sweep_chart": ("Tổng cộng theo giá trị tham số", "Total by parameter value"),
    "kind": ("Loại", "Kind"),
    "name": ("Tên", "Name"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "value": ("Giá trị", "Value"),
    "source": ("Căn cứ pháp lý", "Legal source"),
    "verified": ("Kiểm chứng", "Verified"),
    "search": ("Tìm theo tên hoặc mã", "Search by name or code"),
    "show": ("Xem", "Show"),
    "token": ("Mã truy cập", "Access token"),
    "token_needed": ("Máy chủ yêu cầu mã truy cập. Mã chỉ được giữ trong thẻ trình duyệt này.",
                     "The server requires an access token. It is kept in this browser tab only."),
    "token_save": ("Dùng mã này", "Use this token"),
    "none": ("không có", "none"),
    "item": ("Sản phẩm", "Item"),
    "id": ("Mã", "ID"),
    "location": ("Vị trí", "Location"),
    "packs_used": ("Bộ quy tắc đã dùng", "Packs used"),
    "rounding": ("Làm tròn", "Rounding"),
    "all_columns_hint": ("Chọn cột để xem số hộ và tỷ lệ theo cột đó", "Choose a column to see counts and rates by it"),
    "information_first": ("Chiều thông tin được xếp trước", "The information dimension comes first"),
    "compare_reviews": ("So sánh với kỳ rà soát trước", "Compare with an earlier review"),
    "compare_help": ("Tải lên tệp hộ của kỳ rà soát trước (cùng chuẩn): trang tính tỷ lệ thiếu hụt của kỳ đó và mức thay đổi (điểm phần trăm) so với kỳ này. Trang chỉ giữ số đếm của kỳ này, không giữ tệp.",
                     "Upload the household file of an earlier review (same standard): the page counts its deprivation rates and the change in points to this review. The page keeps only this review's counts, never the file."),
    "earlier_file": ("Tệp hộ của kỳ rà soát trước", "Household file of the earlier review"),
    "rate_before": ("Kỳ trước", "Before"),
    "rate_after": ("Kỳ này", "After"),
    "change_points": ("Thay đổi (điểm %)", "Change (points)"),
    "no_indicators": ("Tệp không có cột cho từng chỉ số (chỉ có deprivation_count): không tính được tỷ lệ thiếu hụt theo chỉ số.",
                      "The file has no column per indicator (only deprivation_count): the deprivation rates per indicator cannot be counted."),
    "rows_summary": ("dòng đọc vào", "rows in"),
    "classified_n": ("đã phân loại", "classified"),
    "rejected_n": ("bị loại", "rejected"),
    "standard_choice": ("Chuẩn được chọn", "Standard chosen"),
    "item_rows_hint": ("Để trống các dòng không dùng.", "Leave unused rows empty."),
    "formula": ("Công thức", "Formula"),
    "inputs": ("Đầu vào", "Inputs"),
    "rule": ("Quy tắc", "Rule"),
    "effective": ("Hiệu lực", "In force"),
    "why": ("Lý do chưa kiểm chứng", "Why not verified"),
    "document": ("Văn bản", "Document"),
    "article": ("Điều", "Article"),
    "link": ("Liên kết", "Link"),
    "overrides": ("Giá trị thay đổi", "Changed values"),
    "home_intro": (("Tính giá đặt hàng theo định mức, kiểm tra dự toán/quyết toán, phân loại hộ nghèo — cùng một bộ máy tính "
                    "với dòng lệnh normkit, đúng đến từng đồng, có giải trình đến văn bản pháp lý."),
                   ("Price orders from the norms, check budgets and settlements, classify households — the same engine as the "
                    "normkit command line, exact to the đồng, explained down to the legal source.")),
    "example_note": ("Bảng giá của tỉnh mẫu là minh họa, không phải số liệu thật.",
                     "The example province's rate card is illustrative, not real figures."),
    "labour": ("Nhân công", "Labour"),
    "equipment": ("Máy thiết bị", "Equipment"),
    "material": ("Vật liệu", "Materials"),
    "other": ("Chi phí khác", "Other costs"),
    "within": ("trong trần", "within"),
    "over": ("vượt trần", "over"),
    "not_priced": ("không tính được", "not priced"),
    "changed": ("thay đổi", "changed"),
    "unchanged": ("không đổi", "unchanged"),
    "added": ("thêm", "added"),
    "removed": ("bỏ", "removed"),
    "lines_shown": ("dòng hiển thị", "lines shown"),
    "dimension": ("Chiều", "Dimension"),
    "kind_norm": ("Định mức", "Norm"),
    "kind_parameter": ("Tham số", "Parameter"),
    "kind_table": ("Bảng", "Table"),
    "kind_formula": ("Công thức", "Formula"),
    "kind_adjustment": ("Điều chỉnh", "Adjustment"),
    "kind_input": ("Dữ liệu đầu vào", "Input"),
    "indicator": ("Chỉ số", "Indicator"),
}

SEVERITY_ICON = {"error": "✖", "warning": "▲", "info": "ℹ"}


def lang_of(value: str | None) -> str:
    return value if value in LANGS else "vi"


def word(key: str, lang: str) -> str:
    vi, en = WORDS[key]
    return en if lang == "en" else vi


def money(value: Decimal | None) -> str:
    """``Decimal('5336124')`` -> ``'5.336.124 đ'``, as officers write amounts."""
    return "—" if value is None else f"{vnd(value)} đ"


def plain(value: Decimal | None) -> str:
    """An amount without the unit (in a column headed "(đ)")."""
    return "—" if value is None else vnd(value)


def unit_rate(value: Decimal | None) -> str:
    """A unit price rounded to the đồng for reading, as ``normkit price`` prints it (the exact
    value is in the trace and the JSON)."""
    return "—" if value is None else vnd(value.quantize(Decimal(1), ROUND_HALF_UP))


def unit_name(unit: str | None, lang: str) -> str:
    """A unit as people write it: ``workday`` -> ``công`` in Vietnamese, ``workday`` in English."""
    if not unit:
        return ""
    return UNIT_VI.get(unit, unit) if lang == "vi" else unit.replace("_", " ")


def amount_text(value: str | None, unit: str | None) -> str:
    """A value of a pack as text: written as officers write money when its unit is VND-based."""
    if value is None:
        return "—"
    if unit and unit.startswith("VND"):
        try:
            return vnd(Decimal(value))
        except ArithmeticError:
            return value
    return value


def signed(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + vnd(value)


def label(obj: Any, lang: str, stem: str = "label") -> str:
    """The ``label_vi``/``label_en`` (or ``name_vi``/``name_en``) of a record in ``lang``, else the other."""
    vi = obj.get(f"{stem}_vi") if isinstance(obj, dict) else getattr(obj, f"{stem}_vi", None)
    en = obj.get(f"{stem}_en") if isinstance(obj, dict) else getattr(obj, f"{stem}_en", None)
    return str((en or vi) if lang == "en" else (vi or en) or "")
