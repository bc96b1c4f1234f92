"""normkit: Vietnam's media-production cost norms and poverty rules as exact, explainable numbers.

>>> import normkit
>>> rules = normkit.load("examples/packs/example-province")    # doctest: +SKIP
>>> quote = rules.quote("examples/orders/tv-bulletins.yaml")   # doctest: +SKIP
>>> str(quote.total)                                           # doctest: +SKIP
'5336124'
"""

from __future__ import annotations

from typing import Any

from normkit.core.errors import Location, NormkitError, NormkitErrors
from normkit.version import __version__

__all__ = ["Location", "NormkitError", "NormkitErrors", "__version__", "load", "quote", "schema"]


def __getattr__(name: str) -> Any:  # keep `import normkit` light: the API loads on first use
    if name in ("load", "quote", "schema"):
        from normkit import api

        return getattr(api, name)
    raise AttributeError(f"module 'normkit' has no attribute {name!r}")
