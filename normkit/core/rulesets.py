"""A pack, by folder or installed name, as a checked and compiled :class:`RuleSet`.

The one way every layer gets a rule set (the Python API re-exports it as ``normkit.load``;
domains and front-ends call it here, so no domain needs the API layer above it):

>>> rules = load("vn-wages")                 # doctest: +SKIP
>>> rules.compiled.root.id                   # doctest: +SKIP
'vn-wages'
"""

from __future__ import annotations

from pathlib import Path

from normkit.core import cache
from normkit.core.registry import find_pack
from normkit.core.runtime import RuleSet


def load(pack: str | Path, *, extra: tuple[str, ...] = (), use_cache: bool = True) -> RuleSet:
    """Load, check and compile the pack ``pack`` (a folder or an installed pack's name)
    with every pack it extends. Compiled sets are cached by content hash."""
    root = Path(pack) if isinstance(pack, Path) else find_pack(str(pack))
    compiled = cache.load(root, tuple(extra)) if use_cache else None
    if compiled is None:
        from normkit.core.compiler import build  # pint is imported only on this path

        compiled = build(root, extra)
        if use_cache:
            cache.store(root, compiled, tuple(extra))
    return RuleSet(compiled)


__all__ = ["load"]
