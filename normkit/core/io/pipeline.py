"""One background stage of a streaming run: a function applied to items in order, in its own thread.

A file run (``classify``) reads a batch, evaluates it, checks its ids and writes it. Arrow's
writers and NumPy's sorts release the GIL, so on a machine with more than one core the writing
and the id check of one batch can go on while the next batch is read and evaluated. A
:class:`Stage` gives that overlap without changing what the run does:

- the items are handled one at a time, in the order they were given (a writer writes the rows in
  the order they were read; a check sees the ids in that order);
- at most ``depth`` items wait, so memory stays bounded by that many batches;
- an exception in the stage is kept and raised in the caller's thread at the next :meth:`put`, or
  by :meth:`finish` — the same exception object, so a ``NormkitError`` keeps its code, message and
  location; the items after it are dropped unread (the run is failing anyway);
- :meth:`cancel` stops it without raising (the caller is already failing with its own error).

On a machine (or under a CPU affinity) with one core there is nothing to overlap: a stage made
with ``background=False`` — see :func:`cores` — works in the caller's thread at :meth:`put`, and
``read_ahead(..., background=False)`` is the items themselves, with the same results and errors.

Nothing here knows what the items are.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_STOP = object()


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


class Stage:
    """``work(item)`` for every item :meth:`put`, in order, in one background thread (or, with
    ``background=False``, at once in the caller's thread)."""

    def __init__(self, work: Callable[[Any], object], *, depth: int = 2, name: str = "normkit-stage",
                 background: bool = True) -> None:
        self._work = work
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._inline = not background
        if background:
            self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if self._error is not None or self._cancelled:
                continue  # drain: the caller raises or has stopped
            try:
                self._work(item)
            except BaseException as exc:  # handed to the caller's thread, raised there
                self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._cancelled = True  # what is still queued is not worked on
            raise error

    def put(self, item: Any) -> None:
        """Queue ``item`` (waits while ``depth`` items wait); raises an earlier item's exception first."""
        self._raise()
        if self._inline:
            if not self._cancelled:
                self._work(item)
            return
        self._queue.put(item)

    def finish(self) -> None:
        """Wait until every item is handled; raise the first exception one of them raised."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        self._raise()

    def cancel(self) -> None:
        """Stop without raising: items not started are dropped, the one in hand is waited for."""
        self._cancelled = True
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        self._error = None


class _Raised:
    """An exception of the read-ahead thread, in its place among the items."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterable[Any], *, depth: int = 2, name: str = "normkit-read", background: bool = True) -> Iterator[Any]:
    """The items of ``items``, taken from it in a background thread, at most ``depth`` ahead.

    The same items in the same order; an exception the source raises is raised here after the
    items before it (the same object). When the caller stops early (``break``, an error, or
    closing this generator) the thread stops taking items and the source is closed in its thread.
    With ``background=False``: the items, taken in the caller's thread.
    """
    if not background:
        yield from items
        return
    waiting: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        source = iter(items)
        try:
            for item in source:
                if not offer(item):
                    return
            offer(_STOP)
        except BaseException as exc:  # raised in the caller's thread, in its place
            offer(_Raised(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = waiting.get()
            if item is _STOP:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


__all__ = ["Stage", "cores", "read_ahead"]
