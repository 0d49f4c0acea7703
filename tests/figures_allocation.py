"""Figures for the closing note of issue 11 (not a test): how often allocation decides under one
unknown rating, and that no filling ever moves a definite suggestion.

    .venv/bin/python tests/figures_allocation.py [N]

N random profiles per group (default 2000; seed 11): each rating drawn from 0-4 (weights
40/25/17/11/7 %), then one random scale set to 9; every one of the 5 fillings of that 9 is run.
"""

import random
import sys

from mhct_dsl import allocate, load_ruleset
from mhct_dsl.model import SCALE_IDS

WEIGHTS = (40, 25, 17, 11, 7)


def main(n: int) -> None:
    rules = load_ruleset()
    rng = random.Random(11)
    for group in ("non_psychotic", "psychotic", "organic"):
        definite = labelled = moved = 0
        for _ in range(n):
            ratings = {s: rng.choices(range(5), WEIGHTS)[0] for s in SCALE_IDS}
            ratings[rng.choice(SCALE_IDS)] = 9
            result = allocate(rules, ratings, group)
            if result.suggested is None or result.outcome == "no_fit_in_group":
                continue
            definite += 1
            labelled += result.outcome in ("fits", "weaker", "variance")
            fills = [allocate(rules, {**ratings, **{s: v for s, r in ratings.items() if r == 9}},
                              group) for v in range(5)]
            moved += any(f.suggested != result.suggested for f in fills)
        print(f"{group:14} definite suggestion {definite / n:6.1%}  with a definite label "
              f"{labelled / n:6.1%}  moved by a filling {moved} of {definite}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
