"""normkit.budget: check budgets (dự toán) and settlements (quyết toán) against the norm ceilings."""
