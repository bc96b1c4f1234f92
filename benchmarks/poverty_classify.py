"""Classifying households: normkit's rules against hand-written code, measured in one run.

Prints ratios (not a timed test):

1. 1,000,000 households as arrays: normkit evaluating the pack's ``status`` formula with the
   array compiler (``normkit.core.lang.vector``) against a hand-written NumPy implementation of
   the same rule (target: at most 1.5×), and against OpenFisca-core running the same rule as
   an OpenFisca model (an optional peer: skipped when openfisca-core is not installed;
   target: normkit faster);
2. memory for 10,000,000 households (peak of the evaluation, traced by tracemalloc);
3. one household at a time: normkit's folded classifier (``household_classifier``) against a
   hand-written Python function (target: at most 5×);
4. ``classify`` on files (``--files ROWS``): a generated CSV (household id, commune, district,
   area, income, deprivation count; 39 bytes a row) and the same as Parquet, classified by
   ``normkit.poverty.run.classify_file`` against the pyarrow floor — read the same file (CSV with
   every column as text) and write it back, batch by batch — in alternating rounds (target:
   at most 1.5×), with the CPU time of each (every thread) and of a hand-written pyarrow + NumPy
   classify of the same file (the floor plus the casts, the rule and the status column; no
   check), whose status counts must equal normkit's; and the peak resident memory of ``normkit classify`` in a child process for
   each file (flat: the same bound whatever the length). Several sizes may be given
   (``--files 1000000 10000000``). The ids are in ascending order, as a register is usually
   exported (``--ids shuffled``: in random order, so the duplicate-id check screens every id).

Every timing is the best of several runs, and all are taken in the same process, so the
ratios are comparable even on a busy machine.

    python benchmarks/poverty_classify.py [--rows 1000000] [--memory-rows 10000000] [--files 1000000 [10000000 …]] [--rounds 3] [--only-files] [--ids sorted|shuffled]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from normkit.core.lang.vector import Text, evaluate_columns
from normkit.poverty.household import household_classifier
from normkit.poverty.standards import load_standard

RURAL = {"line": 1_500_000, "middle": 2_250_000}  # NĐ 07/2021 Art. 3, for the hand-written peers only
URBAN = {"line": 2_000_000, "middle": 3_000_000}
POOR_MIN_DEPRIVATIONS = 3


def best(fn: Callable[[], Any], repeat: int = 5) -> float:
    t = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - start)
    return t


def population(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"urban": rng.random(n) < 0.35, "income": rng.integers(0, 4_000_000, n, dtype=np.int64),
            "deprivations": rng.integers(0, 13, n, dtype=np.int64)}


# ---- the peers ------------------------------------------------------------------------------

def numpy_by_hand(urban: np.ndarray, income: np.ndarray, deprivations: np.ndarray) -> np.ndarray:
    """The 2022–2026 rule written directly in NumPy: 0 poor, 1 near-poor, 2 middle, 3 none (int8 codes)."""
    codes = urban.view(np.int8)
    line = np.array([RURAL["line"], URBAN["line"]], dtype=np.int64)[codes]
    middle = np.array([RURAL["middle"], URBAN["middle"]], dtype=np.int64)[codes]
    poor_or_near = np.where(deprivations >= POOR_MIN_DEPRIVATIONS, np.int8(0), np.int8(1))
    return np.where(income <= line, poor_or_near, np.where(income <= middle, np.int8(2), np.int8(3)))


def python_by_hand(h: dict[str, Any]) -> str:
    lines = URBAN if h["area"] == "urban" else RURAL
    income = h["income_per_capita"]
    if income <= lines["line"]:
        return "poor" if h["deprivation_count"] >= POOR_MIN_DEPRIVATIONS else "near_poor"
    return "middle" if income <= lines["middle"] else "none"


def openfisca_model() -> Any:
    """The same rule as an OpenFisca model (entities, enum variables, dated parameters, formulas)."""
    from openfisca_core.entities import build_entity
    from openfisca_core.indexed_enums import Enum
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.periods import YEAR
    from openfisca_core.simulations import SimulationBuilder
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    household = build_entity(key="household", plural="households", label="household", is_person=True)

    class Area(Enum):
        rural = "rural"
        urban = "urban"

    class Status(Enum):
        poor = "poor"
        near_poor = "near_poor"
        middle = "middle"
        none = "none"

    class area(Variable):
        value_type, possible_values, default_value = Enum, Area, Area.rural
        entity, definition_period, label = household, YEAR, "area"

    class income_per_capita(Variable):
        value_type, entity, definition_period, label = int, household, YEAR, "income per person per month"

    class deprivation_count(Variable):
        value_type, entity, definition_period, label = int, household, YEAR, "deprived indicators"

    class poverty_line(Variable):
        value_type, entity, definition_period, label = int, household, YEAR, "poverty line"

        def formula(h, period, parameters):
            p = parameters(period).poverty.line
            return np.where(h("area", period) == Area.urban, p.urban, p.rural)

    class middle_upper_line(Variable):
        value_type, entity, definition_period, label = int, household, YEAR, "middle upper line"

        def formula(h, period, parameters):
            p = parameters(period).poverty.middle_upper
            return np.where(h("area", period) == Area.urban, p.urban, p.rural)

    class status(Variable):
        value_type, possible_values, default_value = Enum, Status, Status.none
        entity, definition_period, label = household, YEAR, "status"

        def formula(h, period, parameters):
            income = h("income_per_capita", period)
            within = income <= h("poverty_line", period)
            poor = h("deprivation_count", period) >= parameters(period).poverty.poor_min_deprivations
            return np.select([within & poor, within, income <= h("middle_upper_line", period)],
                             [Status.poor, Status.near_poor, Status.middle], Status.none)

    tbs = TaxBenefitSystem([household])
    for v in (area, income_per_capita, deprivation_count, poverty_line, middle_upper_line, status):
        tbs.add_variable(v)
    tbs.parameters = ParameterNode("", data={"poverty": {
        "line": {"rural": {"values": {"2022-01-01": RURAL["line"]}}, "urban": {"values": {"2022-01-01": URBAN["line"]}}},
        "middle_upper": {"rural": {"values": {"2022-01-01": RURAL["middle"]}}, "urban": {"values": {"2022-01-01": URBAN["middle"]}}},
        "poor_min_deprivations": {"values": {"2022-01-01": POOR_MIN_DEPRIVATIONS}}}})

    def run(area_enum: Any, income: np.ndarray, deprivations: np.ndarray) -> Any:
        sb = SimulationBuilder()
        sb.create_entities(tbs)
        sb.declare_person_entity("household", np.arange(len(income)))
        sim = sb.build(tbs)
        sim.set_input("area", "2024", area_enum)
        sim.set_input("income_per_capita", "2024", income)
        sim.set_input("deprivation_count", "2024", deprivations)
        return sim.calculate("status", "2024")

    return run, Area


# ---- the measurements ---------------------------------------------------------------------------

def arrays(n: int) -> None:
    std = load_standard(year=2024)
    pop = population(n)
    area = Text(pop["urban"].astype(np.int8), ("rural", "urban"))
    cols = {"area": area, "income_per_capita": pop["income"], "deprivation_count": pop["deprivations"]}

    def normkit() -> Any:
        return evaluate_columns(std.rules, "status", std.at, cols, n)[0]

    result = normkit()
    hand = numpy_by_hand(pop["urban"], pop["income"], pop["deprivations"])
    order = {s: i for i, s in enumerate(("poor", "near_poor", "middle", "none"))}
    remap = np.array([order[c] for c in result.categories], dtype=np.int8)
    assert np.array_equal(remap[result.codes], hand), "normkit and the hand-written NumPy rule disagree"
    t_normkit = best(normkit)
    t_numpy = best(lambda: numpy_by_hand(pop["urban"], pop["income"], pop["deprivations"]))
    print(f"{n:,} households, status by the 2022–2026 rule (best of 5)")
    print(f"  hand-written NumPy      {t_numpy * 1e3:8.1f} ms")
    print(f"  normkit (pack, arrays)  {t_normkit * 1e3:8.1f} ms   ratio normkit / NumPy = {t_normkit / t_numpy:.2f}×   (target ≤ 1.5×)")
    try:
        run, area_enum_type = openfisca_model()
    except ImportError:
        print("  OpenFisca-core          skipped: openfisca-core is not installed (pip install openfisca-core)")
        return
    area_enum = area_enum_type.encode(np.where(pop["urban"], "urban", "rural"))
    of = run(area_enum, pop["income"], pop["deprivations"])
    assert np.array_equal(np.asarray(of), hand), "OpenFisca and the hand-written NumPy rule disagree"
    t_of = best(lambda: run(area_enum, pop["income"], pop["deprivations"]), repeat=3)
    print(f"  OpenFisca-core          {t_of * 1e3:8.1f} ms   ratio OpenFisca / NumPy = {t_of / t_numpy:.2f}×;"
          f" normkit is {t_of / t_normkit:.2f}× faster than OpenFisca (target > 1×)")


def memory(n: int) -> None:
    std = load_standard(year=2024)
    pop = population(n, seed=11)
    area = Text(pop["urban"].astype(np.int8), ("rural", "urban"))
    deprivations = pop["deprivations"].astype(np.int8)
    inputs = area.codes.nbytes + pop["income"].nbytes + deprivations.nbytes
    cols = {"area": area, "income_per_capita": pop["income"], "deprivation_count": deprivations}
    tracemalloc.start()
    start = time.perf_counter()
    value, _ = evaluate_columns(std.rules, "status", std.at, cols, n)
    took = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{n:,} households: inputs {inputs / 2**20:.0f} MiB (income int64, area and deprivations int8); "
          f"evaluation peak {peak / 2**20:.0f} MiB above the inputs ({peak / n:.1f} bytes per household); "
          f"result {value.codes.nbytes / 2**20:.0f} MiB of int8 codes; {took:.2f} s")


def single(count: int = 50_000) -> None:
    std = load_standard(year=2024)
    classify = household_classifier(std)
    pop = population(count, seed=3)
    households = [{"area": "urban" if u else "rural", "income_per_capita": int(i), "deprivation_count": int(d)}
                  for u, i, d in zip(pop["urban"].tolist(), pop["income"].tolist(), pop["deprivations"].tolist(), strict=True)]
    assert [classify(h) for h in households] == [python_by_hand(h) for h in households]

    def loop(fn: Callable[[dict[str, Any]], str]) -> Callable[[], None]:
        def run() -> None:
            for h in households:
                fn(h)
        return run

    t_normkit = best(loop(classify)) / count
    t_hand = best(loop(python_by_hand)) / count
    print(f"one household at a time ({count:,} households, best of 5)")
    print(f"  hand-written Python     {t_hand * 1e6:8.2f} µs")
    print(f"  normkit (folded rules)  {t_normkit * 1e6:8.2f} µs   ratio normkit / Python = {t_normkit / t_hand:.2f}×   (target ≤ 5×)")


def write_households(folder: Path, n: int, ids: str = "sorted") -> tuple[Path, Path]:
    """A CSV (every value as text) and a Parquet file (numbers as int64) of ``n`` households, their
    ids ``H000000000`` … in ascending order (``sorted``, as a register is usually exported) or in a
    random order (``shuffled``: the duplicate-id check then screens every id)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    csv_path, pq_path = folder / f"h{n}.csv", folder / f"h{n}.parquet"
    rng = np.random.default_rng(5)
    order = np.random.default_rng(11).permutation(n) if ids == "shuffled" else np.arange(n)
    writer = None
    with open(csv_path, "wb") as sink:
        for start in range(0, n, 1_000_000):
            m = min(1_000_000, n - start)
            income = rng.integers(0, 4_000_000, m)
            count = rng.integers(0, 13, m)
            common = {"household_id": pa.array([f"H{i:09d}" for i in order[start:start + m].tolist()]),
                      "commune": pa.array(rng.choice(["Xã Đông", "Xã Tây", "Phường 1", "Phường 2"], m)),
                      "district": pa.array(rng.choice(["A", "B", "C"], m)),
                      "area": pa.array(np.where(rng.random(m) < 0.35, "urban", "rural"))}
            text = pa.table({**common, "income_per_capita": pa.array(income.astype(str)), "deprivation_count": pa.array(count.astype(str))})
            pcsv.write_csv(text, sink, pcsv.WriteOptions(include_header=start == 0, quoting_style="none"))
            typed = pa.table({**common, "income_per_capita": pa.array(income), "deprivation_count": pa.array(count)})
            if writer is None:
                writer = pq.ParquetWriter(pq_path, typed.schema)
            writer.write_table(typed)
    assert writer is not None
    writer.close()
    return csv_path, pq_path


