"""The workspace's routes: one GET (the form) and one POST (the result) per page.

Every result comes from the engine's own functions (the CLI's and the JSON API's): pricing
(:meth:`PricingRules.quote`), what-if (:func:`normkit.media.whatif.compare`/``sweep``), budget
checks (:func:`normkit.budget.checking.check`), households (:func:`normkit.poverty.run.classify_file`,
``rates_file``, :func:`normkit.poverty.deprivations.count_deprivations`) and pack listings
(:func:`normkit.media.listing.describe`). Downloads are built in the same response and carried
in the page (``data:`` links), so nothing a user uploads is kept after the response.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from normkit.api import WhatIf
from normkit.budget.checking import check, find_named_pack
from normkit.budget.reading import read_budget
from normkit.core.dating import in_force
from normkit.core.errors import Location, NormkitError
from normkit.core.loader import read_pack
from normkit.core.registry import installed_packs
from normkit.core.runtime import Missing, evaluate
from normkit.media.compiled import media_part
from normkit.media.components import COMPONENTS
from normkit.media.listing import describe, without_paths
from normkit.media.listing import names as listing
from normkit.media.order_check import Order
from normkit.media.orders import load_order, order_from_data, parse_set
from normkit.media.pricing import PricingRules
from normkit.server.web import charts, exports, text
from normkit.server.web.exports import data_url
from normkit.server.web.uploads import (
    BUDGET_KINDS,
    HOUSEHOLD_KINDS,
    MAX_HOUSEHOLD_ROWS,
    ORDER_KINDS,
    Upload,
    error_rows,
    form_date,
    form_number,
    form_year,
    shown_name,
    stored,
)

HERE = Path(__file__).parent
ITEM_ROWS = 5
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
PAGES = ("price", "whatif", "check", "households", "packs")
STATIC = {"web.css": "text/css; charset=utf-8", "web.js": "text/javascript; charset=utf-8"}
DEFAULT_PACK = "example-province"


class PackSource(Protocol):
    """Rule sets by installed pack name, loaded once (the service's ``Packs``)."""

    def get(self, name: str) -> PricingRules: ...


def environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.globals.update(money=text.money, plain=text.plain, signed=text.signed, unit_rate=text.unit_rate, unit_name=text.unit_name, amount_text=text.amount_text, label=text.label, icons=text.SEVERITY_ICON,
                       components=COMPONENTS)
    return env


def pack_name(value: str | None, field: str = "pack") -> str:
    """A pack chosen on a form: an installed pack's name, never a path."""
    value = (value or "").strip()
    if not NAME_RE.match(value):
        raise NormkitError("NK904", f"{value[:80]!r} is not an installed pack's name (the page never takes a path)",
                           location=Location(path=field))
    return value


def order_items(form: Any, rules: PricingRules) -> list[dict[str, Any]]:
    """The item rows of a price or what-if form as order items (empty rows skipped)."""
    inputs = [i for i in rules.compiled.inputs.values() if i.scope == "item"]
    items: list[dict[str, Any]] = []
    for i in range(ITEM_ROWS):
        norm = str(form.get(f"norm{i}") or "").strip().split(" — ")[0].strip()
        if not norm:
            continue
        qty = form_number(str(form.get(f"qty{i}") or ""), f"qty{i}")
        item: dict[str, Any] = {"id": f"item-{i + 1}", "norm": norm, "quantity": qty if qty is not None else Decimal(1)}
        opts: dict[str, Any] = {}
        for inp in inputs:
            raw = str(form.get(f"opt{i}_{inp.name}") or "").strip()
            if raw:
                number = None
                with contextlib.suppress(NormkitError):
                    number = form_number(raw, f"opt{i}_{inp.name}")
                opts[inp.name] = number if number is not None and inp.type == "number" else raw
        if opts:
            item["inputs"] = opts
        items.append(item)
    if not items:
        raise NormkitError("NK917", "add at least one item: a norm code and its quantity", location=Location(path="norm0"))
    return items


def form_order(form: Any, rules: PricingRules) -> Order:
    date = form_date(str(form.get("date") or ""), "date") or dt.date.today()
    oid = str(form.get("order_id") or "").strip()[:80] or "WEB-ORDER"
    return order_from_data({"normkit_order": 1, "id": oid, "date": date, "items": order_items(form, rules)})


def uploaded_order(upload: Upload, date: dt.date | None, rules: PricingRules) -> Order:
    """An uploaded order (YAML, JSON, or a spreadsheet: :mod:`normkit.server.web.orders`); its
    ``packs`` are ignored (the page's pack is used), ``date`` overrides ``at``."""
    from normkit.server.web.orders import xlsx_order

    with stored(upload, ORDER_KINDS, "file") as path:
        if path.suffix == ".xlsx":
            inputs = [i.name for i in rules.compiled.inputs.values() if i.scope == "item"]
            return xlsx_order(path, shown_name(upload.filename), date, inputs)
        order = load_order(path)
    changes: dict[str, Any] = {"packs": []}
    if date is not None:
        changes["at"] = date
    return order.model_copy(update=changes)


def quote_view(q: Any) -> dict[str, Any]:
    """A quote as the page shows it: items with their lines by component, each line with its trace node."""
    from normkit.media.whatif import line_nodes

    nodes = line_nodes(q)
    items = []
    for item in q.items:
        groups = []
        for comp in COMPONENTS:
            lines = [{"line": ln, "node": nodes.get(i)} for i, ln in enumerate(q.lines) if ln.item == item.id and ln.component == comp]
            if lines:
                groups.append({"component": comp, "lines": lines, "subtotal": item.subtotals.get(comp)})
        items.append({"item": item, "groups": groups})
    return {"q": q, "items": items}


def quote_downloads(q: Any) -> dict[str, str]:
    from normkit.media.xlsx import write_quote_xlsx

    return {"xlsx": data_url(exports.to_bytes(lambda p: write_quote_xlsx(q, p), ".xlsx"),
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "json": data_url(q.to_json(trace=True).encode("utf-8"), "application/json")}


def router(packs: PackSource) -> APIRouter:
    """The workspace's pages, sharing the service's rule sets (``packs``)."""
    r = APIRouter(include_in_schema=False)
    env = environment()
    known: dict[str, list[dict[str, Any]]] = {}

    def installed() -> list[dict[str, Any]]:
        """Installed packs (id, title, status, and whether they price orders), read once."""
        if "all" not in known:
            out = []
            for path in installed_packs():
                try:
                    m = read_pack(path).manifest
                    rules = packs.get(m.id)
                    out.append({"id": m.id, "title_vi": m.title.vi, "title_en": m.title.en, "status": m.status,
                                "norms": len(media_part(rules.compiled).norms), "prices": bool(rules.compiled.tables.get("machine_hour_rate"))})
                except NormkitError:
                    continue
            known["all"] = out
        return known["all"]

    def pricing_packs() -> list[dict[str, Any]]:
        return [p for p in installed() if p["prices"]]

    def default_pack(chosen: str | None) -> str | None:
        names = [p["id"] for p in pricing_packs()]
        if chosen in names:
            return chosen
        return DEFAULT_PACK if DEFAULT_PACK in names else (names[0] if names else None)

    def render(request: Request, template: str, *, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = text.lang_of(request.query_params.get("lang"))
        locked = bool(request.scope.get("state", {}).get("normkit_locked"))

        def t(key: str) -> str:
            return text.word(key, lang)

        def href(path: str, **params: Any) -> str:
            query = [(k, str(v)) for k, v in params.items() if v not in (None, "")]
            if lang == "en":
                query.append(("lang", "en"))
            from urllib.parse import urlencode

            return path + ("?" + urlencode(query) if query else "")

        other = "en" if lang == "vi" else "vi"
        from urllib.parse import urlencode

        switch = request.url.path + "?" + urlencode([*[(k, v) for k, v in request.query_params.multi_items() if k != "lang"], ("lang", other)])
        base = {"lang": lang, "t": t, "href": href, "pages": PAGES, "switch": switch, "locked": locked,
                "current": template.removesuffix(".html"), "errors": [], "token_required": bool(request.scope.get("state", {}).get("normkit_token"))}
        if locked:
            template = "locked.html"
        html = env.get_template(template).render(**{**base, **ctx})
        return HTMLResponse(html, status_code=status if not locked else 200)

    def locked(request: Request) -> HTMLResponse | None:
        """The token shell, when the server needs a token and the request sent none (no data is read)."""
        return render(request, "locked.html") if request.scope.get("state", {}).get("normkit_locked") else None

    async def read_form(request: Request) -> tuple[Any, Upload | None]:
        form = await request.form(max_files=1, max_fields=200)
        f = form.get("file")
        upload = Upload(f.filename or "", await f.read()) if isinstance(f, UploadFile) and f.filename else None
        return form, upload

    async def guarded(request: Request, template: str, work: Callable[[], dict[str, Any]], form_ctx: dict[str, Any]) -> HTMLResponse:
        try:
            result = await run_in_threadpool(work)
        except NormkitError as e:
            return render(request, template, status=422, errors=error_rows(e), **form_ctx)
        return render(request, template, **form_ctx, **result)

    # ---- static files and home --------------------------------------------------------------

    @r.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            raise NormkitError("NK908", f"no static file {name[:80]!r}", location=Location(path="path"))
        return Response((HERE / "static" / name).read_bytes(), media_type=STATIC[name],
                        headers={"cache-control": "no-cache", "x-content-type-options": "nosniff"})

    @r.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        if (shell := locked(request)) is not None:
            return shell
        return render(request, "home.html", packs=installed())

    # ---- price ------------------------------------------------------------------------------

    def price_form(pack: str | None, form: Any = None) -> dict[str, Any]:
        name = default_pack(pack)
        rules = packs.get(name) if name else None
        norms = sorted(media_part(rules.compiled).norms.values(), key=lambda n: n.code) if rules else []
        inputs = [i for i in rules.compiled.inputs.values() if i.scope == "item"] if rules else []
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)} if form is not None else {}
        return {"pack_list": pricing_packs(), "pack": name, "norms": norms, "inputs": inputs, "rows": range(ITEM_ROWS), "values": values,
                "today": str(dt.date.today())}

    @r.get("/price", response_class=HTMLResponse)
    def price_page(request: Request, pack: str | None = None) -> HTMLResponse:
        if (shell := locked(request)) is not None:
            return shell
        return render(request, "price.html", **price_form(pack))

    @r.post("/price", response_class=HTMLResponse)
    async def price_post(request: Request) -> HTMLResponse:
        form, upload = await read_form(request)

        def work() -> dict[str, Any]:
            rules = packs.get(pack_name(str(form.get("pack") or "")))
            if upload is not None:
                order = uploaded_order(upload, form_date(str(form.get("date") or ""), "date"), rules)
            else:
                order = form_order(form, rules)
            q = rules.quote(order)
            return {"result": quote_view(q), "downloads": quote_downloads(q)}

        return await guarded(request, "price.html", work, price_form(str(form.get("pack") or ""), form))

    # ---- what-if ----------------------------------------------------------------------------

    def whatif_form(pack: str | None, form: Any = None) -> dict[str, Any]:
        ctx = price_form(pack, form)
        rules = packs.get(ctx["pack"]) if ctx["pack"] else None
        at = dt.date.today()
        if form is not None:
            with contextlib.suppress(NormkitError):
                at = form_date(str(form.get("date") or ""), "date") or at
        params = []
        if rules is not None:
            for p in sorted(rules.compiled.params.values(), key=lambda p: (p.name != "base_salary", p.name)):
                current = None
                with contextlib.suppress(NormkitError, Missing):
                    current = evaluate(rules, p.name, at)[0]
                params.append({"name": p.name, "label_vi": p.label.vi, "label_en": p.label.en, "unit": p.unit,
                               "current": None if current is None else str(current)})
        ctx["params"] = params
        ctx["table_rows"] = rate_rows(rules, at) if rules is not None else []
        return ctx

    def rate_rows(rules: Any, at: dt.date) -> list[dict[str, str]]:
        """The rows of the tables in force at ``at``, named as ``--set`` takes them (``table[key]``), at most 500:
        the rate card's tables first (what an officer changes), then the national ones."""
        out: list[dict[str, str]] = []
        for t in sorted(rules.compiled.tables.values(), key=lambda t: (t.supplied_by != "rate_card", t.name)):
            version = in_force(t.layers, at)
            if version is None:
                continue
            for key, rows in version.rows.items():
                row = rows[0]
                out.append({"name": f"{t.name}[{','.join(str(k) for k in key)}]", "current": str(row.value), "unit": row.unit})
                if len(out) >= 500:
                    return out
        return out

    @r.get("/whatif", response_class=HTMLResponse)
    def whatif_page(request: Request, pack: str | None = None) -> HTMLResponse:
        if (shell := locked(request)) is not None:
            return shell
        return render(request, "whatif.html", **whatif_form(pack))

    @r.post("/whatif", response_class=HTMLResponse)
    async def whatif_post(request: Request) -> HTMLResponse:
        from normkit.media.whatif import compare, sweep

        form, upload = await read_form(request)
        lang = text.lang_of(request.query_params.get("lang"))

        def work() -> dict[str, Any]:
            rules = packs.get(pack_name(str(form.get("pack") or "")))
            date = form_date(str(form.get("date") or ""), "date")
            order = uploaded_order(upload, date, rules) if upload is not None else form_order(form, rules)
            overrides = {p: str(form.get(f"set_{p}")).strip() for p in rules.compiled.params if str(form.get(f"set_{p}") or "").strip()}
            row_lines = [ln.strip() for ln in str(form.get("set_rows") or "").splitlines() if ln.strip()]
            overrides.update(parse_set(row_lines, field="set_rows"))  # table[key]=value, as --set reads it
            variant = WhatIf(values=overrides, label="web").apply(rules)
            sweep_name = str(form.get("sweep_param") or "").strip()
            sweep_values = [v.strip() for v in str(form.get("sweep_values") or "").split(",") if v.strip()]
            out: dict[str, Any] = {}
            if overrides:
                out["comparison"] = compare(rules.quote(order), variant.quote(order))
            if sweep_name and sweep_values:
                s = sweep(variant, order, sweep_name, sweep_values)
                out["sweep"] = s
                out["sweep_chart"] = charts.line_chart([(v, t, text.money(t)) for v, t in zip(s.values, s.totals[1:], strict=True)],
                                                       title=f"{sweep_name} → {text.word('total', lang)}", x_label=sweep_name, y_label="VND",
                                                       reference=(text.word("baseline", lang), s.totals[0], text.money(s.totals[0])))
            if not out:
                raise NormkitError("NK806", "change at least one parameter or rate-card row, or give a parameter and values to sweep",
                                   location=Location(path="set_base_salary"))
            return out

        return await guarded(request, "whatif.html", work, whatif_form(str(form.get("pack") or ""), form))

    # ---- budget check -----------------------------------------------------------------------

    def check_form(form: Any = None) -> dict[str, Any]:
        return {"pack_list": pricing_packs(), "pack": str(form.get("pack") or "") if form is not None else ""}

    @r.get("/check", response_class=HTMLResponse)
    def check_page(request: Request) -> HTMLResponse:
        if (shell := locked(request)) is not None:
            return shell
        return render(request, "check.html", **check_form())

    @r.post("/check", response_class=HTMLResponse)
    async def check_post(request: Request) -> HTMLResponse:
        form, upload = await read_form(request)

        def work() -> dict[str, Any]:
            if upload is None:
                raise NormkitError("NK915", f"choose a file ({', '.join(BUDGET_KINDS)})", location=Location(path="file"))
            with stored(upload, BUDGET_KINDS, "file") as path:
                budget = read_budget(path)
            chosen = str(form.get("pack") or "").strip()
            if not chosen:
                if budget.pack is None or not NAME_RE.match(budget.pack):
                    raise NormkitError("NK904", f"the budget names its pack as {budget.pack!r}: choose an installed pack on the form",
                                       location=Location(path="pack"))
                chosen = budget.pack
            rules = packs.get(pack_name(chosen))
            if isinstance(budget.overlay, str):
                raise NormkitError("NK904", "an overlay file cannot be named here; give the overlay inline (`overlay: {set: {...}}`)",
                                   location=Location(path="budget.overlay"))
            rules = WhatIf(overlay=budget.overlay).apply(rules)
            report = check(budget, rules=rules, at=form_date(str(form.get("date") or ""), "date"))
            downloads = {"xlsx": data_url(exports.to_bytes(lambda p: exports.write_report_xlsx(report, p), ".xlsx"),
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                         "json": data_url(report.to_json().encode("utf-8"), "application/json")}
            return {"report": report, "downloads": downloads, "budget_id": budget.id}

        return await guarded(request, "check.html", work, check_form(form))

    # ---- households -------------------------------------------------------------------------

    def standards() -> list[str]:
        return [p["id"] for p in installed() if p["id"].startswith("vn-poverty-") and not p["id"].startswith("vn-poverty-targets")]

    def households_form(form: Any = None) -> dict[str, Any]:
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)} if form is not None else {}
        return {"standard_list": standards(), "values": values, "max_rows": MAX_HOUSEHOLD_ROWS}

    def household_choice(form: Any, upload: Upload | None, what: str) -> tuple[int | None, Path | None, Upload]:
        """The review year, the standard pack chosen by name, and the uploaded file of a households form."""
        year = form_year(str(form.get("year") or ""), "year")
        std_name = str(form.get("standard") or "").strip()
        standard = find_named_pack(pack_name(std_name, "standard")) if std_name else None
        if upload is None:
            raise NormkitError("NK915", f"choose {what} ({', '.join(HOUSEHOLD_KINDS)})", location=Location(path="file"))
        return year, standard, upload

    @r.get("/households", response_class=HTMLResponse)
    def households_page(request: Request) -> HTMLResponse:
        if (shell := locked(request)) is not None:
            return shell
        return render(request, "households.html", **households_form())

    @r.post("/households", response_class=HTMLResponse)
    async def households_post(request: Request) -> HTMLResponse:
        from normkit.server.web.households import run_households

        form, upload = await read_form(request)
        lang = text.lang_of(request.query_params.get("lang"))

        def work() -> dict[str, Any]:
            year, standard, file = household_choice(form, upload, "a file")
            return run_households(file, year, standard, lang)

        return await guarded(request, "households.html", work, households_form(form))

    @r.post("/households/compare", response_class=HTMLResponse)
    async def households_compare(request: Request) -> HTMLResponse:
        from normkit.server.web.households import compare_households

        form, upload = await read_form(request)
        lang = text.lang_of(request.query_params.get("lang"))

        def work() -> dict[str, Any]:
            year, standard, file = household_choice(form, upload, "the earlier review's file")
            return compare_households(file, year, standard, str(form.get("later") or ""), lang)

        return await guarded(request, "households.html", work, households_form(form))

    # ---- packs ------------------------------------------------------------------------------

    @r.get("/packs", response_class=HTMLResponse)
    def packs_page(request: Request, pack: str | None = None, name: str | None = None, q: str | None = None) -> HTMLResponse:
        if (shell := locked(request)) is not None:
            return shell
        ctx: dict[str, Any] = {"pack_list": installed(), "pack": None, "entries": [], "detail": None, "q": q or "", "name": name}
        if pack:
            rules = packs.get(pack_name(pack))
            ctx["pack"] = pack
            ctx["entries"] = listing(rules.compiled)
            if name:
                ctx["detail"] = without_paths(describe(rules.compiled, name))
                if ctx["detail"] is None:
                    return render(request, "packs.html", status=404, errors=error_rows(NormkitError(
                        "NK205", f"{pack} defines no name {name[:80]!r}", location=Location(path="name"))), **ctx)
        return render(request, "packs.html", **ctx)

    return r


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)
