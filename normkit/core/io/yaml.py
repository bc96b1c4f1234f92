"""Read YAML into plain data, remembering where every value came from.

Rule files, orders and overlays are untrusted, so this reader is strict:

* duplicate keys are errors (PyYAML silently keeps the last one);
* anchors and aliases are refused (no alias bombs, no shared structure);
* numbers never become floats: ``0.04`` is ``Decimal("0.04")``; NaN and Infinity are refused;
* all text is normalised to Unicode NFC, so ``"hộ"`` typed in NFD equals ``"hộ"`` in NFC;
* size and nesting depth are bounded.

The result is the data plus a :class:`SourceMap` from field paths to file positions.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from normkit.core.errors import Location, NormkitError

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 500_000

PathKey = tuple[str | int, ...]


class SourceMap:
    """Field path -> position of the value in its file (1-based line and column)."""

    __slots__ = ("_single_line", "_where", "file")

    def __init__(self, file: str) -> None:
        self.file = file
        self._where: dict[PathKey, tuple[int, int]] = {}
        self._single_line: dict[PathKey, int] = {}  # path -> column offset of the text

    def record(self, path: PathKey, node: Node) -> None:
        mark = node.start_mark
        self._where[path] = (mark.line + 1, mark.column + 1)
        if isinstance(node, ScalarNode) and node.start_mark.line == node.end_mark.line:
            self._single_line[path] = 1 if node.style in ("'", '"') else 0

    def locate(self, path: PathKey, offset: int | None = None) -> Location:
        """Position of ``path``; ``offset`` is a character offset inside a one-line scalar."""
        probe = path
        while probe and probe not in self._where:
            probe = probe[:-1]
        line, col = self._where.get(probe, (None, None)) if probe else (None, None)
        if offset is not None and probe == path and path in self._single_line and col is not None:
            col += self._single_line[path] + offset
        return Location(self.file, line, col, format_path(path) or None)


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _StrictLoader(Reader, Scanner, Parser, Composer, SafeConstructor, Resolver):
    """A pure-Python loader whose composer refuses aliases and anchors and bounds size."""

    def __init__(self, stream: str, filename: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._filename = filename
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event: Event = Parser.peek_event(self)  # via the class: types-PyYAML leaves Parser's methods untyped (pyproject: untyped_calls_exclude)
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise NormkitError(
                "NK104",
                "YAML anchors and aliases are not allowed in normkit files",
                location=_where(self._filename, event.start_mark),
            )
        _check_tag(getattr(event, "tag", None), event.start_mark, self._filename)
        self._depth += 1
        self._nodes += 1
        if self._depth > MAX_DEPTH or self._nodes > MAX_NODES:
            what = f"nesting deeper than {MAX_DEPTH}" if self._depth > MAX_DEPTH else f"more than {MAX_NODES} values"
            raise NormkitError("NK105", f"YAML document has {what}", location=_where(self._filename, event.start_mark))
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def decode_text(raw: bytes, filename: str) -> str:
    """UTF-8 (with or without BOM) to NFC text; anything else is a clear error."""
    if len(raw) > MAX_BYTES:
        raise NormkitError("NK105", f"file is {len(raw)} bytes; the limit is {MAX_BYTES}", location=Location(filename))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NormkitError(
            "NK101",
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            location=Location(filename, line),
            hint="save the file as UTF-8; Vietnamese text in legacy encodings (TCVN3, VNI) must be converted",
        ) from None
    return unicodedata.normalize("NFC", text)


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file ``path``, checked before it is opened: a FIFO, device,
    socket or folder is NK107, a symbolic-link loop NK108, a file over ``limit`` bytes NK105
    (from its size, so a huge or sparse file is never read), anything else unreadable NK101.
    The file is opened non-blocking and checked again on its descriptor, so a file swapped for
    a FIFO between the check and the open cannot hang the reader either."""
    p = Path(path)
    where = Location(str(p))
    raw = b""
    try:
        st = os.stat(p)
        if stat.S_ISREG(st.st_mode):
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
            try:
                st = os.fstat(fd)
                if stat.S_ISREG(st.st_mode) and st.st_size <= limit:
                    with os.fdopen(fd, "rb", closefd=False) as fh:
                        raw = fh.read(limit + 1)
            finally:
                os.close(fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NormkitError("NK108", "cannot read file: it is a symbolic link that loops back on itself", location=where) from None
        raise NormkitError("NK101", f"cannot read file: {exc.strerror or exc}", location=where) from None
    if not stat.S_ISREG(st.st_mode):
        raise NormkitError("NK107", f"cannot read file: it is {_kind(st.st_mode)}, not a regular file", location=where)
    if st.st_size > limit or len(raw) > limit:
        raise NormkitError("NK105", f"file is {max(st.st_size, len(raw))} bytes; the limit is {limit}", location=where)
    return raw


def read_file(path: str | Path) -> tuple[Any, SourceMap]:
    p = Path(path)
    return parse_text(decode_text(read_bytes(p), str(p)), str(p))


def parse_text(text: str, filename: str = "<string>") -> tuple[Any, SourceMap]:
    """Parse one YAML document; returns ``(data, source_map)``."""
    if len(text) > MAX_BYTES:
        raise NormkitError("NK105", f"document has {len(text)} characters; the limit is {MAX_BYTES}", location=Location(filename))
    text = unicodedata.normalize("NFC", text)
    if _CParser is not None:
        return _parse_events(text, filename)
    return _parse_nodes(text, filename)


def _parse_nodes(text: str, filename: str) -> tuple[Any, SourceMap]:
    """Pure-Python path (PyYAML without libyaml): compose nodes, then build data."""
    loader = _StrictLoader(text, filename)
    smap = SourceMap(filename)
    try:
        with _yaml_errors(filename):
            node = loader.get_single_node()
    finally:
        loader.dispose()
    if node is None:
        return None, smap
    return _build(node, (), smap), smap


# ---- the fast path: libyaml's parser events, composed straight into data --------------------

try:
    from yaml._yaml import CParser as _CParser  # libyaml; absent on some installs
except ImportError:  # pragma: no cover
    _CParser = None  # type: ignore[assignment,misc]

_RESOLVER = Resolver()
_STANDARD_TAG = "tag:yaml.org,2002:"
# the core schema only: !!python/…, !!binary, !!set, !!omap and local tags are refused, never ignored
_ALLOWED_TAGS = frozenset([None, "!"] + [_STANDARD_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")])


def _check_tag(tag: str | None, mark: Any, filename: str) -> None:
    if tag not in _ALLOWED_TAGS:
        raise NormkitError("NK102", f"YAML tag {tag!r} is not allowed in normkit files",
                           location=Location(filename, mark.line + 1, mark.column + 1))


class _ScalarView:
    """What :func:`_scalar` needs of a scalar: its resolved tag, text, style and position."""

    __slots__ = ("start_mark", "style", "tag", "value")

    def __init__(self, tag: str, value: str, style: str | None, start_mark: Any) -> None:
        self.tag, self.value, self.style, self.start_mark = tag, value, style, start_mark


@contextmanager
def _yaml_errors(filename: str) -> Iterator[None]:
    """PyYAML's exceptions as normkit errors with positions."""
    try:
        yield
    except NormkitError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(filename, mark.line + 1, mark.column + 1) if mark else Location(filename)
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit, met first by [[[[… or {{{{…
            raise NormkitError("NK105", f"YAML document has nesting deeper than {MAX_DEPTH}", location=loc) from None
        raise NormkitError("NK102", f"YAML syntax error: {exc.problem or exc.context}", location=loc) from None
    except yaml.YAMLError as exc:
        raise NormkitError("NK102", f"YAML error: {exc}", location=Location(filename)) from None
    except RecursionError:
        raise NormkitError("NK105", "YAML document is nested too deeply", location=Location(filename)) from None


def _parse_events(text: str, filename: str) -> tuple[Any, SourceMap]:
    parser = _CParser(text)
    smap = SourceMap(filename)
    state = {"nodes": 0}
    with _yaml_errors(filename):
        return _events_document(parser, smap, state, filename)


def _events_document(parser: Any, smap: SourceMap, state: dict[str, int], filename: str) -> tuple[Any, SourceMap]:
    try:
        parser.get_event()  # stream start
        if parser.check_event(StreamEndEvent):
            return None, smap
        parser.get_event()  # document start
        data = _compose(parser, (), smap, 1, state, filename)
        parser.get_event()  # document end
        if not parser.check_event(StreamEndEvent):
            ev = parser.peek_event()
            raise NormkitError("NK102", "a file must hold a single YAML document",
                               location=Location(filename, ev.start_mark.line + 1, ev.start_mark.column + 1))
        return data, smap
    finally:
        parser.dispose()


def _where(filename: str, mark: Any, path: PathKey = ()) -> Location:
    return Location(filename, mark.line + 1, mark.column + 1, format_path(path) or None)


def _compose(parser: Any, path: PathKey, smap: SourceMap, depth: int, state: dict[str, int], filename: str) -> Any:
    ev = parser.get_event()
    if isinstance(ev, AliasEvent) or getattr(ev, "anchor", None):
        raise NormkitError("NK104", "YAML anchors and aliases are not allowed in normkit files", location=_where(filename, ev.start_mark))
    state["nodes"] += 1
    if depth > MAX_DEPTH or state["nodes"] > MAX_NODES:
        what = f"nesting deeper than {MAX_DEPTH}" if depth > MAX_DEPTH else f"more than {MAX_NODES} values"
        raise NormkitError("NK105", f"YAML document has {what}", location=_where(filename, ev.start_mark))
    tag = getattr(ev, "tag", None)
    _check_tag(tag, ev.start_mark, filename)
    mark = ev.start_mark
    smap._where[path] = (mark.line + 1, mark.column + 1)
    if isinstance(ev, ScalarEvent):
        if ev.end_mark is not None and mark.line == ev.end_mark.line:
            smap._single_line[path] = 1 if ev.style in ("'", '"') else 0
        if tag in (None, "!"):
            tag = _RESOLVER.resolve(ScalarNode, ev.value, ev.implicit)
        return _scalar(_ScalarView(tag, ev.value, ev.style, mark), filename)  # type: ignore[arg-type]
    if isinstance(ev, SequenceStartEvent):
        items = []
        i = 0
        while not parser.check_event(SequenceEndEvent):
            items.append(_compose(parser, path + (i,), smap, depth + 1, state, filename))
            i += 1
        parser.get_event()
        return items
    if isinstance(ev, MappingStartEvent):
        out: dict[Any, Any] = {}
        while not parser.check_event(MappingEndEvent):
            kev = parser.peek_event()
            if not isinstance(kev, ScalarEvent) or getattr(kev, "anchor", None):
                if isinstance(kev, AliasEvent) or getattr(kev, "anchor", None):
                    raise NormkitError("NK104", "YAML anchors and aliases are not allowed in normkit files", location=_where(filename, kev.start_mark))
                raise NormkitError("NK201", "mapping keys must be plain values", location=_where(filename, kev.start_mark, path))
            parser.get_event()
            _check_tag(kev.tag, kev.start_mark, filename)
            ktag = kev.tag if kev.tag not in (None, "!") else _RESOLVER.resolve(ScalarNode, kev.value, kev.implicit)
            key = _scalar(_ScalarView(ktag, kev.value, kev.style, kev.start_mark), filename)  # type: ignore[arg-type]
            if isinstance(key, Decimal):  # keys like 01.03 stay text
                key = kev.value
            if key in out:
                first = smap.locate(path + (str(key),))
                raise NormkitError("NK103", f"duplicate key {key!r} (first defined at line {first.line})",
                                   location=_where(filename, kev.start_mark, path + (str(key),)))
            child = path + (key if isinstance(key, (str, int)) else str(key),)
            out[key] = _compose(parser, child, smap, depth + 1, state, filename)
        parser.get_event()
        return out
    raise NormkitError("NK102", f"unexpected YAML event {type(ev).__name__}", location=_where(filename, mark))  # pragma: no cover


def _build(node: Node, path: PathKey, smap: SourceMap) -> Any:
    smap.record(path, node)
    if isinstance(node, MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise NormkitError("NK201", "mapping keys must be plain values", location=_loc(smap, key_node, path))
            key = _scalar(key_node, smap.file)
            if isinstance(key, Decimal):  # keys like 01.03 stay text
                key = key_node.value
            if key in out:
                first = smap.locate(path + (str(key),))
                raise NormkitError(
                    "NK103",
                    f"duplicate key {key!r} (first defined at line {first.line})",
                    location=_loc(smap, key_node, path + (str(key),)),
                )
            child_path = path + (key if isinstance(key, (str, int)) else str(key),)
            smap.record(child_path, value_node)
            out[key] = _build(value_node, child_path, smap)
        return out
    if isinstance(node, SequenceNode):
        return [_build(child, path + (i,), smap) for i, child in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    return _scalar(node, smap.file)


def _loc(smap: SourceMap, node: Node, path: PathKey) -> Location:
    m = node.start_mark
    return Location(smap.file, m.line + 1, m.column + 1, format_path(path) or None)


def _scalar(node: ScalarNode, filename: str) -> Any:
    tag = node.tag
    text = node.value
    if node.style in ("'", '"', "|", ">") or tag == "tag:yaml.org,2002:str":
        return text
    try:
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            lowered = text.lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            return text  # yes/no/on/off stay text: YAML 1.1's surprise booleans
        if tag == "tag:yaml.org,2002:int":
            if _INT_RE.match(text):
                return _in_range(int(text.replace("_", "")), node, filename)
            return text  # 0x.., 0o.., 1:30 (sexagesimal) stay text
        if tag == "tag:yaml.org,2002:float":
            lowered = text.lower()
            if "nan" in lowered or "inf" in lowered:
                raise NormkitError("NK106", f"{text!r} is not a number normkit accepts", location=Location(filename, node.start_mark.line + 1, node.start_mark.column + 1))
            # plain decimals, or the exponent form (1.5e+3), exact as Decimal
            return _in_range(Decimal(text.replace("_", "")), node, filename)
        if tag == "tag:yaml.org,2002:timestamp":
            if _DATE_RE.match(text):
                return dt.date.fromisoformat(text)
            return text
    except (ValueError, InvalidOperation):
        raise NormkitError("NK106", f"{text!r} is not a valid value", location=Location(filename, node.start_mark.line + 1, node.start_mark.column + 1)) from None
    return text


RANGE_EXP = 60  # numbers lie between 10^-60 and 10^60 in size, as in normkit's Decimal context


def _in_range(value: Any, node: ScalarNode, filename: str) -> Any:
    """A number normkit can compute with; anything bigger than 10^60 (or smaller than 10^-60) is refused."""
    d = Decimal(value)
    if d and not -RANGE_EXP <= d.adjusted() <= RANGE_EXP:
        raise NormkitError("NK106", f"{node.value!r} is out of range: numbers must lie between 10^-{RANGE_EXP} and 10^{RANGE_EXP} in size",
                           location=Location(filename, node.start_mark.line + 1, node.start_mark.column + 1))
    return value
