"""Shared fixtures of the poverty tests: standards are loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from normkit.poverty.standards import Standard, load_standard

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = ROOT / "examples" / "households"


@pytest.fixture(scope="session")
def standards() -> dict[int, Standard]:
    """The national standard of each review year used in the tests."""
    return {y: load_standard(year=y) for y in (2021, 2022, 2024, 2025, 2026, 2027, 2030)}
