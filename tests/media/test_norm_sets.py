"""Provincial norm sets as a share of the national norms (issue 14): the Quảng Nam (80 %) and
Hà Nam (100 %) packs, the factor on every trace line it scales, lint's ceiling check against
the scaled maxima, and the NK212 mistakes."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, ROOT, RULES

from normkit.api import load
from normkit.core import cache
from normkit.core.compiler import build
from normkit.core.errors import NormkitError, NormkitErrors
from normkit.core.lint import lint_pack
from normkit.media.ceilings import ceiling_findings
from normkit.media.compiled import media_part
from normkit.media.orders import load_order

NORM = "01.03.01.50.10"
QN, HN = "vn-quang-nam-31-2023", "vn-ha-nam-57-2023"


def _order(name: str) -> object:
    return load_order(EXAMPLES / "orders" / name)


def _quote(pack: str, order: str) -> object:
    return load(EXAMPLES / "packs" / pack).quote(_order(order))


def _norm_lines(q: object) -> list[object]:
    return [ln for ln in q.lines if ln.component != "other"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("pack", [QN, HN])
def test_both_provincial_packs_load_and_pass_lint(pack: str) -> None:
    summary = lint_pack(RULES / pack)
    assert [p.id for p in summary.packs] == ["vn-tv-03-2018", "vn-radio-09-2020", pack]
    assert summary.counts["norms"] == 3
    sets = media_part(build(RULES / pack)).norm_sets
    assert sorted(sets) == [f"{pack}/radio", f"{pack}/tv"]
    tv, radio = sets[f"{pack}/tv"], sets[f"{pack}/radio"]
    assert (tv.of, tv.media, tv.scaled, tv.unscaled) == ("vn-tv-03-2018", ["tv"], [NORM], [])
    # TT 09/2020's tables were not readable: the radio set has nothing to scale, and says so
    assert (radio.of, radio.media, radio.scaled, radio.unscaled) == ("vn-radio-09-2020", ["radio"], [], ["13.20.20.00.00"])


def test_quang_nam_factor_dates_and_unverified_reading() -> None:
    c = build(RULES / QN)
    tv = media_part(c).norm_sets[f"{QN}/tv"]
    assert tv.factors == {"labour": Decimal("0.80"), "equipment": Decimal("0.80"), "material": Decimal("0.80")}
    assert (tv.valid_from, tv.valid_to, tv.verified) == (dt.date(2023, 12, 5), None, False)
    assert "equipment and materials" in (tv.why or "") and "effective date was not read" in (tv.why or "")
    norm = media_part(c).norms[NORM]
    assert (norm.pack, norm.replaces, norm.valid_from, norm.verified) == (QN, "vn-tv-03-2018", dt.date(2023, 12, 5), False)
    assert norm.notes[-1] == f"norm set {QN}/tv: labour × 0.80, equipment × 0.80, material × 0.80 of vn-tv-03-2018's entry {NORM}"
    national = media_part(c).replaced_norms[NORM]
    assert [ln.quantity * Decimal("0.80") for ln in national.lines] == [ln.quantity for ln in norm.lines]
    assert norm.lines[1].quantity == Decimal("0.7920") and national.lines[1].quantity == Decimal("0.99")
    unverified = lint_pack(RULES / QN).unverified
    assert f"norm set {QN}/tv" in unverified and f"norm set {QN}/radio" in unverified


def test_ha_nam_is_in_force_from_15_december_2023(tmp_path: Path) -> None:
    c = build(RULES / HN)
    tv = media_part(c).norm_sets[f"{HN}/tv"]
    assert (tv.factors["labour"], tv.valid_from, tv.verified) == (Decimal("1.00"), dt.date(2023, 12, 15), False)
    assert media_part(c).norms[NORM].valid_from == dt.date(2023, 12, 15)
    # a rate card valid before the decision: the scaled norm itself is not in force yet
    rules = load(_province(tmp_path, "", extends=f"{HN}, {EXAMPLES / 'packs' / 'example-province'}", valid="2019-07-01"))
    with pytest.raises(NormkitError) as exc:
        rules.quote({"id": "t", "date": "2023-12-14", "items": [{"norm": NORM}]})
    err = getattr(exc.value, "errors", [exc.value])[0]
    assert (err.code, err.message) == ("NK402", f"norm {NORM} is in force from 2023-12-15, not on 2023-12-14")
    on_the_day = {"id": "t", "date": "2023-12-15", "items": [{"norm": NORM}]}
    national = load(EXAMPLES / "packs" / "example-province").quote(on_the_day)
    assert rules.quote(on_the_day).total == national.total == Decimal("1528064")  # 100 %: the national price


def test_quang_nam_amounts_are_the_national_line_amounts_times_0_80() -> None:
    national = _quote("example-province", "tv-bulletins.yaml")
    qn = _quote("example-quang-nam", "tv-bulletins-quang-nam.yaml")
    nat_lines, qn_lines = _norm_lines(national), _norm_lines(qn)
    assert len(qn_lines) == len(nat_lines) == 19
    for a, b in zip(nat_lines, qn_lines, strict=True):
        assert (a.resource, a.rate) == (b.resource, b.rate)
        assert b.quantity == a.quantity * Decimal("0.80")
        # one bulletin's line (national quantity × 0.80 × rate, rounded to 1 đ half up) × 3 bulletins: the one-unit rule
        assert b.amount == ((a.quantity / 3) * Decimal("0.80") * a.rate).quantize(Decimal(1), ROUND_HALF_UP) * 3
    by = {(ln.resource, ln.quantity): ln for ln in qn_lines}
    # by hand: sound technician III, A1 step 3 = 3.00 × 2,340,000 = 7,020,000 đ/month;
    # × (1 + 10 % + 23.5 %) / 22 days = 425,986.36… đ/workday; 0.04 workday × 3 bulletins × 0.80
    # = 0.032 workday for one bulletin → 13,631.56… → 13,632 đ; × 3 bulletins = 40,896 đ (national: 0.04 workday → 17,039 đ × 3)
    # (rounded on the whole quantity it was 40,895 đ; every amount is now one bulletin's × 3)
    sound = by[("am_thanh_vien_III", Decimal("0.0960"))]
    assert (sound.amount, sound.amount_exact) == (Decimal(40896), Decimal(40896))
    # non-linear editing: 3.1 h × 3 × 0.80 = 7.44 h × 120,000 đ = 892,800 đ (national 1,116,000 đ)
    assert by[("he_thong_dung_phi_tuyen", Decimal("7.440"))].amount == Decimal(892800)
    # printing paper: 0.06 ream × 3 × 0.80 = 0.144 ream × 75,000 đ = 10,800 đ (national 13,500 đ)
    assert by[("giay_in", Decimal("0.1440"))].amount == Decimal(10800)
    assert sum((ln.amount for ln in qn_lines), Decimal(0)) == Decimal("3696021")
    assert qn.total == Decimal("4268904") == qn.items[0].unit_price * 3  # 1,422,968 đ a bulletin


def test_ha_nam_prices_the_national_amounts() -> None:
    national = _quote("example-province", "tv-bulletins.yaml")
    hn = _quote("example-ha-nam", "tv-bulletins-ha-nam.yaml")
    assert [(ln.resource, ln.amount) for ln in hn.lines] == [(ln.resource, ln.amount) for ln in national.lines]
    assert hn.total == national.total == Decimal("5336124")
    factors = [c for line in hn.trace[0].children if line.kind == "line" for c in line.children if c.kind == "factor"]
    assert len(factors) == 19 and {f.value for f in factors} == {"1.00"}


def test_the_trace_shows_the_factor_and_its_source_on_every_scaled_line() -> None:
    qn = _quote("example-quang-nam", "tv-bulletins-quang-nam.yaml")
    lines = [n for n in qn.trace[0].children if n.kind == "line"]
    assert len(lines) == 19
    for line in lines:
        f = line.children[0]
        assert (f.kind, f.name, f.value, f.unit, f.pack) == ("factor", f"norm set {QN}/tv", "0.80", "1", QN)
        assert f.source is not None and f.source.document.startswith("Quyết định 31/2023/QĐ-UBND")
        assert f.verified is False and "80 %" in (f.why or "")
    first = lines[0].children[0]
    assert [(i.name, i.value, i.unit) for i in first.inputs] == [
        ("national quantity", "0.04", "workday"), ("scaled quantity", "0.0320", "workday")]
    assert first.rule == "labour × 0.80"
    # extras are not norm lines: no factor node of their own
    assert all(c.kind != "factor" for n in qn.trace[0].children if n.kind == "extra" for c in n.children)


def _province(tmp_path: Path, norms: str, extends: str = QN, sets: str = "", valid: str = "2024-01-01") -> Path:
    pack = tmp_path / "p"
    pack.mkdir(exist_ok=True)
    (pack / "pack.yaml").write_text(
        "normkit: 1\nid: test-province\ntitle: {vi: t, en: t}\nversion: '1'\njurisdiction: test\nstatus: test\n"
        f"valid: {{from: {valid}}}\nextends: [{extends}]\n" + norms + sets, encoding="utf-8")
    return pack


def test_a_province_line_above_the_scaled_maximum_is_nk209(tmp_path: Path) -> None:
    pack = _province(tmp_path, "norms:\n  \"01.03.01.50.10\":\n    name: {vi: 'Bản tin', en: Bulletin}\n    lines:\n"
                     "      - {component: labour, resource: bien_dich_vien_III, label: {vi: a, en: a}, quantity: 0.80 workday, scale: A1, step: 4}\n"
                     "      - {component: labour, resource: bien_tap_vien_III, label: {vi: b, en: b}, quantity: 0.064 workday, scale: A1, step: 3}\n")
    findings = ceiling_findings(build(pack))
    # 0.80 is below the national 0.99 but above 0.80 × 0.99 = 0.7920; 0.064 = 0.80 × 0.08 is allowed
    assert [(f.code, f.message) for f in findings] == [
        ("NK209", (f"norm {NORM} (test-province): labour bien_dich_vien_III is 0.80 workday, above the maximum 0.7920 workday "
                   f"of norm set {QN}/tv (0.80 × the national quantity)"))]
    with pytest.raises(NormkitErrors):
        lint_pack(pack)


def test_a_factor_per_component_scales_only_that_component(tmp_path: Path) -> None:
    pack = _province(tmp_path, "", extends="vn-tv-03-2018",
                     sets="norm_sets:\n  labour_only:\n    of: vn-tv-03-2018\n    components: {labour: 0.5}\n")
    norm = media_part(build(pack)).norms[NORM]
    national = media_part(build(RULES / "vn-tv-03-2018")).norms[NORM]
    for a, b in zip(national.lines, norm.lines, strict=True):
        if a.component == "labour":
            assert (b.quantity, b.set_factor, b.set_id) == (a.quantity * Decimal("0.5"), Decimal("0.5"), "test-province/labour_only")
        else:
            assert (b.quantity, b.set_factor, b.set_id) == (a.quantity, None, None)
    assert norm.valid_from == dt.date(2024, 1, 1) and norm.pack == "test-province"


@pytest.mark.parametrize(("sets", "message"), [
    ("  s:\n    of: vn-radio-09-2020\n    factor: 0.8\n",
     "norm set test-province/s scales the norms of pack 'vn-radio-09-2020', which is not before it in the pack set"),
    ("  s:\n    of: vn-tv-03-2018\n", "norm set test-province/s: give either `factor:` (every component) or `components:` (a factor per component)"),
    ("  s:\n    of: vn-tv-03-2018\n    factor: 0.8\n    components: {labour: 0.8}\n",
     "norm set test-province/s: give either `factor:` (every component) or `components:` (a factor per component)"),
    ("  s:\n    of: vn-tv-03-2018\n    factor: 0\n", "norm set test-province/s: the labour factor must be a positive number, not 0"),
    ("  s:\n    of: vn-tv-03-2018\n    media: [radio]\n    factor: 0.8\n", "norm set test-province/s: pack vn-tv-03-2018 has no norm of radio in force from 2024-01-01"),
])
def test_norm_set_mistakes_are_nk212(tmp_path: Path, sets: str, message: str) -> None:
    pack = _province(tmp_path, "", extends="vn-tv-03-2018", sets="norm_sets:\n" + sets)
    with pytest.raises(NormkitError) as exc:
        build(pack)
    err = getattr(exc.value, "errors", [exc.value])[0]
    assert (err.code, err.message) == ("NK212", message)
    assert err.location is not None and (err.location.line, err.location.column, err.location.path) == (11, 5, "norm_sets.s")


def test_a_factor_above_one_is_above_the_national_maximum(tmp_path: Path) -> None:
    pack = _province(tmp_path, "", extends="vn-tv-03-2018", sets="norm_sets:\n  more:\n    of: vn-tv-03-2018\n    components: {material: 1.5}\n")
    findings = ceiling_findings(build(pack))
    # 0.06 ream × 1.5 = 0.090 of printing paper and 0.02 box × 1.5 = 0.030 of ink
    assert [f.message for f in findings] == [
        f"norm {NORM} (test-province): material giay_in is 0.090 ream, above the national maximum 0.06 ream (vn-tv-03-2018)",
        f"norm {NORM} (test-province): material muc_in is 0.030 box, above the national maximum 0.02 box (vn-tv-03-2018)"]


def test_a_derived_norm_takes_its_lines_from_the_scaled_base_once(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    (base / "pack.yaml").write_text(
        "normkit: 1\nid: base-norms\ntitle: {vi: b, en: b}\nversion: '1'\njurisdiction: test\nstatus: test\nvalid: {from: 2020-01-01}\n"
        "norms:\n  B:\n    name: {vi: b, en: b}\n    medium: tv\n    lines:\n"
        "      - {component: labour, resource: r, label: {vi: r, en: r}, quantity: 2 workday, scale: A1, step: 1}\n"
        "      - {component: equipment, resource: m, label: {vi: m, en: m}, quantity: 4 machine_hour}\n"
        "  B-part:\n    name: {vi: p, en: p}\n    medium: tv\n    derive: {from: B, components: [labour], factor: '0.5'}\n", encoding="utf-8")
    pack = _province(tmp_path, "", extends=str(base), sets="norm_sets:\n  s:\n    of: base-norms\n    factor: 0.75\n")
    media = media_part(build(pack))
    assert media.norm_sets["test-province/s"].scaled == ["B"]
    assert [(ln.resource, ln.quantity) for ln in media.norms["B"].lines] == [("r", Decimal("1.50")), ("m", Decimal("3.00"))]
    derived = media.norms["B-part"]
    assert derived.pack == "base-norms"  # not copied: its share still applies per item
    assert [(ln.resource, ln.quantity, ln.set_factor, ln.national_quantity) for ln in derived.lines] == [
        ("r", Decimal("1.50"), Decimal("0.75"), Decimal("2"))]


def test_the_norm_sets_survive_the_compiled_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NORMKIT_CACHE_DIR", str(tmp_path / "cache"))
    pack = (EXAMPLES / "packs" / "example-quang-nam").resolve()
    fresh = build(pack)
    cache.store(pack, fresh)
    warm = cache.load(pack)
    assert warm == fresh
    line = media_part(warm).norms[NORM].lines[0]
    assert (line.set_id, line.set_factor, line.national_quantity, line.quantity) == (
        f"{QN}/tv", Decimal("0.80"), Decimal("0.04"), Decimal("0.0320"))
    assert media_part(warm).norm_sets[f"{QN}/tv"].scaled == [NORM]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "normkit", *args], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)


def test_cli_lint_and_price_show_the_norm_set() -> None:
    r = _cli("lint", str(RULES / QN), "--json")
    assert r.returncode == 0, r.stderr
    # the radio entries are unverified since TT 09/2020's start date is (the earliest lawful date, not a read one)
    assert json.loads(r.stdout)["unverified"] == [f"norm {NORM}", "norm 13.20.20.00.00", "norm 13.20.20.00.00-edited",
                                                  f"norm set {QN}/radio", f"norm set {QN}/tv"]
    r = _cli("price", str(EXAMPLES / "orders" / "tv-bulletins-quang-nam.yaml"), "--explain")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(f"norm set {QN}/tv = 0,80") == 19  # vi: a decimal comma
    assert "Quote EX-2024-TV-001-quang-nam = 4.268.904 VND at 2024-09-15" in r.stdout
