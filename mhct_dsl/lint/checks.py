"""The lint findings: overlapping grids, contradictory or redundant criteria, unreachable rules.

Each check is exact (sets over the factors of `space`, or `solver.satisfy`) and yields `Finding`s
with a witness where one exists. Grids are compared within each decision-tree group, where they
compete for the same profiles (allocation settles the group first).

- ``red_equal`` / ``grids_coincide``: two clusters' red regions are equal (and their orange
  regions too: nothing but the tie-breakers tells them apart);
- ``red_nested``: every profile meeting one cluster's red rows meets another's;
- ``never_best``: no complete profile makes the cluster the group's best fit;
- ``criterion_never_true`` / ``criterion_always_true``: a criterion that cannot hold (alone, or
  in an ``all`` column with the others) or cannot fail (alone, or implied by the others);
- ``column_never_holds`` / ``column_always_holds``: the same for a column as a whole, when no one
  criterion explains it;
- ``target_never_fits``: a likely/possible step target that can never be the best fit of the
  cluster's step pool (`mhct_dsl.stepfit`), so ``fits step_up``/``step_down`` never names it (or
  it has no grid);
- ``step_up_and_discharge``: one record can meet both the step-up and the discharge column.

``fits cluster N`` naming a cluster without a grid is an error of `mhct check` already.
"""

from __future__ import annotations

from typing import Iterator

import attrs

from ..model import Cluster, RuleSet
from ..nodes import Move, Span
from .search import TooManyStates
from .solver import BUDGET
from .ranking import alone_witness, best_witness, perfect_witness
from ..stepfit import pool
from .solver import And, Not, Or, Red, Witness, column_formula, formula, satisfy
from .space import GridSets, profile


@attrs.frozen
class Finding:
    """One warning. ``cluster`` is where an ``accept`` entry for it goes, ``others`` the clusters
    that entry must name; ``accepted`` is the entry's reason once matched."""

    code: str
    message: str
    span: Span | None
    cluster: int
    others: tuple[int, ...] = ()
    witness: Witness | None = None
    accepted: str | None = None


class Solver:
    """`solver.satisfy` that records the questions it could not decide within the budget
    (``undecided``: where and what); an undecided question never yields a finding."""

    UNDECIDED = "undecided"

    def __init__(self, grids: dict[int, GridSets]):
        self.grids = grids
        self.undecided: list[str] = []

    def __call__(self, f, what: str):
        try:
            return satisfy(f, self.grids)
        except TooManyStates:
            self.undecided.append(what)
            return self.UNDECIDED


def group_members(ruleset: RuleSet, grids: dict[int, GridSets]) -> dict[str, list[int]]:
    """Each decision-tree group's clusters that have a grid, in number order."""
    groups = ruleset.tree.groups if ruleset.tree is not None else ()
    return {g.name: sorted(c for b in g.branches for c in b.clusters if c in grids)
            for g in groups}


def grid_overlaps(ruleset: RuleSet, grids: dict[int, GridSets]) -> list[Finding]:
    """The red_equal / grids_coincide / red_nested findings of every group (set comparisons)."""
    return [f for members in group_members(ruleset, grids).values()
            for f in _overlaps(ruleset, grids, members)]


def findings(ruleset: RuleSet, solve: Solver) -> list[Finding]:
    """Every finding, in cluster order (``solve.undecided`` lists what could not be decided)."""
    grids = solve.grids
    found: list[Finding] = []
    for members in group_members(ruleset, grids).values():
        found.extend(_overlaps(ruleset, grids, members))
        found.extend(_never_best(ruleset, solve, members))
    for cluster in ruleset.clusters.values():
        found.extend(_columns(ruleset, cluster, solve))
        found.extend(_targets(ruleset, cluster, solve))
        found.extend(_step_up_and_discharge(ruleset, cluster, solve))
    return sorted(found, key=lambda f: (f.cluster, f.span or ("", 0, 0, 0, 0), f.code))


# ---- grids ----------------------------------------------------------------------------------


def _within(a: tuple, b: tuple) -> bool:
    """Is the product set ``a`` inside ``b`` (per factor; None is the whole factor)?"""
    return all(y is None or (x is not None and x <= y) for x, y in zip(a, b))


def _inside(g: GridSets) -> Witness:
    """A profile meeting every red row of ``g``: the lowest rating of each red set."""
    return Witness(profile({f: min(red) for f, red in enumerate(g.red) if red is not None}), {})


def _overlaps(ruleset, grids, members) -> Iterator[Finding]:
    for i, c in enumerate(members):
        for d in members[i + 1:]:
            a, b = grids[c], grids[d]
            inner, outer = (c, d) if _within(a.red, b.red) else (d, c)
            if not _within(grids[inner].red, grids[outer].red):
                continue
            span = ruleset.clusters[inner].grid.span
            if _within(a.red, b.red) and _within(b.red, a.red):  # on the higher number, d
                span = ruleset.clusters[d].grid.span
                same_orange = a.orange == b.orange
                yield Finding(
                    "grids_coincide" if same_orange else "red_equal",
                    f"clusters {c} and {d} have the same red rows"
                    + (" and the same orange rows: only the tie-breakers tell them apart"
                       if same_orange else ": only orange rows tell them apart"),
                    span, d, (c,), _inside(a))
            else:
                yield Finding(
                    "red_nested", f"every profile meeting cluster {inner}'s red rows meets "
                    f"cluster {outer}'s: cluster {outer} is always a candidate beside it",
                    span, inner, (outer,), _inside(grids[inner]))


