"""normkit.budget: check budgets (dự toán) and settlements (quyết toán) against the norm ceilings.

>>> from normkit.budget import check                               # doctest: +SKIP
>>> report = check("examples/budgets/clean-2024.yaml")             # doctest: +SKIP
>>> report.passed, report.totals.allowed                           # doctest: +SKIP

Imported normally (no lazy names): the CLI imports this package only inside ``normkit check``,
which needs all of it anyway.
"""

from __future__ import annotations

from normkit.budget.checking import check
from normkit.budget.model import Budget, BudgetLine, Finding, LineResult, Report, Totals
from normkit.budget.reading import read_budget

__all__ = ["Budget", "BudgetLine", "Finding", "LineResult", "Report", "Totals", "check", "read_budget"]
