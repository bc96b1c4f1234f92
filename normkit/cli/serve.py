"""``normkit serve``: the HTTP service as a front-end of its own (not a budget command).

Keep this module light: FastAPI and uvicorn are imported only when the service starts.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from normkit.core.errors import NormkitError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def port_arg(text: str) -> int:
    """An argparse type: a TCP port, 0-65535."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return n


def register(sub: Any) -> dict[str, Callable[[Any], int]]:
    sv = sub.add_parser(
        "serve", help="serve quote, check, packs and schemas over HTTP (needs normkit[server])",
        description="Start the HTTP service (FastAPI on uvicorn): POST /v1/quote, POST /v1/check, GET /v1/packs, "
                    "GET /v1/schema/{kind}, GET /health; the OpenAPI document is at /openapi.json. Packs are only those "
                    "installed or on NORMKIT_PATH, chosen by name; no rule upload.",
        epilog="example: normkit serve --port 8765  (then: curl -s localhost:8765/health)")
    sv.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    sv.add_argument("--port", type=port_arg, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    return {"serve": cmd_serve}


def cmd_serve(args: Any) -> int:
    try:
        import fastapi  # noqa: F401  (checked here so the message names the extra)
        import uvicorn
    except ImportError:
        raise NormkitError("NK601", "the HTTP service needs the server extra", hint="pip install 'normkit[server]'") from None
    from normkit.server.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")
    return 0
