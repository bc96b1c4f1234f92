"""Classify one household, with an explanation of every figure.

Two paths over the same rules:

* :func:`classify_household` evaluates the standard's formulas with the engine's Decimal
  path and returns the status with the trace behind it (lines, thresholds, sources, dates);
* :class:`HouseholdClassifier` binds the formulas at the date once and then classifies one
  household after another with plain closures (no trace), for loops over many records.

Both check the household's values the way a batch does (see :mod:`normkit.poverty.batch`):
area must be one of the standard's choices; incomes are whole đồng, never negative, never
float; deprivations are true/false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from normkit.core.errors import Location, NormkitError
from normkit.core.io.text import read_bool, read_money, read_number
from normkit.core.lang.ops import RANGE_ERRORS
from normkit.poverty.standards import Standard

if TYPE_CHECKING:  # pragma: no cover
    from normkit.core.trace import TraceNode

WHOLE_NUMBER_INPUTS = ("income_per_capita", "deprivation_count")


@dataclass(frozen=True)
class Plan:
    """How a household's deprivations and status are obtained from the data at hand."""

    method: str  # income | score
    deprivations: str  # count | indicators | score_b | none
    derived: tuple[str, ...] = ()  # indicators derived from raw data (unverified cut-offs)
    check_count: bool = False  # both a count and the indicators were given: they must agree
    b1: bool = False  # score A comes from the pack's own B1 points table (formula score_a_from_b1)


def plan_for(std: Standard, names: set[str], method: str | None = None) -> Plan:
    """Decide, from the input names present, which method and which deprivation source to use."""
    b1 = "score_a" not in names and std.has("score_a_from_b1") and all(r in names for r in raw_inputs_of(std, "score_a_from_b1"))
    if method is None:
        method = "score" if ("score_a" in names or b1) and std.has("status_by_score") else "income"
    if method not in ("income", "score"):
        raise NormkitError("NK701", f"unknown method {method!r}; choose income or score")
    if method == "score" and not std.has("status_by_score"):
        raise NormkitError("NK701", f"standard {std.id} has no score-based review (TT 07/2021 applies to 2022–2026)")
    required = ["area"] + (["income_per_capita"] if method == "income" else ([] if b1 else ["score_a"]))
    lacking = [n for n in required if n not in names]
    if lacking:
        raise NormkitError("NK703", f"the data has no {', '.join(f'`{n}`' for n in lacking)} (needed by the {method} method of {std.id})")
    ids = std.indicator_ids
    given = [i for i in ids if i in names]
    derivable = std.derivable()
    if given or any(i in names for i in _raw_inputs(std, derivable)):
        missing = [i for i in ids if i not in names]
        derived = tuple(i for i in missing if i in derivable and all(r in names for r in raw_inputs_of(std, derivable[i])))
        still = [i for i in missing if i not in derived]
        if not still:
            return Plan(method, "indicators", derived, "deprivation_count" in names, b1 and method == "score")
        if "deprivation_count" not in names and not (method == "score" and "score_b" in names):
            raise NormkitError("NK703", f"indicator columns are incomplete for {std.id}: missing {', '.join(still)}",
                               hint="give every indicator of the standard (true = deprived), or a deprivation_count column")
    if "deprivation_count" in names:
        return Plan(method, "count", b1=b1 and method == "score")
    if method == "score" and "score_b" in names:
        return Plan(method, "score_b", b1=b1)
    raise NormkitError("NK703", f"the data has neither the indicator columns of {std.id} nor `deprivation_count`",
                       hint="indicators: " + ", ".join(ids))


