"""`normkit lint` proves a pack set with a rate card can price: the gaps `price` would hit are
lint errors (NK213, NK214, NK215), found at the norm line, the extra or the rate-card row."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, RULES

import normkit.api  # noqa: F401  (registers the domains)
from normkit.api import quote
from normkit.core.errors import NormkitError, NormkitErrors
from normkit.core.lint import lint_pack

ORDER = EXAMPLES / "orders" / "tv-bulletins.yaml"


def province_copy(tmp_path: Path, edit) -> Path:
    pack = tmp_path / "example-province"
    shutil.copytree(EXAMPLES / "packs" / "example-province", pack)
    card = pack / "rate-card.yaml"
    card.write_text(edit(card.read_text(encoding="utf-8")), encoding="utf-8")
    return pack


def lint_errors(pack: Path) -> list[NormkitError]:
    with pytest.raises(NormkitErrors) as e:
        lint_pack(pack)
    return e.value.errors


def test_a_misspelled_machine_key_fails_lint_at_every_line_and_at_the_row(tmp_path):
    pack = province_copy(tmp_path, lambda s: s.replace("he_thong_dung_phi_tuyen", "he_thong_dung_phi_tuyn"))
    errs = lint_errors(pack)
    assert [(e.code, e.message.split(":")[0]) for e in errs] == [
        ("NK213", "norm 01.03.01.50.10"), ("NK213", "norm EX-TV-PS15"), ("NK213", "norm EX-TV-PS15-DT"),
        ("NK215", "rate card machine_hour_rate")]
    assert errs[1].message == ("norm EX-TV-PS15: the equipment line he_thong_dung_phi_tuyen has no rate from 2019-07-01: "
                               "`machine_hour_rate` has no row for he_thong_dung_phi_tuyen (rate card, version from 2019-07-01)")
    assert errs[1].hint == ("machine_hour_rate has the row(s) he_thong_dung_phi_tuyn, he_thong_truong_quay: a misspelled key? "
                            "Otherwise add a row he_thong_dung_phi_tuyen to the rate card")
    assert errs[1].location is not None and errs[1].location.file == str(pack / "norms.yaml") and errs[1].location.line == 130
    assert errs[3].message == "rate card machine_hour_rate: no norm line uses the row he_thong_dung_phi_tuyn (version from 2019-07-01, pack example-province)"
    assert errs[3].hint == "did you mean he_thong_dung_phi_tuyen? (a resource of a norm line)"
    assert errs[3].location is not None and errs[3].location.file == str(pack / "rate-card.yaml") and errs[3].location.line == 31
    with pytest.raises(NormkitError) as e:  # and price fails on the same gap
        quote(ORDER, pack=pack)
    assert e.value.code == "NK501" and "he_thong_dung_phi_tuyen" in e.value.message


def test_a_deleted_overhead_rate_fails_lint_at_the_extra(tmp_path):
    pack = province_copy(tmp_path, lambda s: re.sub(r"  overhead_rate:\n    values:\n.*\n", "", s))
    errs = lint_errors(pack)
    assert [(e.code, e.message) for e in errs] == [
        ("NK214", "pricing extra overhead cannot be computed from 2019-07-01: `overhead_rate` (Overhead rate, percent) must be supplied by the rate card")]
    assert errs[0].hint == "add `overhead_rate` to the rate card (pack example-province)"
    assert errs[0].location is not None and Path(errs[0].location.file).parts[-3:] == ("rules", "vn-media-pricing", "method.yaml")  # the shipped rules, wherever installed


def test_a_rate_card_version_starting_later_leaves_a_gap_lint_finds(tmp_path):
    pack = province_copy(tmp_path, lambda s: s.replace("          - [may_vi_tinh, 3000]\n", "").replace(
        "  material_price:", "  material_price:").replace("      - from: 2019-07-01\n        source: illustrative\n        rows:\n          - [giay_in",
                                                         "      - from: 2020-01-01\n        source: illustrative\n        rows:\n          - [giay_in"))
    errs = lint_errors(pack)
    assert sorted({e.code for e in errs}) == ["NK213"]
    messages = [e.message for e in errs]
    assert ("norm 13.20.20.00.00: the equipment line may_vi_tinh has no rate from 2019-07-01: "
            "`machine_hour_rate` has no row for may_vi_tinh (rate card, version from 2019-07-01)") in messages
    assert ("norm 13.20.20.00.00: the material line giay_in has no rate from 2019-07-01: "
            "table `material_price` (Material price) must be supplied by the rate card") in messages


@pytest.mark.parametrize("pack", ["examples/packs/example-province", "examples/packs/example-ha-nam", "examples/packs/example-quang-nam",
                                  "rules/vn-tv-03-2018", "rules/vn-media-pricing", "rules/vn-ha-nam-57-2023"])
def test_the_shipped_packs_pass(pack):
    summary = lint_pack(RULES.parent / pack)
    assert summary.as_dict()["ok"] is True
