"""One voice (issue 11): one number format per language, Vietnamese error messages, exit codes a
pipeline can trust. Exact strings in both languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, ROOT

from normkit.cli.main import COMMANDS, main, missing_dependency, parser
from normkit.core.amounts import count, current_lang, fixed, number, quantity, unit_words, use_lang, vnd
from normkit.core.errors import CATALOGUE, CATALOGUE_VI, MESSAGES_VI, NormkitError, NormkitErrors, hint_vi, message_vi

ORDER = str(EXAMPLES / "orders" / "tv-bulletins.yaml")
PUBLISHED = EXAMPLES / "households" / "published"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("NORMKIT_LANG", "COLUMNS")} | (env or {})
    return subprocess.run([sys.executable, "-m", "normkit", *args], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env=full)


# ---- numbers and units in two languages -----------------------------------------------------------

def test_one_number_format_per_language():
    assert (vnd(Decimal("5359747"), "vi"), vnd(Decimal("5359747"), "en")) == ("5.359.747", "5,359,747")
    assert (vnd(Decimal("-1234.50"), "vi"), vnd(Decimal("-1234.50"), "en")) == ("-1.234,50", "-1,234.50")
    assert (vnd(Decimal("1E+3"), "vi"), vnd(Decimal("999"), "en"), vnd(Decimal("-0.5"), "vi")) == ("1.000", "999", "-0,5")
    assert (number(Decimal("0.120"), "vi"), number(Decimal("0.120"), "en")) == ("0,12", "0.12")
    assert (number(Decimal("1234567.891"), "vi"), number(Decimal("0E-7"), "en")) == ("1.234.567,891", "0")
    assert (fixed(Decimal("75.00"), "vi"), fixed("1234.50", "en")) == ("75,00", "1,234.50")
    assert (count(10000, "vi"), count(10000, "en"), count(999, "vi")) == ("10.000", "10,000", "999")


def test_units_are_words_of_the_chosen_language():
    assert (quantity(Decimal("0.12"), "workday", "vi"), quantity(Decimal("0.12"), "workday", "en")) == ("0,12 công", "0.12 workday")
    assert unit_words("VND/machine_hour", "vi") == "đồng/giờ máy"
    assert unit_words("VND/machine_hour", "en") == "VND/machine-hour"
    assert unit_words("công", "en") == "workday"  # an alias is the same unit
    assert (unit_words("m2/person", "vi"), unit_words("1", "en"), unit_words("my_pack_unit", "vi")) == ("m²/người", "", "my_pack_unit")
    assert quantity(Decimal("3"), "1", "en") == "3"


def test_the_language_is_a_context_and_is_restored():
    assert current_lang() == "vi" and vnd(Decimal("5359747")) == "5.359.747"
    with use_lang("en"):
        assert vnd(Decimal("5359747")) == "5,359,747"
    assert vnd(Decimal("5359747")) == "5.359.747"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        vnd(Decimal(1), "fr")


def test_price_table_in_vietnamese_and_in_english_json_identical():
    vi, en = run("price", ORDER), run("price", ORDER, "--lang", "en")
    assert vi.returncode == en.returncode == 0, vi.stderr + en.stderr
    assert "│     0,12 công │     425.986 │         51.117 │" in vi.stdout and "5.336.124" in vi.stdout
    assert "│       0.12 workday │     425,986 │         51,117 │" in en.stdout and "5,336,124" in en.stdout
    assert "0.12 workday" not in vi.stdout and "5.336.124" not in en.stdout
    assert run("price", ORDER, env={"NORMKIT_LANG": "en"}).stdout == en.stdout  # the environment variable
    assert run("--lang", "en", "price", ORDER).stdout == en.stdout  # before the command too
    j_vi, j_en = run("price", ORDER, "--json"), run("price", ORDER, "--json", "--lang", "en")
    assert j_vi.stdout == j_en.stdout and json.loads(j_vi.stdout)["total"] == "5336124"


def test_explain_writes_trace_numbers_and_units_in_the_language():
    en = run("price", ORDER, "--explain", "--lang", "en").stdout
    assert "Quote EX-2024-TV-001 = 5,336,124 VND at 2024-09-15" in en
    assert "labour_amount=2,821,131 VND" in en
    vi = run("price", ORDER, "--explain").stdout
    assert "labour_amount=2.821.131 đồng" in vi


def test_rates_counts_and_rates_follow_the_language(tmp_path: Path):
    out = tmp_path / "classified.csv"
    assert run("classify", str(EXAMPLES / "households" / "households.csv"), "--out", str(out), "--year", "2024").returncode == 0
    vi = run("rates", str(out), "--by", "district").stdout
    en = run("rates", str(out), "--by", "district", "--lang", "en").stdout
    assert "│ Huyện 1      │          7 │        2 │         28,57 │            1 │             14,29 │            42,86 │" in vi
    assert "│ Huyện 1      │          7 │        2 │         28.57 │            1 │             14.29 │            42.86 │" in en


# ---- errors in Vietnamese --------------------------------------------------------------------------

def test_errors_print_in_vietnamese_by_default_and_in_english_on_request():
    vi = run("price", ORDER, "--set", "base_salery=1")
    assert vi.returncode == 1
    assert vi.stderr == ("set.base_salery: error NK602: unknown parameter 'base_salery'\n"
                         "  lỗi: không có tham số 'base_salery'\n"
                         "  hint: did you mean base_salary?\n")
    vi = run("price", ORDER, "--set", "base_salary=abc")
    assert vi.stderr == ("set.base_salary: error NK110: base_salary: cannot read 'abc' as a number with a unit\n"
                         "  lỗi: base_salary: không đọc được 'abc' thành một số kèm đơn vị\n"
                         "  hint: write a number, then its unit: 2340000 VND/month, 9,8 phút, 0,12 công\n")
    r = run("price", ORDER, "--set", "base_salary")
    assert r.stderr == ("--set[0]: error NK602: --set expects NAME=VALUE, got 'base_salary'\n"
                        "  lỗi: --set cần dạng NAME=VALUE, nhận được 'base_salary'\n"
                        "  hint: e.g. --set base_salary=2340000 or --set 'base_salary=2340000 VND/month'\n")
    untranslated = run("show", "no_such_thing", "--pack", "vn-wages")  # no catalogued translation: no "lỗi:" line
    assert "lỗi:" not in untranslated.stderr and "error NK202" in untranslated.stderr
    en = run("price", ORDER, "--set", "base_salery=1", "--lang", "en")
    assert en.returncode == 1
    assert en.stderr == "set.base_salery: error NK602: unknown parameter 'base_salery'\n  hint: did you mean base_salary?\n"


def test_json_errors_carry_the_english_and_the_vietnamese_message():
    r = run("price", ORDER, "--set", "base_salery=1", "--json")
    err = json.loads(r.stderr)["error"]
    assert (err["message"], err["message_vi"]) == ("unknown parameter 'base_salery'", "không có tham số 'base_salery'")
    assert (err["hint"], err["hint_vi"]) == ("did you mean base_salary?", "did you mean base_salary?")
    r = run("show", "no_such_thing", "--pack", "vn-wages", "--json")
    err = json.loads(r.stderr)["error"]
    assert err["code"] == "NK202" and err["hint_vi"] == err["hint"]
    assert err["message_vi"] == "tên không xác định: " + err["message"]  # no catalogued translation: the title, then the English


def test_vietnamese_messages_and_hints():
    assert message_vi("NK205", "pack 'vn-wagez' not found") == "không tìm thấy bộ quy tắc 'vn-wagez'"
    assert message_vi("NK401", "'base_salary' has no value in force on 2001-01-01; values cover 2004-10-01…") == \
        "'base_salary' không có giá trị hiệu lực vào ngày 2001-01-01; các giá trị áp dụng cho 2004-10-01…"
    assert message_vi("NK702", "x.csv: no such file") == "x.csv: không có tệp này"
    assert message_vi("NK901", "no such file: b.csv") == "không có tệp: b.csv"
    assert message_vi("NK603", "cannot read 'abc' as a number") == "không đọc được 'abc' thành một số"
    assert message_vi("NK208", "two exceptions apply") == "các ngoại lệ mâu thuẫn: two exceptions apply"
    assert hint_vi("NK602", CATALOGUE["NK602"][1]) == "giả định chỉ được thay các giá trị đã có, với đơn vị tương thích"
    assert hint_vi("NK602", "did you mean base_salary?") == "did you mean base_salary?"
    many = NormkitErrors([NormkitError("NK504", "unknown norm code 'x'"), NormkitError("NK504", "unknown norm code 'y'")])
    assert many.to_dict()["message_vi"] == "không có mã định mức 'x' (và 1 lỗi khác)"


# The codes of the catalogue when issue 11 was built: each has a Vietnamese title and hint.
CODES_WITH_VIETNAMESE = (
    "NK101", "NK102", "NK103", "NK104", "NK105", "NK106", "NK107", "NK108", "NK201", "NK202", "NK203", "NK204",
    "NK205", "NK206", "NK207", "NK208", "NK209", "NK210", "NK212", "NK301", "NK302", "NK303", "NK310", "NK311",
    "NK401", "NK402", "NK403", "NK501", "NK502", "NK503", "NK504", "NK505", "NK601", "NK602", "NK603", "NK701",
    "NK702", "NK703", "NK704", "NK705", "NK706", "NK707", "NK708", "NK801", "NK802", "NK803", "NK804", "NK805",
    "NK806", "NK807", "NK808", "NK809", "NK810", "NK811", "NK812", "NK901", "NK902", "NK903", "NK904", "NK905",
    "NK906", "NK907", "NK908",
)


def test_the_vietnamese_catalogue_covers_the_codes_and_names_only_real_ones():
    assert set(CODES_WITH_VIETNAMESE) <= set(CATALOGUE_VI) <= set(CATALOGUE)
    assert all(title and hint for title, hint in CATALOGUE_VI.values())
    for code, pattern, template in MESSAGES_VI:
        assert code in CATALOGUE and template and pattern


# ---- exit codes -------------------------------------------------------------------------------------

def test_a_closed_pipe_exits_quietly_with_141():
    p = subprocess.Popen([sys.executable, "-m", "normkit", "schema", "order"], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # the reader goes away before normkit writes (as `| head -0` would)
    err = p.stderr.read()
    assert p.wait(timeout=120) == 141
    assert err == b""


def test_a_missing_optional_package_is_nk810_not_an_internal_error(tmp_path: Path):
    script = tmp_path / "blocked.py"
    script.write_text("import sys\nsys.modules['pyarrow'] = None\nsys.modules['pyarrow.parquet'] = None\n"
                      "from normkit.cli.main import main\nsys.exit(main(sys.argv[1:]))\n", encoding="utf-8")
    r = subprocess.run([sys.executable, str(script), "classify", str(EXAMPLES / "households" / "households.csv"), "--out",
                        str(tmp_path / "out.parquet"), "--year", "2024", "--lang", "en"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 1
    assert "error NK810" in r.stderr and "pip install 'normkit[parquet]'" in r.stderr and "internal error" not in r.stderr
    assert not (tmp_path / "out.parquet").exists()


def test_any_command_reports_a_missing_extra_module_as_nk810():
    err = missing_dependency(ModuleNotFoundError("No module named 'uvicorn'", name="uvicorn"), "serve")
    assert err is not None and err.code == "NK810" and err.hint == "pip install 'normkit[server]'"
    assert err.message == "normkit serve needs the Python package uvicorn, which is not installed"
    assert missing_dependency(ModuleNotFoundError("No module named 'nonsense'", name="nonsense"), "price") is None
    parser()  # registers the domains' commands
    assert COMMANDS["serve"].__wrapped__ is not None and COMMANDS["price"].__wrapped__ is not None  # every handler runs guarded


def test_check_tells_a_failing_budget_from_an_unreadable_one(tmp_path: Path):
    assert run("check", str(EXAMPLES / "budgets" / "clean-2024.yaml")).returncode == 0
    assert run("check", str(EXAMPLES / "budgets" / "planted-errors.yaml")).returncode == 1
    missing = run("check", str(tmp_path / "nope.csv"), "--lang", "en")
    assert missing.returncode == 2 and "error NK901" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("normkit_budget: 1\nid: x\n", encoding="utf-8")
    assert run("check", str(bad)).returncode == 2


def test_classify_fail_on_reject(tmp_path: Path):
    src = tmp_path / "h.csv"
    src.write_text("household_id,area,income_per_capita,deprivation_count\nh1,rural,1000000,0\nh2,mars,1000000,0\n", encoding="utf-8")
    args = ["classify", str(src), "--out", str(tmp_path / "o.csv"), "--year", "2024"]
    assert run(*args).returncode == 0
    assert run(*args, "--fail-on-reject").returncode == 1
    ok = tmp_path / "ok.csv"
    ok.write_text("household_id,area,income_per_capita,deprivation_count\nh1,rural,1000000,0\n", encoding="utf-8")
    assert run("classify", str(ok), "--out", str(tmp_path / "o2.csv"), "--year", "2024", "--fail-on-reject").returncode == 0
    unreadable = run("classify", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o3.csv"), "--year", "2024", "--fail-on-reject")
    assert unreadable.returncode == 2 and "NK702" in unreadable.stderr


def test_check_published_fail_on():
    inconsistent = str(PUBLISHED / "vietnam-2022.yaml")  # 1 parts_sum and 3 poor_plus_near findings
    assert main(["check-published", inconsistent, "--json"]) == 0  # reported, not failed, without --fail-on
    assert main(["check-published", inconsistent, "--fail-on", "any"]) == 1
    assert main(["check-published", inconsistent, "--fail-on", "parts_sum"]) == 1
    assert main(["check-published", inconsistent, "--fail-on", "rate", "--fail-on", "rates_disagree"]) == 0
    assert main(["check-published", str(PUBLISHED / "quang-binh-2022-portal.yaml"), "--fail-on", "any"]) == 0
    assert main(["check-published", "no-such-table.yaml", "--fail-on", "any"]) == 2


def test_every_command_takes_lang():
    p = parser()
    sub = next(a for a in p._actions if a.dest == "command")  # argparse keeps the sub-parsers here
    for name, command in sub.choices.items():
        assert command.parse_args(["--lang", "en"] + _required(name)).lang == "en", name


def _required(name: str) -> list[str]:
    return {"price": ["o"], "show": ["n"], "lint": ["p"], "schema": ["order"], "import-norms": ["t", "--into", "p"],
            "export-norms": ["p", "--out", "o"], "export-quote": ["o", "--xlsx", "x"], "whatif": ["o"],
            "classify": ["h", "--out", "o"], "household": ["a=b"], "rates": ["h"], "compare-standards": ["h", "--from", "1", "--to", "2"],
            "check-published": ["t"], "deprivations": ["h"], "check": ["b"]}.get(name, [])


def test_household_explain_writes_money_and_units_in_the_language():
    args = ["household", "area=urban", "income_per_capita=2000000", "deprivation_count=3", "--year", "2024", "--explain"]
    vi = run(*args).stdout
    en = run(*args, "--lang", "en").stdout
    assert "├── income_per_capita = 2.000.000 đồng/người/tháng  Thu nhập bình quân đầu người/tháng" in vi
    assert "├── income_per_capita = 2,000,000 VND/person/month  Thu nhập bình quân đầu người/tháng" in en
