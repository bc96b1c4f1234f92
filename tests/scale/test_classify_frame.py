"""classify_frame's bookkeeping: hashed text columns, a categorical status, no copy without rejects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from normkit.poverty.batch import classify_frame, text_codes
from normkit.poverty.ingest import text_column
from normkit.poverty.standards import STATUSES, load_standard

VALUES = ["rural", " urban", "town", "", None, "urban ", "rural", "   ", "town", "Rural"]


@pytest.fixture(scope="module")
def std():
    return load_standard(year=2024)


@pytest.mark.parametrize("kind", ["object", "string", "category"])
def testtext_codes_matches_the_reader_it_replaces(kind):
    series = pd.Series(VALUES, dtype=kind)
    got, got_reasons = text_codes(series, "area", ["rural", "urban"])
    want, want_reasons = text_column(pd.Series(VALUES, dtype=object), "area", ["rural", "urban"])
    assert got.to_objects().tolist() == want.to_objects().tolist()
    assert got_reasons.tolist() == want_reasons.tolist() == [
        None, None, "area must be one of rural, urban, got 'town'", "area is missing", "area is missing", None, None,
        "area is missing", "area must be one of rural, urban, got 'town'", "area must be one of rural, urban, got 'Rural'"]


def test_status_is_categorical_in_the_order_of_the_statuses(std):
    df = pd.DataFrame({"area": ["rural", "urban", "rural"], "income_per_capita": [1_000_000, 5_000_000, 1_600_000],
                       "deprivation_count": [4, 0, 1]})
    r = classify_frame(df, std)
    status = r.classified["status"]
    assert isinstance(status.dtype, pd.CategoricalDtype)
    assert list(status.cat.categories) == list(STATUSES)
    assert status.tolist() == ["poor", "none", "middle"]


def test_no_copy_when_nothing_is_rejected(std):
    df = pd.DataFrame({"area": ["rural", "urban"], "income_per_capita": np.array([1_000_000, 2_500_000]),
                       "deprivation_count": np.array([4, 1])})
    r = classify_frame(df, std)
    assert np.shares_memory(r.classified["income_per_capita"].to_numpy(), df["income_per_capita"].to_numpy())
    assert list(df.columns) == ["area", "income_per_capita", "deprivation_count"]  # the caller's frame is untouched
    assert "status" not in df.columns


def test_rejected_rows_leave_a_copy_and_keep_their_numbers(std):
    df = pd.DataFrame({"area": ["rural", "town", "urban"], "income_per_capita": [1_000_000, 1, 2_500_000],
                       "deprivation_count": [4, 1, 0]})
    r = classify_frame(df, std, first_row=10)
    assert r.classified.index.tolist() == [0, 2]
    assert r.classified["status"].tolist() == ["poor", "middle"]
    assert r.rejects[["row", "reason"]].values.tolist() == [[11, "area must be one of rural, urban, got 'town'"]]
