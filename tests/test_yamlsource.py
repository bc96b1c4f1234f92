import unicodedata
from decimal import Decimal

import pytest

from normkit.core.errors import NormkitError
from normkit.core.io.yaml import decode_text, parse_text


def test_numbers_are_exact_decimals_never_floats():
    data, _ = parse_text("a: 0.04\nb: 1490000\nc: 8.86\n")
    assert data == {"a": Decimal("0.04"), "b": 1490000, "c": Decimal("8.86")}
    assert str(data["a"]) == "0.04"


def test_positions_are_recorded_for_every_value():
    _data, smap = parse_text("x:\n  - 1\n  - {y: 2}\n", "f.yaml")
    loc = smap.locate(("x", 1, "y"))
    assert (loc.file, loc.line, loc.column) == ("f.yaml", 3, 9)
    assert str(loc) == "f.yaml:3:9 x[1].y"


def test_duplicate_keys_are_refused_with_both_lines():
    with pytest.raises(NormkitError) as e:
        parse_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert e.value.code == "NK103"
    assert e.value.message == "duplicate key 'a' (first defined at line 1)"
    assert (e.value.location.line, e.value.location.column) == (3, 1)


def test_anchors_and_aliases_are_refused():
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'
    with pytest.raises(NormkitError) as e:
        parse_text(bomb, "bomb.yaml")
    assert e.value.code == "NK104"
    assert str(e.value.location) == "bomb.yaml:1:4"


@pytest.mark.parametrize("text", ["a: .nan\n", "a: .inf\n", "a: -.Inf\n"])
def test_nan_and_infinity_are_refused(text):
    with pytest.raises(NormkitError) as e:
        parse_text(text)
    assert e.value.code == "NK106"


def test_deep_nesting_is_refused():
    with pytest.raises(NormkitError) as e:
        parse_text("a: " + "[" * 100 + "]" * 100)
    assert e.value.code == "NK105"


def test_syntax_error_has_position():
    with pytest.raises(NormkitError) as e:
        parse_text("a: [1, 2\nb: 3\n", "bad.yaml")
    assert e.value.code == "NK102"
    assert e.value.location.file == "bad.yaml" and e.value.location.line == 2


def test_nfd_text_is_normalised_to_nfc():
    nfd = unicodedata.normalize("NFD", "hộ nghèo")
    assert nfd != "hộ nghèo"
    data, _ = parse_text(f"{nfd}: {nfd}\n")
    assert data == {"hộ nghèo": "hộ nghèo"}


def test_bom_is_accepted_and_bad_utf8_is_a_clear_error():
    assert decode_text("\ufeffa: 1".encode("utf-8"), "f") == "a: 1"
    with pytest.raises(NormkitError) as e:
        decode_text(b"a: caf\xe9\n", "latin1.yaml")
    assert e.value.code == "NK101"
    assert e.value.message == "file is not valid UTF-8 (byte 0xe9 at offset 6)"


def test_yaml11_surprises_stay_text():
    data, _ = parse_text("a: yes\nb: 0x10\nc: 1:30\nd: true\n")
    assert data == {"a": "yes", "b": "0x10", "c": "1:30", "d": True}


def test_the_pure_python_path_keeps_the_same_rules(monkeypatch):
    """Without libyaml the reader composes nodes itself: same data, same refusals."""
    import normkit.core.io.yaml as ys

    text = "a: 0.04\nb: [1, {c: x}]\n"
    fast = ys.parse_text(text, "f.yaml")
    monkeypatch.setattr(ys, "_CParser", None)
    slow = ys.parse_text(text, "f.yaml")
    assert fast[0] == slow[0]
    assert str(fast[1].locate(("b", 1, "c"))) == str(slow[1].locate(("b", 1, "c"))) == "f.yaml:2:12 b[1].c"
    for bad, code in [("a: 1\na: 2\n", "NK103"), ("a: &x 1\nb: *x\n", "NK104"), ("a: .nan\n", "NK106"), ("a: [\n", "NK102")]:
        with pytest.raises(NormkitError) as e:
            ys.parse_text(bad)
        assert e.value.code == code
