"""Allocation at scale, in one run: baseline, interpreter, compiled path, DuckDB, and the CLI.

    python benchmarks/scale.py [--sizes 100000 1000000] [--cli 20000 200000] [--audit 1000000]

Records are seeded synthetic assessments (`synthetic.py`). Reported, in records per second:

- baseline: `evaluate.naive_allocate`, a plain-Python loop over the grids per record (fits and
  the best fitting cluster, no group, no trace), timed on a sample;
- interpreter: `allocation.allocate` per record (no JSON), timed on a sample;
- compiled: `compiled.evaluate` over the whole batch in chunks, at each size (one process; the
  NumPy operations used run on one core);
- DuckDB: the generated SQL from a table already loaded in DuckDB into a result table, at each
  size, on one thread and on DuckDB's default (every core; the count is printed), as a multiple
  of the compiled path's time (one core). The table holds the ratings as small integers (as
  Parquet would) or as text (as a CSV is read). Beside it: the same query with every output
  column computed but not stored (a count of each: the compiled path stores no text either),
  and that without planning the query (parse, bind, optimise; DuckDB's ``EXPLAIN``), a fixed
  cost per run timed on its own. On one thread the same ratios are also given in CPU time (this
  process's, ``time.process_time``, against the compiled path's), which other load on a shared
  machine moves less than wall time;
- CLI: `mhct allocate --format csv` end to end (start, read, allocate, write) on CSV files, and
  `mhct audit` on the largest, with the child process's peak memory (max RSS) and its records
  per CPU-second (user + system time: the figure least moved by other load).

Ratios are against the baseline measured in the same run: on a shared, noisy machine they hold
better than the absolute figures. Per-record rates from a sample are rates, not extrapolations of
a run that was not made: the sample size is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402
from evaluate import naive_allocate, plain_grids  # noqa: E402
from mhct_dsl.allocation import allocate  # noqa: E402
from mhct_dsl.compiled import compile_ruleset, evaluate  # noqa: E402
from mhct_dsl.compiled.tables import UNKNOWN_9, UNRATED  # noqa: E402
from mhct_dsl.loader import load_ruleset  # noqa: E402

CHUNK = 32768


def _codes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    data = synthetic.columns(n, seed)
    ratings = data["ratings"]
    codes = np.where(ratings == 9, UNKNOWN_9, np.where(ratings == -1, UNRATED, ratings))
    return codes.astype(np.uint8), data["recorded"]


def _dicts(n: int, seed: int) -> list[dict[str, int]]:
    ratings = synthetic.columns(n, seed)["ratings"]
    return [{s: int(v) for s, v in zip(synthetic.SCALES, row) if v != -1}
            for row in ratings.tolist()]


def _best(action, repeat: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeat):
        start = clock()
        action()
        times.append(clock() - start)
    return min(times)


def _compiled_rate(compiled, codes, recorded, repeat) -> tuple[float, float]:
    """Records per second of wall time and per CPU-second."""
    group = np.full(len(codes), -1, dtype=np.int16)
    source = np.full(len(codes), -1, dtype=np.int8)

    def run():
        for start in range(0, len(codes), CHUNK):
            stop = start + CHUNK
            evaluate(compiled, codes[start:stop], group[start:stop], source[start:stop],
                     recorded[start:stop])
    return (len(codes) / _best(run, repeat),
            len(codes) / _best(run, repeat, time.process_time))


def _duckdb_connection(compiled, path: Path, threads: int | None, typed: bool):
    """(connection, threads used, query) with the CSV loaded as table ``ratings``: the ratings and
    recorded cluster as small integers (``typed``, as Parquet would give them) or as text (as
    ``mhct audit --engine duckdb`` reads a CSV). ``threads`` None: DuckDB's default."""
    import duckdb

    from mhct_dsl.sql import allocation_sql

    connection = duckdb.connect()
    if threads is not None:
        connection.execute(f"SET threads = {threads}")
    used = int(connection.execute("SELECT current_setting('threads')").fetchone()[0])
    integers = (*compiled.scales, "recorded_cluster") if typed else ()
    types = ", ".join(f"'{name}': 'UTINYINT'" for name in integers)
    reader = (f"read_csv('{path}', header = true, types = {{{types}}})" if typed
              else f"read_csv('{path}', header = true, all_varchar = true)")
    connection.execute(f"CREATE TABLE ratings AS SELECT * FROM {reader}")
    return connection, used, allocation_sql(compiled, "duckdb", "ratings",
                                            integer_columns=integers)


