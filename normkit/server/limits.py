"""The service's limits, importable without the server extra (``normkit serve`` reads them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The service's limits (``normkit serve`` options; docs/integration.md)."""

    max_body: int = 1_000_000
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_concurrent: int = 32
    token: str | None = None
