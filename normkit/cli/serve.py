"""``normkit serve``: the HTTP service as a front-end of its own (not a budget command).

Keep this module light: FastAPI and uvicorn are imported only when the service starts.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
from collections.abc import Callable
from typing import Any

from normkit.core.errors import NormkitError
from normkit.server.limits import Limits

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _bounded(parse: Callable[[str], Any], ok: Callable[[Any], bool], what: str) -> Callable[[str], Any]:
    """An argparse type: ``parse`` the text, accept it when ``ok``, else a usage error saying ``what``."""

    def read(text: str) -> Any:
        try:
            n = parse(text)
        except ValueError:
            n = None
        if n is None or not ok(n):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return n

    return read


port_arg = _bounded(int, lambda n: 0 <= n <= 65535, "a port number (0-65535)")
number_arg = _bounded(float, lambda n: 0 < n < 1e6, "a positive number of seconds")
count_arg = _bounded(int, lambda n: 0 < n < 10**9, "a positive whole number")


def env_default(name: str, kind: Callable[[str], Any], default: Any) -> Any:
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    try:
        return kind(text)
    except argparse.ArgumentTypeError as e:
        raise NormkitError("NK601", f"{name}: {e}", hint=f"unset {name} or give it a valid value") from None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


MIN_TOKEN = 16


def register(sub: Any) -> dict[str, Callable[[Any], int]]:
    sv = sub.add_parser(
        "serve", help="serve quote, check, packs and schemas over HTTP (needs normkit[server])",
        description="Start the HTTP service (FastAPI on uvicorn) and the web workspace (pages at /, /price, /whatif, /check, "
                    "/households, /packs; docs/workspace.md): POST /v1/quote, POST /v1/check, POST /v1/deprivations, "
                    "POST /v1/whatif, POST /v1/sweep, POST /v1/households/classify, POST /v1/households/rates, "
                    "GET /v1/packs, GET /v1/schema/{kind}, GET /health; the OpenAPI document is at /openapi.json (the "
                    "interactive /docs page is off: it needs a CDN). Packs are only those installed or on NORMKIT_PATH, "
                    "chosen by name; no rule upload. It listens on 127.0.0.1 only by default; binding any other address "
                    f"requires an access token (--token or NORMKIT_TOKEN, at least {MIN_TOKEN} characters), which every "
                    "request must then send as `Authorization: Bearer <token>` (else 401). Each option below can also be "
                    "set by the environment variable named in its help.",
        epilog="example: normkit serve --port 8765  (then: curl -s localhost:8765/health); "
               "NORMKIT_TOKEN=$(openssl rand -hex 24) normkit serve --host 0.0.0.0")
    sv.add_argument("--host", default=DEFAULT_HOST,
                    help=f"address to listen on (default {DEFAULT_HOST}); any non-loopback address needs --token")
    sv.add_argument("--port", type=port_arg, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    sv.add_argument("--token", default=None,
                    help="access token every request must send as `Authorization: Bearer TOKEN` (env NORMKIT_TOKEN); "
                         "required to bind a non-loopback address")
    sv.add_argument("--max-body", type=count_arg, default=None, metavar="BYTES",
                    help=f"largest request body (env NORMKIT_MAX_BODY; default {Limits.max_body}): larger get 413")
    sv.add_argument("--header-timeout", type=number_arg, default=None, metavar="S",
                    help=f"close a connection whose request head is not in after S seconds (env NORMKIT_HEADER_TIMEOUT; default {Limits.header_timeout:g})")
    sv.add_argument("--body-timeout", type=number_arg, default=None, metavar="S",
                    help=f"answer 408 and close when a body is not in after S seconds (env NORMKIT_BODY_TIMEOUT; default {Limits.body_timeout:g})")
    sv.add_argument("--max-concurrent", type=count_arg, default=None, metavar="N",
                    help=f"requests in progress at once; more get 503 (env NORMKIT_MAX_CONCURRENT; default {Limits.max_concurrent})")
    sv.add_argument("--max-work", type=count_arg, default=None, metavar="LINES",
                    help=f"priced lines (items × norm lines) one quote or check may ask for; more get 413 NK909 before any work "
                         f"(env NORMKIT_MAX_WORK; default {Limits.max_work})")
    sv.add_argument("--max-trace-work", type=count_arg, default=None, metavar="LINES",
                    help=f"the same for a request with `trace: true` (env NORMKIT_MAX_TRACE_WORK; default {Limits.max_trace_work})")
    return {"serve": cmd_serve}


def limits_from(args: Any) -> Limits:
    """The service limits of ``normkit serve``: the options, else the environment, else the defaults;
    refuses (NK906) a non-loopback bind without a token and a token shorter than MIN_TOKEN."""
    def pick(value: Any, env: str, kind: Callable[[str], Any], default: Any) -> Any:
        return value if value is not None else env_default(env, kind, default)

    token = args.token if args.token is not None else (os.environ.get("NORMKIT_TOKEN") or None)
    if token is not None and len(token) < MIN_TOKEN:
        raise NormkitError("NK906", f"the access token is too short: {len(token)} characters, at least {MIN_TOKEN} needed",
                           hint="use a random token, e.g. `openssl rand -hex 24`")
    if token is None and not is_loopback(args.host):
        raise NormkitError("NK906", f"binding to {args.host} (not a loopback address) needs an access token: give --token or set NORMKIT_TOKEN",
                           hint="or serve on 127.0.0.1 (the default) behind your own proxy")
    return Limits(max_body=pick(args.max_body, "NORMKIT_MAX_BODY", count_arg, Limits.max_body),
                  header_timeout=pick(args.header_timeout, "NORMKIT_HEADER_TIMEOUT", number_arg, Limits.header_timeout),
                  body_timeout=pick(args.body_timeout, "NORMKIT_BODY_TIMEOUT", number_arg, Limits.body_timeout),
                  max_concurrent=pick(args.max_concurrent, "NORMKIT_MAX_CONCURRENT", count_arg, Limits.max_concurrent),
                  token=token, max_work=pick(args.max_work, "NORMKIT_MAX_WORK", count_arg, Limits.max_work),
                  max_trace_work=pick(args.max_trace_work, "NORMKIT_MAX_TRACE_WORK", count_arg, Limits.max_trace_work))


def cmd_serve(args: Any) -> int:
    limits = limits_from(args)
    try:
        import fastapi  # noqa: F401  (checked here so the message names the extra)
        import uvicorn
    except ImportError:
        raise NormkitError("NK810", "normkit serve needs the Python packages fastapi and uvicorn, which are not installed",
                           hint="pip install 'normkit[server]'") from None
    from normkit.server.app import create_app
    from normkit.server.guard import protocol

    uvicorn.run(create_app(limits=limits), host=args.host, port=args.port, log_level="info",
                http=protocol(limits.header_timeout), timeout_keep_alive=5)
    return 0
