"""Benchmark: import a generated 5,000-row norm table; compare with plain CSV parsing of it.

Run: python benchmarks/import_norms.py [ROWS]

The table is generated (250 made-up norms of 20 lines each, in a throw-away pack); no figure
in it is real. Three timings of the same file, in the same run:

* baseline: ``csv.reader`` over the file (the least any import must do);
* convert: read + check every row + build the norms YAML (no pack build);
* full: ``import_norms`` as the CLI runs it, including the atomic write and the pack build
  and ceiling check of the written pack.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent.parent / "tests")]

from normkit_testpaths import province_manifest

from normkit.media.importing import Converter, import_norms, norms_yaml, pack_context
from normkit.media.normtable import read_table

MANIFEST = province_manifest("bench-province", "Benchmark province", "Tỉnh thử (benchmark)")
LABOUR = [("Phóng viên hạng III", "3/9"), ("Biên tập viên hạng III", "4/9"), ("Quay phim hạng III", "5/9"),
          ("Kỹ sư", "3/9"), ("Phát thanh viên hạng III", "3/10"), ("Biên dịch viên hạng III", "6/9")]
EQUIPMENT = ["Máy quay", "Máy vi tính", "Hệ thống dựng phi tuyến", "Hệ thống trường quay", "Máy in"]
MATERIAL = [("Giấy in", "ram"), ("Mực in", "hộp")]


def generate(path: Path, rows: int) -> None:
    per_norm = 20
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Mã hiệu", "Tên", "Thành phần", "Chức danh", "Bậc", "Đơn vị", "Định mức"])
        for i in range(rows):
            n, k = divmod(i, per_norm)
            code = f"09.{n // 100 % 100:02d}.{n % 100:02d}.00.00"  # made-up codes, one per 20 rows
            name = f"Sản phẩm thử {n}"
            if k < 6:
                title, step = LABOUR[k]
                w.writerow([code, name, "nhân công", title, step, "công", f"0,{k + 1:02d}"])
            elif k < 16:
                w.writerow([code, name, "máy", f"{EQUIPMENT[k % 5]} {k}", "", "giờ", f"{k},5"])
            else:
                title, unit = MATERIAL[k % 2]
                w.writerow([code, name, "vật liệu", f"{title} {k}", "", unit, "0,02"])


def best(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("NORMKIT_CACHE_DIR", str(Path(tmp) / "cache"))
        table = Path(tmp) / "norms.csv"
        generate(table, rows)
        pack = Path(tmp) / "pack"
        pack.mkdir()
        (pack / "pack.yaml").write_text(MANIFEST, encoding="utf-8")
        ctx = pack_context(pack, pack / "norms.yaml")  # builds and caches the pack set once

        def baseline() -> None:
            with open(table, encoding="utf-8", newline="") as f:
                for _ in csv.reader(io.StringIO(f.read())):
                    pass

        def convert() -> None:
            conv = Converter(read_table(table), ctx, None)
            conv.run()
            good, rejects = conv.outcome()
            assert not rejects, rejects[:3]
            norms_yaml(good, table.name)

        def full() -> None:
            report = import_norms(table, pack)
            assert report.written and report.imported == rows, report.rejects[:3]

        b, c, f = best(baseline), best(convert), best(full, 1)
        print(f"rows: {rows}")
        print(f"baseline csv.reader:           {b * 1000:8.1f} ms  {rows / b:12,.0f} rows/s")
        print(f"import (read+check+YAML):      {c * 1000:8.1f} ms  {rows / c:12,.0f} rows/s  ({c / b:.0f}x baseline)")
        print(f"import-norms incl. pack build: {f * 1000:8.1f} ms  {rows / f:12,.0f} rows/s")


if __name__ == "__main__":
    main()
