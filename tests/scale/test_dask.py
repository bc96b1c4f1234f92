"""The poverty API over Dask DataFrames on a distributed LocalCluster: equal to the single-machine path.

Classified rows and rejects row for row (row numbers included), rates and deprivation rates to the
last digit, transition matrices exactly; workers with other packs are refused (NK710); a worker
killed mid-run does not change the result.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

from normkit.core.errors import NormkitError  # noqa: E402
from normkit.poverty import dask as nkd  # noqa: E402
from normkit.poverty.batch import classify_frame  # noqa: E402
from normkit.poverty.compare import transitions  # noqa: E402
from normkit.poverty.deprivations import count_deprivations  # noqa: E402
from normkit.poverty.rates import rates_by  # noqa: E402
from normkit.poverty.standards import load_standard  # noqa: E402


def population(ids: tuple[str, ...], n: int = 3000, seed: int = 13) -> pd.DataFrame:
    """Households as a CSV reads them (text), with bad rows of every kind sprinkled in."""
    rng = np.random.default_rng(seed)
    area = rng.choice(["rural", "urban"], n).astype(object)
    area[rng.random(n) < 0.01] = "town"
    area[rng.random(n) < 0.01] = ""
    income = rng.integers(0, 3_500_000, n).astype(str).astype(object)
    income[rng.random(n) < 0.01] = "-5"
    income[rng.random(n) < 0.005] = "12.5"
    data = {"household_id": [f"H{i}" for i in range(n)], "district": rng.choice(["D1", "D2", "Đông"], n),
            "area": area, "income_per_capita": income}
    for i in ids:
        flags = np.where(rng.random(n) < 0.25, "true", "false").astype(object)
        flags[rng.random(n) < 0.002] = "maybe"
        data[i] = flags
    return pd.DataFrame(data)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def std():
    return load_standard(year=2024)


@pytest.fixture(scope="module")
def frame(std):
    return population(std.indicator_ids)


def plain(df: pd.DataFrame) -> list[list[str]]:
    return df.astype(str).to_numpy().tolist()


def test_classify_equals_the_single_machine_path_row_for_row(client, std, frame):
    ddf = dd.from_pandas(frame, npartitions=7)
    batch = nkd.classify(ddf, std)
    classified, rejects = client.gather(client.compute([batch.classified, batch.rejects]))
    single = classify_frame(frame, std)
    assert len(single.rejects) > 100 and len(single.classified) > 2000  # both sides have rows to compare
    assert list(classified.columns) == list(single.classified.columns)
    assert plain(classified) == plain(single.classified)
    assert list(rejects.columns) == list(single.rejects.columns)
    assert plain(rejects) == plain(single.rejects)
    assert rejects["row"].tolist() == single.rejects["row"].tolist()
    assert (batch.method, batch.notes) == (single.method, single.notes)


def test_rates_are_reduced_exactly(client, std, frame):
    ddf = dd.from_pandas(frame, npartitions=5)
    batch = nkd.classify(ddf, std)
    got = nkd.rates_by(batch.classified, ["district"]).compute()
    want = rates_by(classify_frame(frame, std).classified, ["district"])
    assert [g.to_dict(["district"]) for g in got] == [g.to_dict(["district"]) for g in want]
    assert [g.group for g in got] == [("D1",), ("D2",), ("Đông",)]


def test_deprivation_rates_to_the_last_digit(client, std, frame):
    ddf = dd.from_pandas(frame, npartitions=4)
    for among in ("all", "poor"):
        got = nkd.count_deprivations(ddf, std, by=["district"], among=among).compute()
        want = count_deprivations(frame, std, by=["district"], among=among)
        assert got.to_dict() == want.to_dict()
        assert got.rejected == want.rejected > 0


def test_transitions_between_standards(client, frame):
    a, b = load_standard(year=2021), load_standard(year=2024)
    keep = ["household_id", "area", "income_per_capita"]
    data = frame[keep].assign(deprivation_count=[str(i % 13) for i in range(len(frame))])
    got = nkd.transitions(dd.from_pandas(data, npartitions=6), a, b).compute()
    want, _rejects = transitions(data, a, b)
    assert got.to_dict() == want.to_dict()
    assert got.moved() > 0 and got.rejected > 0


def test_workers_with_other_packs_are_refused(client, std):
    ref = nkd.StandardRef.of(std)
    other = nkd.StandardRef(ref.pack, ref.path, ref.at, ref.key.replace("@", "@0", 1))
    with pytest.raises(NormkitError) as e:
        nkd.verify_workers(other, client)
    assert e.value.code == "NK710"
    assert e.value.message.startswith(f"3 of 3 worker(s) do not have the client's packs ({other.key}): ")
    assert f"NK710 this worker's packs differ from the client's: {ref.key} here, {other.key} there" in e.value.message
    nkd.verify_workers(ref, client)  # the same packs: accepted


def test_a_missing_extra_is_a_coded_error(monkeypatch):
    def missing(name: str):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(nkd, "import_module", missing)
    with pytest.raises(NormkitError) as e:
        nkd.require("dask.dataframe")
    assert (e.value.code, e.value.message) == ("NK709", "the Dask engine needs the `dask` extra (dask.dataframe is not installed)")
    assert e.value.hint == nkd.PIP_HINT
    assert nkd.current_client() is None


def test_partitions_that_change_between_count_and_run_are_refused(client, std, frame):
    ddf = dd.from_pandas(frame.head(100), npartitions=2)
    batch = nkd.classify(ddf, std, rows=[40, 60])  # the real partitions hold 50 and 50
    with pytest.raises(NormkitError) as e:
        batch.rejects.compute()
    assert (e.value.code, e.value.message) == ("NK711", "partition 0 has 50 rows, 40 when counted")


def test_dataset_in_dataset_out(client, std, frame, tmp_path: Path):
    src = tmp_path / "households"
    for k, year in enumerate((2023, 2024)):
        part = src / f"year={year}"
        part.mkdir(parents=True)
        frame.iloc[k * 1500:(k + 1) * 1500].iloc[:700].to_parquet(part / "a.parquet", index=False)
        frame.iloc[k * 1500:(k + 1) * 1500].iloc[700:].to_parquet(part / "b.parquet", index=False)
    out = tmp_path / "out"
    s = nkd.classify_dataset(src, out, std, scheduler=client.scheduler.address)
    single = classify_frame(frame.assign(year=np.repeat([2023, 2024], 1500)), std)
    got = pd.read_parquet(out)
    assert plain(got.drop(columns=["year"])) == plain(single.classified.drop(columns=["year"]))
    rej = pd.read_parquet(tmp_path / "out.rejects")
    assert rej["row"].tolist() == single.rejects["row"].tolist()
    assert rej["reason"].tolist() == single.rejects["reason"].tolist()
    assert (s.rows_in, s.classified, s.rejected) == (3000, len(single.classified), len(single.rejects))
    assert s.counts == single.classified["status"].astype(str).value_counts().reindex(list(s.counts), fill_value=0).to_dict()
    with pytest.raises(NormkitError) as e:
        nkd.classify_dataset(src, out, std, scheduler=client.scheduler.address)
    assert (e.value.code, e.value.message) == ("NK711", f"{out} exists: --engine dask writes a new folder")


def test_a_worker_killed_mid_run_does_not_change_the_result(std, frame):
    def slowly(part: pd.DataFrame) -> pd.DataFrame:
        time.sleep(0.2)
        return part

    ddf = dd.from_pandas(frame, npartitions=10).map_partitions(slowly)
    single = classify_frame(frame, std)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        batch = nkd.classify(ddf, std, rows=[len(p) for p in np.array_split(np.arange(len(frame)), 10)])
        futures = c.compute([batch.classified, batch.rejects])
        victim = sorted(c.scheduler_info()["workers"])[0]
        time.sleep(0.5)  # 10 partitions of at least 0.2 s each on 2 workers: at least 1 s of work
        assert not all(f.done() for f in futures)  # the kill lands mid-run
        with contextlib.suppress(Exception):  # the worker's connection dies with it
            c.run(os._exit, 1, workers=[victim])
        classified, rejects = c.gather(futures)
        assert victim not in c.scheduler_info()["workers"]
    assert plain(classified) == plain(single.classified)
    assert plain(rejects) == plain(single.rejects)


@pytest.mark.parametrize(("extra", "message"), [
    (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler is an option of --engine dask"),
    (["--engine", "dask", "--in-place"], "--in-place cannot be used with --engine dask"),
    (["--engine", "dask", "--in-place", "--fail-on-duplicates"], "--in-place, --fail-on-duplicates cannot be used with --engine dask"),
])
def test_cli_options_that_belong_to_one_engine(tmp_path: Path, extra, message):
    from normkit.cli.main import COMMANDS, parser

    args = parser().parse_args(["classify", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "out"), "--year", "2024", *extra])
    with pytest.raises(NormkitError) as e:
        COMMANDS[args.command](args)
    assert (e.value.code, e.value.message) == ("NK711", message)


def typed_population(ids: tuple[str, ...], n: int, seed: int) -> pd.DataFrame:
    """Households as a Parquet file stores them: booleans, whole numbers, dictionary text; a few bad rows."""
    rng = np.random.default_rng(seed)
    income = rng.integers(0, 3_500_000, n)
    income[rng.random(n) < 0.03] = -7
    data = {"household_id": [f"T{seed}-{i}" for i in range(n)],
            "area": pd.Categorical(rng.choice(["rural", "urban", "town"], n, p=[0.6, 0.38, 0.02])),
            "income_per_capita": income}
    for i in ids:
        data[i] = rng.random(n) < 0.25
    return pd.DataFrame(data)


def test_one_file_in_small_batches_keeps_the_single_machine_rows_and_numbers(std, tmp_path: Path):
    frame = typed_population(std.indicator_ids, 500, 3)
    frame.to_parquet(tmp_path / "a.parquet", index=False)
    parts, schema = nkd.dataset_parts(tmp_path / "a.parquet")
    assert [(p.first_row, p.rows) for p in parts] == [(1, 500)]
    part = nkd.Part(parts[0].path, (), 1001, 500)  # as if 1000 rows came before this file
    counts, rejected = nkd.classify_part(part, tmp_path / "out.parquet", tmp_path / "rej.parquet", std, nkd.layout(schema, std), batch_rows=37)
    single = classify_frame(frame, std, first_row=1001)
    got, rej = pd.read_parquet(tmp_path / "out.parquet"), pd.read_parquet(tmp_path / "rej.parquet")
    assert rejected == len(single.rejects) == len(rej) > 10
    assert plain(got) == plain(single.classified)
    assert rej["row"].tolist() == single.rejects["row"].tolist()
    assert rej["row"].tolist()[0] > 1000
    assert rej["reason"].tolist() == single.rejects["reason"].tolist()
    assert rej["income_per_capita"].tolist() == single.rejects["income_per_capita"].astype(str).tolist()  # rejects as text
    assert counts == single.classified["status"].astype(str).value_counts().reindex(list(counts), fill_value=0).to_dict()


def test_a_file_whose_rows_differ_from_the_count_is_refused(std, tmp_path: Path):
    typed_population(std.indicator_ids, 50, 4).to_parquet(tmp_path / "a.parquet", index=False)
    parts, schema = nkd.dataset_parts(tmp_path)
    wrong = nkd.Part(parts[0].path, (), 1, 60)
    with pytest.raises(NormkitError) as e:
        nkd.classify_part(wrong, tmp_path / "out.parquet", tmp_path / "rej.parquet", std, nkd.layout(schema, std))
    assert (e.value.code, e.value.message) == ("NK711", f"{parts[0].path} has 50 rows, 60 when counted")


def test_typed_dataset_equals_the_single_machine_path(client, std, tmp_path: Path):
    src = tmp_path / "households"
    src.mkdir()
    frames = [typed_population(std.indicator_ids, n, seed) for n, seed in ((400, 5), (1, 6), (350, 7))]
    for k, f in enumerate(frames):
        f.to_parquet(src / f"part-{k}.parquet", index=False)
    s = nkd.classify_dataset(src, tmp_path / "out", std, scheduler=client.scheduler.address)
    whole = pd.concat(frames, ignore_index=True)
    single = classify_frame(whole.assign(area=whole["area"].astype(str)), std)
    got, rej = pd.read_parquet(tmp_path / "out"), pd.read_parquet(tmp_path / "out.rejects")
    assert plain(got) == plain(single.classified)
    assert rej["row"].tolist() == single.rejects["row"].tolist()
    assert rej["reason"].tolist() == single.rejects["reason"].tolist()
    assert (s.rows_in, s.classified, s.rejected) == (751, len(single.classified), len(single.rejects))
    assert s.notes == [nkd.NOT_CHECKED]
    assert s.duplicate_ids is None and s.to_dict()["duplicate_ids"] is None  # not looked for, not 0
    assert s.rejected > 20 and any(r > 401 for r in rej["row"].tolist())  # rejects of the last file are numbered after the first two


def test_cli_says_duplicates_were_not_looked_for(client, std, frame, tmp_path: Path, capsys):
    from normkit.cli.main import COMMANDS, parser

    src = tmp_path / "households"
    src.mkdir()
    frame.iloc[:500].to_parquet(src / "a.parquet", index=False)
    args = parser().parse_args(["classify", str(src), "--out", str(tmp_path / "out"), "--year", "2024", "--engine", "dask",
                                "--scheduler", client.scheduler.address])
    COMMANDS[args.command](args)
    out = " ".join(capsys.readouterr().out.split())
    assert "; duplicate household ids not looked for" in out and "duplicate household ids 0" not in out
    assert f"note: {nkd.NOT_CHECKED}" in out


def _allocator() -> tuple[str | None, str | None, str]:
    import pyarrow as pa

    return os.environ.get("ARROW_DEFAULT_MEMORY_POOL"), os.environ.get("MALLOC_TRIM_THRESHOLD_"), pa.default_memory_pool().backend_name


def test_the_local_cluster_workers_use_arrows_system_allocator_and_no_trim_threshold(monkeypatch):
    # a cluster of Dask's defaults started earlier in this process (the test above) leaves the
    # variable in the process's environment, and workers inherit it
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with nkd.local_cluster(1, memory_limit="512MiB") as cluster, distributed.Client(cluster) as c:
        assert list(c.run(_allocator).values()) == [("system", None, "system")]
        assert [w["memory_limit"] for w in c.scheduler_info()["workers"].values()] == [512 * 2**20]
