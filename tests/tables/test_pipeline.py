"""The background stage of a streaming run (normkit.core.io.pipeline): items in order, bounded,
errors raised in the caller's thread as the same object."""

from __future__ import annotations

import threading
import time

import pytest

from normkit.core.errors import NormkitError
from normkit.core.io.pipeline import Stage


def test_items_are_handled_in_order_in_another_thread():
    seen: list[tuple[int, str]] = []
    stage = Stage(lambda i: seen.append((i, threading.current_thread().name)), name="t-order")
    for i in range(200):
        stage.put(i)
    stage.finish()
    assert [i for i, _ in seen] == list(range(200))
    assert {name for _, name in seen} == {"t-order"}


def test_at_most_depth_items_wait():
    gate = threading.Event()
    started = threading.Event()

    def work(item: int) -> None:
        started.set()
        gate.wait()

    stage = Stage(work, depth=2)
    stage.put(0)
    started.wait()  # item 0 in hand
    stage.put(1)
    stage.put(2)  # two waiting: the queue is full
    blocked = threading.Thread(target=stage.put, args=(3,))
    blocked.start()
    time.sleep(0.05)
    assert blocked.is_alive()  # a fourth item waits for room
    gate.set()
    blocked.join(5)
    assert not blocked.is_alive()
    stage.finish()


def test_an_error_is_raised_at_the_next_put_as_the_same_object_and_the_rest_dropped():
    error = NormkitError("NK805", "cannot write o.csv: No space left on device")
    done: list[int] = []

    def work(item: int) -> None:
        if item == 1:
            raise error
        done.append(item)

    stage = Stage(work)
    stage.put(0)
    stage.put(1)
    with pytest.raises(NormkitError) as raised:
        for i in range(2, 100):
            stage.put(i)
            time.sleep(0.001)
    assert raised.value is error
    stage.finish()  # raised once only
    assert done == [0]


def test_finish_raises_an_error_of_the_last_item():
    def work(item: int) -> None:
        raise ValueError(f"item {item}")

    stage = Stage(work)
    stage.put(7)
    with pytest.raises(ValueError, match="item 7"):
        stage.finish()


def test_cancel_drops_what_waits_and_raises_nothing():
    done: list[int] = []
    gate = threading.Event()

    def work(item: int) -> None:
        gate.wait()
        if item == 0:
            raise RuntimeError("ignored: the caller is already failing")
        done.append(item)

    stage = Stage(work)
    stage.put(0)
    stage.put(1)
    gate.set()
    stage.cancel()
    stage.finish()
    assert done in ([], [1]) and not stage._thread.is_alive()


def test_without_background_the_work_is_done_at_put_in_the_callers_thread():
    seen: list[tuple[int, str]] = []
    stage = Stage(lambda i: seen.append((i, threading.current_thread().name)), background=False)
    stage.put(1)
    assert seen == [(1, threading.current_thread().name)]  # done already, here
    error = ValueError("at once")

    def fail(item: int) -> None:
        raise error

    inline = Stage(fail, background=False)
    with pytest.raises(ValueError) as raised:
        inline.put(2)
    assert raised.value is error
    inline.finish()
    stage.finish()


def test_read_ahead_gives_the_same_items_and_error_in_place_with_or_without_a_thread():
    from normkit.core.io.pipeline import read_ahead

    def source():
        yield from range(5)
        raise KeyError("row 6")

    for background in (True, False):
        got: list[int] = []
        with pytest.raises(KeyError, match="row 6"):
            for item in read_ahead(source(), depth=1, background=background):
                got.append(item)
        assert got == [0, 1, 2, 3, 4]


def test_cores_is_the_affinity():
    import os

    from normkit.core.io.pipeline import cores

    assert cores() == (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
