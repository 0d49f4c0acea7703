"""A compiled review plan's criteria (`review_plan`): each writes its criterion's JSON text for a
record, as `review_json.encode_criterion` writes the interpreter's trace of it.

- `Template`: a condition of ``scale S <cmp>``, ``fact NAME``, ``event NAME within D``,
  ``in_service/in_cluster/with_team >= D`` under ``not``/``all``/``any``. Its text depends only
  on a *key* (the latest ratings of its scales, its facts) and on a few dates (the latest MHCT's,
  the review's, each window's start) while the record has no event history and no start date for
  its tenure. The text of each key is the interpreter's own: evaluated (`conditions.evaluate_in`)
  and written (`review_json`) once for a made-up record of that key at two made-up sets of dates,
  and kept as fragments between its dates (`split`, `fill`) when both agree (else that key, and any
  record with an event history or a start date, is interpreted).
- `Step`: ``fits step_up|step_down`` without a window, from the plan's ranking of the step pool
  (`stepfit.step_fit` reads it, as `fits.fits_transition` does).
- `History`: ``scale S remained <cmp> for D`` / ``scale S stable for D``, templates as above
  keyed by the ratings of S over the window; `WindowStep`: ``fits step_up|step_down
  consistently for D``, keyed by the step reading at each assessment of the window.
- `Interpreted`: anything else (``fits cluster``, connectives over windows or fits, and the
  records a template cannot key): the interpreter's ``evaluate_in`` and
  ``review_json.encode_criterion`` for this criterion.

``write(run, decisive)`` gives ``(value, text, unknowns)``: the criterion's truth value, its JSON
text and the JSON list of its unknowns (for ``blocking_unknowns``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from . import dates, review_json
from .conditions import evaluate_in
from .context import Context, window
from .fits import TRANSITION_DIRECTIONS
from .nodes import (
    AllOf, AnyOf, EventWithin, FactIs, FitsTransition, Not, ScaleIs, ScaleRemained, ScaleStable,
    Tenure,
)
from .records import Assessment, Record
from .results import CriterionTrace, Outcome
from .review_json import TRUTHS, encode_text
from .stepfit import wording

__all__ = ["compile_criterion", "dated", "fill"]

# Two made-up (latest MHCT, review) dates a template is written at: all its dates must differ.
PROBES = ((dt.date(2001, 2, 3), dt.date(2003, 5, 17)),
          (dt.date(2004, 7, 11), dt.date(2007, 10, 29)))
_INTERPRET = object()  # a key a template cannot write: the criterion is interpreted
_NEW = object()  # a key not yet compiled
ENTRIES = 512  # templates (and keys seen once) a criterion keeps: `_Templates`
STEP_ENTRIES = 256  # step texts a `Step` keeps
MAX_WINDOW = 4  # assessments a window template holds; a longer window is interpreted


class Interpreted:
    """FALLBACK: the interpreter evaluates and writes this criterion."""

    def __init__(self, kind: str, quantifier: str, index: int, criterion, source):
        self.kind, self.quantifier, self.index, self.source = kind, quantifier, index, source
        self.wording, self.condition, self.span = (criterion.wording, criterion.condition,
                                                   criterion.span)

    def trace(self, outcome: Outcome, decisive: bool) -> CriterionTrace:
        return CriterionTrace(self.kind, self.quantifier, self.index, self.wording, outcome,
                              self.source, self.span, decisive)

    def write(self, run, decisive: bool):
        outcome = evaluate_in(self.condition, run.context())
        unknowns = "[]" if outcome.value is not None else review_json.encode_list(
            outcome.unknowns, review_json.encode_unknown)
        return outcome.value, review_json.encode_criterion(self.trace(outcome, decisive)), unknowns


class Step:
    """``fits step_up`` / ``fits step_down`` without a window, from the plan's step reading:
    its text kept as `dated` fragments per reading (the usual few; up to `STEP_ENTRIES`)."""

    def __init__(self, interpreted: Interpreted, cluster, direction: str):
        self.condition, self.direction = interpreted.condition, direction
        words = wording(cluster, direction)
        self.listed = encode_text(words.listed)
        self.requirement = f"; needs the latest ratings to fit {words.requirement}"
        probe = interpreted.trace(Outcome(None, interpreted.condition, "", ""), True)
        self.head = review_json.criterion_head(probe)
        self.tails = {d: _tail(interpreted.trace(Outcome(None, interpreted.condition, "", ""), d))
                      for d in (True, False)}
        self.entries: dict = {}  # (reading key, decisive) -> the text's `dated` fragments

    def write(self, run, decisive: bool):
        key, found = run.step(self.direction)
        if found.value is None:  # its unknowns are this record's
            unknowns = run.unknowns()
            return None, self.text(found, run.day, decisive, unknowns), unknowns
        text = self.entries.get((key, decisive), _NEW)
        if text is _NEW:
            if len(self.entries) >= STEP_ENTRIES:
                self.entries.clear()
            text = self.entries[key, decisive] = dated(
                lambda day: self.text(found, day, decisive, "[]"))
        if text is None:
            return found.value, self.text(found, run.day, decisive, "[]"), "[]"
        return found.value, run.day.join(text), "[]"

    def text(self, found, day: str, decisive: bool, unknowns: str) -> str:
        """The criterion's text for the step reading ``found`` at the latest MHCT, ``day``."""
        note = f"{day}: {found.note}"
        truth = TRUTHS[found.value]
        return (f'{self.head}{truth}, "evidence": [{{"kind": "fit", "name": {self.listed}, '
                f'"value": {truth}, "date": "{day}", "note": {encode_text(note)}}}], '
                f'"explanation": {encode_text(note + self.requirement)}, "unknowns": {unknowns}'
                f'{self.tails[decisive]}')


