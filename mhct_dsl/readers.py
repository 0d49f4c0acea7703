"""Batch input files: JSON documents, JSON-lines and allocation CSV, read into records.

`read_json` and `read_csv` yield ``(location, record-or-error)`` pairs and
never raise for bad content: a JSON document may be a single object, a list, or JSON-lines (one
object per line, blank lines skipped; a line that is not JSON becomes an error for that line and
the rest continue). Lines end at ``\n`` only (``\r\n`` too): U+2028 or U+0085 inside a JSON
string is content, not a line break. CSV for allocation has one assessment a row: columns
``id,date,1..13,A..E`` plus optional ``scale8_type``, ``recorded_cluster``, ``group``; a blank cell
is "not rated". Rows are the file's lines, numbered as a spreadsheet shows them (the header is the
first line that is not blank, usually row 1); no column of this format holds a line break, so a
quote left open is an error for its row ("unclosed quote") and the next row is read as usual.
A byte-order mark is dropped at the very start of the input only (elsewhere it is content).

Each record is validated by `records.parse_record` (or, for a CSV row, the same field checks).
The compiled path (`stream_csv`), the DuckDB audit and the review CSV read CSV with the same
pieces: `csv_row` (a line's cells), `read_header` (the header found, its names and what is wrong
with them) and, but for the review CSV, `csv_item` (a row as a record or its error).
"""

from __future__ import annotations

import csv
import json
import re
import threading
from collections import Counter
from typing import Callable, Iterable, Iterator

from .diagnostics import did_you_mean
from .model import NOT_KNOWN
from .records_usual import usual
from .records import (
    ASCII_INT, CSV_OPTIONAL, MAX_ID_LENGTH, Assessment, Record, RecordError, parse_record,
    problem_type, record_date, scale_ids, shown,
)

__all__ = ["Item", "BOM", "UNDECODABLE", "read_json", "read_json_lines", "read_csv", "decode",
           "csv_lines", "csv_row", "file_rows", "read_header", "header_problem",
           "csv_item"]

BOM = "\ufeff"  # a byte-order mark: dropped at the very start of the input only (as UTF-8-sig)

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


UNDECODABLE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8, as `decode` keeps it


def decode(data: bytes) -> str:
    """Input bytes as text: UTF-8 (a byte-order mark kept for the reader to drop), any byte that is
    not UTF-8 kept as a surrogate escape for `_undecodable` to report on its own line."""
    return data.decode("utf-8", "surrogateescape")


def _undecodable(text: str) -> str | None:
    """What is wrong with a line holding bytes that were not UTF-8, or None."""
    bad = UNDECODABLE.search(text)
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
                raise _BadJSON(undecodable, text.count("\n", 0, UNDECODABLE.search(text).start())
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
    clean = UNDECODABLE.search(text) is None  # then no line needs looking at
    yield from _decode_lines(_json_lines(text), clean)


def _decode_lines(lines: Iterable[tuple[int, str]], clean: bool
                  ) -> Iterator[tuple[dict[str, int], object, bool]]:
    """`_decode_items` for numbered JSON-lines (``clean``: none holds an undecodable byte)."""
    for number, line in lines:
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
                          f"the key {shown(key)} is given twice; which value counts would be a "
                          "guess")
    record = usual(value, ruleset)  # the usual shape on a short path, else the full checks
    return record if record is not None else parse_record(value, ruleset)


def read_json(text: str, ruleset=None, *, jsonl: bool | None = None) -> Iterator[Item]:
    """Records from JSON text: one object, a list of objects, or JSON-lines.

    ``jsonl=True`` reads line by line. Otherwise the text is first read as one JSON document; if
    that fails and it looks like JSON-lines (`_is_json_lines`), it is read line by line, else it
    is one error (a broken document, located by line).
    Yields ``(location, Record | RecordError)``; never raises for bad content.
    """
    yield from _parse_items(_decode_items(text, jsonl), ruleset)


def read_json_lines(lines: Iterable[tuple[int, str]], ruleset=None) -> Iterator[Item]:
    """Records from numbered lines ``(line number, line without its newline)`` of JSON-lines,
    exactly as `read_json` reads them from the whole text (to read a file a chunk at a time)."""
    yield from _parse_items(_decode_lines(((n, line) for n, line in lines
                                           if line.strip(_JSON_BLANK)), False), ruleset)


def _parse_items(decoded, ruleset) -> Iterator[Item]:
    for location, value, repeated in decoded:
        if isinstance(value, RecordError):
            yield location, value
            continue
        try:
            yield location, _parse_item(value, ruleset, repeated)
        except RecordError as error:
            yield location, error.located(**location)


def _csv_number(cell: str) -> int | None:
    """An ASCII-digit cell as an int (at most nine digits), else None."""
    return int(cell) if ASCII_INT.fullmatch(cell) else None


def _csv_rating(record_id, row: int, column: str, cell: str) -> int | None:
    cell = cell.strip()
    if not cell:
        return None
    value = _csv_number(cell)
    if value is not None and (0 <= value <= 4 or value == NOT_KNOWN):
        return value
    raise RecordError(record_id, column, f"rating must be 0-4, 9 or blank; got {shown(cell)}",
                      row=row)


class _BadRow(str):
    """Why a CSV line cannot be read; ``record_id`` is its first cell when that is plain text."""

    record_id: str | None = None


