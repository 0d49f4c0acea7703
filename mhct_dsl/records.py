"""Service-user records: reading and validating the input the interpreter evaluates.

A record (DESIGN.md, "Service-user record") becomes a frozen `Record` holding its `Assessment`s
(sorted by date; the last is the current one), facts and event history. Validation is strict:
this is input to a clinical decision aid, so anything unexpected is an error that names the
offending field rather than something silently ignored.

Decisions:

- Ratings: keys ``"1"``..``"13"``, ``"A"``..``"E"`` (those a rule set declares, when it declares
  scales); values 0-4, or 9 for "not known". A missing key, or JSON ``null``, is "not rated".
  Both are *unknown* to the logic, but the evidence keeps them apart ("rated 9 (not known)" vs
  "not rated"). A string of ASCII digits (``"0"``, as a CSV cell or form gives it) reads as its
  number; booleans, other strings and non-integers are rejected.
- ``scale8_type`` is optional, one letter A-J.
- Dates are strict ISO ``YYYY-MM-DD``. Assessments are sorted by date; two on the same date are an
  error (which one is current would be a guess).
- ``facts``: name -> ``true``/``false``; ``null`` means unasserted (unknown), as does absence. With a
  rule set, a name it does not declare is an error (a typo must not read as "unknown").
- ``events``: a list of ``{"kind", "date", "end", "ongoing"}``: ``date`` is the first day,
  ``end`` (optional, not before ``date``) the last; without ``end`` the event is one day long;
  ``"ongoing": true`` (no ``end`` then) marks one still running. The *absence* of the ``"events"``
  key (or ``null``) means the event history is unknown, so ``no event ... within`` is unknown; an
  empty list means there were none. With a rule set, undeclared kinds are errors.
- Size limits: ``id`` a non-empty string of at most 200 characters; at most 1000 assessments,
  10000 events, 1000 facts. Dates lie in 1900-2199 (`dates.parse_iso`), so that no date
  arithmetic of a review can leave the calendar.
- A JSON object that repeats a key is an error for its record (which value counts would be a
  guess); a numeric ``id`` is reported with its value. CSV ratings and cluster numbers are ASCII
  digits only (``"³".isdigit()`` is true in Python; it is not a rating).
- Unexpected keys (top level, in an assessment, in an event) are errors, not warnings: a clinical
  system must not drop data it was given without saying so. Allowed top-level keys are those of
  DESIGN.md plus ``recorded_cluster`` (the cluster a clinician recorded, for red-rule adherence),
  ``group`` (the record's decision-tree group for allocation, Step 2: it wins over a caller's
  default, and a caller's group that differs is an error; see `allocation`) and ``team_since``
  (team name -> the date the person started with that team, for ``with_team NAME >= D``; with a
  rule set, names it does not declare as a ``team`` are errors; a team not listed is unknown).

Errors raise `RecordError(record_id, field, message)`; ``field`` is a JSON-path-like string naming
the input position, e.g. ``assessments[2].ratings.7`` (indexes are positions in the input, before
sorting).

Batch input files are read by `readers`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Iterable, Mapping

import attrs

from . import dates
from .model import NOT_KNOWN, SCALE_IDS, RuleSet

__all__ = [
    "RecordError", "Assessment", "Event", "Record", "parse_record", "parse_ratings",
    "assessment_from_ratings", "RECORD_KEYS", "CSV_REQUIRED",
    "CSV_OPTIONAL", "MAX_ID_LENGTH", "MAX_ASSESSMENTS", "MAX_EVENTS", "MAX_FACTS",
]

MAX_ID_LENGTH = 200
MAX_ASSESSMENTS = 1000
MAX_EVENTS = 10000
MAX_FACTS = 1000
PROBLEM_TYPES = tuple("ABCDEFGHIJ")
ASCII_INT = re.compile(r"[0-9]{1,9}")  # digits int() reads in bounded time; "³" is not one

RECORD_KEYS = ("id", "current_cluster", "cluster_since", "in_service_since", "assessments",
               "facts", "events", "recorded_cluster", "group", "team_since")
ASSESSMENT_KEYS = ("date", "ratings", "scale8_type")
EVENT_KEYS = ("kind", "date", "end", "ongoing")
CSV_REQUIRED = ("id", "date") + SCALE_IDS
CSV_OPTIONAL = ("scale8_type", "recorded_cluster", "group")


class RecordError(ValueError):
    """A record that cannot be read: which record, which field, what is wrong, and where.

    ``location`` holds the input position once known: ``{"line": n}`` (JSON-lines),
    ``{"row": n}`` (CSV) or ``{"index": n}`` (an item of a JSON array).
    """

    def __init__(self, record_id: str | None, field: str, message: str, **location: int):
        super().__init__(f"{record_id or '<no id>'}: {field or 'record'}: {message}")
        self.record_id = record_id
        self.field = field
        self.message = message
        self.location = {k: v for k, v in location.items() if v is not None}

    def located(self, **location: int) -> RecordError:
        """A copy with the input position added (existing keys win)."""
        merged = {**location, **self.location}
        return RecordError(self.record_id, self.field, self.message, **merged)

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, **self.location}

    def __reduce__(self):  # pickled for review's worker processes, location included
        return _record_error, (self.record_id, self.field, self.message, self.location)


def _record_error(record_id, field: str, message: str, location: dict) -> RecordError:
    return RecordError(record_id, field, message, **location)


@attrs.frozen
class Assessment:
    """One dated MHCT: ``ratings`` maps scale id to 0-4 or 9 (not known); absent = not rated."""

    date: dt.date
    ratings: Mapping[str, int] = attrs.field(converter=dict)
    scale8_type: str | None = None

    def rating(self, scale: str) -> int | None:
        """The known rating 0-4, or ``None`` when rated 9 or not rated."""
        value = self.ratings.get(scale)
        return None if value is None or value == NOT_KNOWN else value

    def status(self, scale: str) -> str:
        """``rated``, ``not_known`` (rated 9) or ``missing`` (not rated)."""
        value = self.ratings.get(scale)
        if value is None:
            return "missing"
        return "not_known" if value == NOT_KNOWN else "rated"

    def describe(self, scale: str) -> str:
        """``2``, ``9 (not known)`` or ``not rated``: the rating as evidence shows it."""
        value = self.ratings.get(scale)
        if value is None:
            return "not rated"
        return "9 (not known)" if value == NOT_KNOWN else str(value)

    def raw(self, scale: str) -> int | None:
        """The rating as recorded (0-4 or 9), ``None`` if not rated."""
        return self.ratings.get(scale)


@attrs.frozen
class Event:
    """An event of a declared kind (e.g. ``inpatient_or_iht``) from ``date`` to ``end`` (its last
    day; None: one day long), or still running (``ongoing``)."""

    kind: str
    date: dt.date
    end: dt.date | None = None
    ongoing: bool = False

    def overlaps(self, start: dt.date, stop: dt.date) -> bool:
        """Whether any day of the event lies in ``[start, stop]``."""
        return self.date <= stop and (self.ongoing or (self.end or self.date) >= start)

    def describe(self) -> str:
        """``on 2013-01-02``, ``from 2013-01-02 to 2013-02-01``, ``from 2013-01-02 (ongoing)``."""
        if self.ongoing:
            return f"from {self.date.isoformat()} (ongoing)"
        if self.end is None or self.end == self.date:
            return f"on {self.date.isoformat()}"
        return f"from {self.date.isoformat()} to {self.end.isoformat()}"


@attrs.frozen
class Record:
    """A service user's record; ``events is None`` means the event history is unknown."""

    id: str | None
    assessments: tuple[Assessment, ...] = attrs.field(converter=tuple)
    current_cluster: int | None = None
    cluster_since: dt.date | None = None
    in_service_since: dt.date | None = None
    facts: Mapping[str, bool] = attrs.field(factory=dict, converter=dict)
    events: tuple[Event, ...] | None = None
    recorded_cluster: int | None = None
    group: str | None = None
    team_since: Mapping[str, dt.date] = attrs.field(factory=dict, converter=dict)

    def history(self, as_of: dt.date | None = None) -> tuple[Assessment, ...]:
        """Assessments dated on or before ``as_of`` (all of them when ``as_of`` is None), oldest first."""
        if as_of is None:
            return self.assessments
        return tuple(a for a in self.assessments if a.date <= as_of)

    def latest(self, as_of: dt.date | None = None) -> Assessment | None:
        """The current assessment as of ``as_of``: the latest dated on or before it."""
        for assessment in reversed(self.assessments):
            if as_of is None or assessment.date <= as_of:
                return assessment
        return None

    def fact(self, name: str) -> bool | None:
        """``True``/``False`` if asserted, ``None`` (unknown) if not."""
        return self.facts.get(name)


