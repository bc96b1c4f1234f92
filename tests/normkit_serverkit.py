"""Start ``normkit serve`` for real on a free loopback port (tests and the HTTP benchmark)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
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
    import httpx

    folder = Path(tempfile.mkdtemp(prefix="normkit-serve-"))
    for name, path in packs.items():
        (folder / name).symlink_to(path)
    port = free_port()
    env = dict(os.environ, NORMKIT_PATH=str(folder), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "normkit", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                assert proc.stderr is not None
                raise RuntimeError("the server did not start: " + (proc.stderr.read().decode() if proc.poll() is not None else "timeout"))
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
