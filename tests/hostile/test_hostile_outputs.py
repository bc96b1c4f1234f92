"""Interrupted writes: no half-written file, the old file intact, no temporary file left, normal
permissions; an interrupted batch run again gives the same result."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from normkit_testpaths import EXAMPLES

HOUSEHOLDS = EXAMPLES / "households" / "households.csv"


@pytest.fixture(scope="module")
def standard():
    from normkit.poverty.standards import load_standard
    return load_standard(year=2024)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, RuntimeError])
def test_interrupted_classify_leaves_the_old_file_and_no_temporary(tmp_path, standard, monkeypatch, suffix, interrupt):
    from normkit.poverty import run

    out = tmp_path / f"out{suffix}"
    out.write_bytes(b"old result")
    real = run.classify_frame
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second chunk: the first one is already in the temporary file
            raise interrupt("interrupted")
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "classify_frame", flaky)
    with pytest.raises(interrupt):
        run.classify_file(HOUSEHOLDS, out, standard, chunk_rows=3)
    assert out.read_bytes() == b"old result"
    assert _leftovers(tmp_path) == []
    assert not (tmp_path / "out.rejects.csv").exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_rerun_after_an_interrupt_gives_the_same_result(tmp_path, standard, monkeypatch, suffix):
    from normkit.poverty import run

    clean = tmp_path / f"clean{suffix}"
    s1 = run.classify_file(HOUSEHOLDS, clean, standard, chunk_rows=3)
    out = tmp_path / f"out{suffix}"
    real = run.classify_frame
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "classify_frame", flaky)
    with pytest.raises(KeyboardInterrupt):
        run.classify_file(HOUSEHOLDS, out, standard, chunk_rows=3)
    assert not out.exists()
    monkeypatch.setattr(run, "classify_frame", real)
    s2 = run.classify_file(HOUSEHOLDS, out, standard, chunk_rows=3)
    assert out.read_bytes() == clean.read_bytes()
    assert (s1.classified, s1.rejected, s1.counts) == (s2.classified, s2.rejected, s2.counts)
    assert _leftovers(tmp_path) == []


def test_household_outputs_have_normal_permissions(tmp_path, standard):
    """Regression: the household writer used tempfile.mkstemp, so outputs were 0600, not 0666 less the umask."""
    from normkit.poverty.run import classify_file

    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"out{suffix}"
        classify_file(HOUSEHOLDS, out, standard)
        assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_a_failing_disk_is_nk805_and_leaves_nothing(tmp_path, standard, monkeypatch):
    from normkit.core.errors import NormkitError
    from normkit.poverty.files import AtomicTableWriter

    w = AtomicTableWriter(tmp_path / "out.csv")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    import pyarrow.csv

    monkeypatch.setattr(pyarrow.csv, "write_csv", full)  # the writer writes its rows through Arrow
    with pytest.raises(NormkitError) as e:
        w.write(pd.DataFrame({"a": ["1"]}))
    w.abort()
    assert e.value.code == "NK805" and "No space left on device" in e.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_interrupted_norm_table_export_keeps_the_old_file(tmp_path, monkeypatch, suffix):
    from normkit.media import normtable

    out = tmp_path / f"table{suffix}"
    out.write_bytes(b"old table")

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt

    if suffix == ".csv":
        monkeypatch.setattr(normtable.csv, "writer", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    else:
        from openpyxl import Workbook
        monkeypatch.setattr(Workbook, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        normtable.write_table(out, ["a", "b"], [["1", "2"]])
    assert out.read_bytes() == b"old table" and _leftovers(tmp_path) == []


def test_interrupted_quote_xlsx_keeps_the_old_file(tmp_path, monkeypatch):
    from openpyxl.writer.excel import ExcelWriter

    from normkit.api import load
    from normkit.media.xlsx import write_quote_xlsx

    q = load(EXAMPLES / "packs" / "example-province").quote(EXAMPLES / "orders" / "tv-bulletins.yaml")
    out = tmp_path / "quote.xlsx"
    write_quote_xlsx(q, out)
    good = out.read_bytes()
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ExcelWriter, "save", interrupted)  # what media.xlsx.save_workbook calls to write the parts
    with pytest.raises(KeyboardInterrupt):
        write_quote_xlsx(q, out)
    assert out.read_bytes() == good and _leftovers(tmp_path) == []


def test_interrupted_norm_import_leaves_the_pack_unchanged(tmp_path, monkeypatch):
    from normkit.media import importing

    pack = tmp_path / "province"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "normkit: 1\nid: test-province\ntitle: {vi: t, en: t}\nversion: '0.1'\njurisdiction: test\nstatus: test\n"
        "extends: [vn-tv-03-2018, vn-media-pricing]\nvalid: {from: 2019-07-01}\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in pack.iterdir()}
    monkeypatch.setattr(importing, "norms_yaml", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        importing.import_norms(EXAMPLES / "norm-tables" / "tv-01.03.01.50.10.csv", pack)
    assert {p.name: p.read_bytes() for p in pack.iterdir()} == before


def test_json_output_is_complete_or_absent(tmp_path):
    """JSON goes to standard output (the CLI writes no JSON file): a quote's JSON is one complete document."""
    from normkit.api import load

    q = load(EXAMPLES / "packs" / "example-province").quote(EXAMPLES / "orders" / "tv-bulletins.yaml")
    assert json.loads(q.to_json(trace=True))["total"] == str(q.total)
