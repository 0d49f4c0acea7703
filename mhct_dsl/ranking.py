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

All of it depends only on a cluster's `Tally` (its red and orange rows met, missed, unknown), so
it ranks candidates and tallies alike; a review counts the step pool's tallies from tables
(`tallies`) without building the candidates.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Callable, Iterable, TypeVar

from .results import Candidate, Tally

__all__ = ["fit_labels", "fit_label", "fit_of", "best_key", "worst_key", "rank_key", "decide"]

Ranked = TypeVar("Ranked", Candidate, Tally)  # what `decide` ranks: candidates, or tallies


def fit_labels(t: Tally) -> tuple[str, ...]:
    """The fit labels some filling of the unknown ratings could give, in the order fits, weaker, no."""
    labels = []
    if not t.red_missed:
        if not t.orange_missed:
            labels.append("fits")
        if t.orange_missed or t.orange_unknown:
            labels.append("weaker")
    if t.red_missed or t.red_unknown:
        labels.append("no")
    return tuple(labels)


def fit_label(labels: tuple[str, ...]) -> str:
    """The definite label, or ``"unknown"`` when more than one is possible."""
    return labels[0] if len(labels) == 1 else "unknown"


def fit_of(t: Tally) -> str:
    """A tally's fit label (its candidate's ``fit``)."""
    return fit_label(fit_labels(t))


def _key(no_fit: bool, orange_misses: int, red_met: int, orange_met: int, cluster: int) -> tuple:
    return (int(no_fit), orange_misses, -red_met, -orange_met, cluster)


def best_key(c: Candidate | Tally) -> tuple:
    """The key if every unknown row turned out met (of a candidate or its tally)."""
    t = getattr(c, "tally", c)
    return _key(bool(t.red_missed), t.orange_missed, t.red_met + t.red_unknown,
                t.orange_met + t.orange_unknown, t.cluster)


def worst_key(c: Candidate | Tally) -> tuple:
    """The key if every unknown row turned out missed (of a candidate or its tally)."""
    t = getattr(c, "tally", c)
    return _key(bool(t.red_missed or t.red_unknown), t.orange_missed + t.orange_unknown,
                t.red_met, t.orange_met, t.cluster)


def rank_key(c: Candidate | Tally) -> tuple:
    """Sort key, best first: the best case (the key itself when nothing is unknown)."""
    return best_key(c)


def decide(candidates: Iterable[Ranked], best: Callable[[Ranked], tuple] = best_key,
           worst: Callable[[Ranked], tuple] = worst_key
           ) -> tuple[Ranked | None, tuple[Ranked, ...]]:
    """(the definite best or None, the contenders best first) among candidates or tallies;
    ``(None, ())`` when every one's red rows are already False. ``best``/``worst`` are the case
    keys (a caller may refine them, as `stepfit` does to keep the current cluster first among
    equals); a key's first item says "cannot fit" in that case (a red row missed; in the worst
    case also a red row unknown)."""
    open_ = [(key, c) for key, c in ((best(c), c) for c in candidates) if not key[0]]
    if not open_:
        return None, ()
    bar, leader = min(((worst(c), c) for _, c in open_), key=itemgetter(0))
    contenders = [(key, c) for key, c in open_ if c is leader or key < bar]
    if len(contenders) == 1 and not bar[0]:
        return leader, (leader,)
    return None, tuple(c for _, c in sorted(contenders, key=itemgetter(0)))
