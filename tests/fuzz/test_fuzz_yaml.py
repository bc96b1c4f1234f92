"""Fuzz the strict YAML reader and pack loading: text, bytes and mutated packs.

Every input either parses/loads or fails with a catalogued NormkitError that names a location.
"""

from __future__ import annotations

import datetime as dt
import shutil
import unicodedata
from decimal import Decimal
from typing import Any

import yaml
from fuzzkit import fuzz_settings, must_be_clean
from hypothesis import given
from hypothesis import strategies as st
from normkit_testpaths import FIXTURES

from normkit.core.io.yaml import decode_text, parse_text

TINY = FIXTURES / "packs" / "tiny"

# fragments a hostile or careless author writes
FRAGMENTS = [
    "&a ", "*a", "<<: *a", "!!python/object/apply:os.system ['id']", "!!binary aGk=", "!custom x", "%YAML 1.1\n---\n",
    "---\n", "...\n", ".nan", ".inf", "-.Inf", "NaN", "1e999999999", "-1e-999999", "0x1F", "0o17", "1_000", "1:30",
    "yes", "no", "on", "~", "null", "9999-12-31", "0000-00-00", "2024-02-30", "2024-07-01T10:00:00Z", "? ", ": ", "- ",
    "[", "]", "{", "}", ",", "'", '"', "|\n  ", ">\n  ", "#", "\t", "\n", "  ", "\\", "\ufeff", "\x00", "\x85", "\u2028",
    "ho\u0323", "h\u1ed9", "e\u0301", "\U0001f600", "\ud7ff", "key: value\n", "a: {b: [1, 2, {c: d}]}\n",
    "=", "!!str", "!!int 12", "!!float 1.5", "!!set {a, b}", "!!omap [a: 1]", "!!timestamp 2001-12-14", "<<",
]

scalar_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
yaml_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), scalar_text), max_size=40).map("".join)


@fuzz_settings(300)
@given(yaml_text)
def test_fuzz_yaml_text(text: str) -> None:
    must_be_clean("yaml.text", lambda: parse_text(text, "fuzz.yaml"), located=True)


@fuzz_settings(150)
@given(st.binary(max_size=200), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1258", "none"]), yaml_text)
def test_fuzz_yaml_bytes(noise: bytes, encoding: str, text: str) -> None:
    raw = noise if encoding == "none" else text.encode(encoding, errors="replace") + noise[:3]
    def run() -> Any:
        return parse_text(decode_text(raw, "fuzz.yaml"), "fuzz.yaml")
    must_be_clean("yaml.bytes", run, located=True)


# ---- mutated packs: the tiny test pack with one field replaced by a hostile value ----------

class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # a value used twice is written out twice
        return True


_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", str(v)))

hostile_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**40, max_value=10**40),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: abs(d.adjusted()) < 200),
    st.sampled_from([Decimal("1e30"), Decimal("-1"), Decimal("0"), Decimal("1e-40"), Decimal("123456789012345678901234567890.123456")]),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from(["1/0", "day_rate / 0", "day_rate * 1e30 * 1e30 * 1e30", "x ** 2", "2^2^2", "if true then 1 else",
                     "hour_rate + day_rate", "f(f(f(1)))", "t[1, 2, 3]", "sum_lines(labour, quantity)", "'a' + 1",
                     "1e30 VND", "-5 workday", "10 minute", "100%", "VND", "1 foo/bar", "language_factor", "",
                     "ho\u0323", "h\u1ed9", "9999-12-31", "0", "-0", "1e400", "NaN", "Infinity", "abc" * 40]),
    scalar_text,
)
hostile_value = st.recursive(hostile_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["from", "to", "value", "unit", "expr", "x", "label", "vi"]), inner, max_size=3)),
    max_leaves=6)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, prefix + (i,))
    return out


TINY_DATA = yaml.safe_load((TINY / "pack.yaml").read_text(encoding="utf-8"))
TINY_PATHS = [p for p in _paths(TINY_DATA) if p]


def _at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


LEAF_PATHS = [p for p in TINY_PATHS if not isinstance(_at(TINY_DATA, p), (dict, list))]


def _mutate(data: Any, path: tuple, value: Any, mode: str) -> Any:
    import copy

    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if mode == "delete":
        del parent[last]
    elif mode == "add" and isinstance(parent, dict):
        parent[f"{last}_x"] = value
    else:
        parent[last] = value
    return data


@fuzz_settings(120)
@given(st.lists(st.tuples(st.one_of(st.sampled_from(LEAF_PATHS), st.sampled_from(TINY_PATHS)), st.one_of(hostile_scalar, hostile_value), st.sampled_from(["set", "set", "delete", "add"])),
                min_size=1, max_size=3),
       st.sampled_from(["NFC", "NFD"]))
def test_fuzz_mutated_pack(tmp_path_factory, mutations: list, form: str) -> None:
    from normkit.api import load
    from normkit.core.runtime import evaluate

    data = TINY_DATA
    for path, value, mode in mutations:
        try:
            data = _mutate(data, path, value, mode)
        except (KeyError, IndexError, TypeError):
            continue  # the path no longer exists after an earlier mutation
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    folder = tmp_path_factory.mktemp("pack")
    (folder / "pack.yaml").write_text(unicodedata.normalize(form, text), encoding="utf-8")

    def run() -> Any:
        rules = load(folder, use_cache=False)
        for name in ("language_factor", "day_rate"):
            try:
                evaluate(rules, name, dt.date(2024, 7, 1))
            except Exception as e:
                from normkit.core.errors import NormkitError
                if not isinstance(e, NormkitError):
                    raise
        return rules.quote({"id": "q", "date": dt.date(2024, 7, 1), "items": [{"norm": "99.00.00.00.01", "quantity": 2}]})
    must_be_clean("pack.mutated", run)
    shutil.rmtree(folder, ignore_errors=True)
