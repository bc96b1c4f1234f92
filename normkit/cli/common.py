"""The options every evaluating command shares, and the one way they become a rule set.

``--pack``, ``--at``, ``--set``, ``--overlay``, ``--no-cache`` (and ``--json``) are declared
here once (:func:`pack_options`) and read here once (:func:`whatif`, :func:`rules`): ``price``,
``whatif``, ``export-quote``, ``check``, ``classify``, ``household``, ``rates`` … all get their
rule set from :func:`normkit.api.rules_for`, the function the HTTP service uses too, so one
command line and one request with the same pack and values evaluate the same rules.

Keep this module light (argparse only at import time): ``normkit --help`` imports it.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from normkit.core.records import Frozen

_set = object.__setattr__

if TYPE_CHECKING:  # pragma: no cover
    from normkit.api import WhatIf
    from normkit.media.pricing import PricingRules

SET_LABEL = "--set"
"""The variant's label in traces when only ``--set`` values are given."""


def date_arg(text: str) -> dt.date:
    """An argparse type: a date as the one input layer reads it (``2024-07-01`` or ``01/07/2024``),
    with a usage error that shows an example."""
    from normkit.core.errors import NormkitError
    from normkit.core.io.text import read_date

    try:
        return read_date(text)
    except NormkitError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD or dd/mm/yyyy, e.g. 2024-07-01 or 01/07/2024") from None


def pack_options(p: argparse.ArgumentParser, *, at: str | None = None, pack_help: str | None = None) -> None:
    """Add ``--pack``, ``--set``, ``--overlay``, ``--json``, ``--no-cache`` and, when ``at`` (its
    help text) is given, ``--at`` to the sub-command ``p``."""
    p.add_argument("--pack", help=pack_help or "pack folder or installed pack name (default: the order's `packs:`)")
    if at is not None:
        p.add_argument("--at", type=date_arg, help=at)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                   help="what-if: give a parameter (or a table row, TABLE[KEY]) a value on every date, e.g. --set base_salary=2340000, "
                        "--set 'working_days_per_month=24 workday/month' or --set 'machine_hour_rate[may_vi_tinh]=4000' (repeatable)")
    p.add_argument("--overlay", help="what-if overlay file (YAML with `set:`)")
    p.add_argument("--json", action="store_true", help="print one JSON object (money as exact decimal strings)")
    p.add_argument("--no-cache", action="store_true", help="rebuild the compiled packs instead of using the cache")


def whatif(args: argparse.Namespace, *, overlay_base: Path | None = None) -> WhatIf:
    """The what-if of ``--overlay FILE`` and ``--set NAME=VALUE`` (empty when neither is given).

    A relative overlay path is read from the working directory, or from ``overlay_base`` when
    given (a budget names its overlay relative to itself)."""
    from normkit.api import WhatIf
    from normkit.media.orders import load_overlay, parse_set

    overlay = None
    if getattr(args, "overlay", None):
        path = Path(args.overlay)
        if overlay_base is not None and not path.is_absolute():
            path = overlay_base / path
        overlay = load_overlay(path)
    values = parse_set(list(getattr(args, "sets", None) or []))
    return WhatIf(overlay=overlay, values=values, label=SET_LABEL)


def use_cache(args: argparse.Namespace) -> bool:
    return not getattr(args, "no_cache", False)


def rules(args: argparse.Namespace, pack: str | Path) -> PricingRules:
    """The rule set a command evaluates with: ``pack`` (already resolved from ``--pack`` or the
    input file's own pack) with ``--overlay`` and ``--set`` applied, cached unless ``--no-cache``."""
    from normkit.api import rules_for

    return rules_for(pack, whatif(args), use_cache=use_cache(args))


class Variants(Frozen):
    """For ``whatif``: the pack as it is, and with ``--overlay``/``--set`` (``None`` without them)."""

    __slots__ = ("baseline", "variant")
    __match_args__ = ("baseline", "variant")
    baseline: PricingRules
    variant: PricingRules | None

    def __init__(self, baseline: PricingRules, variant: PricingRules | None) -> None:
        _set(self, "baseline", baseline)
        _set(self, "variant", variant)


def variants(args: argparse.Namespace, pack: str | Path) -> Variants:
    """:class:`Variants` of ``pack``: the baseline loaded once, the what-if applied to it."""
    from normkit.api import rules_for

    base = rules_for(pack, use_cache=use_cache(args))
    change = whatif(args)
    if change.overlay is None and not change.values:
        return Variants(base, None)
    return Variants(base, change.apply(base))


__all__ = ["SET_LABEL", "Variants", "date_arg", "pack_options", "rules", "use_cache", "variants", "whatif"]
