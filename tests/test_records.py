"""The warm path's value classes are written out (normkit/core/records.py; issue 13 warm start)
with the semantics of the dataclasses they were: each is compared here with a reference dataclass
built from its old declaration (field order, defaults, ``frozen``) — the same ``__init__``
(positional order, defaults, fresh default containers), ``__match_args__``, repr, equality, hash,
immutability, pickling, copying and ``replace``."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from decimal import Decimal
from typing import Any

import pydantic
import pytest

from normkit.api import WhatIf
from normkit.cli.common import Variants
from normkit.core.errors import ErrorCollector, Location
from normkit.core.extensions import Domain, DomainLint
from normkit.core.io import plain, text
from normkit.core.io.plain import Registered
from normkit.core.io.text import Quantity
from normkit.core.loader import Defined, PackSource
from normkit.core.memo import DateMemo
from normkit.core.records import Frozen, FrozenInstanceError, Record, fields, replace
from normkit.core.runtime import AdjustmentFns, ExceptionFns, Rec, Row
from normkit.core.sections import SectionSpec
from normkit.core.units import VOCABULARY, UnitDef, UnitInfo, Vocabulary
from normkit.media import pricing
from normkit.media.compiled import CheckC, ExtraC, LineC, MediaCompiled, NormC, NormSetC, RateC
from normkit.media.plan import COMPONENTS, LinePlan, NormPlan, PricedBlock, PricedLine, ScaledRec, UnitFactor
from normkit.media.quoteline import QuoteLine

R = dataclasses.MISSING  # a required field
LIST, DICT, SET = object(), object(), object()  # a field(default_factory=list / dict / set)
FACTORY: dict[int, Any] = {id(LIST): list, id(DICT): dict, id(SET): set}


class Factory:
    """A field(default_factory=fn) with another ``fn``."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        FACTORY[id(self)] = fn


class Hidden:
    """A field(repr=False) with its default (R: none)."""

    def __init__(self, default: Any) -> None:
        self.default = default

