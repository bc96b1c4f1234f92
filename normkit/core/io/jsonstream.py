"""Large JSON written piece by piece: a document is an iterator of chunks (UTF-8 bytes), never
one whole string in memory.

The CLI writes the chunks to standard output as they come (``price --json``), the HTTP service
sends them as a streaming response, and :func:`text` gives the string for small uses.
Chunks are compact JSON (no indentation, ``,`` and ``:`` without spaces, UTF-8 text unescaped),
the same bytes pydantic's ``model_dump_json()`` writes.

Pydantic models and dataclasses in long lists are serialised in batches of :data:`BATCH` by
pydantic's own (Rust) serialiser: the speed of one ``model_dump_json`` call, with memory bounded
by the batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from pydantic import TypeAdapter
from pydantic_core import to_json

BATCH = 2000  # list elements serialised per chunk
FLUSH = 1 << 16  # bytes gathered before a chunk is handed on

Chunks = Iterator[bytes]


def encode(value: Any) -> bytes:
    """Compact JSON of plain data (Decimal as its exact string, dates as ISO text), by
    pydantic's serialiser: the same bytes as ``model_dump_json`` writes for the same values."""
    return to_json(value)


def items(adapter: TypeAdapter[Any], values: Sequence[Any], batch: int = BATCH) -> Chunks:
    """The elements of ``values`` as JSON separated by commas (no brackets), ``batch`` at a time,
    serialised by ``adapter`` (a ``TypeAdapter(list[T])``)."""
    for start in range(0, len(values), batch):
        data = adapter.dump_json(values[start:start + batch], by_alias=True)
        if len(data) > 2:
            yield (b"," if start else b"") + data[1:-1]


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
    import sys

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


__all__ = ["BATCH", "Chunks", "array", "encode", "gathered", "items", "joined", "obj", "text", "write", "write_stdout"]
