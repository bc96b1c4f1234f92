"""Hostile files in packs and inputs (issue 10, "Files and packs"): every file is checked for
its kind and size before it is opened, so a FIFO never hangs a run, a symbolic-link loop is a
coded error, and a huge sparse file is refused from its size without being read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostilekit import expect_error
from normkit_testpaths import FIXTURES

from normkit.core.io.yaml import MAX_BYTES, read_bytes, read_file

TINY = (FIXTURES / "packs" / "tiny" / "pack.yaml").read_text(encoding="utf-8")


def _pack(tmp_path: Path, extra: str) -> Path:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "pack.yaml").write_text(TINY.replace("status: test\n", f"status: test\nfiles: [{extra}]\n"), encoding="utf-8")
    return folder


def _load(folder: Path) -> object:
    from normkit.api import load

    return load(folder, use_cache=False)


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@needs_fifo
def test_a_fifo_named_in_files_is_nk107_without_hanging(tmp_path):
    folder = _pack(tmp_path, "pipe.yaml")
    os.mkfifo(folder / "pipe.yaml")
    e = expect_error("FIFO in files:", lambda: _load(folder), "NK107", seconds=5)
    assert e.message == "cannot read file: it is a named pipe (FIFO), not a regular file"
    assert e.location.file == str(folder / "pipe.yaml")


@needs_fifo
def test_a_fifo_as_an_order_is_nk107(tmp_path):
    from normkit.media.orders import load_order

    os.mkfifo(tmp_path / "order.yaml")
    e = expect_error("FIFO as an order", lambda: load_order(tmp_path / "order.yaml"), "NK107")
    assert e.message == "cannot read file: it is a named pipe (FIFO), not a regular file"


def test_a_folder_named_in_files_is_nk107(tmp_path):
    folder = _pack(tmp_path, "sub")
    (folder / "sub").mkdir()
    e = expect_error("folder in files:", lambda: _load(folder), "NK107")
    assert e.message == "cannot read file: it is a folder, not a regular file"


def test_a_symlink_loop_named_in_files_is_nk108(tmp_path):
    folder = _pack(tmp_path, "loop.yaml")
    os.symlink("loop.yaml", folder / "loop.yaml")
    e = expect_error("symlink loop in files:", lambda: _load(folder), "NK108")
    assert e.message == "cannot read file: it is a symbolic link that loops back on itself"
    assert e.location.file == str(folder / "loop.yaml")


def test_a_huge_sparse_file_in_a_pack_is_refused_from_its_size(tmp_path):
    folder = _pack(tmp_path, "sparse.yaml")
    with open(folder / "sparse.yaml", "wb") as fh:
        fh.truncate(1_800_000_000)  # 1.8 GB, sparse: no disk used, and never read
    e = expect_error("1.8 GB sparse pack file", lambda: _load(folder), "NK105", mib=16, seconds=2)
    assert e.message == f"file is 1800000000 bytes; the limit is {MAX_BYTES}"


def test_read_bytes_reads_a_regular_file_and_follows_a_good_link(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"x: 1\n")
    os.symlink("a.yaml", tmp_path / "b.yaml")
    assert read_bytes(tmp_path / "b.yaml") == b"x: 1\n"
    assert read_file(tmp_path / "b.yaml")[0] == {"x": 1}
    e = expect_error("missing file", lambda: read_bytes(tmp_path / "none.yaml"), "NK101")
    assert e.message == "cannot read file: No such file or directory"


@needs_fifo
def test_cli_price_with_a_fifo_in_the_pack_exits_1_at_once(tmp_path):
    folder = _pack(tmp_path, "pipe.yaml")
    os.mkfifo(folder / "pipe.yaml")
    order = tmp_path / "order.yaml"
    order.write_text("id: o\ndate: 2024-07-01\nitems: [{norm: '99.00.00.00.01'}]\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "NORMKIT_CACHE_DIR": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "-m", "normkit", "price", str(order), "--pack", str(folder)],
                       capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 1, r.stderr
    assert "NK107" in r.stderr and "Traceback" not in r.stderr


FIFO_MESSAGE = "cannot read file: it is a named pipe (FIFO), not a regular file"


@needs_fifo
@pytest.mark.parametrize("name", ["table.csv", "table.xlsx"])
def test_a_fifo_as_a_norm_table_is_refused_without_opening_it(tmp_path, name):
    """Tables (CSV, XLSX) go through the table layer's kind check: NK107, as for pack files.
    (Was NK801 "no such file" before the one table layer: a FIFO is not missing, it is not a file.)"""
    from normkit.media.normtable import read_table

    os.mkfifo(tmp_path / name)
    e = expect_error(f"FIFO as a norm table ({name})", lambda: read_table(tmp_path / name), "NK107")
    assert (e.message, e.location.file) == (FIFO_MESSAGE, str(tmp_path / name))


@needs_fifo
@pytest.mark.parametrize("name", ["budget.csv", "budget.yaml", "budget.xlsx"])
def test_a_fifo_as_a_budget_is_refused_without_opening_it(tmp_path, name):
    """Budgets go through the table layer's kind check: NK107 (was NK901 "no such file")."""
    from normkit.budget.reading import read_budget

    os.mkfifo(tmp_path / name)
    e = expect_error(f"FIFO as a budget ({name})", lambda: read_budget(tmp_path / name), "NK107")
    assert (e.message, e.location.file) == (FIFO_MESSAGE, str(tmp_path / name))


@needs_fifo
@pytest.mark.parametrize("name", ["h.csv", "h.parquet", "h.xlsx"])
def test_a_fifo_as_a_household_file_is_refused_without_opening_it(tmp_path, name):
    """`classify` opens household files through the table layer: NK107 (was NK702 "no such file")."""
    from normkit.poverty.files import count_rows
    from normkit.poverty.run import classify_file
    from normkit.poverty.standards import load_standard

    os.mkfifo(tmp_path / name)
    e = expect_error("FIFO as a household file", lambda: count_rows(tmp_path / name), "NK107")
    assert (e.message, e.location.file) == (FIFO_MESSAGE, str(tmp_path / name))
    std = load_standard(year=2024)
    e = expect_error("FIFO as a household file (classify)", lambda: classify_file(tmp_path / name, tmp_path / "o.csv", std), "NK107")
    assert e.message == FIFO_MESSAGE and not (tmp_path / "o.csv").exists()
