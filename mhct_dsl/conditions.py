"""Evaluating care-transition conditions against a service-user record, with a trace.

`evaluate(condition, record, ruleset, cluster=None, as_of=None)` returns an `Outcome`: a Kleene
truth value (True / False / None = unknown), the evidence it rests on, the unknowns that keep it
unknown, and one line saying what was found and what would meet it ("scale 7 is 2 on 2013-03-01;
needs 1 or less"). Nothing reads the wall clock: ``as_of`` defaults to the latest assessment's
date, and only assessments and events dated on or before ``as_of`` count. Facts carry no dates;
they are taken as asserted at ``as_of``.

Semantics of each form (decided; the tests pin the edges):

``scale S <cmp>``
    The rating of the latest assessment dated <= ``as_of``. 9 or not rated -> unknown.
``scale S remained <cmp> for D`` / ``scale S stable for D`` / ``... consistently for D``
    The window is ``[as_of - D, as_of]`` (both ends inclusive). The assessments *considered* are
    the one in force when the window opened (the latest dated on or before ``as_of - D``) and all
    dated inside ``(as_of - D, as_of]``. If no assessment is dated on or before the window start,
    the history does not cover the window: unknown, "history starts YYYY-MM-DD, after the window
    start YYYY-MM-DD" -- unless a considered assessment already makes the condition false (Kleene:
    false dominates). So one rating inside the window alone is unknown.
    *remained*: every considered rating satisfies the comparison (an unknown rating -> unknown).
    *stable*: every considered rating is the same; two different known ratings -> false even if
    others are unknown; otherwise any unknown rating -> unknown.
    *consistently*: the fit holds at every considered assessment.
``fact NAME``
    The record's assertion: true / false; unasserted -> unknown.
``event NAME within D`` / ``no event NAME within D``
    Events of that kind whose span (``date`` to ``end``, one day without ``end``, open while
    ``ongoing``) overlaps the window ``[as_of - D, as_of]``, both ends inclusive: a package that
    started 14 months ago and ended 6 months ago is "within the past year", and one that ended
    exactly on the window start still counts (the conservative reading for "no inpatient stay for
    the past year"). Events starting after ``as_of`` are ignored. ``no`` negates. Without an event
    history in the record (no ``events`` key) both are unknown.
``in_service >= D`` / ``in_cluster >= D`` / ``with_team NAME >= D``
    ``in_service_since`` (``cluster_since``, the record's ``team_since`` date for the team)
    <= ``as_of - D``; unknown when the date is missing.
``fits cluster N, M [consistently for D]``
    The ratings fit (allocation fit ``fits`` or ``weaker``) any named cluster: Kleene OR over the
    clusters' red checks (``unknown`` fit -> unknown). A named cluster without a grid is unknown.
``fits step_up|step_down [consistently for D]``
    The MHCT's best fit (allocation's sound suggestion over the current cluster and its
    likely/possible transitions in every direction) is one of the current cluster's
    likely/possible targets in that direction: see `stepfit` (the booklet's "additional factors"
    are why a neighbour's overlapping profile alone moves no one).
``not`` / ``all`` / ``any``
    Kleene; the operands' outcomes are kept as ``parts`` (a nested trace), their evidence is
    gathered into the parent's.

Pure functions over frozen inputs: safe to call from many threads.
"""

from __future__ import annotations

import datetime as dt

from . import dates, logic
from .context import (
    Context, Window, all_over_window, dedupe, first_date, latest_assessment, no_assessment,
    rating_evidence, rating_unknown, window,
)
from .fits import TRANSITION_DIRECTIONS, fits_clusters, fits_transition
from .formatter import format_condition
from .logic import Truth
from .memo import IdentityMemo
from .model import Cluster, RuleSet
from .nodes import (
    AllOf, AnyOf, EventWithin, FactIs, FitsClusters, FitsTransition, Not, ScaleIs, ScaleRemained,
    ScaleStable, Tenure,
)
from .records import Assessment, Record
from .results import Evidence, Outcome, Unknown

__all__ = ["Context", "Outcome", "evaluate", "evaluate_in", "window", "Window", "TRANSITION_DIRECTIONS"]


def evaluate(condition, record: Record, ruleset: RuleSet, cluster: Cluster | None = None,
             as_of: dt.date | None = None) -> Outcome:
    """Evaluate one condition; ``as_of`` defaults to the latest assessment's date."""
    if as_of is None:
        latest = record.latest()
        if latest is None:
            raise ValueError("as_of is required for a record without assessments")
        as_of = latest.date
    return evaluate_in(condition, Context(record, ruleset, cluster, as_of))


