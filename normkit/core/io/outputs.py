"""Outputs never destroy inputs: every command that writes files checks its paths first.

A command lists its input files and its output files, each with the role the user knows it by
(``the input file``, ``--out``, ``--rejects``, ``the rejects file (derived from --out)``).
Before anything is written, :func:`check_outputs` refuses (NK807) an output that is the same file
as an input or as another output. Two paths are the same file when they resolve to the same
path (``./a`` and ``a``, a symlinked folder) or name the same existing inode (a hard link, a
symlink to the file).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from normkit.core.errors import Location, NormkitError

Role = tuple[str, "str | os.PathLike[str]"]


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether ``a`` and ``b`` name one file: the same resolved path, or the same existing inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:  # one of them does not exist (yet): the resolved paths decided
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _detail(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> str:
    return str(a) if str(a) == str(b) else f"{a} and {b} are the same file"


def check_outputs(inputs: Sequence[Role], outputs: Sequence[Role], *, replaceable: str | None = None,
                  in_place: bool = False) -> None:
    """Raise NK807 if an output is an input or another output.

    ``replaceable`` names the one output role that may replace an input when the user says
    ``--in-place`` (``in_place``): it is written to a temporary file and moved over the input
    only when complete, so an interrupted run leaves the input as it was.
    """
    for orole, opath in outputs:
        for irole, ipath in inputs:
            if not (in_place and orole == replaceable) and same_file(opath, ipath):
                hint = f"give {orole} another file, or pass --in-place to replace the input" if orole == replaceable else None
                raise NormkitError("NK807", f"{orole} is the {irole} ({_detail(opath, ipath)})", location=Location(str(opath)),
                                   hint=hint)
    for i, (arole, apath) in enumerate(outputs):
        for brole, bpath in outputs[i + 1:]:
            if same_file(apath, bpath):
                raise NormkitError("NK807", f"{arole} and {brole} are the same file ({_detail(apath, bpath)})",
                                   location=Location(str(bpath)))

