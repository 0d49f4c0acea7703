"""Fit labels, the rank key, and a suggestion that holds however the unknown ratings turn out.

A *filling* replaces every unknown rating (9 or not rated) by a value 0-4. Row values are sound
(`rows`): a row that is True or False stays so under every filling. On top of them:

Fit label of one cluster (booklet Step 3: red "must be rated ... if not, try another cluster",
orange "a mismatch reflects a weaker fit", yellow "significantly less bearing"), as the set of
labels some filling could give (`fit_labels`, in the order fits, weaker, no):

- ``fits``   possible when no red row and no orange row is False;
- ``weaker`` possible when no red row is False and some orange row is False or unknown;
- ``no``     possible when some red row is False or unknown.

The label (`fit_label`) is the only possible one, or ``"unknown"`` when there are several: a
definite label never changes under any filling.

Rank key under a complete filling, best first: fitting (fits/weaker) before ``no``; then fewer
orange misses; then more red rows met; then more orange rows met; then the lower cluster number
(total and deterministic). With unknowns a cluster has a *best case* (`best_key`: every unknown
row met) and a *worst case* (`worst_key`: every unknown row missed); `rank_key` is the best case,
which equals the key when nothing is unknown, and orders candidates for display.

Suggestion (`decide`): candidate ``c`` is the definite best when its red rows are all True and
c's worst case ranks before every other candidate's best case (other than those whose red rows are
already False): interval dominance, sound though not complete. Otherwise the *contenders* are the
candidates that could still be best under some filling: any whose best case ranks before the
lowest worst case, and the candidate holding that lowest worst case.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Callable, Iterable

from .results import Candidate, ColourSummary

__all__ = ["fit_labels", "fit_label", "best_key", "worst_key", "rank_key", "decide"]

def fit_labels(red: ColourSummary, orange: ColourSummary) -> tuple[str, ...]:
    """The fit labels some filling of the unknown ratings could give, in the order fits, weaker, no."""
    labels = []
    if not red.missed:
        if not orange.missed:
            labels.append("fits")
        if orange.missed or orange.unknown:
            labels.append("weaker")
    if red.missed or red.unknown:
        labels.append("no")
    return tuple(labels)


def fit_label(labels: tuple[str, ...]) -> str:
    """The definite label, or ``"unknown"`` when more than one is possible."""
    return labels[0] if len(labels) == 1 else "unknown"


def _key(no_fit: bool, orange_misses: int, red_met: int, orange_met: int, cluster: int) -> tuple:
    return (int(no_fit), orange_misses, -red_met, -orange_met, cluster)


def best_key(c: Candidate) -> tuple:
    """The key if every unknown row turned out met."""
    return _key(bool(c.red.missed), len(c.orange.missed), len(c.red.met) + len(c.red.unknown),
                len(c.orange.met) + len(c.orange.unknown), c.cluster)


def worst_key(c: Candidate) -> tuple:
    """The key if every unknown row turned out missed."""
    return _key(bool(c.red.missed or c.red.unknown), len(c.orange.missed) + len(c.orange.unknown),
                len(c.red.met), len(c.orange.met), c.cluster)


def rank_key(c: Candidate) -> tuple:
    """Sort key, best first: the best case (the key itself when nothing is unknown)."""
    return best_key(c)


def decide(candidates: Iterable[Candidate], best: Key = best_key,
           worst: Key = worst_key) -> tuple[Candidate | None, tuple[Candidate, ...]]:
    """(the definite best or None, the contenders best first); ``(None, ())`` when every
    candidate's red rows are already False. ``best``/``worst`` are the case keys (a caller may
    refine them, as `stepfit` does to keep the current cluster first among equals)."""
    open_ = [c for c in candidates if not c.red.missed]
    if not open_:
        return None, ()
    bar, leader = min(((worst(c), c) for c in open_), key=itemgetter(0))
    contenders = [(key, c) for key, c in ((best(c), c) for c in open_)
                  if c is leader or key < bar]
    if len(contenders) == 1 and not leader.red.unknown:
        return leader, (leader,)
    return None, tuple(c for _, c in sorted(contenders, key=itemgetter(0)))
