"""Read a pack folder into validated surface models, keeping every definition's location.

A pack is a folder with ``pack.yaml`` (the manifest) and any number of other ``*.yaml``
files holding sections (parameters, tables, norms …). A name defined twice, in one file or
across files, is an error (NK203).
"""

from __future__ import annotations

import hashlib
import os
from decimal import localcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from normkit.core.errors import ErrorCollector, Location, NormkitError
from normkit.core.io.yaml import SourceMap, decode_text, parse_text, read_bytes
from normkit.core.numbers import CTX
from normkit.core.records import Record
from normkit.core.sections import CORE_SECTIONS, pack_document_model, pack_file_model, section_specs

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

    from normkit.core.schema import PackDocument, PackFile

MAX_PACK_FILES = 200


class Defined(Record):
    """One definition with the place it was written."""

    __slots__ = ("location", "model", "path", "smap")
    __match_args__ = ("model", "location", "smap", "path")
    model: Any
    location: Location
    smap: SourceMap
    path: tuple[str | int, ...]

    def __init__(self, model: Any, location: Location, smap: SourceMap, path: tuple[str | int, ...]) -> None:
        self.model = model
        self.location = location
        self.smap = smap
        self.path = path


class PackSource(Record):
    __slots__ = ("blocks", "content_hash", "extends_resolved", "manifest", "manifest_location", "manifest_map", "root", "sections")
    __match_args__ = ("root", "manifest", "content_hash", "sections", "blocks", "manifest_location", "manifest_map", "extends_resolved")
    root: Path
    manifest: PackDocument  # with the registered domains' sections (normkit.core.sections)
    content_hash: str
    sections: dict[str, dict[str, Defined]]  # keyed sections: name -> definition
    blocks: dict[str, list[Defined]]  # one-value sections (a domain's `pricing:`), per file
    manifest_location: Location | None
    manifest_map: SourceMap | None
    extends_resolved: list[Path]  # the folder each `extends` entry named, in order

    def __init__(self, root: Path, manifest: PackDocument, content_hash: str, sections: dict[str, dict[str, Defined]] | None = None, blocks: dict[str, list[Defined]] | None = None, manifest_location: Location | None = None, manifest_map: SourceMap | None = None, extends_resolved: list[Path] | None = None) -> None:
        self.root = root
        self.manifest = manifest
        self.content_hash = content_hash
        self.sections = {} if sections is None else sections
        self.blocks = {} if blocks is None else blocks
        self.manifest_location = manifest_location
        self.manifest_map = manifest_map
        self.extends_resolved = [] if extends_resolved is None else extends_resolved

    @property
    def id(self) -> str:
        return self.manifest.id


def validation_error(exc: ValidationError, data: Any, smap: SourceMap, prefix: tuple[str | int, ...] = ()) -> NormkitError:
    """The pydantic errors of one document as normkit errors with file positions."""
    errors = ErrorCollector()
    for err in exc.errors(include_url=False):
        path = _data_path(data, err["loc"])
        loc = smap.locate(prefix + path)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = f"unknown field {path[-1]!r}" if path else "unknown field"
        elif err["type"] == "missing":
            msg = f"missing field {str(err['loc'][-1])!r}"
        errors.add(NormkitError("NK201", msg, location=loc))
    try:
        errors.raise_if_any()
    except NormkitError as e:
        return e
    raise AssertionError("no errors")  # pragma: no cover


def _data_path(data: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Follow pydantic's loc through the data, skipping union-member tags it adds."""
    out: list[Any] = []
    cur = data
    for part in loc:
        if isinstance(cur, dict):
            key = "from" if part == "from_" else part
            if key in cur:
                out.append(key)
                cur = cur[key]
                continue
            if isinstance(part, str) and (part[:1].isupper() or part in ("declare", "extend")):
                continue  # a union member name or tag, e.g. 'Parameter'
            out.append(key)
            cur = None
        elif isinstance(cur, list) and isinstance(part, int) and part < len(cur):
            out.append(part)
            cur = cur[part]
        elif isinstance(part, str) and (part[:1].isupper() or "[" in part or part in ("str", "bool", "decimal", "int")):
            continue
        else:
            out.append(part)
            cur = None
    return tuple(out)


def validate(model: type[BaseModel], data: Any, smap: SourceMap, prefix: tuple[str | int, ...] = ()) -> Any:
    """``data`` validated by ``model``; its errors as one NormkitError (NK201, with file positions)."""
    from pydantic import ValidationError  # imported on use: a warm start validates nothing with pydantic

    try:
        # pydantic tries Decimal(text) on `Decimal | bool | text` fields; in normkit's own context, so the
        # caller's Decimal context (its flags and traps) is never touched
        with localcontext(CTX):
            return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, data, smap, prefix) from None


def pack_files(root: Path, manifest: PackDocument | None = None) -> list[Path]:
    """The section files of the pack at ``root``: the manifest's ``files:`` if it lists them
    (whatever their suffix), else every ``*.yaml``/``*.yml`` beside the manifest."""
    return listed_files(root, manifest.files if manifest is not None else None)


