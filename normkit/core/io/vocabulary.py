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

The grammar, exactly as both readers implement it (``docs/input.md`` has the table):

1. Surrounding whitespace is ignored; a text longer than :data:`MAX_TEXT_CHARS` is refused.
2. :data:`EXPONENT` (``1.2345678901234568e16``) is refused: a spreadsheet wrote a float that has
   already lost digits.
3. The *readings* of a text are those of the shapes it matches: :data:`PLAIN_INTEGER` as is;
   :data:`PLAIN_DECIMAL_DOT` and :data:`GROUPED_EN` the ``en`` reading (drop ``,``);
   :data:`PLAIN_DECIMAL_COMMA` and :data:`GROUPED_VI` the ``vi`` reading (drop ``.``, then
   ``,`` is the decimal mark); :data:`GROUPED_SPACE` drops the spaces, and its one mark is the
   decimal mark. A thousands group never starts a number with ``0`` (``0.125`` is a decimal,
   never 125), so a text has at most two readings.
4. One reading: that value, whatever the convention (``5.358.000`` is 5358000 in an English
   file too). Two readings: the convention's; with no convention the text is *ambiguous*.
   Where a whole number is expected (money), a reading that is not whole is dropped first, and
   of two whole readings the one without a decimal part is kept: ``1.234`` and ``1.000`` as
   money are 1234 and 1000 in every convention, and ``1,5`` as money is not whole đồng.
5. No reading: not a number.
6. A value with more than :data:`MAX_SIGNIFICANT_DIGITS` significant digits, or beyond
   10^±:data:`MAX_EXPONENT` in size, is out of range; money has at most :data:`MONEY_MAX_DIGITS`
   digits. Money may carry one of :data:`MONEY_SUFFIXES` after the number (``5.358.000 đ``).

Dates are :data:`DATE_ISO` (``2024-09-15``) or :data:`DATE_DMY` (``15/09/2024``, day first, as
Vietnamese documents write it); nothing else is read as a date. Booleans are the folded words of
:data:`TRUE_WORDS` / :data:`FALSE_WORDS`.
"""

from __future__ import annotations

import re
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
GROUPED_VI: Final[str] = rf"^{SIGN}[1-9][0-9]{{0,2}}(\.[0-9]{{3}})+(,[0-9]+)?$"
#: Grouped in threes with ``,``, optional ``.`` decimals (English): ``5,358,000``, ``1,234.5``.
GROUPED_EN: Final[str] = rf"^{SIGN}[1-9][0-9]{{0,2}}(,[0-9]{{3}})+(\.[0-9]+)?$"
#: Grouped in threes with a space of any kind, either decimal mark: ``1 234,5``, ``1 234.5``.
GROUPED_SPACE: Final[str] = rf"^{SIGN}[1-9][0-9]{{0,2}}([{GROUP_SPACES}][0-9]{{3}})+([.,][0-9]+)?$"
#: Digits a plain integer may have to be cast by Arrow directly (anything longer is checked exactly).
FAST_DIGITS: Final[int] = 18
#: A plain integer Arrow casts to int64 without overflow: the column reader's fast path.
FAST_INTEGER: Final[str] = rf"^-?[0-9]{{1,{FAST_DIGITS}}}$"
#: Exponent notation, as spreadsheets write large floats: refused (it has already lost digits).
EXPONENT: Final[str] = r"^[+-]?[0-9.,]+[eE][+-]?[0-9]+$"

#: Longest text a scalar reader looks at (a number, a date, a word); longer text is refused.
MAX_TEXT_CHARS: Final[int] = 100
#: Significant digits a number may have: the precision of normkit's Decimal context.
MAX_SIGNIFICANT_DIGITS: Final[int] = 34
#: Numbers lie between 10^-60 and 10^60 in size, as in normkit's Decimal context.
MAX_EXPONENT: Final[int] = 60
#: Digits of a money amount in đồng (10^18 đồng is far above any budget; a 29-digit unit price
#: is a typing error, reported as one).
MONEY_MAX_DIGITS: Final[int] = 18
#: Currency words allowed after an amount, as :func:`fold` leaves them (so ``đ``, ``đồng``,
#: ``VND``, ``dong`` and ``₫`` are all accepted).
MONEY_SUFFIXES: Final[tuple[str, ...]] = ("₫", "d", "dong", "vnd")

#: ISO date ``2024-09-15``.
DATE_ISO: Final[str] = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: Vietnamese day-first date ``15/09/2024`` or ``5/9/2024``.
DATE_DMY: Final[str] = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"

_NOT_WORD = re.compile(r"[^a-z0-9]+")

#: Words read as true / false (compared after :func:`fold`, so ``Có``, ``co`` and ``CÓ`` are one).
TRUE_WORDS: Final[frozenset[str]] = frozenset({"true", "t", "yes", "y", "1", "x", "co", "dung", "phai"})
FALSE_WORDS: Final[frozenset[str]] = frozenset({"false", "f", "no", "n", "0", "khong", "sai"})

#: Text read as "no value" in a table cell (after :func:`fold`).
EMPTY_WORDS: Final[frozenset[str]] = frozenset({"", "-", "na", "n/a", "null", "none"})


def strip_marks(text: str) -> str:
    """Text without diacritics, case kept: NFC, ``đ`` → ``d``, combining marks dropped
    (``"Biên dịch viên"`` → ``"Bien dich vien"``)."""
    text = unicodedata.normalize("NFC", text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Text as a key: :func:`strip_marks`, case-folded, spaces collapsed.

    ``"Thu nhập bình quân"`` and ``"thu nhap  binh quan"`` fold to the same key, as do
    ``"Có"`` and ``"co"``. Used for headers, booleans, unit aliases and name look-ups.
    """
    return " ".join(strip_marks(text).casefold().split())


def header_words(text: str) -> str:
    """A header as words: :func:`fold`, anything but letters and digits as one space
    (``"Đơn giá (đ)"`` → ``"don gia d"``); budgets and norm tables match headers this way."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())


def fold_header(text: str) -> str:
    """A column header as a key: :func:`fold`, with ``-``, ``.`` and spaces read as ``_``."""
    key = fold(text).strip()
    for ch in "-. ":
        key = key.replace(ch, "_")
    while "__" in key:
        key = key.replace("__", "_")
    return key.strip("_")