# (class, frozen, [(field, default)]) exactly as the @dataclass declarations were
SPECS: list[tuple[type, bool, list[tuple[str, Any]]]] = [
    (Location, True, [("file", None), ("line", None), ("column", None), ("path", None)]),
    (UnitDef, True, [("name", R), ("definition", R), ("vi", R), ("en", R), ("aliases", ())]),
    (UnitInfo, True, [("factor", R), ("dims", R)]),
    (Quantity, True, [("value", R), ("powers", R)]),
    (text._Reading, True, [("convention", R), ("value", R), ("decimals", R)]),
    (Registered, True, [("tag", R), ("cls", R), ("kind", R), ("fields", R), ("positional", R)]),
    (SectionSpec, True, [("name", R), ("annotation", R), ("keyed", True), ("description", None), ("deferred", False)]),
    (DomainLint, True, [("findings", LIST), ("counts", DICT), ("unverified", SET)]),
    (Domain, True, [("name", R), ("sections", ()), ("compile", None), ("lint", None), ("compiled_form_files", ())]),
    (WhatIf, True, [("overlay", None), ("values", DICT), ("label", "what-if")]),
    (Variants, True, [("baseline", R), ("variant", R)]),
    (Defined, False, [("model", R), ("location", R), ("smap", R), ("path", R)]),
    (PackSource, False, [("root", R), ("manifest", R), ("content_hash", R), ("sections", DICT), ("blocks", DICT),
                         ("manifest_location", None), ("manifest_map", None), ("extends_resolved", LIST)]),
    (LineC, False, [(n, R) for n in ("component", "resource", "label", "quantity", "unit", "powers", "grade", "scale", "step",
                                     "steps", "verified", "why", "rate_text", "rate_ir", "rate_unit", "factor", "location")]
     + [("set_id", None), ("set_factor", None), ("set_source", None), ("set_verified", True), ("set_why", None),
        ("national_quantity", None)]),
    (NormC, False, [(n, R) for n in ("code", "name", "output_unit", "duration", "duration_text", "valid_from", "valid_to",
                                     "source", "verified", "why", "notes", "lines", "pack", "location")]
     + [(n, None) for n in ("replaces", "medium", "derive_from", "derive_components", "factor_text", "factor_ir",
                            "factor_source", "supplied_by")]),
    (ExtraC, False, [(n, R) for n in ("id", "label", "text", "ir", "when_text", "when_ir", "source", "pack", "location")]),
    (CheckC, False, [(n, R) for n in ("id", "label", "text", "ir", "message", "media", "requires", "override",
                                      "uses_duration", "source", "pack", "location")]),
    (RateC, False, [("component", R), ("text", R), ("pack", R), ("location", R), ("label", None)]),
    (NormSetC, False, [(n, R) for n in ("id", "pack", "of", "media", "factors", "valid_from", "valid_to", "source",
                                        "verified", "why", "location")] + [("scaled", LIST), ("unscaled", LIST)]),
    (MediaCompiled, False, [("norms", DICT), ("extras", LIST), ("checks", LIST), ("replaced_norms", DICT), ("rates", DICT),
                            ("norm_sets", DICT)]),
    # the money path (media/pricing.py, media/plan.py) and the runtime's records
    (pricing.ExtraFn, True, [("extra", R), ("value", R), ("when", R)]),
    (pricing.CheckFn, True, [("check", R), ("test", R)]),
    (pricing.PricingProgram, True, [(n, R) for n in ("extras", "checks", "uses_line_sums", "above_ceiling", "quantum", "mode",
                                                     "round_at", "basis", "rounding", "packs", "order_inputs")]),
    (pricing.StaticCheck, True, [("missing", R), ("unverified", R), ("packs", R)]),
    (pricing.PreparedItem, False, [("index", R), ("id", R), ("item", R), ("norm", R), ("inputs", R)]),
    (pricing.Run, False, [(n, R) for n in ("rs", "order", "at", "epoch", "env", "shared", "rates")]
     + [("missing", DICT), ("errors", Factory(ErrorCollector)), ("items", LIST), ("lines", LIST), ("item_recs", LIST),
        ("notes", LIST), ("totals", Factory(lambda: dict.fromkeys(COMPONENTS, pricing.ZERO))), ("too_large", SET),
        ("units", DICT), ("scaled", DICT), ("total", pricing.ZERO), ("failures", 0)]),
    (pricing.Needs, True, [("probes", R), ("used", R), ("unverified", R), ("packs", frozenset()), ("dated", ())]),
    (pricing.PricedExtra, True, [("extra", R), ("exact", R), ("amount", R), ("rec", R)]),
    (pricing.PricedItem, True, [(n, R) for n in ("lines", "extras", "subtotals", "total", "recs", "overridden", "rows", "largest")]),
    (UnitFactor, True, [("num", R), ("den", R)]),
    (LinePlan, True, [(n, R) for n in ("line", "consts", "rate_fn", "item_dependent", "untraced", "factor", "rate_missing",
                                       "quantity", "component", "resource", "label_vi", "label_en", "unit", "rate_unit", "verified")]),
    (NormPlan, True, [("norm", R), ("lines", R), ("factor_fn", R), ("item_dependent", R)]),
    (PricedLine, False, [("plan", R), ("quantity", R), ("rate", R), ("amount", R), ("exact", R), ("line_rate", R)]),
    (ScaledRec, True, [("kind", R), ("unit", R), ("unit_amount", R), ("quantity", R), ("amount", R)]),
    (PricedBlock, True, [("lines", R), ("sums", R), ("rows", R), ("complete", R)]),
    (QuoteLine, False, [(n, R) for n in ("item", "norm", "component", "resource", "label_vi", "label_en", "quantity",
                                         "quantity_unit", "rate", "rate_unit", "amount", "amount_exact")] + [("verified", True)]),
    (Rec, False, [("kind", R), ("ref", Hidden(R)), ("value", R), ("children", Hidden(LIST)), ("extra", Hidden(None))]),
    (Row, True, [("group", R), ("values", R)]),
    (ExceptionFns, True, [("when", R), ("value", R)]),
    (AdjustmentFns, True, [("base", R), ("exceptions", R)]),
]