def floor_csv(src: Path, out: Path) -> None:
    """The pyarrow floor: stream the CSV with every column as text, write it back batch by batch."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = pcsv.open_csv(src).schema.names
    reader = pcsv.open_csv(src, convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names}))
    with open(out, "wb") as sink:
        for batch in reader:
            pcsv.write_csv(batch, sink, pcsv.WriteOptions(quoting_style="none"))


def floor_parquet(src: Path, out: Path) -> None:
    import pyarrow.parquet as pq

    writer = None
    for batch in pq.ParquetFile(src).iter_batches():
        if writer is None:
            writer = pq.ParquetWriter(out, batch.schema)
        writer.write_batch(batch)
    assert writer is not None
    writer.close()


STATUS_WORDS = ("poor", "near_poor", "middle", "none")  # numpy_by_hand's codes 0–3


def hand_csv(src: Path, out: Path) -> dict[str, int]:
    """A hand-written classify: the floor's read and write, with each batch's income and count
    cast to int64 by Arrow, the rule in NumPy (:func:`numpy_by_hand`) and the status words
    appended. No check of any value, no duplicate ids, no trace: the least a classify must do.
    Returns the status counts (compared with normkit's)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    names = pcsv.open_csv(src).schema.names
    reader = pcsv.open_csv(src, convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names}))
    words, counts = pa.array(STATUS_WORDS), np.zeros(len(STATUS_WORDS), dtype=np.int64)
    with open(out, "wb") as sink:
        for batch in reader:
            codes = numpy_by_hand(pc.equal(batch.column("area"), "urban").to_numpy(zero_copy_only=False),
                                  pc.cast(batch.column("income_per_capita"), pa.int64()).to_numpy(),
                                  pc.cast(batch.column("deprivation_count"), pa.int64()).to_numpy())
            counts += np.bincount(codes, minlength=len(STATUS_WORDS))
            pcsv.write_csv(batch.append_column("status", words.take(pa.array(codes))), sink, pcsv.WriteOptions(quoting_style="none"))
    return dict(zip(STATUS_WORDS, counts.tolist(), strict=True))


