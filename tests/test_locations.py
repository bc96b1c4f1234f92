"""Locations stay structured from the pack file to the report: a folder with spaces in its
name is reported with its full file name, line and column (never text parsed back)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from normkit_testpaths import ROOT

from normkit.core.compiler import build
from normkit.core.errors import Location
from normkit.media.compiled import media_part

MANIFEST = (
    "normkit: 1\nid: too-generous\ntitle: {vi: t, en: t}\nversion: '1'\njurisdiction: test\nstatus: test\n"
    "valid: {from: 2018-07-01}\nextends: [vn-tv-03-2018]\n"
)
NORMS = (
    "norms:\n  \"01.03.01.50.10\":\n    name: {vi: 'Bản tin', en: Bulletin}\n    lines:\n"
    "      - {component: labour, resource: bien_dich_vien_III, label: {vi: a, en: a}, quantity: 1.00 workday, scale: A1, step: 4}\n"
)


def _pack(tmp_path: Path) -> Path:
    pack = tmp_path / "My Packs" / "pack"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text(MANIFEST, encoding="utf-8")
    (pack / "norms.yaml").write_text(NORMS, encoding="utf-8")
    return pack


def test_compiled_objects_hold_location_objects(tmp_path: Path) -> None:
    c = build(_pack(tmp_path))
    line = media_part(c).norms["01.03.01.50.10"].lines[0]
    assert isinstance(line.location, Location)
    assert line.location.file == str(tmp_path / "My Packs" / "pack" / "norms.yaml")
    assert (line.location.line, line.location.column) == (5, 9)
    assert isinstance(c.root.valid_location, Location) and c.root.valid_location.line == 7


def test_lint_json_reports_file_line_and_column_in_a_folder_with_spaces(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    r = subprocess.run([sys.executable, "-m", "normkit", "lint", str(pack), "--json"], check=False,
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1, r.stderr
    errors = json.loads(r.stderr)["error"]["errors"]
    assert len(errors) == 1
    err = errors[0]
    assert err["code"] == "NK209"
    assert err["file"] == str(pack / "norms.yaml")
    assert (err["line"], err["column"]) == (5, 9)
    assert err["path"] == "norms.01.03.01.50.10.lines[0]"