def listed_files(root: Path, listed: list[str] | None) -> list[Path]:
    """:func:`pack_files` given the manifest's ``files:`` field (None when absent)."""
    files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.name not in ("pack.yaml", "pack.yml") and p.is_file())
    if listed is not None:
        wanted = [root / f for f in listed]
        for w in wanted:
            if Path(os.path.realpath(w)).parent != Path(os.path.realpath(root)):  # realpath: a link loop is NK108 when read, not a RuntimeError here
                raise NormkitError("NK201", f"`files` may only name files inside the pack folder: {w.name}", location=Location(str(root / "pack.yaml"), path="files"))
        files = wanted
    if len(files) > MAX_PACK_FILES:
        raise NormkitError("NK105", f"pack has {len(files)} files; the limit is {MAX_PACK_FILES}", location=Location(str(root)))
    return files


def manifest_file(root: Path) -> Path:
    """``pack.yaml`` (or ``pack.yml``) in ``root``; NK205 if there is neither."""
    path = root / "pack.yaml"
    if path.is_file():
        return path
    alt = root / "pack.yml"
    if alt.is_file():
        return alt
    raise NormkitError("NK205", f"no pack.yaml in {root}", location=Location(str(root)),
                       hint="a pack is a folder with a pack.yaml manifest; `normkit packs` lists installed packs")


class ContentHash:
    """sha256 over every file a pack is read from (name and bytes, in reading order): the
    manifest first, then the section files, whatever their suffix."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def add(self, path: Path, raw: bytes) -> None:
        self._h.update(path.name.encode("utf-8", "surrogateescape"))
        self._h.update(b"\0")
        self._h.update(len(raw).to_bytes(8, "big"))
        self._h.update(raw)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def content_hash(root: Path, listed: list[str] | None) -> str:
    """The :class:`ContentHash` of the pack at ``root`` whose manifest lists ``listed`` under
    ``files:`` (None when it lists none), computed without parsing any YAML; the result equals
    :attr:`PackSource.content_hash` as long as the files are unchanged. Raises OSError or
    NormkitError when a file is missing."""
    h = ContentHash()
    for path in [manifest_file(root), *listed_files(root, listed)]:
        h.add(path, read_bytes(path))
    return h.hexdigest()


def read_pack(root: str | os.PathLike[str]) -> PackSource:
    """Read and validate every file of the pack at ``root``; report all errors at once."""
    root = Path(root)
    manifest_path = manifest_file(root)
    errors = ErrorCollector()
    hashed = ContentHash()
    data, smap = _read(manifest_path, hashed)
    if not isinstance(data, dict):
        raise NormkitError("NK201", "pack.yaml must be a mapping", location=Location(str(manifest_path), 1, 1))
    manifest: PackDocument = validate(pack_document_model(), data, smap)
    keyed, blocks = _section_names()
    pack = PackSource(root, manifest, "", {s: {} for s in keyed}, {s: [] for s in blocks},
                      manifest_location=Location(str(manifest_path), 1, 1), manifest_map=smap)
    file_model = pack_file_model()
    _collect(pack, data, smap, manifest, errors)
    for path in pack_files(root, manifest):
        try:
            fdata, fmap = _read(path, hashed)
            if fdata is None:
                continue
            if not isinstance(fdata, dict):
                raise NormkitError("NK201", "a pack file must be a mapping of sections", location=Location(str(path), 1, 1))
            model: PackFile = validate(file_model, fdata, fmap)
            _collect(pack, fdata, fmap, model, errors)
        except NormkitError as e:
            errors.add(e)
    errors.raise_if_any()
    pack.content_hash = hashed.hexdigest()  # of exactly the bytes parsed above
    return pack


def _read(path: Path, hashed: ContentHash) -> tuple[Any, SourceMap]:
    raw = read_bytes(path)
    hashed.add(path, raw)
    return parse_text(decode_text(raw, str(path)), str(path))


def _section_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keyed sections (core ones, then the registered domains') and the one-value ones."""
    specs = section_specs()
    return CORE_SECTIONS + tuple(s.name for s in specs if s.keyed), tuple(s.name for s in specs if not s.keyed)


def _collect(pack: PackSource, data: dict[str, Any], smap: SourceMap, model: Any, errors: ErrorCollector) -> None:
    for section in pack.sections:
        entries = getattr(model, section)
        for name, entry in entries.items():
            path = (section, name)
            loc = smap.locate(path)
            existing = pack.sections[section].get(name)
            if existing is not None:
                errors.add(NormkitError("NK203", f"{section[:-1]} {name!r} is defined twice (also at {existing.location})", location=loc))
                continue
            pack.sections[section][name] = Defined(entry, loc, smap, path)
    for section in pack.blocks:
        value = getattr(model, section)
        if value is not None:
            pack.blocks[section].append(Defined(value, smap.locate((section,)), smap, (section,)))
