"""The checked rule set compiled once into lookup tables (the batch path's "machine code").

Ratings are coded 0-4, `UNKNOWN_9` (rated 9) and `UNRATED` (missing), so a scale has `CODES`
values. Scales that share a grid row (the 7|8 pair) are indexed jointly, and scales are packed into
*blocks* of up to `BLOCK` scales. What a cluster's fit, possible fits and rank keys depend on is
its *state*: how many of its red rows are false and unknown, and how many orange rows are false and
unknown. A state is one mixed-radix number (per cluster: red rows + 1, orange rows + 1 per digit),
offset so every cluster's states are distinct, and because the digits add up row by row, a block's
table can map every combination of its scales' codes to each cluster's share of it. Summing one
gathered table row per block gives every cluster's state for a whole batch; per-state tables
(`Compiled.state_counts`) then give counts, labels and keys by one more gather (`kernel`).

A row's truth under unknowns (`row_truth`) is decided by enumeration, which is the definition
(ALLOCATION-SPEC): true iff the row is met for every filling of its unknown ratings, false iff for
none, else unknown. For the ``either`` reading that is the Kleene OR of its scales' values.
"""

from __future__ import annotations

import functools
import itertools

import attrs
import numpy as np

from ..model import NOT_KNOWN, RuleSet, row_class

__all__ = ["Compiled", "compile_ruleset", "encode_rating", "row_truth", "truth_table", "CODES",
           "UNKNOWN_9", "UNRATED"]

CODES = 7
UNKNOWN_9 = 5
UNRATED = 6
BLOCK = 3


def row_truth(codes: tuple[int, ...], allowed: frozenset[int], reading: str) -> bool | None:
    """A row's value for coded ratings: true (false) iff it is met for every (no) filling of the
    unknown ratings, else None. ``max`` reads the higher rating, ``either`` any of them."""
    choices = [range(5) if code >= UNKNOWN_9 else (code,) for code in codes]
    read = max if reading == "max" else lambda values: next(
        (v for v in values if v in allowed), values[0])
    outcomes = {read(filling) in allowed for filling in itertools.product(*choices)}
    return outcomes.pop() if len(outcomes) == 1 else None


@functools.lru_cache(maxsize=256)
def truth_table(allowed: frozenset[int], reading: str, width: int) -> np.ndarray:
    """`row_truth` of a row of ``width`` scales for every combination of their codes: 0 false,
    1 true, 2 unknown, at index sum(code_i * CODES ** i) (read-only; rows alike share it)."""
    table = np.zeros(CODES ** width, dtype=np.uint8)
    for combo in itertools.product(range(CODES), repeat=width):
        value = row_truth(combo, allowed, reading)
        table[sum(c * CODES ** i for i, c in enumerate(combo))] = 2 if value is None else value
    table.flags.writeable = False
    return table


@attrs.frozen(eq=False)
class Row:
    """A grid row reduced to what evaluation needs."""

    cluster: int
    scales: tuple[str, ...]
    colour: str
    allowed: frozenset[int]
    reading: str
    label: str  # as the rule file writes the scales: ``6``, ``7|8``, ``max(7,8)``


@attrs.frozen(eq=False)
class Compiled:
    """Lookup tables for one rule set (`compile_ruleset`); immutable, shareable between threads."""

    fingerprint: str
    scales: tuple[str, ...]
    clusters: np.ndarray  # cluster numbers with a grid, ascending
    rows: tuple[Row, ...]
    blocks: tuple[tuple[np.ndarray, np.ndarray], ...]  # (scale columns, table[index, cluster])
    state_column: np.ndarray  # state -> cluster column
    state_counts: np.ndarray  # state -> (red false, red unknown, orange false, orange unknown)
    red_total: np.ndarray
    orange_total: np.ndarray
    group_names: tuple[str, ...]  # top-level groups in file order, then branch names
    group_masks: np.ndarray  # (len(group_names) + 1, C): members; the last row (NONE) is empty
    cluster_group: dict[int, str]  # cluster -> its top-level group
    variance: int | None
    numbers: tuple[int, ...]  # every cluster of the rule set, with a grid or not

    @property
    def column_of(self) -> dict[int, int]:
        """Cluster number -> its column in the batch arrays."""
        return {int(c): i for i, c in enumerate(self.clusters)}


def _blocks_of(scales: tuple[str, ...], rows: tuple[Row, ...]) -> list[list[str]]:
    """Scales grouped so every row's scales share a block (7|8), packed up to `BLOCK` a block."""
    parent = {s: s for s in scales}

    def root(s):
        while parent[s] != s:
            s = parent[s]
        return s

    for row in rows:
        for other in row.scales[1:]:
            parent[root(other)] = root(row.scales[0])
    components: dict[str, list[str]] = {}
    for s in scales:
        components.setdefault(root(s), []).append(s)
    blocks: list[list[str]] = []
    for component in sorted(components.values(), key=len, reverse=True):
        target = next((b for b in blocks if len(b) + len(component) <= BLOCK), None)
        if target is None:
            blocks.append(list(component))
        else:
            target.extend(component)
    return blocks