def _duckdb_times(compiled, path: Path, repeat: int, threads: int | None,
                  typed: bool) -> tuple[float, float, float, int, float, float] | None:
    """Seconds for the query from the loaded table into a result table, for the query with every
    output column computed but not stored (a count of each), and for planning it (parse, bind,
    optimise: ``EXPLAIN``); the threads used; and CPU seconds into a table and not stored."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return None
    connection, used, query = _duckdb_connection(compiled, path, threads, typed)
    names = [row[0] for row in connection.execute("DESCRIBE " + query).fetchall()]
    counted = ("SELECT " + ", ".join(f'count("{name}")' for name in names)
               + f" FROM ({query})")
    planning = _best(lambda: connection.execute("EXPLAIN " + query).fetchall(), repeat)
    stored = _best(lambda: connection.execute("CREATE OR REPLACE TABLE result AS " + query),
                   repeat)
    computed = _best(lambda: connection.execute(counted).fetchall(), repeat)
    cpu_stored = _best(lambda: connection.execute("CREATE OR REPLACE TABLE result AS " + query),
                       repeat, time.process_time)
    cpu_computed = _best(lambda: connection.execute(counted).fetchall(), repeat,
                         time.process_time)
    return stored, computed, planning, used, cpu_stored, cpu_computed


def _ratio(fast: float, slow: float) -> str:
    return f"{fast / slow:.1f}×"


def _write(folder: str, n: int, seed: int) -> Path:
    path = Path(folder) / f"in-{n}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        synthetic.write(handle, n, seed, "csv")
    return path


# Runs the command and prints its wall time, peak RSS and exit code. A small launcher process
# starts it, so the peak is the command's own: a child forked straight from this (large) process
# would report this process's peak as well.
_LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
      os.waitstatus_to_exitcode(status))
"""


def _cli(args: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MiB) of one ``mhct`` run in a child process."""
    result = subprocess.run([sys.executable, "-c", _LAUNCHER, sys.executable, "-m",
                             "mhct_dsl.cli", *args], capture_output=True, text=True,
                            cwd=HERE.parent, check=True)
    wall, cpu, peak, code = result.stdout.split()
    if int(code) not in (0, 1):  # 1: some records failed; anything else: the run did not happen
        raise SystemExit(f"mhct {' '.join(args)} exited with {code}: no figure")
    return float(wall), float(cpu), float(peak)


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    options.add_argument("--cli", type=int, nargs="+", default=[20_000, 200_000])
    options.add_argument("--audit", type=int, default=1_000_000)
    options.add_argument("--sample", type=int, default=5_000,
                         help="records for the per-record baseline and interpreter")
    options.add_argument("--seed", type=int, default=2013)
    options.add_argument("--repeat", type=int, default=3)
    args = options.parse_args()

    ruleset = load_ruleset()
    compiled = compile_ruleset(ruleset)
    grids = plain_grids(ruleset)
    sample = _dicts(args.sample, args.seed)
    baseline = args.sample / _best(lambda: [naive_allocate(grids, r) for r in sample], 1)
    interpreter = args.sample / _best(lambda: [allocate(ruleset, r) for r in sample], 1)

    print(f"rules: {ruleset.name} {ruleset.version} {ruleset.fingerprint[:19]}...; "
          f"{os.cpu_count()} CPUs (shared: absolute figures are depressed by other load)")
    print(f"{'path':<38}{'records':>10}{'records/s':>14}{'× baseline':>12}")

    def line(name, n, rate, note=""):
        ratio = f"{rate / baseline:>11.1f}×" if rate else ""
        shown = f"{rate:>14,.0f}" if rate else f"{'n/a':>14}"
        print(f"{name:<38}{n:>10,}{shown}{ratio} {note}")

    line("baseline (plain Python, per record)", args.sample, baseline, "(sample)")
    line("interpreter (allocate, per record)", args.sample, interpreter, "(sample)")
    with tempfile.TemporaryDirectory() as folder:
        files = {n: _write(folder, n, args.seed)
                 for n in sorted(set(args.sizes + args.cli + [args.audit]))}
        for n in args.sizes:
            codes, recorded = _codes(n, args.seed)
            compiled_rate, compiled_cpu = _compiled_rate(compiled, codes, recorded, args.repeat)
            line("compiled (NumPy, 1 core)", n, compiled_rate,
                 f"{compiled_cpu:,.0f} per CPU-second")
            for typed, threads in ((True, 1), (True, None), (False, 1), (False, None)):
                measured = _duckdb_times(compiled, files[n], args.repeat, threads, typed)
                if measured is None:
                    line("DuckDB SQL (not installed)", n, 0.0)
                    continue
                stored, computed, planning, used, cpu_stored, cpu_computed = measured
                slower = lambda seconds: _ratio(compiled_rate, n / seconds)  # noqa: E731
                cpu = (f"; CPU time {_ratio(compiled_cpu, n / cpu_stored)}, not stored "
                       f"{_ratio(compiled_cpu, n / cpu_computed)}" if used == 1 else "")
                line(f"DuckDB, {'integer' if typed else 'text'} table, {used} thread"
                     f"{'s' * (used > 1)}", n, n / stored,
                     f"{slower(stored)} compiled's time; not stored {slower(computed)}, "
                     f"and without planning ({planning:.2f} s) {slower(computed - planning)}"
                     + cpu)
        _cli(["check"])  # the checked-rules cache, as every run but the first after an install
        for n in args.cli:
            wall, cpu, peak = _cli(["allocate", "--format", "csv", str(files[n])])
            line("CLI allocate --format csv", n, n / wall,
                 f"peak {peak:,.0f} MiB; {n / cpu:,.0f} per CPU-second")
        wall, cpu, peak = _cli(["audit", "--format", "csv", str(files[args.audit])])
        line("CLI audit --format csv", args.audit, args.audit / wall,
             f"peak {peak:,.0f} MiB; {args.audit / cpu:,.0f} per CPU-second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
