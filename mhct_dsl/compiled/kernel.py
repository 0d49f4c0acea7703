"""Whole-batch allocation over the compiled tables: the semantics of ALLOCATION-SPEC as arrays.

`evaluate(compiled, codes, group, recorded)` takes a batch as arrays (ratings coded by
`tables.encode_rating`, one row a record) and returns a `Batch` of arrays: every cluster's fit
label and possible labels, ranking, the settled group, the outcome, the suggestion and the
recorded cluster's red-rule adherence. Nothing here loops over records in Python.
"""

from __future__ import annotations

import functools

import attrs
import numpy as np

from .tables import CODES, UNKNOWN_9, Compiled

__all__ = ["Batch", "evaluate", "LABELS", "OUTCOMES", "GROUP_SOURCES", "POSSIBLE_BITS"]

LABELS = ("fits", "weaker", "unknown", "no")
POSSIBLE_BITS = (("fits", 1), ("weaker", 2), ("no", 4))
OUTCOMES = ("fits", "weaker", "further_assessment_required", "variance", "no_fit_in_group",
            "no_rated_needs", "group_needed")
GROUP_SOURCES = ("record", "argument", "recorded_cluster")
NONE = -1
_SHIFT = 5  # bits per rank-key field: counts of rows <= 18 scales
_MASK = (1 << _SHIFT) - 1
_COLUMN = (1 << 8) - 1


@attrs.frozen(eq=False)
class States:
    """Per-state tables (a state is a cluster's red/orange false/unknown counts)."""

    label: np.ndarray  # index into LABELS
    possible: np.ndarray  # bit set of POSSIBLE_BITS (the label's own bit when definite)
    could_fit: np.ndarray  # no red row is false
    red_met: np.ndarray  # every red row is true
    best: np.ndarray  # rank key of the best case (every unknown row met); smaller is better
    worst: np.ndarray  # rank key of the worst case (every unknown row missed)
    counts: np.ndarray  # (red false, red unknown, orange false, orange unknown)


def _key(fails, misses, red_met, orange_met, column):
    """Rank key as one integer, smaller is better: fitting first, fewer orange misses, more red
    rows met, more orange rows met, lower cluster number."""
    return ((((fails.astype(np.int32) << _SHIFT | misses) << _SHIFT | (_MASK - red_met))
             << _SHIFT | (_MASK - orange_met)) << 8) | column  # column: the last 8 bits


@functools.lru_cache(maxsize=8)
def states(compiled: Compiled) -> States:
    """The per-state tables of a compiled rule set (computed once)."""
    rf, ru, of, ou = compiled.state_counts.T
    column = compiled.state_column
    red, orange = compiled.red_total[column], compiled.orange_total[column]
    label = np.select([rf > 0, ru > 0, of > 0, ou > 0], [3, 2, 1, 2], 0).astype(np.int8)
    possible = np.select(
        [rf > 0, ru > 0, of > 0, ou > 0],
        [4, 4 | np.where(of + ou > 0, 2, 0) | np.where(of == 0, 1, 0), 2, 2 | 1], 1
    ).astype(np.int8)
    best = _key(rf > 0, of, red - rf, orange - of, column)
    worst = _key((rf > 0) | (ru > 0), of + ou, red - rf - ru, orange - of - ou, column)
    return States(label, possible, rf == 0, (rf == 0) & (ru == 0), best, worst,
                  compiled.state_counts)


@attrs.frozen(eq=False)
class Batch:
    """Per-record arrays (n records, C = clusters with a grid, in `Compiled.clusters` order)."""

    states: States
    state: np.ndarray  # (n, C) each cluster's state (index into the `States` tables)
    group: np.ndarray  # (n,) index into Compiled.group_names or NONE
    group_source: np.ndarray  # (n,) index into GROUP_SOURCES or NONE
    outcome: np.ndarray  # (n,) index into OUTCOMES
    suggested: np.ndarray  # (n,) cluster number or NONE
    recorded_adheres: np.ndarray  # (n,) 1 true, 0 false, NONE unknown or no recorded cluster

    def label(self) -> np.ndarray:
        """(n, C) index into LABELS."""
        return self.states.label[self.state]

    def order(self) -> np.ndarray:
        """(n, C) cluster columns, best first (display order: by best case)."""
        return np.sort(self.states.best[self.state], axis=1) & _COLUMN


def _state(compiled: Compiled, codes: np.ndarray) -> np.ndarray:
    total = np.zeros((codes.shape[0], len(compiled.clusters)), dtype=np.int32)
    for columns, table in compiled.blocks:
        index = codes[:, columns[0]].astype(np.intp)
        for i, column in enumerate(columns[1:], start=1):
            index += codes[:, column].astype(np.intp) * CODES ** i
        total += table[index]
    return total