def reference(cls: type, frozen: bool, spec: list[tuple[str, Any]]) -> Any:
    """The dataclass ``cls`` was."""
    def one(name: str, default: Any) -> tuple[str, Any] | tuple[str, Any, Any]:
        shown = not isinstance(default, Hidden)
        default = default if shown else default.default
        if default is R:
            return (name, Any) if shown else (name, Any, dataclasses.field(repr=False))
        if id(default) in FACTORY:
            return (name, Any, dataclasses.field(default_factory=FACTORY[id(default)], repr=shown))
        return (name, Any, dataclasses.field(default=default, repr=shown))
    return dataclasses.make_dataclass(cls.__name__, [one(n, d) for n, d in spec], frozen=frozen)


@pytest.mark.parametrize(("cls", "frozen", "spec"), SPECS, ids=[s[0].__qualname__ for s in SPECS])
def test_a_written_out_class_behaves_as_its_dataclass(cls: type, frozen: bool, spec: list[tuple[str, Any]]) -> None:
    ref = reference(cls, frozen, spec)
    spec = [(n, d.default if isinstance(d, Hidden) else d) for n, d in spec]
    names = tuple(n for n, _ in spec)
    assert cls.__match_args__ == ref.__match_args__ == names == fields(cls)  # type: ignore[attr-defined]
    assert set(cls.__slots__) == set(names) and issubclass(cls, Frozen if frozen else Record)  # type: ignore[attr-defined]
    ours_sig, ref_sig = inspect.signature(cls), inspect.signature(ref)
    assert list(ours_sig.parameters) == list(ref_sig.parameters)
    for (name, default), p in zip(spec, ours_sig.parameters.values(), strict=True):
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert (p.default is inspect.Parameter.empty) == (default is R), name
        if default is not R and id(default) not in FACTORY:
            assert p.default == default, name
    # the defaults, and fresh containers for each instance
    required = [f"r{i}" for i, (_, d) in enumerate(spec) if d is R]
    a, b, want = cls(*required), cls(*required), ref(*required)
    for name in names:
        if isinstance(getattr(want, name), ErrorCollector):  # compared by identity: a fresh one each
            assert type(getattr(a, name)) is ErrorCollector and getattr(a, name) is not getattr(b, name)
            continue
        assert getattr(a, name) == getattr(want, name), name
        if isinstance(getattr(a, name), list | dict | set):
            assert getattr(a, name) is not getattr(b, name), name
    # value semantics with every field given, by position and by keyword
    args = [f"v{i}" for i in range(len(names))]
    x, y, r = cls(*args), cls(**dict(zip(names, args, strict=True))), ref(*args)
    assert repr(x) == repr(r) == repr(y)
    assert x == y and (x != y) is False and x.__eq__(r) is NotImplemented
    assert x != cls(*args[:-1], "other")
    if frozen:
        assert hash(x) == hash(r) == hash(tuple(args))
        with pytest.raises(FrozenInstanceError):
            setattr(x, names[0], "changed")
        with pytest.raises(AttributeError):  # as dataclasses.FrozenInstanceError is one
            delattr(x, names[0])
    else:
        assert cls.__hash__ is None and ref.__hash__ is None  # type: ignore[attr-defined]
        setattr(x, names[0], "changed")
        assert getattr(x, names[0]) == "changed" and x != y
        setattr(x, names[0], args[0])
    assert not hasattr(x, "__dict__")
    assert pickle.loads(pickle.dumps(x)) == x  # noqa: S301 (our own bytes)
    assert copy.copy(x) == x and copy.deepcopy(x) == x
    changed = replace(x, **{names[-1]: "new"})
    assert changed == cls(*args[:-1], "new") and x == y
    with pytest.raises(TypeError, match="no field 'nope'"):
        replace(x, nope=1)


def test_the_date_memo_is_compared_by_identity_and_printed_as_its_dataclass() -> None:
    ref = dataclasses.make_dataclass("DateMemo", [("epoch", int)] + [
        (n, Any, dataclasses.field(default_factory=dict)) for n in ("resolved", "formulas", "domain", "values", "results")] + [
        (n, Any, dataclasses.field(default=None)) for n in ("untraced", "recorder")], eq=False)
    a, b = DateMemo(3), DateMemo(3)
    assert a != b and a == a and hash(a) != hash(b) and repr(a) == repr(ref(3))
    assert list(inspect.signature(DateMemo).parameters) == list(inspect.signature(ref).parameters)
    assert a.resolved is not b.resolved and a.values == {} and a.untraced is None and a.recorder is None
    a.untraced = "made"  # filled in later by the runtime
    assert a.untraced == "made" and a.table("t") is a.table("t")


