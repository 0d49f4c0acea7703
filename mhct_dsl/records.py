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

Readers for batch input (`read_json`, `read_csv`) yield ``(location, record-or-error)`` pairs and
never raise for bad content: a JSON document may be a single object, a list, or JSON-lines (one
object per line, blank lines skipped; a line that is not JSON becomes an error for that line and
the rest continue). Lines end at ``\n`` only (``\r\n`` too): U+2028 or U+0085 inside a JSON
string is content, not a line break. CSV for allocation has one assessment a row: columns
``id,date,1..13,A..E`` plus optional ``scale8_type``, ``recorded_cluster``, ``group``; a blank cell
is "not rated". Rows are the file's lines, numbered as a spreadsheet shows them (the header is row
1); no column of this format holds a line break, so a quote left open is an error for its row
("unclosed quote") and the next row is read as usual.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import threading
from collections import Counter
from typing import Any, Iterable, Iterator, Mapping

import attrs

from . import dates
from .diagnostics import did_you_mean
from .model import NOT_KNOWN, SCALE_IDS, RuleSet

__all__ = [
    "RecordError", "Assessment", "Event", "Record", "parse_record", "parse_ratings",
    "assessment_from_ratings", "read_json", "read_csv", "decode", "RECORD_KEYS", "CSV_REQUIRED",
    "CSV_OPTIONAL", "MAX_ID_LENGTH", "MAX_ASSESSMENTS", "MAX_EVENTS", "MAX_FACTS",
]

MAX_ID_LENGTH = 200
MAX_ASSESSMENTS = 1000
MAX_EVENTS = 10000
MAX_FACTS = 1000
PROBLEM_TYPES = tuple("ABCDEFGHIJ")
_ASCII_INT = re.compile(r"[0-9]{1,9}")  # digits int() reads in bounded time; "³" is not one

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


def _shown(value: object) -> str:
    """``repr`` for a message, bounded (the repr of a huge int would raise or flood)."""
    if _is_int(value) and abs(value) > 10 ** 40:
        return "a number of more than 40 digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _date(record_id, field: str, value: object) -> dt.date:
    try:
        return dates.parse_iso(value)
    except ValueError as error:
        raise RecordError(record_id, field, str(error)) from None


def _optional_date(record_id, field: str, value: object) -> dt.date | None:
    return None if value is None else _date(record_id, field, value)


def _cluster_number(record_id, field: str, value: object) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or value < 0:
        raise RecordError(record_id, field,
                          f"must be a cluster number (an integer >= 0), got {_shown(value)}")
    return value


def _scale_ids(ruleset) -> tuple[str, ...]:
    declared = tuple(getattr(ruleset, "scales", None) or ())
    return declared or SCALE_IDS


def parse_ratings(ratings: object, *, record_id: str | None = None, field: str = "ratings",
                  ruleset=None) -> dict[str, int]:
    """Validated ratings: scale id -> 0-4 or 9; ``null``/absent = not rated (dropped).

    Integer keys (``7``) are accepted from Python callers and read as ``"7"``.
    """
    if not isinstance(ratings, Mapping):
        raise RecordError(record_id, field, "must be an object mapping scale ids to ratings")
    allowed = _scale_ids(ruleset)
    out: dict[str, int] = {}
    for key, value in ratings.items():
        scale = str(key) if _is_int(key) else key
        if not isinstance(scale, str) or scale not in allowed:
            raise RecordError(record_id, f"{field}.{key}",
                              f"unknown scale {_shown(key)}; scales are {', '.join(allowed)}")
        if value is None:
            continue
        if isinstance(value, str) and _ASCII_INT.fullmatch(value):
            value = int(value)  # "0" as a CSV cell or a form field gives it
        if not _is_int(value) or not (0 <= value <= 4 or value == NOT_KNOWN):
            raise RecordError(record_id, f"{field}.{scale}",
                              f"rating must be 0-4, or 9 for not known; got {_shown(value)}")
        out[scale] = value
    return out


