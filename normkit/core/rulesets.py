"""A pack, by folder or installed name, as a checked and compiled :class:`RuleSet`.

The one way every layer gets a rule set (the Python API re-exports it as ``normkit.load``;
domains and front-ends call it here, so no domain needs the API layer above it):

>>> rules = load("vn-wages")                 # doctest: +SKIP
>>> rules.compiled.root.id                   # doctest: +SKIP
'vn-wages'
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from normkit.core import cache
from normkit.core.registry import find_pack
from normkit.core.runtime import RuleSet

R = TypeVar("R", bound=RuleSet)


def load(pack: str | Path, *, extra: tuple[str, ...] = (), use_cache: bool = True) -> RuleSet:
    """The engine's :class:`RuleSet` of ``pack``; see :func:`load_as`."""
    return load_as(RuleSet, pack, extra=extra, use_cache=use_cache)


def load_as(kind: type[R], pack: str | Path, *, extra: tuple[str, ...] = (), use_cache: bool = True) -> R:
    """Load, check and compile the pack ``pack`` with every pack it extends.

    ``pack`` (and each of ``extra``) is a bare id, found on the pack search path
    (``$NORMKIT_PATH``, then the shipped rules; never the working directory), or a folder path
    (a :class:`~pathlib.Path`, or text with a ``/``), relative to the working directory.
    Compiled sets are cached by the content of every pack they read (``normkit.core.cache``).
    ``kind`` is the rule-set class to build (a domain's subclass, e.g. media's ``PricingRules``).
    """
    root = Path(pack).resolve() if isinstance(pack, Path) else find_pack(str(pack))
    folders = tuple(find_pack(ref) for ref in extra)
    compiled = cache.load(root, folders) if use_cache else None
    if compiled is None:
        from normkit.core.compiler import build  # pint is imported only on this path

        compiled = build(root, [str(f) for f in folders])
        if use_cache:
            cache.store(root, compiled, folders)
    return kind(compiled)


__all__ = ["load", "load_as"]
