"""normkit.media: media-production pricing, a domain on top of the engine (it uses only the
public engine API). Importing this package registers the domain with the core: the pack
sections ``norms:``, ``pricing:`` and ``norm_sets:``, the compile step that checks them (:mod:`normkit.media.compile`,
result: :class:`normkit.media.compiled.MediaCompiled`, read with ``media_part``) and the
provincial-ceiling lint (:mod:`normkit.media.ceilings`).
"""

from __future__ import annotations

from pathlib import Path

from normkit.core.compiled import CompiledSet
from normkit.core.extensions import BuildApi, Domain, DomainLint, SectionSpec, register_domain
from normkit.core.surface import Word
from normkit.media.compiled import DOMAIN, MediaCompiled
from normkit.media.schema import Norm, NormCode, NormSet, Pricing

_HERE = Path(__file__).resolve().parent


def _compile(api: BuildApi) -> MediaCompiled:
    from normkit.media.compile import compile_media  # the checker and units load only when a pack is built

    return compile_media(api)


def _lint(compiled: CompiledSet) -> DomainLint:
    from normkit.media.readiness import media_lint  # pricing's machinery loads only for lint

    return media_lint(compiled)


register_domain(Domain(
    name=DOMAIN,
    sections=(
        SectionSpec("norms", dict[NormCode, Norm]),
        SectionSpec("pricing", Pricing | None, keyed=False),
        SectionSpec("norm_sets", dict[Word, NormSet]),
    ),
    compile=_compile,
    lint=_lint,
    compiled_form_files=tuple(_HERE / f for f in ("__init__.py", "schema.py", "compile.py", "compiled.py")),
))
