"""Writing output files atomically: a temporary file beside the target, moved into place.

A reader never sees half a file, and an interrupted run leaves the old file (or none), never a
truncated one. The temporary file is created with the usual permissions (0666 less the umask),
so the published file looks like any other file the user writes.

Temporaries are named ``.TARGET.<12 hex digits>.tmp``. Those this process holds are removed on
SIGTERM or SIGHUP while :func:`removed_on_signals` is active (the process then exits with
128 + the signal number; a signal that is ignored or has the program's own handler is left alone). A temporary left by a run that was killed outright (SIGKILL, power
loss) is removed by the next run that writes the same target, when it matches that name, is a
regular file owned by the user and was last written more than :data:`STALE_AFTER` seconds ago
(a concurrent run still writing keeps its temporary fresh).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from normkit.core.errors import Location, NormkitError

STALE_AFTER = 600.0  # seconds without a write before a temporary of ours counts as left behind
CLEANED_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)
_live: set[Path] = set()  # temporaries this process created and has not published or removed yet


def temp_pattern(target: str | os.PathLike[str]) -> re.Pattern[str]:
    """The names of normkit's temporaries for ``target`` (in its folder)."""
    return re.compile(rf"\.{re.escape(Path(target).name)}\.[0-9a-f]{{12}}\.tmp")


def remove_stale_temporaries(path: str | os.PathLike[str], now: float | None = None) -> list[Path]:
    """Remove temporaries for ``path`` that an earlier, killed run left; return what was removed."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    pattern = temp_pattern(target)
    limit = (time.time() if now is None else now) - STALE_AFTER
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        tmp = folder / entry.name
        if tmp in _live:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not entry.is_file(follow_symlinks=False) or (uid is not None and st.st_uid != uid) or st.st_mtime >= limit:
                continue
            tmp.unlink()
        except OSError:  # gone already, or not ours to remove: leave it
            continue
        removed.append(tmp)
    return removed


def temp_beside(path: str | os.PathLike[str], code: str = "NK101") -> Path:
    """Create an empty temporary file in ``path``'s folder and return its path."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    remove_stale_temporaries(target)
    for _ in range(8):
        tmp = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise NormkitError(code, f"cannot write {target}: {exc.strerror or exc}", location=Location(str(target))) from None
        os.close(fd)
        _live.add(tmp)
        return tmp
    raise NormkitError(code, f"cannot create a temporary file beside {target}", location=Location(str(target)))


def discard(tmp: str | os.PathLike[str]) -> None:
    """Remove a temporary file (if it is still there) and forget it."""
    _live.discard(Path(tmp))
    Path(tmp).unlink(missing_ok=True)


def publish(tmp: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Move the finished temporary file into place (atomic on one file system)."""
    os.replace(tmp, path)
    _live.discard(Path(tmp))


def _remove_live() -> None:
    for tmp in list(_live):
        with contextlib.suppress(OSError):
            discard(tmp)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _remove_live()
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def removed_on_signals() -> Iterator[None]:
    """While active (main thread only), SIGTERM/SIGHUP remove our temporaries and exit 128 + signal.

    Only signals left at their default action (which would end the process with no clean-up) are
    taken over: an ignored SIGHUP (``nohup``) stays ignored, and a handler the program installed
    itself stays in charge.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old: dict[int, Any] = {}
    for s in CLEANED_SIGNALS:
        if signal.getsignal(s) == signal.SIG_DFL:
            old[s] = signal.signal(s, _on_signal)
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object], code: str = "NK101") -> None:
    """Call ``write(tmp)`` to fill a temporary file, then move it to ``path``."""
    tmp = temp_beside(path, code)
    try:
        write(tmp)
        publish(tmp, path)
    except OSError as exc:
        raise NormkitError(code, f"cannot write {path}: {exc.strerror or exc}", location=Location(str(path))) from None
    finally:
        discard(tmp)