def _scale8_type(record_id, field: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in PROBLEM_TYPES:
        raise RecordError(record_id, field,
                          f"scale 8 problem type must be one letter A-J, got {_shown(value)}")
    return value


def _unexpected(record_id, prefix: str, data: Mapping, allowed: Iterable[str]) -> None:
    extra = [k for k in data if k not in allowed]
    if extra:
        key = extra[0]
        raise RecordError(record_id, f"{prefix}{key}" if prefix else str(key),
                          f"unexpected key {_shown(key)}; allowed keys are {', '.join(allowed)}")


def assessment_from_ratings(ratings: Mapping, date: dt.date | None = None, scale8_type=None,
                            *, ruleset=None) -> Assessment:
    """An `Assessment` from a bare ratings mapping (for `allocate` called with ratings only).

    The date defaults to 1 January 1 (allocation never looks at it).
    """
    return Assessment(date or dt.date.min, parse_ratings(ratings, ruleset=ruleset),
                      _scale8_type(None, "scale8_type", scale8_type))


def _assessment(record_id, i: int, data: object, ruleset) -> Assessment:
    field = f"assessments[{i}]"
    if not isinstance(data, Mapping):
        raise RecordError(record_id, field, "must be an object with date and ratings")
    _unexpected(record_id, f"{field}.", data, ASSESSMENT_KEYS)
    if "date" not in data:
        raise RecordError(record_id, f"{field}.date", "is required")
    when = _date(record_id, f"{field}.date", data["date"])
    if "ratings" not in data:
        raise RecordError(record_id, f"{field}.ratings", "is required")
    ratings = parse_ratings(data["ratings"], record_id=record_id, field=f"{field}.ratings",
                            ruleset=ruleset)
    return Assessment(when, ratings, _scale8_type(record_id, f"{field}.scale8_type",
                                                  data.get("scale8_type")))


def _facts(record_id, data: object, ruleset) -> dict[str, bool]:
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
                              f"unknown fact {_shown(name)}: the rule set does not declare it")
        if value is None:
            continue
        if not isinstance(value, bool):
            raise RecordError(record_id, f"facts.{name}",
                              f"must be true, false or null (not asserted), got {_shown(value)}")
        out[name] = value
    return out


def _events(record_id, data: object, ruleset) -> tuple[Event, ...] | None:
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
                              f"unknown event {_shown(kind)}: the rule set does not declare it")
        if "date" not in item:
            raise RecordError(record_id, f"{field}.date", "is required")
        start = _date(record_id, f"{field}.date", item["date"])
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


def _team_since(record_id, data: object, ruleset) -> dict[str, dt.date]:
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
            out[name] = _date(record_id, f"team_since.{name}", value)
    return out


def _record_id(data: Mapping) -> str:
    if "id" not in data:
        raise RecordError(None, "id", "is required")
    value = data["id"]
    if _is_int(value) or isinstance(value, float):
        shown = _shown(value)
        raise RecordError(shown, "id", f"must be a string, got the number {shown}; quote it: "
                          f'"{shown}"')
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
        facts=_facts(record_id, data.get("facts"), ruleset),
        events=_events(record_id, data.get("events"), ruleset),
        recorded_cluster=_cluster_number(record_id, "recorded_cluster",
                                         data.get("recorded_cluster")),
        group=group,
        team_since=_team_since(record_id, data.get("team_since"), ruleset),
    )


# ---- batch readers --------------------------------------------------------------------------------

Item = tuple[dict[str, int], "Record | RecordError"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_JSON_BLANK = " \t\r"


class _Repeated(dict):
    """A decoded JSON object that gave ``key`` more than once (the last value is kept)."""

    def __init__(self, pairs: list, key: str):
        super().__init__(pairs)
        self.key = key


_decoding = threading.local()  # .repeated: whether the text being decoded repeats a key


def _object(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    _decoding.repeated = True
    seen: set[str] = set()
    key = next(k for k, _ in pairs if k in seen or seen.add(k))
    return _Repeated(pairs, key)


def _repeated_key(value: object, path: str = "") -> tuple[str, str] | None:
    """(field, key) of the first object in ``value`` that repeats a key, else None."""
    if isinstance(value, _Repeated):
        return f"{path}.{value.key}" if path else value.key, value.key
    if isinstance(value, dict):
        for key, item in value.items():
            found = _repeated_key(item, f"{path}.{key}" if path else key)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _repeated_key(item, f"{path}[{i}]")
            if found:
                return found
    return None


def _loads(text: str, one_line: bool = False) -> tuple[object, bool]:
    """``(value, whether some object in it repeats a key)``; every failure is a `_BadJSON` with a
    line number (the message gives the column, and the line too for a multi-line document)."""
    _decoding.repeated = False
    try:
        try:
            value = _DECODER.decode(text)
        except ValueError as error:
            if isinstance(error, json.JSONDecodeError):
                raise
            # An integer too long for int(): read again, keeping it as a marker for its record.
            value = _LONG_DECODER.decode(text)
    except json.JSONDecodeError as error:
        where = (f"column {error.colno}" if one_line
                 else f"line {error.lineno}, column {error.colno}")
        raise _BadJSON(f"not valid JSON: {error.msg} ({where})", error.lineno) from None
    except RecursionError:
        raise _BadJSON("not valid JSON: nested too deeply", 1) from None
    return value, _decoding.repeated


class _LongNumber:
    """A JSON integer too long for Python's ``int()``; its record reports it, the rest go on."""

    def __init__(self, digits: str):
        self.length = len(digits)

    def __repr__(self) -> str:
        return f"a number of {self.length} digits"


def _int_or_long(digits: str) -> int | _LongNumber:
    try:
        return int(digits)
    except ValueError:
        return _LongNumber(digits)


_DECODER = json.JSONDecoder(object_pairs_hook=_object)
_LONG_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=_int_or_long)


class _BadJSON(ValueError):
    def __init__(self, message: str, lineno: int):
        super().__init__(message)
        self.message = message
        self.lineno = lineno


_UNDECODABLE = re.compile("[\udc80-\udcff]")


def decode(data: bytes) -> str:
    """Input bytes as text: UTF-8 (a leading byte-order mark dropped), any byte that is not UTF-8
    kept as a surrogate escape for `_undecodable` to report on its own line."""
    return data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")


def _undecodable(text: str) -> str | None:
    """What is wrong with a line holding bytes that were not UTF-8, or None."""
    bad = _UNDECODABLE.search(text)
    if bad is None:
        return None
    line = text.count("\n", 0, bad.start()) + 1
    column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
    where = f"line {line}, column {column}" if "\n" in text else f"column {column}"
    return (f"not UTF-8 text: byte 0x{ord(bad.group()) - 0xdc00:02x} ({where}); save the file "
            "as UTF-8")


def _json_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) split at ``\n`` only: U+2028 and U+0085 are valid inside a JSON
    string, so `str.splitlines` would cut a record in two."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip(_JSON_BLANK):
            yield number, line


