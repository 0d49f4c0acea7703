"""How fast the interpreter allocates and reviews, against plain-Python baselines in the same run.

    python benchmarks/evaluate.py [--n 2000] [--seed 2013] [--repeat 5] [--rules DIR]

Generates N synthetic service-user records (seeded, so every run sees the same input) and times,
in records per second (best of ``--repeat`` runs):

- allocate: the interpreter's `allocate` with its JSON result (every candidate, every row class),
  against a baseline that loops over the grids as plain dicts and does only the red/orange checks.
  The baseline's grid dicts are taken from the same rule set once, before timing, so the two
  judge the same grids; the run also reports whether they agree on every cluster's fit.
- review: the interpreter's `review` with its full JSON trace (every criterion, evidence,
  explanations), against a baseline that checks a few hard-coded thresholds without any trace.
  That baseline does much less (it is the floor a hand-written rule would cost), so the ratio is
  the price of rules-as-data plus explanations, not a like-for-like comparison.

Ratios hold across machines better than the absolute figures. Record parsing is excluded from
both sides (the inputs are built once, before timing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mhct_dsl.allocation import allocate  # noqa: E402
from mhct_dsl.diagnostics import RuleError  # noqa: E402
from mhct_dsl.loader import load_ruleset  # noqa: E402
from mhct_dsl.model import SCALE_IDS  # noqa: E402
from mhct_dsl.records import Assessment, Event, Record  # noqa: E402
from mhct_dsl.review import review  # noqa: E402

RATING_WEIGHTS = ((0, 35), (1, 25), (2, 18), (3, 12), (4, 6), (9, 4))


# ---- synthetic input ------------------------------------------------------------------------------


def synthetic_records(ruleset, n: int, seed: int) -> list[Record]:
    rng = random.Random(seed)
    values = [v for v, _ in RATING_WEIGHTS]
    weights = [w for _, w in RATING_WEIGHTS]
    reviewable = sorted(k for k, c in ruleset.clusters.items() if c.columns)
    facts = sorted(ruleset.facts)
    records = []
    for i in range(n):
        start = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 730))
        history = []
        for k in range(rng.randint(1, 6)):
            when = start + dt.timedelta(days=91 * k + rng.randrange(0, 30))
            ratings = dict(zip(SCALE_IDS, rng.choices(values, weights, k=len(SCALE_IDS))))
            history.append(Assessment(when, ratings))
        last = history[-1].date
        events = tuple(sorted((Event("inpatient_or_iht", start + dt.timedelta(days=rng.randrange(
            0, max(1, (last - start).days + 1)))) for _ in range(rng.randint(0, 2))),
            key=lambda e: e.date))
        records.append(Record(
            id=f"SYN-{i:06d}", assessments=tuple(history),
            current_cluster=rng.choice(reviewable),
            cluster_since=start, in_service_since=start - dt.timedelta(days=rng.randrange(0, 1500)),
            facts={f: rng.random() < 0.7 for f in facts if rng.random() < 0.9},
            events=events if rng.random() < 0.9 else None,
        ))
    return records


# ---- baselines ------------------------------------------------------------------------------------

STRENGTH = {"red": 0, "orange": 1, "yellow": 2}


def plain_grids(ruleset) -> dict[int, list[tuple[tuple[str, ...], str, set[int]]]]:
    """The grids as plain dicts/lists/sets: {cluster: [(scales, class colour, ratings in band)]}."""
    out = {}
    for number, cluster in sorted(ruleset.clusters.items()):
        if cluster.grid is None:
            continue
        rows = []
        for row in cluster.grid.rows:
            if not row.bands:
                continue
            colour = min((b.colour for b in row.bands), key=STRENGTH.__getitem__)
            allowed = {r for b in row.bands if b.colour == colour for r in range(b.low, b.high + 1)}
            rows.append((tuple(row.scales), row.reading, colour, allowed))
        out[number] = rows
    return out


def naive_allocate(grids, ratings: dict[str, int]):
    """Red and orange checks only (a 9 could be any of 0-4); returns (suggested, {cluster: fit})."""
    fits = {}
    for number, rows in grids.items():
        red_no = red_unknown = orange_unknown = False
        orange_missed = 0
        for scales, reading, colour, allowed in rows:
            if colour == "yellow":
                continue
            known = [ratings[s] for s in scales if ratings.get(s) not in (None, 9)]
            unknown = len(known) < len(scales)
            if reading == "either" and len(scales) > 1:
                value = True if any(r in allowed for r in known) else None if unknown else False
            else:
                values = range(max(known, default=0), 5) if unknown else (max(known),)
                hits = sum(v in allowed for v in values)
                value = True if hits == len(values) else False if hits == 0 else None
            if colour == "red":
                red_no |= value is False
                red_unknown |= value is None
            else:
                orange_missed += value is False
                orange_unknown |= value is None
        if red_no:
            fits[number] = ("no", orange_missed)
        elif red_unknown:
            fits[number] = ("unknown", orange_missed)
        elif orange_missed:
            fits[number] = ("weaker", orange_missed)
        else:
            fits[number] = ("unknown" if orange_unknown else "fits", orange_missed)
    order = {"fits": 0, "weaker": 1}
    best = min((f for f in fits.items() if f[1][0] in order),
               key=lambda f: (order[f[1][0]], f[1][1], f[0]), default=None)
    return (None if best is None else best[0]), {k: v[0] for k, v in fits.items()}


def naive_review(record: Record) -> str:
    """A hand-written rule with a few thresholds and no trace (not the booklet's full logic)."""
    ratings = record.assessments[-1].ratings
    if ratings.get("6", 0) in (3, 4) or ratings.get("2", 0) == 4:
        return "step_up"
    year_ago = record.assessments[-1].date - dt.timedelta(days=365)
    admitted = record.events is None or any(e.date >= year_ago for e in record.events)
    if (ratings.get("6", 9) <= 1 and ratings.get("12", 9) <= 1
            and record.facts.get("detained_mha") is False
            and record.facts.get("medication_stable_past_year") is True and not admitted):
        return "discharge"
    return "remain"


# ---- timing ---------------------------------------------------------------------------------------


def best_rate(action, items, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            action(item)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--n", type=int, default=2000, help="synthetic records (default 2000)")
    options.add_argument("--seed", type=int, default=2013)
    options.add_argument("--repeat", type=int, default=5)
    options.add_argument("--rules", default=None, help="rule set directory (default: bundled)")
    args = options.parse_args()

    try:
        ruleset = load_ruleset(args.rules)
    except RuleError as error:
        print(f"cannot load the rule set: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a broken parser or checker mid-edit: say so in one line
        print(f"cannot load the rule set ({type(error).__name__}): {error}", file=sys.stderr)
        return 1
    records = synthetic_records(ruleset, args.n, args.seed)
    latest = [r.assessments[-1] for r in records]
    grids = plain_grids(ruleset)

    # Cross-check before timing: the baseline and the interpreter must judge every grid alike.
    disagreements = 0
    for assessment in latest:
        _, naive = naive_allocate(grids, assessment.ratings)
        ours = {c.cluster: c.fit for c in allocate(ruleset, assessment).candidates}
        disagreements += naive != ours

    alloc_ours = best_rate(lambda a: allocate(ruleset, a).to_json(), latest, args.repeat)
    alloc_base = best_rate(lambda a: naive_allocate(grids, a.ratings), latest, args.repeat)
    review_ours = best_rate(lambda r: review(ruleset, r).to_json(), records, args.repeat)
    review_base = best_rate(naive_review, records, args.repeat)
    criteria = sum(len(review(ruleset, r).criteria) for r in records[:200]) / min(200, len(records))

    receipt = ruleset.receipt()
    print(f"rules: {receipt['name']} {receipt['version']} {receipt['fingerprint'][:19]}...")
    print(f"records: {len(records)} synthetic (seed {args.seed}), best of {args.repeat} runs; "
          f"{len(grids)} clusters with grids; ~{criteria:.0f} criteria traced per review")
    print(f"baseline agreement on every cluster's fit: {len(latest) - disagreements}/{len(latest)}")
    print(f"{'':10}{'interpreter':>16}{'baseline':>16}{'ratio':>10}")
    for name, ours, base in (("allocate", alloc_ours, alloc_base), ("review", review_ours, review_base)):
        print(f"{name:10}{ours:>12,.0f} r/s{base:>12,.0f} r/s{base / ours:>9.1f}x")
    print("ratio = baseline rate / interpreter rate (how many times slower the interpreter is, "
          "with full JSON traces)")
    return 0 if disagreements == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