# ---- validation ---------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def shown(value: object) -> str:
    """``repr`` for a message, bounded (the repr of a huge int would raise or flood)."""
    if _is_int(value) and abs(value) > 10 ** 40:
        return "a number of more than 40 digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def record_date(record_id, field: str, value: object) -> dt.date:
    try:
        return dates.parse_iso(value)
    except ValueError as error:
        raise RecordError(record_id, field, str(error)) from None


def _optional_date(record_id, field: str, value: object) -> dt.date | None:
    return None if value is None else record_date(record_id, field, value)


def _cluster_number(record_id, field: str, value: object) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or value < 0:
        raise RecordError(record_id, field,
                          f"must be a cluster number (an integer >= 0), got {shown(value)}")
    return value


def scale_ids(ruleset) -> tuple[str, ...]:
    """The scales ``ruleset`` declares, else the booklet's (`model.SCALE_IDS`)."""
    declared = tuple(getattr(ruleset, "scales", None) or ())
    return declared or SCALE_IDS


@functools.lru_cache(maxsize=64)
def scale_set(scales: tuple[str, ...]) -> frozenset[str]:
    """`scale_ids`' scales as a set, made once for each rule set's scales."""
    return frozenset(scales)


def parse_ratings(ratings: object, *, record_id: str | None = None, field: str = "ratings",
                  ruleset=None) -> dict[str, int]:
    """Validated ratings: scale id -> 0-4 or 9; ``null``/absent = not rated (dropped).

    Integer keys (``7``) are accepted from Python callers and read as ``"7"``.
    """
    if not isinstance(ratings, Mapping):
        raise RecordError(record_id, field, "must be an object mapping scale ids to ratings")
    allowed = scale_ids(ruleset)
    known = scale_set(allowed)
    out: dict[str, int] = {}
    for key, value in ratings.items():
        if type(key) is str and key in known and type(value) is int and (
                0 <= value <= 4 or value == NOT_KNOWN):
            out[key] = value  # the usual case, decided as below but sooner
            continue
        scale = str(key) if _is_int(key) else key
        if not isinstance(scale, str) or scale not in allowed:
            raise RecordError(record_id, f"{field}.{key}",
                              f"unknown scale {shown(key)}; scales are {', '.join(allowed)}")
        if value is None:
            continue
        if isinstance(value, str) and ASCII_INT.fullmatch(value):
            value = int(value)  # "0" as a CSV cell or a form field gives it
        if not _is_int(value) or not (0 <= value <= 4 or value == NOT_KNOWN):
            raise RecordError(record_id, f"{field}.{scale}",
                              f"rating must be 0-4, or 9 for not known; got {shown(value)}")
        out[scale] = value
    return out


