"""One error hierarchy for everything a user can get wrong.

Every user-facing error carries a stable ``code``, a ``message``, a ``location``
(``file:line:column`` or a field path) and a ``hint``. The CLI prints them without a
traceback and exits 1; library users catch :class:`NormkitError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from normkit.core.records import Frozen

_set = object.__setattr__


class Location(Frozen):
    """Where something is: a file position, or a field path inside a document."""

    __slots__ = ("column", "file", "line", "path")
    __match_args__ = ("file", "line", "column", "path")
    file: str | None
    line: int | None  # 1-based
    column: int | None  # 1-based
    path: str | None  # e.g. "items[2].quantity"

    def __init__(self, file: str | None = None, line: int | None = None, column: int | None = None, path: str | None = None) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "path", path)

    def shifted(self, columns: int) -> Location:
        """The same place, ``columns`` further along the line (for spans inside a scalar)."""
        if self.column is None:
            return self
        return Location(self.file, self.line, self.column + columns, self.path)

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            pos = self.file
            if self.line is not None:
                pos += f":{self.line}"
                if self.column is not None:
                    pos += f":{self.column}"
            parts.append(pos)
        if self.path:
            parts.append(self.path)
        return " ".join(parts) if parts else "<input>"


# code -> (title, default hint). The catalogue is documented in docs/errors.md and each
# code has a fixture under tests/fixtures/errors/.
CATALOGUE: dict[str, tuple[str, str]] = {
    # reading files
    "NK101": ("file cannot be read", "check the path and that the file is UTF-8 text"),
    "NK102": ("YAML syntax error", "fix the YAML at the position shown; inside {…} or […] quote expressions that contain [ ] { } or commas"),
    "NK103": ("duplicate key", "each key may appear once in a mapping; remove or rename one"),
    "NK104": ("YAML anchors and aliases are not allowed", "write the value out; rule files may not use & or *"),
    "NK105": ("input too large or too deeply nested", "split the file or flatten the structure"),
    "NK106": ("value not allowed in YAML", "write numbers as plain decimals; NaN and Infinity are refused"),
    "NK107": ("not a regular file", "name a regular file; a named pipe, device, socket or folder is never read"),
    "NK108": ("symbolic link loop", "the link points back to itself (directly or through other links); point it at a real file"),
    # reading one value (normkit/core/io/text.py; docs/input.md)
    "NK110": ("not a number", "write a number, e.g. 2340000, 5.358.000, 5,358,000, 0,12 or 0.12"),
    "NK111": ("ambiguous number", "write it without a thousands separator (1234) or with its decimals in full (1.234,0 or 1,234.0)"),
    "NK112": ("number in exponent notation", "write the number with all its digits; a number in exponent notation has already lost digits"),
    "NK113": ("amount not a whole number of đồng", "amounts are whole đồng; round the amount yourself, deliberately"),
    "NK114": ("number out of range", "check the number for a typing error: at most 34 digits, amounts at most 18"),
    "NK115": ("not a date", "write YYYY-MM-DD (2024-09-15) or dd/mm/yyyy (15/09/2024)"),
    "NK116": ("not true or false", "true: có, x, true, yes, y, t, 1, đúng, phải; false: không, false, no, n, f, 0, sai"),
    "NK117": ("value text too long", "a number, date or word is at most 100 characters; check the value"),
    "NK120": ("table too wide", "a table may have at most 1024 columns (docs/tables.md); remove the columns normkit does not read"),
    "NK121": ("a row or cell of a table is too long", "a row (CSV) or cell (XLSX, Parquet) may hold at most 8 MiB (docs/tables.md); check that the file is the table you meant"),
    "NK122": ("table expands beyond the memory bound", "a Parquet batch or row group, or an XLSX workbook's parts, may expand to at most 512 MiB (docs/tables.md); write smaller row groups or split the file"),
    "NK123": ("XLSX with a DTD or entity declaration", "normkit never parses a workbook that declares a DTD or entities (an entity bomb or an external entity); save the sheet again from a spreadsheet program"),
    "NK124": ("table text is not UTF-8", "a text or binary column must hold UTF-8 text; convert the column, or write it as a number"),
    "NK125": ("table file too large to read whole", "budgets and norm tables may be at most 256 MiB (docs/tables.md); split the table"),
    # schema and names
    "NK201": ("schema error", "compare the field with `normkit schema pack` or `normkit schema order`"),
    "NK202": ("unknown name", "check the spelling; `normkit show NAME` lists what a pack defines"),
    "NK203": ("duplicate definition", "a name may be defined once per pack; use an overlay or `extends` to replace it"),
    "NK204": ("reference cycle", "break the cycle: a formula may not depend on itself"),
    "NK205": ("pack not found", "`normkit packs` lists installed packs; or give a folder path"),
    "NK206": ("pack extends cycle", "packs may not extend each other in a loop"),
    "NK207": ("table row error", "check the row's keys and value against the table's declaration"),
    "NK208": ("conflicting exceptions", "give the exceptions different priorities, or make their conditions exclusive"),
    "NK209": ("norm above the national maximum", "a provincial norm may not exceed the national maximum for the same code and line"),
    "NK210": ("pack id found twice on the search path", "remove or rename one of the two folders, or take one off NORMKIT_PATH"),
    "NK212": ("invalid norm set", "a norm set names a pack before it in the set (`of:`), gives `factor:` or `components:` with positive factors, and scales at least one norm in force"),
    "NK213": ("a norm line has no rate", "add the missing row or value to the rate card (the hint names the close matches); `normkit lint` checks every norm line at every date a value changes"),
    "NK214": ("a pricing extra misses a rate-card value", "add the value (e.g. overhead_rate) to the rate card of the province pack"),
    "NK215": ("rate-card row no norm uses", "a misspelled resource key, or a row for no norm of the pack set: correct or remove it"),
    # expressions
    "NK301": ("expression syntax error", "see docs/expressions.md for the expression language"),
    "NK302": ("expression too large or too deep", "split it into named formulas"),
    "NK303": ("type error in expression", "comparisons give true/false; arithmetic needs numbers"),
    # units
    "NK310": ("unknown unit", "`normkit units` lists the vocabulary; a pack may add units under `units:`"),
    "NK311": ("unit mismatch", "convert one side or fix the declared unit"),
    # dates
    "NK401": ("no value in force at that date", "choose a date inside the covered range, or supply a value with --set"),
    "NK402": ("date outside the pack's validity", "price at a date inside the pack's validity window"),
    "NK403": ("overlapping or unordered dated values", "each value starts after the previous one ends"),
    # evaluation
    "NK501": ("missing rate-card values", "add the listed values to the province pack's rate card, or pass --set"),
    "NK502": ("arithmetic error", "a divisor is zero or a value is out of range"),
    "NK503": ("value out of range", "use a value inside the allowed range"),
    "NK504": ("unknown norm code", "check the code; `normkit show CODE` shows a norm"),
    "NK505": ("a rule's condition is not met", "change the order, or give the override the rule allows, with a reason"),
    # orders and overlays
    "NK601": ("order error", "compare the order with `normkit schema order`"),
    "NK602": ("overlay error", "an overlay may only replace values that exist, in a compatible unit"),
    "NK603": ("bad value", "write a number with its unit, e.g. 2340000 VND/month"),
    # poverty
    "NK701": ("no poverty standard for that choice", "give --year with a review year from 2021 to 2030, or --standard with a standard pack"),
    "NK702": ("household data cannot be read", "give a .csv (UTF-8, header row) or .parquet file"),
    "NK703": ("household data lacks a column", "add the column, or choose the method that matches the columns you have"),
    "NK704": ("bad household value", "area is rural or urban; incomes are whole đồng, 0 or more; deprivations are true/false"),
    "NK705": ("published table or review file error", "compare the file with the examples in examples/households/published/"),
    "NK706": ("deprivations cannot be counted or compared", "give one true/false column per indicator (`normkit indicators` lists them), a dimension the standard defines, and two reviews counted the same way"),
    "NK707": ("bad areas file for the QĐ 90 area targets", "give id, kind (district or commune), status_start and status_end; a district is poor or not_poor, a commune extremely_difficult or not_extremely_difficult"),
    "NK708": ("an area is listed twice", "list each district or commune once, with its status at the start and at the end of the period"),
    "NK709": ("the Dask engine is not installed", "pip install 'normkit[dask]' (dask[dataframe] and distributed), or use the default --engine local"),
    "NK710": ("a Dask worker's packs differ from the client's", "install the same normkit and packs (same content hashes) on every worker; docs/scale.md"),
    "NK711": ("cannot run on Dask with these inputs", "--engine dask reads a Parquet dataset (folder) and writes new folders; see docs/scale.md"),
    "NK712": ("the Dask scheduler cannot be reached", "check the address (tcp://host:8786) and that the scheduler runs, or leave out --scheduler for a local cluster"),
    # media import/export
    "NK801": ("norm table cannot be read", "give a .csv (UTF-8) or .xlsx table with a header row: code, name, component, title, unit, value (docs/import-norms.md)"),
    "NK802": ("norm table rows rejected", "fix the rows listed (row, column, reason) and import again; --keep-going imports the norms without rejected rows"),
    "NK803": ("imported norms fail the pack check", "the pack was left unchanged; fix the rows or the pack and import again"),
    "NK804": ("cannot export", "see docs/import-norms.md and docs/xlsx.md for what can be exported"),
    "NK805": ("cannot write the output file", "check that the folder exists and is writable"),
    "NK806": ("what-if has nothing to compare", "pass --set NAME=VALUE, --overlay FILE or --sweep NAME=v1,v2"),
    "NK807": ("an output is an input or another output", "give every output its own file; classify --in-place lets --out replace the input"),
    "NK808": ("a column name appears twice in the header", "rename or remove one of the two columns"),
    "NK809": ("duplicate household ids (--fail-on-duplicates)", "give each household one row with its own household_id, or drop --fail-on-duplicates to only report them"),
    # command-line output (languages, formats, optional parts)
    "NK810": ("an optional part of normkit is not installed", "install the extra the message names, e.g. pip install 'normkit[parquet]'"),
    "NK811": ("unknown output language", "use --lang vi or --lang en (or set NORMKIT_LANG to vi or en)"),
    "NK812": ("output format cannot be written there", "--format xlsx needs --out FILE.xlsx; table, json and csv go to standard output, csv and json also to --out"),
    # budget
    "NK901": ("budget file cannot be read", "give a .json, .yaml, .csv (UTF-8) or .xlsx budget (docs/budget.md)"),
    "NK902": ("budget table rows rejected", "fix the cells listed (row, column, reason); headers may be Vietnamese or English (docs/budget.md)"),
    "NK903": ("budget schema error", "compare the budget with `normkit schema budget`"),
    "NK904": ("pack or overlay not allowed here", "the HTTP service only uses installed packs, chosen by name, and inline overlays"),
    "NK905": ("request rejected", "send a JSON body under the size limit, with the fields the OpenAPI document lists"),
    "NK906": ("access token missing or wrong", "send `Authorization: Bearer <token>`; `normkit serve` beyond loopback needs --token or NORMKIT_TOKEN"),
    "NK907": ("request body encoding not accepted", "send the JSON body uncompressed (no Content-Encoding) and in UTF-8"),
    "NK908": ("request not served", "the routes and their methods are in /openapi.json; a busy or timed-out request may be retried"),
    "NK909": ("request over the work limit", "split the order or budget into smaller requests, or ask without `trace`; the limits are set by `normkit serve --max-work` and `--max-trace-work`"),
    # web workspace
    "NK915": ("upload not accepted", "choose one file of a kind the page lists (by its extension), not empty; the page never reads paths or pack folders"),
    "NK916": ("upload too large for the page", "split the file: the workspace takes at most the rows the page states (the CLI has no such limit)"),
    "NK917": ("form field not valid", "correct the field named in the message (dates as YYYY-MM-DD, numbers with a decimal point)"),
    "NK918": ("request from another site refused", "open the workspace from the service's own address, or call the API from a program (not from a page of another site)"),
}


# code -> (title, default hint) in Vietnamese: what `--lang vi` prints and `message_vi`/`hint_vi`
# of an error's JSON carry. A code without an entry is shown in English.
CATALOGUE_VI: dict[str, tuple[str, str]] = {
    "NK101": ("không đọc được tệp", "kiểm tra đường dẫn và tệp phải là văn bản UTF-8"),
    "NK102": ("lỗi cú pháp YAML", "sửa YAML tại vị trí được chỉ ra; trong {…} hoặc […] hãy đặt trong dấu nháy các biểu thức có [ ] { } hoặc dấu phẩy"),
    "NK103": ("khóa bị lặp", "mỗi khóa chỉ xuất hiện một lần trong một ánh xạ; xóa hoặc đổi tên một khóa"),
    "NK104": ("không được dùng anchor và alias của YAML", "viết đầy đủ giá trị; tệp quy tắc không được dùng & hoặc *"),
    "NK105": ("dữ liệu vào quá lớn hoặc lồng quá sâu", "chia nhỏ tệp hoặc làm phẳng cấu trúc"),
    "NK106": ("giá trị không được phép trong YAML", "viết số dạng thập phân thông thường; NaN và Infinity bị từ chối"),
    "NK107": ("không phải tệp thông thường", "chỉ định một tệp thông thường; named pipe, thiết bị, socket hay thư mục không bao giờ được đọc"),
    "NK108": ("vòng lặp liên kết tượng trưng", "liên kết trỏ về chính nó (trực tiếp hoặc qua liên kết khác); hãy trỏ nó tới một tệp thật"),
    "NK110": ("không phải là số", "viết một số, ví dụ 2340000, 5.358.000, 5,358,000, 0,12 hoặc 0.12"),
    "NK111": ("số viết không rõ nghĩa", "viết không dùng dấu phân cách hàng nghìn (1234) hoặc viết đủ phần thập phân (1.234,0 hoặc 1,234.0)"),
    "NK112": ("số viết dạng lũy thừa (e)", "viết đủ mọi chữ số; số dạng lũy thừa đã mất chữ số"),
    "NK113": ("số tiền không tròn đồng", "số tiền tính bằng đồng chẵn; hãy tự làm tròn, có chủ ý"),
    "NK114": ("số vượt phạm vi", "kiểm tra lỗi gõ: tối đa 34 chữ số, số tiền tối đa 18 chữ số"),
    "NK115": ("không phải là ngày", "viết YYYY-MM-DD (2024-09-15) hoặc dd/mm/yyyy (15/09/2024)"),
    "NK116": ("không phải đúng/sai", "đúng: có, x, true, yes, y, t, 1, đúng, phải; sai: không, false, no, n, f, 0, sai"),
    "NK117": ("giá trị quá dài", "một số, ngày hay từ dài tối đa 100 ký tự; hãy kiểm tra giá trị"),
    "NK120": ("bảng có quá nhiều cột", "một bảng có tối đa 1024 cột (docs/tables.md); bỏ các cột normkit không đọc"),
    "NK121": ("một dòng hoặc ô của bảng quá dài", "một dòng (CSV) hoặc ô (XLSX, Parquet) tối đa 8 MiB (docs/tables.md); kiểm tra đúng tệp bảng cần dùng"),
    "NK122": ("bảng bung ra vượt giới hạn bộ nhớ", "một lô hay nhóm dòng Parquet, hoặc các phần của tệp XLSX, bung ra tối đa 512 MiB (docs/tables.md); ghi nhóm dòng nhỏ hơn hoặc chia tệp"),
    "NK123": ("tệp XLSX khai báo DTD hoặc thực thể", "normkit không bao giờ phân tích tệp khai báo DTD hay thực thể; hãy lưu lại bảng tính từ một chương trình bảng tính"),
    "NK124": ("chữ trong bảng không phải UTF-8", "cột văn bản hoặc nhị phân phải chứa chữ UTF-8; hãy chuyển đổi cột, hoặc ghi nó dưới dạng số"),
    "NK125": ("tệp bảng quá lớn để đọc trọn", "dự toán và bảng định mức tối đa 256 MiB (docs/tables.md); hãy chia bảng"),
    "NK201": ("lỗi lược đồ (schema)", "so sánh trường này với `normkit schema pack` hoặc `normkit schema order`"),
    "NK202": ("tên không xác định", "kiểm tra chính tả; `normkit show NAME` liệt kê những gì một bộ quy tắc định nghĩa"),
    "NK203": ("định nghĩa bị lặp", "mỗi tên chỉ được định nghĩa một lần trong một bộ quy tắc; dùng overlay hoặc `extends` để thay thế"),
    "NK204": ("tham chiếu vòng", "phá vòng: một công thức không được phụ thuộc vào chính nó"),
    "NK205": ("không tìm thấy bộ quy tắc", "`normkit packs` liệt kê các bộ quy tắc đã cài; hoặc chỉ định đường dẫn thư mục"),
    "NK206": ("các bộ quy tắc kế thừa nhau thành vòng", "các bộ quy tắc không được kế thừa (`extends`) lẫn nhau thành vòng"),
    "NK207": ("lỗi dòng bảng", "kiểm tra khóa và giá trị của dòng theo khai báo của bảng"),
    "NK208": ("các ngoại lệ mâu thuẫn", "đặt độ ưu tiên khác nhau cho các ngoại lệ, hoặc làm cho điều kiện của chúng loại trừ nhau"),
    "NK209": ("định mức vượt mức tối đa quốc gia", "định mức của tỉnh không được vượt mức tối đa quốc gia cho cùng mã và dòng"),
    "NK210": ("mã bộ quy tắc xuất hiện hai lần trên đường tìm kiếm", "xóa hoặc đổi tên một trong hai thư mục, hoặc bỏ một thư mục khỏi NORMKIT_PATH"),
    "NK212": ("tập định mức không hợp lệ", "một tập định mức chỉ tới bộ quy tắc đứng trước nó trong tập (`of:`), cho `factor:` hoặc `components:` với hệ số dương, và điều chỉnh ít nhất một định mức đang có hiệu lực"),
    "NK213": ("dòng định mức không có đơn giá", "thêm dòng hoặc giá trị còn thiếu vào bảng giá (gợi ý nêu các tên gần giống); `normkit lint` kiểm tra mọi dòng định mức ở mọi ngày có giá trị thay đổi"),
    "NK214": ("khoản tính thêm thiếu giá trị của bảng giá", "thêm giá trị (ví dụ overhead_rate) vào bảng giá của bộ quy tắc tỉnh"),
    "NK215": ("dòng bảng giá không định mức nào dùng", "khóa tài nguyên viết sai, hoặc dòng cho định mức không có trong bộ: sửa hoặc bỏ"),
    "NK301": ("lỗi cú pháp biểu thức", "xem docs/expressions.md về ngôn ngữ biểu thức"),
    "NK302": ("biểu thức quá lớn hoặc lồng quá sâu", "tách thành các công thức có tên"),
    "NK303": ("lỗi kiểu trong biểu thức", "phép so sánh cho đúng/sai; phép tính số học cần số"),
    "NK310": ("đơn vị không xác định", "`normkit units` liệt kê bộ đơn vị; một bộ quy tắc có thể thêm đơn vị trong `units:`"),
    "NK311": ("đơn vị không khớp", "đổi đơn vị của một vế hoặc sửa đơn vị đã khai báo"),
    "NK401": ("không có giá trị hiệu lực tại ngày đó", "chọn một ngày trong khoảng có giá trị, hoặc cung cấp giá trị bằng --set"),
    "NK402": ("ngày nằm ngoài thời hạn hiệu lực của bộ quy tắc", "tính tại một ngày trong thời hạn hiệu lực của bộ quy tắc"),
    "NK403": ("các giá trị theo ngày chồng lấn hoặc sai thứ tự", "mỗi giá trị bắt đầu sau khi giá trị trước đó kết thúc"),
    "NK501": ("thiếu giá trị trong bảng đơn giá", "bổ sung các giá trị được liệt kê vào bảng đơn giá của bộ quy tắc tỉnh, hoặc dùng --set"),
    "NK502": ("lỗi số học", "có số chia bằng 0 hoặc một giá trị vượt phạm vi"),
    "NK503": ("giá trị ngoài phạm vi", "dùng một giá trị trong phạm vi cho phép"),
    "NK504": ("mã định mức không xác định", "kiểm tra mã; `normkit show CODE` hiển thị một định mức"),
    "NK505": ("điều kiện của quy tắc không được thỏa mãn", "sửa đơn đặt hàng, hoặc đưa giá trị thay thế mà quy tắc cho phép, kèm lý do"),
    "NK601": ("lỗi đơn đặt hàng", "so sánh đơn đặt hàng với `normkit schema order`"),
    "NK602": ("lỗi giả định (overlay)", "giả định chỉ được thay các giá trị đã có, với đơn vị tương thích"),
    "NK603": ("giá trị không hợp lệ", "viết số kèm đơn vị, ví dụ 2340000 VND/month"),
    "NK701": ("không có chuẩn nghèo cho lựa chọn đó", "dùng --year với năm rà soát từ 2021 đến 2030, hoặc --standard với một bộ chuẩn nghèo"),
    "NK702": ("không đọc được dữ liệu hộ", "dùng tệp .csv (UTF-8, có dòng tiêu đề) hoặc .parquet"),
    "NK703": ("dữ liệu hộ thiếu cột", "thêm cột đó, hoặc chọn phương pháp phù hợp với các cột hiện có"),
    "NK704": ("giá trị của hộ không hợp lệ", "area là rural hoặc urban; thu nhập là số đồng nguyên, từ 0 trở lên; thiếu hụt là true/false"),
    "NK705": ("lỗi bảng số liệu công bố hoặc tệp rà soát", "so sánh tệp với các ví dụ trong examples/households/published/"),
    "NK706": ("không đếm hoặc so sánh được thiếu hụt", "mỗi chỉ số một cột true/false (`normkit indicators` liệt kê các chỉ số), một chiều mà chuẩn có định nghĩa, và hai kỳ rà soát được đếm cùng một cách"),
    "NK707": ("tệp địa bàn cho chỉ tiêu QĐ 90 không hợp lệ", "ghi id, kind (district hoặc commune), status_start và status_end; huyện là poor hoặc not_poor, xã là extremely_difficult hoặc not_extremely_difficult"),
    "NK708": ("một địa bàn được liệt kê hai lần", "liệt kê mỗi huyện hoặc xã một lần, với tình trạng đầu kỳ và cuối kỳ"),
    "NK709": ("chưa cài bộ chạy Dask", "pip install 'normkit[dask]' (dask[dataframe] và distributed), hoặc dùng --engine local mặc định"),
    "NK710": ("bộ quy tắc trên máy Dask khác với máy khách", "cài cùng normkit và cùng bộ quy tắc (cùng mã băm nội dung) trên mọi máy; docs/scale.md"),
    "NK711": ("không chạy được trên Dask với đầu vào này", "--engine dask đọc một tập dữ liệu Parquet (thư mục) và ghi ra thư mục mới; xem docs/scale.md"),
    "NK712": ("không kết nối được bộ điều phối Dask", "kiểm tra địa chỉ (tcp://host:8786) và bộ điều phối đang chạy, hoặc bỏ --scheduler để dùng cụm cục bộ"),
    "NK801": ("không đọc được bảng định mức", "dùng bảng .csv (UTF-8) hoặc .xlsx có dòng tiêu đề: code, name, component, title, unit, value (docs/import-norms.md)"),
    "NK802": ("có dòng của bảng định mức bị loại", "sửa các dòng được liệt kê (dòng, cột, lý do) rồi nhập lại; --keep-going nhập các định mức không có dòng bị loại"),
    "NK803": ("định mức nhập vào không qua được kiểm tra bộ quy tắc", "bộ quy tắc được giữ nguyên; sửa các dòng hoặc bộ quy tắc rồi nhập lại"),
    "NK804": ("không xuất được", "xem docs/import-norms.md và docs/xlsx.md về những gì xuất được"),
    "NK805": ("không ghi được tệp kết quả", "kiểm tra thư mục có tồn tại và ghi được không"),
    "NK806": ("giả định không có gì để so sánh", "dùng --set NAME=VALUE, --overlay FILE hoặc --sweep NAME=v1,v2"),
    "NK807": ("tệp kết quả trùng một tệp đầu vào hoặc một tệp kết quả khác", "mỗi kết quả một tệp riêng; classify --in-place cho phép --out thay tệp đầu vào"),
    "NK808": ("một tên cột xuất hiện hai lần trong dòng tiêu đề", "đổi tên hoặc bỏ một trong hai cột"),
    "NK809": ("mã hộ bị lặp (--fail-on-duplicates)", "mỗi hộ một dòng với household_id riêng, hoặc bỏ --fail-on-duplicates để chỉ báo cáo"),
    "NK810": ("chưa cài một phần tùy chọn của normkit", "cài phần bổ sung mà thông báo nêu, ví dụ pip install 'normkit[parquet]'"),
    "NK811": ("ngôn ngữ hiển thị không xác định", "dùng --lang vi hoặc --lang en (hoặc đặt NORMKIT_LANG là vi hoặc en)"),
    "NK812": ("không ghi được định dạng kết quả vào đó", "--format xlsx cần --out TỆP.xlsx; table, json và csv in ra màn hình, csv và json cũng ghi được vào --out"),
    "NK901": ("không đọc được tệp dự toán", "dùng dự toán .json, .yaml, .csv (UTF-8) hoặc .xlsx (docs/budget.md)"),
    "NK902": ("có dòng của bảng dự toán bị loại", "sửa các ô được liệt kê (dòng, cột, lý do); tiêu đề có thể bằng tiếng Việt hoặc tiếng Anh (docs/budget.md)"),
    "NK903": ("lỗi lược đồ dự toán", "so sánh dự toán với `normkit schema budget`"),
    "NK904": ("không được dùng bộ quy tắc hoặc giả định ở đây", "dịch vụ HTTP chỉ dùng bộ quy tắc đã cài, chọn theo tên, và giả định viết ngay trong yêu cầu"),
    "NK905": ("yêu cầu bị từ chối", "gửi nội dung JSON dưới giới hạn kích thước, với các trường mà tài liệu OpenAPI liệt kê"),
    "NK906": ("thiếu hoặc sai mã truy cập", "gửi `Authorization: Bearer <token>`; `normkit serve` ngoài loopback cần --token hoặc NORMKIT_TOKEN"),
    "NK907": ("không chấp nhận kiểu mã hóa nội dung yêu cầu", "gửi nội dung JSON không nén (không có Content-Encoding) và bằng UTF-8"),
    "NK908": ("yêu cầu không được phục vụ", "các đường dẫn và phương thức có trong /openapi.json; yêu cầu bị từ chối vì bận hoặc hết thời gian có thể gửi lại"),
    "NK909": ("yêu cầu vượt giới hạn khối lượng", "chia đơn hàng hoặc dự toán thành các yêu cầu nhỏ hơn, hoặc không yêu cầu `trace`; giới hạn đặt bằng `normkit serve --max-work` và `--max-trace-work`"),
    "NK915": ("tệp tải lên không được nhận", "chọn một tệp thuộc loại trang liệt kê (theo phần mở rộng), không rỗng; trang không bao giờ đọc đường dẫn hay thư mục bộ quy tắc"),
    "NK916": ("tệp tải lên quá lớn cho trang", "chia tệp: trang nhận tối đa số dòng đã nêu (CLI không có giới hạn này)"),
    "NK917": ("trường biểu mẫu không hợp lệ", "sửa trường được nêu trong thông báo (ngày dạng YYYY-MM-DD, số có dấu thập phân)"),
    "NK918": ("từ chối yêu cầu gửi từ trang web khác", "mở không gian làm việc từ chính địa chỉ của dịch vụ, hoặc gọi API từ một chương trình (không từ trang của trang web khác)"),
}

# The messages a user meets most often, in Vietnamese: (code, the English message as a regular
# expression, the Vietnamese message with the same named parts). A message that matches none is
# given as the code's Vietnamese title followed by the English message, so no detail is lost.
MESSAGES_VI: tuple[tuple[str, str, str], ...] = (
    ("NK101", r"cannot read file: (?P<why>.*)", "không đọc được tệp: {why}"),
    ("NK202", r"unknown name (?P<name>'[^']*')", "không có tên {name}"),
    ("NK202", r"unknown formula (?P<name>'[^']*')", "không có công thức {name}"),
    ("NK202", r"table (?P<name>'[^']*') has no row for (?P<key>[^ ]+)", "bảng {name} không có dòng cho {key}"),
    ("NK205", r"pack (?P<ref>'[^']*') not found", "không tìm thấy bộ quy tắc {ref}"),
    ("NK205", r"pack (?P<ref>'[^']*') not found \(a folder in the working directory is not searched: write (?P<dot>\S+)\)",
     "không tìm thấy bộ quy tắc {ref} (thư mục trong thư mục làm việc không được tìm: hãy viết {dot})"),
    ("NK310", r"unknown unit (?P<unit>'[^']*') in (?P<text>'.*')", "đơn vị không xác định {unit} trong {text}"),
    ("NK310", r"cannot read unit (?P<text>'.*') at (?P<at>'.*')", "không đọc được đơn vị {text} tại {at}"),
    ("NK401", r"(?P<name>'[^']*') has no value in force on (?P<at>\S+); values cover (?P<cover>.*)",
     "{name} không có giá trị hiệu lực vào ngày {at}; các giá trị áp dụng cho {cover}"),
    ("NK401", r"table (?P<name>'[^']*') has no version in force on (?P<at>\S+); versions cover (?P<cover>.*)",
     "bảng {name} không có phiên bản hiệu lực vào ngày {at}; các phiên bản áp dụng cho {cover}"),
    ("NK504", r"unknown norm code (?P<code>'[^']*')", "không có mã định mức {code}"),
    ("NK602", r"unknown parameter (?P<name>'[^']*')", "không có tham số {name}"),
    ("NK602", r"unknown table (?P<name>'[^']*')", "không có bảng {name}"),
    ("NK602", r"--set expects NAME=VALUE, got (?P<got>.*)", "--set cần dạng NAME=VALUE, nhận được {got}"),
    ("NK602", r"--sweep expects NAME=V1,V2,…, got (?P<got>.*)", "--sweep cần dạng NAME=V1,V2,…, nhận được {got}"),
    ("NK603", r"cannot read (?P<text>'.*') as a number with a unit", "không đọc được {text} thành một số kèm đơn vị"),
    ("NK110", r"(?P<what>[^:]+): cannot read (?P<text>'.*') as a number with a unit", "{what}: không đọc được {text} thành một số kèm đơn vị"),
    ("NK603", r"cannot read (?P<text>'.*') as a number", "không đọc được {text} thành một số"),
    ("NK701", r"choose a standard: --year YEAR or --standard PACK", "hãy chọn chuẩn nghèo: --year NĂM hoặc --standard BỘ_QUY_TẮC"),
    ("NK701", r"no national poverty standard covers the review year (?P<year>\d+); shipped: (?P<spans>.*)",
     "không có chuẩn nghèo quốc gia nào áp dụng cho năm rà soát {year}; có sẵn: {spans}"),
    ("NK702", r"(?P<path>.*): no such file", "{path}: không có tệp này"),
    ("NK702", r"(?P<path>.*): the file is empty \(a header row is needed\)", "{path}: tệp rỗng (cần một dòng tiêu đề)"),
    ("NK702", r"(?P<path>.*): unknown file type (?P<ext>.*); use \.csv or \.parquet", "{path}: không nhận kiểu tệp {ext}; dùng .csv hoặc .parquet"),
    ("NK702", r"(?P<path>.*): the file changed while it was classified \(its household ids are read a second time\); nothing was written",
     "{path}: tệp đã thay đổi trong lúc phân loại (mã hộ được đọc lại lần hai); chưa ghi gì"),
    ("NK702", r"the household ids read again are not the ids classified: the file changed while it was classified; nothing was written",
     "mã hộ đọc lại không khớp với mã hộ đã phân loại: tệp đã thay đổi trong lúc phân loại; chưa ghi gì"),
    ("NK703", r"the data has no `status` column: classify it first, or give --year/--standard",
     "dữ liệu không có cột `status`: hãy phân loại (classify) trước, hoặc dùng --year/--standard"),
    ("NK703", r"no column (?P<cols>.*) to group by", "không có cột {cols} để nhóm theo"),
    ("NK806", r"whatif needs --set NAME=VALUE, --overlay FILE or --sweep NAME=v1,v2", "whatif cần --set NAME=VALUE, --overlay FILE hoặc --sweep NAME=v1,v2"),
    ("NK810", r"reading or writing Parquet needs the Python package pyarrow, which is not installed",
     "đọc hoặc ghi Parquet cần gói Python pyarrow, gói này chưa được cài"),
    ("NK810", r"normkit serve needs the Python packages fastapi and uvicorn, which are not installed",
     "normkit serve cần các gói Python fastapi và uvicorn, các gói này chưa được cài"),
    ("NK810", r"(?P<what>normkit [\w-]+) needs the Python package (?P<pkg>\S+), which is not installed",
     "{what} cần gói Python {pkg}, gói này chưa được cài"),
    ("NK811", r"NORMKIT_LANG=(?P<value>.*) is not a language normkit writes", "NORMKIT_LANG={value} không phải ngôn ngữ normkit hiển thị"),
    ("NK812", r"--format xlsx writes a workbook: give --out FILE\.xlsx", "--format xlsx ghi một tệp bảng tính: hãy cho --out TỆP.xlsx"),
    ("NK812", r"--out (?P<out>.*) does not end in \.(?P<fmt>\w+), the --format", "--out {out} không có đuôi .{fmt} của --format"),
    ("NK812", r"--out (?P<out>.*) needs --format csv, json or xlsx \(a table is printed, not written\)",
     "--out {out} cần --format csv, json hoặc xlsx (bảng chỉ được in ra, không ghi vào tệp)"),
    ("NK901", r"no such file: (?P<path>.*)", "không có tệp: {path}"),
    ("NK901", r"cannot read (?P<name>.*): a budget is a \.json, \.yaml, \.csv or \.xlsx file",
     "không đọc được {name}: dự toán phải là tệp .json, .yaml, .csv hoặc .xlsx"),
)


def message_vi(code: str, message: str) -> str:
    """The Vietnamese of an error ``message`` of ``code``: the catalogued translation when the
    message is one of :data:`MESSAGES_VI`, else the code's Vietnamese title and the message."""
    for c, pattern, template in MESSAGES_VI:
        if c == code:
            m = re.fullmatch(pattern, message, flags=re.DOTALL)
            if m is not None:
                return template.format(**m.groupdict())
    title = CATALOGUE_VI.get(code)
    return f"{title[0]}: {message}" if title is not None else message


