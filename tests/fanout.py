"""A generated pack whose formulas fan out: ``f{k}`` is the mean of ``fan`` references to
``f{k-1}``, ``depth`` levels deep, priced as an extra of every item. ``fan^depth`` paths lead to
``depth + 1`` distinct evaluations (issue 10: 30 × 6 levels, a 3.9 KB pack, never finished
`--explain`). Used by tests/test_trace_graph.py and benchmarks/trace_size.py."""

from __future__ import annotations

from pathlib import Path

from normkit_testpaths import EXAMPLES


def fanout_pack(folder: Path, fan: int = 30, depth: int = 6) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    formulas = ["formulas:", "  f0:", "    label: {vi: f0, en: f0}", "    unit: VND", "    expr: 1 VND"]
    for k in range(1, depth + 1):
        terms = " + ".join([f"f{k - 1}"] * fan)
        formulas += [f"  f{k}:", f"    label: {{vi: f{k}, en: f{k}}}", "    unit: VND", f"    expr: ({terms}) / {fan}"]
    (folder / "pack.yaml").write_text(
        "normkit: 1\nid: fanout\ntitle: {vi: fan-out, en: fan-out}\nversion: '1'\njurisdiction: test\nstatus: test\n"
        f"valid: {{from: 2019-07-01}}\nextends: [{EXAMPLES / 'packs' / 'example-province'}]\n"
        + "\n".join(formulas) + "\n"
        f"pricing:\n  extras:\n    - {{id: fan, label: {{vi: fan, en: fan}}, expr: f{depth}}}\n", encoding="utf-8")
    return folder


def fanout_order(pack: Path, items: int = 1) -> dict[str, object]:
    return {"normkit_order": 1, "id": "fan", "date": "2024-09-15", "packs": [str(pack)],
            "items": [{"id": f"i{i}", "norm": "01.03.01.50.10", "quantity": 1} for i in range(items)]}
