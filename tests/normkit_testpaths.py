"""Paths shared by the tests (a uniquely named module: `conftest` names clash across folders)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def province_manifest(pack_id: str, title_en: str = "Test province", title_vi: str = "Tỉnh thử") -> str:
    """``pack.yaml`` of a test province over the national TV norms and pricing method."""
    return f"""\
normkit: 1
id: {pack_id}
title: {{vi: "{title_vi}", en: "{title_en}"}}
version: "0.1"
jurisdiction: "test"
status: test
extends: [vn-tv-03-2018, vn-media-pricing]
valid: {{from: 2019-07-01}}
"""
