"""The ``normkit`` command line.

Exit codes: 0 ok, 1 a user or data error (printed with a code, a location and a hint,
never a traceback), 2 a usage error, 3 an internal error (a bug in normkit), 141 the reader of
standard output went away (a closed pipe: ``normkit schema order | head -1``; nothing printed).
A command whose exit 1 means "the data fails" (``check``; ``classify --fail-on-reject``;
``check-published --fail-on``) exits 2 when its input cannot be read or evaluated, so a
pipeline can tell the two apart (docs/cli.md, "Exit codes").
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from normkit.cli.common import pack_options
from normkit.core.amounts import DEFAULT_LANG, LANGS, use_lang
from normkit.core.errors import NormkitError
from normkit.core.io.text import CONVENTION, reading_convention
from normkit.core.io.vocabulary import CONVENTIONS, Convention
from normkit.version import __version__

EPILOG = """\
examples:
  normkit price examples/orders/tv-bulletins.yaml
  normkit price examples/orders/tv-bulletins.yaml --explain
  normkit price examples/orders/tv-bulletins.yaml --set base_salary=1800000 --at 2024-01-10 --json
  normkit show base_salary --pack vn-wages
  normkit show 01.03.01.50.10
  normkit show vn-wages
  normkit lint rules/vn-wages
  normkit schema order > order.schema.json

