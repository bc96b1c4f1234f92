"""normkit's closed unit vocabulary and the exact conversion table used at evaluation.

The vocabulary is normkit's own (not pint's defaults, where ``day`` is calendar time and
``ton`` a US short ton). It lives here as data. :func:`pint_registry` builds a private pint
registry from it; pint is imported only there, while a pack is being checked. Evaluation
uses :class:`UnitTable`: for each unit an exact :class:`~fractions.Fraction` factor to its
base units and its dimension, computed once by pint and cached with the compiled pack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from normkit.core.errors import Location, NormkitError
from normkit.core.io.vocabulary import fold
from normkit.core.records import Frozen

_set = object.__setattr__

if TYPE_CHECKING:  # pragma: no cover
    import pint


class UnitDef(Frozen):
    """One unit of the vocabulary.

    ``definition`` is either ``"[dimension]"`` (a new base unit) or ``"<number> <unit expr>"``.
    """

    __slots__ = ("aliases", "definition", "en", "name", "vi")
    __match_args__ = ("name", "definition", "vi", "en", "aliases")
    name: str
    definition: str
    vi: str
    en: str
    aliases: tuple[str, ...]

    def __init__(self, name: str, definition: str, vi: str, en: str, aliases: tuple[str, ...] = ()) -> None:
        _set(self, "name", name)
        _set(self, "definition", definition)
        _set(self, "vi", vi)
        _set(self, "en", en)
        _set(self, "aliases", aliases)


# Dimensions are deliberately separate where the domain keeps them apart: a công (work-day
# of labour) is not 8 clock hours of machine time, and a month of salary is not 30 days.
VOCABULARY: tuple[UnitDef, ...] = (
    UnitDef("VND", "[currency]", "đồng", "Vietnamese đồng", ("đồng", "dong", "vnd")),
    UnitDef("workday", "[labour]", "công", "work-day (8 working hours)", ("công", "cong", "manday", "ngày_công")),
    UnitDef("machine_hour", "[machine_time]", "giờ máy", "machine-hour", ("giờ_máy", "machine_hours")),
    UnitDef("second", "[time]", "giây", "second", ("s", "giây", "seconds")),
    UnitDef("minute", "60 second", "phút", "minute", ("phút", "minutes")),
    UnitDef("hour", "60 minute", "giờ", "hour", ("giờ", "hours")),
    UnitDef("month", "[period]", "tháng", "month", ("tháng", "months")),
    UnitDef("year", "12 month", "năm", "year", ("năm", "years")),
    UnitDef("item", "[item]", "sản phẩm", "item (one product)", ("items", "sản_phẩm", "product")),
    UnitDef("page", "[page]", "trang", "page", ("trang", "pages")),
    UnitDef("household", "[household]", "hộ", "household", ("hộ", "households")),
    UnitDef("person", "[person]", "người", "person", ("người", "persons", "people")),
    UnitDef("metre", "[length]", "mét", "metre", ("m", "mét", "meter")),
    UnitDef("square_metre", "1 metre ** 2", "mét vuông", "square metre", ("m2", "m²")),
    UnitDef("percent", "0.01", "phần trăm", "percent", ("%", "pct")),
    UnitDef("point", "[score_point]", "điểm", "score point", ("điểm", "points")),
)

_NAME_RE = re.compile(r"^[^\W\d]\w*$")
_TOKEN_RE = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<name>[^\W\d]\w*|%|²|³)|(?P<op>\*\*|[*/^()·]))")

Dims = tuple[tuple[str, int], ...]  # sorted (dimension, exponent) pairs, zero exponents dropped


class UnitInfo(Frozen):
    """What evaluation needs to know about a unit: its base factor and dimension."""

    __slots__ = ("dims", "factor")
    __match_args__ = ("factor", "dims")
    factor: Fraction
    dims: Dims

    def __init__(self, factor: Fraction, dims: Dims) -> None:
        _set(self, "factor", factor)
        _set(self, "dims", dims)


class Vocabulary(Frozen):
    """The vocabulary a pack set sees: normkit's own units plus those its packs add. Compared,
    hashed and printed by its units only (the lookup tables are built from them)."""

    __slots__ = ("_alias", "_folded", "units")
    __match_args__ = ("units", "_alias", "_folded")
    units: tuple[UnitDef, ...]
    _alias: dict[str, str]
    _folded: dict[str, str]

    def __init__(self, units: tuple[UnitDef, ...] = VOCABULARY, _alias: dict[str, str] | None = None, _folded: dict[str, str] | None = None) -> None:
        _set(self, "units", units)
        alias: dict[str, str] = {}
        folded: dict[str, str | None] = {}
        for u in units:
            alias[u.name] = u.name
            for a in u.aliases:
                alias[a] = u.name
            # any case, with or without diacritics, words joined by spaces or `_`, and the
            # Vietnamese word normkit itself writes (the XLSX sheet's `sản phẩm`, `giờ máy`)
            for word in (u.name, *u.aliases, u.vi):
                key = unit_key(word)
                folded[key] = u.name if folded.get(key, u.name) == u.name else None  # two units folding alike: neither
        _set(self, "_alias", alias)
        _set(self, "_folded", {k: v for k, v in folded.items() if v is not None})

    def __eq__(self, other: object) -> bool:
        return self.units == other.units if other.__class__ is Vocabulary else NotImplemented

    def __hash__(self) -> int:
        return hash((self.units,))

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.units,)

    def __repr__(self) -> str:
        return f"Vocabulary(units={self.units!r})"

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        Vocabulary.__init__(self, *state)

    def extend(self, extra: Iterable[UnitDef]) -> Vocabulary:
        return Vocabulary(self.units + tuple(extra))

    def canonical(self, name: str) -> str | None:
        """The unit ``name`` is, spelled exactly as a name or alias (a pack's expressions use this)."""
        return self._alias.get(name)

    def resolve(self, word: str) -> str | None:
        """The unit a person's ``word`` means: exact first, then folded (``phut``, ``San pham``)."""
        return self._alias.get(word) or self._folded.get(unit_key(word))

    def names(self) -> set[str]:
        return set(self._alias)

    def get(self, name: str) -> UnitDef:
        canon = self._alias[name]
        return next(u for u in self.units if u.name == canon)


def unit_key(word: str) -> str:
    """A unit word as a look-up key: folded (no case, no diacritics), words joined by ``_``."""
    return fold(word).replace(" ", "_")


_WORD_GAP = re.compile(r"(?<=[^\W\d])\s+(?=[^\W\d])")


def parse_unit_expr(text: str, vocab: Vocabulary, location: Location | None = None) -> dict[str, int]:
    """Parse ``"VND/workday"``, ``"m²/person"``, ``"workday/month"`` into {canonical unit: power}.

    ``"1"`` or ``""`` is dimensionless. Left-to-right: ``a/b/c`` is ``a/(b·c)``. Unit words
    are found as :meth:`Vocabulary.resolve` finds them, so ``VND/sản phẩm`` and ``phut`` read.
    """
    src = _WORD_GAP.sub("_", text.strip())  # a unit of several words: "sản phẩm", "giờ máy"
    if src in ("", "1", "dimensionless"):
        return {}
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN_RE.match(src, pos)
        if not m or m.end() == pos:
            raise NormkitError("NK310", f"cannot read unit {text!r} at {src[pos:]!r}", location=location)
        pos = m.end()
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        while pos < len(src) and src[pos].isspace():
            pos += 1
    powers: dict[str, int] = {}
    sign = 1
    i = 0
    expect_term = True
    while i < len(tokens):
        kind, tok = tokens[i]
        if expect_term:
            if kind == "num" and tok == "1":
                i += 1
                expect_term = False
                continue
            if kind != "name" or tok in ("²", "³"):
                raise NormkitError("NK310", f"cannot read unit {text!r}: expected a unit name, found {tok!r}", location=location)
            canon = vocab.resolve(tok)
            if canon is None:
                raise NormkitError("NK310", f"unknown unit {tok!r} in {text!r}", location=location,
                                   hint="known units: " + ", ".join(sorted(u.name for u in vocab.units)))
            power = 1
            i += 1
            if i < len(tokens) and tokens[i][1] in ("²", "³"):
                power = 2 if tokens[i][1] == "²" else 3
                i += 1
            elif i + 1 < len(tokens) and tokens[i][1] in ("^", "**") and tokens[i + 1][0] == "num":
                if "." in tokens[i + 1][1] or int(tokens[i + 1][1]) > 4:
                    raise NormkitError("NK310", f"unit power in {text!r} must be a whole number up to 4", location=location)
                power = int(tokens[i + 1][1])
                i += 2
            powers[canon] = powers.get(canon, 0) + sign * power
            expect_term = False
        else:
            if tok in ("*", "·"):
                i += 1
            elif tok == "/":
                sign = -1
                i += 1
            else:
                raise NormkitError("NK310", f"cannot read unit {text!r}: unexpected {tok!r}", location=location)
            expect_term = True
    if expect_term:
        raise NormkitError("NK310", f"unit {text!r} ends with an operator", location=location)
    return {k: v for k, v in powers.items() if v}


def format_powers(powers: Mapping[str, int]) -> str:
    """Canonical text of a unit: ``VND/workday``, ``1`` for dimensionless."""
    num = [n if p == 1 else f"{n}^{p}" for n, p in sorted(powers.items()) if p > 0]
    den = [n if p == -1 else f"{n}^{-p}" for n, p in sorted(powers.items()) if p < 0]
    text = "*".join(num) if num else "1"
    if den:
        text += "/" + ("/".join(den))
    return text


class UnitTable:
    """Exact factors and dimensions of every unit, for evaluation without pint."""

    __slots__ = ("base", "vocab")

    def __init__(self, vocab: Vocabulary, base: dict[str, UnitInfo]) -> None:
        self.vocab = vocab
        self.base = base

    def info(self, powers: Mapping[str, int]) -> UnitInfo:
        factor = Fraction(1)
        dims: dict[str, int] = {}
        for name, power in powers.items():
            u = self.base[name]
            factor *= u.factor**power
            for d, p in u.dims:
                dims[d] = dims.get(d, 0) + p * power
        return UnitInfo(factor, tuple(sorted((d, p) for d, p in dims.items() if p)))

    def conversion(self, from_powers: Mapping[str, int], to_powers: Mapping[str, int]) -> Fraction | None:
        """Factor f with ``x [from] == x·f [to]``; ``None`` when dimensions differ."""
        a, b = self.info(from_powers), self.info(to_powers)
        if a.dims != b.dims:
            return None
        return a.factor / b.factor

    def describe_dims(self, powers: Mapping[str, int]) -> str:
        dims = self.info(powers).dims
        return " * ".join(f"[{d}]" + (f"^{p}" if p != 1 else "") for d, p in dims) or "dimensionless"


def pint_registry(vocab: Vocabulary) -> pint.UnitRegistry[Fraction]:
    """A private pint registry holding exactly ``vocab`` (exact Fraction arithmetic)."""
    import pint  # imported here only: evaluation never needs it

    reg: pint.UnitRegistry[Fraction] = pint.UnitRegistry(None, non_int_type=Fraction, autoconvert_offset_to_baseunit=False)
    for u in vocab.units:
        reg.define(f"{u.name} = {_pint_definition(u, vocab)}")
    return reg


_DEF_RE = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)?(?:/\d+)?)?\s*(?P<unit>.*?)\s*$")


