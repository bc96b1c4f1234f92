"""The exported trace is a graph (normkit.trace/2): each distinct node once, children before
parents, sources and shared fields in tables; written as a stream; linear in the distinct
evaluations even when formulas fan out (issue 10)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import jsonschema_rs
import pytest
import yaml
from fanout import fanout_order, fanout_pack
from normkit_testpaths import EXAMPLES, ROOT

import normkit
from normkit.cli.explain import rounded
from normkit.media.orders import order_from_data

BEFORE_BYTES = 1_992_877  # the 10-item order's `price --json --explain` at 6123de3 (nested trees, indent 2)


@pytest.fixture(scope="module")
def rules():
    return normkit.load(EXAMPLES / "packs" / "example-province")


def ten_items():
    return order_from_data({"id": "bench", "date": "2024-09-15",
                            "items": [{"id": f"i{i}", "norm": "01.03.01.50.10", "quantity": i + 1} for i in range(10)]})


def merged(trace: dict, node: dict) -> dict:
    """A node with the fields of its base (the node's own win)."""
    return {**trace["bases"][node["base"]], **node} if "base" in node else node


def test_the_ten_item_trace_is_a_graph_five_times_smaller(rules) -> None:
    q = rules.quote(ten_items())
    text = q.to_json()
    data = json.loads(text)
    trace = data["trace"]
    assert data["schema"] == "normkit.quote/2" and trace["schema"] == "normkit.trace/2"
    assert len(text.encode()) * 5 <= BEFORE_BYTES
    assert "\n" not in text  # no indentation by default
    nodes = trace["nodes"]
    assert (len(nodes), len(trace["bases"]), len(trace["sources"]), len(data["lines"])) == (254, 22, 6, 210)  # bases: 19 norm lines, 1 norm, 2 extras
    assert [n["id"] for n in nodes] == list(range(len(nodes)))
    assert all(c < n["id"] for n in nodes for c in n.get("children", ()))  # children first: no cycle, one pass reads it
    assert trace["roots"] == [n["id"] for n in nodes if merged(trace, n)["kind"] == "item"]
    # every source once; every node that cites one cites it by index
    assert len({json.dumps(s, sort_keys=True) for s in trace["sources"]}) == len(trace["sources"])
    assert all(isinstance(n["source"], int) for n in nodes + trace["bases"] if "source" in n)
    # the rate of a line is one node, shared by the ten items that use it
    day_rates = [n for n in nodes if n.get("name") == "labour_day_rate"]
    parents = [n for n in nodes if day_rates[0]["id"] in n.get("children", ())]
    assert len(parents) == 10 * 5  # five lines of each item price at A1 step 3 (tests/handpriced.py LABOUR): one rate node


def test_a_line_node_reads_with_its_base_and_keeps_full_precision(rules) -> None:
    q = rules.quote(ten_items())
    trace = json.loads(q.to_json())["trace"]
    line = next(merged(trace, n) for n in trace["nodes"] if merged(trace, n)["kind"] == "line")
    assert (line["kind"], line["name"], line["value"], line["rule"]) == ("line", "labour: am_thanh_vien_III", "17039",
                                                                         "01.03.01.50.10 am_thanh_vien_III")
    assert line["inputs"] == [
        {"name": "quantity", "value": "0.04", "unit": "workday"},
        {"name": "rate", "value": "425986.3636363636363636363636363636", "unit": "VND/workday"},
        {"name": "rate_formula", "value": "labour_day_rate(scale, step)"},
        {"name": "before rounding", "value": "17039.45454545454545454545454545454", "unit": "VND"}]
    assert trace["sources"][line["source"]]["document"].startswith("Thông tư 03/2018/TT-BTTTT")


def test_python_readers_get_trees_whose_shared_nodes_are_one_object(rules) -> None:
    q = rules.quote(ten_items())
    items = q.trace
    assert [n.kind for n in items] == ["item"] * 10
    a, b = items[0].children[0], items[1].children[0]
    assert (a.name, a.value, b.value) == ("labour: am_thanh_vien_III", "17039", "34078")  # 2 × the one-unit 17039 (issue 11)
    assert a.children[0] is b.children[0] and a.children[0].name == "labour_day_rate"
    assert a.source is not None and a.effective_from is not None and str(a.effective_from) == "2018-07-01"
    assert q.trace[0] is items[0]  # built once


def test_the_plain_json_is_what_pydantic_writes_and_matches_the_schema(rules) -> None:
    q = rules.quote(EXAMPLES / "orders" / "year-plan-2023.yaml")
    assert q.to_json(trace=False) == q.model_dump_json(by_alias=True)
    jsonschema_rs.validate(normkit.schema("quote"), json.loads(q.to_json()))
    jsonschema_rs.validate(normkit.schema("trace"), json.loads(q.to_json())["trace"])
    bad = json.loads(q.to_json())
    bad["trace"]["nodes"][0]["children"] = ["x"]
    assert not jsonschema_rs.is_valid(normkit.schema("quote"), bad)


def test_large_json_is_written_in_bounded_chunks(rules) -> None:
    order = order_from_data({"id": "big", "date": "2024-09-15",
                             "items": [{"id": f"i{i}", "norm": "01.03.01.50.10", "quantity": 1 + i % 7} for i in range(2000)]})
    q = rules.quote(order)
    chunks = list(q.json_chunks(trace=True))
    whole = b"".join(chunks)
    assert len(whole) > 5_000_000 and max(len(c) for c in chunks) < 1_000_000  # 42,000 lines, never one piece
    out = io.BytesIO()
    q.write_json(out, trace=True)
    assert out.getvalue() == whole
    assert json.loads(whole)["total"] == str(q.total)


def test_fan_out_formulas_give_a_trace_linear_in_the_distinct_evaluations(tmp_path: Path) -> None:
    pack = fanout_pack(tmp_path / "fan", fan=30, depth=6)  # 30^6 = 729,000,000 paths to f0
    assert len((pack / "pack.yaml").read_bytes()) < 4000
    rules = normkit.load(pack, use_cache=False)
    start = time.perf_counter()
    q = rules.quote(fanout_order(pack))
    text = q.to_json()
    took = time.perf_counter() - start
    nodes = json.loads(text)["trace"]["nodes"]
    fs = [n for n in nodes if n.get("name", "").startswith("f") and n.get("kind") == "formula"]
    assert sorted(n["name"] for n in fs) == [f"f{k}" for k in range(7)]
    assert all(len(n.get("children", [])) == 30 for n in fs if n["name"] != "f0")
    assert len(nodes) == 64 and len(text) < 60_000 and took < 5
    assert q.total == Decimal(1_778_709)


def test_explain_prints_each_node_once_with_a_depth(tmp_path: Path) -> None:
    pack = fanout_pack(tmp_path / "fan", fan=30, depth=6)
    order = tmp_path / "order.yaml"
    order.write_text(yaml.safe_dump(fanout_order(pack)), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "normkit", "price", str(order), "--explain", "--no-cache"],
                       check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    refs = [line for line in r.stdout.splitlines() if "(shown above)" in line]
    # each f1…f6 is printed with its first child expanded and 29 references; the norm's shared rates and parameters: 29 more
    assert len(r.stdout) < 100_000 and len(refs) == 203
    assert sum(1 for line in refs if " f" in line and " = 1 (shown above)" in line) == 6 * 29
    shallow = subprocess.run([sys.executable, "-m", "normkit", "price", str(EXAMPLES / "orders" / "tv-bulletins.yaml"), "--explain",
                              "--explain-depth", "1"], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert shallow.returncode == 0, shallow.stderr
    assert "#55 tv-bulletin: 01.03.01.50.10 = 5.336.124 đồng" in shallow.stdout  # vi (the default): units as words
    assert "… 21 more step(s) below (raise --explain-depth, or see --explain --json)" in shallow.stdout
    assert "labour: am_thanh_vien_III" not in shallow.stdout


def test_explain_rounds_figures_for_reading() -> None:
    assert rounded("425986.3636363636363636363636363636", "VND/workday") == "≈425.986,363636"  # vi, the default language
    assert rounded("17039.45454545454545454545454545454", "VND") == "≈17.039,45"
    assert rounded("5336129", "VND") == "5.336.129"
    assert rounded("231001.25", "VND") == "231.001,25"
    assert rounded("0.04", "workday") == "0,04"
    assert rounded("A1", None) == "A1"
    r = subprocess.run([sys.executable, "-m", "normkit", "price", str(EXAMPLES / "orders" / "tv-bulletins.yaml"), "--explain"],
                       check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "rate=≈425.986,363636 đồng/công" in r.stdout and "425986.3636363636363636363636363636" not in r.stdout


def test_price_json_streams_the_graph_when_explained() -> None:
    r = subprocess.run([sys.executable, "-m", "normkit", "price", str(EXAMPLES / "orders" / "tv-bulletins.yaml"), "--json", "--explain"],
                       check=False, capture_output=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith(b"}\n") and r.stdout.count(b"\n") == 1
    data = json.loads(r.stdout)
    assert data["total"] == "5336124" and data["trace"]["schema"] == "normkit.trace/2" and len(data["trace"]["roots"]) == 1