Each command has its own help: normkit price --help.
Documentation: docs/ in the source tree (quick start, pack format, expressions, errors).
"""


class Unloaded(Exception):
    """A sub-command whose module was not imported was chosen: build the whole parser."""


class Parser(argparse.ArgumentParser):
    """argparse, with close matches for a mistyped choice (a sub-command, a schema kind …):
    Python's own parser (before 3.14) only lists every choice."""

    unloaded = False
    """A sub-command named (with its help) but not built (:class:`Unbuilt`)."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            from normkit.core.names import did_you_mean

            close = did_you_mean(str(value), [str(c) for c in action.choices])
            if close:
                raise argparse.ArgumentError(action, f"invalid choice: {value!r} ({close})")
        super()._check_value(action, value)


class Unbuilt:
    """In place of the parser of a sub-command that is named (with its help) but not built:
    parsing it raises :class:`Unloaded`."""

    unloaded = True

    def __init__(self, prog: str) -> None:
        self.prog = prog

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        raise Unloaded(self.prog)


def name_only(sub: Any, name: str, help_text: str) -> None:
    """Name the sub-command ``name`` with its help, as ``sub.add_parser(name, help=help_text)``
    does for ``normkit --help`` and the choices, without building its parser: argparse builds a
    whole ``ArgumentParser`` per sub-command, and each looks its three messages up in the
    translation catalogues on disk (most of what building the parser cost a warm start)."""
    sub._choices_actions.append(sub._ChoicesPseudoAction(name, (), help_text))
    sub._name_parser_map[name] = Unbuilt(f"{sub._prog_prefix} {name}")


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``normkit`` parser. With ``command``, only the module of that sub-command is imported
    and its sub-commands built; every other module's sub-commands are only named, with their help
    (all ``normkit --help`` and a close match need), and parsing one of them raises
    :class:`Unloaded` (:func:`main` then builds the whole parser). Without, every command is built."""
    p = Parser(
        prog="normkit",
        description="Exact, explainable prices from Vietnam's economic-technical norms (định mức kinh tế - kỹ thuật) "
                    "and poverty rules. Every figure comes with its formula, inputs, rule, legal source and date.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"normkit {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    for name, help_text in CORE_COMMANDS.items():
        if command is None or command == name:
            BUILD[name](sub, help_text)
        else:
            name_only(sub, name, help_text)
    for module_name, commands in COMMAND_MODULES:  # each adds its sub-commands (kept light: no heavy imports at import time)
        if command is None or command in commands:
            COMMANDS.update({name: guarded(handler) for name, handler in command_module(module_name).register(sub).items()})
            continue
        for name, help_text in commands.items():
            name_only(sub, name, help_text)
    lang_option(p, default=None)
    convention_option(p, default=None)
    for sp in sub.choices.values():  # --lang and --convention on every command, before or after its name
        if not sp.unloaded:
            lang_option(sp, default=argparse.SUPPRESS)
            convention_option(sp, default=argparse.SUPPRESS)
    return p


CORE_COMMANDS: dict[str, str] = {  # the sub-commands of this module, in the order of `normkit --help`, with their help
    "price": "price an order (đặt hàng) from the norms and a rate card",
    "packs": "list the installed rule packs",
    "show": "list a pack's names, or show one norm, parameter, table or formula with its dated values and sources",
    "lint": "check a pack: schema, units, references and dates (exit 1 on any error)",
    "schema": "print the JSON Schema of an order, quote, trace node, pack manifest, pack file, overlay, budget or budget report",
    "units": "list normkit's unit vocabulary",
}


def build_price(sub: Any, help_text: str) -> None:
    pr = sub.add_parser("price", help=help_text,
                        description="Price ORDER (YAML or JSON) at a date. The pack is --pack, or the first entry of the "
                                    "order's `packs:` (relative to the order file). Money is exact: amounts are rounded only "
                                    "where the pack says (per line, subtotal or total).",
                        epilog="example: normkit price examples/orders/tv-bulletins.yaml --set 'base_salary=2340000 VND/month' --explain",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    pr.add_argument("order", help="order file (.yaml or .json)")
    pack_options(pr, at="evaluation date YYYY-MM-DD (default: the order's `at`, else its `date`)")
    pr.add_argument("--explain", action="store_true", help="print the trace: how every figure was obtained, with sources "
                    "(figures rounded for reading; with --json, the exact trace graph normkit.trace/2)")
    pr.add_argument("--explain-depth", type=count_arg, metavar="N",
                    help="with --explain: print N levels below the quote at most (default: all; each step is printed once)")
    pr.add_argument("--xlsx", metavar="OUT.xlsx", help="also write the quote as a unit-price sheet (bảng đơn giá) in XLSX")
    pr.add_argument("--all-items", action="store_true",
                    help=f"print every item even above {PRICE_TABLE_ITEMS} items (else the {PRICE_TOP_ITEMS} largest and the totals)")


def build_packs(sub: Any, help_text: str) -> None:
    pk = sub.add_parser("packs", help=help_text, description="List the packs on the search path "
                        "($NORMKIT_PATH, then the shipped rules/).")
    pk.add_argument("--json", action="store_true", help="print JSON instead of a table")


def build_show(sub: Any, help_text: str) -> None:
    sh = sub.add_parser("show", help=help_text,
                        description="Show NAME: a norm code (01.03.01.50.10), a parameter (base_salary), a table "
                                    "(salary_coefficient), a formula, an adjustment or an input. Without --pack, the installed packs "
                                    "are searched. Show PACK (an installed pack's id or a pack folder), or --pack PACK alone: every "
                                    "name the pack and the packs it extends define, with units, the date range of the values and "
                                    "verified flags. An unknown name gets its close matches.")
    sh.add_argument("name", nargs="?", help="a name, or a pack to list")
    sh.add_argument("--pack", help="pack folder or installed pack name")
    sh.add_argument("--json", action="store_true", help="print JSON")
    sh.add_argument("--no-cache", action="store_true", help="rebuild the compiled packs instead of using the cache")


def build_lint(sub: Any, help_text: str) -> None:
    li = sub.add_parser("lint", help=help_text,
                        description="Load and check PACK_DIR with every pack it extends. All errors are reported, each with "
                                    "file:line:column and a hint; the exit code is 1 if there is any.")
    li.add_argument("pack_dir")
    li.add_argument("--json", action="store_true", help="print JSON")


def build_schema(sub: Any, help_text: str) -> None:
    sc = sub.add_parser("schema", help=help_text)
    sc.add_argument("kind", choices=["order", "quote", "trace", "pack", "pack-file", "overlay", "budget", "report"])


def build_units(sub: Any, help_text: str) -> None:
    un = sub.add_parser("units", help=help_text)
    un.add_argument("--json", action="store_true", help="print JSON")


BUILD: dict[str, Callable[[Any, str], None]] = {
    "price": build_price, "packs": build_packs, "show": build_show, "lint": build_lint, "schema": build_schema, "units": build_units,
}


def command_module(name: str) -> Any:
    """The module ``normkit.cli.<name>`` of :data:`COMMAND_MODULES`, imported on first use."""
    if name == "media":
        from normkit.cli import media

        return media
    if name == "poverty":
        from normkit.cli import poverty

        return poverty
    if name == "deprivations":
        from normkit.cli import deprivations

        return deprivations
    if name == "budget":
        from normkit.cli import budget

        return budget
    if name == "serve":
        from normkit.cli import serve

        return serve
    raise ValueError(f"no command module {name!r}")


def count_arg(text: str) -> int:
    """An argparse type: a positive whole number (``normkit serve``'s, imported only when given)."""
    from normkit.cli.serve import count_arg as read

    n: int = read(text)
    return n


def command_named(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` most likely names (its first word that is one), for :func:`parser`;
    a wrong guess costs only a second parse."""
    return next((a for a in argv if a in COMMANDS or any(a in names for _, names in COMMAND_MODULES)), None)


def convention_option(p: argparse.ArgumentParser, *, default: Any) -> None:
    p.add_argument("--convention", choices=CONVENTIONS, default=default,
                   help="how to read a number two conventions read differently (1.234, 1,234) in the files and values "
                        "this command reads: vi 1.234 = 1234, en 1.234 = 1.234 (default: $NORMKIT_CONVENTION, else "
                        "none: such a number is the error NK111)")


def lang_option(p: argparse.ArgumentParser, *, default: Any) -> None:
    p.add_argument("--lang", choices=LANGS, default=default,
                   help="language of numbers, units and messages: vi writes 5.359.747 and 0,12 công, en writes 5,359,747 "
                        "and 0.12 workday (default: $NORMKIT_LANG, else vi); JSON is the same in both")


PRICE_TABLE_ITEMS = 50
"""Above this many items, ``price`` prints the largest items and the totals, not every line."""
PRICE_TOP_ITEMS = 20

# An optional dependency's top-level module -> the extra that installs it.
OPTIONAL_MODULES = {"pyarrow": "parquet", "fastapi": "server", "uvicorn": "server"}

# Exit codes (docs/cli.md): a closed output pipe exits like a program killed by SIGPIPE.
EXIT_CLOSED_PIPE = 141


def guarded(handler: Callable[[Any], int]) -> Callable[[Any], int]:
    """``handler`` run in the chosen language (``--lang``/``NORMKIT_LANG``), with a missing optional
    package reported as NK810 instead of an internal error."""
    if getattr(handler, "normkit_guarded", False):
        return handler

    @functools.wraps(handler)
    def run(args: Any) -> int:
        token = reading_convention(chosen_convention(args))
        try:
            with use_lang(chosen_lang(args)):
                try:
                    return handler(args)
                except ModuleNotFoundError as exc:
                    err = missing_dependency(exc, args.command)
                    if err is None:
                        raise
                    raise err from None
        finally:
            CONVENTION.reset(token)

    run.normkit_guarded = True  # type: ignore[attr-defined]
    return run


def chosen_convention(args: Any) -> Convention | None:
    """``--convention``, else ``$NORMKIT_CONVENTION``, else none (an ambiguous number is NK111);
    any other value of ``NORMKIT_CONVENTION`` is a usage error (exit 2), as ``--convention xx`` is."""
    convention = getattr(args, "convention", None)
    if convention:
        return cast(Convention, convention)
    env = os.environ.get("NORMKIT_CONVENTION", "").strip()
    if env and env not in CONVENTIONS:
        print(f"normkit: error: NORMKIT_CONVENTION={env} is not a convention (choose from 'vi', 'en')", file=sys.stderr)
        raise SystemExit(2)
    return "vi" if env == "vi" else "en" if env == "en" else None


def lang_or_default(args: Any) -> str:
    """The language to report an error in (the default when the choice itself was the error)."""
    try:
        return chosen_lang(args)
    except NormkitError:
        return DEFAULT_LANG


def chosen_lang(args: Any) -> str:
    """``--lang``, else ``$NORMKIT_LANG``, else ``vi``; an unknown ``$NORMKIT_LANG`` is NK811."""
    lang = getattr(args, "lang", None)
    if lang:
        return str(lang)
    env = os.environ.get("NORMKIT_LANG", "").strip()
    if env and env not in LANGS:
        raise NormkitError("NK811", f"NORMKIT_LANG={env} is not a language normkit writes")
    return env or DEFAULT_LANG


def error_exit(args: Any) -> int:
    """The exit code of a coded error: 2 where exit 1 already means "the data fails the check"."""
    if args.command == "check" or getattr(args, "fail_on_reject", False) or getattr(args, "published_fail_on", None):
        return 2
    return 1


def missing_dependency(exc: ModuleNotFoundError, command: str) -> NormkitError | None:
    """NK810 for an optional package that is not installed (None for any other missing module)."""
    top = (exc.name or "").split(".")[0]
    extra = OPTIONAL_MODULES.get(top)
    if extra is None:
        return None
    return NormkitError("NK810", f"normkit {command} needs the Python package {top}, which is not installed",
                        hint=f"pip install 'normkit[{extra}]'")


def report_error(e: NormkitError, args: Any) -> None:
    if getattr(args, "json", False) or getattr(args, "format", None) == "json":
        print(json.dumps({"error": e.to_dict()}, ensure_ascii=False, indent=2), file=sys.stderr)
    else:
        from normkit.cli.render import console, error_text

        console(stderr=True).print(error_text(e))


def closed_pipe() -> int:
    """Standard output's reader went away: print nothing more, and keep Python's exit flush quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's buffer): nothing to silence
        pass
    return EXIT_CLOSED_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    p = parser(command_named(words) or "")
    try:
        args = p.parse_args(words)
    except Unloaded:  # a sub-command the guess did not build
        p = parser()
        args = p.parse_args(words)
    if args.command is None:
        p.print_help()
        return 2
    handler: Callable[[Any], int] = COMMANDS[args.command]
    try:
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
        return code
    except NormkitError as e:
        with use_lang(lang_or_default(args)):
            report_error(e, args)
        return error_exit(args)
    except BrokenPipeError:
        return closed_pipe()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in normkit, not the user's mistake: say so plainly
        return internal_error(exc)


def internal_error(exc: Exception) -> int:
    if os.environ.get("NORMKIT_DEBUG"):
        raise exc
    print(f"internal error: {type(exc).__name__}: {exc}\n"
          "  this is a bug in normkit, not a mistake in your input; please report it with the command you ran "
          "(set NORMKIT_DEBUG=1 to see the traceback)", file=sys.stderr)
    return 3


def cmd_price(args: Any) -> int:
    from normkit.api import resolve_order_pack
    from normkit.cli.common import rules
    from normkit.media.orders import load_order

    if args.xlsx:
        from normkit.core.io.outputs import check_outputs

        check_outputs([("order file", args.order)] + ([("--overlay file", args.overlay)] if args.overlay else []),
                      [("--xlsx", args.xlsx)])
    order = load_order(args.order)
    q = rules(args, resolve_order_pack(order, args.pack, Path(args.order).parent)).quote(order, at=args.at)
    if args.xlsx:
        from normkit.media.xlsx import write_quote_xlsx

        write_quote_xlsx(q, args.xlsx)
    if args.json:
        from normkit.core.io.jsonstream import write_stdout

        write_stdout(q.json_chunks(trace=args.explain))  # written as produced, never one whole string
        return 0
    from normkit.cli.explain import explain_tree
    from normkit.cli.render import console, quote_footer, quote_summary, quote_table

    c = console()
    many = len(q.items) > PRICE_TABLE_ITEMS and not args.all_items
    c.print(quote_summary(q, PRICE_TOP_ITEMS) if many else quote_table(q))
    c.print(quote_footer(q))
    if args.explain:
        c.print(explain_tree(q, args.explain_depth))
    return 0


def cmd_packs(args: Any) -> int:
    import normkit.api  # noqa: F401  (the domains register their pack sections on import)
    from normkit.core.loader import read_pack
    from normkit.core.registry import installed_packs

    out: list[dict[str, Any]] = []
    for path in installed_packs():
        try:
            m = read_pack(path).manifest
            out.append({"id": m.id, "version": m.version, "title_vi": m.title.vi, "title_en": m.title.en, "status": m.status,
                        "valid_from": str(m.valid.from_), "valid_to": str(m.valid.to) if m.valid.to else None,
                        "extends": m.extends, "path": str(path)})
        except NormkitError as e:
            out.append({"id": path.name, "error": e.to_dict(), "path": str(path)})
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    from normkit.cli.render import console, table

    t = table(title="Installed rule packs / Bộ quy tắc đã cài", header_style="bold")
    for col in ("id", "version", "title", "valid", "status"):
        t.add_column(col)
    for p in out:
        if "error" in p:
            t.add_row(p["id"], "", f"[red]{p['error']['message']}[/red]", "", "error")
        else:
            t.add_row(p["id"], p["version"], f"{p['title_vi']}\n[dim]{p['title_en']}[/dim]",
                      f"{p['valid_from']} → {p['valid_to'] or '…'}", p["status"])
    console().print(t)
    return 0


def cmd_show(args: Any) -> int:
    from normkit.cli.show import show

    return show(args.name, args.pack, args.json, use_cache=not args.no_cache)


def cmd_lint(args: Any) -> int:
    from normkit.cli.lint import lint

    return lint(args.pack_dir, args.json)


def cmd_schema(args: Any) -> int:
    from normkit.api import schema

    print(json.dumps(schema(args.kind), ensure_ascii=False, indent=2))
    return 0


def cmd_units(args: Any) -> int:
    from normkit.core.units import VOCABULARY

    rows: list[dict[str, Any]] = [{"name": u.name, "definition": u.definition, "vi": u.vi, "en": u.en, "aliases": list(u.aliases)}
                                  for u in VOCABULARY]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    from normkit.cli.render import console, table

    t = table(title="Unit vocabulary / Đơn vị", header_style="bold")
    for col in ("name", "definition", "tiếng Việt", "English", "aliases"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["name"], r["definition"], r["vi"], r["en"], ", ".join(r["aliases"]))
    console().print(t)
    return 0


# The domains' commands, then the HTTP service: each module (normkit.cli.<name>) with the sub-commands
# its ``register`` adds, in order, and their help (tests/cli/test_warm_start.py checks both against it).
COMMAND_MODULES: tuple[tuple[str, dict[str, str]], ...] = (
    ("media", {
        "import-norms": "import a province's norm table (.csv/.xlsx) into a pack, checking every row",
        "export-norms": "write a pack's own norms as a norm table (.csv/.xlsx) that import-norms reads back",
        "export-quote": "price an order and write it as an XLSX unit-price sheet (bảng đơn giá)",
        "whatif": "compare an order's price with and without changed values, line by line",
    }),
    ("poverty", {
        "classify": "classify households (poor / near-poor / middle / none) from a CSV or Parquet file",
        "household": "classify one household and explain how",
        "rates": "counts and rates (2 decimals) of poor and near-poor households, by any column",
        "targets": "judge the QĐ 90 targets between two reviews (met / not met, with margins)",
        "compare-standards": "classify the same households under two standards; print the transition matrix",
        "check-published": "check a published review table: parts that do not add up, rates that do not match",
        "indicators": "list a poverty standard's lines and indicators (names in vi/en, dimension)",
    }),
    ("deprivations", {
        "deprivations": "deprived households and rates per indicator and dimension (e.g. information), by group",
    }),
    ("budget", {
        "check": "check a budget (dự toán) or settlement (quyết toán) against the norm ceilings",
    }),
    ("serve", {
        "serve": "serve quote, check, packs and schemas over HTTP (needs normkit[server])",
    }),
)

COMMANDS: dict[str, Callable[[Any], int]] = {name: guarded(handler) for name, handler in {
    "price": cmd_price, "packs": cmd_packs, "show": cmd_show, "lint": cmd_lint, "schema": cmd_schema, "units": cmd_units,
}.items()}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
