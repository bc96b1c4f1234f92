"""Cache of compiled pack sets: plain data that can neither run code nor serve a stale answer.

An entry is one file, ``<key>.nkc``: a header line (JSON: format, payload size and sha256)
and the payload, the plain-data encoding of the compiled set (:mod:`normkit.core.io.plain`,
no pickle; only registered classes can be built). The payload also records, for every pack
of the set, its folder, the hash of every file it was read from (whatever the suffix) and the
folder each of its ``extends`` entries resolved to.

- **Key**: the compiler's code hash, the root folder, the extra packs and the search path.
- **Load**: the header must name this format, the payload must have its size and digest; then
  every pack is hashed again (no YAML parsing) and every ``extends`` resolved again: any
  difference, or anything the codec cannot read, means rebuild, never trust.
- **Safety**: the folder is created 0700; a folder or an entry owned by another user or
  writable by group/others is not used (one warning on stderr). Writes go to a temporary file
  in the folder and are moved into place; the temporary file is removed on any failure.
- **Pruning**: after a write, entries older than 30 days go, and only the newest 64 stay.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any

from normkit.core.compiled import CompiledSet
from normkit.core.errors import NormkitError
from normkit.core.extensions import registered
from normkit.core.io import plain
from normkit.core.loader import content_hash
from normkit.core.registry import find_pack, search_path
from normkit.version import __version__

FORMAT = "normkit-compiled/1"
SUFFIX = ".nkc"
KEEP_ENTRIES = 64
MAX_AGE_DAYS = 30
MAX_ENTRY_BYTES = 256 * 1024 * 1024

_warned = False


def cache_dir() -> Path | None:
    """The cache folder (``$NORMKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/normkit``, else
    ``~/.cache/normkit``), or None when ``$NORMKIT_NO_CACHE`` is set."""
    if os.environ.get("NORMKIT_NO_CACHE"):
        return None
    base = os.environ.get("NORMKIT_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "normkit")
    return Path(base)


def _warn_once(message: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        sys.stderr.write(f"normkit: {message}\n")


def _unsafe(st: os.stat_result) -> str | None:
    """Why a file or folder with this status must not be trusted, or None."""
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "is writable by group or others"
    getuid = getattr(os, "getuid", None)
    if getuid is not None and st.st_uid != getuid():
        return "is owned by another user"
    return None


def _usable_dir(create: bool) -> Path | None:
    """The cache folder if it is safe to use (created 0700 when ``create``), else None."""
    d = cache_dir()
    if d is None:
        return None
    try:
        if create and not d.exists():
            d.mkdir(parents=True, mode=0o700, exist_ok=True)
        st = d.stat()
    except OSError:
        return None  # no folder (yet) or not creatable: only costs speed
    if not stat.S_ISDIR(st.st_mode):
        return None
    why = _unsafe(st)
    if why is not None:
        _warn_once(f"not using the cache folder {d}: it {why} (chmod 700 it, or set NORMKIT_CACHE_DIR); running without the cache")
        return None
    return d


# ---- the key -------------------------------------------------------------------------------------

_compiler_hashes: dict[tuple[str, ...], str] = {}  # by the registered domains' names


def compiler_hash() -> str:
    """Hash of normkit's version and of every module of ``normkit/core`` (the code that decides
    the compiled form), so a changed normkit never reads an old entry. The code of domain modules
    whose classes an entry holds is checked per entry (see :func:`_domain_code_hash`)."""
    domains = registered()
    key = tuple(d.name for d in domains)
    cached = _compiler_hashes.get(key)
    if cached is None:
        h = hashlib.sha256(__version__.encode())
        core = Path(__file__).resolve().parent
        for path in sorted(core.rglob("*.py")):
            h.update(str(path.relative_to(core)).encode())
            try:
                h.update(path.read_bytes())
            except OSError:
                h.update(b"\0unreadable")
        for domain in domains:  # the code that decides a domain's part of the compiled form
            for path in domain.compiled_form_files:
                h.update(f"{domain.name}:{path.name}".encode())
                h.update(path.read_bytes())
        cached = _compiler_hashes[key] = h.hexdigest()
    return cached


_folder_hashes: dict[str, str] = {}  # per process: normkit's code does not change under it


def _domain_code_hash(classes: list[type]) -> str:
    """Hash of the source folders (outside ``normkit/core``) of the modules defining ``classes``:
    a domain's compile code sits beside its compiled classes."""
    folders = sorted({cls.__module__.rpartition(".")[0] for cls in classes} - {"normkit"})
    h = hashlib.sha256()
    for package in folders:
        if package == "normkit.core" or package.startswith("normkit.core."):
            continue  # covered by compiler_hash()
        if package not in _folder_hashes:
            _folder_hashes[package] = _hash_folder(package)
        h.update(package.encode())
        h.update(_folder_hashes[package].encode())
    return h.hexdigest()


def _hash_folder(package: str) -> str:
    h = hashlib.sha256()
    file = getattr(sys.modules.get(package), "__file__", None)
    if file:
        for path in sorted(Path(file).resolve().parent.glob("*.py")):
            h.update(path.name.encode())
            try:
                h.update(path.read_bytes())
            except OSError:
                h.update(b"\0unreadable")
    return h.hexdigest()


