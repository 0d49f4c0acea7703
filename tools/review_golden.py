"""Write the `mhct review` byte-equality fixtures (tests/test_review_golden.py).

    .venv/bin/python tools/review_golden.py

Writes ``tests/fixtures/review-golden.jsonl`` (seeded: synthetic review records, richer records
with histories, facts, events, teams, groups and every current cluster, and the example records)
and, for each run in `RUNS`, the SHA-256 of every output line (JSON) or of the whole output
(CSV, ``--explain``) under ``tests/golden/review/``. The committed digests were written by the
code before the compiled review tables; rerun this only for an intended, documented change of
the output.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import synthetic  # noqa: E402

from mhct_dsl.cli import main  # noqa: E402
from mhct_dsl.loader import load_ruleset  # noqa: E402

INPUT = ROOT / "tests" / "fixtures" / "review-golden.jsonl"
GOLDEN = ROOT / "tests" / "golden" / "review"
# name -> (mhct review arguments before the input, digest per line?)
RUNS = {
    "national-jsonl": (["--format", "jsonl"], True),
    "local-jsonl": (["--format", "jsonl", "--rules", str(ROOT / "rules" / "local")], True),
    "as-of-jsonl": (["--format", "jsonl", "--as-of", "2014-06-30"], True),
    "national-csv": (["--format", "csv"], False),
    "national-explain": (["--explain"], False),
}
SCALES = synthetic.SCALES


def _rich(n: int, seed: int):
    """Records with 1-4 assessments, facts, events, team dates, groups, any current cluster."""
    rules = load_ruleset()
    rng = random.Random(seed)
    day = lambda lo, hi: dt.date(2012, 4, 1) + dt.timedelta(days=rng.randint(lo, hi))  # noqa: E731
    for i in range(n):
        dates = sorted({day(0, 800) for _ in range(rng.randint(1, 4))})
        history = []
        for d in dates:
            ratings = {s: rng.choice((0, 0, 1, 1, 2, 3, 4, 9)) for s in SCALES
                       if rng.random() > 0.05}
            history.append({"date": d.isoformat(), "ratings": ratings})
        record = {"id": f"RICH-{i:04d}", "current_cluster": rng.choice(range(0, 22)),
                  "assessments": history}
        if rng.random() < 0.8:
            record["cluster_since"] = (dates[0] - dt.timedelta(days=rng.randint(0, 600))).isoformat()
        if rng.random() < 0.6:
            record["in_service_since"] = day(-800, 0).isoformat()
        if rng.random() < 0.7:
            record["facts"] = {f: rng.random() < 0.5 for f in rng.sample(sorted(rules.facts), 5)}
        if rng.random() < 0.7:
            record["events"] = [
                {"kind": "inpatient_or_iht", "date": (s := day(0, 800)).isoformat(),
                 **({"end": (s + dt.timedelta(days=rng.randint(0, 90))).isoformat()}
                    if rng.random() < 0.6 else {"ongoing": True} if rng.random() < 0.3 else {})}
                for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.3:
            record["team_since"] = {"eip": day(-400, 600).isoformat()}
        if rng.random() < 0.3:
            record["group"] = rng.choice(synthetic.GROUPS)
        if rng.random() < 0.3:
            record["recorded_cluster"] = rng.choice(range(0, 22))
        yield record


def write_input() -> None:
    lines = [json.dumps(r) for r in synthetic.review_records(300, 16)]
    lines += [json.dumps(r) for r in _rich(300, 16)]
    lines += (ROOT / "examples" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    INPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(args: list[str]) -> tuple[int, str]:
    """(exit code, output) of ``mhct review ARGS INPUT`` in this process."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(["review", *args, "--jobs", "1", str(INPUT)])
    finally:
        sys.stdout, sys.stderr = saved
    return code, out.getvalue()


def digests(text: str, per_line: bool) -> str:
    parts = text.splitlines(keepends=True) if per_line else [text]
    return "".join(hashlib.sha256(p.encode("utf-8", "surrogateescape")).hexdigest() + "\n"
                   for p in parts)


def main_() -> int:
    write_input()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, (args, per_line) in RUNS.items():
        code, text = run(args)
        (GOLDEN / f"{name}.sha256").write_text(f"exit {code}\n" + digests(text, per_line))
    return 0


if __name__ == "__main__":
    sys.exit(main_())
