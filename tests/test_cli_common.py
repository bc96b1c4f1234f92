"""The shared front-end options (normkit/cli/common.py): every command and the HTTP service get
their rule set the same way, and `serve` is a front-end of its own."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, ROOT

from normkit.api import WhatIf, resolve_order_pack, rules_for
from normkit.cli import budget as cli_budget
from normkit.cli import common, serve
from normkit.cli.main import COMMANDS, main, parser
from normkit.core.runtime import RuleSet
from normkit.media.orders import load_order

ORDER = EXAMPLES / "orders" / "tv-bulletins.yaml"
PROVINCE = EXAMPLES / "packs" / "example-province"


def same_rules(a: RuleSet, b: RuleSet) -> None:
    assert a.compiled.root.id == b.compiled.root.id and [p.hash for p in a.compiled.packs] == [p.hash for p in b.compiled.packs]
    assert a.overrides == b.overrides
    assert a.overlay_text == b.overlay_text


def test_every_evaluating_command_has_the_shared_options():
    p = parser()
    required = {"export-quote": ["--xlsx", "q.xlsx"], "classify": ["--out", "o.csv"]}
    for command in ("price", "whatif", "export-quote", "check", "classify", "household", "rates"):
        argv = [command, "a=1" if command == "household" else "X", *required.get(command, [])]
        args = p.parse_args([*argv, "--pack", "P", "--set", "a=1", "--overlay", "o.yaml", "--no-cache", "--json"])
        assert (args.pack, args.sets, args.overlay, args.no_cache, args.json) == ("P", ["a=1"], "o.yaml", True, True), command
        if command in ("price", "whatif", "export-quote", "check"):
            assert p.parse_args([*argv, "--at", "2024-07-01"]).at.isoformat() == "2024-07-01"


def test_bad_date_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(["price", "X", "--at", "1.7.2024"])
    assert exc.value.code == 2 and "write YYYY-MM-DD or dd/mm/yyyy" in capsys.readouterr().err
    assert parser().parse_args(["price", "X", "--at", "1/7/2024"]).at == dt.date(2024, 7, 1)  # day first, as everywhere


def test_whatif_from_the_command_line(tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text("normkit_overlay: 1\nlabel: Tăng lương\nset:\n  base_salary: 2340000\n", encoding="utf-8")
    args = parser().parse_args(["price", str(ORDER), "--overlay", str(overlay), "--set", "overhead_rate=10"])
    change = common.whatif(args)
    assert change.overlay is not None and change.overlay.label == "Tăng lương"
    assert change.overlay.set == {"base_salary": Decimal("2340000")} and dict(change.values) == {"overhead_rate": "10"}
    assert common.whatif(parser().parse_args(["price", str(ORDER)])) == WhatIf(label=common.SET_LABEL)


def test_price_options_and_the_server_give_the_same_rule_set(monkeypatch):
    pytest.importorskip("fastapi")
    from normkit.server.app import Packs, QuoteRequest, quote_rules

    monkeypatch.setenv("NORMKIT_PATH", str(EXAMPLES / "packs"))
    order = load_order(ORDER)
    args = parser().parse_args(["price", str(ORDER), "--pack", "example-province", "--set", "base_salary=1800000"])
    cli = common.rules(args, resolve_order_pack(order, args.pack, ORDER.parent))
    server = quote_rules(Packs(), QuoteRequest(pack="example-province", order=order, overrides={"base_salary": "1800000"}))
    same_rules(cli, server)
    assert cli.overrides  # the --set value is in, not dropped
    assert cli.quote(order).total == server.quote(order).total != rules_for(PROVINCE).quote(order).total


def test_check_options_and_the_server_give_the_same_rule_set(monkeypatch, tmp_path):
    pytest.importorskip("fastapi")
    from normkit.budget.reading import read_budget
    from normkit.server.app import CheckRequest, Packs, check_rules

    monkeypatch.setenv("NORMKIT_PATH", str(EXAMPLES / "packs"))
    overlay = tmp_path / "o.yaml"
    overlay.write_text("normkit_overlay: 1\nlabel: lương mới\nset:\n  base_salary: 2340000\n", encoding="utf-8")
    budget = read_budget(EXAMPLES / "budgets" / "clean-2024.yaml")
    args = parser().parse_args(["check", "B", "--pack", "example-province", "--overlay", str(overlay)])
    cli = common.rules(args, PROVINCE)
    inline = budget.model_copy(update={"overlay": common.whatif(args).overlay})
    server = check_rules(Packs(), CheckRequest(pack="example-province", budget=inline))
    same_rules(cli, server)
    assert cli.overlay_label == server.overlay_label == "lương mới"


def test_check_overlay_file_is_read_from_the_working_directory(tmp_path, monkeypatch, capsys):
    (tmp_path / "o.yaml").write_text("normkit_overlay: 1\nset:\n  base_salary: 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(EXAMPLES / "budgets" / "clean-2024.yaml"), "--overlay", "o.yaml", "--json"]) in (0, 1)
    assert json.loads(capsys.readouterr().out)["overlay"] == "what-if"


def test_variants_for_whatif():
    args = parser().parse_args(["whatif", str(ORDER), "--set", "base_salary=1800000"])
    v = common.variants(args, PROVINCE)
    assert v.variant is not None and v.baseline.overrides == {} and set(v.variant.overrides) == {"base_salary"}
    assert common.variants(parser().parse_args(["whatif", str(ORDER)]), PROVINCE).variant is None


def test_serve_is_its_own_front_end_not_a_budget_command():
    assert COMMANDS["serve"].__wrapped__ is serve.cmd_serve  # run in the chosen language (normkit.cli.main.guarded)
    assert "serve" not in cli_budget.register.__code__.co_consts
    assert not hasattr(cli_budget, "cmd_serve")
    r = subprocess.run([sys.executable, "-m", "normkit", "serve", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("usage: normkit serve") and "--port" in r.stdout


@pytest.mark.parametrize("text,ok", [("8765", True), ("0", True), ("65535", True), ("65536", False), ("-1", False), ("http", False)])
def test_port_argument(text, ok):
    import argparse

    if ok:
        assert serve.port_arg(text) == int(text)
    else:
        with pytest.raises(argparse.ArgumentTypeError):
            serve.port_arg(text)


def test_domain_command_modules_are_imported_normally():
    text = (ROOT / "normkit" / "cli" / "main.py").read_text(encoding="utf-8")
    assert "importlib" not in text and "import_module" not in text
    assert Path(common.__file__).name == "common.py"


def test_docs_cli_lists_the_shared_options_once():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## The options every evaluating command shares", 1)[1]
    for option in ("--pack", "--at", "--overlay", "--set", "--no-cache", "--json"):
        assert f"| `{option}" in section, option
    price = next(a for a in parser()._subparsers._group_actions[0].choices["price"]._actions if a.dest == "sets")
    assert price.metavar == "NAME=VALUE"
