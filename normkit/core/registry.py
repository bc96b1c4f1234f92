"""Where packs are found: one rule for ``extends``, ``--pack``, ``lint``, the API, budgets and
poverty standards.

- A **bare id** (``vn-wages``: no path separator, not ``.`` or ``..``) names a pack on the
  search path: the folders of ``$NORMKIT_PATH`` (separated by ``os.pathsep``), then the shipped
  ``rules/``. A pack is the folder ``<search folder>/<id>`` holding ``pack.yaml``. The working
  directory is never searched, so a folder that happens to lie there cannot replace a pack.
  The same id in two search folders is an error naming both (NK210), not "first one wins".
- Anything **written as a path** (``./x``, ``../x``, ``a/b``, an absolute path) is a folder:
  relative to the referring file's folder (``extends`` in a pack.yaml, ``packs:`` in an order),
  or to the working directory when typed on the command line.
"""

from __future__ import annotations

import os
from pathlib import Path

from normkit.core.errors import Location, NormkitError
from normkit.core.names import did_you_mean


def shipped_rules_dir() -> Path:
    package = Path(__file__).resolve().parent.parent  # normkit/
    installed = package / "rules"
    if installed.is_dir():
        return installed
    return package.parent / "rules"  # a source checkout or an editable install


def search_path() -> list[Path]:
    """``$NORMKIT_PATH`` folders, then the shipped rules (absolute, in search order)."""
    extra = [Path(p).absolute() for p in os.environ.get("NORMKIT_PATH", "").split(os.pathsep) if p]
    return extra + [shipped_rules_dir()]


def installed_packs() -> list[Path]:
    """Every pack on the search path, by id (the first folder of each id)."""
    out: list[Path] = []
    seen: set[str] = set()
    for base in search_path():
        if not base.is_dir():
            continue
        for d in sorted(base.iterdir()):
            if (d / "pack.yaml").is_file() and d.name not in seen:
                seen.add(d.name)
                out.append(d)
    return out


def is_bare_id(ref: str) -> bool:
    """True when ``ref`` names a pack by id rather than writing a folder path."""
    if ref in ("", ".", "..") or "/" in ref or os.sep in ref or (os.altsep and os.altsep in ref):
        return False
    return not Path(ref).is_absolute() and not Path(ref).drive


def find_pack(ref: str, relative_to: Path | None = None, location: Location | None = None) -> Path:
    """The pack folder ``ref`` means (resolved): a bare id on the search path, or a folder path
    relative to ``relative_to`` (the referring file's folder) or else the working directory."""
    if is_bare_id(ref):
        return _on_search_path(ref, location)
    folder = Path(ref)
    if relative_to is not None and not folder.is_absolute():
        folder = relative_to / folder
    if (folder / "pack.yaml").is_file() or (folder / "pack.yml").is_file():
        return folder.resolve()
    hint = None
    if (Path(ref).name and any((b / Path(ref).name / "pack.yaml").is_file() for b in search_path())):
        hint = f"no pack.yaml in {folder}; to use the installed pack, write its id: {Path(ref).name}"
    raise NormkitError("NK205", f"pack {ref!r} not found: no pack.yaml in {folder}", location=location,
                       hint=hint or "a folder path must hold pack.yaml; a bare id (no `/`) names an installed pack")


def _on_search_path(ref: str, location: Location | None) -> Path:
    found = [base / ref for base in search_path() if (base / ref / "pack.yaml").is_file()]
    unique: list[Path] = []
    for f in found:
        if f.resolve() not in [u.resolve() for u in unique]:
            unique.append(f)
    if len(unique) > 1:
        raise NormkitError("NK210", f"pack {ref!r} is on the search path twice: {unique[0]} and {unique[1]}",
                           location=location, details={"folders": [str(u) for u in unique]})
    if unique:
        return unique[0].resolve()
    ids = [p.name for p in installed_packs()]
    names = ", ".join(ids) or "none"
    here = " (a folder in the working directory is not searched: write ./" + ref + ")" if (Path(ref) / "pack.yaml").is_file() else ""
    close = did_you_mean(ref, ids)
    raise NormkitError("NK205", f"pack {ref!r} not found{here}", location=location,
                       hint=(f"{close} " if close else "")
                       + f"give a folder path (./{ref}), add its parent folder to NORMKIT_PATH, or use one of the installed packs: {names}")
