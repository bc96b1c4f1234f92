"""normkit.media: media-production pricing, a domain on top of the engine (it uses only the
public engine API). Importing this package registers the domain with the core: the pack
sections ``norms:``, ``pricing:`` and ``norm_sets:``, the compile step that checks them (:mod:`normkit.media.compile`,
result: :class:`normkit.media.compiled.MediaCompiled`, read with ``media_part``) and the
provincial-ceiling lint (:mod:`normkit.media.ceilings`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from normkit.core.compiled import CompiledSet
from normkit.core.extensions import BuildApi, Domain, DomainLint, SectionSpec, register_domain
from normkit.media.compiled import DOMAIN, MediaCompiled

_HERE = Path(__file__).resolve().parent


# The sections' types name the pack-file models (media/schema.py), imported only when a pack is
# read: a warm start reads the compiled set from the cache and never needs them.
def _norms() -> Any:
    from normkit.media.schema import Norm, NormCode

    return dict[NormCode, Norm]


def _pricing() -> Any:
    from normkit.media.schema import Pricing

    return Pricing | None


def _norm_sets() -> Any:
    from normkit.core.surface import Word
    from normkit.media.schema import NormSet

    return dict[Word, NormSet]


def _compile(api: BuildApi) -> MediaCompiled:
    from normkit.media.compile import compile_media  # the checker and units load only when a pack is built

    return compile_media(api)


def _lint(compiled: CompiledSet) -> DomainLint:
    from normkit.media.readiness import media_lint  # pricing's machinery loads only for lint

    return media_lint(compiled)


register_domain(Domain(
    name=DOMAIN,
    sections=(
        SectionSpec("norms", _norms, deferred=True),
        SectionSpec("pricing", _pricing, keyed=False, deferred=True),
        SectionSpec("norm_sets", _norm_sets, deferred=True),
    ),
    compile=_compile,
    lint=_lint,
    compiled_form_files=tuple(_HERE / f for f in ("__init__.py", "schema.py", "compile.py", "compiled.py")),
))
