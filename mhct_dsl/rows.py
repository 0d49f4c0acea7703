"""Grid rows checked against ratings: is a row met, not met, or unknown?

A row's *class* is its strongest colour (`model.row_class`); the row is *met* when the rating it
reads lies in a band of that colour. Bands of weaker colours on the same row are informational; a
row written ``none`` has no colour and is not checked.

What a row reads:

- a single-scale row reads that scale's rating;
- a pair row ``max(7,8)`` (the *max* reading) reads the higher of the two ratings, so a more
  severe rating never selects a milder cluster: 7=4, 8=0 does not meet ``red 1..2``;
- a pair row ``7|8`` (the *either* reading) is met when either rating lies in a band.

Unknown ratings (9 or not rated) are handled soundly: a row is True only if it is met for every
value 0-4 the unknown ratings could take, False only if it is met for none, otherwise unknown
(None). So for ``max(7,8) red 1..2``: 7=4, 8=9 is False (the higher is at least 4), 7=1, 8=9 is
unknown. For ``7|8``: True if a known rating is in a band; else, with a rating unknown, what the
bands say of every value 0-4 (all in band: True, none: False, else unknown); else False. A single scale is the max of one rating.
"""

from __future__ import annotations

import functools

from .logic import Truth
from .model import COLOURS, NOT_KNOWN, RATINGS, row_class
from .nodes import Grid, GridRow
from .records import Assessment
from .results import RowCheck

__all__ = ["Plan", "RowPlan", "plan", "row_plan", "row_value", "check_row", "row_checks", "slots",
           "slot"]

# (scales, reading, class colour, bands of that colour, label, ratings in those bands, tails):
# tails[k] is the row's value when the rating it reads is unknown but at least k (`_tail`).
RowPlan = tuple[tuple[str, ...], str, str, tuple[tuple[int, int], ...], str, frozenset[int],
                tuple[Truth, ...]]
Plan = tuple[RowPlan, ...]


def row_plan(row: GridRow) -> RowPlan | None:
    """A row compiled for checking; None for a ``none`` row."""
    if not row.bands:
        return None
    colour = row_class(row)
    bands = tuple((b.low, b.high) for b in row.bands if b.colour == colour)
    allowed = frozenset(r for lo, hi in bands for r in range(lo, hi + 1))
    tails = tuple(_tail(allowed, low) for low in RATINGS)
    return tuple(row.scales), row.reading, colour, bands, row.label, allowed, tails


def _tail(allowed: frozenset[int], low: int) -> Truth:
    """Met for every rating from ``low`` to 4 -> True, for none -> False, else unknown."""
    hits = sum(r in allowed for r in range(low, max(RATINGS) + 1))
    return True if hits == max(RATINGS) + 1 - low else False if hits == 0 else None


@functools.lru_cache(maxsize=4096)
def plan(grid: Grid) -> Plan:
    """A grid compiled for checking (grids hash once: `Grid` caches its hash)."""
    return tuple(p for p in (row_plan(row) for row in grid.rows) if p is not None)


def slot(colour: str, value: Truth) -> int:
    """A row's place among a grid's nine outcomes: colour (red, orange, yellow) by value (met,
    missed, unknown)."""
    return COLOURS.index(colour) * 3 + (0 if value is True else 1 if value is False else 2)


@functools.lru_cache(maxsize=4096)
def slots(grid: Grid) -> tuple[tuple[str, dict, str, RowPlan], ...]:
    """`plan` as lookup tables: per checked row ``(scale, table, label, row plan)``; ``table``
    maps a one-scale row's rating (0-4, 9 or None: not rated) to its `slot`. A pair row has no
    scale and an empty table, so it goes to `row_value`, as does a rating a table does not hold."""
    out = []
    for row in plan(grid):
        scales, _, colour, _, label, allowed, tails = row
        table: dict = {}
        if len(scales) == 1:
            table = {r: slot(colour, r in allowed) for r in RATINGS}
            table[NOT_KNOWN] = table[None] = slot(colour, tails[0])
        out.append((scales[0] if len(scales) == 1 else "", table, label, row))
    return tuple(out)


def row_value(scales, reading: str, allowed: frozenset[int], tails: tuple[Truth, ...],
              ratings) -> Truth:
    """Is the row met? Sound under unknown ratings (see the module docstring)."""
    if len(scales) == 1:
        raw = ratings.get(scales[0])
        return tails[0] if raw is None or raw == NOT_KNOWN else raw in allowed
    known, unknown = [], False
    for scale in scales:
        raw = ratings.get(scale)
        if raw is None or raw == NOT_KNOWN:
            unknown = True
        else:
            known.append(raw)
    if reading == "either":
        if any(r in allowed for r in known):
            return True
        # no known rating is in band: an unknown one is met for every value, some or none
        return tails[0] if unknown else False
    # The higher rating: known exactly, or anything from the highest known rating up to 4.
    low = max(known, default=min(RATINGS))
    return tails[low] if unknown else low in allowed


def _value(row: RowPlan, ratings) -> Truth:
    scales, reading, _, _, _, allowed, tails = row
    return row_value(scales, reading, allowed, tails, ratings)


def _check(row: RowPlan, ratings) -> RowCheck:
    scales, _, colour, bands, label, _, _ = row
    raws = tuple(ratings.get(s) for s in scales)
    return RowCheck(scales, colour, bands, raws, _value(row, ratings), label)


def check_row(row: GridRow, assessment: Assessment) -> RowCheck | None:
    """One grid row against an assessment; None for a ``none`` row."""
    compiled = row_plan(row)
    return None if compiled is None else _check(compiled, assessment.ratings)


def row_checks(compiled: Plan, ratings, unknown: tuple[str, ...] | None = None
               ) -> tuple[RowCheck, ...]:
    """Every checked row of a compiled grid, in grid order; with ``unknown`` (colours) only the
    rows of those colours that unknown ratings leave undecided."""
    if unknown is None:
        return tuple(_check(row, ratings) for row in compiled)
    return tuple(_check(row, ratings) for row in compiled
                 if row[2] in unknown and _value(row, ratings) is None)
