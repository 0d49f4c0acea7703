"""The reconstructed grids (docs/grids.md) hang together the way the booklet's text says.

Prototypes in tests/data/prototypes.json are written from each cluster's description, not from its
grid; each must be allocated to its cluster or a neighbour the description names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mhct_dsl import allocate, load_ruleset
from mhct_dsl.model import row_class

PROTOTYPES = json.loads((Path(__file__).parent / "data" / "prototypes.json").read_text("utf-8"))
RULES = load_ruleset()


def test_every_cluster_with_a_grid_has_a_prototype():
    with_grid = {n for n, c in RULES.clusters.items() if c.grid is not None}
    assert {p["cluster"] for p in PROTOTYPES} == with_grid == set(range(1, 9)) | set(range(10, 22))


@pytest.mark.parametrize("prototype", PROTOTYPES, ids=[f"c{p['cluster']}" for p in PROTOTYPES])
def test_prototype_is_allocated_to_its_cluster_or_a_named_neighbour(prototype):
    result = allocate(RULES, prototype["ratings"], group=prototype["group"]).to_json()
    allowed = {prototype["cluster"], *prototype["neighbours"]}
    assert result["suggested"] in allowed, (result["suggested"], prototype["why"])
    own = next(c for c in result["candidates"] if c["cluster"] == prototype["cluster"])
    assert own["fit"] in ("fits", "weaker")


def level(cluster: int, scale: str) -> float:
    """Mean rating of the row's class-colour bands: where the grid puts this scale's weight."""
    row = next(r for r in RULES.clusters[cluster].grid.rows if scale in r.scales)
    colour = row_class(row)
    ratings = [r for b in row.bands if b.colour == colour for r in range(b.low, b.high + 1)]
    return sum(ratings) / len(ratings)


@pytest.mark.parametrize("chain, scale", [
    ((1, 3, 4, 5), "7"),          # mild -> moderate -> severe -> very severe (7|8 row)
    ((2, 3, 4, 5), "9"),          # functioning worsens with severity
    ((11, 12, 13), "6"),          # controlled -> uncontrolled psychotic symptoms
    ((11, 12, 13), "10"),         # disability rises
    ((18, 19, 20, 21), "4"),      # cognitive impairment rises
    ((18, 19, 20, 21), "10"),     # activities of daily living
])
def test_severity_rises_along_the_booklet_chains(chain, scale):
    levels = [level(c, scale) for c in chain]
    assert levels == sorted(levels), dict(zip(chain, levels))
    assert levels[0] < levels[-1]


def red_rows(cluster: int) -> dict[str, tuple[int, int]]:
    rows = {}
    for row in RULES.clusters[cluster].grid.rows:
        for band in row.bands:
            if band.colour == "red":
                rows["|".join(row.scales)] = (band.low, band.high)
    return rows


def test_super_groups_differ_where_the_descriptions_say():
    for number in (10, 13, 14, 15, 17):  # psychotic phenomena must be rated
        assert red_rows(number)["6"][0] >= 2, number
    for number in range(1, 7):           # non-psychotic: no more than odd beliefs
        assert red_rows(number)["6"] == (0, 1), number
    for number in range(18, 22):         # organic: cognitive problems must be rated
        assert red_rows(number)["4"][0] >= 1, number
    for number in range(1, 6):           # common mental health problems: the 7 & 8 note
        assert "7|8" in red_rows(number), number


def test_every_grid_row_says_it_is_reconstructed_and_why():
    for cluster in RULES.clusters.values():
        if cluster.grid is None:
            continue
        for row in cluster.grid.rows:
            source = row.source or cluster.grid.source
            assert source.kind == "reconstructed" and len(source.note) > 10, (cluster.number, row)
