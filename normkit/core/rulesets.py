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
    """Load, check and compile the pack ``pack`` with every pack it extends.

    ``pack`` (and each of ``extra``) is a bare id, found on the pack search path
    (``$NORMKIT_PATH``, then the shipped rules; never the working directory), or a folder path
    (a :class:`~pathlib.Path`, or text with a ``/``), relative to the working directory.
    Compiled sets are cached by the content of every pack they read (``normkit.core.cache``).
    """
    root = Path(pack).resolve() if isinstance(pack, Path) else find_pack(str(pack))
    folders = tuple(find_pack(ref) for ref in extra)
    compiled = cache.load(root, folders) if use_cache else None
    if compiled is None:
        from normkit.core.compiler import build  # pint is imported only on this path

        compiled = build(root, [str(f) for f in folders])
        if use_cache:
            cache.store(root, compiled, folders)
    return RuleSet(compiled)


__all__ = ["load"]
