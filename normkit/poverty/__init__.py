"""normkit.poverty: domain code on top of the engine (it uses only the public engine API).

The public API is imported lazily, so ``normkit --help`` does not load NumPy or pandas:

>>> from normkit.poverty import load_standard, classify_household   # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "load_standard": "standards", "Standard": "standards", "STATUSES": "standards",
    "classify_household": "household", "household_classifier": "household", "HouseholdResult": "household",
    "classify_frame": "batch", "BatchResult": "batch",
    "rates_by": "rates", "rate": "rates",
    "evaluate_targets": "targets", "load_review_change": "targets", "ReviewChange": "targets",
    "check_table": "published", "load_published": "published",
    "transitions": "compare",
    "classify_file": "run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'normkit.poverty' has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
