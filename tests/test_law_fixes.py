"""Issue 14, "Fix": each legal correction with its legal figure.

- TT 30/2020/TT-BTTTT Art. 5 (sound technician, broadcaster, film-editing technician, cameraman:
  grades I–IV → A3.2 / A2.2 / A1 / B) as a table of vn-wages; the TV lines agree with it or say
  CONFLICT in their ``why`` (and so in every trace); broadcaster grade II is A2.2 step 1 = 4.00.
- TT 09/2020 starts at the earliest lawful date, signing + 45 days (Law 80/2015 Art. 151(1)).
- ``normkit show`` of a table with number keys in JSON; ``verified: false`` and why in text mode.
- The NĐ 30/2025 low-income line and the TT 07/2021 scoring in 2026: unverified, with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal

import handpriced
import pytest
from normkit_testpaths import EXAMPLES, ROOT

from normkit.api import load
from normkit.core.runtime import evaluate
from normkit.core.trace import Assembler, TraceNode
from normkit.media.compiled import media_part
from normkit.media.orders import load_order

WAGES = load("vn-wages")
ART5 = {"I": "A3.2", "II": "A2.2", "III": "A1", "IV": "B"}
PREFIX = {"am_thanh_vien": "V11.09", "phat_thanh_vien": "V11.10", "ky_thuat_dung_phim": "V11.11", "quay_phim": "V11.12"}


def rows(table: str) -> dict[tuple[str, ...], str]:
    version = WAGES.compiled.tables[table].layers[0][0]
    return {k: r[0].value for k, r in version.rows.items()}


def test_art5_maps_the_four_titles_and_their_codes() -> None:
    scales, codes = rows("broadcast_title_scale"), rows("broadcast_title_code")
    assert scales == {(t, g): s for t in PREFIX for g, s in ART5.items()}
    assert codes[("phat_thanh_vien", "II")] == "V11.10.28" and codes[("am_thanh_vien", "I")] == "V11.09.23"
    assert codes[("quay_phim", "IV")] == "V11.12.38" and codes[("ky_thuat_dung_phim", "III")] == "V11.11.33"
    assert sorted(codes.values()) == [f"V11.{9 + i // 4:02d}.{23 + i}" for i in range(16)]
    version = WAGES.compiled.tables["broadcast_title_scale"].layers[0][0]
    assert version.start == dt.date(2020, 12, 12) and version.source == "vn-wages:tt-30-2020" and version.verified is False
    assert version.why is not None and version.why.startswith("Grades I and II read verbatim in a legal Q&A quoting Điều 5")
    # Art. 5's ranges, from NĐ 204/2004: A2.2 is 8 steps 4.00–6.38, A1 9 steps 2.34–4.98.
    coef = rows("salary_coefficient")
    assert [coef[("A2.2", Decimal(s))] for s in (1, 8)] == [Decimal("4.00"), Decimal("6.38")]
    assert [coef[("A1", Decimal(s))] for s in (1, 9)] == [Decimal("2.34"), Decimal("4.98")]


def test_tv_lines_agree_with_art5_or_say_conflict() -> None:
    # Priced with the rate card (which names the Art. 5 table as `scale_by_title`), the titled
    # lines take their scale from the table or are flagged as conflicts.
    norm = media_part(load(EXAMPLES / "packs" / "example-province").compiled).norms["01.03.01.50.10"]
    scales = rows("broadcast_title_scale")
    agree, conflict = [], []
    for line in norm.lines:
        title = line.resource.rsplit("_", 1)[0]
        if title not in PREFIX:
            continue
        if line.scale == scales[(title, line.grade)]:
            assert line.verified and line.why is not None and "TT 30/2020/TT-BTTTT Art. 5" in line.why
            assert line.why.startswith(f"Scale {line.scale} for {title} grade {line.grade}, from table broadcast_title_scale "
                                       "(version from 2020-12-12, source vn-wages:tt-30-2020, not verified).")
            agree.append((line.resource, line.scale, line.step, line.steps))
        else:
            assert not line.verified and line.why is not None and line.why.startswith("CONFLICT with TT 30/2020/TT-BTTTT Art. 5")
            conflict.append((line.resource, line.scale, line.step, line.steps))
    assert agree == [("am_thanh_vien_III", "A1", 3, 9), ("phat_thanh_vien_II", "A2.2", 1, 8), ("quay_phim_III", "A1", 3, 9)]
    assert conflict == [("ky_thuat_dung_phim_II", "A1", 2, 9), ("phat_thanh_vien_III", "A0", 3, 10), ("ky_thuat_dung_phim_II", "A1", 6, 9)]


def test_the_agreeing_tv_lines_write_no_scale_of_their_own() -> None:
    # The three lines that agree with Art. 5 give title and grade only: the table is their scale.
    text = (ROOT / "rules" / "vn-tv-03-2018" / "norms.yaml").read_text(encoding="utf-8")
    for resource in ("am_thanh_vien_III", "phat_thanh_vien_II", "quay_phim_III"):
        block = text.split(f"resource: {resource}\n", 1)[1].split("- component:", 1)[0]
        assert "scale:" not in block and f"title: {resource.rsplit('_', 1)[0]}" in block
    alone = media_part(load("vn-tv-03-2018").compiled).norms["01.03.01.50.10"]  # no rate card: no table to read
    assert [ln.scale for ln in alone.lines if ln.resource == "phat_thanh_vien_II"] == [None]


def _titled_pack(tmp_path, line: str) -> object:
    (tmp_path / "pack.yaml").write_text(
        "normkit: 1\nid: art5-probe\ntitle: {vi: Thử, en: Probe}\nversion: '1'\njurisdiction: test\nstatus: illustrative\n"
        "extends: [vn-media-pricing]\nlegal_basis: [probe]\nvalid: {from: 2024-01-01}\n"
        "sources:\n  probe: {document: Probe, url: 'https://example.org'}\nfiles: [norms.yaml" + (", pricing.yaml" if (tmp_path / "pricing.yaml").exists() else "") + "]\n", encoding="utf-8")
    (tmp_path / "norms.yaml").write_text(
        "norms:\n  P.1:\n    name: {vi: Thử, en: Probe}\n    source: probe\n    lines:\n      - component: labour\n"
        "        resource: phat_thanh_vien_II\n        label: {vi: PTV II, en: Broadcaster II}\n        quantity: 0.1 workday\n"
        f"{line}", encoding="utf-8")
    return load(tmp_path).compiled


def test_a_line_that_contradicts_the_table_is_flagged_by_the_compiler(tmp_path) -> None:
    compiled = _titled_pack(tmp_path, "        title: phat_thanh_vien\n        grade: 'II'\n        scale: A2.1\n        step: 1\n")
    (line,) = media_part(compiled).norms["P.1"].lines
    assert (line.scale, line.verified) == ("A2.1", False)
    assert line.why == ("CONFLICT with table broadcast_title_scale (version from 2020-12-12, source vn-wages:tt-30-2020, not verified): "
                        "phat_thanh_vien grade II is on A2.2, but this line gives A2.1.")


def test_a_title_and_grade_give_the_scale(tmp_path) -> None:
    compiled = _titled_pack(tmp_path, "        title: quay_phim\n        grade: 'I'\n        step: 2\n")
    (line,) = media_part(compiled).norms["P.1"].lines
    assert (line.scale, line.step, line.verified) == ("A3.2", 2, True)


def test_the_hand_oracle_changes_by_6816_labour_and_7872_in_all_per_bulletin() -> None:
    one = Decimal(1)
    lines, total = handpriced.price_lines(one)
    assert handpriced.LABOUR[9] == ("A2.2", 1, Decimal("0.12")) and handpriced.COEF["A2.2", 1] == Decimal("4.00")
    assert (lines[9][2], total) == (Decimal(68158), Decimal(1778708))
    # The same computation on the former A2.1 (4.40): the broadcaster line and the total per bulletin.
    old_labour = [*handpriced.LABOUR[:9], ("A2.1", 1, Decimal("0.12")), *handpriced.LABOUR[10:]]
    old_coef = {**handpriced.COEF, ("A2.1", 1): Decimal("4.40")}
    saved = handpriced.LABOUR[:], dict(handpriced.COEF)
    try:
        handpriced.LABOUR[:] = old_labour
        handpriced.COEF.update(old_coef)
        old_lines, old_total = handpriced.price_lines(one)
    finally:
        handpriced.LABOUR[:] = saved[0]
        handpriced.COEF.clear()
        handpriced.COEF.update(saved[1])
    assert (old_lines[9][2], old_total) == (Decimal(74974), Decimal(1786580))
    assert (old_lines[9][2] - lines[9][2], old_total - total) == (Decimal(6816), Decimal(7872))


def walk(node: TraceNode) -> list[TraceNode]:
    return [node, *(n for c in node.children for n in walk(c))]


def test_engine_prices_broadcaster_ii_on_a2_2_and_traces_the_conflict() -> None:
    rules = load(EXAMPLES / "packs" / "example-province")
    q = rules.quote(load_order(EXAMPLES / "orders" / "tv-bulletins.yaml"))
    assert q.total == Decimal(5336124) == handpriced.price_bulletins(Decimal(3))
    nodes = [n for top in q.trace for n in walk(top) if n.kind == "line"]
    bc2 = next(n for n in nodes if n.name == "labour: phat_thanh_vien_II")
    assert (bc2.value, bc2.label_vi, bc2.verified) == ("204474", "Phát thanh viên hạng II bậc 1/8", True)
    coef = next(n for n in walk(bc2) if n.kind == "table" and n.name == "salary_coefficient")
    assert coef.value == "4.00"
    bc3 = next(n for n in nodes if n.name == "labour: phat_thanh_vien_III")
    assert bc3.verified is False and bc3.why is not None
    assert bc3.why.startswith("CONFLICT with TT 30/2020/TT-BTTTT Art. 5: phát thanh viên hạng III (V11.10.29) is on A1")
    assert "norm line 01.03.01.50.10 phat_thanh_vien_III" in q.unverified
    assert "norm line 01.03.01.50.10 phat_thanh_vien_II" not in q.unverified
    assert "norm line 01.03.01.50.10 am_thanh_vien_III" not in q.unverified


def test_example_norm_table_csv_carries_a2_2() -> None:
    text = (EXAMPLES / "norm-tables" / "tv-01.03.01.50.10.csv").read_text(encoding="utf-8")
    assert "A2.1" not in text
    assert ',Phát thanh viên hạng II,Broadcaster grade II,II,1/8,A2.2,công,"0,12",có,' in text
    assert ',Phát thanh viên hạng III,Broadcaster grade III,III,3/10,A0,công,"0,05",không,"CONFLICT with TT 30/2020' in text


def test_radio_circular_starts_45_days_after_signing() -> None:
    signed = dt.date(2020, 4, 24)
    earliest = signed + dt.timedelta(days=45)
    assert earliest == dt.date(2020, 6, 8)
    radio = load("vn-radio-09-2020").compiled
    src = radio.sources[next(k for k in radio.sources if k.endswith("tt-09-2020-in-force"))]
    assert (src.date, src.verified, src.article) == (earliest, False, "Điều 151 khoản 1")
    for code in ("13.20.20.00.00", "13.20.20.00.00-edited"):
        norm = media_part(radio).norms[code]
        assert norm.valid_from == earliest and norm.verified is False
        assert norm.why is not None and "2020-06-08 is the earliest lawful date, 45 days after its signing on 2020-04-24" in norm.why


@pytest.mark.parametrize(("name", "inputs", "value_name", "value"), [
    ("low_income_household", {"deprivation_count": 0, "income_per_capita": 2000000, "area": "rural"}, "low_income_line", "2250000"),
    ("status_by_score", {"score_a": 130, "score_b": 30, "area": "rural"}, "score_a_threshold", "140"),
])
def test_2026_extensions_are_unverified_in_the_trace(name: str, inputs: dict[str, object], value_name: str, value: str) -> None:
    rs = load("vn-poverty-2022-2026")

    def node(at: dt.date) -> TraceNode:
        _v, rec = evaluate(rs, name, at, inputs=inputs)
        return next(n for n in walk(Assembler(rs).node(rec)) if n.name == value_name)

    before, after = node(dt.date(2025, 6, 1)), node(dt.date(2026, 6, 1))
    assert before.value == after.value == value
    assert after.verified is False and after.why is not None and after.why.startswith("Extension to 2026 unverified: ")
    assert before.why is None or not before.why.startswith("Extension to 2026")


def show(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "400", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "normkit", "show", *args], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)


def test_show_table_json_with_number_keys() -> None:
    r = show("salary_coefficient", "--json")
    assert (r.returncode, r.stderr) == (0, "")
    version = json.loads(r.stdout)["versions"][0]
    assert ["A2.2", "1", "4.00", "1"] in version["rows"] and ["A2.1", "1", "4.40", "1"] in version["rows"]
    assert (version["verified"], version["source"]["document"][:16]) == (True, "Nghị định 204/20")


def test_show_text_says_unverified_and_why() -> None:
    r = show("broadcast_title_scale")
    assert r.returncode == 0
    assert "verified: no Grades I and II read verbatim in a legal Q&A quoting Điều 5" in r.stdout
    r = show("low_income_line")
    assert r.returncode == 0 and "verified: no Extension to 2026 unverified: no source read says" in r.stdout
    r = show("poor_min_score_b")
    assert r.returncode == 0 and "no Extension to 2026 unverified: TT" in r.stdout
    r = show("01.03.01.50.10", "--pack", "vn-tv-03-2018")  # the national entry (provincial norm sets define the code too)
    assert r.returncode == 0 and "no CONFLICT with TT 30/2020/TT-BTTTT" in r.stdout


def test_show_without_a_pack_gives_the_national_entry_not_a_provincial_copy() -> None:
    """01.03.01.50.10 is defined by TT 03/2018 and copied by the provincial norm sets (Hà Nam at 100 %,
    Quảng Nam at 80 %): without --pack, `show` gives the entry where it is defined."""
    r = show("01.03.01.50.10", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert (info["pack"], info["replaces"]) == ("vn-tv-03-2018", None)
    r = show("01.03.01.50.10", "--pack", "vn-ha-nam-57-2023", "--json")
    info = json.loads(r.stdout)
    assert (info["pack"], info["replaces"]) == ("vn-ha-nam-57-2023", "vn-tv-03-2018")


def test_scale_by_title_naming_no_table_is_nk202(tmp_path) -> None:
    from normkit.core.errors import NormkitError

    (tmp_path / "pricing.yaml").write_text("pricing:\n  labour:\n    rate: labour_day_rate(scale, step)\n    scale_by_title: no_such_table\n",
                                           encoding="utf-8")
    with pytest.raises(NormkitError) as err:
        _titled_pack(tmp_path, "        title: quay_phim\n        grade: 'I'\n        step: 2\n")
    text = str(err.value)
    assert "NK202" in text and "the labour rate takes scales from table 'no_such_table', which the pack set does not define" in text