def _weights(rows: tuple[Row, ...], clusters: list[int]) -> np.ndarray:
    """(C, 4) digit weights: red false, red unknown, orange false, orange unknown."""
    weights = np.zeros((len(clusters), 4), dtype=np.int64)
    for i, c in enumerate(clusters):
        red = sum(r.cluster == c and r.colour == "red" for r in rows) + 1
        orange = sum(r.cluster == c and r.colour == "orange" for r in rows) + 1
        weights[i] = (1, red, red * red, red * red * orange)
    return weights


_DIGITS = {("red", False): 0, ("red", None): 1, ("orange", False): 2, ("orange", None): 3}


def _block_table(block: list[str], rows: tuple[Row, ...], clusters: list[int],
                 weights: np.ndarray) -> np.ndarray:
    """table[index, cluster]: the cluster's state digits from its rows inside ``block``, where
    index = sum(code of block[i] * CODES ** i)."""
    index_of = {c: i for i, c in enumerate(clusters)}
    coords = np.indices((CODES,) * len(block)).reshape(len(block), -1)[::-1]  # first fastest
    table = np.zeros((coords.shape[1], len(clusters)), dtype=np.int64)
    for row in rows:
        if not set(row.scales) <= set(block):
            continue
        truth = truth_table(row.allowed, row.reading, len(row.scales))
        values = truth[sum(coords[block.index(s)] * CODES ** i for i, s in enumerate(row.scales))]
        for value, code in ((False, 0), (None, 2)):
            digit = _DIGITS.get((row.colour, value))
            if digit is not None:
                column = index_of[row.cluster]
                table[values == code, column] += weights[column, digit]
    return table


def _state_counts(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-cluster state offsets, and for every state its cluster column and its four counts."""
    sizes = weights[:, 3] * (weights[:, 3] // weights[:, 2])  # (red + 1)^2 * (orange + 1)^2
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    column = np.repeat(np.arange(len(weights)), sizes)
    local = np.arange(int(sizes.sum())) - offsets[column]
    counts = np.empty((len(local), 4), dtype=np.int32)
    remainder = local.copy()
    for digit in (3, 2, 1, 0):
        counts[:, digit], remainder = np.divmod(remainder, weights[column, digit])
    return offsets, column, counts


def compile_ruleset(ruleset: RuleSet) -> Compiled:
    """Compile a checked rule set's grids, decision tree and special clusters."""
    scales = tuple(ruleset.scales) if ruleset.scales else tuple(
        s for s in ("1 2 3 4 5 6 7 8 9 10 11 12 13 A B C D E".split()))
    clusters = [n for n in sorted(ruleset.clusters) if ruleset.clusters[n].grid is not None]
    rows = []
    for number in clusters:
        for row in ruleset.clusters[number].grid.rows:
            colour = row_class(row)
            if colour is None:
                continue
            allowed = frozenset(r for b in row.bands if b.colour == colour
                                for r in range(b.low, b.high + 1))
            rows.append(Row(number, tuple(row.scales), colour, allowed, row.reading, row.label))
    rows = tuple(rows)
    weights = _weights(rows, clusters)
    offsets, state_column, state_counts = _state_counts(weights)
    blocks = []
    for block in _blocks_of(scales, rows):
        columns = np.array([scales.index(s) for s in block], dtype=np.intp)
        table = _block_table(block, rows, clusters, weights)
        if not blocks:
            table += offsets  # the first block places each cluster in its own range of states
        blocks.append((columns, table.astype(np.int32)))
    count = {colour: np.array([sum(r.cluster == c and r.colour == colour for r in rows)
                               for c in clusters], dtype=np.int32) for colour in ("red", "orange")}
    tree_groups = ruleset.tree.groups if ruleset.tree is not None else ()
    members = {g.name: {n for b in g.branches for n in b.clusters} for g in tree_groups}
    for g in tree_groups:
        for branch in g.branches:
            members.setdefault(branch.name, set(branch.clusters))  # group names first
    names = tuple(members)
    masks = np.zeros((len(names) + 1, len(clusters)), dtype=bool)
    for i, name in enumerate(names):
        masks[i] = np.isin(clusters, sorted(members[name]))
    cluster_group = {n: g.name for g in tree_groups for n in members[g.name]}
    variance = next((n for n in sorted(ruleset.clusters)
                     if ruleset.clusters[n].kind == "variance"), None)
    return Compiled(ruleset.fingerprint, scales, np.array(clusters, dtype=np.int64), rows,
                    tuple(blocks), state_column, state_counts, count["red"], count["orange"],
                    names, masks, cluster_group, variance,
                    tuple(sorted(ruleset.clusters)))


def encode_rating(value: int | None) -> int:
    """A rating as a code: 0-4 as is, 9 -> `UNKNOWN_9`, missing -> `UNRATED`."""
    if value is None:
        return UNRATED
    return UNKNOWN_9 if value == NOT_KNOWN else value
