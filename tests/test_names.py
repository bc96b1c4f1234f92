"""Every unknown name gets close matches (normkit.core.names), and `normkit show PACK` lists a
pack's names — from the CLI, from Python and (tests/server/test_pack_listing.py) the service."""

from __future__ import annotations

import json

import pytest
from normkit_testpaths import EXAMPLES

from normkit.api import rules_for
from normkit.cli.main import main
from normkit.core.errors import NormkitError
from normkit.core.names import close_matches, did_you_mean
from normkit.media.listing import describe, listing

PROVINCE = str(EXAMPLES / "packs" / "example-province")
ORDER = str(EXAMPLES / "orders" / "tv-bulletins.yaml")


def test_close_matches_fold_case_and_diacritics_and_drop_the_name_itself():
    assert close_matches("overhed_rate", ["overhead_rate", "base_salary", "other_direct_cost_rate"]) == ["overhead_rate"]
    assert close_matches("Base_Salary", ["base_salary", "base_salery"]) == ["base_salary", "base_salery"]
    assert close_matches("Đơn giá", ["don gia", "thu nhap"]) == ["don gia"]
    assert close_matches("base_salary", ["base_salary"]) == []
    assert close_matches("zzz", ["base_salary"]) == []
    assert did_you_mean("shwo", ["price", "show", "lint"]) == "did you mean show?"
    assert did_you_mean("zzz", ["price"]) is None


def test_show_unknown_name_offers_close_matches(capsys):
    assert main(["show", "base_salery"]) == 1
    err = capsys.readouterr().err
    assert "NK202" in err and "'base_salery' is not a norm, parameter, table, formula, adjustment or input of any installed pack" in err
    assert "did you mean base_salary?" in err
    assert main(["show", "overhed_rate", "--pack", PROVINCE]) == 1
    assert "did you mean overhead_rate?" in capsys.readouterr().err
    assert main(["show", "vn-wagse"]) == 1  # a mistyped pack to list
    assert "did you mean vn-wages?" in capsys.readouterr().err


def test_set_and_overlay_keys_offer_close_matches(tmp_path, capsys):
    assert main(["price", ORDER, "--set", "overhed_rate=5"]) == 1
    err = capsys.readouterr().err
    assert "NK602" in err and "unknown parameter 'overhed_rate'" in err and "did you mean overhead_rate?" in err
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("label: test\nset:\n  overhed_rate: 5\n", encoding="utf-8")
    assert main(["price", ORDER, "--overlay", str(overlay)]) == 1
    assert "did you mean overhead_rate?" in capsys.readouterr().err


def test_a_mistyped_subcommand_or_choice_offers_close_matches(capsys):
    with pytest.raises(SystemExit) as e:
        main(["shwo", "x"])
    assert e.value.code == 2
    assert "invalid choice: 'shwo' (did you mean show?)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["schema", "ordr"])
    assert "invalid choice: 'ordr' (did you mean order?)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["zzzz"])
    assert "invalid choice: 'zzzz' (choose from 'price', 'packs', 'show'" in capsys.readouterr().err


def test_an_unknown_pack_id_offers_close_matches():
    from normkit.core.registry import find_pack

    with pytest.raises(NormkitError) as e:
        find_pack("vn-wagse")
    assert e.value.code == "NK205" and e.value.hint is not None and e.value.hint.startswith("did you mean vn-wages? give a folder path")


def test_listing_has_every_name_with_units_dates_and_verified_flags():
    c = rules_for(PROVINCE).compiled
    info = listing(c)
    assert (info["pack"], info["version"], info["valid_from"], info["valid_to"]) == ("example-province", "0.1", "2019-07-01", None)
    assert info["packs"] == ["vn-tv-03-2018", "vn-radio-09-2020", "vn-wages", "vn-media-pricing", "vn-royalties-18-2014", "example-province"]
    by_name = {e["name"]: e for e in info["names"]}
    assert [e["kind"] for e in info["names"]].count("norm") == 8 and len(info["names"]) == 30
    assert {e["kind"] for e in info["names"]} == {"parameter", "table", "formula", "input", "norm"}
    assert all(set(e) == {"kind", "name", "label_vi", "label_en", "unit", "from", "to", "verified"} for e in info["names"])
    assert by_name["base_salary"] == {"kind": "parameter", "name": "base_salary", "label_vi": "Mức lương cơ sở", "label_en": "Base salary",
                                      "unit": "VND/month", "from": "2019-07-01", "to": None, "verified": True}
    assert by_name["overhead_rate"]["verified"] is False and by_name["overhead_rate"]["unit"] == "percent"
    assert by_name["salary_coefficient"]["from"] == "2004-10-01"
    assert by_name["machine_hour_rate"]["unit"] == "VND/machine_hour"
    assert (by_name["labour_day_rate"]["from"], by_name["labour_day_rate"]["verified"]) == (None, False)
    assert (by_name["actual_duration"]["kind"], by_name["actual_duration"]["unit"], by_name["actual_duration"]["verified"]) == ("input", "minute", None)
    assert (by_name["01.03.01.50.10"]["kind"], by_name["01.03.01.50.10"]["from"], by_name["01.03.01.50.10"]["unit"]) == ("norm", "2018-07-01", "item")
    assert all(describe(c, e["name"]) is not None for e in info["names"])  # every listed name can be shown


def test_a_parameter_without_values_has_no_range_and_no_verified_flag():
    info = listing(rules_for("vn-media-pricing").compiled)
    by_name = {e["name"]: e for e in info["names"]}
    assert (by_name["overhead_rate"]["from"], by_name["overhead_rate"]["to"], by_name["overhead_rate"]["verified"]) == (None, None, None)


def test_show_pack_prints_the_listing(capsys):
    assert main(["show", PROVINCE, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == listing(rules_for(PROVINCE).compiled)
    assert main(["show", "--pack", "vn-wages", "--json"]) == 0
    assert [e["name"] for e in json.loads(capsys.readouterr().out)["names"]] == [
        "base_salary", "broadcast_title_code", "broadcast_title_scale", "salary_coefficient", "title_scale", "monthly_salary"]
    assert main(["show", "vn-wages"]) == 0
    out = capsys.readouterr().out
    assert "vn-wages 2024.07.2" in out and "base_salary" in out and "VND/month" in out and "2019-07-01" in out


def test_show_an_input(capsys):
    assert main(["show", "actual_duration", "--pack", PROVINCE, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["kind"], info["unit"], info["type"], info["scope"], info["min"], info["pack"]) == \
        ("input", "minute", "number", "item", "0", "vn-radio-09-2020")
