"""The CLI as a user meets it: exit codes, JSON shape, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from normkit_testpaths import EXAMPLES, FIXTURES, ROOT

ORDER = str(EXAMPLES / "orders" / "tv-bulletins.yaml")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "normkit", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_price_json_is_one_object_with_string_money():
    r = run("price", ORDER, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["total"] == "5336124"
    assert len(data["lines"]) == 21 and all(isinstance(x["amount"], str) for x in data["lines"])
    assert "trace" not in data


def test_price_table_formats_vnd_with_dots():
    r = run("price", ORDER)
    assert r.returncode == 0
    assert "5.336.124" in r.stdout and "TỔNG CỘNG" in r.stdout and "Nhân công" in r.stdout


def test_explain_prints_sources_and_set_changes_the_total():
    r = run("price", ORDER, "--explain", "--set", "base_salary=1800000 VND/month")
    assert r.returncode == 0, r.stderr
    assert "what-if overlay" in r.stdout and "Nghị định 204/2004/NĐ-CP" in r.stdout
    assert "5.336.124" not in r.stdout


def test_user_errors_exit_1_with_code_location_and_hint_and_no_traceback():
    r = run("price", ORDER, "--set", "base_salery=1")
    assert r.returncode == 1
    assert "NK602" in r.stderr and "unknown parameter 'base_salery'" in r.stderr and "did you mean base_salary?" in r.stderr
    assert "Traceback" not in r.stderr
    r = run("price", str(FIXTURES.parent / "fixtures" / "errors" / "unknown_norm_code" / "order.yaml"),
            "--pack", str(FIXTURES / "errors" / "unknown_norm_code" / "pack"), "--json")
    assert r.returncode == 1
    err = json.loads(r.stderr)["error"]
    assert err["code"] == "NK504" and err["line"] == 4 and err["column"] == 12 and err["hint"]


def test_usage_errors_exit_2():
    assert run("price").returncode == 2
    assert run("price", ORDER, "--at", "15.09.2024").returncode == 2
    assert run("nonsense").returncode == 2


def test_lint_reports_every_error_and_exits_1():
    r = run("lint", str(FIXTURES / "errors" / "unknown_field" / "pack"))
    assert r.returncode == 1 and "NK201" in r.stderr and "params.yaml:4:11" in r.stderr
    ok = run("lint", "rules/vn-wages")
    assert ok.returncode == 0 and "ok" in ok.stdout


def test_packs_show_schema_units_version():
    r = run("packs", "--json")
    assert r.returncode == 0
    assert {"vn-wages", "vn-tv-03-2018", "vn-media-pricing"} <= {p["id"] for p in json.loads(r.stdout)}
    r = run("show", "base_salary", "--json")
    info = json.loads(r.stdout)
    assert [v["value"] for v in info["values"]] == ["1490000", "1800000", "2340000"]
    assert run("show", "01.03.01.50.10").returncode == 0
    assert run("show", "no_such_thing").returncode == 1
    schema = json.loads(run("schema", "order").stdout)
    assert schema["$id"].endswith("/order/1") and "items" in schema["properties"]
    assert run("units").returncode == 0
    assert run("--version").stdout.startswith("normkit ")


@pytest.mark.parametrize("command", ["price", "packs", "show", "lint", "schema"])
def test_every_command_has_help(command):
    r = run(command, "--help")
    assert r.returncode == 0 and "usage: normkit" in r.stdout


def test_budget_and_report_schemas_are_served_by_the_schema_command():
    for kind, version in (("budget", 1), ("report", 1), ("trace", 2)):
        r = run("schema", kind)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["$id"].endswith(f"/{kind}/{version}")