def _pint_definition(u: UnitDef, vocab: Vocabulary) -> str:
    """Turn ``"8 giờ"`` into pint's ``8 * hour``: aliases resolved, names canonical."""
    if u.definition.startswith("["):
        return u.definition
    m = _DEF_RE.match(u.definition)
    if not m or (not m.group("num") and not m.group("unit")):
        raise NormkitError("NK310", f"cannot read the definition {u.definition!r} of unit {u.name!r}")
    num = m.group("num") or "1"
    powers = parse_unit_expr(m.group("unit"), vocab) if m.group("unit") else {}
    if u.name in powers:
        raise NormkitError("NK310", f"unit {u.name!r} is defined in terms of itself")
    factors = [num] + [f"{n} ** {p}" for n, p in powers.items()]
    return " * ".join(factors)


def build_unit_table(vocab: Vocabulary, reg: Any | None = None) -> UnitTable:
    """Ask pint for each unit's exact base factor and dimension."""
    reg = reg if reg is not None else pint_registry(vocab)
    base: dict[str, UnitInfo] = {}
    for u in vocab.units:
        q = reg.Quantity(Fraction(1), u.name).to_base_units()
        factor = Fraction(q.magnitude)
        dims = tuple(sorted((str(d).strip("[]"), int(str(p))) for d, p in q.dimensionality.items() if p))
        base[u.name] = UnitInfo(factor, dims)
    return UnitTable(vocab, base)


