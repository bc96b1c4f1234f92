"""The lazily imported public names of normkit.poverty all resolve to the functions they name."""

from __future__ import annotations

import normkit.poverty as poverty
from normkit.poverty.standards import choose_standard
from normkit.poverty.targets import evaluate_area_targets, load_areas


def test_every_public_name_resolves() -> None:
    missing = [name for name in poverty.__all__ if getattr(poverty, name, None) is None]
    assert missing == []
    assert sorted(poverty.__all__) == sorted(poverty._EXPORTS)


def test_the_transitional_year_and_area_target_functions_are_public() -> None:
    assert poverty.choose_standard is choose_standard
    assert poverty.load_areas is load_areas
    assert poverty.evaluate_area_targets is evaluate_area_targets
