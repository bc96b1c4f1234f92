"""The compiled-pack cache can neither run code nor lie: every damaged, foreign or planted entry
is rebuilt, any edit to a file a pack reads changes the next result, and the folder is private."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
import stat
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from normkit_testpaths import EXAMPLES, ROOT, RULES

from normkit.api import load
from normkit.core import cache
from normkit.core.compiled import CompiledSet
from normkit.core.compiler import build
from normkit.core.errors import NormkitError
from normkit.core.io import plain
from normkit.core.registry import shipped_rules_dir
from normkit.core.runtime import evaluate
from normkit.media.orders import load_order

PROVINCE = EXAMPLES / "packs" / "example-province"
ORDER = EXAMPLES / "orders" / "tv-bulletins.yaml"
TOTAL = Decimal(5336124)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache" / "normkit"
    monkeypatch.setenv("NORMKIT_CACHE_DIR", str(d))
    monkeypatch.delenv("NORMKIT_NO_CACHE", raising=False)
    monkeypatch.delenv("NORMKIT_PATH", raising=False)
    monkeypatch.setattr(cache, "_warned", False)
    return d


def total() -> Decimal:
    return load(PROVINCE).quote(load_order(ORDER)).total


def entries(d: Path) -> list[Path]:
    return sorted(d.glob("*" + cache.SUFFIX))


def only_entry(d: Path) -> Path:
    (entry,) = entries(d)
    return entry


def rewrite_payload(entry: Path, payload: bytes) -> None:
    """Replace an entry's payload with a correct header (as someone able to write it would)."""
    head = {"format": cache.FORMAT, "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    entry.write_bytes(json.dumps(head).encode() + b"\n" + payload)
    entry.chmod(0o600)


def payload(entry: Path) -> bytes:
    return entry.read_bytes().split(b"\n", 1)[1]


# ---- format ---------------------------------------------------------------------------------------

def test_the_cache_folder_is_0700_and_holds_no_pickle(cache_dir: Path) -> None:
    assert total() == TOTAL
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    entry = only_entry(cache_dir)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    raw = entry.read_bytes()
    assert raw.startswith(b'{"format": "normkit-compiled/1", ')
    assert raw[:1] != b"\x80" and b"\x80\x04\x95" not in raw and b"\x80\x05\x95" not in raw
    assert b"pickle" not in raw and b"builtins" not in raw and b"__reduce" not in raw
    header, body = raw.split(b"\n", 1)
    json.loads(header), json.loads(body)  # both plain JSON
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(raw)  # noqa: S301  (proves the cache file is not a pickle; raw is the test's own file)
    assert [p.name for p in cache_dir.iterdir()] == [entry.name]  # nothing else, no temp file


def test_a_warm_load_gives_the_same_compiled_set(cache_dir: Path) -> None:
    fresh = build(PROVINCE)
    cache.store(PROVINCE.resolve(), fresh)
    warm = cache.load(PROVINCE.resolve())
    assert isinstance(warm, CompiledSet)
    assert warm == fresh
    assert total() == TOTAL


def test_a_warm_process_does_not_import_pint(cache_dir: Path) -> None:
    script = ("import sys, normkit; from normkit.media.orders import load_order; "
              f"q = normkit.load({str(PROVINCE)!r}).quote(load_order({str(ORDER)!r})); "
              "print(q.total, 'pint' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NORMKIT_CACHE_DIR": str(cache_dir)}
    cold = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, env=env, timeout=120)
    assert cold.stdout.split() == ["5336124", "True"]
    warm = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, env=env, timeout=120)
    assert warm.stdout.split() == ["5336124", "False"]


def test_codec_round_trips_plain_values_and_refuses_unknown_tags() -> None:
    value = {"ir": ("add", ("num", Decimal("1.50")), ("name", "param", "x")), (1, "a"): [dt.date(2024, 7, 1), None, True],
             "f": cache.CompiledSet.__name__}
    assert plain.loads(plain.dumps(value)) == value
    assert type(plain.loads(plain.dumps(value))["ir"][1]) is tuple
    with pytest.raises(plain.CodecError):
        plain.decode(["o", "os.system", "touch x"], {"os.system": []})
    with pytest.raises(plain.CodecError):
        plain.decode(["o", "core.Location", "f", 1, 2, None], {})  # tag not declared by the writer
    with pytest.raises(plain.CodecError):
        plain.decode(["o", "core.Location", "f"], {"core.Location": ["file"]})  # fields changed
    with pytest.raises(plain.CodecError):
        plain.dumps(object())
    with pytest.raises(plain.CodecError):
        plain.loads(b'{"classes": {}, "data": 1.5}')  # floats are never money


