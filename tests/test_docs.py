"""The documentation's code blocks run, and every error code is documented."""

from __future__ import annotations

import os
import re

import pytest
from normkit_testpaths import ROOT

from normkit.core.errors import CATALOGUE

BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_api_page_runs(capsys):
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    code = "\n".join(BLOCK.findall(text))
    assert code
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "docs/api.md", "exec"), {})  # our own documentation, not a rule file
    finally:
        os.chdir(old)


def test_readme_python_block_runs():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        for block in BLOCK.findall(text):
            exec(compile(block, "README.md", "exec"), {})
    finally:
        os.chdir(old)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_error_code_is_documented(code):
    assert f"`{code}`" in (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
