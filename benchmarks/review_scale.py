"""``mhct review`` at scale, in one run: the per-record baseline and the CLI over worker processes.

    python benchmarks/review_scale.py [--cli 20000 200000] [--jobs 1 2]

Records are seeded synthetic review records (`synthetic.review_records`: one assessment, a
current cluster and the date it began). Reported, in records per second:

- baseline: one record at a time in this process, as `mhct review` ran before it streamed —
  `records.parse_record`, `review.review`, the result's JSON — timed on a sample;
- CLI: `mhct review --format jsonl --jobs N` end to end (start, read, review, write) on JSON-lines
  files, with peak memory: the largest resident set of any one of its processes (parent or a
  worker; with N workers the total is about N + 1 times that), and records per CPU-second (user
  and system time of the command and its workers): the figure least moved by other load, and the
  one to compare between code versions on a busy machine.

Ratios are against the baseline measured in the same run (the machine is shared and noisy).
Before the CLI runs, "CPUs free" measures how many CPUs the run can actually have: the same
pure-Python loop in N processes at once against one alone (N when the machine is idle, about 1
when other work keeps it busy); workers cannot beat it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402

from mhct_dsl.loader import load_ruleset  # noqa: E402
from mhct_dsl.records import parse_record  # noqa: E402
from mhct_dsl.review import review  # noqa: E402


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


def _baseline(ruleset, sample: list[dict]) -> float:
    start = time.perf_counter()
    for data in sample:
        json.dumps(review(ruleset, parse_record(data, ruleset)).to_json(), ensure_ascii=False)
    return len(sample) / (time.perf_counter() - start)


def _spin(n: int) -> float:
    start = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - start


def _free_cpus(jobs: int, n: int = 5_000_000) -> float:
    """Work done per second by ``jobs`` processes at once, over that of one process alone."""
    alone = _spin(n)
    with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
        pool.submit(_spin, 1).result()  # started
        start = time.perf_counter()
        list(pool.map(_spin, [n] * jobs))
        together = time.perf_counter() - start
    return jobs * alone / together


def main() -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--cli", type=int, nargs="+", default=[20_000, 200_000])
    options.add_argument("--jobs", type=int, nargs="+", default=sorted({1, cpus}))
    options.add_argument("--sample", type=int, default=2_000,
                         help="records for the per-record baseline")
    options.add_argument("--seed", type=int, default=2013)
    args = options.parse_args()

    ruleset = load_ruleset()
    baseline = _baseline(ruleset, list(synthetic.review_records(args.sample, args.seed)))
    print(f"rules: {ruleset.name} {ruleset.version}; {cpus} CPUs (shared: absolute figures are "
          "depressed by other load)")
    print(f"CPUs free: {_free_cpus(max(args.jobs)):.1f} of {max(args.jobs)}")
    print(f"{'path':<34}{'records':>10}{'records/s':>14}{'× baseline':>12}")
    print(f"{'baseline (review, per record)':<34}{args.sample:>10,}{baseline:>14,.0f}"
          f"{1:>11.1f}× (sample)")
    with tempfile.TemporaryDirectory() as folder:
        for n in args.cli:
            path = Path(folder) / f"review-{n}.jsonl"
            with open(path, "w", encoding="utf-8") as handle:
                synthetic.write(handle, n, args.seed, "review-jsonl")
            for jobs in args.jobs:
                wall, cpu, peak = _cli(["review", "--format", "jsonl", "--jobs", str(jobs),
                                        str(path)])
                rate = n / wall
                print(f"{f'CLI review --jobs {jobs}':<34}{n:>10,}{rate:>14,.0f}"
                      f"{rate / baseline:>11.1f}× peak {peak:,.0f} MiB, "
                      f"{n / cpu:,.0f} records/CPU-s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