def _never_best(ruleset, solve: Solver, members) -> Iterator[Finding]:
    grids = solve.grids
    for i, c in enumerate(members):
        ranked = [grids[m] for m in members]
        if alone_witness(ranked, i) is None and perfect_witness(ranked, i) is None \
                and best_witness(ranked, i) is None:
            yield Finding("never_best", f"cluster {c} is never the best fit in its group: for "
                          "every profile another cluster fits better or wins the tie-breakers",
                          ruleset.clusters[c].grid.span, c)


# ---- criteria and columns ---------------------------------------------------------------------


def _columns(ruleset: RuleSet, cluster: Cluster, solve: Solver) -> Iterator[Finding]:
    for column in cluster.columns.values():
        if column.quantifier == "n/a":
            continue
        # Each criterion bounded from above (to refute it), from below (to find a witness) and
        # from below cheaply (to refute its negation).
        upper, lower, empty = ([formula(c.condition, ruleset, cluster, solve.grids, mode)
                                for c in column.criteria] for mode in ("upper", "lower", "empty"))
        reported = set()
        for index, criterion in enumerate(column.criteria):
            others_up = And(tuple(p for j, p in enumerate(upper) if j != index))
            others_low = And(tuple(p for j, p in enumerate(lower) if j != index))
            joint = column.quantifier == "all" and len(upper) > 1
            where = f"{column.kind} criterion {index + 1}"
            ask = f"cluster {cluster.number}, {where}"
            if solve(upper[index], ask + ": can it hold?") is None:
                kind, text = "never", f"{where} can never be true"
            elif solve(Not(empty[index]), ask + ": can it fail?") is None:
                kind, text = "always", f"{where} is always true"
            elif joint and isinstance(solve(others_low, ask + ": can the others hold?"), Witness) \
                    and solve(And((others_up, upper[index])),
                              ask + ": can it hold with the others?") is None:
                kind, text = "never", f"{where} contradicts the others: the column can never hold"
            elif joint and solve(And((others_up, Not(empty[index]))),
                                 ask + ": can it fail when the others hold?") is None:
                kind, text = "always", f"{where} is implied by the others (redundant)"
            else:
                continue
            reported.add(kind)
            yield Finding(f"criterion_{kind}_true", text, criterion.span, cluster.number)
        ask = f"cluster {cluster.number}, the {column.kind} column"
        quantified = And if column.quantifier == "all" else Or
        if "never" not in reported and solve(quantified(tuple(upper)),
                                             ask + ": can it hold?") is None:
            yield Finding("column_never_holds", f"the {column.kind} column can never hold",
                          column.span, cluster.number)
        elif "always" not in reported and solve(Not(quantified(tuple(empty))),
                                                ask + ": can it fail?") is None:
            yield Finding("column_always_holds", f"the {column.kind} column always holds",
                          column.span, cluster.number)


def _targets(ruleset: RuleSet, cluster: Cluster, solve: Solver) -> Iterator[Finding]:
    grids = solve.grids
    if cluster.transitions is None or cluster.number not in grids:
        return
    for move in cluster.transitions.moves:
        if not isinstance(move, Move) or move.direction not in ("up", "down"):
            continue
        for likelihood, numbers in move.groups:
            if likelihood not in ("likely", "possible"):
                continue
            for t in numbers:
                if t not in grids:
                    reason = f"cluster {t} has no grid"
                elif _never_best_of_pool(t, ruleset, cluster, solve) is True:
                    reason = (f"no profile makes it the best fit among cluster {cluster.number} "
                              "and its likely/possible transitions")
                else:
                    continue
                yield Finding("target_never_fits", f"step {move.direction} target {t} "
                              f"({likelihood}) can never be suggested: {reason}", move.span,
                              cluster.number, (t,))


def _never_best_of_pool(target: int, ruleset: RuleSet, cluster: Cluster, solve: Solver):
    """True, False, or None when the search outgrows the budget (recorded as undecided)."""
    grids = solve.grids
    members = [d for d in pool(ruleset, cluster) if d in grids]
    ranked, index, stays = [grids[d] for d in members], members.index(target), \
        members.index(cluster.number)
    if alone_witness(ranked, index) or perfect_witness(ranked, index, stays):
        return False
    try:
        return best_witness(ranked, index, stays, BUDGET) is None
    except TooManyStates:
        solve.undecided.append(f"can cluster {target} be the best fit of cluster "
                               f"{cluster.number}'s step pool?")
        return None


def _step_up_and_discharge(ruleset: RuleSet, cluster: Cluster, solve: Solver) -> Iterator[Finding]:
    up, discharge = cluster.columns.get("step_up"), cluster.columns.get("discharge")
    if up is None or discharge is None or "n/a" in (up.quantifier, discharge.quantifier):
        return
    grids = solve.grids
    both = solve(And((column_formula(up, ruleset, cluster, grids, "lower"),
                      column_formula(discharge, ruleset, cluster, grids, "lower"))),
                 f"cluster {cluster.number}: can step-up and discharge both hold?")
    if isinstance(both, Witness):
        yield Finding("step_up_and_discharge", "one record can meet both the step-up and the "
                      "discharge criteria (review takes step-up, booklet step 3 before 4)",
                      discharge.span, cluster.number, (), both)

