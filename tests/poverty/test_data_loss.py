"""Issue 10, data loss: no output is an input or another output (NK807), interrupted runs leave no
temporaries, duplicate household ids are reported (NK809 on request), a duplicated header is NK808."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from normkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = ROOT / "examples" / "households" / "households.csv"
ORDER = ROOT / "examples" / "orders" / "tv-bulletins.yaml"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(HOUSEHOLDS, tmp_path / "survey.csv")
    return tmp_path


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI, expect exit 1 with NK807, return the error (without its hint; long lines unwrapped)."""
    assert main(list(argv)) == 1
    err = capsys.readouterr().err
    assert "NK807" in err
    return " ".join(err.split("\n  hint:")[0].split())


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---- outputs are never inputs ------------------------------------------------------------------

def test_input_named_like_the_derived_rejects_file_is_kept(folder, capsys):
    (folder / "survey.csv").rename(folder / "survey.rejects.csv")
    line = refused(capsys, "classify", "survey.rejects.csv", "--out", "survey.csv", "--year", "2024")
    assert line == ("survey.rejects.csv: error NK807: the rejects file derived from --out is the input file "
                    "(survey.rejects.csv)")
    assert (folder / "survey.rejects.csv").read_bytes() == HOUSEHOLDS.read_bytes()
    assert names(folder) == ["survey.rejects.csv"]


def test_rejects_equal_to_the_input_is_refused(folder, capsys):
    line = refused(capsys, "classify", "survey.csv", "--out", "out.csv", "--rejects", "./survey.csv", "--year", "2024")
    assert line == "survey.csv: error NK807: --rejects is the input file (survey.csv)"
    assert (folder / "survey.csv").read_bytes() == HOUSEHOLDS.read_bytes()
    assert names(folder) == ["survey.csv"]


def test_out_equal_to_rejects_is_refused(folder, capsys):
    line = refused(capsys, "classify", "survey.csv", "--out", "o.csv", "--rejects", "o.csv", "--year", "2024")
    assert line == "o.csv: error NK807: --out and --rejects are the same file (o.csv)"
    assert names(folder) == ["survey.csv"]


