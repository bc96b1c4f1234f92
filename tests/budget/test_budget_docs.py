"""docs/integration.md's Python examples run as written; the schemas are versioned."""

from __future__ import annotations

import os
import re

from normkit_testpaths import ROOT

from normkit.budget.schemas import SCHEMAS, schema


def test_integration_python_examples_run() -> None:
    text = (ROOT / "docs" / "integration.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 2
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for block in blocks:
            exec(compile(block, "docs/integration.md", "exec"), {})  # our own documentation
    finally:
        os.chdir(cwd)


def test_schemas_are_versioned() -> None:
    assert set(SCHEMAS) == {"budget", "report"}
    b, r = schema("budget"), schema("report")
    assert (b["$id"], b["title"]) == ("https://normkit.invalid/schema/budget/1", "normkit.budget/1")
    assert (r["$id"], r["title"]) == ("https://normkit.invalid/schema/report/1", "normkit.budget-report/1")
    assert "lines" in b["required"] and {"findings", "totals"} <= set(r["required"])
    assert r["$defs"]["Finding"]["properties"]["numbers"]["additionalProperties"]["type"] == "string"
