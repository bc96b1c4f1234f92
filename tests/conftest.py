"""Shared test set-up: a private cache folder, and paths to the shipped and example packs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, FIXTURES, ROOT, RULES  # noqa: F401

# never write the developer's own cache from tests
os.environ.setdefault("NORMKIT_CACHE_DIR", tempfile.mkdtemp(prefix="normkit-test-cache-"))


@pytest.fixture(scope="session")
def example_province() -> Path:
    return EXAMPLES / "packs" / "example-province"
