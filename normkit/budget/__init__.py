"""normkit.budget: check budgets (dự toán) and settlements (quyết toán) against the norm ceilings.

>>> from normkit.budget import check                               # doctest: +SKIP
>>> report = check("examples/budgets/clean-2024.yaml")             # doctest: +SKIP
>>> report.passed, report.totals.allowed                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__all__ = ["Budget", "BudgetLine", "Finding", "LineResult", "Report", "Totals", "check", "read_budget"]


def __getattr__(name: str) -> Any:  # light import: the CLI registers this package without loading the engine
    if name == "check":
        from normkit.budget.checking import check

        return check
    if name == "read_budget":
        from normkit.budget.reading import read_budget

        return read_budget
    if name in ("Budget", "BudgetLine", "Report", "Finding", "LineResult", "Totals"):
        from normkit.budget import model

        return getattr(model, name)
    raise AttributeError(name)