def evaluate_in(condition, ctx: Context) -> Outcome:
    """Evaluate one condition in a `Context`."""
    handler = _HANDLERS.get(type(condition))
    if handler is None:
        raise TypeError(f"not a condition: {condition!r}")
    return handler(condition, ctx)


# ---- scales -----------------------------------------------------------------------------------


def _scale_is(cond: ScaleIs, ctx: Context) -> Outcome:
    requirement = f"needs {cond.comparison.describe()}"
    latest = latest_assessment(ctx)
    if latest is None:
        return no_assessment(cond, ctx, requirement)
    rating = latest.rating(cond.scale)
    evidence = (rating_evidence(cond.scale, latest),)
    when = latest.date.isoformat()
    if rating is None:
        status = "rated 9 (not known)" if latest.status(cond.scale) == "not_known" else "not rated"
        return Outcome(None, cond, f"scale {cond.scale} {status} on {when}", requirement, evidence,
                       (rating_unknown(cond.scale, latest),))
    return Outcome(cond.comparison.holds(rating), cond, f"scale {cond.scale} is {rating} on {when}",
                   requirement, evidence)


def _scale_remained(cond: ScaleRemained, ctx: Context) -> Outcome:
    win = window(ctx.record, ctx.as_of, cond.duration)
    requirement = (f"needs {cond.comparison.describe()} at every assessment "
                   f"{win.span_text()} (including the rating in force at the start)")

    def steps():
        for i, a in enumerate(win.considered):
            rating = a.rating(cond.scale)
            suffix = " (in force at the window start)" if i == 0 and win.covered else ""
            item = rating_evidence(cond.scale, a, suffix)
            if rating is None:
                yield None, item, [rating_unknown(cond.scale, a)], None
            else:
                yield (cond.comparison.holds(rating), item, [],
                       f"scale {cond.scale} was {rating} on {a.date.isoformat()}")

    return all_over_window(cond, win, requirement, steps(),
                            f"scale {cond.scale} was {cond.comparison.describe()} at all "
                            f"{len(win.considered)} assessments {win.span_text()}")


def _scale_stable(cond: ScaleStable, ctx: Context) -> Outcome:
    win = window(ctx.record, ctx.as_of, cond.duration)
    requirement = f"needs the same rating at every assessment {win.span_text()}"
    evidence, unknowns = [], []
    known: list[tuple[Assessment, int]] = []
    for i, a in enumerate(win.considered):
        suffix = " (in force at the window start)" if i == 0 and win.covered else ""
        evidence.append(rating_evidence(cond.scale, a, suffix))
        rating = a.rating(cond.scale)
        if rating is None:
            unknowns.append(rating_unknown(cond.scale, a))
        else:
            known.append((a, rating))
    gap = win.gap()
    if gap is not None:
        unknowns.append(gap)
    change = next(((p, c) for p, c in zip(known, known[1:]) if p[1] != c[1]), None)
    if change is not None:
        (a0, r0), (a1, r1) = change
        finding = (f"scale {cond.scale} went from {r0} ({a0.date.isoformat()}) to {r1} "
                   f"({a1.date.isoformat()})")
        return Outcome(False, cond, finding, requirement, evidence)
    if unknowns:
        return Outcome(None, cond, "; ".join(str(u) for u in dedupe(unknowns)), requirement,
                       evidence, dedupe(unknowns))
    finding = (f"scale {cond.scale} was {known[0][1]} at all {len(known)} assessments "
               f"{win.span_text()}")
    return Outcome(True, cond, finding, requirement, evidence)


# ---- facts, events, tenure --------------------------------------------------------------------

_FACTS = IdentityMemo(4096)


def _fact(cond: FactIs, ctx: Context) -> Outcome:
    value = ctx.record.fact(cond.name)
    return _FACTS.get((id(cond), value), (cond,), lambda: _fact_outcome(cond, value))


def _fact_outcome(cond: FactIs, value: bool | None) -> Outcome:
    """The outcome of ``fact NAME`` when the record says ``value``: the same for every record
    (`_FACTS` remembers it per condition and value; outcomes are immutable)."""
    requirement = f"needs {cond.name} asserted true"
    if value is None:
        return Outcome(None, cond, f"{cond.name} not asserted", requirement,
                       (Evidence("fact", cond.name, None, None, f"{cond.name} not asserted"),),
                       (Unknown("fact", cond.name, "not asserted"),))
    word = "true" if value else "false"
    return Outcome(value, cond, f"{cond.name} asserted {word}", requirement,
                   (Evidence("fact", cond.name, value, None, f"{cond.name} asserted {word}"),))


