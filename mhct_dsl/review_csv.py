"""Care reviews from and to CSV, for people who keep assessments in a spreadsheet.

Input (`read_review_csv`): one row per dated assessment; rows with the same ``id`` are one record
(they need not be adjacent; records come out in the order of their first row). Columns:

- ``id``, ``date``, the scales ``1``..``13``, ``A``..``E`` (required, as for allocation: a blank
  rating is "not rated", 9 is "not known"), and optionally ``scale8_type``;
- record-level columns, given on any one row of the record or repeated with the same value:
  ``current_cluster`` (required), ``cluster_since``, ``in_service_since``, ``recorded_cluster``,
  ``group``;
- one column per fact the rule set declares, named as the fact (``detained_mha``): ``true`` or
  ``false`` (any case); blank is unasserted (unknown), as a fact missing from a JSON record;
- ``team_since.NAME`` (optional), one column per team the rule set declares: the date the person
  started with that team (blank: unknown);
- ``events`` (optional): ``kind date``, ``kind date..end`` or ``kind date..ongoing``, several
  joined by ``;``, on any rows of the record; ``none`` says there were none. Without any event
  cell the history is unknown (as a JSON record without ``"events"``).

Each record is then validated as a JSON record is (`records.parse_record`); an error names the
record, the field and the row (the record's first row, or the row of the faulty cell).

Output (`review_row`, ``mhct review --format csv``): one row per record with `REVIEW_COLUMNS`.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from .diagnostics import did_you_mean
from .model import SCALE_IDS, RuleSet
from .readers import BOM, Item, csv_lines, read_header
from .records import CSV_OPTIONAL, RecordError, parse_record
from .results import ErrorResult, ReviewResult

__all__ = ["RECORD_COLUMNS", "REVIEW_COLUMNS", "read_review_csv", "review_row"]

RECORD_COLUMNS = ("current_cluster", "cluster_since", "in_service_since", "recorded_cluster",
                  "group")
REVIEW_COLUMNS = ("id", "current_cluster", "decision", "suggested_clusters", "blocking_unknowns",
                  "next_review_due", "review_overdue", "as_of", "error")
_NUMBERS = ("current_cluster", "recorded_cluster")


def read_review_csv(text: str, ruleset: RuleSet | None = None) -> Iterator[Item]:
    """``(location, Record | RecordError)`` per record of a review CSV; never raises."""
    lines = csv_lines(text.removeprefix(BOM))  # one row a line, as for allocation
    scales = tuple(ruleset.scales) if ruleset is not None and ruleset.scales else SCALE_IDS
    facts = tuple(ruleset.facts) if ruleset is not None else ()
    teams = tuple(f"team_since.{team}" for team in getattr(ruleset, "teams", None) or ())
    first = read_header(lines, lambda names: _header_problem(names, scales, facts, teams))
    if first is None:
        return
    at, header, problem = first
    if problem:
        yield {"row": at}, RecordError(None, "header", problem, row=at)
        return
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for number, cells in lines:
        if isinstance(cells, str):
            yield {"row": number}, RecordError(getattr(cells, "record_id", None), "", cells,
                                               row=number)
            continue
        if not any(c.strip() for c in cells):
            continue
        values = {h: c.strip() for h, c in zip(header, cells)}
        if len(cells) != len(header):
            yield {"row": number}, RecordError(values.get("id") or None, "", f"has {len(cells)} "
                                               f"cells; the header has {len(header)}", row=number)
            continue
        if not values["id"]:
            yield {"row": number}, RecordError(None, "id", "is required", row=number)
            continue
        groups.setdefault(values["id"], []).append((number, values))
    for record_id, rows in groups.items():
        first = rows[0][0]
        try:
            record = _record(record_id, rows, header, scales, facts)
            yield {"row": first}, parse_record(record, ruleset)
        except RecordError as error:
            yield {"row": first}, _in_rows(error, [number for number, _ in rows])


def _in_rows(error: RecordError, rows: list[int]) -> RecordError:
    """An error about ``assessments[i].ratings.7`` as one about column ``7`` of that row."""
    match = re.fullmatch(r"assessments\[(\d+)\](?:\.ratings)?\.?(.*)", error.field)
    if match is None or int(match.group(1)) >= len(rows):
        return error.located(row=rows[0])
    return RecordError(error.record_id, match.group(2) or "assessment", error.message,
                       row=rows[int(match.group(1))])


def _header_problem(header: list[str], scales, facts, teams) -> str | None:
    required = ("id", "date", "current_cluster") + scales
    allowed = set(required) | set(RECORD_COLUMNS) | set(CSV_OPTIONAL) | set(facts) | set(teams) \
        | {"events"}
    duplicates = sorted({h for h in header if header.count(h) > 1})
    unknown = [h for h in header if h not in allowed]
    missing = [h for h in required if h not in header]
    if duplicates:
        return f"duplicate column(s): {', '.join(duplicates)}"
    if unknown:
        hints = [f"{h!r}: {hint}" for h in unknown if (hint := did_you_mean(h, allowed))]
        return (f"unexpected column(s): {', '.join(repr(h) for h in unknown)}; "
                + "".join(f"{hint}; " for hint in hints) + "a review CSV has "
                f"{', '.join(required)}, optionally {', '.join(RECORD_COLUMNS[1:])}, "
                "scale8_type, events, and a column per declared fact or team (team_since.NAME)")
    if missing:
        return f"missing column(s): {', '.join(missing)}"
    return None


def _record(record_id: str, rows, header: list[str], scales, facts) -> dict[str, Any]:
    """The JSON record the rows of one id stand for (validated afterwards by `parse_record`)."""
    record: dict[str, Any] = {"id": record_id}
    teams = tuple(h for h in header if h.startswith("team_since."))
    for column in RECORD_COLUMNS + tuple(f for f in facts if f in header) + teams:
        given = {(values[column], number) for number, values in rows
                 if column in values and values[column]}
        if len({value for value, _ in given}) > 1:
            shown = ", ".join(f"{value!r} (row {number})" for value, number in sorted(given))
            raise RecordError(record_id, column, f"differs between rows: {shown}",
                              row=min(number for _, number in given))
        if given:
            value = next(iter(given))[0]
            number = next(iter(given))[1]
            if column in facts:
                record.setdefault("facts", {})[column] = _truth(record_id, column, value, number)
            elif column in teams:
                record.setdefault("team_since", {})[column.removeprefix("team_since.")] = value
            elif column in _NUMBERS:
                record[column] = _number(record_id, column, value, number)
            else:
                record[column] = value
    record["assessments"] = [_assessment(values, scales) for _, values in rows]
    events = [(values["events"], number) for number, values in rows
              if values.get("events")]
    if events:
        record["events"] = [event for cell, number in events
                            for event in _events(record_id, cell, number)]
    return record


def _assessment(values: dict[str, str], scales) -> dict[str, Any]:
    ratings = {scale: values[scale] or None for scale in scales}
    assessment: dict[str, Any] = {"date": values["date"], "ratings": ratings}
    if values.get("scale8_type"):
        assessment["scale8_type"] = values["scale8_type"]
    return assessment


def _truth(record_id: str, column: str, value: str, row: int) -> bool:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise RecordError(record_id, f"facts.{column}", f"must be true, false or blank, got {value!r}",
                      row=row)


def _number(record_id: str, column: str, value: str, row: int) -> int:
    if value.isascii() and value.isdigit() and len(value) <= 4:
        return int(value)
    raise RecordError(record_id, column, f"must be a cluster number, got {value!r}", row=row)


def _events(record_id: str, cell: str, row: int) -> list[dict[str, Any]]:
    if cell.lower() == "none":
        return []
    events = []
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        kind, _, span = part.partition(" ")
        start, _, end = span.strip().partition("..")
        if not kind or not start:
            raise RecordError(record_id, "events", f"{part!r}: write `kind date`, "
                              "`kind date..end` or `kind date..ongoing`", row=row)
        event: dict[str, Any] = {"kind": kind, "date": start}
        if end == "ongoing":
            event["ongoing"] = True
        elif end:
            event["end"] = end
        events.append(event)
    return events


def review_row(result: ReviewResult | ErrorResult) -> list[str]:
    """One output row (`REVIEW_COLUMNS`) for a review or an error in its place."""
    if isinstance(result, ErrorResult):
        where = "".join(f" ({k} {v})" for k, v in result.location.items())
        field = f"{result.field}: " if result.field else ""
        return [result.id or "", "", "", "", "", "", "", "", f"{field}{result.message}{where}"]
    blocking = "; ".join(f"{b.label}: " + ", ".join(map(str, b.unknowns))
                         for b in result.blocking_unknowns)
    due = result.next_review_due
    overdue = {True: "true", False: "false", None: ""}[result.review_overdue]
    return [result.id or "", str(result.current_cluster), result.decision,
            ";".join(map(str, result.suggested_clusters)), blocking,
            "" if due is None else due.isoformat(), overdue, result.as_of.isoformat(), ""]
