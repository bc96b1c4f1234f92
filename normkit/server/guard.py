"""The service's front door: an ASGI middleware and a uvicorn protocol that hold every request
to the same limits and answer every refusal with normkit's error body.

- A body-carrying request sent by a browser from another site (a ``Sec-Fetch-Site: cross-site``
  header, or an ``Origin`` that is not the ``Host`` the request was sent to, ``null`` included):
  403 NK918. The workspace's forms and the JSON API compute without side effects, but a page on
  another site must not make a user's browser drive the service (cross-site request forgery).
  Clients that are not browsers send no ``Origin`` and are not affected.
- ``Authorization: Bearer <token>`` when a token is set (``hmac.compare_digest``): else 401 NK906 —
  except a GET of a workspace page without any Authorization header, which is marked
  ``state["normkit_locked"]`` and answered with a shell that asks for the token (no data).
- At most ``max_concurrent`` requests in progress (counted once their body is in): else 503 NK908.
- No ``Content-Encoding`` but identity: else 415 NK907; a body that is not UTF-8: 415 NK907 (except a
  ``multipart/form-data`` upload to a workspace page, whose files may be binary).
- The whole body is read here, within ``body_timeout`` seconds and ``max_body`` bytes (by
  Content-Length and while reading, so chunked bodies too): else 408 NK908 or 413 NK905, and the
  connection is closed.
- :func:`protocol` closes a connection whose request line and headers have not all arrived within
  ``header_timeout`` seconds (uvicorn itself waits for headers forever).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from normkit.core.errors import Location, NormkitError
from normkit.server.limits import Limits

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


PAGE_PATHS = frozenset({"/", "/price", "/whatif", "/check", "/households", "/packs"})


def open_page(scope: Any) -> bool:
    """A GET of a workspace page or its static files: served without the token, but as a shell
    that shows no data and asks for the token (the page then sends it as a header)."""
    path = scope.get("path", "")
    return scope.get("method") in ("GET", "HEAD") and (path in PAGE_PATHS or path.startswith("/static/"))


def error_response(err: NormkitError, status: int, headers: dict[str, str] | None = None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"error": err.to_dict()}, ensure_ascii=False).encode("utf-8")
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    head += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return status, head, body


async def send_error(send: Any, err: NormkitError, status: int, headers: dict[str, str] | None = None) -> None:
    code, head, body = error_response(err, status, headers)
    await send({"type": "http.response.start", "status": code, "headers": head})
    await send({"type": "http.response.body", "body": body})


class _Refused(Exception):
    def __init__(self, err: NormkitError, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(err.message)
        self.err, self.status, self.headers = err, status, headers


class Guard:
    """ASGI middleware applying :class:`Limits` before the application sees a request."""

    def __init__(self, app: Any, limits: Limits) -> None:
        self.app, self.limits = app, limits
        self.active = 0
        self._token = limits.token.encode("utf-8") if limits.token else None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_headers(scope)
            body = await self._read_body(scope, receive) if scope.get("method") in BODY_METHODS else None
            # counted once the body is in: a slow body holds its connection, not a worker's place
            if self.active >= self.limits.max_concurrent:
                raise _Refused(NormkitError("NK908", f"the service is busy: {self.limits.max_concurrent} requests in progress",
                                            hint="retry in a moment"), 503, {"retry-after": "1"})
        except _Refused as r:
            await send_error(send, r.err, r.status, r.headers)
            return
        self.active += 1
        try:
            await self.app(scope, receive if body is None else _replay(body, receive), send)
        finally:
            self.active -= 1

    def _check_headers(self, scope: Any) -> None:
        headers = dict(scope.get("headers", []))
        if scope.get("method") in BODY_METHODS:
            refuse_cross_site(scope.get("method", ""), headers, scope.get("scheme", "http"))
        if self._token is not None:
            given = headers.get(b"authorization", b"")
            scope.setdefault("state", {})["normkit_token"] = True
            if not given and open_page(scope):  # the workspace's page shell: it asks for the token (normkit.server.web)
                scope["state"]["normkit_locked"] = True
            elif not hmac.compare_digest(given, b"Bearer " + self._token):
                what = "missing" if not given else "wrong"
                raise _Refused(NormkitError("NK906", f"the access token is {what}: send `Authorization: Bearer <token>`",
                                            location=Location(path="headers.authorization")), 401, {"www-authenticate": "Bearer"})
        encoding = headers.get(b"content-encoding", b"").decode("latin-1").strip().lower()
        if encoding not in ("", "identity"):
            raise _Refused(NormkitError("NK907", f"Content-Encoding {encoding!r} is not accepted: send the JSON body uncompressed",
                                        location=Location(path="headers.content-encoding")), 415)
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limits.max_body
            except ValueError:
                too_big = True
            if too_big:
                raise self._too_large()

    def _too_large(self) -> _Refused:
        return _Refused(NormkitError("NK905", f"the request body is larger than {self.limits.max_body} bytes", location=Location(path="body")),
                        413, {"connection": "close"})

    async def _read_body(self, scope: Any, receive: Any) -> bytes:
        chunks: list[bytes] = []
        seen = 0
        try:
            async with asyncio.timeout(self.limits.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":  # the client went away
                        break
                    chunk = message.get("body", b"")
                    seen += len(chunk)
                    if seen > self.limits.max_body:
                        raise self._too_large()
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            raise _Refused(NormkitError("NK908", f"the request body did not arrive within {self.limits.body_timeout:g} s",
                                        location=Location(path="body"), hint="send the whole body at once"),
                           408, {"connection": "close"}) from None
        body = b"".join(chunks)
        if dict(scope.get("headers", [])).get(b"content-type", b"").lower().startswith(b"multipart/form-data"):
            return body  # a workspace upload (XLSX, Parquet are binary); only the page routes read forms
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _Refused(NormkitError("NK907", f"the request body is not UTF-8 (byte {e.start})", location=Location(path="body")),
                           415) from None
        return body


_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _netloc(scheme: str, netloc: str) -> str:
    """``host[:port]`` lower-cased, without the scheme's default port."""
    netloc = netloc.strip().lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(":" + default) and not netloc.endswith("]"):
        netloc = netloc[: -len(default) - 1]
    return netloc


def refuse_cross_site(method: str, headers: dict[bytes, bytes], scheme: str) -> None:
    """403 NK918 for a request a browser sent from a page of another site (see the module text)."""
    site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
    origin = headers.get(b"origin")
    host = headers.get(b"host", b"").decode("latin-1")
    if origin is not None:
        text = origin.decode("latin-1").strip()
        o_scheme, sep, o_netloc = text.partition("://")
        same = bool(sep) and o_netloc != "" and _netloc(o_scheme.lower(), o_netloc) == _netloc(scheme, host)
        if not same:
            raise _Refused(NormkitError("NK918", f"a {method} sent from another site ({text}) to {host or 'this service'} is refused",
                                        location=Location(path="headers.origin")), 403)
    if site == "cross-site":
        raise _Refused(NormkitError("NK918", f"a {method} sent from another site (Sec-Fetch-Site: cross-site) is refused",
                                    location=Location(path="headers.sec-fetch-site")), 403)


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def protocol(header_timeout: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing connections whose request head is not complete within
    ``header_timeout`` seconds of the connection (or of the previous response)."""

    class HeaderTimeoutProtocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            self._head_timer = self.loop.call_later(header_timeout, self._head_timeout)

        def _head_timeout(self) -> None:
            self._head_timer = None
            waiting = self.cycle is None or self.cycle.response_complete
            if waiting and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            super().connection_lost(exc)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

    return HeaderTimeoutProtocol
