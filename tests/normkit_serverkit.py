"""Start ``normkit serve`` for real on a free loopback port (tests and the HTTP benchmark)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from normkit_testpaths import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_service(packs: Mapping[str, Path], startup_seconds: float = 30) -> Iterator[str]:
    """Serve with ``NORMKIT_PATH`` holding ``packs`` (name -> pack folder); yields the base URL."""
    with service_process(packs, startup_seconds=startup_seconds) as (url, _proc):
        yield url


@contextmanager
def service_process(packs: Mapping[str, Path], options: Sequence[str] = (), env: Mapping[str, str] | None = None,
                    startup_seconds: float = 30, token: str | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``normkit serve --host 127.0.0.1`` with ``options`` and ``env`` added; yields the base URL and
    the server process (its pid for memory readings). ``token``: sent with the health probe."""
    import httpx

    folder = Path(tempfile.mkdtemp(prefix="normkit-serve-"))
    for name, path in packs.items():
        (folder / name).symlink_to(path)
    port = free_port()
    log = (folder / "server.log").open("wb")  # a file, not a pipe: a full pipe would block the server
    full_env = dict(os.environ, NORMKIT_PATH=str(folder), PYTHONPATH=str(ROOT), **(env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "normkit", "serve", "--host", "127.0.0.1", "--port", str(port), *options],
                            env=full_env, stdout=subprocess.DEVNULL, stderr=log)
    probe = {"authorization": f"Bearer {token}"} if token else {}
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                if httpx.get(url + "/health", timeout=1, headers=probe).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start: " + ((folder / "server.log").read_text(errors="replace")
                                                                   if proc.poll() is not None else "timeout"))
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