def evaluate(compiled: Compiled, codes: np.ndarray, group: np.ndarray | None = None,
             group_source: np.ndarray | None = None, recorded: np.ndarray | None = None) -> Batch:
    """Allocate a batch.

    ``codes``: (n, scales) uint8 coded ratings, columns in ``compiled.scales`` order.
    ``group``: (n,) index into ``compiled.group_names`` or NONE, with ``group_source`` saying
    where it came from (0 record, 1 argument). ``recorded``: (n,) recorded cluster or NONE.
    """
    n, clusters = codes.shape[0], compiled.clusters
    tables = states(compiled)
    state = _state(compiled, codes)
    could_fit = tables.could_fit[state]
    rows = np.arange(n)

    # The group (decision-tree step): the record's or the argument's, else the recorded cluster's.
    names, masks = compiled.group_names, compiled.group_masks
    settled = np.full(n, NONE, dtype=np.int16) if group is None else group.astype(np.int16)
    source = (np.full(n, NONE, dtype=np.int8) if group_source is None
              else group_source.astype(np.int8))
    if recorded is not None:
        recorded_group = np.array([names.index(compiled.cluster_group[c])
                                   if compiled.cluster_group.get(c) in names else NONE
                                   for c in range(int(recorded.max(initial=0)) + 1)],
                                  dtype=np.int16)
        take = (settled == NONE) & (recorded >= 0)
        via = np.where(take, recorded_group[np.where(recorded >= 0, recorded, 0)], NONE)
        source = np.where(via != NONE, 2, source).astype(np.int8)
        settled = np.where(via != NONE, via, settled).astype(np.int16)

    # The suggestion: interval dominance among the settled group's candidates.
    has_group = settled != NONE
    in_group = masks[settled]  # NONE picks the last row, which is empty
    live = in_group & could_fit
    big = np.iinfo(np.int32).max
    live_best = np.where(live, tables.best[state], big)
    first = live_best.argmin(axis=1)
    first_state = state[rows, first]
    live_best[rows, first] = big
    decided = (live[rows, first] & tables.red_met[first_state]
               & (tables.worst[first_state] < live_best.min(axis=1)))
    first_label = tables.label[first_state]

    outcome = np.full(n, OUTCOMES.index("further_assessment_required"), dtype=np.int8)
    suggested = np.full(n, NONE, dtype=np.int64)
    definite = decided & (first_label <= 1)
    outcome[definite] = first_label[definite]
    suggested[decided] = clusters[first[decided]]
    none_fit = ~could_fit.any(axis=1)
    group_closed = has_group & ~live.any(axis=1)
    outcome[group_closed] = OUTCOMES.index("no_fit_in_group")
    variance = none_fit
    outcome[variance] = OUTCOMES.index("variance")
    suggested[variance] = NONE if compiled.variance is None else compiled.variance
    ungrouped = ~has_group & ~none_fit
    outcome[ungrouped] = OUTCOMES.index("group_needed")
    # No rated needs: every rating known and 0; every known rating 0 but some unknown: the person
    # may have none, so further assessment (and nothing suggested).
    zero_or_unknown = ((codes == 0) | (codes >= UNKNOWN_9)).all(axis=1)
    no_needs = zero_or_unknown & (codes == 0).all(axis=1)
    outcome[zero_or_unknown] = OUTCOMES.index("further_assessment_required")
    outcome[no_needs] = OUTCOMES.index("no_rated_needs")
    suggested[zero_or_unknown | ungrouped | group_closed & ~variance] = NONE

    adheres = np.full(n, NONE, dtype=np.int8)
    if recorded is not None:
        has = recorded >= 0
        with_grid = has & np.isin(recorded, clusters)
        adheres[has & ~with_grid] = 0  # a cluster without a grid cannot be allocated to
        col = np.searchsorted(clusters, np.where(with_grid, recorded, clusters[0]))
        recorded_state = state[rows, col]
        adheres[with_grid] = np.where(~tables.could_fit[recorded_state], 0, np.where(
            tables.red_met[recorded_state], 1, NONE))[with_grid]
        if compiled.variance is not None:
            is_var = has & (recorded == compiled.variance)
            any_met = tables.red_met[state].any(axis=1)
            adheres[is_var] = np.where(none_fit, 1, np.where(any_met, 0, NONE))[is_var]
    return Batch(tables, state, settled, source, outcome, suggested, adheres)
