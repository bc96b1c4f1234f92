"""Regenerate the code table of docs/errors.md from normkit.core.errors.CATALOGUE.

    python tools/gen_errors_doc.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from normkit.core.errors import CATALOGUE  # noqa: E402


def main() -> None:
    path = ROOT / "docs" / "errors.md"
    text = path.read_text(encoding="utf-8")
    rows = "\n".join(f"| `{c}` | {t} | {h} |" for c, (t, h) in CATALOGUE.items())
    table = "| code | what | hint |\n|---|---|---|\n" + rows + "\n"
    text = re.sub(r"\| code \| what \| hint \|\n\|---\|---\|---\|\n(?:\|.*\|\n)+", table, text)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