# ---- entries that must be rebuilt ---------------------------------------------------------------

def test_a_tampered_decimal_is_rebuilt_and_the_total_stays_exact(cache_dir: Path) -> None:
    assert total() == TOTAL
    entry = only_entry(cache_dir)
    raw = entry.read_bytes()
    assert raw.count(b'["D","2340000"]') >= 1
    entry.write_bytes(raw.replace(b'["D","2340000"]', b'["D","7340000"]'))  # header digest now wrong
    assert total() == TOTAL
    assert entry.read_bytes() == raw  # rebuilt and overwritten


@pytest.mark.parametrize("damage", ["truncated", "foreign", "garbage", "empty", "old-format", "pickle"])
def test_a_damaged_or_foreign_entry_is_rebuilt(cache_dir: Path, damage: str) -> None:
    assert total() == TOTAL
    entry = only_entry(cache_dir)
    raw = entry.read_bytes()
    bad = {
        "truncated": raw[: len(raw) // 2],
        "foreign": json.dumps({"format": "someone-else/1", "size": 2, "sha256": hashlib.sha256(b"{}").hexdigest()}).encode() + b"\n{}",
        "garbage": os.urandom(4096),
        "empty": b"",
        "old-format": raw.replace(b"normkit-compiled/1", b"normkit-compiled/0", 1),
        "pickle": pickle.dumps({"x": Decimal(1)}),
    }[damage]
    entry.write_bytes(bad)
    assert total() == TOTAL
    assert entry.read_bytes() == raw


def test_an_entry_from_another_normkit_version_is_rebuilt(cache_dir: Path) -> None:
    assert total() == TOTAL
    entry = only_entry(cache_dir)
    raw = entry.read_bytes()
    doc = json.loads(payload(entry))
    doc["normkit"] = "0.0.1"
    rewrite_payload(entry, json.dumps(doc).encode())
    assert total() == TOTAL
    assert entry.read_bytes() == raw


def test_a_planted_entry_naming_os_system_does_nothing(cache_dir: Path, tmp_path: Path) -> None:
    assert total() == TOTAL
    entry = only_entry(cache_dir)
    marker = tmp_path / "planted-ran"
    doc = json.loads(payload(entry))
    doc["classes"]["os.system"] = []
    doc["classes"]["posix.system"] = []
    doc["data"] = ["o", "os.system", f"touch {marker}"]
    rewrite_payload(entry, json.dumps(doc).encode())
    assert total() == TOTAL
    class Boom:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))
    entry.write_bytes(pickle.dumps(Boom()))
    entry.chmod(0o600)
    assert total() == TOTAL
    assert not marker.exists()


# ---- the key covers everything a pack reads and how names resolve ------------------------------

def _listed_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "listed"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "normkit: 1\nid: listed\ntitle: {vi: l, en: l}\nversion: '1'\njurisdiction: t\nstatus: test\n"
        "valid: {from: 2020-01-01}\nfiles: [values.txt]\n", encoding="utf-8")
    (pack / "values.txt").write_text(
        "parameters:\n  salary: {label: {vi: s, en: s}, unit: VND/month, values: [{from: 2020-01-01, value: 3000000}]}\n",
        encoding="utf-8")
    return pack


def test_editing_a_listed_file_without_a_yaml_suffix_changes_the_next_result(cache_dir: Path, tmp_path: Path) -> None:
    pack = _listed_pack(tmp_path)
    at = dt.date(2024, 1, 1)
    assert evaluate(load(pack), "salary", at)[0] == Decimal(3000000)
    assert evaluate(load(pack), "salary", at)[0] == Decimal(3000000)  # warm
    text = (pack / "values.txt").read_text(encoding="utf-8")
    (pack / "values.txt").write_text(text.replace("3000000", "3500000"), encoding="utf-8")
    assert evaluate(load(pack), "salary", at)[0] == Decimal(3500000)
    assert len(entries(cache_dir)) == 1  # the same key, rewritten


def _shadow_wages(folder: Path) -> Path:
    shadow = folder / "vn-wages"
    shutil.copytree(RULES / "vn-wages", shadow)
    params = shadow / "parameters.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("value: 2340000", "value: 4680000"), encoding="utf-8")
    return shadow