def _is_json_lines(text: str) -> bool:
    """Whether a text that is not one JSON document is JSON-lines: its first line is JSON, or
    some line is a record on its own (an object with an ``id``), so that one broken line, the first
    included, costs only its own record."""
    for index, (_, line) in enumerate(_json_lines(text)):
        try:
            value, _ = _loads(line)
        except _BadJSON:
            continue
        if index == 0 or (isinstance(value, dict) and "id" in value):
            return True
    return False


def _decode_items(text: str, jsonl: bool | None
                  ) -> Iterator[tuple[dict[str, int], object, bool]]:
    """(location, decoded value or RecordError, whether it may repeat a key) for a JSON document
    or JSON-lines."""
    if not text.strip(_JSON_BLANK + "\n"):
        return
    if not jsonl:
        try:
            undecodable = _undecodable(text)
            if undecodable is not None:
                raise _BadJSON(undecodable, text.count("\n", 0, _UNDECODABLE.search(text).start())
                               + 1)
            value, repeated = _loads(text)
        except _BadJSON as error:
            if not _is_json_lines(text):
                # Not JSON-lines either: one error for the document, at the parser's position.
                yield ({"line": error.lineno},
                       RecordError(None, "", error.message, line=error.lineno), False)
                return
        else:
            if isinstance(value, list):
                for i, item in enumerate(value):
                    yield {"index": i}, item, repeated
            else:
                yield {}, value, repeated
            return
    clean = _UNDECODABLE.search(text) is None  # then no line needs looking at
    for number, line in _json_lines(text):
        try:
            undecodable = None if clean else _undecodable(line)
            if undecodable is not None:
                raise _BadJSON(undecodable, 1)
            value, repeated = _loads(line, one_line=True)
        except _BadJSON as error:
            yield {"line": number}, RecordError(None, "", error.message, line=number), False
        else:
            yield {"line": number}, value, repeated


def _parse_item(value: object, ruleset, repeated: bool) -> Record:
    found = _repeated_key(value) if repeated else None
    if found is not None:
        field, key = found
        record_id = value.get("id") if isinstance(value, dict) else None
        raise RecordError(record_id if isinstance(record_id, str) else None, field,
                          f"the key {_shown(key)} is given twice; which value counts would be a "
                          "guess")
    return parse_record(value, ruleset)


def read_json(text: str, ruleset=None, *, jsonl: bool | None = None) -> Iterator[Item]:
    """Records from JSON text: one object, a list of objects, or JSON-lines.

    ``jsonl=True`` reads line by line. Otherwise the text is first read as one JSON document; if
    that fails and it looks like JSON-lines (`_is_json_lines`), it is read line by line, else it
    is one error (a broken document, located by line).
    Yields ``(location, Record | RecordError)``; never raises for bad content.
    """
    for location, value, repeated in _decode_items(text, jsonl):
        if isinstance(value, RecordError):
            yield location, value
            continue
        try:
            yield location, _parse_item(value, ruleset, repeated)
        except RecordError as error:
            yield location, error.located(**location)


def _csv_number(cell: str) -> int | None:
    """An ASCII-digit cell as an int (at most nine digits), else None."""
    return int(cell) if _ASCII_INT.fullmatch(cell) else None


def _csv_rating(record_id, row: int, column: str, cell: str) -> int | None:
    cell = cell.strip()
    if not cell:
        return None
    value = _csv_number(cell)
    if value is not None and (0 <= value <= 4 or value == NOT_KNOWN):
        return value
    raise RecordError(record_id, column, f"rating must be 0-4, 9 or blank; got {_shown(cell)}",
                      row=row)


