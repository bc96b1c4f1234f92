"""The sections a pack file may hold: the core's own, plus those domains registered (through
:func:`normkit.core.extensions.register_domain`), and the pack-file models composed from them.

Kept apart from :mod:`normkit.core.extensions` so that the loader depends on the section list
alone, not on the compiler's extension API.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from normkit.core.records import Frozen

_set = object.__setattr__

if TYPE_CHECKING:
    from normkit.core.schema import PackDocument, PackFile

# The field names of :class:`normkit.core.schema.Sections` and :class:`~normkit.core.schema.Manifest`,
# written out so that registering a domain (at every start) does not build the pack-file models;
# tests/test_extensions.py checks they equal the models' fields.
CORE_SECTIONS = ("sources", "units", "inputs", "parameters", "tables", "formulas", "adjustments")
MANIFEST_FIELDS = ("normkit", "id", "title", "version", "jurisdiction", "legal_basis", "valid", "extends", "status",
                   "description", "money", "files")


class SectionSpec(Frozen):
    """One top-level section a domain adds to pack files.

    ``annotation`` is the type of the section's value as written (e.g. ``dict[NormCode, Norm]``
    for a keyed section, ``Pricing | None`` for a block). A keyed section is a mapping of names to
    entries: each entry becomes one definition, and a name written twice in one pack is NK203.
    A block (``keyed=False``) is one value per file, kept per file in reading order.

    With ``deferred=True``, ``annotation`` is a function of no arguments that returns the type
    (``lambda: dict[NormCode, Norm]``, importing the models inside): the models are then imported
    only when a pack is read or a schema written, never by a start that reads a compiled set
    from the cache (docs/performance.md, "Warm start")."""

    __slots__ = ("annotation", "deferred", "description", "keyed", "name")
    __match_args__ = ("name", "annotation", "keyed", "description", "deferred")
    name: str
    annotation: Any
    keyed: bool
    description: str | None
    deferred: bool

    def __init__(self, name: str, annotation: Any, keyed: bool = True, description: str | None = None, deferred: bool = False) -> None:
        _set(self, "name", name)
        _set(self, "annotation", annotation)
        _set(self, "keyed", keyed)
        _set(self, "description", description)
        _set(self, "deferred", deferred)

    def value_type(self) -> Any:
        """The type of the section's value (``annotation``, or what it returns when deferred)."""
        return self.annotation() if self.deferred else self.annotation


_lock = threading.Lock()
_specs: dict[str, tuple[SectionSpec, ...]] = {}  # domain name -> its sections
_models: dict[str, Any] = {}  # "PackFile" / "PackDocument" -> the composed model


def add_sections(domain: str, specs: tuple[SectionSpec, ...]) -> None:
    """Let pack files hold ``specs`` (a domain's sections); a name already in use is refused."""
    with _lock:
        taken = set(CORE_SECTIONS) | set(MANIFEST_FIELDS) | {s.name for d, ss in _specs.items() if d != domain for s in ss}
        for spec in specs:
            if spec.name in taken:
                raise ValueError(f"domain {domain!r}: section {spec.name!r} is already defined")
        _specs[domain] = specs
        _models.clear()


def section_specs() -> tuple[SectionSpec, ...]:
    """Every registered section, in registration order."""
    return tuple(s for specs in _specs.values() for s in specs)


def pack_file_model() -> type[PackFile]:
    """``PackFile`` (any YAML file of a pack but ``pack.yaml``) with every registered section."""
    return _composed()[0]


def pack_document_model() -> type[PackDocument]:
    """``PackDocument`` (``pack.yaml``: the manifest and any section) with every registered section."""
    return _composed()[1]


def _composed() -> tuple[type[PackFile], type[PackDocument]]:
    """The core models with the registered sections appended to the core ones: same names,
    docstrings and field order as if the sections were written in :class:`Sections`, so the
    JSON Schemas do not show where a section comes from."""
    from pydantic import Field, create_model

    from normkit.core.schema import PackDocument, PackFile, Sections  # the pack-file models: built when a pack is read

    with _lock:
        if not _models:
            fields: dict[str, Any] = {}
            for spec in section_specs():
                default: Any = Field(default_factory=dict, description=spec.description) if spec.keyed else Field(default=None, description=spec.description)
                fields[spec.name] = (spec.value_type(), default)
            if fields:
                sections = create_model("Sections", __base__=Sections, __module__=Sections.__module__, __doc__=Sections.__doc__, **fields)
                # subclasses of the core models (so code typed against them holds), with the domain
                # sections right after the core ones: pydantic orders fields by the reversed MRO
                _models["PackFile"] = create_model("PackFile", __base__=(PackFile, sections), __module__=PackFile.__module__,
                                                   __doc__=PackFile.__doc__)
                _models["PackDocument"] = create_model("PackDocument", __base__=(PackDocument, sections), __module__=PackDocument.__module__,
                                                       __doc__=PackDocument.__doc__)
            else:
                _models.update(PackFile=PackFile, PackDocument=PackDocument)
        return _models["PackFile"], _models["PackDocument"]
