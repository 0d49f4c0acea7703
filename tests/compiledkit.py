"""Random rule sets and records for the compiled-path tests, and a brute-force oracle.

The oracle is the allocation semantics written the slow, obvious way (ALLOCATION-SPEC): a grid is
judged on every *filling* of the unknown ratings (each unknown replaced by 0..4); a label is
definite iff every filling gives it; under a filling the best candidate is the least rank key.
It shares no code with `mhct_dsl.compiled` or `mhct_dsl.allocation`.
"""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

from evalkit import BOOKLET, cluster, grid
from mhct_dsl import nodes as n
from mhct_dsl.model import SCALE_IDS, RuleSet

UNITS = ("1", "2", "3", "6", "7|8", "9", "12", "A", "E")
COLOURS = ("red", "orange", "yellow")
GROUPS = ("alpha", "beta", "gamma")


@st.composite
def grid_rows(draw) -> n.GridRow:
    scales = draw(st.sampled_from(UNITS))
    bands, used = [], set()
    for _ in range(draw(st.integers(1, 2))):
        low = draw(st.integers(0, 4))
        high = draw(st.integers(low, min(4, low + 2)))
        if used & set(range(low, high + 1)):
            continue
        used |= set(range(low, high + 1))
        bands.append(n.Band(draw(st.sampled_from(COLOURS)), low, high))
    reading = draw(st.sampled_from(("max", "either"))) if "|" in scales else "either"
    return n.GridRow(tuple(scales.split("|")), bands, reading=reading)


@st.composite
def rule_sets(draw) -> RuleSet:
    """2-7 clusters with random grids (each scale at most once a grid) under 1-3 groups, plus a
    variance cluster 0 and a blank cluster 9."""
    groups = GROUPS[:draw(st.integers(1, 3))]
    numbers = draw(st.lists(st.sampled_from((1, 2, 3, 4, 10, 11, 14, 18)), min_size=2,
                            max_size=7, unique=True))
    clusters = {0: cluster(0, "Variance", kind="variance"), 9: cluster(9, "Blank", kind="blank")}
    members: dict[str, list[int]] = {g: [] for g in groups}
    for number in sorted(numbers):
        rows = draw(st.lists(grid_rows(), min_size=1, max_size=5,
                             unique_by=lambda r: r.scales))
        group = draw(st.sampled_from(groups))
        members[group].append(number)
        clusters[number] = cluster(number, f"C{number}", group=group, branch=group + "_b",
                                   grid=grid(*rows))
    tree = n.DecisionTreeDecl("tree", [
        n.Group(g, g, [n.Branch(g + "_b", g, tuple(members[g]))]) for g in groups if members[g]])
    return RuleSet(name="Random", version="R", header={}, scales={}, facts={}, events={},
                   tree=tree, clusters=clusters, fingerprint="sha256:random")


@st.composite
def ratings(draw, max_unknown: int = 3) -> dict[str, int]:
    """Ratings for every scale: mostly 0-4, up to ``max_unknown`` of them 9 or missing."""
    values = {s: draw(st.integers(0, 4)) for s in SCALE_IDS}
    for scale in draw(st.lists(st.sampled_from(("1", "2", "6", "7", "8", "A", "12")),
                               max_size=max_unknown, unique=True)):
        if draw(st.booleans()):
            values[scale] = 9
        else:
            del values[scale]
    return values


# ---- the oracle -----------------------------------------------------------------------------------


def _class(row: n.GridRow):
    colours = {b.colour for b in row.bands}
    return next((c for c in COLOURS if c in colours), None)


def complete_fit(cluster_, ratings_):
    """(label, rank key) of a grid under complete ratings."""
    red_met = red_rows = orange_met = orange_missed = 0
    for row in cluster_.grid.rows:
        colour = _class(row)
        if colour not in ("red", "orange"):
            continue
        allowed = {v for b in row.bands if b.colour == colour for v in range(b.low, b.high + 1)}
        values = [ratings_[s] for s in row.scales]
        met = (max(values) in allowed) if row.reading == "max" \
            else any(v in allowed for v in values)
        if colour == "red":
            red_rows += 1
            red_met += met
        else:
            orange_met += met
            orange_missed += not met
    fitting = red_met == red_rows
    label = ("weaker" if orange_missed else "fits") if fitting else "no"
    return label, (not fitting, orange_missed, -red_met, -orange_met, cluster_.number)


def fillings(ratings_):
    """Every complete ratings dict the unknowns of ``ratings_`` could become."""
    unknown = [s for s in SCALE_IDS if ratings_.get(s, 9) == 9]
    for values in itertools.product(range(5), repeat=len(unknown)):
        yield {**ratings_, **dict(zip(unknown, values))}


def oracle_labels(ruleset, ratings_):
    """{cluster: set of labels over every filling}."""
    out = {}
    for filled in fillings(ratings_):
        for number, c in ruleset.clusters.items():
            if c.grid is not None:
                out.setdefault(number, set()).add(complete_fit(c, filled)[0])
    return out


def oracle_best(ruleset, filled, members):
    """The best fitting cluster among ``members`` under complete ratings, or None."""
    keyed = [complete_fit(ruleset.clusters[m], filled) for m in members]
    fitting = [key for label, key in keyed if label != "no"]
    return min(fitting)[-1] if fitting else None