def parse_unit_def(name: str, spec: Any, location: Location | None) -> UnitDef:
    """A pack's ``units:`` entry: ``{dimension: paper}`` or ``{definition: "500 sheet"}``."""
    if not _NAME_RE.match(name):
        raise NormkitError("NK201", f"unit name {name!r} must be a word (letters, digits, _)", location=location)
    if not isinstance(spec, dict):
        raise NormkitError("NK201", f"unit {name!r} needs a mapping with `dimension` or `definition`", location=location)
    label = spec.get("label") or {}
    vi = str(label.get("vi", name)) if isinstance(label, dict) else name
    en = str(label.get("en", name)) if isinstance(label, dict) else name
    aliases = tuple(str(a) for a in spec.get("aliases", []) or [])
    for a in aliases:
        if not _NAME_RE.match(a):
            raise NormkitError("NK201", f"unit alias {a!r} must be a word", location=location)
    if "dimension" in spec:
        dim = str(spec["dimension"])
        if not _NAME_RE.match(dim):
            raise NormkitError("NK201", f"dimension {dim!r} must be a word", location=location)
        return UnitDef(name, f"[{dim}]", vi, en, aliases)
    if "definition" in spec:
        return UnitDef(name, str(spec["definition"]), vi, en, aliases)
    raise NormkitError("NK201", f"unit {name!r} needs `dimension` or `definition`", location=location)