def _event(cond: EventWithin, ctx: Context) -> Outcome:
    start = dates.window_start(ctx.as_of, cond.duration)
    span = f"from {start.isoformat()} to {ctx.as_of.isoformat()}"
    requirement = (f"needs no {cond.name} {span}" if cond.absent
                   else f"needs a {cond.name} {span}")
    if ctx.record.events is None:
        return Outcome(None, cond, "no event history in the record", requirement, (),
                       (Unknown("events", cond.name, "event history not provided"),))
    matches = [e for e in ctx.record.events
               if e.kind == cond.name and e.overlaps(start, ctx.as_of)]
    found = bool(matches)
    if found:
        evidence = tuple(Evidence("event", cond.name, True, e.date,
                                  f"{cond.name} {e.describe()}") for e in matches)
        finding = f"{cond.name} " + ", ".join(e.describe() for e in matches)
        if cond.absent and not any(e.ongoing for e in matches):
            last = max(e.end or e.date for e in matches)
            free = first_date(dates.add(last, cond.duration),
                               lambda d: dates.window_start(d, cond.duration) > last)
            requirement += f" (met from {free.isoformat()} if there are no further events)"
    else:
        evidence = (Evidence("event", cond.name, False, None, f"no {cond.name} {span}"),)
        finding = f"no {cond.name} {span}"
    return Outcome(not found if cond.absent else found, cond, finding, requirement, evidence)


def _tenure(cond: Tenure, ctx: Context) -> Outcome:
    if cond.team is not None:
        field, what = f"team_since.{cond.team}", f"with team {cond.team}"
        since = ctx.record.team_since.get(cond.team)
    else:
        field = "in_service_since" if cond.scope == "in_service" else "cluster_since"
        since = getattr(ctx.record, field)
        what = "in service" if cond.scope == "in_service" else "in the current cluster"
    threshold = dates.window_start(ctx.as_of, cond.duration)
    requirement = f"needs {dates.describe(cond.duration)} {what} (since {threshold.isoformat()} or earlier)"
    if since is None:
        return Outcome(None, cond, f"{field} not provided", requirement, (),
                       (Unknown("date", field, "not provided"),))
    value = since <= threshold
    if not value:
        met = first_date(dates.add(since, cond.duration),
                          lambda d: dates.window_start(d, cond.duration) >= since)
        requirement += f"; met from {met.isoformat()}"
    finding = f"{what} since {since.isoformat()}"
    return Outcome(value, cond, finding, requirement,
                   (Evidence("date", field, since.isoformat(), since, finding),))


# ---- connectives ------------------------------------------------------------------------------


def _not(cond: Not, ctx: Context) -> Outcome:
    part = evaluate_in(cond.operand, ctx)
    if isinstance(cond.operand, FactIs):
        name = cond.operand.name
        requirement = f"needs {name} asserted false"
    else:
        requirement = f"needs this not to hold: {format_condition(cond.operand)}"
    return Outcome(logic.not_(part.value), cond, part.finding, requirement, part.evidence,
                   part.unknowns, (part,))


def _all(cond: AllOf, ctx: Context) -> Outcome:
    parts = [evaluate_in(op, ctx) for op in cond.operands]
    value = logic.all_of(p.value for p in parts)
    return _compound(cond, parts, value, "all", " and ")


def _any(cond: AnyOf, ctx: Context) -> Outcome:
    parts = [evaluate_in(op, ctx) for op in cond.operands]
    value = logic.any_of(p.value for p in parts)
    return _compound(cond, parts, value, "any", " or ")


def _compound(cond, parts: list[Outcome], value: Truth, word: str, joiner: str) -> Outcome:
    met = sum(p.value is True for p in parts)
    unknown = sum(p.value is None for p in parts)
    finding = f"{met} of {len(parts)} parts met" + (f", {unknown} unknown" if unknown else "")
    shown = parts if word == "any" or value is True else [p for p in parts if p.value is not True]
    requirement = f"needs {word} of: " + joiner.join(format_condition(p.condition) for p in shown)
    evidence = [e for p in parts for e in p.evidence]
    unknowns = dedupe(u for p in parts if p.value is None for u in p.unknowns) if value is None else ()
    return Outcome(value, cond, finding, requirement, evidence, unknowns, parts)


_HANDLERS = {
    ScaleIs: _scale_is,
    ScaleRemained: _scale_remained,
    ScaleStable: _scale_stable,
    FactIs: _fact,
    EventWithin: _event,
    Tenure: _tenure,
    FitsClusters: fits_clusters,
    FitsTransition: fits_transition,
    Not: _not,
    AllOf: _all,
    AnyOf: _any,
}
