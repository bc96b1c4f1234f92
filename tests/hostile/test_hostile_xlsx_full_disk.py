"""XLSX export to a full disk (issue 10, "Files and packs"): NK805 and nothing else — no
``ZipFile.__del__`` traceback after it, no temporary file, no partial workbook. The full disk is
simulated: every file the zip writer opens for the workbook fails with ENOSPC after 4 KiB."""

from __future__ import annotations

import errno
import gc
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from normkit.api import quote as price_order
from normkit.core.errors import NormkitError
from normkit.media.xlsx import write_quote_xlsx

ROOT = Path(__file__).resolve().parents[2]
ORDER = ROOT / "examples" / "orders" / "tv-bulletins.yaml"


class _FullDisk(io.FileIO):
    """A file on a disk with 4 KiB free: writes beyond that fail with ENOSPC."""

    room = 4096

    def write(self, b: Any) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = super().write(bytes(b)[: self.room])
        self.room -= n
        return n


class _IoOnAFullDisk:
    """``io`` as the zip writer sees it: its ``open`` of a workbook is on the full disk."""

    def __getattr__(self, name: str) -> Any:
        return getattr(io, name)

    @staticmethod
    def open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" in mode and str(file).endswith(".tmp"):
            return _FullDisk(file, "w")
        return open(file, mode, *args, **kwargs)  # handed to the zip writer, which closes it


def test_xlsx_export_to_a_full_disk_is_nk805_without_a_zipfile_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    quote = price_order(ORDER)
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    monkeypatch.setattr(zipfile, "io", _IoOnAFullDisk())
    target = tmp_path / "q.xlsx"
    with pytest.raises(NormkitError) as info:
        write_quote_xlsx(quote, target)
    code, message = info.value.code, info.value.message
    del info  # its traceback holds the frames, and so the archive: let it go
    gc.collect()  # the archive openpyxl left open would print its traceback from __del__ here
    monkeypatch.undo()
    assert (code, message) == ("NK805", f"cannot write {target}: No space left on device")
    assert unraisable == []
    assert list(tmp_path.iterdir()) == []  # no workbook, no temporary


def test_the_same_export_on_a_disk_with_room_still_works(tmp_path: Path) -> None:
    target = tmp_path / "q.xlsx"
    write_quote_xlsx(price_order(ORDER), target)
    assert [p.name for p in tmp_path.iterdir()] == ["q.xlsx"]
    assert zipfile.ZipFile(target).testzip() is None
