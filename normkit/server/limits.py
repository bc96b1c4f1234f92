"""The service's limits, importable without the server extra (``normkit serve`` reads them),
and the work a request asks for, counted before any of it is done.

The work of a quote is the number of priced lines it would make: for each item, its norm's
lines plus the pack's extras (items × norm lines). A budget check prices one unit of each
budget line's product, so its work is counted the same way per budget line. A request over
``max_work`` — or over ``max_trace_work`` when it asks for the trace, which holds a node for
every priced line — is refused with NK909 (HTTP 413) before anything is priced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from normkit.core.errors import Location, NormkitError


@dataclass(frozen=True)
class Limits:
    """The service's limits (``normkit serve`` options; docs/integration.md)."""

    max_body: int = 1_000_000
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_concurrent: int = 32
    token: str | None = None
    max_work: int = 200_000  # priced lines (items × norm lines, extras included) per request
    max_trace_work: int = 20_000  # the same, when the request asks for the trace


def work_of(rules: Any, products: Iterable[str]) -> int:
    """Priced lines for one unit of each of ``products`` (norm codes or product ids) with ``rules``:
    the norm's lines (a derived norm's base lines) plus the pack's extras; a product that is not a
    norm code counts as the longest norm of the pack (it names one of them, or prices nothing)."""
    from normkit.media.compiled import media_part

    media = media_part(rules.compiled)
    sizes: dict[str, int] = {}
    for code, norm in media.norms.items():
        lines = norm.lines
        if not lines and norm.derive_from and norm.derive_from in media.norms:
            lines = media.norms[norm.derive_from].lines
        sizes[code] = len(lines)
    longest = max(sizes.values(), default=1)
    extras = len(media.extras)
    return sum(sizes.get(p, longest) + extras for p in products)


def require_work(work: int, trace: bool, limits: Limits, what: str, path: str) -> None:
    """Refuse (NK909) a request whose ``work`` (priced lines) is over the limit for it."""
    limit = limits.max_trace_work if trace else limits.max_work
    if work > limit:
        kind = "with its trace " if trace else ""
        raise NormkitError("NK909", f"{what} asks for {work:,} priced lines {kind}(items × norm lines); the limit per request is {limit:,}",
                           location=Location(path=path))