def _bad_row(line: str, reason: str) -> _BadRow:
    bad = _BadRow(f"unreadable CSV row: {reason}")
    first = line.split(",", 1)[0].strip()
    bad.record_id = first if first and '"' not in first and len(first) <= MAX_ID_LENGTH else None
    return bad


def csv_lines(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """(row number, cells or the reason the row cannot be read) for each line of CSV text."""
    clean = UNDECODABLE.search(text) is None  # then no line needs looking at
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        yield number, csv_row(line, clean)


def csv_row(line: str, clean: bool = False) -> list[str] | str:
    """The cells of one CSV line (without its line break), or why it cannot be read: a quoted
    cell must end on its own line, and bytes that were not UTF-8 (decoded with
    ``surrogateescape``) are named. ``clean``: the caller knows the text has no such bytes."""
    undecodable = None if clean else _undecodable(line)
    if undecodable is not None:
        return f"unreadable CSV row: {undecodable}"
    if '"' not in line:  # no quoting: the cells are what lies between the commas
        return line.split(",") if line else []
    try:
        return next(csv.reader((line,), strict=True))
    except csv.Error as error:
        reason = str(error)
        if reason == "unexpected end of data":
            reason = "unclosed quote: a quoted cell does not end on its row"
        return _bad_row(line, reason)


def file_rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str] | str]]:
    """`csv_lines` for a file's lines (each with its line break), read one at a time."""
    for number, line in enumerate(lines, start=1):
        yield number, csv_row(line.rstrip("\r\n"))


def read_header(rows: Iterator[tuple[int, list[str] | str]],
                problem: Callable[[list[str]], str | None]
                ) -> tuple[int, list[str], str | None] | None:
    """The header among numbered CSV ``rows``, the first row that is not blank (lines of only
    whitespace before it are skipped, as they are after it), as ``(its row, its stripped column
    names, what ``problem`` finds wrong with them or why the row cannot be read, else None)``;
    None when there is no header. ``rows`` is left at the row after the header."""
    for at, cells in rows:
        if isinstance(cells, str):
            return at, [], cells
        if any(c.strip() for c in cells):
            header = [name.strip() for name in cells]
            return at, header, problem(header)
    return None


def header_problem(header: list[str], ruleset=None) -> str | None:
    """What is wrong with an allocation CSV's (stripped) column names, or None."""
    allowed = scale_ids(ruleset)
    required = ("id", "date") + allowed
    duplicates = sorted(h for h, count in Counter(header).items() if count > 1)
    unknown = [h for h in header if h not in required + CSV_OPTIONAL]
    missing = [h for h in required if h not in header]
    if duplicates:
        return f"duplicate column(s): {', '.join(duplicates)}"
    if unknown:
        hints = [f"{shown(h)}: {hint}; " for h in unknown
                 if (hint := did_you_mean(h, required + CSV_OPTIONAL))]
        return (f"unexpected column(s): {', '.join(shown(h) for h in unknown)}; "
                f"{''.join(hints)}columns are "
                f"{', '.join(required)} and optionally {', '.join(CSV_OPTIONAL)}")
    if missing:
        return (f"missing column(s): {', '.join(missing)} (leave cells blank for ratings "
                "not made, or 9 for not known)")
    return None


def read_csv(stream: Iterable[str] | str, ruleset=None) -> Iterator[Item]:
    """Allocation rows from CSV (text or lines; one assessment a row): ``(location, Record |
    RecordError)``.

    A bad header yields one error (on the header's row) and nothing else: no row could be read
    reliably. A column missing from the header is an error rather than "all blank", so that a
    mistyped header cannot silently make a scale unknown for every row.
    """
    text = stream if isinstance(stream, str) else "".join(stream)
    rows = csv_lines(text.removeprefix(BOM))
    first = read_header(rows, lambda names: header_problem(names, ruleset))
    if first is None:
        return
    at, header, problem = first
    if problem:
        yield {"row": at}, RecordError(None, "header", problem, row=at)
        return
    allowed = scale_ids(ruleset)
    for row, cells in rows:
        item = csv_item(header, cells, row, allowed)
        if item is not None:
            yield {"row": row}, item


def csv_item(header: list[str], cells: list[str] | str, row: int, allowed
             ) -> Record | RecordError | None:
    """Row ``row`` of an allocation CSV (its ``cells`` as `csv_row` gives them) as a `Record`,
    or the error that says why it is not one; None for a row of blank cells (no record)."""
    if isinstance(cells, str):  # why `csv_row` could not read the line
        return RecordError(getattr(cells, "record_id", None), "", cells, row=row)
    if not any(c.strip() for c in cells):
        return None
    try:
        return _csv_record(header, cells, row, allowed)
    except RecordError as error:
        return error.located(row=row)


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
    when = record_date(record_id, "date", values["date"])
    ratings = {}
    for scale in allowed:
        value = _csv_rating(record_id, row, scale, values[scale])
        if value is not None:
            ratings[scale] = value
    scale8 = values.get("scale8_type", "").strip() or None
    recorded = values.get("recorded_cluster", "").strip()
    if recorded and _csv_number(recorded) is None:
        raise RecordError(record_id, "recorded_cluster",
                          f"must be a cluster number or blank, got {shown(recorded)}", row=row)
    group = values.get("group", "").strip() or None
    return Record(
        id=record_id,
        assessments=(Assessment(when, ratings, problem_type(record_id, "scale8_type", scale8)),),
        recorded_cluster=_csv_number(recorded) if recorded else None,
        group=group,
    )