def hint_vi(code: str, hint: str) -> str:
    """The Vietnamese hint: the catalogued one when ``hint`` is the code's default, else ``hint``."""
    title = CATALOGUE_VI.get(code)
    return title[1] if title is not None and hint == CATALOGUE[code][1] else hint


class NormkitError(Exception):
    """A user-facing error with a stable code, a location and a hint."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        if code not in CATALOGUE:  # a programming error, not a user's
            raise ValueError(f"unknown error code {code}")
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint if hint is not None else CATALOGUE[code][1]
        self.details = details or {}

    def __str__(self) -> str:
        loc = f"{self.location}: " if self.location else ""
        return f"{loc}{self.code} {self.message}"

    def render(self) -> str:
        """The message as the CLI prints it: location, code, message, hint."""
        return f"{self}\n  hint: {self.hint}"

    def to_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "code": self.code,
            "message": self.message,
            "location": str(loc) if loc else None,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "path": loc.path if loc else None,
            "hint": self.hint,
            "message_vi": message_vi(self.code, self.message),
            "hint_vi": hint_vi(self.code, self.hint),
            **({"details": self.details} if self.details else {}),
        }


class NormkitErrors(NormkitError):
    """Several errors found in one pass (lint, a batch); never only the first."""

    def __init__(self, errors: Iterable[NormkitError]) -> None:
        self.errors = list(errors)
        if not self.errors:
            raise ValueError("NormkitErrors needs at least one error")
        first = self.errors[0]
        more = len(self.errors) - 1
        summary = first.message + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")
        super().__init__(first.code, summary, location=first.location, hint=first.hint)

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)

    def to_dict(self) -> dict[str, Any]:
        more = len(self.errors) - 1
        vi = message_vi(self.errors[0].code, self.errors[0].message) + (f" (và {more} lỗi khác)" if more else "")
        return {"code": self.code, "message": self.message, "message_vi": vi, "errors": [e.to_dict() for e in self.errors]}


class ErrorCollector:
    """Collects errors so a pass reports all of them at once."""

    def __init__(self) -> None:
        self.errors: list[NormkitError] = []

    def add(self, error: NormkitError) -> None:
        if isinstance(error, NormkitErrors):
            self.errors.extend(error.errors)
        else:
            self.errors.append(error)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise NormkitErrors(self.errors)
