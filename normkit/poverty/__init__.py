"""normkit.poverty: domain code on top of the engine (it uses only the public engine API).

The public API is imported lazily, so ``normkit --help`` does not load NumPy or pandas, and
``normkit household`` (which imports ``normkit.poverty.standards``, and so this package) does
not pay for pandas: importing every module here costs about 0.24 s against 0.06 s for
``standards`` alone (measured while writing this; ``benchmarks/cli_startup.py`` times the CLI).

>>> from normkit.poverty import load_standard, classify_household   # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "load_standard": "standards", "Standard": "standards", "STATUSES": "standards", "choose_standard": "standards",
    "classify_household": "household", "household_classifier": "household", "HouseholdResult": "household",
    "classify_frame": "batch", "BatchResult": "batch",
    "rates_by": "rates", "rate": "rates",
    "evaluate_targets": "targets", "load_review_change": "targets", "ReviewChange": "targets",
    "load_areas": "targets", "evaluate_area_targets": "targets",
    "check_table": "published", "load_published": "published",
    "transitions": "compare",
    "classify_file": "run",
    "count_deprivations": "deprivations", "compare_reports": "deprivations", "DeprivationReport": "deprivations",
}

__all__ = [
    "STATUSES",
    "BatchResult",
    "DeprivationReport",
    "HouseholdResult",
    "ReviewChange",
    "Standard",
    "check_table",
    "choose_standard",
    "classify_file",
    "classify_frame",
    "classify_household",
    "compare_reports",
    "count_deprivations",
    "evaluate_area_targets",
    "evaluate_targets",
    "household_classifier",
    "load_areas",
    "load_published",
    "load_review_change",
    "load_standard",
    "rate",
    "rates_by",
    "transitions",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'normkit.poverty' has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
