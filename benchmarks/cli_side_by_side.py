"""One `mhct` command under two versions of the code, run alternately, compared by CPU time.

    git archive REV | tar -x -C /tmp/old          # the code to compare against
    python benchmarks/cli_side_by_side.py --old /tmp/old [--runs 5] -- allocate --format csv FILE

Each version runs ``mhct_dsl.cli.main(ARGS)`` in a child ``python -P`` with its tree on
``PYTHONPATH`` (this checkout for the new one), alternately, after one unmeasured run each (so both
find their checked-rules cache). Reported per version: the best and the median of the CPU time
(user + system, the figure least moved by other load on a shared machine) of the command and its
worker processes, of the command's own process alone (`mhct review --jobs N`'s parent) and of its
wall time, the load average, and the ratio of the best CPU times.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

# The command, then its own process's CPU seconds written to the file named first.
_MAIN = """import resource, sys
from mhct_dsl.cli import main
try:
    sys.exit(main(sys.argv[2:]))
finally:
    sys.stdout.flush()
    own = resource.getrusage(resource.RUSAGE_SELF)
    with open(sys.argv[1], "w") as handle:
        handle.write(str(own.ru_utime + own.ru_stime))
"""


def _run(tree: str, args: list[str]) -> tuple[float, float, float]:
    """(CPU seconds, of which the command's own process, wall seconds) of one run of ``mhct
    ARGS`` with ``tree`` on PYTHONPATH."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.NamedTemporaryFile("r") as own:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-P", "-c", _MAIN, own.name, *args],
                       env={**os.environ, "PYTHONPATH": tree}, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        wall = time.perf_counter() - start
        parent = float(own.read() or "nan")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, parent, wall


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--old", required=True, help="the other tree (a checkout or archive)")
    options.add_argument("--runs", type=int, default=5)
    options.add_argument("args", nargs="+", help="the mhct command and its arguments")
    args = options.parse_args()
    trees = {"old": str(Path(args.old).resolve()), "new": str(HERE)}
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
    for tree in trees.values():
        _run(tree, args.args)
    for _ in range(args.runs):
        for name, tree in trees.items():
            times[name].append(_run(tree, args.args))
    print(f"mhct {' '.join(args.args)}; {args.runs} runs each, load {os.getloadavg()[0]:.1f}")
    for name, measured in times.items():
        cpu, parent, wall = zip(*measured)
        print(f"{name}: CPU best {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s "
              f"(own process best {min(parent):.3f} s, median {statistics.median(parent):.3f} s); "
              f"wall best {min(wall):.3f} s, median {statistics.median(wall):.3f} s")
    best = {name: min(cpu for cpu, _, _ in measured) for name, measured in times.items()}
    print(f"new / old CPU: {best['new'] / best['old']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