def raw_inputs_of(std: Standard, formula: str) -> list[str]:
    """The inputs a derivation formula reads (directly or through the formulas it uses)."""
    c = std.rules.compiled
    seen: set[str] = set()
    out: list[str] = []

    def walk(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for n in c.formulas[name].names:
            if n in c.inputs and n not in out:
                out.append(n)
            elif n in c.formulas:
                walk(n)

    walk(formula)
    return out


def _raw_inputs(std: Standard, derivable: Mapping[str, str]) -> set[str]:
    return {r for f in derivable.values() for r in raw_inputs_of(std, f)}


# ---- checking one household's values ---------------------------------------------------------

def check_value(std: Standard, name: str, raw: Any) -> Any:
    """One input value, checked and converted (NK704 with the field's path on a bad value)."""
    spec = std.rules.compiled.inputs[name]
    where = Location(path=f"household.{name}")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise NormkitError("NK704", f"{name} is missing", location=where)
    if spec.type == "text":
        text = str(raw).strip()
        if spec.choices is not None and text not in spec.choices:
            raise NormkitError("NK704", f"{name} must be one of {', '.join(spec.choices)}, got {raw!r}", location=where)
        return text
    if spec.type == "bool":
        return read_bool(raw, location=where, what=name)
    if isinstance(raw, (bool, float)):
        kind = "true/false" if isinstance(raw, bool) else "a float"
        raise NormkitError("NK704", f"{name} takes an exact number, got {kind} ({raw!r})", location=where,
                           hint="give an int, a Decimal or the number as text; floats are refused so no đồng is lost")
    # an income is money: "2.000.000" is 2000000 đồng in any convention
    value = read_money(raw, location=where, what=name) if name == "income_per_capita" else read_number(raw, location=where, what=name)
    if not value.is_finite():
        raise NormkitError("NK704", f"{name} is not a finite number: {raw!r}", location=where)
    if name in WHOLE_NUMBER_INPUTS and value != value.to_integral_value():
        raise NormkitError("NK704", f"{name} must be a whole number, got {raw}", location=where,
                           hint="incomes are whole đồng and counts are whole; round the value yourself, deliberately")
    if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
        lo = spec.min if spec.min is not None else "…"
        hi = spec.max if spec.max is not None else "…"
        raise NormkitError("NK704", f"{name} = {raw} is outside [{lo}, {hi}]", location=where)
    return int(value) if value == value.to_integral_value() else value


# ---- the explained (Decimal, traced) path ----------------------------------------------------

@dataclass
class HouseholdResult:
    """The status of one household and how it was obtained."""

    status: str
    deprivation_count: int
    standard: str
    at: Any
    method: str
    deprived: tuple[str, ...] = ()
    low_income_household: bool | None = None
    notes: list[str] = field(default_factory=list)
    explanation: list[TraceNode] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status, "deprivation_count": self.deprivation_count, "standard": self.standard,
            "at": str(self.at), "method": self.method, "deprived": list(self.deprived),
            "low_income_household": self.low_income_household, "notes": self.notes,
            "explanation": [n.model_dump(mode="json", exclude_defaults=True) for n in self.explanation],
        }


def classify_household(household: Mapping[str, Any], *, year: int | None = None, standard: Any = None,
                       std: Standard | None = None, method: str | None = None, explain: bool = True) -> HouseholdResult:
    """Classify one household under the standard of review ``year`` (or the pack ``standard``).

    ``household`` maps input names to values: ``area`` (rural/urban), ``income_per_capita``
    (whole đồng per person per month) and either ``deprivation_count`` or one true/false per
    indicator; ``score_a`` (and ``score_b``) for the score method. Other keys are ignored.

    >>> r = classify_household({"area": "rural", "income_per_capita": 1500000,
    ...                         "deprivation_count": 3}, year=2024)       # doctest: +SKIP
    >>> r.status, r.standard                                               # doctest: +SKIP
    ('poor', 'vn-poverty-2022-2026')
    """
    from normkit.core.runtime import evaluate
    from normkit.core.trace import Assembler
    from normkit.poverty.standards import load_standard

    std = std or load_standard(year=year, standard=standard)
    inputs = std.rules.compiled.inputs
    names = {k for k, v in household.items() if k in inputs and v is not None and not (isinstance(v, str) and not v.strip())}
    plan = plan_for(std, names, method)
    values = {n: check_value(std, n, household[n]) for n in names}
    trace: list[Any] = []
    notes: list[str] = []

    def run(name: str, given: Mapping[str, Any]) -> Any:
        value, rec = evaluate(std.rules, name, std.at, inputs=given)
        if explain:  # a fresh assembler each time: it caches by object id, and records die between runs
            trace.append(Assembler(std.rules).node(rec))
        return value

    deprived: tuple[str, ...] = ()
    if plan.deprivations == "indicators":
        flags = {i: values[i] for i in std.indicator_ids if i in values}
        for ind in plan.derived:
            formula = std.derivable()[ind]
            raw = {r: values[r] for r in raw_inputs_of(std, formula)}
            flags[ind] = bool(run(formula, raw))
            notes.append(f"{ind} derived from raw data by {formula} (its cut-off is unverified)")
        count = int(run("indicator_deprivation_count", flags))
        deprived = tuple(i for i in std.indicator_ids if flags[i])
        if plan.check_count and count != values["deprivation_count"]:
            raise NormkitError("NK704", f"deprivation_count = {values['deprivation_count']} but {count} indicators are marked deprived",
                               location=Location(path="household.deprivation_count"))
    elif plan.deprivations == "score_b":
        count_d = run("deprivations_from_score_b", {"score_b": values["score_b"]})
        if count_d != count_d.to_integral_value():
            raise NormkitError("NK704", f"score_b = {values['score_b']} is not a whole number of deprived indicators",
                               location=Location(path="household.score_b"))
        count = int(count_d)
    else:
        count = int(values["deprivation_count"])
    given = {"area": values["area"], "deprivation_count": count}
    if plan.method == "income":
        given["income_per_capita"] = values["income_per_capita"]
        status = run("status", given)
    else:
        given["score_a"] = (run("score_a_from_b1", {r: values[r] for r in raw_inputs_of(std, "score_a_from_b1")}) if plan.b1
                            else values["score_a"])
        given["score_b"] = values["score_b"] if "score_b" in values else run("score_b_from_deprivations", {"deprivation_count": count})
        status = run("status_by_score", {k: given[k] for k in ("area", "score_a", "score_b")})
    low = None
    if plan.method == "income" and std.has("low_income_household"):
        try:
            low = bool(run("low_income_household", {k: given[k] for k in ("area", "income_per_capita", "deprivation_count")}))
        except NormkitError as e:
            if e.code != "NK401":
                raise
            notes.append("low-income-worker line not in force on this date")
    if "middle" not in std.statuses:
        notes.append(f"{std.id} has no verified middle-living-standard band: above the lines the status is `none`")
    return HouseholdResult(str(status), count, std.id, std.at, plan.method, deprived, low, notes, trace if explain else [])


