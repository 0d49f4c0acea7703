"""Batch runs for the CLI: ``mhct allocate`` and ``mhct review`` over files of records.

`run_allocate` and `run_review` read CSV, JSON or JSON-lines, write one result per record in input
order, and keep going past bad records: a record that cannot be read or evaluated becomes
``{"id", "error": {"field", "message", "line" | "row" | "index"}}`` in its place. A summary
``records in: N, ok: N, failed: N`` goes to ``err``. They return 0 when nothing failed, else 1.

Input format: by extension (``.csv``; ``.json``; ``.jsonl``/``.ndjson``), otherwise by content (a
first non-blank character ``{`` or ``[`` means JSON, else CSV). ``"-"`` reads standard input. For
allocation a CSV row is one assessment; for review rows are dated assessments grouped into records
by ``id`` (`review_csv`).

Output (``fmt``): ``json`` = one JSON array, ``jsonl`` = one object a line; for allocation also
``csv`` = one row a record with `CSV_COLUMNS`: ``suggested_name`` names the suggested cluster
(variance included), ``fit`` is the suggested cluster's fit (blank when nothing is suggested),
``outcome`` the allocation outcome, ``candidates`` every candidate best first as ``cluster:fit``
joined by ``;``, and ``blocking_unknowns`` each unknown rating that keeps a suggestion open, with
the clusters it blocks. ``group`` (``--group``) is the default group for records without their
own; a record whose own group differs is an error record (as in `allocation.allocate`). With
``explain=True`` both write the person-readable text of `mhct_dsl.explain` instead (``width``
columns wide, 80 by default). Review ``csv`` is one row a record (`review_csv.REVIEW_COLUMNS`).

Errors are caught at the edge, per record: no traceback escapes for bad input. An unexpected
internal failure on one record is reported as that record's error (``field`` ``"internal"``) and the
run continues. The summary counts what was written, so in = ok + failed = results out. Record ids
given more than once are named in a ``warning:`` line after the summary (both results are kept).

Output is safe for where it goes: text a stream's encoding cannot hold (``Ł`` on a cp1252 console,
an unpaired surrogate from a JSON ``\\ud800``) is written as JSON ``\\u`` escapes, or as
backslash escapes in CSV and text; CSV cells starting with ``= + - @``, tab or carriage return get
a leading ``'`` so that a spreadsheet shows them as text instead of running them as a formula
(OWASP, "CSV injection"); control characters in ``--explain`` text are shown escaped (``\\x1b``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
from typing import IO, Any, Callable, Iterator

from . import dates
from .allocation import allocate, group_clusters
from .diagnostics import escape_controls
from .model import RuleSet
from .readers import BOM, decode, read_csv, read_json
from .records import Record, RecordError
from .results import ErrorResult

__all__ = ["run_allocate", "run_review", "read_records", "OUTPUT_FORMATS", "CSV_COLUMNS"]

OUTPUT_FORMATS = ("json", "jsonl", "csv")
CSV_COLUMNS = ("id", "suggested", "suggested_name", "fit", "outcome", "candidates",
               "blocking_unknowns", "recorded_cluster", "recorded_fit", "recorded_adheres",
               "error")


def _read_text(source) -> tuple[str, str | None]:
    """(text, lower-case extension or None) of a path, ``-`` (stdin) or a stream. Bytes that are
    not UTF-8 are kept as surrogate escapes, so that the readers fail only the lines holding
    them."""
    if hasattr(source, "read"):
        name = getattr(source, "name", None)
        ext = os.path.splitext(name)[1].lower() if isinstance(name, str) else None
        data = source.read()
        return (decode(data) if isinstance(data, bytes) else data), ext
    if str(source) == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        return (decode(stdin.read()) if stdin is not None else sys.stdin.read()), None
    path = os.fspath(source)
    with open(path, "rb") as handle:
        return decode(handle.read()), os.path.splitext(path)[1].lower()


def read_records(source, ruleset: RuleSet, *, csv_reader: Callable = read_csv
                 ) -> Iterator[tuple[dict[str, int], Record | RecordError]]:
    """``(location, Record | RecordError)`` for every record of ``source``; never raises for
    bad content (an unreadable file is one error). CSV is read by ``csv_reader``: one assessment
    a row (`readers.read_csv`), or rows grouped into records (`review_csv.read_review_csv`)."""
    try:
        text, ext = _read_text(source)
    except OSError as error:
        yield {}, RecordError(None, "input", f"cannot read input: {error}")
        return
    body = text.removeprefix(BOM)  # the input without its byte-order mark (CSV readers drop it)
    if not body.strip(" \t\r\n"):
        return  # no records: the summary says "records in: 0"
    if ext in (".jsonl", ".ndjson"):
        kind = "jsonl"
    elif ext == ".json":
        kind = "json"
    elif ext == ".csv":
        kind = "csv"
    else:
        kind = "json" if _looks_like_json(body) else "csv"
    if kind == "csv":
        yield from csv_reader(text, ruleset)
    else:
        yield from read_json(body, ruleset, jsonl=True if kind == "jsonl" else None)


def _looks_like_json(text: str) -> bool:
    """JSON starts with ``{`` or ``[``; so does JSON-lines whose first line is broken, when some
    later line starts with ``{`` and the first line has no comma (a CSV header always has one)."""
    start = text.lstrip()
    if start[:1] in ("{", "["):
        return True
    return "," not in start.split("\n", 1)[0] and "\n{" in start


def _encodable(text: str, out: IO[str]) -> bool:
    try:
        text.encode(getattr(out, "encoding", None) or "utf-8")
    except UnicodeEncodeError:
        return False
    return True


def escaped_for(out: IO[str], text: str) -> str:
    """``text`` with what ``out``'s encoding cannot hold written as backslash escapes."""
    if _encodable(text, out):
        return text
    encoding = getattr(out, "encoding", None) or "utf-8"
    return text.encode(encoding, "backslashreplace").decode(encoding)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: str) -> str:
    """A CSV cell a spreadsheet will not evaluate: a leading ``'`` before ``= + - @ \\t \\r``."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


class _Writer:
    """Writes results as a JSON array or JSON-lines, one at a time (an array is valid even if the
    run stops early: it is closed in `close`)."""

    def __init__(self, out: IO[str], fmt: str):
        self.out, self.fmt, self.count = out, fmt, 0

    def write(self, obj: dict[str, Any]) -> None:
        text = json.dumps(obj, ensure_ascii=False)
        if not _encodable(text, self.out):
            text = json.dumps(obj)  # \u escapes: the same JSON value, in ASCII
        if self.fmt == "json":
            self.out.write(("[\n" if self.count == 0 else ",\n") + text)
        else:
            self.out.write(text + "\n")
        self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("[]\n" if self.count == 0 else "\n]\n")

    def emit(self, result) -> None:
        self.write(result.to_json())


def internal_error(record_id, error: Exception, location) -> ErrorResult:
    return ErrorResult(record_id, "internal",
                       f"internal error ({type(error).__name__}): {error}", dict(location))


def result_for(item: Record | RecordError, location, evaluate: Callable):
    """The result for one read item: an evaluation, or an error in its place."""
    if isinstance(item, RecordError):
        return ErrorResult.from_error(item, **location)
    try:
        return evaluate(item)
    except RecordError as error:
        return ErrorResult.from_error(error, **location)
    except Exception as error:  # the edge: one record's failure must not stop the run
        return internal_error(item.id, error, location)


def _where(location: dict[str, int]) -> str:
    return " ".join(f"{k} {v}" for k, v in location.items()) or "the input"


class RecordIds:
    """Record ids seen, to name those given more than once. The first place of each id is kept
    as a bare number when its location has the run's one key (``line`` or ``row``: the usual
    case, and cheap to keep for every record of a large run); places are worded only for the ids
    repeated."""

    SHOWN = 10

    def __init__(self):
        self.key: str | None = None  # the one key of the run's locations, once seen
        self.first: dict[str, int | dict[str, int]] = {}
        self.repeated: dict[str, list[str]] = {}

    def see(self, record_id: str | None, location: dict[str, int]) -> None:
        if record_id is None:
            return
        first = self.first.get(record_id, self)
        if first is self:  # not seen before
            if len(location) == 1 and self.key is None:
                self.key = next(iter(location))
            key = self.key
            self.first[record_id] = (location[key] if len(location) == 1 and key in location
                                     else dict(location))
            return
        if record_id not in self.repeated:
            self.repeated[record_id] = [_where({self.key: first} if type(first) is int else first)]
        self.repeated[record_id].append(_where(location))

    def see_all(self, record_ids: list[str | None], locations: list[dict[str, int]]) -> None:
        """`see` each id at its location, in order: at once when the ids are new and distinct
        and each location is one number under the run's key (the usual case of a chunk)."""
        key = self.key or (next(iter(locations[0]), None) if locations else None)
        if key is not None and sum(map(len, locations)) == len(locations):
            places = [location.get(key) for location in locations]
            firsts = dict(zip(record_ids, places))
            if (len(firsts) == len(record_ids) and None not in firsts and None not in places
                    and self.first.keys().isdisjoint(firsts)):
                self.key = key
                self.first.update(firsts)
                return
        for record_id, location in zip(record_ids, locations):
            self.see(record_id, location)

    def warning(self) -> str:
        if not self.repeated:
            return ""
        shown = [f"{escape_controls(repr(i))} ({', '.join(w[:3])}{', ...' if len(w) > 3 else ''})"
                 for i, w in list(self.repeated.items())[:self.SHOWN]]
        more = len(self.repeated) - self.SHOWN
        return (f"warning: {len(self.repeated)} record id(s) given more than once: "
                + "; ".join(shown) + (f"; and {more} more" if more > 0 else "") + "\n")


def summary(total: int, failed: int, ids: RecordIds) -> str:
    """The run's closing lines for ``err``: counts, then repeated ids (if any)."""
    return f"records in: {total}, ok: {total - failed}, failed: {failed}\n{ids.warning()}"


def _run(source, ruleset: RuleSet, evaluate: Callable, emit: Callable, err: IO[str],
         csv_reader: Callable) -> tuple[int, int]:
    total = failed = 0
    ids = RecordIds()
    items = read_records(source, ruleset, csv_reader=csv_reader)
    while True:
        try:
            location, item = next(items)
        except StopIteration:
            break
        except Exception as error:  # reading failed midway (should not happen; never a traceback)
            emit(internal_error(None, error, {}))
            total += 1
            failed += 1
            break
        # A failure to write (`| head`, a full disk) is raised: nothing more is written.
        result = result_for(item, location, evaluate)
        try:
            emit(result)
        except (UnicodeError, ValueError) as error:  # this result only: say so in its place
            result = ErrorResult(None, "output", f"the result cannot be written: {error}",
                                 dict(location))
            emit(result)
        total += 1
        failed += isinstance(result, ErrorResult)
        ids.see(getattr(item, "record_id", None) or getattr(item, "id", None), location)
    err.write(summary(total, failed, ids))
    return total, failed


def _csv_writer(out: IO[str], columns, cells: Callable) -> Callable:
    """Writes the header, then a row of ``cells(result)`` per result (formula-safe, encodable)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)

    def emit(result) -> None:
        writer.writerow([escaped_for(out, formula_safe(cell)) for cell in cells(result)])
    return emit


def _allocation_cells(result, ruleset: RuleSet) -> list[str]:
    if isinstance(result, ErrorResult):
        where = "".join(f" ({k} {v})" for k, v in result.location.items())
        field = f"{result.field}: " if result.field else ""
        return [result.id or ""] + [""] * (len(CSV_COLUMNS) - 2) + [
            f"{field}{result.message}{where}"]
    suggested = result.suggested
    chosen = None if suggested is None else result.candidate(suggested)
    name = ruleset.clusters[suggested].name if suggested in ruleset.clusters else ""
    shown = ";".join(f"{c.cluster}:{c.fit}" for c in result.candidates)
    adheres = "" if result.recorded_cluster is None else str(
        {True: "true", False: "false"}.get(result.recorded_adheres, "unknown"))
    return [result.id or "", "" if suggested is None else str(suggested), name,
            "" if chosen is None else chosen.fit, result.outcome, shown,
            _blocking(result.blocking_unknowns),
            "" if result.recorded_cluster is None else str(result.recorded_cluster),
            result.recorded_fit or "", adheres, ""]


def _blocking(blocks) -> str:
    """``scale 6: rated 9 (not known) on 2014-02-24 (clusters 13, 12)``: each unknown rating
    that blocks a suggestion once, with the candidates it blocks."""
    clusters: dict[str, list[str]] = {}
    for block in blocks:
        for unknown in block.unknowns:
            clusters.setdefault(str(unknown), []).append(
                "no rated needs" if block.cluster is None else str(block.cluster))
    return "; ".join(f"{unknown} (clusters {', '.join(dict.fromkeys(who))})"
                     for unknown, who in clusters.items())


class Deciding:
    """The rule set that decided each result: ``choose(record, ...)`` when given (the edition
    in force), else ``default``; ``of(result)`` finds it again by the result's fingerprint, so
    explain wording and CSV names come from the edition that decided the record."""

    def __init__(self, default: RuleSet, choose: Callable | None):
        self.default, self.choose = default, choose
        self.used = {default.fingerprint: default}

    def pick(self, record: Record, *args) -> RuleSet:
        chosen = self.choose(record, *args) if self.choose else self.default
        self.used[chosen.fingerprint] = chosen
        return chosen

    def of(self, result) -> RuleSet:
        receipt = getattr(result, "ruleset", None) or {}
        return self.used.get(receipt.get("fingerprint"), self.default)


def _explainer(out: IO[str], deciding: Deciding, width: int | None) -> Callable:
    """Writes each result's ``explain()`` text, a blank line between records."""
    count = 0

    def emit(result) -> None:
        nonlocal count
        text = escaped_for(out, escape_controls(result.explain(width=width,
                                                              ruleset=deciding.of(result))))
        out.write(("\n" if count else "") + text + "\n")
        count += 1
    return emit


def run_allocate(ruleset: RuleSet, input, fmt: str = "json", out: IO[str] | None = None,
                 err: IO[str] | None = None, group: str | None = None,
                 choose: Callable[[Record], RuleSet] | None = None, explain: bool = False,
                 width: int | None = None, compiled: bool = True) -> int:
    """Allocate every record of ``input``; results to ``out`` in ``fmt`` (or, with ``explain``,
    as text for a person ``width`` columns wide); summary to ``err``. ``choose`` picks each
    record's rule set (the booklet in force); default ``ruleset``. CSV output streams through the
    compiled path (`compiled.run`) unless ``compiled`` is false."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    if fmt not in OUTPUT_FORMATS:
        err.write(f"error: unknown output format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}\n")
        return 1
    if group is not None:
        try:
            group_clusters(ruleset, group)
        except RecordError as error:
            err.write(f"error: --group: {error.message}\n")
            return 1

    deciding = Deciding(ruleset, choose)
    if explain:
        emit, close = _explainer(out, deciding, width), None
    elif fmt == "csv" and compiled:
        from .compiled.run import run_allocate_csv

        return run_allocate_csv(ruleset, input, out, err, group, choose)
    elif fmt == "csv":
        emit, close = _csv_writer(out, CSV_COLUMNS, lambda result: _allocation_cells(
            result, deciding.of(result))), None
    else:
        json_writer = _Writer(out, fmt)
        emit, close = json_writer.emit, json_writer.close

    try:
        _, failed = _run(input, ruleset, lambda record: allocate(
            deciding.pick(record), record, group), emit, err,
            csv_reader=read_csv)
    finally:
        if close is not None:
            close()
    return 0 if failed == 0 else 1


def run_review(ruleset: RuleSet, input, fmt: str = "json", out: IO[str] | None = None,
               err: IO[str] | None = None, as_of: dt.date | str | None = None,
               explain: bool = False, choose: Callable[[Record, Any], RuleSet] | None = None,
               width: int | None = None, jobs: int | None = None) -> int:
    """Review every record of ``input`` as of ``as_of`` (default: each record's latest
    assessment); JSON/JSON-lines results, or the explain tables, to ``out``; summary to ``err``.
    ``choose(record, as_of)`` picks each record's rule set (the booklet in force). Records are
    streamed in chunks over ``jobs`` worker processes (`review_batch`; default: the CPUs for a
    large input file, else 1); the output is the same whatever ``jobs`` is."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    if fmt not in OUTPUT_FORMATS:
        err.write(f"error: unknown output format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}\n")
        return 1
    if isinstance(as_of, str):
        try:
            as_of = dates.parse_iso(as_of)
        except ValueError as error:
            err.write(f"error: --as-of: {error}\n")
            return 1

    from .review_batch import run

    return run(ruleset, input, fmt, out, err, as_of, explain, choose, width, jobs)
