"""Writing output files atomically: a temporary file beside the target, moved into place.

A reader never sees half a file, and an interrupted run leaves the old file (or none), never a
truncated one. The temporary file is created with the usual permissions (0666 less the umask),
so the published file looks like any other file the user writes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from normkit.core.errors import Location, NormkitError


def temp_beside(path: str | os.PathLike[str], code: str = "NK101") -> Path:
    """Create an empty temporary file in ``path``'s folder and return its path."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    for _ in range(8):
        tmp = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise NormkitError(code, f"cannot write {target}: {exc.strerror or exc}", location=Location(str(target))) from None
        os.close(fd)
        return tmp
    raise NormkitError(code, f"cannot create a temporary file beside {target}", location=Location(str(target)))


def publish(tmp: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Move the finished temporary file into place (atomic on one file system)."""
    os.replace(tmp, path)


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object], code: str = "NK101") -> None:
    """Call ``write(tmp)`` to fill a temporary file, then move it to ``path``."""
    tmp = temp_beside(path, code)
    try:
        write(tmp)
        publish(tmp, path)
    except OSError as exc:
        raise NormkitError(code, f"cannot write {path}: {exc.strerror or exc}", location=Location(str(path))) from None
    finally:
        if tmp.exists():
            tmp.unlink()
