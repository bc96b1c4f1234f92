"""Hostile YAML: alias bombs, deep nesting, huge files, too many values, tags, encodings and
BOMs, Vietnamese in NFC vs NFD, packs that extend each other in a loop."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from hostilekit import bounded_child, expect_error
from normkit_testpaths import FIXTURES

from normkit.core.io.yaml import MAX_BYTES, decode_text, parse_text, read_file

# a document at the limits (500,000 values) takes seconds to read, not milliseconds: its own bound
LARGE_SECONDS, LARGE_MIB = 15.0, 300

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [" + ",".join([f"*{chr(ord('a') + i - 1)}"] * 9) + "]" for i in range(1, 9)]
) + "\n"


def test_billion_laughs_is_refused_at_the_first_anchor():
    e = expect_error("YAML billion laughs", lambda: parse_text(BILLION_LAUGHS, "bomb.yaml"), "NK104",
                     "YAML anchors and aliases are not allowed in normkit files")
    assert (e.location.line, e.location.column) == (1, 4)


def test_alias_without_anchor_and_merge_keys_are_refused():
    expect_error("YAML alias", lambda: parse_text("a: *x\n", "x.yaml"), "NK104")
    expect_error("YAML merge key", lambda: parse_text("base: &b {x: 1}\nother:\n  <<: *b\n", "x.yaml"), "NK104")


@pytest.mark.parametrize("text,where", [
    ("[" * 100_000, (1, 1001)),                                         # flow: libyaml's own limit comes first
    ("{a: " * 5_000, None),
    ("".join("  " * i + f"k{i}:\n" for i in range(200)), (65, 129)),   # block mappings
    ("".join("  " * i + "-\n" for i in range(200)), None),              # block sequences
])
def test_deep_nesting_is_nk105(text, where):
    """Regression: 100,000 '[' gave NK102 'exceeded maximum nesting depth' (libyaml's limit); now NK105 like any nesting."""
    e = expect_error(f"YAML nesting ({text[:6]!r}…)", lambda: parse_text(text, "deep.yaml"), "NK105", "nesting deeper than 64")
    if where:
        assert (e.location.line, e.location.column) == where


def test_a_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: " + b"x" * (MAX_BYTES + 1) + b"\n")
    expect_error("YAML file of 8 MiB + 4 bytes", lambda: read_file(path), "NK105", f"the limit is {MAX_BYTES}", mib=64)


def test_too_many_values_is_refused_within_the_bounds():
    out = bounded_child("YAML 600,001 values (child process)", "from normkit.core.io.yaml import parse_text\ntext = '[' + '1,' * 600_000 + '1]'",
                        "parse_text(text, 'many.yaml')", seconds=LARGE_SECONDS, mib=LARGE_MIB)
    assert (out["code"], out["message"]) == ("NK105", "YAML document has more than 500000 values")


def test_the_largest_documents_accepted_parse_within_the_bounds():
    """500,000 values is the most a file may hold; 8 MiB the most bytes (one long text here)."""
    out = bounded_child("YAML 500,000 values (accepted)", "from normkit.core.io.yaml import parse_text\n"
                        "text = ''.join(f'k{i}: [{i}, \"hộ {i}\"]\\n' for i in range(166_000))", "parse_text(text, 'large.yaml')", seconds=LARGE_SECONDS, mib=LARGE_MIB)
    assert out["code"] == "ok"
    out = bounded_child("YAML 8 MiB text (accepted)", "from normkit.core.io.yaml import MAX_BYTES, parse_text\n"
                        "text = 'a: \"' + 'hộ ' * ((MAX_BYTES - 16) // 5) + '\"\\n'", "parse_text(text, 'big.yaml')")
    assert out["code"] == "ok"


@pytest.mark.parametrize("text", ["a: !!python/object/apply:os.system ['echo hi']\n", "a: !!binary aGk=\n", "a: !custom x\n",
                                  "a: !!set {x}\n", "? !!python/name:os.system x\n: 1\n"])
def test_tags_are_refused(text):
    """Regression: !!python/… and other tags under tag:yaml.org,2002: were silently ignored (never executed)."""
    expect_error(f"YAML tag {text.split()[1]}", lambda: parse_text(text, "tag.yaml"), "NK102", "is not allowed in normkit files")


def test_bom_is_accepted_and_nfd_text_equals_nfc():
    nfc = "tên: \"Hộ nghèo đa chiều\"\nkhu_vực: nông thôn\n"
    plain, _ = parse_text(decode_text(nfc.encode(), "a.yaml"), "a.yaml")
    bom, _ = parse_text(decode_text(b"\xef\xbb\xbf" + nfc.encode(), "a.yaml"), "a.yaml")
    nfd, _ = parse_text(decode_text(unicodedata.normalize("NFD", nfc).encode(), "a.yaml"), "a.yaml")
    assert plain == bom == nfd and "khu_vực" in nfd


@pytest.mark.parametrize("raw,message,line", [
    ("tên: \"Hộ nghèo\"\n".encode("utf-16"), "byte 0xff at offset 0", 1),
    ("a: 1\ntên: \"Hộ nghèo\"\n".encode("cp1258", errors="replace"), "not valid UTF-8", 2),
    ("a: 1\nb: caf\xe9\n".encode("latin-1"), "byte 0xe9 at offset 11", 2),
    ("a: \"Hộ\"\n".encode() + "b: \"caf\xe9\"\n".encode("latin-1"), "not valid UTF-8", 2),  # mixed
])
def test_other_encodings_are_nk101_with_the_line(raw, message, line):
    e = expect_error(f"encoding {raw[:6]!r}", lambda: decode_text(raw, "enc.yaml"), "NK101", message)
    assert e.location.line == line and "TCVN3" in e.hint


def _write_pack(folder: Path, pid: str, extends: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(
        f"normkit: 1\nid: {pid}\ntitle: {{vi: p, en: p}}\nversion: '1'\njurisdiction: t\nstatus: test\n"
        f"valid: {{from: 2020-01-01}}\nextends: [{', '.join(extends)}]\n", encoding="utf-8")
    return folder


def test_packs_that_extend_each_other_in_a_loop_are_nk206(tmp_path):
    from normkit.api import load

    a = _write_pack(tmp_path / "a", "a", ["../b"])
    _write_pack(tmp_path / "b", "b", ["../c"])
    _write_pack(tmp_path / "c", "c", ["../a"])
    e = expect_error("extends loop a -> b -> c -> a", lambda: load(a, use_cache=False), "NK206")
    assert "a" in e.message and "c" in e.message
    s = _write_pack(tmp_path / "s", "s", ["."])
    expect_error("pack extends itself", lambda: load(s, use_cache=False), "NK206")


def test_nfd_pack_keys_and_values_equal_nfc(tmp_path):
    """A pack written with decomposed diacritics (NFD) defines the same names and text as NFC."""
    from normkit.api import load
    from normkit.core.runtime import evaluate

    text = (FIXTURES / "packs" / "tiny" / "pack.yaml").read_text(encoding="utf-8")
    text = text.replace("choices: [vi, ethnic]", "choices: [vi, ethnic, \"dân tộc\"]").replace(
        'when: language == "ethnic"', 'when: language == "ethnic" or language == "dân tộc"')
    text += "formulas:\n  phí_dịch_vụ: {label: {vi: \"Phí dịch vụ\", en: fee}, unit: VND/workday, expr: \"day_rate * 2\"}\n"
    nfd = tmp_path / "nfd"
    nfd.mkdir()
    (nfd / "pack.yaml").write_text(unicodedata.normalize("NFD", text), encoding="utf-8")
    rules = load(nfd, use_cache=False)
    assert str(evaluate(rules, "phí_dịch_vụ", dt.date(2024, 7, 1))[0]) == "780000"  # the NFC name finds the NFD definition
    order = {"id": "o", "date": dt.date(2024, 7, 1), "items": [{"norm": "99.00.00.00.01", "inputs": {"language": "dân tộc"}}]}
    ethnic = {"id": "o", "date": dt.date(2024, 7, 1), "items": [{"norm": "99.00.00.00.01", "inputs": {"language": "ethnic"}}]}
    assert rules.quote(order).total == rules.quote(ethnic).total