def dated(write: Callable[[str], str]) -> tuple[str, ...] | None:
    """``write(day)`` as the fragments between the day (``day.join(fragments)`` writes it), if
    writing it at the two made-up days shows where the day goes (else None)."""
    found = []
    for latest, _ in PROBES:
        day = latest.isoformat()
        found.append(tuple(write(day).split(day)))
    return found[0] if found[0] == found[1] else None


class _Templates:
    """A criterion's templates by key, made at a key's second sighting: a key seen once is
    interpreted (`get` gives None), since making a template evaluates the condition twice and
    many keys are never seen again (an undecided step reading's unknown ratings; a local
    criterion over many scales). At most `ENTRIES` templates and as many keys seen once, each
    set cleared when full."""

    def __init__(self):
        self.made: dict = {}
        self.seen: set = set()

    def get(self, key, make: Callable):
        """The template of ``key`` (``make()`` at its second sighting), None to interpret."""
        entry = self.made.get(key, _NEW)
        if entry is not _NEW:
            return entry
        if key not in self.seen:
            if len(self.seen) >= ENTRIES:
                self.seen.clear()
            self.seen.add(key)
            return None
        if len(self.made) >= ENTRIES:
            self.made.clear()
        entry = self.made[key] = make()
        return entry


class WindowStep:
    """``fits step_up|step_down consistently for D``: its text depends only on whether the
    history covers the window, the step reading at each assessment the window considers (the
    key of its ranking, and the unknown ratings of an undecided one: `_Run.reading_at`), their
    dates and the window's; templates as `History`'s, of a made-up record with those
    assessments' ratings at made-up dates, for up to `MAX_WINDOW` assessments."""

    def __init__(self, interpreted: Interpreted, ruleset, cluster, direction: str):
        self.interpreted, self.ruleset, self.cluster = interpreted, ruleset, cluster
        self.condition, self.direction = interpreted.condition, direction
        self.entries = _Templates()

    def write(self, run, decisive: bool):
        win = window(run.record, run.when, self.condition.consistently)
        readings = tuple(run.reading_at(self.direction, a) for a in win.considered)
        if len(readings) > MAX_WINDOW or None in readings:
            return self.interpreted.write(run, decisive)  # FALLBACK: a long window, odd ratings
        entry = self.entries.get((win.covered, readings), lambda: _window_entry(
            self, win.covered, win.considered, lambda a: a.ratings))
        if entry is None:
            return self.interpreted.write(run, decisive)  # FALLBACK: a new key, or no template
        return _filled(entry, win, decisive)


def _filled(entry, win, decisive: bool):
    """A window template's ``(value, text, unknowns)`` written with the window's dates: its end,
    its start and each considered assessment's."""
    value, texts, unknowns = entry
    fields = (win.end.isoformat(), win.start.isoformat(),
              *(a.date.isoformat() for a in win.considered))
    return value, fill(texts[decisive], fields), fill(unknowns, fields)


