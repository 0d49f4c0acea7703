"""Every cluster's `Tally` at one assessment from packed lookup tables, without checking its rows
one by one (`allocation.fit_cluster`) or building its candidate.

A review ranks the step pool (the current cluster and its likely/possible transitions) and
labels its targets, and for that needs only each cluster's tally: how many of its red and orange
rows are met, missed and unknown (`ranking`). The tables are the interpreter's own row checks
(`rows.row_value`) done once per rule set for every rating a scale can hold (0-4, 9, not rated;
the 7|8 pair for every combination of both), each outcome counted in a bit field of one integer
per cluster and colour, all clusters side by side in one integer. An assessment's tallies are
then one table lookup and one addition per scale, and a cluster's tally a few shifts. A rating
the tables do not hold (only an `Assessment` built without validation has one) gives no count,
and the caller checks the rows (`Context.tally`); tests/test_tallies.py holds the two equal.
"""

from __future__ import annotations

import itertools
from typing import Callable

import attrs

from .memo import IdentityMemo
from .model import NOT_KNOWN, RATINGS, RuleSet
from .results import Tally
from .rows import plan, row_value, slot

__all__ = ["counter"]

VALUES = (*RATINGS, NOT_KNOWN, None)  # every rating a validated record holds
FIELDS = 6  # red met, missed, unknown, orange met, missed, unknown: `rows.slot` 0-5
_TABLES = IdentityMemo(64)


@attrs.frozen(eq=False)
class _Tables:
    """One rule set's tables: per group of scales read together, rating(s) -> packed counts."""

    shifts: dict[int, int]  # cluster -> the lowest bit of its fields
    bits: int  # the width of one field
    singles: tuple[tuple[str, dict], ...]  # (scale, {rating: packed counts})
    joint: tuple[tuple[tuple[str, ...], dict], ...]  # (scales, {ratings: packed counts})

    def total(self, ratings) -> int | None:
        """Every cluster's counts at ``ratings``, packed; None for a rating not in the tables."""
        get = ratings.get
        total = 0
        try:
            for scale, table in self.singles:
                total += table[get(scale)]
            for scales, table in self.joint:
                total += table[tuple(map(get, scales))]
        except (KeyError, TypeError):
            return None
        return total

    def tally(self, total: int, number: int) -> Tally | None:
        """Cluster ``number``'s tally from a packed total (None: the cluster has no grid)."""
        shift = self.shifts.get(number)
        if shift is None:
            return None
        bits, mask = self.bits, (1 << self.bits) - 1
        value = total >> shift
        return Tally(number, value & mask, (value >> bits) & mask, (value >> 2 * bits) & mask,
                     (value >> 3 * bits) & mask, (value >> 4 * bits) & mask,
                     (value >> 5 * bits) & mask)


def _units(rows) -> list[tuple[str, ...]]:
    """The scales rows read, those read together by one row (7|8) in one unit, sorted."""
    units: list[set[str]] = []
    for scales in {row[0] for row in rows}:
        joined = set(scales)
        for unit in [u for u in units if u & joined]:
            units.remove(unit)
            joined |= unit
        units.append(joined)
    return sorted(tuple(sorted(u)) for u in units)


def _build(ruleset: RuleSet) -> _Tables:
    grids = [(n, plan(ruleset.clusters[n].grid)) for n in sorted(ruleset.clusters)
             if ruleset.clusters[n].grid is not None]
    counted = [(n, [row for row in rows if row[2] in ("red", "orange")]) for n, rows in grids]
    bits = max((len(rows) for _, rows in counted), default=0).bit_length() or 1
    shifts = {n: i * FIELDS * bits for i, (n, _) in enumerate(counted)}
    singles, joint = [], []
    for unit in _units([row for _, rows in counted for row in rows]):
        table = {}
        for values in itertools.product(VALUES, repeat=len(unit)):
            ratings = dict(zip(unit, values))
            table[values[0] if len(unit) == 1 else values] = sum(
                1 << (shifts[n] + bits * slot(colour, row_value(scales, reading, allowed, tails,
                                                               ratings)))
                for n, rows in counted for scales, reading, colour, _, _, allowed, tails in rows
                if set(scales) <= set(unit))
        if len(unit) == 1:
            singles.append((unit[0], table))
        else:
            joint.append((unit, table))
    return _Tables(shifts, bits, tuple(singles), tuple(joint))


def counter(ruleset: RuleSet, ratings) -> Callable[[int], Tally | None] | None:
    """``tally(cluster)`` at ``ratings`` (None for a cluster without a grid); None when a rating
    is not one the tables hold (check the rows instead)."""
    tables = _TABLES.get(id(ruleset), (ruleset,), lambda: _build(ruleset))
    total = tables.total(ratings)
    return None if total is None else lambda number: tables.tally(total, number)
