"""Provincial norms are ceilings; rule sets are safe to share between threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from normkit_testpaths import EXAMPLES

from normkit.api import load
from normkit.core.compiler import build
from normkit.core.errors import NormkitErrors
from normkit.media.ceilings import ceiling_findings


def test_lint_reports_every_provincial_line_above_the_national_maximum(tmp_path):
    pack = tmp_path / "province"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "normkit: 1\nid: too-generous\ntitle: {vi: t, en: t}\nversion: '1'\njurisdiction: test\nstatus: test\n"
        "valid: {from: 2018-07-01}\nextends: [vn-tv-03-2018]\n"
        "norms:\n  \"01.03.01.50.10\":\n    name: {vi: 'Bản tin', en: Bulletin}\n    lines:\n"
        "      - {component: labour, resource: bien_dich_vien_III, label: {vi: a, en: a}, quantity: 1.00 workday, scale: A1, step: 4}\n"
        "      - {component: labour, resource: bien_tap_vien_III, label: {vi: b, en: b}, quantity: 0.08 workday, scale: A1, step: 3}\n"
        "      - {component: equipment, resource: may_vi_tinh, label: {vi: c, en: c}, quantity: 9 machine_hour}\n"
        "      - {component: equipment, resource: drone, label: {vi: d, en: d}, quantity: 1 machine_hour}\n",
        encoding="utf-8")
    findings = ceiling_findings(build(pack))
    assert [f.code for f in findings] == ["NK209"] * 3
    assert [f.message for f in findings] == [
        "norm 01.03.01.50.10 (too-generous): labour bien_dich_vien_III is 1.00 workday, above the national maximum 0.99 workday (vn-tv-03-2018)",
        "norm 01.03.01.50.10 (too-generous): equipment may_vi_tinh is 9 machine_hour, above the national maximum 8.86 machine_hour (vn-tv-03-2018)",
        "norm 01.03.01.50.10 (too-generous): equipment line drone is not in the national entry of pack vn-tv-03-2018",
    ]
    assert findings[0].location.line == 13
    from normkit.cli.lint import lint

    with pytest.raises(NormkitErrors):
        lint(str(pack), as_json=True)


def test_quotes_from_eight_threads_are_identical():
    rules = load(EXAMPLES / "packs" / "example-province")
    order = EXAMPLES / "orders" / "year-plan-2023.yaml"
    expected = rules.quote(order).to_json(trace=False)
    fresh = load(EXAMPLES / "packs" / "example-province", use_cache=False)  # empty per-date caches, filled concurrently
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: fresh.quote(order).to_json(trace=False), range(32)))
    assert set(results) == {expected}