def _window_entry(criterion, covered: bool, considered, ratings):
    """A window criterion's `_entry`, of a made-up record of ``ratings(item)`` for each item of
    ``considered`` at made-up dates in its window (the first before its start when
    ``covered``)."""
    condition = criterion.condition
    duration = getattr(condition, "duration", None) or condition.consistently

    def made_up(_, when):
        start = dates.window_start(when, duration)
        inside = len(considered) - covered
        span = (when - start).days
        days = [start - dt.timedelta(3)] * covered + [
            start + dt.timedelta(span * (i + 1) // (inside + 1)) for i in range(inside)]
        fields = [d.isoformat() for d in (when, start, *days)]
        return Record(None, tuple(Assessment(day, ratings(item))
                                  for day, item in zip(days, considered)),
                      criterion.cluster.number), fields
    return _entry(criterion, made_up)


def _entry(criterion, made_up: Callable):
    """A criterion's entry: (value, {decisive: text}, unknowns), each text a `split` template
    of its dates, written by the interpreter for the made-up record and its dates that
    ``made_up(latest, when)`` gives at each of the two `PROBES`; None when the dates collide
    or the two do not give the same templates."""
    found = []
    for latest, when in PROBES:
        record, fields = made_up(latest, when)
        if len(set(fields)) < len(fields):
            return None
        outcome = evaluate_in(criterion.condition,
                              Context(record, criterion.ruleset, criterion.cluster, when))
        unknowns = review_json.encode_list(outcome.unknowns, review_json.encode_unknown) \
            if outcome.value is None else "[]"
        texts = [review_json.encode_criterion(criterion.interpreted.trace(outcome, d))
                 for d in (True, False)] + [unknowns]
        found.append((outcome.value, [split(t, fields) for t in texts]))
    if found[0] != found[1]:
        return None
    value, (on, off, unknowns) = found[0]
    return value, {True: on, False: off}, unknowns


def _tail(trace: CriterionTrace) -> str:
    """A criterion's text from its source on (the same for every record)."""
    text = review_json.encode_criterion(trace)
    return text[text.rindex(', "source": '):]


class Template:
    """A criterion whose text, for each key, is one template of a few dates (module
    docstring)."""

    def __init__(self, interpreted: Interpreted, ruleset, cluster, leaves, durations):
        self.interpreted, self.ruleset, self.cluster = interpreted, ruleset, cluster
        self.condition = interpreted.condition
        self.leaves, self.durations = leaves, durations
        self.key = _key(leaves)
        self.entries = _Templates()

    def write(self, run, decisive: bool):
        key = self.key(run)
        entry = None if key is _INTERPRET else self.entries.get(key, lambda: self._compile(key))
        if entry is None:  # FALLBACK: a record the key cannot write, a new key, or no template
            return self.interpreted.write(run, decisive)
        value, texts, unknowns = entry
        text = texts[decisive]
        if text[1] is None and unknowns[1] is None:  # no dates
            return value, text[0], unknowns[0]
        if text[1] == 0 and unknowns[1] is None:  # the latest MHCT's date alone
            return value, run.day.join(text[0]), unknowns[0]
        fields = run.fields(self.durations)
        return value, fill(text, fields), fill(unknowns, fields)

    def _compile(self, key):
        """The entry of ``key``: `_latest_entry` of a record of its ratings and facts."""
        keys = key if len(self.leaves) > 1 else (key,)
        ratings = {arg: v for (kind, arg), v in zip(self.leaves, keys)
                   if kind == "rating" and v is not None}
        facts = {arg: v for (kind, arg), v in zip(self.leaves, keys)
                 if kind == "fact" and v is not None}
        return _latest_entry(self, ratings, facts, self.durations)


def _latest_entry(criterion, ratings, facts, durations):
    """A criterion's `_entry`, of a made-up record of one MHCT of ``ratings`` and of ``facts``;
    its dates: the latest MHCT's, the review's and each of ``durations``' window start."""
    def made_up(latest, when):
        fields = [d.isoformat() for d in
                  (latest, when, *(dates.window_start(when, d) for d in durations))]
        return Record(None, (Assessment(latest, ratings),), criterion.cluster.number,
                      facts=facts), fields
    return _entry(criterion, made_up)


class History:
    """``scale S remained <cmp> for D`` / ``scale S stable for D``: its text depends only on
    whether the history covers the window, the ratings of S at the assessments the window
    considers (`context.window`), their dates and the window's; templates as `Template`'s, of
    a made-up record with the same ratings at made-up dates, for up to `MAX_WINDOW` assessments."""

    def __init__(self, interpreted: Interpreted, ruleset, cluster):
        self.interpreted, self.ruleset, self.cluster = interpreted, ruleset, cluster
        self.condition = interpreted.condition
        self.entries = _Templates()

    def write(self, run, decisive: bool):
        win = window(run.record, run.when, self.condition.duration)
        if len(win.considered) > MAX_WINDOW:
            return self.interpreted.write(run, decisive)  # FALLBACK: a long window
        scale = self.condition.scale
        key = (win.covered, tuple(a.ratings.get(scale) for a in win.considered))
        entry = self.entries.get(key, lambda: self._compile(key))
        if entry is None:
            return self.interpreted.write(run, decisive)  # FALLBACK: a new key, or no template
        return _filled(entry, win, decisive)

    def _compile(self, key):
        """The entry of ``key``: `_window_entry` of its ratings of S."""
        covered, raws = key
        scale = self.condition.scale
        return _window_entry(self, covered, raws,
                             lambda raw: {} if raw is None else {scale: raw})


def split(text: str, fields: list[str]):
    """``text`` as a template of ``fields`` (distinct dates): ``(text, None)`` without them,
    else its fragments between them and the index of the field between each two (one index
    when it is always the same field); `fill` writes it."""
    pattern = re.compile("|".join(map(re.escape, fields)))
    fragments = pattern.split(text)
    if len(fragments) == 1:
        return text, None
    order = tuple(fields.index(found) for found in pattern.findall(text))
    return tuple(fragments), order[0] if len(set(order)) == 1 else order


def fill(template, fields) -> str:
    """A `split` template written with ``fields``."""
    fragments, order = template
    if order is None:
        return fragments
    if type(order) is int:
        return fields[order].join(fragments)
    out = [fragments[0]]
    for index, fragment in zip(order, fragments[1:]):
        out += (fields[index], fragment)
    return "".join(out)


def _leaves(condition, leaves: list, durations: list) -> bool:
    """Collect a template's key leaves and window durations; False if it cannot be one."""
    kind = type(condition)
    if kind is Not:
        return _leaves(condition.operand, leaves, durations)
    if kind in (AllOf, AnyOf):
        return all(_leaves(op, leaves, durations) for op in condition.operands)
    if kind is ScaleIs:
        leaf = ("rating", condition.scale)
    elif kind is FactIs:
        leaf = ("fact", condition.name)
    elif kind is EventWithin:
        leaf = ("events", None)
    elif kind is Tenure:
        leaf = ("since", (condition.scope, condition.team))
    else:
        return False
    if leaf not in leaves:
        leaves.append(leaf)
    if kind in (EventWithin, Tenure) and condition.duration not in durations:
        durations.append(condition.duration)
    return True


def _getter(kind: str, arg) -> Callable[[Any], Any]:
    if kind == "rating":
        return lambda run: run.ratings.get(arg)
    if kind == "fact":
        return lambda run: run.facts.get(arg)
    if kind == "events":
        return lambda run: None if run.record.events is None else _INTERPRET
    scope, team = arg
    if team is not None:
        return lambda run: None if run.record.team_since.get(team) is None else _INTERPRET
    field = "in_service_since" if scope == "in_service" else "cluster_since"
    return lambda run: None if getattr(run.record, field) is None else _INTERPRET


def _key(leaves) -> Callable[[Any], Any]:
    """A record's key: its one leaf's value, or the tuple of them; `_INTERPRET` when a leaf
    cannot be keyed (an event history, a start date)."""
    getters = [_getter(kind, arg) for kind, arg in leaves]
    if len(getters) == 1:
        return getters[0]

    def key(run):
        found = tuple(get(run) for get in getters)
        return _INTERPRET if _INTERPRET in found else found
    return key


def compile_criterion(ruleset, cluster, kind: str, quantifier: str, index: int, criterion,
                      source):
    """The compiled form of one criterion of ``cluster``'s column ``kind``."""
    interpreted = Interpreted(kind, quantifier, index, criterion, source)
    condition = criterion.condition
    if type(condition) is FitsTransition and condition.direction in TRANSITION_DIRECTIONS:
        direction = TRANSITION_DIRECTIONS[condition.direction]
        if condition.consistently is None:
            return Step(interpreted, cluster, direction)
        return WindowStep(interpreted, ruleset, cluster, direction)
    if type(condition) in (ScaleRemained, ScaleStable):
        return History(interpreted, ruleset, cluster)
    leaves: list = []
    durations: list = []
    if _leaves(condition, leaves, durations):
        return Template(interpreted, ruleset, cluster, tuple(leaves), tuple(durations))
    return interpreted  # FALLBACK: fits cluster, not/all/any over fits or windows