def test_out_equal_to_the_input_needs_in_place(folder, capsys):
    assert main(["classify", "survey.csv", "--out", "survey.csv", "--year", "2024"]) == 1
    err = capsys.readouterr().err
    assert err == ("survey.csv: error NK807: --out is the input file (survey.csv)\n"
                   "  hint: give --out another file, or pass --in-place to replace the input\n")
    assert (folder / "survey.csv").read_bytes() == HOUSEHOLDS.read_bytes()
    assert main(["classify", "survey.csv", "--out", "survey.csv", "--in-place", "--year", "2024", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["rows_in"], summary["classified"], summary["rejected"]) == (18, 14, 4)
    lines = (folder / "survey.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "household_id,commune,district,area,ethnic_minority,income_per_capita,deprivation_count,status"
    assert lines[1] == "H01,Xã A,Huyện 1,rural,true,1200000,4,poor"
    assert len(lines) == 15
    assert names(folder) == ["survey.csv", "survey.rejects.csv"]


def test_in_place_does_not_allow_rejects_to_be_the_input(folder, capsys):
    line = refused(capsys, "classify", "survey.csv", "--out", "o.csv", "--rejects", "survey.csv", "--in-place", "--year", "2024")
    assert line == "survey.csv: error NK807: --rejects is the input file (survey.csv)"


def test_hard_link_and_symlink_are_the_same_file(folder, capsys):
    os.link(folder / "survey.csv", folder / "hard.csv")
    (folder / "link.csv").symlink_to("survey.csv")
    line = refused(capsys, "classify", "survey.csv", "--out", "hard.csv", "--year", "2024")
    assert line == "hard.csv: error NK807: --out is the input file (hard.csv and survey.csv are the same file)"
    line = refused(capsys, "classify", "link.csv", "--out", "x.csv", "--rejects", "survey.csv", "--year", "2024")
    assert line == "survey.csv: error NK807: --rejects is the input file (survey.csv and link.csv are the same file)"
    line = refused(capsys, "classify", "survey.csv", "--out", "x.csv", "--rejects", f"{folder}/sub/../x.csv", "--year", "2024")
    assert line == f"{folder}/sub/../x.csv: error NK807: --out and --rejects are the same file (x.csv and {folder}/sub/../x.csv are the same file)"
    assert (folder / "survey.csv").read_bytes() == HOUSEHOLDS.read_bytes()
    assert not (folder / "x.csv").exists()


def test_xlsx_outputs_never_overwrite_the_order(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ORDER, tmp_path / "order.yaml")
    assert refused(capsys, "price", "order.yaml", "--xlsx", "./order.yaml") == \
        "./order.yaml: error NK807: --xlsx is the order file (./order.yaml and order.yaml are the same file)"
    assert refused(capsys, "export-quote", "order.yaml", "--xlsx", "order.yaml") == \
        "order.yaml: error NK807: --xlsx is the order file (order.yaml)"
    assert (tmp_path / "order.yaml").read_bytes() == ORDER.read_bytes()


def test_export_norms_never_overwrites_a_pack_file(tmp_path, capsys):
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "rules" / "vn-tv-03-2018", pack)
    (pack / "table.csv").write_text("keep\n", encoding="utf-8")
    line = refused(capsys, "export-norms", str(pack), "--out", str(pack / "table.csv"))
    assert line == f"{pack}/table.csv: error NK807: --out is the pack file table.csv ({pack}/table.csv)"
    assert (pack / "table.csv").read_text(encoding="utf-8") == "keep\n"


def test_import_norms_rejects_never_overwrite_the_table(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("code,name,component,title,unit,value\n", encoding="utf-8")
    line = refused(capsys, "import-norms", str(table), "--into", str(tmp_path), "--keep-going", "--rejects", str(table))
    assert line == f"{table}: error NK807: --rejects is the norm table ({table})"
    line = refused(capsys, "import-norms", str(table), "--into", str(tmp_path), "--file", "pack.yaml")
    assert line == f"{tmp_path}/pack.yaml: error NK807: --into {tmp_path} --file pack.yaml is the pack manifest ({tmp_path}/pack.yaml)"
    assert table.read_text(encoding="utf-8") == "code,name,component,title,unit,value\n"


# ---- signals and stale temporaries -------------------------------------------------------------

SLOW_CLASSIFY = textwrap.dedent("""
    import signal, sys, time
    from pathlib import Path
    from normkit.poverty import run
    from normkit.poverty.standards import load_standard

    signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as in a terminal session, even when the tests run under nohup
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    real = run.classify_frame
    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        Path(sys.argv[3]).touch()  # a chunk is in the temporary file: the test may send its signal
        time.sleep(30)
        return result
    run.classify_frame = slow
    run.classify_file(sys.argv[1], sys.argv[2], load_standard(year=2024), chunk_rows=3)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_signal_during_classify_keeps_the_old_output_and_removes_temporaries(tmp_path, signame):
    out = tmp_path / "out.csv"
    out.write_bytes(b"old result")
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CLASSIFY, str(HOUSEHOLDS), str(out), str(ready)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))  # the run was writing
        proc.send_signal(getattr(signal, signame))
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    signum = int(getattr(signal, signame))
    assert proc.returncode == 128 + signum
    assert out.read_bytes() == b"old result"
    assert names(tmp_path) == ["out.csv", "ready"]


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
def test_ignored_or_own_signal_handlers_are_left_alone():
    from normkit.core.io.atomic import removed_on_signals

    def own(signum, frame):  # pragma: no cover - never called
        pass

    old_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    old_term = signal.signal(signal.SIGTERM, own)
    try:
        with removed_on_signals():
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is own
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with removed_on_signals():
            assert signal.getsignal(signal.SIGHUP) not in (signal.SIG_DFL, signal.SIG_IGN)
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, old_hup)
        signal.signal(signal.SIGTERM, old_term)


def test_stale_temporaries_of_normkit_are_removed_on_the_next_run(tmp_path, capsys):
    from normkit.core.io.atomic import STALE_AFTER

    out = tmp_path / "out.csv"
    stale = tmp_path / ".out.csv.0123456789ab.tmp"  # left by a killed run
    stale_rejects = tmp_path / ".out.rejects.csv.ba9876543210.tmp"
    fresh = tmp_path / ".out.csv.aaaaaaaaaaaa.tmp"  # a concurrent run still writing
    other = tmp_path / ".out.csv.not-ours.tmp"
    for p in (stale, stale_rejects, fresh, other):
        p.write_text("x", encoding="utf-8")
    old = time.time() - STALE_AFTER - 5
    for p in (stale, stale_rejects, other):
        os.utime(p, (old, old))
    assert main(["classify", str(HOUSEHOLDS), "--out", str(out), "--year", "2024", "--json"]) == 0
    capsys.readouterr()
    assert names(tmp_path) == [".out.csv.aaaaaaaaaaaa.tmp", ".out.csv.not-ours.tmp", "out.csv", "out.rejects.csv"]


def test_stale_symlink_is_not_followed(tmp_path):
    from normkit.core.io.atomic import STALE_AFTER, remove_stale_temporaries

    victim = tmp_path / "victim"
    victim.write_text("keep", encoding="utf-8")
    link = tmp_path / ".out.csv.0123456789ab.tmp"
    link.symlink_to(victim)
    old = time.time() - STALE_AFTER - 5
    os.utime(link, (old, old), follow_symlinks=False)
    assert remove_stale_temporaries(tmp_path / "out.csv") == []
    assert victim.read_text(encoding="utf-8") == "keep" and link.is_symlink()


# ---- duplicates ----------------------------------------------------------------------------------

def with_duplicates(folder: Path) -> Path:
    lines = HOUSEHOLDS.read_text(encoding="utf-8").splitlines()
    dup = folder / "dup.csv"
    dup.write_text("\n".join(lines + [lines[1], lines[2], lines[1]]) + "\n", encoding="utf-8")
    return dup


def test_duplicate_ids_are_counted_and_warned(folder, capsys):
    with_duplicates(folder)
    assert main(["classify", "dup.csv", "--out", "o.csv", "--year", "2024", "--json"]) == 0
    cap = capsys.readouterr()
    summary = json.loads(cap.out)
    assert summary["duplicate_ids"] == 3
    assert summary["duplicate_examples"] == [{"row": 19, "household_id": "H01"}, {"row": 20, "household_id": "H02"},
                                             {"row": 21, "household_id": "H01"}]
    assert cap.err == ("warning: 3 row(s) repeat a household_id of an earlier row ('H01' at row 19, 'H02' at row 20, "
                       "'H01' at row 21); --fail-on-duplicates makes this an error\n")
    assert main(["classify", "dup.csv", "--out", "o.csv", "--year", "2024"]) == 0
    assert "; duplicate household ids 3" in " ".join(capsys.readouterr().out.split())


def test_duplicate_ids_across_chunks(folder, standards):
    from normkit.poverty.run import classify_file

    s = classify_file(with_duplicates(folder), folder / "o.csv", standards[2024], chunk_rows=4)
    assert s.duplicate_ids == 3
    assert [d["row"] for d in s.duplicate_examples] == [19, 20, 21]
    s = classify_file(HOUSEHOLDS, folder / "o.csv", standards[2024], chunk_rows=4)
    assert (s.duplicate_ids, s.duplicate_examples) == (0, [])


def test_fail_on_duplicates_is_an_error_and_writes_nothing(folder, capsys):
    with_duplicates(folder)
    assert main(["classify", "dup.csv", "--out", "o.csv", "--year", "2024", "--fail-on-duplicates"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "dup.csv: error NK809: household_id 'H01' appears more than once (again at row 19)"
    assert names(folder) == ["dup.csv", "survey.csv"]


def test_duplicated_header_is_an_error(folder, capsys):
    lines = HOUSEHOLDS.read_text(encoding="utf-8").splitlines()
    bad = [lines[0] + ",income_per_capita"] + [line + ",9999999" for line in lines[1:]]
    (folder / "hdr.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    assert main(["classify", "hdr.csv", "--out", "o.csv", "--year", "2024"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == ("hdr.csv:1: error NK808: column 'income_per_capita' appears twice in the header "
                                   "(columns 6 and 8)")
    assert main(["rates", "hdr.csv", "--year", "2024"]) == 1
    assert "NK808" in capsys.readouterr().err
    assert names(folder) == ["hdr.csv", "survey.csv"]


def test_duplicated_parquet_column_is_an_error(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from normkit.core.errors import NormkitError
    from normkit.poverty.files import read_table

    path = tmp_path / "dup.parquet"
    pq.write_table(pa.table([pa.array(["H1"]), pa.array([1]), pa.array([2])], names=["household_id", "score_a", "score_a"]), path)
    with pytest.raises(NormkitError) as e:
        read_table(path)
    assert (e.value.code, e.value.message) == ("NK808", "column 'score_a' appears twice in the header (columns 2 and 3)")


# ---- each row once, written in the background ---------------------------------------------------

def test_a_cell_that_needs_quotes_late_in_a_batch_writes_every_row_once(tmp_path, capsys):
    """Arrow writes a batch 1,024 rows at a time: before the fix, a comma in row 2,501 left rows
    1–2,048 in the output twice (5,048 data rows for 3,000)."""
    import csv

    with open(tmp_path / "q.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["household_id", "commune", "area", "income_per_capita", "deprivation_count"])
        for i in range(3000):
            w.writerow([f"H{i}", "Xã A, huyện B" if i == 2500 else "Xã A", "rural", 1000000, 2])
    assert main(["classify", str(tmp_path / "q.csv"), "--out", str(tmp_path / "o.csv"), "--year", "2024", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows_in"] == 3000
    with open(tmp_path / "o.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["household_id"] for r in rows] == [f"H{i}" for i in range(3000)]
    assert rows[2500]["commune"] == "Xã A, huyện B"
    assert rows[2499]["status"] == "near_poor" and rows[2500]["status"] == "near_poor"


def test_a_write_error_in_the_background_is_nk805_and_leaves_nothing(folder, standards, monkeypatch):
    from normkit.core.errors import NormkitError
    from normkit.poverty import files
    from normkit.poverty.run import classify_file

    real = files.AtomicTableWriter._write
    calls: list[int] = []

    def failing(self, batch):
        calls.append(batch.num_rows)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(self, batch)

    monkeypatch.setattr(files.AtomicTableWriter, "_write", failing)
    with pytest.raises(NormkitError) as e:
        classify_file("survey.csv", "o.csv", standards[2024], chunk_rows=4)
    assert (e.value.code, e.value.message) == ("NK805", "cannot write o.csv: No space left on device")
    assert names(folder) == ["survey.csv"]
