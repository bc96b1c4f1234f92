"""Large JSON written piece by piece: a document is an iterator of chunks (UTF-8 bytes), never
one whole string in memory.

The CLI writes the chunks to standard output as they come (``price --json``), the HTTP service
sends them as a streaming response, and :func:`text` gives the string for small uses.
Chunks are compact JSON (no indentation, ``,`` and ``:`` without spaces, UTF-8 text unescaped),
the same bytes pydantic's ``model_dump_json()`` writes.

:func:`encode` writes plain data (text, numbers, booleans, None, Decimal, dates, lists, tuples,
dicts, dataclasses and the records of core/records.py) with pydantic's (Rust) serialiser when pydantic is already loaded, else
with the standard library's (C) encoder, which loads nothing: a warm ``normkit price --json``
need not import pydantic to write a quote (a process that writes many MiB imports pydantic's
serialiser after the first few, :data:`STDLIB_BYTES`). Both write the same bytes (tests/test_jsonstream.py
compares them on generated data: control characters, text outside the BMP, Decimal text, dates).
Long lists are encoded in batches of :data:`BATCH`: memory is bounded by the batch.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from normkit.core.records import Frozen, Record

BATCH = 2000  # list elements serialised per chunk
FLUSH = 1 << 16  # bytes gathered before a chunk is handed on

Chunks = Iterator[bytes]

_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass -> its field names, in order


def _default(value: Any) -> Any:
    """What the standard encoder cannot write itself, as pydantic writes it: a Decimal as its
    exact text (``str``), a date in ISO form, a dataclass (or a written-out record) as an object of
    its fields in order."""
    t = type(value)
    if t is Decimal:
        return str(value)
    if t is dt.date:
        return value.isoformat()
    names = _FIELDS.get(t)
    if names is None and issubclass(t, Record | Frozen):  # written out like a dataclass (core/records.py)
        names = _FIELDS[t] = t.__match_args__
    if names is None and hasattr(t, "__dataclass_fields__"):  # made by @dataclass: dataclasses is loaded already
        import dataclasses

        names = _FIELDS[t] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: getattr(value, name) for name in names}
    raise TypeError(f"cannot write a {t.__module__}.{t.__qualname__} as JSON")


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_default).encode


def encode_stdlib(value: Any) -> bytes:
    """Compact JSON of plain data by the standard library's encoder (see the module's note)."""
    return _ENCODE(value).encode()


#: Bytes the standard encoder writes in a process before pydantic's serialiser is imported for the
#: rest of it. Importing ``pydantic_core`` costs ~30 ms once; the standard encoder writes a quote's
#: trace about 3× slower than it (~7–10 ns a byte against ~3), so past a few MiB the import has paid
#: for itself: a one-off ``normkit price --json`` never imports it, a service or a loop of quotes
#: soon does (and then writes at pydantic's speed). The bytes are the same either way.
STDLIB_BYTES = 4 << 20
_stdlib_written = [0]  # bytes written by the standard encoder so far


def encode(value: Any) -> bytes:
    """Compact JSON of plain data (Decimal as its exact string, dates as ISO text): the same bytes
    as ``model_dump_json`` writes for the same values (by pydantic's serialiser if it is loaded, or
    once the standard encoder has written :data:`STDLIB_BYTES`)."""
    core = sys.modules.get("pydantic_core")
    if core is None and _stdlib_written[0] >= STDLIB_BYTES:
        try:
            import pydantic_core as core
        except ImportError:  # pydantic brings it; without it the standard encoder writes on, for good
            _stdlib_written[0] = -sys.maxsize  # not tried again
    if core is not None:
        out: bytes = core.to_json(value)
        return out
    data = encode_stdlib(value)
    _stdlib_written[0] += len(data)
    return data


def array(chunks: Iterable[bytes]) -> Chunks:
    """``[`` + the chunks (already comma-separated) + ``]``."""
    yield b"["
    yield from chunks
    yield b"]"


def joined(values: Iterable[bytes]) -> Chunks:
    """Each of ``values`` (JSON texts), comma-separated."""
    first = True
    for v in values:
        yield v if first else b"," + v
        first = False


def obj(fields: Iterable[tuple[str, bytes | Iterable[bytes]]]) -> Chunks:
    """An object of ``(key, value)`` pairs; a value is JSON bytes or an iterator of chunks."""
    yield b"{"
    for i, (key, value) in enumerate(fields):
        yield (b"," if i else b"") + encode(key) + b":"
        if isinstance(value, bytes):
            yield value
        else:
            yield from value
    yield b"}"


def gathered(chunks: Iterable[bytes], size: int = FLUSH) -> Chunks:
    """The same bytes in chunks of about ``size`` (fewer writes, fewer network frames)."""
    buf: list[bytes] = []
    n = 0
    for c in chunks:
        buf.append(c)
        n += len(c)
        if n >= size:
            yield b"".join(buf)
            buf, n = [], 0
    if buf:
        yield b"".join(buf)


def write(chunks: Iterable[bytes], out: IO[bytes]) -> None:
    """Write the chunks to the binary stream ``out`` as they come (``sys.stdout.buffer``)."""
    for c in gathered(chunks):
        out.write(c)


def write_stdout(chunks: Iterable[bytes]) -> None:
    """Write the document and a newline to standard output as it is produced (its binary
    buffer when there is one; a text stream, e.g. under a test's capture, gets decoded text)."""
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        for c in gathered(chunks):
            out.write(c.decode())
        out.write("\n")
        return
    out.flush()
    write(chunks, buffer)
    buffer.write(b"\n")
    buffer.flush()


def text(chunks: Iterable[bytes], indent: int | None = None) -> str:
    """The whole document as one string (small documents only), indented when asked."""
    whole = b"".join(chunks).decode()
    if indent is None:
        return whole
    return json.dumps(json.loads(whole), ensure_ascii=False, indent=indent)


__all__ = ["BATCH", "STDLIB_BYTES", "Chunks", "array", "encode", "encode_stdlib", "gathered", "joined", "obj", "text", "write", "write_stdout"]