def hand_parquet(src: Path, out: Path) -> dict[str, int]:
    """:func:`hand_csv` for Parquet (income and count stored as int64: no cast)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    words, counts = pa.array(STATUS_WORDS), np.zeros(len(STATUS_WORDS), dtype=np.int64)
    writer = None
    for batch in pq.ParquetFile(src).iter_batches():
        codes = numpy_by_hand(pc.equal(batch.column("area"), "urban").to_numpy(zero_copy_only=False),
                              batch.column("income_per_capita").to_numpy(), batch.column("deprivation_count").to_numpy())
        counts += np.bincount(codes, minlength=len(STATUS_WORDS))
        result = batch.append_column("status", words.take(pa.array(codes)))
        if writer is None:
            writer = pq.ParquetWriter(out, result.schema)
        writer.write_batch(result)
    assert writer is not None
    writer.close()
    return dict(zip(STATUS_WORDS, counts.tolist(), strict=True))


def peak_rss_mib(src: Path, out: Path) -> float:
    """Peak resident memory of ``normkit classify`` in a fresh process (MiB): the kernel's high-water
    mark of the process's resident set (``VmHWM``; ``ru_maxrss`` may count the parent's pages too)."""
    import subprocess

    code = ("import sys; from normkit.cli.main import main; "
            f"rc = main(['classify', {str(src)!r}, '--out', {str(out)!r}, '--year', '2024', '--json']); "
            "print(next(ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM:')), file=sys.stderr)")
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**__import__("os").environ, "PYTHONPATH": str(root)})
    return int(r.stderr.strip().splitlines()[-1]) / 1024


def files(sizes: list[int], rounds: int = 3, ids: str = "sorted") -> None:
    import os
    import tempfile

    from normkit.poverty.run import classify_file

    std = load_standard(year=2024)
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            csv_path, pq_path = write_households(folder, n, ids)
            print(f"classify files: {n:,} households, ids {ids}, CSV {csv_path.stat().st_size / 2**20:.0f} MiB, Parquet "
                  f"{pq_path.stat().st_size / 2**20:.0f} MiB (load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
                  f"best of {rounds}, alternating)")
            for label, src, floor, hand in (("CSV", csv_path, floor_csv, hand_csv), ("Parquet", pq_path, floor_parquet, hand_parquet)):
                out, floor_out, hand_out = folder / f"out{src.suffix}", folder / f"floor{src.suffix}", folder / f"hand{src.suffix}"
                got: dict[str, Any] = {}
                (t_floor, c_floor), (t_hand, c_hand), (t_normkit, c_normkit) = alternating_best(
                    [lambda s=src, f=floor, o=floor_out: f(s, o),
                     lambda s=src, h=hand, o=hand_out, g=got: g.__setitem__("hand", h(s, o)),
                     lambda s=src, o=out, g=got: g.__setitem__("normkit", classify_file(s, o, std).counts)], rounds)
                assert got["hand"] == got["normkit"], (got["hand"], got["normkit"])  # the same classification
                rss = peak_rss_mib(src, folder / f"m{src.suffix}")
                print(f"  {label:8} pyarrow read + write {t_floor:6.2f} s   normkit classify {t_normkit:6.2f} s   "
                      f"ratio = {t_normkit / t_floor:.2f}×   (target ≤ 1.5×)   peak RSS of `normkit classify` {rss:.0f} MiB")
                print(f"  {'':8} CPU time, every thread: floor {c_floor:.2f} s, a hand-written pyarrow + NumPy classify "
                      f"{c_hand:.2f} s ({c_hand / c_floor:.2f}× the floor, {t_hand:.2f} s wall), normkit {c_normkit:.2f} s "
                      f"({c_normkit / c_floor:.2f}× the floor, {c_normkit / c_hand:.2f}× the hand-written classify)")
            print(f"  (load average after: {os.getloadavg()[0]:.2f})")


def alternating_best(fns: list[Callable[[], Any]], rounds: int) -> list[tuple[float, float]]:
    """Each function's best wall time and best CPU time (the process's, every thread counted),
    the functions run in turn ``rounds`` times."""
    out = [(float("inf"), float("inf"))] * len(fns)
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            out[k] = (min(out[k][0], wall), min(out[k][1], cpu))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--memory-rows", type=int, default=10_000_000)
    ap.add_argument("--files", type=int, nargs="+", default=[1_000_000],
                    help="rows of the generated household files, one or more sizes (0: skip)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of the files measurement (best of)")
    ap.add_argument("--only-files", action="store_true", help="measure classify on files only")
    ap.add_argument("--ids", choices=["sorted", "shuffled"], default="sorted",
                    help="household ids of the generated files in ascending order (a register's) or shuffled")
    args = ap.parse_args()
    print(f"normkit poverty classification benchmark — {dt.date.today()}, numpy {np.__version__}")
    if not args.only_files:
        arrays(args.rows)
        memory(args.memory_rows)
        single()
    sizes = [n for n in args.files if n > 0]
    if sizes:
        files(sizes, args.rounds, args.ids)


if __name__ == "__main__":
    main()
