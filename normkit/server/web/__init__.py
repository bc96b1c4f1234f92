"""The web workspace: pages for provincial officers, served by ``normkit serve`` next to the JSON API.

Pages at stable URLs (``/``, ``/price``, ``/whatif``, ``/check``, ``/households``, ``/packs``),
Vietnamese by default (``?lang=en`` for English), rendered on the server from Jinja2 templates
with a little JavaScript (static/web.js: the access token, the findings filter, the rates view).
The pages compute nothing themselves: every figure comes from the same functions as the CLI and
the JSON API (:mod:`normkit.api`, :mod:`normkit.media`, :mod:`normkit.budget`, :mod:`normkit.poverty`).
docs/workspace.md describes them.
"""

from __future__ import annotations

from normkit.server.web.pages import router

__all__ = ["router"]
