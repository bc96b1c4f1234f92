"""A domain's section types given by a function (``SectionSpec(..., deferred=True)``): media's
pack-file models are imported only when a pack is read or a schema written (issue 13, warm start)."""

from __future__ import annotations

import subprocess
import sys

from normkit_testpaths import ROOT

from normkit.core.sections import SectionSpec


def test_a_deferred_type_is_what_its_function_returns() -> None:
    calls: list[int] = []

    def notes() -> object:
        calls.append(1)
        return dict[str, int]

    spec = SectionSpec("notes", notes, deferred=True)
    assert calls == []  # nothing is imported or built when the domain registers
    assert spec.value_type() == dict[str, int] and calls == [1]
    assert SectionSpec("notes", dict[str, str]).value_type() == dict[str, str]  # a type given as it is


def test_registering_media_imports_no_pack_file_model_until_a_pack_model_is_asked_for() -> None:
    code = """
import sys
import normkit.media
before = "normkit.media.schema" in sys.modules
from normkit.core.sections import pack_file_model
fields = pack_file_model().model_fields
from normkit.core.surface import Word
from normkit.media.schema import Norm, NormCode, NormSet, Pricing
print(before, fields["norms"].annotation == dict[NormCode, Norm], fields["pricing"].annotation == Pricing | None,
      fields["norm_sets"].annotation == dict[Word, NormSet], list(fields)[-3:])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    assert out == "False True True True ['norms', 'pricing', 'norm_sets']"