class _BadRow(str):
    """Why a CSV line cannot be read; ``record_id`` is its first cell when that is plain text."""

    record_id: str | None = None


def _bad_row(line: str, reason: str) -> _BadRow:
    bad = _BadRow(f"unreadable CSV row: {reason}")
    first = line.split(",", 1)[0].strip()
    bad.record_id = first if first and '"' not in first and len(first) <= MAX_ID_LENGTH else None
    return bad


def _csv_lines(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """(row number, cells or the reason the row cannot be read) for each line of CSV text."""
    clean = _UNDECODABLE.search(text) is None  # then no line needs looking at
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        undecodable = None if clean else _undecodable(line)
        if undecodable is not None:
            yield number, f"unreadable CSV row: {undecodable}"
        elif '"' not in line:  # no quoting: the cells are what lies between the commas
            yield number, line.split(",") if line else []
        else:
            try:
                yield number, next(csv.reader((line,), strict=True))
            except csv.Error as error:
                reason = str(error)
                if reason == "unexpected end of data":
                    reason = "unclosed quote: a quoted cell does not end on its row"
                yield number, _bad_row(line, reason)


def read_csv(stream: Iterable[str] | str, ruleset=None) -> Iterator[Item]:
    """Allocation rows from CSV (text or lines; one assessment a row): ``(location, Record |
    RecordError)``.

    A bad header yields one error (row 1) and nothing else: no row could be read reliably. A
    column missing from the header is an error rather than "all blank", so that a mistyped header
    cannot silently make a scale unknown for every row.
    """
    text = stream if isinstance(stream, str) else "".join(stream)
    rows = _csv_lines(text.removeprefix("\ufeff"))
    _, header = next(rows)
    if isinstance(header, str):
        yield {"row": 1}, RecordError(None, "header", header, row=1)
        return
    if not header:
        return
    header = [h.strip() for h in header]
    allowed = _scale_ids(ruleset)
    required = ("id", "date") + allowed
    problem = None
    duplicates = sorted(h for h, count in Counter(header).items() if count > 1)
    unknown = [h for h in header if h not in required + CSV_OPTIONAL]
    missing = [h for h in required if h not in header]
    if duplicates:
        problem = f"duplicate column(s): {', '.join(duplicates)}"
    elif unknown:
        hints = [f"{_shown(h)}: {hint}; " for h in unknown
                 if (hint := did_you_mean(h, required + CSV_OPTIONAL))]
        problem = (f"unexpected column(s): {', '.join(_shown(h) for h in unknown)}; "
                   f"{''.join(hints)}columns are "
                   f"{', '.join(required)} and optionally {', '.join(CSV_OPTIONAL)}")
    elif missing:
        problem = (f"missing column(s): {', '.join(missing)} (leave cells blank for ratings "
                   "not made, or 9 for not known)")
    if problem:
        yield {"row": 1}, RecordError(None, "header", problem, row=1)
        return
    for row, cells in rows:
        if isinstance(cells, str):
            yield {"row": row}, RecordError(getattr(cells, "record_id", None), "", cells, row=row)
            continue
        if not any(c.strip() for c in cells):
            continue
        try:
            yield {"row": row}, _csv_record(header, cells, row, allowed)
        except RecordError as error:
            yield {"row": row}, error.located(row=row)


def _csv_record(header: list[str], cells: list[str], row: int, allowed) -> Record:
    values = dict(zip(header, cells))
    record_id = values.get("id", "").strip() or None
    if len(cells) != len(header):
        raise RecordError(record_id, "", f"has {len(cells)} cells; the header has {len(header)}",
                          row=row)
    if record_id is None:
        raise RecordError(None, "id", "is required", row=row)
    if len(record_id) > MAX_ID_LENGTH:
        raise RecordError(record_id[:MAX_ID_LENGTH], "id",
                          f"is longer than {MAX_ID_LENGTH} characters", row=row)
    when = _date(record_id, "date", values["date"])
    ratings = {}
    for scale in allowed:
        value = _csv_rating(record_id, row, scale, values[scale])
        if value is not None:
            ratings[scale] = value
    scale8 = values.get("scale8_type", "").strip() or None
    recorded = values.get("recorded_cluster", "").strip()
    if recorded and _csv_number(recorded) is None:
        raise RecordError(record_id, "recorded_cluster",
                          f"must be a cluster number or blank, got {_shown(recorded)}", row=row)
    group = values.get("group", "").strip() or None
    return Record(
        id=record_id,
        assessments=(Assessment(when, ratings, _scale8_type(record_id, "scale8_type", scale8)),),
        recorded_cluster=_csv_number(recorded) if recorded else None,
        group=group,
    )
