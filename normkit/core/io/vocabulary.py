"""The words and number shapes normkit accepts in user text — one definition for every reader.

Every path that reads text a person typed (orders, ``--set``, overlays, budgets, households,
norm tables, the service, the web page) takes its vocabulary from here, so that the same text
means the same thing everywhere. The scalar reader (``core/io/text.py``) and the column reader
(Arrow, for large files) both build on these constants; the regular expressions use only the
syntax Python's ``re`` and Arrow's RE2 share, so both compile the same patterns.

Number conventions:

* ``vi`` — thousands ``.``, decimal ``,`` (``5.358.000``, ``0,12``), as Vietnamese offices write;
* ``en`` — thousands ``,``, decimal ``.`` (``5,358,000``, ``0.12``);
* either — thousands as a space, a no-break space or a narrow no-break space (``1 234,5``).

A text that two conventions read differently (``1.234``, ``1,234``) is *ambiguous* unless the
convention is known; readers report it with a hint rather than guess.
"""

from __future__ import annotations

import unicodedata
from typing import Final, Literal

Convention = Literal["vi", "en"]
CONVENTIONS: Final[tuple[Convention, ...]] = ("vi", "en")

#: Spaces people (and spreadsheets) put between digit groups.
GROUP_SPACES: Final[str] = " \u00a0\u202f"

# One optional sign; digits; the shapes below are anchored and mutually checked by tests.
SIGN: Final[str] = r"[+-]?"
#: Digits only, no separator: ``5358000``.
PLAIN_INTEGER: Final[str] = rf"^{SIGN}[0-9]+$"
#: Digits with one decimal mark, either mark: ``0.12``, ``0,12``, ``3,5``.
PLAIN_DECIMAL_DOT: Final[str] = rf"^{SIGN}[0-9]+\.[0-9]+$"
PLAIN_DECIMAL_COMMA: Final[str] = rf"^{SIGN}[0-9]+,[0-9]+$"
#: Grouped in threes with ``.``, optional ``,`` decimals (Vietnamese): ``5.358.000``, ``1.234,5``.
GROUPED_VI: Final[str] = rf"^{SIGN}[0-9]{{1,3}}(\.[0-9]{{3}})+(,[0-9]+)?$"
#: Grouped in threes with ``,``, optional ``.`` decimals (English): ``5,358,000``, ``1,234.5``.
GROUPED_EN: Final[str] = rf"^{SIGN}[0-9]{{1,3}}(,[0-9]{{3}})+(\.[0-9]+)?$"
#: Grouped in threes with a space of any kind, either decimal mark: ``1 234,5``, ``1 234.5``.
GROUPED_SPACE: Final[str] = rf"^{SIGN}[0-9]{{1,3}}([{GROUP_SPACES}][0-9]{{3}})+([.,][0-9]+)?$"
#: Exponent notation, as spreadsheets write large floats: refused (it has already lost digits).
EXPONENT: Final[str] = r"^[+-]?[0-9.,]+[eE][+-]?[0-9]+$"

#: Words read as true / false (compared after :func:`fold`, so ``Có``, ``co`` and ``CÓ`` are one).
TRUE_WORDS: Final[frozenset[str]] = frozenset({"true", "t", "yes", "y", "1", "x", "co", "dung", "phai"})
FALSE_WORDS: Final[frozenset[str]] = frozenset({"false", "f", "no", "n", "0", "khong", "sai"})

#: Text read as "no value" in a table cell (after :func:`fold`).
EMPTY_WORDS: Final[frozenset[str]] = frozenset({"", "-", "na", "n/a", "null", "none"})


def fold(text: str) -> str:
    """Text as a key: NFC, case-folded, without diacritics (``đ`` → ``d``), spaces collapsed.

    ``"Thu nhập bình quân"`` and ``"thu nhap  binh quan"`` fold to the same key, as do
    ``"Có"`` and ``"co"``. Used for headers, booleans, unit aliases and name look-ups.
    """
    text = unicodedata.normalize("NFC", text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def fold_header(text: str) -> str:
    """A column header as a key: :func:`fold`, with ``-``, ``.`` and spaces read as ``_``."""
    key = fold(text).strip()
    for ch in "-. ":
        key = key.replace(ch, "_")
    while "__" in key:
        key = key.replace("__", "_")
    return key.strip("_")
