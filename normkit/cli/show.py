"""``normkit show NAME``: a norm, parameter, table, formula, adjustment or input, with its dated
values and sources; ``normkit show PACK``: every name the pack set defines (the listing of
:func:`normkit.media.listing.listing`). An unknown name gets its close matches."""

from __future__ import annotations

import json
from typing import Any

from normkit.core.errors import NormkitError
from normkit.core.names import did_you_mean
from normkit.media.listing import all_names, describe, listing


def _flag(verified: bool, why: str | None) -> str:
    """``yes``, or ``no`` with the reason, for the text view."""
    from rich.markup import escape

    return "yes" if verified else f"[yellow]no[/yellow] {escape(why or '')}".rstrip()


def find(name: str, pack: str | None, *, use_cache: bool = True) -> dict[str, Any]:
    from normkit.api import rules_for
    from normkit.core.registry import installed_packs

    candidates = [pack] if pack is not None else [str(p) for p in installed_packs()]
    first: dict[str, Any] | None = None
    known: set[str] = set()
    for ref in candidates:
        try:
            c = rules_for(ref, use_cache=use_cache).compiled
        except NormkitError:
            if pack is not None:
                raise
            continue
        found = describe(c, name)
        if found is None:
            known.update(all_names(c))
        if found is None:
            continue
        if pack is not None or found.get("replaces") is None:
            return found  # the entry as its own pack defines it (a province's copy names the one it replaces)
        first = first or found
    if first is not None:
        return first
    if pack is None:
        known.update(p.name for p in installed_packs())  # `normkit show PACK` lists a pack
    close = did_you_mean(name, known)
    raise NormkitError("NK202", f"{name!r} is not a norm, parameter, table, formula, adjustment or input of "
                       + (f"pack {pack}" if pack else "any installed pack"),
                       hint=close or ("`normkit show PACK` lists every name a pack defines" if pack else
                                      "give --pack for a pack outside the search path; `normkit packs` lists installed packs"))


def as_pack(ref: str) -> str | None:
    """``ref`` when it names a pack (an installed id, or a folder holding pack.yaml), else None."""
    from normkit.core.registry import find_pack

    try:
        find_pack(ref)
    except NormkitError:
        return None
    return ref


def pack_listing(pack: str, *, use_cache: bool = True) -> dict[str, Any]:
    """The listing of every name ``pack`` (with the packs it extends) defines."""
    from normkit.api import rules_for

    return listing(rules_for(pack, use_cache=use_cache).compiled)


def show_pack(pack: str, as_json: bool, *, use_cache: bool = True) -> int:
    info = pack_listing(pack, use_cache=use_cache)
    if as_json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    from rich.markup import escape
    from rich.table import Table

    from normkit.cli.render import console

    con = console()
    con.print(f"[bold]{escape(info['pack'])}[/bold] {escape(info['version'])} — {escape(info['title_vi'])}\n"
              f"[dim]{escape(info['title_en'])}[/dim]\npacks: {', '.join(info['packs'])}")
    t = Table("kind", "name", "label", "unit", "from", "to", "verified", header_style="bold")
    for e in info["names"]:
        verified = {True: "yes", False: "[yellow]no[/yellow]", None: ""}[e["verified"]]
        t.add_row(e["kind"], escape(e["name"]), f"{escape(e['label_vi'])}\n[dim]{escape(e['label_en'])}[/dim]", escape(e["unit"]),
                  e["from"] or "", e["to"] or ("…" if e["from"] else ""), verified)
    con.print(t)
    con.print("[dim]normkit show NAME --pack " + escape(pack) + " shows one name with its values and sources[/dim]")
    return 0


def show(name: str | None, pack: str | None, as_json: bool, *, use_cache: bool = True) -> int:
    if name is None:
        if pack is None:
            raise NormkitError("NK202", "give a NAME, a PACK, or --pack PACK to list its names",
                               hint="e.g. normkit show vn-wages, or normkit show base_salary --pack vn-wages")
        return show_pack(pack, as_json, use_cache=use_cache)
    if pack is None and as_pack(name) is not None:
        return show_pack(name, as_json, use_cache=use_cache)
    info = find(name, pack, use_cache=use_cache)
    if as_json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    from rich.markup import escape
    from rich.table import Table

    from normkit.cli.render import console

    con = console()
    title = info.get("label_vi") or info.get("name_vi")
    title_en = info.get("label_en") or info.get("name_en")
    con.print(f"[bold]{escape(info.get('code') or info['name'])}[/bold] ({info['kind']}, pack {info['pack']})\n"
              f"{escape(str(title))}\n[dim]{escape(str(title_en))}[/dim]")
    if info["kind"] == "parameter":
        t = Table("from", "to", "value", "source", "verified", header_style="bold")
        for v in info["values"]:
            t.add_row(v["from"], v["to"] or "", f"{v['value']} {info['unit']}", escape((v["source"] or {}).get("document", "")),
                      _flag(v["verified"], v["why"]))
        if not info["values"]:
            con.print(f"[yellow]no values: supplied by the {info['supplied_by'] or 'user'}[/yellow]")
        con.print(t)
    elif info["kind"] == "table":
        for v in info["versions"]:
            t = Table(*info["keys"], "value", title=f"from {v['from']} ({v['pack']}) — {escape((v['source'] or {}).get('document', ''))}", header_style="bold")
            for r in v["rows"]:
                t.add_row(*[escape(str(x)) for x in r[:-1]])
            con.print(t)
            con.print(f"verified: {_flag(v['verified'], v['why'])}")
    elif info["kind"] == "norm":
        con.print(f"unit: {info['output_unit']}  duration: {info['duration'] or '—'}  in force {info['valid_from']} → {info['valid_to'] or '…'}")
        con.print(f"source: {escape((info['source'] or {}).get('document', ''))}  verified: {_flag(info['verified'], info['why'])}")
        t = Table("component", "line", "quantity", "scale/step", "verified", header_style="bold")
        for ln in info["lines"]:
            ss = f"{ln['scale']} {ln['step']}/{ln['steps']}" if ln["scale"] else ""
            t.add_row(ln["component"], f"{escape(ln['label_vi'])}\n[dim]{escape(ln['label_en'])}[/dim]", f"{ln['quantity']} {ln['unit']}", ss,
                      _flag(ln["verified"], ln["why"]))
        con.print(t)
        for note in info["notes"]:
            con.print(f"[dim]• {escape(note)}[/dim]")
    else:
        con.print_json(data=info)
    return 0
