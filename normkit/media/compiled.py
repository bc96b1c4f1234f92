"""The media domain's part of a compiled pack set: norms with their priced lines, extras,
checks, the national entries a province replaced, and where each component rate comes from.

Plain data (Decimal, str, int, bool, date, tuples, lists, dicts, other plain dataclasses), so
the compiled set caches like the rest. Read it with :func:`media_part`, the one accessor:

>>> from normkit.media.compiled import MediaCompiled
>>> MediaCompiled().norms
{}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from normkit.core.compiled import CompiledSet
from normkit.core.errors import Location
from normkit.core.io.plain import register_all
from normkit.core.lang.ir import Node
from normkit.core.lang.types import Powers
from normkit.core.surface import Label

DOMAIN = "media"


@dataclass(slots=True)
class LineC:
    component: str
    resource: str
    label: Label
    quantity: Decimal
    unit: str
    powers: Powers
    grade: str | None
    scale: str | None
    step: int | None
    steps: int | None
    verified: bool
    why: str | None
    rate_text: str
    rate_ir: Node
    rate_unit: str
    factor: tuple[int, int] | None  # quantity × rate × n/d = VND; None until the rate card has the row
    location: Location
    # set when a norm set scaled this line: quantity = national_quantity × set_factor
    set_id: str | None = None  # "pack/set" of the norm set
    set_factor: Decimal | None = None
    set_source: str | None = None
    set_verified: bool = True
    set_why: str | None = None
    national_quantity: Decimal | None = None


@dataclass(slots=True)
class NormC:
    code: str
    name: Label
    output_unit: str
    duration: Decimal | None  # seconds
    duration_text: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    source: str | None
    verified: bool
    why: str | None
    notes: list[str]
    lines: list[LineC]
    pack: str
    location: Location
    replaces: str | None = None  # pack whose entry of the same code this one replaces
    medium: str | None = None
    derive_from: str | None = None  # base entry whose lines (some components) this one scales
    derive_components: list[str] | None = None
    factor_text: str | None = None
    factor_ir: Node | None = None
    factor_source: str | None = None
    supplied_by: str | None = None


@dataclass(slots=True)
class ExtraC:
    id: str
    label: Label
    text: str
    ir: Node
    when_text: str | None
    when_ir: Node | None
    source: str | None
    pack: str
    location: Location


@dataclass(slots=True)
class CheckC:
    id: str
    label: Label
    text: str
    ir: Node
    message: Label
    media: list[str] | None
    requires: list[str]
    override: str | None
    uses_duration: bool
    source: str | None
    pack: str
    location: Location


@dataclass(slots=True)
class RateC:
    """The rate expression of one component (labour, equipment, material), from the last pack
    in the set whose ``pricing:`` gives it."""

    component: str
    text: str
    pack: str
    location: Location
    label: Label | None = None


@dataclass(slots=True)
class NormSetC:
    """A norm set as compiled: the factor per component and the norms it scaled."""

    id: str  # "pack/set"
    pack: str
    of: str
    media: list[str] | None
    factors: dict[str, Decimal]  # component -> factor (components not listed keep the national quantities)
    valid_from: dt.date
    valid_to: dt.date | None
    source: str | None
    verified: bool
    why: str | None
    location: Location
    scaled: list[str] = field(default_factory=list)  # codes of the norms it scaled
    unscaled: list[str] = field(default_factory=list)  # codes in force whose national lines were not readable


@dataclass(slots=True)
class MediaCompiled:
    norms: dict[str, NormC] = field(default_factory=dict)
    extras: list[ExtraC] = field(default_factory=list)
    checks: list[CheckC] = field(default_factory=list)
    replaced_norms: dict[str, NormC] = field(default_factory=dict)  # national entries a province replaced
    rates: dict[str, RateC] = field(default_factory=dict)  # component -> its rate expression
    norm_sets: dict[str, NormSetC] = field(default_factory=dict)  # "pack/set" -> the norm set


def media_part(compiled: CompiledSet) -> MediaCompiled:
    """The media part of ``compiled``: empty when the pack set was compiled without the media
    domain (a poverty standard, say), never None."""
    part = compiled.domains.get(DOMAIN)
    if part is None:
        return MediaCompiled()
    assert isinstance(part, MediaCompiled)
    return part


# every class the media part is made of: what a plain-data codec of the compiled set must know
# (each registered under a stable tag, e.g. "media.NormC")
PLAIN_CLASSES: tuple[type, ...] = (LineC, NormC, ExtraC, CheckC, RateC, NormSetC, MediaCompiled)
register_all(*PLAIN_CLASSES, prefix="media")
