"""Records of the usual shape, read on a short path: what `records.parse_record` makes of them,
in one pass of plain type checks.

The usual shape is what a clinical system exports: an object of the record keys, a string ``id``,
a list of assessments, each a ``date`` string and ``ratings`` of declared scales rated 0-4 or 9
(``null`` not among them), with an optional ``scale8_type``; cluster numbers and dates where given.
`usual` reads a record of that shape with the same checks `parse_record` makes, and gives up
(None) at the first thing that is not of the shape or not valid, leaving the record to
`parse_record`, so every error is found and worded there alone. ``facts``, ``events`` and
``team_since`` are read by `parse_record`'s own helpers, which it calls in the same order once
everything else has passed. `tests/test_records_usual.py` holds the two equal for any record.
"""

from __future__ import annotations

from . import dates
from .model import NOT_KNOWN
from .records import (
    ASSESSMENT_KEYS, MAX_ASSESSMENTS, MAX_ID_LENGTH, PROBLEM_TYPES, RECORD_KEYS, Assessment,
    Record, RecordError, parse_events, parse_facts, parse_team_since, scale_ids, scale_set,
)

__all__ = ["usual"]

_RECORD_KEYS = frozenset(RECORD_KEYS)
_ASSESSMENT_KEYS = frozenset(ASSESSMENT_KEYS)
_OTHER_KEYS = ("group", "current_cluster", "recorded_cluster", "cluster_since", "in_service_since")


def _date(value: object):
    """The date, or None when `parse_record` would reject it."""
    try:
        return dates.parse_iso(value)
    except ValueError:
        return None


def _assessments(raw: list, known: frozenset) -> list[Assessment] | None:
    out = []
    for item in raw:
        if type(item) is not dict or not item.keys() <= _ASSESSMENT_KEYS:
            return None
        ratings = item.get("ratings")
        if type(ratings) is not dict:
            return None
        for key, value in ratings.items():
            if not (type(key) is str and key in known and type(value) is int
                    and (0 <= value <= 4 or value == NOT_KNOWN)):
                return None
        scale8 = item.get("scale8_type")
        when = _date(item.get("date"))
        if when is None or (scale8 is not None and (type(scale8) is not str
                                                    or scale8 not in PROBLEM_TYPES)):
            return None
        out.append(Assessment(when, ratings, scale8))
    if len(out) > 1:
        if len({assessment.date for assessment in out}) < len(out):
            return None  # two on one date
        out.sort(key=lambda assessment: assessment.date)
    return out


def usual(data: object, ruleset=None) -> Record | None:
    """`parse_record(data, ruleset)` for a record of the usual shape; None for anything else."""
    if type(data) is not dict or not data.keys() <= _RECORD_KEYS:
        return None
    record_id, raw = data.get("id"), data.get("assessments")
    if (type(record_id) is not str or not record_id.strip() or len(record_id) > MAX_ID_LENGTH
            or type(raw) is not list or not 0 < len(raw) <= MAX_ASSESSMENTS):
        return None
    assessments = _assessments(raw, scale_set(scale_ids(ruleset)))
    if assessments is None:
        return None
    group, current, recorded, since, in_service = (data.get(key) for key in _OTHER_KEYS)
    if ((group is not None and (type(group) is not str or not group))
            or (current is not None and (type(current) is not int or current < 0))
            or (recorded is not None and (type(recorded) is not int or recorded < 0))):
        return None
    if since is not None and (since := _date(since)) is None:
        return None
    if in_service is not None and (in_service := _date(in_service)) is None:
        return None
    try:
        facts = parse_facts(record_id, data.get("facts"), ruleset)
        events = parse_events(record_id, data.get("events"), ruleset)
        team_since = parse_team_since(record_id, data.get("team_since"), ruleset)
    except RecordError:
        return None
    return Record(record_id, assessments, current, since, in_service, facts, events, recorded,
                  group, team_since)
