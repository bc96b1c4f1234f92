"""The service's front door, over real loopback sockets (127.0.0.1 only, bounded in count and
time): one error contract for every refusal, slow clients dropped, the token, the limits."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from normkit_serverkit import service_process  # noqa: E402  (after the importorskip guards)
from normkit_testpaths import EXAMPLES  # noqa: E402  (after the importorskip guards)

PACKS = {"example-province": EXAMPLES / "packs" / "example-province"}
ORDER = {"id": "EX", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": 3}]}
QUOTE = {"pack": "example-province", "order": ORDER}
TOKEN = "s3cret-token-for-tests-only-0123"


@pytest.fixture(scope="module")
def service():
    with service_process(PACKS, options=["--header-timeout", "1", "--body-timeout", "1.5", "--max-concurrent", "8"]) as running:
        yield running


@pytest.fixture(scope="module")
def url(service):
    return service[0]


def error_of(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    err = r.json()["error"]
    assert set(err) >= {"code", "message", "location", "hint"} and err["hint"]
    return err


def test_chunked_body_over_the_limit_is_413(url) -> None:
    def chunks():
        for _ in range(11):
            yield b" " * 100_000

    err = error_of(httpx.post(url + "/v1/quote", content=chunks(), headers={"content-type": "application/json"}, timeout=10), 413)
    assert (err["code"], err["message"], err["path"]) == ("NK905", "the request body is larger than 1000000 bytes", "body")


def test_deep_nesting_is_422(url) -> None:
    body = b'{"pack": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    err = error_of(httpx.post(url + "/v1/quote", content=body, headers={"content-type": "application/json"}, timeout=10), 422)
    assert (err["code"], err["message"]) == ("NK905", "the JSON body is nested too deeply")


def test_integer_of_4300_digits_is_422(url) -> None:
    body = b'{"pack": "example-province", "order": {"id": "x", "date": "2024-09-15", "items": [{"norm": "01.03.01.50.10", "quantity": ' \
        + b"9" * 4301 + b"}]}}"
    err = error_of(httpx.post(url + "/v1/quote", content=body, headers={"content-type": "application/json"}, timeout=10), 422)
    assert (err["code"], err["message"]) == ("NK905", "a number in the JSON body has too many digits (more than 4300)")


def test_invalid_utf8_is_415(url) -> None:
    err = error_of(httpx.post(url + "/v1/quote", content=b'{"pack": "\xff"}', headers={"content-type": "application/json"}), 415)
    assert (err["code"], err["message"], err["path"]) == ("NK907", "the request body is not UTF-8 (byte 10)", "body")


def test_posts_from_another_site_are_403(url) -> None:
    """Cross-site request forgery: a page of another site may not make a browser drive the service."""
    host = url.removeprefix("http://")
    r = httpx.post(url + "/v1/quote", json=QUOTE, headers={"origin": "https://evil.example"})
    err = error_of(r, 403)
    assert (err["code"], err["message"], err["path"]) == (
        "NK918", f"a POST sent from another site (https://evil.example) to {host} is refused", "headers.origin")
    err = error_of(httpx.post(url + "/price", data={"pack": "example-province"}, headers={"origin": "null"}), 403)
    assert err["message"] == f"a POST sent from another site (null) to {host} is refused"
    err = error_of(httpx.post(url + "/v1/quote", json=QUOTE, headers={"sec-fetch-site": "cross-site"}), 403)
    assert (err["code"], err["path"]) == ("NK918", "headers.sec-fetch-site")
    # another port of the same host is another origin
    port = int(host.rsplit(":", 1)[1])
    err = error_of(httpx.post(url + "/v1/quote", json=QUOTE, headers={"origin": f"http://127.0.0.1:{port + 1}"}), 403)
    assert err["code"] == "NK918"
    # the workspace's own pages (same origin), and programs that send no Origin, are served
    ok = httpx.post(url + "/v1/quote", json=QUOTE, headers={"origin": url, "sec-fetch-site": "same-origin"})
    assert ok.status_code == 200 and ok.json()["total"] == "5336124"
    assert httpx.post(url + "/v1/quote", json=QUOTE).status_code == 200
    assert httpx.get(url + "/health", headers={"origin": "https://evil.example"}).status_code == 200  # reading needs no body


def test_gzip_bodies_are_415(url) -> None:
    packed = gzip.compress(json.dumps(QUOTE).encode())
    r = httpx.post(url + "/v1/quote", content=packed, headers={"content-type": "application/json", "content-encoding": "gzip"})
    err = error_of(r, 415)
    assert (err["code"], err["message"]) == ("NK907", "Content-Encoding 'gzip' is not accepted: send the JSON body uncompressed")
    err = error_of(httpx.post(url + "/v1/quote", content=packed, headers={"content-type": "application/json"}), 415)
    assert (err["code"], err["message"]) == ("NK907", "the request body is not UTF-8 (byte 1)")


def test_unknown_routes_are_404(url) -> None:
    for r in (httpx.get(url + "/v2/nope"), httpx.post(url + "/v2/nope", json={})):
        err = error_of(r, 404)
        assert (err["code"], err["message"]) == ("NK908", "no route /v2/nope")
    err = error_of(httpx.get(url + "/docs"), 404)  # the interactive page is off: it would need a CDN
    assert err["message"] == "no route /docs"
    assert httpx.get(url + "/openapi.json").json()["info"]["title"] == "normkit"


def test_wrong_methods_are_405(url) -> None:
    r = httpx.get(url + "/v1/quote")
    err = error_of(r, 405)
    assert (err["code"], err["message"], err["path"]) == ("NK908", "GET is not allowed on /v1/quote (allowed: POST)", "method")
    assert r.headers["allow"] == "POST"
    err = error_of(httpx.delete(url + "/health"), 405)
    assert err["message"] == "DELETE is not allowed on /health (allowed: GET)"


def _slow(port: int, head: bytes) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(head)
    return s


def _read_until_closed(s: socket.socket, seconds: float) -> bytes:
    s.settimeout(seconds)
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except TimeoutError:
        return data + b"<still open>"
    return data


def test_slow_clients_are_dropped_and_others_keep_their_latency(url) -> None:
    port = int(url.rsplit(":", 1)[1])
    heads = [_slow(port, b"POST /v1/quote HTTP/1.1\r\nHost: 127.0.0.1\r\n") for _ in range(6)]  # headers never finish
    bodies = [_slow(port, b"POST /v1/quote HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100\r\n\r\n{") for _ in range(10)]  # more than --max-concurrent 8
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            client.post("/v1/quote", json=QUOTE).raise_for_status()  # warm
            times = []
            for _ in range(10):
                start = time.perf_counter()
                assert client.post("/v1/quote", json=QUOTE).json()["total"] == "5336124"
                times.append(time.perf_counter() - start)
        assert max(times) < 1.0, times
        for s in heads:
            assert _read_until_closed(s, 4) == b""  # closed after the 1 s header timeout, without an answer
        for s in bodies:
            answer = _read_until_closed(s, 4)
            assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
            err = json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]
            assert (err["code"], err["message"]) == ("NK908", "the request body did not arrive within 1.5 s")
    finally:
        for s in heads + bodies:
            s.close()


def test_slow_head_on_a_kept_alive_connection_is_dropped(url) -> None:
    port = int(url.rsplit(":", 1)[1])
    s = _slow(port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    try:
        s.settimeout(5)
        first = s.recv(65536)
        for _ in range(5):  # the head and the body may come in separate reads
            if b"}" in first:
                break
            first += s.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ") and b'"status":"ok"' in first
        start = time.monotonic()
        s.sendall(b"GET /health HTTP/1.1\r\n")  # the next request's head never finishes
        assert _read_until_closed(s, 4) == b""
        assert time.monotonic() - start < 3  # the 1 s header timeout, not the 5 s keep-alive
    finally:
        s.close()


def test_token_required_when_set() -> None:
    with service_process(PACKS, env={"NORMKIT_TOKEN": TOKEN}, token=TOKEN) as (url, _proc):
        err = error_of(httpx.post(url + "/v1/quote", json=QUOTE), 401)
        assert (err["code"], err["message"]) == ("NK906", "the access token is missing: send `Authorization: Bearer <token>`")
        r = httpx.get(url + "/health", headers={"authorization": "Bearer " + TOKEN[:-1] + "x"})
        err = error_of(r, 401)
        assert err["message"] == "the access token is wrong: send `Authorization: Bearer <token>`"
        assert r.headers["www-authenticate"] == "Bearer"
        r = httpx.post(url + "/v1/quote", json=QUOTE, headers={"authorization": "Bearer " + TOKEN})
        assert r.status_code == 200 and r.json()["total"] == "5336124"


def test_concurrency_limit_answers_503() -> None:
    from normkit.server.guard import Guard
    from normkit.server.limits import Limits

    release = asyncio.Event()

    async def app(scope, receive, send) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def call(guard: Guard) -> list[dict]:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        await guard({"type": "http", "method": "GET", "path": "/health", "headers": []}, receive, send)
        return sent

    async def main() -> tuple[list[dict], list[dict], list[dict]]:
        guard = Guard(app, Limits(max_concurrent=2))
        first, second = asyncio.create_task(call(guard)), asyncio.create_task(call(guard))
        await asyncio.sleep(0.05)
        third = await call(guard)  # two in progress: refused at once
        release.set()
        return await first, await second, third

    first, second, third = asyncio.run(main())
    assert first[0]["status"] == second[0]["status"] == 200
    assert third[0]["status"] == 503 and (b"retry-after", b"1") in third[0]["headers"]
    err = json.loads(third[1]["body"])["error"]
    assert (err["code"], err["message"]) == ("NK908", "the service is busy: 2 requests in progress")


def test_serve_refuses_a_public_bind_without_token(monkeypatch) -> None:
    from normkit.cli.main import COMMANDS, parser
    from normkit.core.errors import NormkitError

    monkeypatch.delenv("NORMKIT_TOKEN", raising=False)
    with pytest.raises(NormkitError) as e:
        args = parser().parse_args(["serve", "--host", "0.0.0.0"])
        COMMANDS["serve"](args)
    assert (e.value.code, e.value.message) == (
        "NK906", "binding to 0.0.0.0 (not a loopback address) needs an access token: give --token or set NORMKIT_TOKEN")
    with pytest.raises(NormkitError) as e:
        args = parser().parse_args(["serve", "--host", "::", "--token", "short"])
        COMMANDS["serve"](args)
    assert e.value.message == "the access token is too short: 5 characters, at least 16 needed"


def test_serve_options_and_environment(monkeypatch) -> None:
    from normkit.cli.main import parser
    from normkit.cli.serve import limits_from
    from normkit.core.errors import NormkitError
    from normkit.server.limits import Limits

    monkeypatch.delenv("NORMKIT_TOKEN", raising=False)
    assert limits_from(parser().parse_args(["serve"])) == Limits()
    monkeypatch.setenv("NORMKIT_BODY_TIMEOUT", "7.5")
    monkeypatch.setenv("NORMKIT_MAX_CONCURRENT", "3")
    got = limits_from(parser().parse_args(["serve", "--max-concurrent", "5", "--header-timeout", "2", "--host", "::1"]))
    assert got == Limits(header_timeout=2.0, body_timeout=7.5, max_concurrent=5)
    monkeypatch.setenv("NORMKIT_MAX_BODY", "lots")
    with pytest.raises(NormkitError) as e:
        limits_from(parser().parse_args(["serve"]))
    assert (e.value.code, e.value.message) == ("NK601", "NORMKIT_MAX_BODY: 'lots' is not a positive whole number")


def test_serve_help_names_the_token_rule(capsys) -> None:
    from normkit.cli.main import parser

    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "binding any other address requires an access token (--token or NORMKIT_TOKEN" in out
    assert "the interactive /docs page is off" in out
