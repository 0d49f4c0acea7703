"""The rating space as a product of factors, and each cluster's grid as sets over it.

A complete profile rates every scale 0-4 (no 9s): 5^18 profiles. Scales 7 and 8 form one
two-dimensional *factor* (25 values, ``5 * r7 + r8``) because the booklet reads them together on a
``7|8`` row; every other scale is a factor of 5 values. A grid row is a set of values of its
factor:

- a single-scale row: the ratings in a band of the row's class colour;
- a ``7|8`` row (the ``either`` reading): the pairs where either rating is in such a band;
- a ``max(7,8)`` row (the ``max`` reading): the pairs where the higher rating is in such a band.

Both readings are two-dimensional sets over the pair factor, so nothing below depends on which
one a row uses.

A cluster's *red region* (profiles meeting every red row) is then a product set: per factor, the
intersection of its red rows (the whole factor where there is none). Its orange misses are a sum of
per-factor counts. Every analysis in `mhct_dsl.lint` is exact arithmetic over these sets.
"""

from __future__ import annotations

import attrs

from ..model import RATINGS, SCALE_IDS, Cluster, RuleSet, row_class
from ..nodes import GridRow

PAIR = ("7", "8")
# The factors in booklet order: 1-6, the 7|8 pair, 9-13, A-E.
FACTORS: tuple[tuple[str, ...], ...] = tuple(
    PAIR if s == "7" else (s,) for s in SCALE_IDS if s != "8")
SIZES = tuple(len(RATINGS) ** len(f) for f in FACTORS)
TOTAL = len(RATINGS) ** len(SCALE_IDS)
_FACTOR_OF = {s: i for i, f in enumerate(FACTORS) for s in f}


def factor_of(scale: str) -> int:
    """The index of the factor holding ``scale``."""
    return _FACTOR_OF[scale]


def ratings_of(factor: int, value: int) -> dict[str, int]:
    """The scale ratings a factor value stands for: ``{"7": r7, "8": r8}`` for the pair."""
    scales = FACTORS[factor]
    if len(scales) == 1:
        return {scales[0]: value}
    return {"7": value // 5, "8": value % 5}


def scale_rating(scale: str, value: int) -> int:
    """The rating of ``scale`` in a value of its factor."""
    return ratings_of(factor_of(scale), value)[scale]


def row_values(row: GridRow) -> frozenset[int]:
    """The values of the row's factor that meet the row (see the module docstring)."""
    colour = row_class(row)
    band = {r for b in row.bands if b.colour == colour for r in range(b.low, b.high + 1)}
    factor = factor_of(row.scales[0])
    values = range(SIZES[factor])
    if len(row.scales) == 1 and len(FACTORS[factor]) == 1:
        return frozenset(v for v in values if v in band)
    if len(row.scales) == 1:  # 7 or 8 on a row of its own: a condition on one component
        return frozenset(v for v in values if scale_rating(row.scales[0], v) in band)
    pairs = {v: (v // 5, v % 5) for v in values}
    if row.reading == "max":
        return frozenset(v for v, (a, b) in pairs.items() if max(a, b) in band)
    return frozenset(v for v, (a, b) in pairs.items() if a in band or b in band)


@attrs.frozen
class GridSets:
    """One cluster's grid over the factors.

    ``red[f]`` is the set of factor-``f`` values meeting all its red rows (None: no red row);
    ``misses[f][v]`` the number of its orange rows on factor ``f`` that value ``v`` misses.
    ``red_rows`` and ``orange_rows`` count rows (they break ties in the allocation ranking).
    """

    number: int
    red: tuple[frozenset[int] | None, ...]
    orange: tuple[frozenset[int] | None, ...]
    misses: tuple[tuple[int, ...], ...]
    red_rows: int
    orange_rows: int

    def meets_red(self, factor: int, value: int) -> bool:
        allowed = self.red[factor]
        return allowed is None or value in allowed


def lookahead(grids: list[GridSets], order: list[int]) -> tuple[list[list[int]], list[list[bool]]]:
    """For a search over the factors in ``order``, after position p: the most orange misses each
    cluster can still add (``room[p][i]``), and whether it still has a red row that could fail
    (``exposed[p][i]``)."""
    room = [[0] * len(grids) for _ in order]
    exposed = [[False] * len(grids) for _ in order]
    for p in range(len(order) - 2, -1, -1):
        f = order[p + 1]
        for i, g in enumerate(grids):
            room[p][i] = room[p + 1][i] + max(g.misses[f])
            exposed[p][i] = exposed[p + 1][i] or g.red[f] is not None
    return room, exposed


def miss_effect(grids: list[GridSets], factor: int, value: int) -> tuple[int, ...]:
    """Per cluster, the orange misses of ``factor`` at ``value``, or -1 where it fails a red row."""
    return tuple(g.misses[factor][value] if g.meets_red(factor, value) else -1 for g in grids)


def grid_sets(cluster: Cluster) -> GridSets:
    """A cluster's grid as sets over the factors (the cluster must have a grid)."""
    red: list[frozenset[int] | None] = [None] * len(FACTORS)
    orange: list[frozenset[int] | None] = [None] * len(FACTORS)
    misses = [[0] * size for size in SIZES]
    counts = {"red": 0, "orange": 0}
    for row in cluster.grid.rows:
        colour = row_class(row)
        if colour not in counts:
            continue
        counts[colour] += 1
        factor = factor_of(row.scales[0])
        values = row_values(row)
        region = red if colour == "red" else orange
        region[factor] = values if region[factor] is None else region[factor] & values
        if colour == "orange":
            for v in range(SIZES[factor]):
                misses[factor][v] += v not in values
    return GridSets(cluster.number, tuple(red), tuple(orange),
                    tuple(tuple(m) for m in misses), counts["red"], counts["orange"])


def gridded(ruleset: RuleSet) -> dict[int, GridSets]:
    """Every cluster with a grid, by number."""
    return {number: grid_sets(cluster)
            for number, cluster in ruleset.clusters.items() if cluster.grid is not None}


def pair_readings(ruleset: RuleSet) -> tuple[str, ...]:
    """The readings the rule set's pair rows use (``either``, ``max``), sorted."""
    return tuple(sorted({row.reading for c in ruleset.clusters.values() if c.grid is not None
                         for row in c.grid.rows if len(row.scales) > 1}))


def profile(values: dict[int, int]) -> dict[str, int]:
    """A complete profile from one value per factor (factors not given rate 0)."""
    out: dict[str, int] = {}
    for factor in range(len(FACTORS)):
        out.update(ratings_of(factor, values.get(factor, 0)))
    return {s: out[s] for s in SCALE_IDS}