# ---- the folded (fast, untraced) path --------------------------------------------------------

def household_classifier(std: Standard) -> Callable[[Mapping[str, Any]], str]:
    """A function that classifies one household after another under ``std``, without a trace.

    The standard's ``status`` formula is folded at the standard's date once (parameters and
    lines folded in, :mod:`normkit.core.lang.folded`); each call checks the values and runs plain closures. A household whose
    values are not plainly valid (text numbers, indicators instead of a count, a bad value)
    takes the checked path, which converts what it can and raises NK704 on the rest.

    >>> classify = household_classifier(load_standard(year=2024))          # doctest: +SKIP
    >>> classify({"area": "urban", "income_per_capita": 2000001, "deprivation_count": 5})  # doctest: +SKIP
    'middle'
    """
    from normkit.core.lang.folded import Folder

    folder = Folder(std.rules, std.at)
    status = folder.run("status")
    fast = folder.formula("status")  # unwrapped: the fast path has checked every value it reads
    count = folder.run("indicator_deprivation_count")
    spec = std.rules.compiled.inputs
    areas = frozenset(spec["area"].choices or ())
    lo, hi = spec["deprivation_count"].min, spec["deprivation_count"].max
    dmin = int(lo) if lo is not None else 0
    dmax = int(hi) if hi is not None else 10**9
    ids = set(std.rules.compiled.inputs)

    def checked(household: Mapping[str, Any]) -> str:
        names = {k for k, v in household.items() if k in ids and v is not None}
        plan = plan_for(std, names, "income")
        if plan.deprivations != "count" and plan.derived:
            return classify_household(household, std=std, method="income", explain=False).status
        values = {n: check_value(std, n, household[n]) for n in names}
        if plan.deprivations == "indicators":
            n_deprived = int(count(values))
            if plan.check_count and n_deprived != values["deprivation_count"]:
                raise NormkitError("NK704", f"deprivation_count = {values['deprivation_count']} but {n_deprived} indicators are marked deprived",
                                   location=Location(path="household.deprivation_count"))
            values["deprivation_count"] = n_deprived
        return str(status(values))

    indicators = std.indicator_ids
    count_fast = folder.formula("indicator_deprivation_count") if indicators and std.has("indicator_deprivation_count") else None

    def from_indicators(household: Mapping[str, Any]) -> str:
        # indicator answers that are plainly valid (every one a bool, no count to check against):
        # the count is the pack's formula folded to one count of the true flags, then the fast status
        area, income = household.get("area"), household.get("income_per_capita")
        if (count_fast is not None and "deprivation_count" not in household and area in areas and type(income) is int
                and income >= 0 and all(type(household.get(i)) is bool for i in indicators)):
            values = dict(household)
            values["deprivation_count"] = count_fast(household)
            try:
                return fast(values)
            except (KeyError, *RANGE_ERRORS):
                pass  # the checked path raises the coded error
        return checked(household)

    def classify(household: Mapping[str, Any]) -> str:
        try:
            area, income, d = household["area"], household["income_per_capita"], household["deprivation_count"]
        except KeyError:
            return from_indicators(household)
        if area in areas and type(income) is int and income >= 0 and type(d) is int and dmin <= d <= dmax:
            try:
                return fast(household)
            except RANGE_ERRORS:
                return status(household)  # the same evaluation, raising the coded error
        return checked(household)

    return classify
