"""`rows.slots`, the lookup tables `fit_cluster` checks grid rows with, agree with `rows.row_value`
(the row semantics, held to the definition by tests/test_allocation_soundness.py) for every row of
the national and local grids and every rating a table holds or does not (7 and ``True`` only
reach it through a hand-made `Assessment`)."""

from __future__ import annotations

from pathlib import Path

import pytest

import mhct_dsl
from mhct_dsl.allocation import fit_cluster
from mhct_dsl.records import Assessment
from mhct_dsl.rows import row_value, slot, slots

ROOT = Path(__file__).resolve().parent.parent
RULES = {"national": mhct_dsl.load_ruleset(), "local": mhct_dsl.load_ruleset(ROOT / "rules" / "local")}
VALUES = (0, 1, 2, 3, 4, 9, None, 7, True)


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_row_and_rating_lands_where_row_value_puts_it(name):
    checked = 0
    for cluster in RULES[name].clusters.values():
        if cluster.grid is None:
            continue
        for _, _, label, row in slots(cluster.grid):
            scales, reading, colour, _, _, allowed, tails = row
            for value in VALUES:
                ratings = {s: value for s in scales if value is not None}
                expected = slot(colour, row_value(scales, reading, allowed, tails, ratings))
                found = fit_cluster(cluster, Assessment(None, ratings))
                summary = getattr(found, colour)
                place = (summary.met, summary.missed, summary.unknown)[expected % 3]
                assert label in place, (cluster.number, label, value)
                checked += 1
    assert checked > 2000
