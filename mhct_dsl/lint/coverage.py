"""Exact coverage of the complete profiles by the clusters' red regions, and exact ties.

Over the 5^18 profiles with no 9s, for a set of clusters (all of them, or one decision-tree
group's):

- ``none``: profiles meeting the red rows of no cluster (allocation suggests variance, or
  ``no_fit_in_group`` within a group);
- ``one``: profiles meeting the red rows of exactly one cluster;
- ``several``: profiles meeting the red rows of two or more;
- ``ties``: profiles where at least two clusters fit and the best two are equal on fit class and
  orange misses, so the suggestion is decided by the tie-breakers (more red rows, more orange rows
  met, lower number). Fit class follows from the orange misses (none: ``fits``), so this is: the
  fewest orange misses among the clusters whose red rows are met is reached by two or more.

Counting is exact (`search.run`): for coverage the state is the set of clusters whose red rows are
still met; for ties it is each cluster's orange misses so far (None once a red row fails), shifted
so the smallest is 0, and a cluster is dropped once it can no longer reach the minimum (another
cluster with no red rows left to fail is sure to beat it).
"""

from __future__ import annotations

import functools
from fractions import Fraction

import attrs

from . import search
from .space import FACTORS, TOTAL, GridSets, lookahead, miss_effect


@attrs.frozen
class Share:
    """A count of profiles out of the 5^18, and one profile counted (None when the count is 0)."""

    count: int
    witness: dict[str, int] | None

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.count, TOTAL)


@attrs.frozen
class Coverage:
    """How one set of clusters covers the profiles (see the module docstring)."""

    clusters: tuple[int, ...]
    none: Share
    one: Share
    several: Share
    ties: Share | None


def _share(states: dict, accept) -> Share:
    count, trail = 0, None
    for state, (n, t) in states.items():
        if accept(state):
            count += n
            trail = t if trail is None else trail
    return Share(count, search.witness(trail) if count else None)


def _red_order(grids: list[GridSets]) -> list[int]:
    """Factors with the most red rows first (a failed red row settles a cluster early)."""
    weight = [sum(g.red[f] is not None for g in grids) for f in range(len(FACTORS))]
    return sorted(range(len(FACTORS)), key=lambda f: (-weight[f], f))


def coverage(grids: list[GridSets], ties: bool = True) -> Coverage:
    """Exact none / one / several (and ``ties`` unless told not to) for these clusters."""
    everyone = (1 << len(grids)) - 1

    def effect(factor: int, value: int) -> int:
        return sum(1 << i for i, g in enumerate(grids) if g.meets_red(factor, value))

    met = search.run(range(len(FACTORS)), everyone, effect, lambda state, mask, _: state & mask)
    return Coverage(
        clusters=tuple(g.number for g in grids),
        none=_share(met, lambda s: s == 0),
        one=_share(met, lambda s: s != 0 and s & (s - 1) == 0),
        several=_share(met, lambda s: s & (s - 1) != 0),
        ties=_ties(grids) if ties else None,
    )


def _ties(grids: list[GridSets]) -> Share:
    order = _red_order(grids)
    room, exposed = lookahead(grids, order)
    effect = functools.partial(miss_effect, grids)

    def step(state: tuple, eff: tuple, p: int) -> tuple:
        counts = [None if s is None or e < 0 else s + e for s, e in zip(state, eff)]
        sure = [c + room[p][i] for i, c in enumerate(counts)
                if c is not None and not exposed[p][i]]
        if sure:
            bound = min(sure)
            counts = [None if c is not None and c > bound else c for c in counts]
        alive = [c for c in counts if c is not None]
        if len(alive) < 2:
            return (None,) * len(counts)  # no tie, whatever follows
        low = min(alive)
        return tuple(None if c is None else c - low for c in counts)

    final = search.run(order, (0,) * len(grids), effect, step)
    return _share(final, lambda s: sum(c == 0 for c in s) >= 2)
