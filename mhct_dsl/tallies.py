"""Every cluster's `Tally` at one assessment from packed lookup tables, without checking its rows
one by one (`allocation.fit_cluster`) or building its candidate.

A review ranks the step pool (the current cluster and its likely/possible transitions) and
labels its targets, and for that needs only each cluster's tally: how many of its red and orange
rows are met, missed and unknown (`ranking`). The tables are the interpreter's own row checks
(`rows.row_value`) done once per rule set for every rating a scale can hold (0-4, 9, not rated;
the 7|8 pair for every combination of both), each outcome counted in a byte of one integer,
every cluster's six counts side by side. An assessment's tallies are then one table lookup and
one addition per scale, and a cluster's tally six of the total's bytes. A rating the tables do
not hold (only an `Assessment` built without validation has one) gives no count, and the caller
checks the rows (`Context.tallies_at`); tests/test_tallies.py holds the two equal.
"""

from __future__ import annotations

import functools
import itertools
from typing import Callable

import attrs

from .memo import IdentityMemo
from .model import NOT_KNOWN, RATINGS, RuleSet
from .results import Tally
from .rows import plan, row_value, slot

__all__ = ["counter", "tables"]

VALUES = (*RATINGS, NOT_KNOWN, None)  # every rating a validated record holds
FIELDS = 6  # red met, missed, unknown, orange met, missed, unknown: `rows.slot` 0-5
LIMIT = 255  # rows a count can reach: one byte
_TABLES = IdentityMemo(64)


@attrs.frozen(eq=False)
class _Tables:
    """One rule set's tables: per group of scales read together, rating(s) -> packed counts."""

    at: dict[int, int]  # cluster -> the byte of its first count
    size: int  # bytes of a packed total
    singles: tuple[tuple[str, dict], ...]  # (scale, {rating: packed counts})
    joint: tuple[tuple[tuple[str, ...], dict], ...]  # (scales, {ratings: packed counts})

    def counts(self, ratings) -> bytes | None:
        """Every cluster's counts at ``ratings``, a byte each; None for a rating not in the
        tables."""
        get = ratings.get
        total = 0
        try:
            for scale, table in self.singles:
                total += table[get(scale)]
            for scales, table in self.joint:
                total += table[tuple(map(get, scales))]
        except (KeyError, TypeError):
            return None
        return total.to_bytes(self.size, "little")

    def tally(self, counts: bytes, number: int) -> Tally | None:
        """Cluster ``number``'s tally from `counts` (None: the cluster has no grid)."""
        at = self.at.get(number)
        return None if at is None else Tally(number, *counts[at:at + FIELDS])


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


def _build(ruleset: RuleSet) -> _Tables | None:
    """The tables, or None when a count could outgrow its byte (a grid of over 255 rows)."""
    grids = [(n, plan(ruleset.clusters[n].grid)) for n in sorted(ruleset.clusters)
             if ruleset.clusters[n].grid is not None]
    counted = [(n, [row for row in rows if row[2] in ("red", "orange")]) for n, rows in grids]
    if any(len(rows) > LIMIT for _, rows in counted):
        return None
    at = {n: i * FIELDS for i, (n, _) in enumerate(counted)}
    singles, joint = [], []
    for unit in _units([row for _, rows in counted for row in rows]):
        table = {}
        for values in itertools.product(VALUES, repeat=len(unit)):
            ratings = dict(zip(unit, values))
            table[values[0] if len(unit) == 1 else values] = sum(
                1 << 8 * (at[n] + slot(colour, row_value(scales, reading, allowed, tails,
                                                         ratings)))
                for n, rows in counted for scales, reading, colour, _, _, allowed, tails in rows
                if set(scales) <= set(unit))
        if len(unit) == 1:
            singles.append((unit[0], table))
        else:
            joint.append((unit, table))
    return _Tables(at, len(counted) * FIELDS, tuple(singles), tuple(joint))


def tables(ruleset: RuleSet) -> _Tables | None:
    """The rule set's tables (built once), or None when a count could outgrow its byte."""
    return _TABLES.get(id(ruleset), (ruleset,), lambda: _build(ruleset))


def counter(ruleset: RuleSet, ratings) -> Callable[[int], Tally | None] | None:
    """``tally(cluster)`` at ``ratings`` (None for a cluster without a grid); None when a rating
    is not one the tables hold, or the rule set has no tables (check the rows instead)."""
    built = tables(ruleset)
    counts = None if built is None else built.counts(ratings)
    return None if counts is None else functools.partial(built.tally, counts)
