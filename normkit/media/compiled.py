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
from decimal import Decimal

from normkit.core.compiled import CompiledSet
from normkit.core.errors import Location
from normkit.core.io.plain import register_all
from normkit.core.lang.ir import Node
from normkit.core.lang.types import Powers
from normkit.core.records import Record
from normkit.core.surface import Label

DOMAIN = "media"


class LineC(Record):
    __slots__ = ("component", "factor", "grade", "label", "location", "national_quantity", "powers", "quantity", "rate_ir", "rate_text", "rate_unit", "resource", "scale", "set_factor", "set_id", "set_source", "set_verified", "set_why", "step", "steps", "unit", "verified", "why")
    __match_args__ = ("component", "resource", "label", "quantity", "unit", "powers", "grade", "scale", "step", "steps", "verified", "why", "rate_text", "rate_ir", "rate_unit", "factor", "location", "set_id", "set_factor", "set_source", "set_verified", "set_why", "national_quantity")
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
    set_id: str | None  # "pack/set" of the norm set
    set_factor: Decimal | None
    set_source: str | None
    set_verified: bool
    set_why: str | None
    national_quantity: Decimal | None

    def __init__(self, component: str, resource: str, label: Label, quantity: Decimal, unit: str, powers: Powers, grade: str | None, scale: str | None, step: int | None, steps: int | None, verified: bool, why: str | None, rate_text: str, rate_ir: Node, rate_unit: str, factor: tuple[int, int] | None, location: Location, set_id: str | None = None, set_factor: Decimal | None = None, set_source: str | None = None, set_verified: bool = True, set_why: str | None = None, national_quantity: Decimal | None = None) -> None:
        self.component = component
        self.resource = resource
        self.label = label
        self.quantity = quantity
        self.unit = unit
        self.powers = powers
        self.grade = grade
        self.scale = scale
        self.step = step
        self.steps = steps
        self.verified = verified
        self.why = why
        self.rate_text = rate_text
        self.rate_ir = rate_ir
        self.rate_unit = rate_unit
        self.factor = factor
        self.location = location
        self.set_id = set_id
        self.set_factor = set_factor
        self.set_source = set_source
        self.set_verified = set_verified
        self.set_why = set_why
        self.national_quantity = national_quantity


class NormC(Record):
    __slots__ = ("code", "derive_components", "derive_from", "duration", "duration_text", "factor_ir", "factor_source", "factor_text", "lines", "location", "medium", "name", "notes", "output_unit", "pack", "replaces", "source", "supplied_by", "valid_from", "valid_to", "verified", "why")
    __match_args__ = ("code", "name", "output_unit", "duration", "duration_text", "valid_from", "valid_to", "source", "verified", "why", "notes", "lines", "pack", "location", "replaces", "medium", "derive_from", "derive_components", "factor_text", "factor_ir", "factor_source", "supplied_by")
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
    replaces: str | None  # pack whose entry of the same code this one replaces
    medium: str | None
    derive_from: str | None  # base entry whose lines (some components) this one scales
    derive_components: list[str] | None
    factor_text: str | None
    factor_ir: Node | None
    factor_source: str | None
    supplied_by: str | None

    def __init__(self, code: str, name: Label, output_unit: str, duration: Decimal | None, duration_text: str | None, valid_from: dt.date, valid_to: dt.date | None, source: str | None, verified: bool, why: str | None, notes: list[str], lines: list[LineC], pack: str, location: Location, replaces: str | None = None, medium: str | None = None, derive_from: str | None = None, derive_components: list[str] | None = None, factor_text: str | None = None, factor_ir: Node | None = None, factor_source: str | None = None, supplied_by: str | None = None) -> None:
        self.code = code
        self.name = name
        self.output_unit = output_unit
        self.duration = duration
        self.duration_text = duration_text
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.source = source
        self.verified = verified
        self.why = why
        self.notes = notes
        self.lines = lines
        self.pack = pack
        self.location = location
        self.replaces = replaces
        self.medium = medium
        self.derive_from = derive_from
        self.derive_components = derive_components
        self.factor_text = factor_text
        self.factor_ir = factor_ir
        self.factor_source = factor_source
        self.supplied_by = supplied_by


