"""Close matches for a name the user typed: the one place every "unknown name" error asks.

A parameter in ``--set``, an overlay key, a name for ``normkit show``, a norm code, an order
input, a sub-command: each is compared with the names that exist, case and diacritics aside
(:func:`normkit.core.io.vocabulary.fold`), and the error's hint offers the nearest ones.

>>> close_matches("overhed_rate", ["overhead_rate", "base_salary"])
['overhead_rate']
>>> did_you_mean("base_salery", ["base_salary", "overhead_rate"])
'did you mean base_salary?'
>>> did_you_mean("zzz", ["base_salary"]) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable

from normkit.core.io.vocabulary import fold

#: How alike two names must be (difflib's ratio) to be offered; 0.6 is difflib's own default.
CUTOFF = 0.6
#: How many close matches a hint names.
LIMIT = 3


def close_matches(name: str, candidates: Iterable[str], *, n: int = LIMIT, cutoff: float = CUTOFF) -> list[str]:
    """The names in ``candidates`` nearest to ``name``, best first (at most ``n``).

    Compared after folding (``Base_Salary`` and ``base_salary`` are one), so a difference of
    case or diacritics alone always matches."""
    by_key: dict[str, str] = {}
    for c in candidates:
        by_key.setdefault(fold(c), c)
    key = fold(name)
    exact = [by_key[key]] if key in by_key and by_key[key] != name else []
    import difflib  # only for a name that is not found: an error path

    found = difflib.get_close_matches(key, list(by_key), n=n, cutoff=cutoff)
    return (exact + [by_key[k] for k in found if by_key[k] not in exact and by_key[k] != name])[:n]


def did_you_mean(name: str, candidates: Iterable[str], *, n: int = LIMIT, cutoff: float = CUTOFF) -> str | None:
    """``"did you mean a, b?"`` for the close matches of ``name``, or None when there is none."""
    found = close_matches(name, candidates, n=n, cutoff=cutoff)
    return f"did you mean {', '.join(found)}?" if found else None