def test_match_uses_the_fields_in_order() -> None:
    match Location("f.yaml", 3, 7):
        case Location(file, line, column, path):
            assert (file, line, column, path) == ("f.yaml", 3, 7, None)
        case _:
            pytest.fail("no match")


def test_the_vocabulary_compares_by_its_units_and_keeps_its_lookups() -> None:
    v = Vocabulary()
    assert v.units is VOCABULARY and v == Vocabulary(VOCABULARY) and hash(v) == hash((VOCABULARY,))
    assert repr(v) == f"Vocabulary(units={VOCABULARY!r})" and v.__eq__(VOCABULARY) is NotImplemented
    extra = UnitDef("frame", "[frame]", "khung", "frame", ("frames",))
    w = v.extend([extra])
    assert w != v and w.resolve("frames") == "frame" and v.resolve("frames") is None and w.resolve("phut") == "minute"
    with pytest.raises(FrozenInstanceError):
        w.units = ()  # type: ignore[misc]
    back = pickle.loads(pickle.dumps(w))  # noqa: S301 (our own bytes)
    assert back == w and back.resolve("frames") == "frame" and back.canonical("phút") == "minute"
    assert copy.deepcopy(w).resolve("San pham") == "item"


def test_the_codec_reads_the_written_out_classes_by_their_fields() -> None:
    loc = Location("p.yaml", 1, 2, "a.b")
    rate = RateC("labour", "rate", "pack", loc)
    assert plain.loads(plain.dumps([loc, rate, MediaCompiled(rates={"labour": rate})])) == [loc, rate, MediaCompiled(rates={"labour": rate})]
    assert plain.registered("media.RateC").fields == ("component", "text", "pack", "location", "label")  # type: ignore[union-attr]


def test_the_codec_still_registers_a_real_dataclass() -> None:
    @dataclasses.dataclass(frozen=True)
    class Price:
        amount: int
        unit: str = "VND"
        note: str = dataclasses.field(default="", init=False)

    plain.register(Price, tag="tests.records.Price")
    entry = plain.registered("tests.records.Price")
    assert entry is not None and (entry.kind, entry.fields, entry.positional) == ("dataclass", ("amount", "unit", "note"), False)


def test_the_quote_line_is_its_dataclass_to_pydantic() -> None:
    """``QuoteLine`` is written out; its mirror is the dataclass it was (media/quote_models.py):
    pydantic validates a quote's lines into plain lines, dumps them, writes them with
    ``pydantic_core.to_json`` and documents them exactly as that dataclass."""
    import pydantic_core

    from normkit.core.io import jsonstream
    from normkit.media import quote_models

    args = ("a", "01.03", "labour", "worker", "nhân công", "worker", Decimal("2.50"), "workday", Decimal("1000"), "VND/workday",
            Decimal("2500"), Decimal("2500.0"))
    plain_line, mirror = QuoteLine(*args), quote_models.QuoteLine(*args)
    assert dataclasses.is_dataclass(mirror) and not dataclasses.is_dataclass(plain_line)
    assert pydantic_core.to_json([plain_line]) == pydantic_core.to_json([mirror]) == jsonstream.encode_stdlib([plain_line])
    assert pydantic_core.to_json([plain_line]).startswith(b'[{"item":"a","norm":"01.03","component":"labour"')
    field = pydantic.TypeAdapter(list[QuoteLine])
    back = field.validate_python([dataclasses.asdict(mirror)])
    assert type(back[0]) is QuoteLine and back == [plain_line]
    assert field.dump_json(back) == pydantic.TypeAdapter(list[quote_models.QuoteLine]).dump_json([mirror])
    assert field.json_schema() == pydantic.TypeAdapter(list[quote_models.QuoteLine]).json_schema()
    assert quote_models.Quote.model_json_schema()["$defs"]["QuoteLine"]["title"] == "QuoteLine"
