"""The warm CLI path imports only what it needs (issue 13, "CLI warm start").

`normkit price ORDER --json` on a warm cache evaluates the order on the scalar backend: it must
not load NumPy (only the array backend needs it), nor pint (checking happens when the cache is
filled), nor the pack-file models of :mod:`normkit.core.schema` (the compiled set, orders and
overlays use the shared models of :mod:`normkit.core.surface`), nor the other commands' modules
(the parser names them from a table), nor build the quote models' pydantic schemas (the JSON is
written from plain data). The check runs the CLI in a child process and inspects its
``sys.modules`` at exit.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, ROOT

ORDER = str(EXAMPLES / "orders" / "tv-bulletins.yaml")

# Runs the CLI exactly as `python -m normkit` does, then writes the loaded module names to a file.
CHILD = """
import json, runpy, sys
out, argv = sys.argv[1], sys.argv[2:]
sys.argv = ["normkit", *argv]
code = 0
try:
    runpy.run_module("normkit", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
models = [(m, n) for m in ("normkit.media.quote", "normkit.media.schema") if m in sys.modules
          for n in ("Quote", "QuoteItem", "Order") if hasattr(sys.modules[m], n)]
built = [n for m, n in models if getattr(getattr(sys.modules[m], n), "__pydantic_complete__", False)]
with open(out, "w", encoding="utf-8") as f:
    json.dump({"code": code, "modules": sorted(sys.modules), "built": built}, f)
"""


BUILT: dict[str, list[str]] = {}  # per child run: the quote models whose pydantic schema was built


def loaded(tmp_path: Path, cache: Path, *argv: str) -> tuple[int, set[str], bytes]:
    out = tmp_path / "modules.json"
    env = dict(os.environ, NORMKIT_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-c", CHILD, str(out), *argv], capture_output=True, cwd=ROOT,
                          timeout=300, env=env)
    data = json.loads(out.read_text(encoding="utf-8"))
    BUILT[" ".join(argv)] = data["built"]
    return data["code"], set(data["modules"]), done.stdout


def test_warm_price_json_imports_no_numpy_no_pint_no_pack_file_models(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code, cold, _ = loaded(tmp_path, cache, "price", ORDER, "--json")  # fills the cache
    assert code == 0
    assert {"pint", "normkit.core.schema"} <= cold  # the cold run reads and checks packs: the probe sees imports
    code, warm, stdout = loaded(tmp_path, cache, "price", ORDER, "--json")
    assert code == 0
    assert json.loads(stdout)["total"] == json.loads(subprocess.run(
        [sys.executable, "-m", "normkit", "price", ORDER, "--json", "--no-cache"], capture_output=True, cwd=ROOT,
        timeout=300, check=True).stdout)["total"]
    assert "normkit.media.pricing" in warm
    assert sorted(m for m in warm if m == "numpy" or m.startswith("numpy.")) == []
    assert sorted(m for m in warm if m == "pint" or m.startswith("pint.")) == []
    assert "normkit.core.schema" not in warm
    assert "normkit.core.surface" in warm
    # the other commands' modules are not imported: the parser names them with their help only
    assert sorted(m for m in warm if m.startswith("normkit.cli.")) == ["normkit.cli.common", "normkit.cli.main"]
    assert "normkit.server.limits" not in warm
    # the quote's JSON is written without building the Quote and QuoteItem schemas, and the order
    # is read without the Order model (the control: test_an_order_the_check_is_not_sure_of_...)
    assert BUILT[f"price {ORDER} --json"] == []
    # the order is read by the plain check: no pydantic order or pack-file model, no validator
    assert "normkit.media.order_check" in warm
    assert "normkit.media.schema" not in warm
    assert "normkit.core.lang.syntax" not in warm and "normkit.core.lang.typecheck" not in warm  # Type alone
    # standard modules only the cold and error paths use: tempfile (and random) to write a cache
    # entry, difflib for close matches (the control: the cold run wrote the cache)
    assert "tempfile" in cold and "random" in cold
    assert sorted(m for m in warm if m in {"tempfile", "random", "difflib", "heapq"}) == []
    # no @dataclass on the warm path (core/records.py), so neither dataclasses nor what it loads;
    # the control: the cold run compiles the packs with the checker's dataclasses
    assert {"dataclasses", "inspect"} <= cold
    assert sorted(m for m in warm if m in {"dataclasses", "inspect", "ast", "dis", "tokenize", "linecache", "copy"}) == []


def test_the_command_table_is_what_each_module_registers() -> None:
    import argparse

    from normkit.cli.main import COMMAND_MODULES

    for module_name, commands in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        handlers = importlib.import_module(f"normkit.cli.{module_name}").register(sub)
        assert list(handlers) == list(commands)
        assert {a.dest: a.help for a in sub._choices_actions} == commands


def test_a_sub_command_the_guess_did_not_build_is_parsed_by_the_whole_parser() -> None:
    from normkit.cli.main import Unloaded, parser

    with pytest.raises(Unloaded):
        parser("price").parse_args(["classify", "households.csv", "--out", "out.csv"])
    args = parser().parse_args(["classify", "households.csv", "--out", "out.csv"])
    assert (args.command, args.households, args.out) == ("classify", "households.csv", "out.csv")
    # `normkit --lang en classify …`: the guess is "classify" (the first command word), built for real
    args = parser("classify").parse_args(["--lang", "en", "classify", "households.csv", "--out", "out.csv"])
    assert (args.command, args.lang) == ("classify", "en")


def test_only_the_named_command_builds_its_parser_and_the_listing_is_the_whole_parsers() -> None:
    """``parser("price")`` builds one sub-command parser; the others are named with their help only
    (argparse's ``add_parser`` would build a parser each, looking up its messages' translations on
    disk). ``normkit --help``, the choices and their order are those of the whole parser; a
    command not built is parsed by the whole parser (:func:`main` catches ``Unloaded``)."""
    import argparse

    from normkit.cli.main import CORE_COMMANDS, Unbuilt, Unloaded, main, parser

    def sub_of(p: argparse.ArgumentParser) -> argparse._SubParsersAction:  # type: ignore[type-arg]
        return next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))

    whole, price = sub_of(parser()), sub_of(parser("price"))
    assert [n for n, sp in price.choices.items() if isinstance(sp, argparse.ArgumentParser)] == ["price"]
    assert all(isinstance(sp, Unbuilt) for n, sp in price.choices.items() if n != "price")
    assert not any(isinstance(sp, Unbuilt) for sp in whole.choices.values())  # the control: every one built
    assert list(price.choices) == list(whole.choices) and list(whole.choices)[:6] == list(CORE_COMMANDS)
    assert [(a.dest, a.help) for a in price._choices_actions] == [(a.dest, a.help) for a in whole._choices_actions]
    assert parser("price").format_help() == parser().format_help()
    assert [n for n, sp in sub_of(parser("units")).choices.items() if isinstance(sp, argparse.ArgumentParser)] == ["units"]
    with pytest.raises(Unloaded):
        parser("price").parse_args(["show", "base_salary"])
    assert main(["units", "--json"]) == 0


def test_the_section_names_written_out_are_the_models_fields() -> None:
    from normkit.core.schema import Manifest, Sections
    from normkit.core.sections import CORE_SECTIONS, MANIFEST_FIELDS

    assert tuple(Sections.model_fields) == CORE_SECTIONS
    assert tuple(Manifest.model_fields) == MANIFEST_FIELDS


# ---- the output side (issue 13, third pass) ------------------------------------------------------

WARM_OUTPUT_MODULES = ("normkit.core.surface", "normkit.core.trace", "normkit.core.compiled", "normkit.core.io.plain",
                       "normkit.core.io.jsonstream", "normkit.core.plainmodel", "normkit.media.quote", "normkit.media.quoteline")
MIRROR_MODULES = ("normkit.core.surface_mirrors", "normkit.core.trace_models", "normkit.media.quote_models")


def test_the_warm_output_side_defines_no_pydantic_model_and_imports_no_mirror(tmp_path: Path) -> None:
    from pydantic import BaseModel

    cache = tmp_path / "cache"
    code, cold, _ = loaded(tmp_path, cache, "price", ORDER, "--json")
    assert code == 0
    assert "normkit.core.surface_mirrors" in cold  # the control: validating the packs uses the surface records' mirrors
    code, warm, _ = loaded(tmp_path, cache, "price", ORDER, "--json")
    assert code == 0
    assert set(WARM_OUTPUT_MODULES) <= warm
    assert sorted(set(MIRROR_MODULES) & warm) == []
    for name in WARM_OUTPUT_MODULES:  # every record the compiled set, the quote and its trace are made of is a plain class
        module = importlib.import_module(name)
        models = [k for k, v in vars(module).items() if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == name]
        assert models == [], name


def test_the_core_of_the_warm_path_imports_no_pydantic() -> None:
    """The compiled form, the cache codec, the trace and the JSON writer load without pydantic (what
    still loads it on a warm `price`: the order's model, and `Overlay` named by core/runtime.py)."""
    probe = (f"import sys\nfor m in {WARM_OUTPUT_MODULES[:6]!r}: __import__(m)\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, cwd=ROOT, timeout=300, check=True)
    assert done.stdout == b"[]\n"


def test_an_order_the_check_is_not_sure_of_is_read_by_the_model(tmp_path: Path) -> None:
    """The control of the probe above: an order the plain check is not sure of (``normkit_order:
    true``, which the model reads as 1) goes to the pydantic model (media/schema.py), whose schema
    the probe then sees built; the price is the same."""
    cache = tmp_path / "cache"
    text = Path(ORDER).read_text(encoding="utf-8")
    assert "normkit_order: 1\n" in text
    order, odd = tmp_path / "order.yaml", tmp_path / "odd.yaml"
    order.write_text(text, encoding="utf-8")
    odd.write_text(text.replace("normkit_order: 1\n", "normkit_order: true\n"), encoding="utf-8")
    packs = ["--pack", str(EXAMPLES / "packs" / "example-province")]
    assert loaded(tmp_path, cache, "price", str(order), *packs, "--json")[0] == 0  # fills the cache
    code, plain, out = loaded(tmp_path, cache, "price", str(order), *packs, "--json")
    assert code == 0 and "normkit.media.schema" not in plain and BUILT[f"price {order} {' '.join(packs)} --json"] == []
    code, model, out_model = loaded(tmp_path, cache, "price", str(odd), *packs, "--json")
    assert "normkit.media.schema" in model and BUILT[f"price {odd} {' '.join(packs)} --json"] == ["Order"]
    assert (code, json.loads(out_model)["total"]) == (0, json.loads(out)["total"])


def test_a_warm_price_json_imports_no_pydantic_and_an_overlay_still_does(tmp_path: Path) -> None:
    """With both sides plain (the order check, the plain records), a warm `price --json` never
    imports pydantic; `Overlay` is imported by `core/runtime.py` and `api.py` for annotations only.
    The control: `--overlay` reads the overlay with its pydantic model, and the price changes."""
    cache = tmp_path / "cache"
    assert loaded(tmp_path, cache, "price", ORDER, "--json")[0] == 0  # fills the cache
    code, warm, out = loaded(tmp_path, cache, "price", ORDER, "--json")
    assert code == 0
    assert sorted(m for m in warm if m.split(".")[0] in ("pydantic", "pydantic_core")) == []
    assert "normkit.core.overlay" not in warm and "normkit.core.fields" not in warm
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("normkit_overlay: 1\nlabel: probe\nset:\n  base_salary: 2500000 VND/month\n", encoding="utf-8")
    code, with_overlay, out_overlay = loaded(tmp_path, cache, "price", ORDER, "--overlay", str(overlay), "--json")
    assert code == 0
    assert {"pydantic", "normkit.core.overlay"} <= with_overlay
    assert json.loads(out_overlay)["total"] != json.loads(out)["total"]
