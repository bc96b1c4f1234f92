"""Extension points: how a domain (media pricing, …) adds pack sections, a compile step and
lint steps to the domain-free engine, without the engine knowing the domain.

A domain describes itself once as a :class:`Domain` and calls :func:`register_domain` when its
package is imported (the media package does; :mod:`normkit.api` imports the domains). Then:

- pack files may hold the domain's sections (:mod:`normkit.core.sections` composes the pack-file
  models from the core sections and the registered ones: validation keeps exact file positions,
  unknown sections are still refused, ``normkit schema pack`` shows them);
- the loader files each section's definitions under ``PackSource.sections[name]`` (a keyed
  section: a mapping name → entry) or ``PackSource.blocks[name]`` (one value per file, e.g.
  media's ``pricing:``);
- after the core has checked inputs, parameters, tables, formulas and adjustments, the compiler
  calls each domain's ``compile`` step with a :class:`BuildApi` and stores what it returns under
  ``CompiledSet.domains[domain.name]``;
- ``normkit lint`` runs each domain's ``lint`` step on the compiled set.

A second domain needs no edit of the compiler::

    register_domain(Domain("notes", sections=(SectionSpec("notes", dict[str, str]),),
                           compile=lambda api: {n: d.model for p in api.packs for n, d in p.sections["notes"].items()}))
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.records import Frozen
from normkit.core.sections import SectionSpec, add_sections

_set = object.__setattr__

__all__ = ["BuildApi", "Domain", "DomainLint", "SectionSpec", "register_domain", "registered"]

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.compiled import CompiledSet, InputC
    from normkit.core.io.yaml import SourceMap
    from normkit.core.lang.syntax import Expression
    from normkit.core.lang.typecheck import Scope, Type, UnitAlgebra
    from normkit.core.loader import PackSource
    from normkit.core.units import Vocabulary


class BuildApi(Protocol):
    """What a domain's compile step may use of the compiler, and nothing more.

    ``packs`` are the packs of the set, base first; each holds its definitions by section
    (``pack.sections[name]`` for keyed sections, ``pack.blocks[name]`` for blocks)."""

    @property
    def packs(self) -> list[PackSource]: ...
    @property
    def errors(self) -> ErrorCollector: ...
    @property
    def vocab(self) -> Vocabulary: ...
    @property
    def algebra(self) -> UnitAlgebra: ...
    @property
    def inputs(self) -> dict[str, InputC]: ...

    def attempt(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)``; a NormkitError it raises is collected and None returned."""

    def expression(self, text: str, smap: SourceMap, path: tuple[str | int, ...]) -> Expression:
        """Parse ``text`` written at ``path`` of a file (errors point into the file)."""

    def scope(self, item: dict[str, Type] | None = None) -> Scope:
        """The checked names of the pack set (parameters, inputs, tables, formulas), plus
        ``item``: names the domain provides per evaluated item."""

    def check(self, expr: Expression, scope: Scope, want: Type | None = None) -> tuple[Type, Any]:
        """Type- and unit-check ``expr`` in ``scope``: its type and its IR."""

    def source_key(self, pack: PackSource, ref: Any, loc: Location) -> str | None:
        """The key under ``CompiledSet.sources`` of a source reference (an id or inline)."""

    def verified(self, explicit: bool | None, source: str | None) -> bool:
        """An item's verified flag: its own, else its source's."""


class DomainLint(Frozen):
    """What a domain's lint step reports: problems (errors that fail ``normkit lint``), counts
    for the summary line, and unverified items (``"norm 01.03"``)."""

    __slots__ = ("counts", "findings", "unverified")
    __match_args__ = ("findings", "counts", "unverified")
    findings: list[NormkitError]
    counts: dict[str, int]
    unverified: set[str]

    def __init__(self, findings: list[NormkitError] | None = None, counts: dict[str, int] | None = None, unverified: set[str] | None = None) -> None:
        _set(self, "findings", [] if findings is None else findings)
        _set(self, "counts", {} if counts is None else counts)
        _set(self, "unverified", set() if unverified is None else unverified)


class Domain(Frozen):
    """A domain as the engine sees it. ``compile`` returns the domain's compiled part (plain
    dataclasses, so the compiled set can be cached); ``compiled_form_files`` are the source files
    whose content decides that part (they enter the cache key)."""

    __slots__ = ("compile", "compiled_form_files", "lint", "name", "sections")
    __match_args__ = ("name", "sections", "compile", "lint", "compiled_form_files")
    name: str
    sections: tuple[SectionSpec, ...]
    compile: Callable[[BuildApi], object] | None
    lint: Callable[[CompiledSet], DomainLint] | None
    compiled_form_files: tuple[Path, ...]

    def __init__(self, name: str, sections: tuple[SectionSpec, ...] = (), compile: Callable[[BuildApi], object] | None = None, lint: Callable[[CompiledSet], DomainLint] | None = None, compiled_form_files: tuple[Path, ...] = ()) -> None:
        given = locals()  # the field `compile` read without naming it (tests/test_no_code_execution.py scans for the builtin)
        for name_ in self.__match_args__:
            _set(self, name_, given[name_])


_lock = threading.Lock()
_domains: dict[str, Domain] = {}


def register_domain(domain: Domain) -> None:
    """Add ``domain`` (its sections, compile step, lint step); registering the same domain
    again is a no-op. A section name the core or another domain already uses is refused."""
    with _lock:
        if _domains.get(domain.name) == domain:
            return
        add_sections(domain.name, domain.sections)
        _domains[domain.name] = domain


def registered() -> tuple[Domain, ...]:
    """The registered domains, in registration order."""
    return tuple(_domains.values())
