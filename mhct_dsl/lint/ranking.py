"""Can a cluster be its group's best fit? An exact search for a profile where it ranks first.

Under a complete profile the allocation ranks the fitting clusters by orange misses, then by the
tie-breakers, which for equal misses are fixed per cluster (more red rows, more orange rows, lower
number). So cluster c ranks first iff its red rows are met and every other cluster d either fails
a red row or ends with more misses than c (or as many, when c wins d's tie-breakers).

The factor DP (`search.run`) keeps, per rival still in contention, its misses minus c's. A rival
leaves contention when it fails a red row or is sure to end behind c; a state is dropped when c
fails a red row or a rival that can no longer fail is sure to end ahead.
"""

from __future__ import annotations

import functools

from . import search
from .space import FACTORS, GridSets, lookahead, miss_effect


def tie_breakers(g: GridSets) -> tuple:
    """The allocation's order among clusters with equal orange misses (smaller is better): more
    red rows, more orange rows (met, at equal misses), lower number."""
    return (-g.red_rows, -g.orange_rows, g.number)


def best_witness(grids: list[GridSets], c: int, stays: int | None = None,
                 budget: int | None = None) -> dict[str, int] | None:
    """A profile where ``grids[c]`` ranks first among ``grids``, or None if there is none.

    ``stays`` (an index) is a rival that wins every tie on misses: the current cluster of a
    step pool (`mhct_dsl.stepfit`). With a ``budget``, `search.TooManyStates` may be raised."""
    weight = [sum(g.red[f] is not None for g in grids) for f in range(len(FACTORS))]
    order = sorted(range(len(FACTORS)), key=lambda f: (-weight[f], f))
    n = len(grids)
    # A rival must end with at least `need` more misses than c.
    need = [0 if j != stays and tie_breakers(grids[c]) < tie_breakers(g) else 1
            for j, g in enumerate(grids)]
    room, exposed = lookahead(grids, order)
    effect = functools.partial(miss_effect, grids)

    def step(state: tuple, eff: tuple, p: int):
        if eff[c] < 0:
            return None
        out = []
        for j, d in enumerate(state):
            if d is None or eff[j] < 0:
                out.append(None)
                continue
            d += eff[j] - eff[c]
            if d - room[p][c] >= need[j]:
                d = None  # sure to end behind c
            elif not exposed[p][j] and d + room[p][j] < need[j]:
                return None  # sure to end ahead of c
            out.append(d)
        return tuple(out)

    start = tuple(None if j == c else 0 for j in range(n))
    for state, (_, trail) in search.run(order, start, effect, step, budget).items():
        if all(d is None or d >= need[j] for j, d in enumerate(state)):
            return search.witness(trail)
    return None


def alone_witness(grids: list[GridSets], c: int) -> dict[str, int] | None:
    """A profile meeting ``grids[c]``'s red rows and no other's (then it ranks first), or None.
    The state is the set of rivals whose red rows are still met, as a bit mask."""
    rivals = [g for j, g in enumerate(grids) if j != c]

    def effect(factor: int, value: int):
        if not grids[c].meets_red(factor, value):
            return None
        return sum(1 << i for i, g in enumerate(rivals) if g.meets_red(factor, value))

    def step(state: int, mask, _):
        return None if mask is None else state & mask

    final = search.run(range(len(FACTORS)), (1 << len(rivals)) - 1, effect, step)
    return search.witness(final[0][1]) if 0 in final else None


def perfect_witness(grids: list[GridSets], c: int, stays: int | None = None
                    ) -> dict[str, int] | None:
    """A profile where ``grids[c]`` fits with no orange miss and every rival that would win a tie
    fails a red row or misses an orange row (then c ranks first), or None. Bit-mask state: the
    rivals still level with c."""
    level = [j for j, g in enumerate(grids) if j != c and (
        j == stays or tie_breakers(g) < tie_breakers(grids[c]))]

    def effect(factor: int, value: int):
        if not grids[c].meets_red(factor, value) or grids[c].misses[factor][value]:
            return None
        return sum(1 << i for i, j in enumerate(level)
                   if grids[j].meets_red(factor, value) and not grids[j].misses[factor][value])

    def step(state: int, mask, _):
        return None if mask is None else state & mask

    final = search.run(range(len(FACTORS)), (1 << len(level)) - 1, effect, step)
    return search.witness(final[0][1]) if 0 in final else None
