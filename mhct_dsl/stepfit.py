"""The reading of "Service User fits description and scoring profile of any likely/ possible
'step-up' ('step-down') cluster" (`fits step_up` / `fits step_down`).

The booklet (Care Transition Protocols): "individuals only fit the needs profiles for the
appropriate cluster at certain key points in their journey ... at clinical reviews additional
factors must also be taken into account before an alternative cluster allocation is made", and
"Only when a set of criteria have been met should the allocated cluster be changed to that
suggested by the clustering tool ratings". Neighbouring profiles overlap, so "fits a step-up
cluster" cannot mean "meets that cluster's red rows": most people who still fit their own
cluster would meet a neighbour's too. The reading, the same in the rule files' header note, in
docs/language.md and in the trace:

    The MHCT's best fit -- allocation's sound suggestion (`ranking.decide`) over the current
    cluster and its likely/possible transitions in every direction -- is one of the current
    cluster's likely/possible targets in that direction.

The pool is the protocol's own: the current cluster and the moves its page calls likely or
possible. Rare targets and other clusters of the decision-tree group are not in it: with them
(measured on the rule examples) the permissive reconstructed grid of cluster 10 (first episode)
became the "best fit" of ongoing psychosis profiles in clusters 11, 12 and 16, and cluster 19 of
a cluster 12 history, blocking the moves their pages list; a person whose best fit lies outside
the protocol is for re-clustering (allocation), not for a step.

- The best fit is ranked as in allocation (`ranking`: fitting before not fitting, then fewer
  orange misses, then more red rows met, more orange rows met, lower number), except that among
  equally good fits (same fit or no fit, same number of orange misses) the current cluster comes
  first: a neighbour whose profile the ratings fit no better is no reason to move (booklet step
  6: differences "do not warrant the changes in service response").
- A definite best fit decides: true if it is such a target, false otherwise (also when it is the
  current cluster itself, so unchanged ratings never move anyone).
- No cluster of that pool can fit (every red check fails): false.
- No definite best: true if every cluster that could still be best (`ranking.decide`'s
  contenders) is such a target and one of them certainly meets its red rows; false if none is;
  otherwise unknown, naming the unknown ratings of the contenders.

The suggested clusters of a step are the same clusters the criterion looked at: the definite
best, or the contenders that are targets in that direction (best first), so a met criterion and
its suggestions cannot disagree.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import attrs

from .logic import Truth
from .memo import IdentityMemo
from .model import DIRECTIONS, Cluster, RuleSet
from .ranking import best_key, decide, fit_of, worst_key
from .records import Assessment
from .results import RowCheck, Tally, Unknown

__all__ = ["StepFit", "Wording", "step_fit", "best_fit", "pool", "wording"]

COUNTED = ("likely", "possible")
_POOLS = IdentityMemo(1024)  # pools and target wordings
LABELS = {"up": "step-up", "down": "step-down"}


@attrs.frozen
class StepFit:
    """The reading at one assessment: value, the clusters it suggests, why, what blocks it."""

    value: Truth
    suggested: tuple[int, ...]
    targets: tuple[int, ...]
    note: str
    unknowns: tuple[Unknown, ...] = ()


def pool(ruleset: RuleSet, cluster: Cluster) -> tuple[int, ...]:
    """The clusters the best fit is chosen from: the current one and its likely/possible targets
    in every direction (up, same, down); remembered per rule set and cluster."""
    def members() -> tuple[int, ...]:
        found = {cluster.number}
        for direction in DIRECTIONS:
            found.update(cluster.targets(direction, COUNTED))
        return tuple(sorted(n for n in found if n in ruleset.clusters))
    return _POOLS.get((id(ruleset), id(cluster)), (ruleset, cluster), members)


def _staying(key: Callable[[Tally], tuple], current: int) -> Callable[[Tally], tuple]:
    """Allocation's key with the current cluster first among equally good fits (same fit or no
    fit, same number of orange misses)."""
    def staying(t: Tally) -> tuple:
        no_fit, orange_misses, red_met, orange_met, cluster = key(t)
        return no_fit, orange_misses, cluster != current, red_met, orange_met, cluster
    return staying


def best_fit(ruleset: RuleSet, cluster: Cluster, tally: Callable[[int], Tally | None]
             ) -> tuple[Tally | None, tuple[Tally, ...]]:
    """The pool's definite best fit at an assessment (or None) and the contenders for best, as
    the step reading ranks them (the same in either direction): `ranking.decide` (interval
    dominance) under the `_staying` keys over the pool's tallies (``tally`` gives a cluster's at
    that assessment)."""
    tallies = [t for t in map(tally, pool(ruleset, cluster)) if t is not None]
    current = cluster.number
    return decide(tallies, _staying(best_key, current), _staying(worst_key, current))


class Wording(NamedTuple):
    """A cluster's likely/possible targets in one direction and how the trace names them."""

    targets: tuple[int, ...]
    listed: str  # "3, 4", or "none"
    label: str  # in the step notes: "a likely/possible step-up cluster (3, 4)"
    requirement: str  # `fits step_up`'s: the label "as their best fit (over cluster N ...)"


def wording(cluster: Cluster, direction: str) -> Wording:
    """The cluster's `Wording` in ``direction`` (remembered per cluster)."""
    def make() -> Wording:
        targets = cluster.targets(direction, COUNTED)
        listed = ", ".join(map(str, targets)) or "none"
        label = f"a likely/possible {LABELS[direction]} cluster ({listed})"
        return Wording(targets, listed, label, f"{label} as their best fit (over cluster "
                       f"{cluster.number} and its likely/possible transitions)")
    return _POOLS.get((id(cluster), direction), (cluster,), make)


def step_fit(cluster: Cluster, direction: str, assessment: Assessment,
             ranked: tuple[Tally | None, tuple[Tally, ...]],
             undecided: Callable[[int, Assessment], tuple[RowCheck, ...]]) -> StepFit:
    """Read `fits step_up` (``direction`` "up") or `fits step_down` ("down") at ``assessment``
    from its `best_fit` ``ranked`` (memoised by the caller); ``undecided`` gives a cluster's red
    and orange rows that unknown ratings leave undecided, which name them when contenders leave
    the reading open."""
    targets, _, label, _ = wording(cluster, direction)
    best, contenders = ranked
    if best is not None:
        inside = best.cluster in targets
        what = ("the current cluster" if best.cluster == cluster.number
                else label if inside else f"not {label}")
        return StepFit(inside, (best.cluster,) if inside else (), targets,
                       f"best fit cluster {best.cluster} ({fit_of(best)}): {what}")
    if not contenders:
        return StepFit(False, (), targets,
                       "neither the current cluster nor a likely/possible transition fits")
    inside = tuple(c.cluster for c in contenders if c.cluster in targets)
    names = ", ".join(str(c.cluster) for c in contenders)
    if not inside:
        return StepFit(False, (), targets, f"the best fit is one of {names}: none is {label}")
    if len(inside) == len(contenders) and any(not c.red_unknown for c in contenders):
        return StepFit(True, inside, targets, f"the best fit is one of {names}: each is {label}")
    unknowns = tuple(dict.fromkeys(
        u for c in contenders for row in undecided(c.cluster, assessment)
        for u in row.unknowns(assessment.date)))
    return StepFit(None, inside, targets,
                   f"the best fit is undecided among {names} (unknown ratings)", unknowns)
