"""Seeded synthetic MHCT assessments for benchmarks and bulk agreement tests.

    python benchmarks/synthetic.py --n 200000 --seed 2013 --format csv > assessments.csv

One assessment a row in the allocation CSV format (README, DESIGN.md): ``id, date, 1..13, A..E,
scale8_type, recorded_cluster, group``. Ratings are drawn from a skewed distribution with ~4% "9"
and ~2% not rated, so unknowns are exercised; about 60% of rows carry a recorded cluster (a random
cluster that has a grid, or the variance cluster) and 30% a decision-tree group. The same seed
gives the same records on every machine (NumPy's PCG64).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from typing import IO

import numpy as np

SCALES = tuple(str(n) for n in range(1, 14)) + ("A", "B", "C", "D", "E")
RATINGS = np.array([0, 1, 2, 3, 4, 9, -1])  # -1: not rated (a blank cell / absent key)
WEIGHTS = np.array([35, 25, 18, 12, 6, 4, 2], dtype=float)
CLUSTERS = tuple(range(1, 9)) + tuple(range(10, 22))
GROUPS = ("non_psychotic", "psychotic", "organic")
COLUMNS = ("id", "date") + SCALES + ("scale8_type", "recorded_cluster", "group")


def columns(n: int, seed: int) -> dict[str, np.ndarray]:
    """The records as columns: ``ratings`` (n, 18) with -1 for not rated, ``recorded`` (-1:
    none), ``group`` (-1: none, else an index into GROUPS), ``day`` (days after 2012-04-01)."""
    rng = np.random.default_rng(seed)
    ratings = rng.choice(RATINGS, size=(n, len(SCALES)), p=WEIGHTS / WEIGHTS.sum())
    recorded = np.where(rng.random(n) < 0.6, rng.choice((0,) + CLUSTERS, size=n), -1)
    group = np.where(rng.random(n) < 0.3, rng.integers(0, len(GROUPS), size=n), -1)
    day = rng.integers(0, 730, size=n)
    return {"ratings": ratings, "recorded": recorded, "group": group, "day": day}


def rows(n: int, seed: int, start: int = 0):
    """CSV rows (lists of strings) of the synthetic records."""
    data = columns(n, seed)
    base = dt.date(2012, 4, 1)
    days = [(base + dt.timedelta(days=int(d))).isoformat() for d in range(730)]
    text = {v: ("" if v == -1 else str(v)) for v in (0, 1, 2, 3, 4, 9, -1)}
    for i in range(n):
        recorded, group = int(data["recorded"][i]), int(data["group"][i])
        yield ([f"SYN-{start + i:07d}", days[data["day"][i]]]
               + [text[v] for v in data["ratings"][i].tolist()]
               + ["", "" if recorded < 0 else str(recorded), "" if group < 0 else GROUPS[group]])


def records(n: int, seed: int):
    """The synthetic records as JSON-ready dicts (the DESIGN.md record shape)."""
    for cells in rows(n, seed):
        record = dict(zip(COLUMNS, cells))
        ratings = {s: int(record[s]) for s in SCALES if record[s] != ""}
        out = {"id": record["id"], "assessments": [{"date": record["date"], "ratings": ratings}]}
        if record["recorded_cluster"]:
            out["recorded_cluster"] = int(record["recorded_cluster"])
        if record["group"]:
            out["group"] = record["group"]
        yield out


def review_records(n: int, seed: int):
    """Review records (JSON-ready): each synthetic record with a current cluster (drawn with the
    same seed), in that cluster since a date up to two years before its assessment."""
    rng = np.random.default_rng(seed + 1)
    current = rng.choice(CLUSTERS, size=n).tolist()
    before = rng.integers(0, 730, size=n).tolist()
    for record, cluster, days in zip(records(n, seed), current, before):
        date = dt.date.fromisoformat(record["assessments"][0]["date"])
        record["current_cluster"] = cluster
        record["cluster_since"] = (date - dt.timedelta(days=days)).isoformat()
        yield record


def write(out: IO[str], n: int, seed: int, fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows(n, seed))
    else:
        for record in (review_records if fmt == "review-jsonl" else records)(n, seed):
            out.write(json.dumps(record) + "\n")


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--n", type=int, default=10000)
    options.add_argument("--seed", type=int, default=2013)
    options.add_argument("--format", choices=("csv", "jsonl", "review-jsonl"), default="csv")
    args = options.parse_args()
    write(sys.stdout, args.n, args.seed, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
