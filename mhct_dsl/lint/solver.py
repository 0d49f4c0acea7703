"""Is there a record for which a formula over ratings, fits and free atoms holds? Exactly.

Criteria are translated (`formula`) into a small logic whose rating parts are decided on complete
profiles:

- `Lit`: a rating condition on one factor (``scale 7 <= 1``), a set of factor values;
- `Red`: cluster n's red rows are all met (``fits cluster n``: fits or weaker);
- ``fits step_up`` / ``fits step_down`` (`mhct_dsl.stepfit`: the best fit of the pool -- the
  current cluster and its likely/possible targets -- is a target in that direction) is bounded
  from both sides by red checks: to prove that something can never hold it is read as "some
  target fits" (a superset, mode ``upper``), to find a witness as "a target fits and no other
  cluster of the pool does" (a subset, ``lower``, so the witness is real), and to prove that
  something always holds as "never" (the empty subset, ``empty``: a step is never taken for
  granted). A finding that hinges on the finer ranking between two fitting clusters can
  therefore be missed, but none is ever wrong;
- `Atom`: everything a profile does not decide: facts, events, start dates, and conditions over a
  history (``remained``, ``stable``, ``consistently``). Atoms are free and independent, one per
  distinct written condition (``no event X`` is the negation of ``event X``). Treating them as
  independent can only add records, so "never" and "always" answers are sound, though a
  contradiction hidden in a history (``scale 3 remained <= 2`` with ``scale 3 = 4``) is missed.

`satisfy` runs the factor DP of `search` with a state holding each literal's value and each
tracked red check, drops states the formula already rules out, and tries the atoms at the end. It
returns a witness (a complete profile and the atoms' values) or None.
"""

from __future__ import annotations

import itertools
from typing import Union

import attrs

from .. import logic
from .. import nodes as n
from ..formatter import format_condition
from ..model import Cluster, RuleSet
from ..stepfit import COUNTED, pool
from . import search
from .space import FACTORS, SIZES, GridSets, factor_of, scale_rating


@attrs.frozen
class Lit:
    factor: int
    values: frozenset[int]


@attrs.frozen
class Red:
    cluster: int


@attrs.frozen
class Atom:
    key: str


@attrs.frozen
class Not:
    item: Formula


@attrs.frozen
class And:
    items: tuple[Formula, ...]


@attrs.frozen
class Or:
    items: tuple[Formula, ...]


Formula = Union[Lit, Red, Atom, Not, And, Or]
BUDGET = 2_000  # live states per factor before a question is left undecided


FLIP = {"upper": "lower", "lower": "upper", "empty": "upper"}


def formula(cond: n.Condition, ruleset: RuleSet, cluster: Cluster,
            grids: dict[int, GridSets], mode: str) -> Formula:
    """A condition of ``cluster``'s columns as a formula (see the module docstring): a superset
    of the records it holds for (``mode`` "upper") or a subset ("lower", "empty"); negation
    turns one into the other."""
    if isinstance(cond, n.Not):
        return Not(formula(cond.operand, ruleset, cluster, grids, FLIP[mode]))
    if isinstance(cond, (n.AllOf, n.AnyOf)):
        parts = tuple(formula(op, ruleset, cluster, grids, mode) for op in cond.operands)
        return And(parts) if isinstance(cond, n.AllOf) else Or(parts)
    if isinstance(cond, n.ScaleIs):
        factor = factor_of(cond.scale)
        return Lit(factor, frozenset(v for v in range(SIZES[factor])
                                     if cond.comparison.holds(scale_rating(cond.scale, v))))
    if isinstance(cond, n.FitsClusters) and cond.consistently is None:
        return Or(tuple(Red(c) if c in grids else Atom(f"fits cluster {c}")
                        for c in cond.clusters))
    if isinstance(cond, n.FitsTransition) and cond.consistently is None:
        direction = "up" if cond.direction == "step_up" else "down"
        if mode == "empty":
            return Or(())
        members = [d for d in pool(ruleset, cluster) if d in grids]
        return Or(tuple(
            And((Red(t),) + tuple(Not(Red(d)) for d in members if d != t and mode == "lower"))
            for t in cluster.targets(direction, COUNTED) if t in grids))
    if isinstance(cond, n.EventWithin) and cond.absent:
        return Not(Atom(format_condition(attrs.evolve(cond, absent=False))))
    return Atom(format_condition(cond))


