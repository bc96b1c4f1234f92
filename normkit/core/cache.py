"""Cache of compiled pack sets, keyed by the content hash of every pack in the set.

A warm run reads the pack files only to hash them, then loads the compiled set: no YAML
parsing of packs and no pint import. Entries are written atomically and read back with a
restricted unpickler that only builds normkit's own classes and a few plain types.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from normkit.version import __version__
from normkit.core.compiled import CompiledSet
from normkit.core.loader import content_hash

_ALLOWED = {
    ("decimal", "Decimal"), ("fractions", "Fraction"), ("datetime", "date"), ("copyreg", "_reconstructor"),
    ("builtins", "object"), ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "tuple"),
    ("builtins", "list"), ("builtins", "dict"), ("builtins", "getattr"),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED or module == "normkit" or module.startswith("normkit."):
            return super().find_class(module, name)
        if module.startswith("pydantic") and name in ("BaseModel",):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"cache entry refers to {module}.{name}")


def cache_dir() -> Path | None:
    if os.environ.get("NORMKIT_NO_CACHE"):
        return None
    base = os.environ.get("NORMKIT_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "normkit")
    return Path(base)


_COMPILER_FILES = ("compiled.py", "compiler.py", "schema.py", "loader.py", "units.py", "lang/typecheck.py", "lang/syntax.py", "lang/ir.py")
_compiler_hash: str | None = None


def compiler_hash() -> str:
    """Hash of the code that decides the compiled form, so a changed normkit never reads an
    old entry (the version number alone would miss changes between releases)."""
    global _compiler_hash
    if _compiler_hash is None:
        h = hashlib.sha256(__version__.encode())
        here = Path(__file__).resolve().parent
        for name in _COMPILER_FILES:
            try:
                h.update((here / name).read_bytes())
            except OSError:
                pass
        _compiler_hash = h.hexdigest()
    return _compiler_hash


def _key(root: Path, extra: tuple[str, ...]) -> str:
    h = hashlib.sha256(f"{compiler_hash()}\0{root.resolve()}\0{content_hash(root)}\0{extra}".encode())
    return h.hexdigest()[:40]


def load(root: Path, extra: tuple[str, ...] = ()) -> CompiledSet | None:
    d = cache_dir()
    if d is None:
        return None
    path = d / (_key(root, extra) + ".pickle")
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        compiled = _Unpickler(io.BytesIO(data)).load()
    except Exception:
        return None  # a stale or damaged entry is rebuilt, never trusted
    if not isinstance(compiled, CompiledSet) or compiled.normkit_version != __version__:
        return None
    for p in compiled.packs:  # every pack of the set must still hash the same
        try:
            if content_hash(Path(p.path)) != p.hash:
                return None
        except OSError:
            return None
    return compiled


def store(root: Path, compiled: CompiledSet, extra: tuple[str, ...] = ()) -> None:
    d = cache_dir()
    if d is None:
        return
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(compiled, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, d / (_key(root, extra) + ".pickle"))
    except OSError:
        pass  # a read-only cache folder only costs speed
