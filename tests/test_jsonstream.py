"""normkit.core.io.jsonstream writes the bytes pydantic writes, with or without pydantic loaded
(issue 13, warm start): the standard library's encoder and ``pydantic_core.to_json`` agree on
every value a quote or a trace holds."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from normkit_testpaths import ROOT
from pydantic_core import to_json

from normkit.core.io import jsonstream
from normkit.media.quote import QuoteLine  # imported from quote, which registers its pydantic mirror

text = st.text(st.characters(blacklist_categories=("Cs",)))  # any text but lone surrogates (not UTF-8)
tricky = st.sampled_from(["\x00", "\x1f", "\x7f", "\b\f\n\r\t", '"\\/', "\u2028\u2029", "\ufeff", "😀𝔘", "Đạo diễn", "é" * 3])
decimals = st.decimals(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [Decimal("-0"), Decimal("1E+3"), Decimal("1.000"), Decimal("0.0000001"), Decimal("5336124"), Decimal("-12.50")])
scalars = (st.none() | st.booleans() | st.integers() | decimals | st.dates() | text | tricky)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(text | tricky, inner, max_size=4), max_leaves=20)


@dataclass(slots=True)
class Row:
    name: str
    amount: Decimal
    at: dt.date
    flag: bool = True


@given(values)
def test_the_standard_encoder_writes_pydantics_bytes(value: object) -> None:
    assert jsonstream.encode_stdlib(value) == to_json(value)


@given(st.lists(st.builds(Row, text, decimals, st.dates(), st.booleans()), max_size=3), tricky)
def test_dataclasses_are_objects_of_their_fields_in_order(rows: list[Row], key: str) -> None:
    assert jsonstream.encode_stdlib({key: rows}) == to_json({key: rows})


def test_exact_bytes_of_the_cases_that_differ_elsewhere() -> None:
    line = QuoteLine("i", "n", "labour", "r", "Đạo diễn", "Director", Decimal("0.50"), "workday", Decimal("1E+3"), "VND/workday",
                     Decimal(500), Decimal("500.0"), False)
    assert jsonstream.encode_stdlib([line]) == to_json([line]) == (
        '[{"item":"i","norm":"n","component":"labour","resource":"r","label_vi":"Đạo diễn","label_en":"Director","quantity":"0.50",'
        '"quantity_unit":"workday","rate":"1E+3","rate_unit":"VND/workday","amount":"500","amount_exact":"500.0","verified":false}]'
    ).encode()
    assert jsonstream.encode_stdlib(["\x00\x1f\x7f\b\t😀", dt.date(2024, 7, 1), Decimal("-0")]) == (
        '["\\u0000\\u001f\x7f\\b\\t😀","2024-07-01","-0"]').encode()
    with pytest.raises(TypeError, match=r"cannot write a builtins\.set as JSON"):
        jsonstream.encode_stdlib({1, 2})


def fresh(probe: str) -> bytes:
    """What ``probe`` prints, run in a fresh interpreter from the repository root (pydantic not loaded)."""
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, cwd=ROOT, check=True, timeout=120).stdout


def test_encode_uses_the_standard_encoder_when_pydantic_is_not_loaded() -> None:
    probe = ("import sys; from decimal import Decimal; from normkit.core.io import jsonstream; "
             "sys.stdout.buffer.write(jsonstream.encode({'a': [Decimal('1.50'), None, True]})); "
             "print('', 'pydantic_core' in sys.modules)")
    out = fresh(probe)
    assert out == b'{"a":["1.50",null,true]} False\n'
    assert json.loads(jsonstream.encode({"a": [Decimal("1.50")]})) == {"a": ["1.50"]}  # here pydantic is loaded: its serialiser


def test_after_a_few_mib_the_standard_encoder_hands_over_to_pydantics() -> None:
    """A process that writes much JSON imports pydantic's serialiser once the standard encoder has
    written STDLIB_BYTES, and writes the same bytes after as before; without pydantic_core it
    writes on with the standard encoder."""
    setup = ("import sys; from decimal import Decimal; from normkit.core.io import jsonstream; "
             "jsonstream.STDLIB_BYTES = 1000; doc = {'a': [Decimal('1.50'), 'Đạo diễn', None] * 30}; "
             "before = jsonstream.encode(doc); loaded = 'pydantic_core' in sys.modules; "
             "writes = [jsonstream.encode(doc) for _ in range(20)]; ")
    assert fresh(setup + "print(len(before) < 1000, loaded, 'pydantic_core' in sys.modules, all(w == before for w in writes))") == (
        b"True False True True\n")
    blocked = "import sys; sys.modules['pydantic_core'] = None; "  # as if pydantic were not installed
    assert fresh(blocked + setup + "print(all(w == jsonstream.encode_stdlib(doc) for w in writes))") == b"True\n"