def problem_type(record_id, field: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in PROBLEM_TYPES:
        raise RecordError(record_id, field,
                          f"scale 8 problem type must be one letter A-J, got {shown(value)}")
    return value


def _unexpected(record_id, prefix: str, data: Mapping, allowed: Iterable[str]) -> None:
    extra = [k for k in data if k not in allowed]
    if extra:
        key = extra[0]
        raise RecordError(record_id, f"{prefix}{key}" if prefix else str(key),
                          f"unexpected key {shown(key)}; allowed keys are {', '.join(allowed)}")


def assessment_from_ratings(ratings: Mapping, date: dt.date | None = None, scale8_type=None,
                            *, ruleset=None) -> Assessment:
    """An `Assessment` from a bare ratings mapping (for `allocate` called with ratings only).

    The date defaults to 1 January 1 (allocation never looks at it).
    """
    return Assessment(date or dt.date.min, parse_ratings(ratings, ruleset=ruleset),
                      problem_type(None, "scale8_type", scale8_type))


def _assessment(record_id, i: int, data: object, ruleset) -> Assessment:
    field = f"assessments[{i}]"
    if not isinstance(data, Mapping):
        raise RecordError(record_id, field, "must be an object with date and ratings")
    _unexpected(record_id, f"{field}.", data, ASSESSMENT_KEYS)
    if "date" not in data:
        raise RecordError(record_id, f"{field}.date", "is required")
    when = record_date(record_id, f"{field}.date", data["date"])
    if "ratings" not in data:
        raise RecordError(record_id, f"{field}.ratings", "is required")
    ratings = parse_ratings(data["ratings"], record_id=record_id, field=f"{field}.ratings",
                            ruleset=ruleset)
    return Assessment(when, ratings, problem_type(record_id, f"{field}.scale8_type",
                                                  data.get("scale8_type")))


def parse_facts(record_id, data: object, ruleset) -> dict[str, bool]:
    """A record's ``facts``: name -> true/false; ``null`` and absent are not asserted."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise RecordError(record_id, "facts", "must be an object mapping fact names to true/false")
    if len(data) > MAX_FACTS:
        raise RecordError(record_id, "facts", f"more than {MAX_FACTS} facts")
    declared = getattr(ruleset, "facts", None) if ruleset is not None else None
    out: dict[str, bool] = {}
    for name, value in data.items():
        if not isinstance(name, str) or not name:
            raise RecordError(record_id, f"facts.{name}", "fact names must be non-empty strings")
        if declared is not None and name not in declared:
            raise RecordError(record_id, f"facts.{name}",
                              f"unknown fact {shown(name)}: the rule set does not declare it")
        if value is None:
            continue
        if not isinstance(value, bool):
            raise RecordError(record_id, f"facts.{name}",
                              f"must be true, false or null (not asserted), got {shown(value)}")
        out[name] = value
    return out


def parse_events(record_id, data: object, ruleset) -> tuple[Event, ...] | None:
    """A record's ``events``, sorted; None when it has no event history."""
    if data is None:
        return None
    if not isinstance(data, list):
        raise RecordError(record_id, "events", "must be a list of {kind, date[, end]} objects")
    if len(data) > MAX_EVENTS:
        raise RecordError(record_id, "events", f"more than {MAX_EVENTS} events")
    declared = getattr(ruleset, "events", None) if ruleset is not None else None
    out = []
    for i, item in enumerate(data):
        field = f"events[{i}]"
        if not isinstance(item, Mapping):
            raise RecordError(record_id, field, "must be an object with kind and date")
        _unexpected(record_id, f"{field}.", item, EVENT_KEYS)
        kind = item.get("kind")
        if not isinstance(kind, str) or not kind:
            raise RecordError(record_id, f"{field}.kind", "is required (an event name)")
        if declared is not None and kind not in declared:
            raise RecordError(record_id, f"{field}.kind",
                              f"unknown event {shown(kind)}: the rule set does not declare it")
        if "date" not in item:
            raise RecordError(record_id, f"{field}.date", "is required")
        start = record_date(record_id, f"{field}.date", item["date"])
        end = _optional_date(record_id, f"{field}.end", item.get("end"))
        ongoing = item.get("ongoing", False)
        if not isinstance(ongoing, bool):
            raise RecordError(record_id, f"{field}.ongoing", f"must be true or false, got {ongoing!r}")
        if end is not None and end < start:
            raise RecordError(record_id, f"{field}.end",
                              f"{end.isoformat()} is before the event's date {start.isoformat()}")
        if end is not None and ongoing:
            raise RecordError(record_id, f"{field}.end",
                              "an ongoing event has no end yet: give `end` or `\"ongoing\": true`")
        out.append(Event(kind, start, end, ongoing))
    out.sort(key=lambda e: (e.date, e.kind, e.end or e.date, e.ongoing))
    return tuple(out)


def parse_team_since(record_id, data: object, ruleset) -> dict[str, dt.date]:
    """A record's ``team_since``: team name -> date (a team given null is left out)."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise RecordError(record_id, "team_since", "must be an object mapping team names to dates")
    declared = getattr(ruleset, "teams", None) if ruleset is not None else None
    out: dict[str, dt.date] = {}
    for name, value in data.items():
        if declared is not None and name not in declared:
            raise RecordError(record_id, f"team_since.{name}",
                              f"unknown team {name!r}: the rule set does not declare it")
        if value is not None:
            out[name] = record_date(record_id, f"team_since.{name}", value)
    return out


def _record_id(data: Mapping) -> str:
    if "id" not in data:
        raise RecordError(None, "id", "is required")
    value = data["id"]
    if _is_int(value) or isinstance(value, float):
        text = shown(value)
        raise RecordError(text, "id", f"must be a string, got the number {text}; quote it: "
                          f'"{text}"')
    if not isinstance(value, str):
        raise RecordError(None, "id", f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise RecordError(None, "id", "must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise RecordError(value[:MAX_ID_LENGTH], "id", f"is longer than {MAX_ID_LENGTH} characters")
    return value


def parse_record(data: object, ruleset: RuleSet | None = None) -> Record:
    """Validate one record (a decoded JSON object) into a `Record`; raise `RecordError`.

    With ``ruleset`` (a `model.RuleSet`), scale ids, fact names and event kinds are checked against
    its declarations.
    """
    if not isinstance(data, Mapping):
        raise RecordError(None, "", f"a record must be a JSON object, got {type(data).__name__}")
    record_id = _record_id(data)
    _unexpected(record_id, "", data, RECORD_KEYS)

    raw = data.get("assessments")
    if raw is None:
        raise RecordError(record_id, "assessments", "is required (a list of dated assessments)")
    if not isinstance(raw, list):
        raise RecordError(record_id, "assessments", "must be a list")
    if not raw:
        raise RecordError(record_id, "assessments", "must hold at least one assessment")
    if len(raw) > MAX_ASSESSMENTS:
        raise RecordError(record_id, "assessments", f"more than {MAX_ASSESSMENTS} assessments")
    assessments = [_assessment(record_id, i, item, ruleset) for i, item in enumerate(raw)]
    seen: dict[dt.date, int] = {}
    for i, a in enumerate(assessments):
        if a.date in seen:
            raise RecordError(record_id, f"assessments[{i}].date",
                              f"two assessments on {a.date.isoformat()} "
                              f"(also assessments[{seen[a.date]}]); which is current is ambiguous")
        seen[a.date] = i
    assessments.sort(key=lambda a: a.date)

    group = data.get("group")
    if group is not None and (not isinstance(group, str) or not group):
        raise RecordError(record_id, "group", "must be a decision-tree group name")

    return Record(
        id=record_id,
        assessments=tuple(assessments),
        current_cluster=_cluster_number(record_id, "current_cluster", data.get("current_cluster")),
        cluster_since=_optional_date(record_id, "cluster_since", data.get("cluster_since")),
        in_service_since=_optional_date(record_id, "in_service_since",
                                        data.get("in_service_since")),
        facts=parse_facts(record_id, data.get("facts"), ruleset),
        events=parse_events(record_id, data.get("events"), ruleset),
        recorded_cluster=_cluster_number(record_id, "recorded_cluster",
                                         data.get("recorded_cluster")),
        group=group,
        team_since=parse_team_since(record_id, data.get("team_since"), ruleset),
    )