class ExtraC(Record):
    __slots__ = ("id", "ir", "label", "location", "pack", "source", "text", "when_ir", "when_text")
    __match_args__ = ("id", "label", "text", "ir", "when_text", "when_ir", "source", "pack", "location")
    id: str
    label: Label
    text: str
    ir: Node
    when_text: str | None
    when_ir: Node | None
    source: str | None
    pack: str
    location: Location

    def __init__(self, id: str, label: Label, text: str, ir: Node, when_text: str | None, when_ir: Node | None, source: str | None, pack: str, location: Location) -> None:
        self.id = id
        self.label = label
        self.text = text
        self.ir = ir
        self.when_text = when_text
        self.when_ir = when_ir
        self.source = source
        self.pack = pack
        self.location = location


class CheckC(Record):
    __slots__ = ("id", "ir", "label", "location", "media", "message", "override", "pack", "requires", "source", "text", "uses_duration")
    __match_args__ = ("id", "label", "text", "ir", "message", "media", "requires", "override", "uses_duration", "source", "pack", "location")
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

    def __init__(self, id: str, label: Label, text: str, ir: Node, message: Label, media: list[str] | None, requires: list[str], override: str | None, uses_duration: bool, source: str | None, pack: str, location: Location) -> None:
        self.id = id
        self.label = label
        self.text = text
        self.ir = ir
        self.message = message
        self.media = media
        self.requires = requires
        self.override = override
        self.uses_duration = uses_duration
        self.source = source
        self.pack = pack
        self.location = location


class RateC(Record):
    """The rate expression of one component (labour, equipment, material), from the last pack
    in the set whose ``pricing:`` gives it."""

    __slots__ = ("component", "label", "location", "pack", "text")
    __match_args__ = ("component", "text", "pack", "location", "label")
    component: str
    text: str
    pack: str
    location: Location
    label: Label | None

    def __init__(self, component: str, text: str, pack: str, location: Location, label: Label | None = None) -> None:
        self.component = component
        self.text = text
        self.pack = pack
        self.location = location
        self.label = label


class NormSetC(Record):
    """A norm set as compiled: the factor per component and the norms it scaled."""

    __slots__ = ("factors", "id", "location", "media", "of", "pack", "scaled", "source", "unscaled", "valid_from", "valid_to", "verified", "why")
    __match_args__ = ("id", "pack", "of", "media", "factors", "valid_from", "valid_to", "source", "verified", "why", "location", "scaled", "unscaled")
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
    scaled: list[str]  # codes of the norms it scaled
    unscaled: list[str]  # codes in force whose national lines were not readable

    def __init__(self, id: str, pack: str, of: str, media: list[str] | None, factors: dict[str, Decimal], valid_from: dt.date, valid_to: dt.date | None, source: str | None, verified: bool, why: str | None, location: Location, scaled: list[str] | None = None, unscaled: list[str] | None = None) -> None:
        self.id = id
        self.pack = pack
        self.of = of
        self.media = media
        self.factors = factors
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.source = source
        self.verified = verified
        self.why = why
        self.location = location
        self.scaled = [] if scaled is None else scaled
        self.unscaled = [] if unscaled is None else unscaled


class MediaCompiled(Record):
    __slots__ = ("checks", "extras", "norm_sets", "norms", "rates", "replaced_norms")
    __match_args__ = ("norms", "extras", "checks", "replaced_norms", "rates", "norm_sets")
    norms: dict[str, NormC]
    extras: list[ExtraC]
    checks: list[CheckC]
    replaced_norms: dict[str, NormC]  # national entries a province replaced
    rates: dict[str, RateC]  # component -> its rate expression
    norm_sets: dict[str, NormSetC]  # "pack/set" -> the norm set

    def __init__(self, norms: dict[str, NormC] | None = None, extras: list[ExtraC] | None = None, checks: list[CheckC] | None = None, replaced_norms: dict[str, NormC] | None = None, rates: dict[str, RateC] | None = None, norm_sets: dict[str, NormSetC] | None = None) -> None:
        self.norms = {} if norms is None else norms
        self.extras = [] if extras is None else extras
        self.checks = [] if checks is None else checks
        self.replaced_norms = {} if replaced_norms is None else replaced_norms
        self.rates = {} if rates is None else rates
        self.norm_sets = {} if norm_sets is None else norm_sets


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
