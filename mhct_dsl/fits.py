"""The ``fits cluster N, M`` and ``fits step_up|step_down`` conditions (semantics: `conditions`'
docstring; the step reading itself: `stepfit`)."""

from __future__ import annotations

from . import logic
from .context import Context, all_over_window, dedupe, latest_assessment, no_assessment, window
from .logic import Truth
from .nodes import FitsClusters, FitsTransition
from .records import Assessment
from .results import Evidence, Outcome, Unknown
from .stepfit import wording

__all__ = ["fits_clusters", "fits_transition", "TRANSITION_DIRECTIONS"]

TRANSITION_DIRECTIONS = {"step_up": "up", "step_down": "down"}


def _fits_at(numbers: tuple[int, ...], assessment: Assessment, ctx: Context):
    """(truth, [(cluster, fit, note)], unknowns) of "fits any of ``numbers``" at one assessment."""
    values: list[Truth] = []
    fits, unknowns = [], []
    for number in numbers:
        candidate = ctx.fit(number, assessment)
        if candidate is None:
            values.append(None)
            fits.append((str(number), None, f"cluster {number}: no rating grid"))
            unknowns.append(Unknown("cluster", str(number), "has no rating grid to fit"))
            continue
        values.append(candidate.truth)
        fits.append((str(number), candidate.fit, candidate.note()))
        if candidate.truth is None:
            unknowns.extend(u for row in candidate.unknown_rows(("red",))
                            for u in row.unknowns(assessment.date))
    return logic.any_of(values), fits, unknowns


def _fits(cond, label: str, ctx: Context, at) -> Outcome:
    """"fits ..." at the latest assessment, or at each one over the ``consistently`` window;
    ``at(assessment)`` gives ``(truth, [(key, fit, note)], unknowns)``."""
    if cond.consistently is None:
        requirement = f"needs the latest ratings to fit {label}"
        latest = latest_assessment(ctx)
        if latest is None:
            return no_assessment(cond, ctx, requirement)
        value, fits, unknowns = at(latest)
        when = latest.date.isoformat()
        evidence = [Evidence("fit", key, fit, latest.date, f"{when}: {note}")
                    for key, fit, note in fits]
        finding = f"{when}: " + ("; ".join(note for _, _, note in fits) or "no clusters to fit")
        return Outcome(value, cond, finding, requirement, evidence,
                       dedupe(unknowns) if value is None else ())

    win = window(ctx.record, ctx.as_of, cond.consistently)
    requirement = (f"needs the ratings to fit {label} at every assessment "
                   f"{win.span_text()} (including the rating in force at the start)")

    def steps():
        for a in win.considered:
            value, fits, found = at(a)
            text = f"{a.date.isoformat()}: " + ("; ".join(note for _, _, note in fits)
                                                or "no clusters to fit")
            key = ", ".join(key for key, _, _ in fits)
            yield value, Evidence("fit", key, logic.to_json(value), a.date, text), found, \
                f"did not fit on {text}"

    return all_over_window(cond, win, requirement, steps(),
                            f"fitted at all {len(win.considered)} assessments "
                            f"{win.span_text()}")


def fits_clusters(cond: FitsClusters, ctx: Context) -> Outcome:
    numbers = tuple(cond.clusters)
    label = "cluster " + " or ".join(map(str, numbers))
    return _fits(cond, label, ctx, lambda a: _fits_at(numbers, a, ctx))


def fits_transition(cond: FitsTransition, ctx: Context) -> Outcome:
    direction = TRANSITION_DIRECTIONS.get(cond.direction)
    label = f"a likely/possible {cond.direction.replace('_', '-')} cluster"
    if ctx.cluster is None or direction is None:
        return Outcome(None, cond, "no current cluster to take transitions from",
                       f"needs the ratings to fit {label}", (),
                       (Unknown("cluster", "current", "no current cluster"),))
    words = wording(ctx.cluster, direction)

    def at(assessment: Assessment):
        found = ctx.step(direction, assessment)
        return (found.value, [(words.listed, logic.to_json(found.value), found.note)],
                list(found.unknowns))

    return _fits(cond, words.requirement, ctx, at)