def column_formula(column: n.Column, ruleset: RuleSet, cluster: Cluster, grids,
                   mode: str) -> Formula:
    """A column's criteria under its quantifier (``one`` and ``any``: any; ``all``: all)."""
    parts = tuple(formula(c.condition, ruleset, cluster, grids, mode) for c in column.criteria)
    return And(parts) if column.quantifier == "all" else Or(parts)


@attrs.frozen
class Witness:
    """A record for which a formula holds: a complete profile and the free atoms' values."""

    ratings: dict[str, int]
    atoms: dict[str, bool]


def _parts(f: Formula, into: dict[type, list]) -> None:
    if isinstance(f, Not):
        _parts(f.item, into)
    elif isinstance(f, (And, Or)):
        for item in f.items:
            _parts(item, into)
    elif f not in into[type(f)]:
        into[type(f)].append(f)


def satisfy(f: Formula, grids: dict[int, GridSets]) -> Witness | None:
    """A witness for ``f`` over complete profiles and free atoms, or None if there is none."""
    parts: dict[type, list] = {Lit: [], Red: [], Atom: []}
    _parts(f, parts)
    lits, atoms = parts[Lit], parts[Atom]
    tracked = list(dict.fromkeys(r.cluster for r in parts[Red]))
    slot = {c: i for i, c in enumerate(tracked)}
    weight = [sum(l.factor == k for l in lits) * 100
              + sum(grids[c].red[k] is not None for c in tracked) for k in range(len(FACTORS))]
    order = sorted(range(len(FACTORS)), key=lambda k: (-weight[k], k))
    # After position p: whether a red row of each tracked cluster is still to come.
    exposed = [[False] * len(tracked) for _ in order]
    for p in range(len(order) - 2, -1, -1):
        k = order[p + 1]
        for i, c in enumerate(tracked):
            exposed[p][i] = exposed[p + 1][i] or grids[c].red[k] is not None

    def effect(factor: int, value: int) -> tuple:
        return (tuple(value in l.values if l.factor == factor else None for l in lits),
                tuple(grids[c].meets_red(factor, value) for c in tracked))

    def step(state, eff, p: int):
        lit_values = tuple(e if e is not None else v for v, e in zip(state[0], eff[0]))
        nxt = (lit_values, tuple(r and e for r, e in zip(state[1], eff[1])))
        return None if _value(f, nxt, p, None) is False else nxt

    def _value(g: Formula, state, p, atoms_known):
        if isinstance(g, Lit):
            return state[0][lits.index(g)]
        if isinstance(g, Red):
            i = slot[g.cluster]
            if not state[1][i]:
                return False
            return None if p is not None and exposed[p][i] else True
        if isinstance(g, Atom):
            return None if atoms_known is None else atoms_known[g.key]
        if isinstance(g, Not):
            return logic.not_(_value(g.item, state, p, atoms_known))
        values = (_value(item, state, p, atoms_known) for item in g.items)
        return logic.all_of(values) if isinstance(g, And) else logic.any_of(values)

    start = (tuple(None for _ in lits), tuple(True for _ in tracked))
    final = search.run(order, start, effect, step, budget=BUDGET)
    keys = [a.key for a in atoms]
    for state, (_, trail) in final.items():
        for bits in itertools.product((True, False), repeat=len(keys)):
            known = dict(zip(keys, bits))
            if _value(f, state, None, known):
                return Witness(search.witness(trail), known)
    return None