def entry_key(root: Path, extra: tuple[Path, ...] = ()) -> str:
    """The entry name for the set rooted at the folder ``root`` (plus ``extra`` pack folders)."""
    parts = [compiler_hash(), str(root.resolve()), *(str(p.resolve()) for p in extra), "\0",
             *(str(p) for p in search_path())]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:40]


# ---- reading ---------------------------------------------------------------------------------------

def load(root: Path, extra: tuple[Path, ...] = ()) -> CompiledSet | None:
    """The cached compiled set for ``root`` + ``extra`` (folders), or None: no entry, or one
    that is damaged, foreign, from other code, or no longer what a rebuild would give."""
    d = _usable_dir(create=False)
    if d is None:
        return None
    raw = _read_entry(d / (entry_key(root, extra) + SUFFIX))
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict) or doc.get("normkit") != __version__ or doc.get("compiler") != compiler_hash():
            return None
        if not _still_resolves(doc.get("packs"), root, extra):
            return None
        classes = doc.get("classes")
        if not isinstance(classes, dict) or doc.get("domain_code") != _domain_code_hash(plain.classes_used(classes)):
            return None
        compiled = plain.decode(doc.get("data"), classes)
    except Exception:
        return None
    return compiled if isinstance(compiled, CompiledSet) else None


def _read_entry(path: Path) -> bytes | None:
    """The payload of the entry at ``path`` if it is ours, safe, complete and intact."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
                return None
            why = _unsafe(st)
            if why is not None:
                _warn_once(f"not using the cache entry {path}: it {why}; rebuilding it")
                return None
            header = f.readline(4096)
            payload = f.read()
    except OSError:
        return None
    try:
        head = json.loads(header)
    except ValueError:
        return None
    if not isinstance(head, dict) or head.get("format") != FORMAT or head.get("size") != len(payload):
        return None
    if head.get("sha256") != hashlib.sha256(payload).hexdigest():
        return None
    return payload


def _still_resolves(packs: Any, root: Path, extra: tuple[Path, ...]) -> bool:
    """Every pack of the entry hashes the same and every ``extends`` resolves to the same folder."""
    if not isinstance(packs, list) or not packs:
        return False
    wanted = {str(root.resolve()), *(str(p.resolve()) for p in extra)}
    seen: set[str] = set()
    try:
        for p in packs:
            folder = Path(p["path"])
            files = p["files"]
            if files is not None and not (isinstance(files, list) and all(isinstance(x, str) for x in files)):
                return False
            if content_hash(folder, files) != p["hash"]:
                return False
            refs, targets = p["extends"], p["extends_resolved"]
            if len(refs) != len(targets):
                return False
            for ref, target in zip(refs, targets, strict=True):  # lengths checked just above
                if str(find_pack(ref, folder)) != target:
                    return False
            seen.add(str(folder))
    except (OSError, KeyError, TypeError, NormkitError):
        return False
    return wanted <= seen


# ---- writing ---------------------------------------------------------------------------------------

def _pack_record(compiled: CompiledSet) -> list[dict[str, Any]]:
    return [{"path": p.path, "hash": p.hash, "files": p.files, "extends": list(p.extends),
             "extends_resolved": list(p.extends_resolved)} for p in compiled.packs]


def encode_entry(compiled: CompiledSet) -> bytes:
    """The whole entry file for ``compiled``: header line, then payload."""
    data, classes = plain.encode(compiled)
    doc = {"normkit": __version__, "compiler": compiler_hash(), "packs": _pack_record(compiled),
           "domain_code": _domain_code_hash(plain.classes_used(classes)), "classes": classes, "data": data}
    payload = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    header = json.dumps({"format": FORMAT, "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()})
    return header.encode() + b"\n" + payload


def store(root: Path, compiled: CompiledSet, extra: tuple[Path, ...] = ()) -> None:
    """Write the entry for ``root`` + ``extra``; a failure only costs speed and leaves nothing."""
    d = _usable_dir(create=True)
    if d is None:
        return
    try:
        data = encode_entry(compiled)
    except plain.CodecError:
        return  # a class nobody registered: run uncached rather than write something unreadable
    tmp: str | None = None
    try:
        import tempfile  # only when an entry is written (it loads random, shutil …): not on a warm start

        fd, tmp = tempfile.mkstemp(dir=d, prefix=".write-", suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, d / (entry_key(root, extra) + SUFFIX))
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    prune(d)


def prune(d: Path, keep: int = KEEP_ENTRIES, max_age_days: int = MAX_AGE_DAYS) -> None:
    """Drop entries older than ``max_age_days``, then all but the newest ``keep``; also old
    temporary files and entries of earlier formats (pickles are never read)."""
    now = time.time()
    entries: list[tuple[float, Path]] = []
    try:
        names = list(d.iterdir())
    except OSError:
        return
    for path in names:
        try:
            st = path.lstat()
        except OSError:
            continue
        age = now - st.st_mtime
        stale_temp = path.name.startswith(".write-") and age > 3600
        if path.suffix == ".pickle" or stale_temp or (path.suffix == SUFFIX and age > max_age_days * 86400):
            _unlink(path)
        elif path.suffix == SUFFIX:
            entries.append((st.st_mtime, path))
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        _unlink(path)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
