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
from typing import Any

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


def rss_mib(pid: int) -> float:
    """The resident memory of process ``pid`` in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def load_mix(budget: dict) -> list[tuple[str, str, dict | bytes, int]]:
    """The requests of the load test: (kind, path, JSON body or raw bytes, expected status).
    Small quotes, traced quotes, budget checks, and bad requests that must get their error."""
    small = {"pack": "example-province",
             "order": {"id": "q", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": 3}]}}
    traced = {"pack": "example-province", "trace": True,
              "order": {"id": "t", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": n} for n in range(1, 21)]}}
    unknown = {"pack": "example-province", "order": {"id": "u", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.11"}]}}
    return [("small quote", "/v1/quote", small, 200), ("traced quote", "/v1/quote", traced, 200),
            ("small quote", "/v1/quote", small, 200), ("budget check", "/v1/check", {"budget": budget}, 200),
            ("small quote", "/v1/quote", small, 200), ("bad: unknown norm", "/v1/quote", unknown, 422),
            ("small quote", "/v1/quote", small, 200), ("bad: not JSON", "/v1/check", b"{not json", 422),
            ("small quote", "/v1/quote", small, 200), ("bad: not UTF-8", "/v1/quote", b'{"pack": "\xff"}', 415)]


def run_load(url: str, mix: list[tuple[str, str, dict | bytes, int]], total: int, concurrency: int,
             seconds: float) -> tuple[dict[str, list[float]], list[str], float]:
    """Send ``total`` requests of ``mix`` (in turn) from ``concurrency`` threads, stopping after
    ``seconds``; returns latencies by kind, the requests answered otherwise than expected, and the wall time."""
    import threading

    import httpx

    with httpx.Client(base_url=url, timeout=30) as warm:  # load the pack once, as a running service has it
        for _kind, path, body, status in mix:
            assert _post(warm, path, body).status_code == status
    latencies: dict[str, list[float]] = {kind: [] for kind, *_ in mix}
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))
    stop = time.monotonic() + seconds

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < stop:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                kind, path, body, status = mix[i % len(mix)]
                start = time.perf_counter()
                try:
                    r = _post(client, path, body)
                    why = None if r.status_code == status and ("error" in r.json()) == (status != 200) else f"{kind}: HTTP {r.status_code}"
                except (httpx.HTTPError, ValueError) as exc:
                    why = f"{kind}: {type(exc).__name__}"
                elapsed = time.perf_counter() - start
                with lock:
                    latencies[kind].append(elapsed)
                    if why:
                        errors.append(why)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - start


def _post(client: Any, path: str, body: dict | bytes) -> Any:
    if isinstance(body, bytes):
        return client.post(path, content=body, headers={"content-type": "application/json"})
    return client.post(path, json=body)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]
