"""``normkit check`` at size: time per line and peak memory of the CLI on generated CSV budgets.

Each size runs the command line in a child process (``python -m normkit check BUDGET.csv``),
once with ``--format csv --out`` (every line and finding written as it comes) and once with
the table view (the summary of counts and the largest excesses). The budget is generated
(not committed): the five products of ``examples/budgets/clean-2024.csv`` in turn with varied
quantities and claims, every 97th line claiming 1,000,000 đồng more than unit price × quantity
(BK102, and BK101 above the ceiling) and every 101st a repeat of the line before it (BK301). Printed per size: seconds, microseconds per line and
peak RSS (``wait4``), then the ratios that say "linear time, flat memory":
``time(10n)/time(n)/10`` and ``RSS(10n)/RSS(n)``, and what each further line costs (the
start-up — interpreter, pack, first ceilings — is the same at every size, so the first ratio
is below 1 when the work per line is constant).

    python benchmarks/budget_stream.py [SIZES …] [--before DIR]     # default 10000 100000

``--before DIR`` runs the same commands, in the same run and interleaved, on another normkit
checkout (e.g. ``git archive 5002055 | tar -x -C DIR``: the check before streaming).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "examples" / "packs" / "example-province"

# product, unit, duration, unit price, options (genre, coefficient, edited share)
ROWS = [("01.03.01.50.10", "item", "", 1778000, ("", "", "")),
        ("EX-TV-PS15", "", "", 11818527, ("phong_su", "25", "")),
        ("EX-RD-PS10", "", "9.8 minute", 6500000, ("phong_su", "20", "")),
        ("EX-ON-BV", "", "", 650000, ("", "", "")),
        ("13.20.20.00.00-edited", "", "", 92000, ("", "", "15%"))]
HEADER = ("STT,Mã định mức / product,Nội dung / description,Số lượng / quantity,ĐVT / unit,Thời lượng thực tế / duration,"
          "Đơn giá / unit price,Thành tiền / amount,Thể loại nhuận bút / royalty genre,Hệ số nhuận bút / royalty coefficient,"
          "Tỷ lệ biên tập / edited share")


def write_budget(path: Path, n: int) -> None:
    """A CSV budget of ``n`` lines (see the module's docstring)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(f"Mã dự toán / id,BENCH-{n}\nNgày / date,15/09/2024\nBộ quy tắc / pack,{PACK}\n{HEADER}\n")
        prev = ""
        for i in range(1, n + 1):
            if i % 101 == 0 and prev:
                fh.write(f"{i}," + prev.split(",", 1)[1])
                continue
            product, unit, duration, price, (genre, coef, share) = ROWS[i % len(ROWS)]
            qty = 1 + i % 7
            amount = price * qty + (1_000_000 if i % 97 == 0 else 0)
            prev = f"{i},{product},line {i},{qty},{unit},{duration},{price},{amount},{genre},{coef},{share}\n"
            fh.write(prev)


def run(args: list[str], root: Path = ROOT) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit code) of ``python -m normkit ARGS`` (from ``root``) in a child process."""
    env = dict(os.environ, PYTHONPATH=str(root))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "normkit", *args], env=env, cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"normkit {' '.join(args)} failed ({proc.returncode}): {err}")
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    argv = sys.argv[1:]
    roots = {"": ROOT}
    if "--before" in argv:
        i = argv.index("--before")
        roots = {"before ": Path(argv[i + 1]).resolve(), "": ROOT}
        del argv[i:i + 2]
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    results: dict[str, list[tuple[int, float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            budget = Path(tmp) / f"budget-{n}.csv"
            write_budget(budget, n)
            for mode, extra in (("csv --out", ["--format", "csv", "--out", str(Path(tmp) / "report.csv")]), ("table", [])):
                for label, root in roots.items():
                    t, rss, code = run(["check", str(budget), *extra], root)
                    results.setdefault(label + mode, []).append((n, t, rss))
                    print(f"{label + mode:16} {n:>9,} lines: {t:7.2f} s  {t / n * 1e6:7.1f} µs/line  peak RSS {rss:7.1f} MiB  (exit {code})")
    for mode, rows in results.items():
        for (n0, t0, r0), (n1, t1, r1) in itertools.pairwise(rows):
            print(f"{mode:16} {n0:,} → {n1:,}: time ratio per line {(t1 / n1) / (t0 / n0):.2f} "
                  f"(time({n1:,})/time({n0:,})/{n1 / n0:g}), RSS ratio {r1 / r0:.2f}; "
                  f"the {n1 - n0:,} more lines: {(t1 - t0) / (n1 - n0) * 1e6:.1f} µs and {(r1 - r0) * 2**20 / (n1 - n0):.0f} bytes each")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
