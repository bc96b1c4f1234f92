"""Uploaded files and form fields: bounded, kept in a private temporary folder for the length of
one request only, and never able to name a path or a pack folder.

An upload's own name is reduced to a safe base name with an accepted extension (it only chooses
the reader); errors that mention the temporary file are rewritten to name the user's file.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from normkit.core.errors import Location, NormkitError, NormkitErrors

ORDER_KINDS = (".yaml", ".yml", ".json", ".xlsx")
BUDGET_KINDS = (".csv", ".xlsx", ".json", ".yaml", ".yml")
HOUSEHOLD_KINDS = (".csv", ".xlsx", ".parquet")
MAX_HOUSEHOLD_ROWS = 20_000  # as POST /v1/deprivations
MAX_ORDER_ITEMS = 500


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the browser sent it: its (untrusted) name and its bytes."""

    filename: str
    data: bytes


def shown_name(filename: str) -> str:
    """The base name of an upload's name, whatever path the browser put in front of it."""
    base = PureWindowsPath(PurePosixPath(filename or "").name).name
    return re.sub(r"[^\w.()+ -]", "_", base)[:120] or "upload"


def check_upload(upload: Upload | None, kinds: tuple[str, ...], field: str) -> str:
    """The upload's extension (lower case) when it is one of ``kinds`` and not empty; else NK915."""
    if upload is None or not upload.filename:
        raise NormkitError("NK915", f"choose a file ({', '.join(kinds)})", location=Location(path=field))
    suffix = PurePosixPath(shown_name(upload.filename)).suffix.lower()
    if suffix not in kinds:
        raise NormkitError("NK915", f"{shown_name(upload.filename)}: a {suffix or 'file without an extension'} file is not accepted "
                                    f"here; choose {', '.join(kinds)}", location=Location(path=field))
    if not upload.data:
        raise NormkitError("NK915", f"{shown_name(upload.filename)} is empty", location=Location(path=field))
    return suffix


@contextmanager
def stored(upload: Upload, kinds: tuple[str, ...], field: str) -> Iterator[Path]:
    """The upload as a file in a fresh private folder, removed when the block ends (errors raised in
    the block name the user's file instead of the temporary one)."""
    suffix = check_upload(upload, kinds, field)
    name = shown_name(upload.filename)
    with tempfile.TemporaryDirectory(prefix="normkit-web-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(upload.data)
        try:
            yield path
        except NormkitError as e:
            raise renamed(e, str(path), name) from None


def renamed(e: NormkitError, temp: str, name: str) -> NormkitError:
    """``e`` (and each error it collects) with the temporary file's path replaced by ``name``."""
    for sub in getattr(e, "errors", [e]):
        sub.message = sub.message.replace(temp, name).replace(Path(temp).name, name)
        loc = sub.location
        if loc is not None and loc.file is not None and Path(loc.file).name == Path(temp).name:
            sub.location = Location(name, loc.line, loc.column, loc.path)
    if isinstance(e, NormkitErrors):
        e.message = e.message.replace(temp, name)
    return e


def form_date(text: str | None, field: str) -> dt.date | None:
    """A date field (YYYY-MM-DD), or None when empty; else NK917."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise NormkitError("NK917", f"{text!r} is not a date (YYYY-MM-DD)", location=Location(path=field)) from None


def form_number(text: str | None, field: str) -> Decimal | None:
    """A number field written with a decimal point, or None when empty; else NK917."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or len(text) > 40:
        raise NormkitError("NK917", f"{text[:40]!r} is not a number (write decimals with a point: 0.5)", location=Location(path=field))
    return value


def form_year(text: str | None, field: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text):
        raise NormkitError("NK917", f"{text[:20]!r} is not a year (4 digits)", location=Location(path=field))
    return int(text)


def error_rows(e: NormkitError) -> list[dict[str, Any]]:
    """Every error ``e`` holds as plain rows for a page: code, message, file, row/line, column, path, hint."""
    rows = []
    for sub in getattr(e, "errors", [e]):
        loc = sub.location
        rows.append({"code": sub.code, "message": sub.message, "hint": sub.hint,
                     "file": Path(loc.file).name if loc and loc.file else None, "line": loc.line if loc else None,
                     "column": loc.column if loc else None, "path": loc.path if loc else None})
    return rows