def test_a_shadow_pack_in_the_working_directory_changes_nothing(cache_dir: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _shadow_wages(work)
    monkeypatch.chdir(work)
    assert load(PROVINCE.resolve(), use_cache=False).quote(load_order(ORDER)).total == TOTAL
    assert total() == TOTAL  # cold, then stored
    assert total() == TOTAL  # warm
    r = subprocess.run([sys.executable, "-m", "normkit", "price", str(ORDER), "--json"], check=False, capture_output=True, text=True,
                       cwd=work, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["total"] == "5336124"


def test_a_pack_appearing_on_the_path_with_a_shipped_id_is_an_error_not_a_stale_result(
        cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    monkeypatch.setenv("NORMKIT_PATH", str(mine))
    assert total() == TOTAL  # an empty folder first on the path: the same packs
    assert total() == TOTAL  # warm
    shadow = _shadow_wages(mine)  # a second vn-wages appears after the entry was written
    with pytest.raises(NormkitError) as e:
        total()
    assert e.value.code == "NK210"
    # the shipped copy is wherever normkit is imported from (the source tree, or site-packages under .ci/run)
    assert e.value.message == f"pack 'vn-wages' is on the search path twice: {shadow} and {shipped_rules_dir() / 'vn-wages'}"
    monkeypatch.delenv("NORMKIT_PATH")
    assert total() == TOTAL


def _base(folder: Path, salary: int) -> None:
    base = folder / "my-base"
    base.mkdir(parents=True)
    (base / "pack.yaml").write_text(
        "normkit: 1\nid: my-base\ntitle: {vi: b, en: b}\nversion: '1'\njurisdiction: t\nstatus: test\nvalid: {from: 2020-01-01}\n"
        f"parameters:\n  salary: {{label: {{vi: s, en: s}}, unit: VND/month, values: [{{from: 2020-01-01, value: {salary}}}]}}\n",
        encoding="utf-8")


def test_normkit_path_decides_which_pack_a_bare_id_means_cached_or_not(cache_dir: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _base(tmp_path / "a", 1000)
    _base(tmp_path / "b", 2000)
    root = tmp_path / "root"
    root.mkdir()
    (root / "pack.yaml").write_text(
        "normkit: 1\nid: root\ntitle: {vi: r, en: r}\nversion: '1'\njurisdiction: t\nstatus: test\nvalid: {from: 2020-01-01}\n"
        "extends: [my-base]\n", encoding="utf-8")
    at = dt.date(2024, 1, 1)
    seen = []
    for folder in ("a", "b", "a", "b"):
        monkeypatch.setenv("NORMKIT_PATH", str(tmp_path / folder))
        seen.append(evaluate(load(root), "salary", at)[0])
    assert seen == [Decimal(1000), Decimal(2000), Decimal(1000), Decimal(2000)]
    assert len(entries(cache_dir)) == 2  # one entry per search path, none overwritten by the other
    monkeypatch.setenv("NORMKIT_PATH", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    with pytest.raises(NormkitError) as e:
        load(root)
    assert e.value.code == "NK210"


# ---- the folder and its entries must be ours ------------------------------------------------------

def test_a_group_writable_folder_is_not_used_and_said_once(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache_dir.mkdir(parents=True, mode=0o700)
    cache_dir.chmod(0o770)
    assert total() == TOTAL
    assert total() == TOTAL
    assert entries(cache_dir) == []
    err = capsys.readouterr().err
    assert err.count("normkit: not using the cache folder") == 1
    assert "writable by group or others" in err and "running without the cache" in err


def test_a_group_writable_entry_is_not_used(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert total() == TOTAL
    entry = only_entry(cache_dir)
    entry.chmod(0o666)
    assert cache.load(PROVINCE.resolve()) is None
    assert cache.load(PROVINCE.resolve()) is None
    assert capsys.readouterr().err.count("not using the cache entry") == 1


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="only root can give a file away")
def test_an_entry_or_folder_owned_by_another_user_is_not_used(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert total() == TOTAL
    entry = only_entry(cache_dir)
    os.chown(entry, 65534, 65534)
    assert cache.load(PROVINCE.resolve()) is None
    assert "it is owned by another user" in capsys.readouterr().err
    assert total() == TOTAL  # rebuilt; the folder is ours, so the new entry replaces the foreign one
    assert only_entry(cache_dir).stat().st_uid == 0
    os.chown(cache_dir, 65534, 65534)
    cache._warned = False
    assert cache.load(PROVINCE.resolve()) is None
    assert "not using the cache folder" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() == 0, reason="root may write a read-only folder")
def test_a_read_only_folder_leaves_no_temp_file(cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True, mode=0o700)
    cache_dir.chmod(0o500)
    try:
        assert total() == TOTAL
        assert list(cache_dir.iterdir()) == []
    finally:
        cache_dir.chmod(0o700)


def test_a_failed_write_leaves_no_temp_file(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.os, "replace", refuse)
    assert total() == TOTAL
    assert list(cache_dir.iterdir()) == []


def test_pruning_keeps_the_newest_entries_and_drops_old_ones(cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True, mode=0o700)
    now = time.time()
    for i in range(80):
        p = cache_dir / f"{i:040x}{cache.SUFFIX}"
        p.write_bytes(b"x")
        os.utime(p, (now - i * 60, now - i * 60))  # entry 0 is the newest
    old = cache_dir / f"{'f' * 40}{cache.SUFFIX}"
    old.write_bytes(b"x")
    os.utime(old, (now - 31 * 86400, now - 31 * 86400))
    legacy = cache_dir / ("a" * 40 + ".pickle")
    legacy.write_bytes(pickle.dumps(1))
    stale = cache_dir / ".write-abc.tmp"
    stale.write_bytes(b"x")
    os.utime(stale, (now - 7200, now - 7200))
    cache.prune(cache_dir)
    left = sorted(p.name for p in cache_dir.iterdir())
    assert left == sorted(f"{i:040x}{cache.SUFFIX}" for i in range(cache.KEEP_ENTRIES))
    assert total() == TOTAL  # writing a new entry prunes again: the bound holds
    assert len(entries(cache_dir)) == cache.KEEP_ENTRIES


def test_codec_registration_is_explicit_and_idempotent() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Probe:
        a: Decimal
        b: tuple[str, ...]

    with pytest.raises(plain.CodecError):
        plain.dumps(Probe(Decimal(1), ()))  # not registered: cannot be written
    plain.register(Probe, tag="test.Probe")
    plain.register(Probe, tag="test.Probe")  # again: harmless
    plain.register(Probe, tag="test.ProbeAlias")  # a second module registering it: both read
    data = plain.dumps(Probe(Decimal("2.50"), ("x",)))
    assert b'"test.Probe"' in data
    assert plain.loads(data) == Probe(Decimal("2.50"), ("x",))
    assert plain.loads(data.replace(b'"test.Probe"', b'"test.ProbeAlias"')) == Probe(Decimal("2.50"), ("x",))
    with pytest.raises(ValueError):
        plain.register(CompiledSet, tag="test.Probe")  # a tag belongs to one class


def test_a_bare_id_must_name_a_pack_with_that_id(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _base(tmp_path / "path", 1000)
    (tmp_path / "path" / "my-base").rename(tmp_path / "path" / "other-name")
    root = tmp_path / "root"
    root.mkdir()
    (root / "pack.yaml").write_text(
        "normkit: 1\nid: root\ntitle: {vi: r, en: r}\nversion: '1'\njurisdiction: t\nstatus: test\nvalid: {from: 2020-01-01}\n"
        "extends: [other-name]\n", encoding="utf-8")
    monkeypatch.setenv("NORMKIT_PATH", str(tmp_path / "path"))
    with pytest.raises(NormkitError) as e:
        load(root)
    assert e.value.code == "NK205"
    assert e.value.message == f"pack 'other-name' not found: the folder {tmp_path / 'path' / 'other-name'} holds pack 'my-base'"
    assert (e.value.location.line, e.value.location.column) == (8, 11)


def test_mutated_entries_with_a_matching_digest_never_raise(cache_dir: Path) -> None:
    """Someone able to write the entry can fix the digest; the codec still builds only registered
    classes, and whatever it gets it returns a compiled set or None (rebuild), never an exception."""
    import random

    assert total() == TOTAL
    entry = only_entry(cache_dir)
    body = payload(entry)
    rng = random.Random(9)
    outcomes = {"rebuilt": 0, "loaded": 0}
    for _ in range(60):
        data = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data))
            data[i] = rng.choice(b'[]{}",:0123456789abcDnull-.')
        rewrite_payload(entry, bytes(data))
        got = cache.load(PROVINCE.resolve())
        assert got is None or isinstance(got, CompiledSet)
        outcomes["rebuilt" if got is None else "loaded"] += 1
    assert outcomes["rebuilt"] > 0
