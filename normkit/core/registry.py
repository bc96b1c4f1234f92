"""Where packs are found: a folder path, or a name looked up on the pack search path.

The search path is ``$NORMKIT_PATH`` (folders separated by ``os.pathsep``) followed by the
shipped ``rules/`` folder (installed inside the package as ``normkit/rules``).
"""

from __future__ import annotations

import os
from pathlib import Path

from normkit.core.errors import Location, NormkitError


def shipped_rules_dir() -> Path:
    package = Path(__file__).resolve().parent.parent  # normkit/
    installed = package / "rules"
    if installed.is_dir():
        return installed
    return package.parent / "rules"  # a source checkout or an editable install


def search_path() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("NORMKIT_PATH", "").split(os.pathsep) if p]
    return extra + [shipped_rules_dir()]


def installed_packs() -> list[Path]:
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


def find_pack(ref: str, relative_to: Path | None = None, location: Location | None = None) -> Path:
    """Resolve ``ref`` (a folder path, or an installed pack's name) to a pack folder."""
    candidates: list[Path] = []
    as_path = Path(ref)
    if relative_to is not None and not as_path.is_absolute():
        candidates.append(relative_to / as_path)
    candidates.append(as_path)
    for c in candidates:
        if (c / "pack.yaml").is_file():
            return c.resolve()
    if "/" not in ref and os.sep not in ref:
        for base in search_path():
            c = base / ref
            if (c / "pack.yaml").is_file():
                return c.resolve()
    names = ", ".join(p.name for p in installed_packs()) or "none"
    raise NormkitError("NK205", f"pack {ref!r} not found", location=location,
                       hint=f"give a folder holding pack.yaml, or one of the installed packs: {names}")
