"""Streaming batch input for the compiled path: CSV and JSON-lines in chunks, in bounded memory.

`read_chunks` reads a file (or ``-``, or a text stream) a chunk of records at a time and yields
`Chunk`s: the readable records as arrays for `compiled.evaluate`, and every unreadable record as
an `ErrorResult` in its place, so output keeps input order and a bad row never stops the run.
Memory stays bounded by the chunk size for CSV and JSON-lines; a ``.json`` document (one array)
has to be read whole, as before.

A CSV row takes a fast path when every cell is plainly valid (ratings exactly ``0``-``4``, ``9``
or blank, an ISO date, a known group and recorded cluster); anything else is read by
`records` and judged by the interpreter, so an error reads exactly as the interpreter's does.
JSON-lines records are validated by `records.parse_record` one line at a time.

`Progress` draws a progress bar on standard error when it is a terminal (never when piped):
bytes read of the file's size, records in / ok / failed, rate and time left.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sys
import time
from typing import IO, Iterator

import attrs
import numpy as np

from . import dates
from .allocation import allocate
from .compiled.kernel import NONE
from .compiled.tables import UNKNOWN_9, UNRATED, Compiled
from .model import RuleSet
from .records import (
    CSV_OPTIONAL, MAX_ID_LENGTH, PROBLEM_TYPES, Record, RecordError, _csv_record, _scale_ids,
    read_csv, read_json,
)
from .results import ErrorResult

__all__ = ["Chunk", "read_chunks", "Progress", "CHUNK_SIZE"]

CHUNK_SIZE = 32768
_CELL = {**{str(v): v for v in range(5)}, "9": UNKNOWN_9, "": UNRATED}
_RECORD, _ARGUMENT = 0, 1  # where a given group came from (kernel.GROUP_SOURCES)


@attrs.define
class Chunk:
    """Consecutive input records: ``entries`` in input order, each an index into the arrays (a
    readable record) or an `ErrorResult`."""

    entries: list
    ids: list
    dates: list
    codes: np.ndarray  # (m, scales) uint8
    group: np.ndarray  # (m,) index into Compiled.group_names or NONE
    group_source: np.ndarray  # (m,) 0 record, 1 argument, NONE
    recorded: np.ndarray  # (m,) recorded cluster or NONE

    @property
    def failed(self) -> int:
        return len(self.entries) - len(self.ids)


class _Builder:
    """Collects one chunk's records."""

    def __init__(self, compiled: Compiled, ruleset: RuleSet, group: str | None):
        self.compiled, self.ruleset, self.argument = compiled, ruleset, group
        self.group_index = {name: i for i, name in enumerate(compiled.group_names)}
        self.entries, self.ids, self.dates, self.codes = [], [], [], []
        self.groups, self.sources, self.recorded = [], [], []

    def add(self, record_id: str, date: str, codes, group: str | None, recorded: int) -> bool:
        """Add a plainly valid record; False (nothing added) if its group or recorded cluster
        needs the interpreter's judgement."""
        if recorded != NONE and recorded not in self.ruleset.clusters:
            return False
        if group is not None and (group not in self.group_index
                                  or self.argument is not None and group != self.argument):
            return False
        given = group if group is not None else self.argument
        self.entries.append(len(self.ids))
        self.ids.append(record_id)
        self.dates.append(date)
        self.codes.append(codes)
        self.groups.append(NONE if given is None else self.group_index[given])
        self.sources.append(NONE if given is None else _RECORD if group is not None else _ARGUMENT)
        self.recorded.append(recorded)
        return True

    def add_record(self, record: Record, location: dict) -> None:
        """Add a validated `Record` (its latest assessment), or its error."""
        latest = record.latest()
        recorded = NONE if record.recorded_cluster is None else record.recorded_cluster
        if latest is not None and self.add(
                record.id, latest.date.isoformat(),
                [_code(latest.ratings.get(s)) for s in self.compiled.scales], record.group,
                recorded):
            return
        try:  # the interpreter names the problem exactly as it would one record at a time
            allocate(self.ruleset, record, self.argument)
        except RecordError as error:
            self.error(error, location)
            return
        raise AssertionError(f"record {record.id!r}: the interpreter accepts what the batch "
                             "path cannot represent")

    def error(self, error: RecordError, location: dict) -> None:
        self.entries.append(ErrorResult.from_error(error, **location))

    def chunk(self) -> Chunk:
        width = len(self.compiled.scales)
        return Chunk(self.entries, self.ids, self.dates,
                     np.array(self.codes, dtype=np.uint8).reshape(-1, width),
                     np.array(self.groups, dtype=np.int16), np.array(self.sources, dtype=np.int8),
                     np.array(self.recorded, dtype=np.int64))


def _code(value: int | None) -> int:
    return UNRATED if value is None else UNKNOWN_9 if value == 9 else value


# ---- input ----------------------------------------------------------------------------------------


def _open(source) -> tuple[IO[str], IO[bytes] | None, int | None, str | None]:
    """(text stream, underlying binary stream for progress, size in bytes, extension)."""
    if hasattr(source, "read"):
        name = getattr(source, "name", None)
        ext = os.path.splitext(name)[1].lower() if isinstance(name, str) else None
        return source, None, None, ext
    if str(source) == "-":
        binary = sys.stdin.buffer
        return io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""), None, None, None
    path = os.fspath(source)
    binary = open(path, "rb")
    size = os.fstat(binary.fileno()).st_size
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    return text, binary, size, os.path.splitext(path)[1].lower()


def _kind(ext: str | None, first: str) -> str:
    if ext in (".jsonl", ".ndjson"):
        return "jsonl"
    if ext in (".json", ".csv"):
        return ext[1:]
    stripped = first.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        try:
            json.loads(first)
        except ValueError:
            return "json"
        return "jsonl"
    return "csv"


def read_chunks(source, ruleset: RuleSet, compiled: Compiled, group: str | None = None,
                size: int = CHUNK_SIZE, progress: Progress | None = None) -> Iterator[Chunk]:
    """Chunks of at most ``size`` records from ``source`` (path, ``-`` or text stream); never
    raises for bad content (an unreadable file is one error record)."""
    try:
        text, binary, total, ext = _open(source)
    except OSError as error:
        builder = _Builder(compiled, ruleset, group)
        builder.error(RecordError(None, "input", f"cannot read input: {error}"), {})
        yield builder.chunk()
        return
    if progress is not None:
        progress.start(binary, total)
    try:
        lines = iter(text)
        head = []
        for line in lines:  # skip to the first non-blank line to decide the format
            head.append(line)
            if line.strip():
                break
        if not any(line.strip() for line in head):
            return
        lines = itertools.chain(head, lines)
        kind = _kind(ext, head[-1].lstrip("\ufeff"))
        if kind == "csv":
            yield from _csv_chunks(lines, ruleset, compiled, group, size)
        elif kind == "jsonl":
            yield from _jsonl_chunks(lines, ruleset, compiled, group, size)
        else:
            yield from _items_chunks(read_json("".join(lines), ruleset), ruleset, compiled,
                                     group, size)
    except UnicodeDecodeError as error:
        builder = _Builder(compiled, ruleset, group)
        builder.error(RecordError(None, "input", f"cannot read input: {error}"), {})
        yield builder.chunk()
    finally:
        if binary is not None:
            binary.close()


def _items_chunks(items, ruleset, compiled, group, size) -> Iterator[Chunk]:
    """Chunks from ``(location, Record | RecordError)`` pairs."""
    builder = _Builder(compiled, ruleset, group)
    for location, item in items:
        if isinstance(item, RecordError):
            builder.error(item, location)
        else:
            builder.add_record(item, location)
        if len(builder.entries) >= size:
            yield builder.chunk()
            builder = _Builder(compiled, ruleset, group)
    if builder.entries:
        yield builder.chunk()


def _jsonl_chunks(lines, ruleset, compiled, group, size) -> Iterator[Chunk]:
    def items():
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield from (({"line": number}, item) for _, item in read_json(
                    line, ruleset, jsonl=True))
    yield from _items_chunks(items(), ruleset, compiled, group, size)


def _csv_chunks(lines, ruleset, compiled, group, size) -> Iterator[Chunk]:
    reader = csv.reader(lines)
    try:
        header_cells = next(reader)
    except (StopIteration, csv.Error):
        header_cells = None
    header_text = "" if header_cells is None else _csv_line(header_cells)
    problems = [item for item in read_csv(io.StringIO(header_text), ruleset)]
    if header_cells is None or problems:
        yield from _items_chunks(problems or read_csv(io.StringIO(""), ruleset), ruleset,
                                 compiled, group, size)
        return
    header = [h.strip().lstrip("\ufeff") for h in header_cells]
    allowed = _scale_ids(ruleset)
    at = {name: header.index(name) for name in header}
    rating_at = [at[s] for s in compiled.scales]
    optional = {name: at.get(name) for name in CSV_OPTIONAL}
    known_dates: set[str] = set()
    builder = _Builder(compiled, ruleset, group)
    row = 1
    while True:
        row += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            builder.error(RecordError(None, "", f"unreadable CSV row: {error}", row=row),
                          {"row": row})
            continue
        if not any(c.strip() for c in cells):
            continue
        if not _fast_row(builder, cells, header, at, rating_at, optional, known_dates):
            try:
                record = _csv_record(header, cells, row, allowed)
            except RecordError as error:
                builder.error(error.located(row=row), {"row": row})
            else:
                builder.add_record(record, {"row": row})
        if len(builder.entries) >= size:
            yield builder.chunk()
            builder = _Builder(compiled, ruleset, group)
    if builder.entries:
        yield builder.chunk()


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _fast_row(builder: _Builder, cells, header, at, rating_at, optional, known_dates) -> bool:
    """Add a plainly valid CSV row; False to leave it to the full reader."""
    if len(cells) != len(header):
        return False
    record_id = cells[at["id"]].strip()
    if not record_id or len(record_id) > MAX_ID_LENGTH:
        return False
    date = cells[at["date"]]
    if date not in known_dates:
        try:
            dates.parse_iso(date)
        except ValueError:
            return False
        known_dates.add(date)
    try:
        codes = [_CELL[cells[i]] for i in rating_at]
    except KeyError:
        return False
    where = optional["scale8_type"]
    if where is not None and cells[where].strip() not in ("", *PROBLEM_TYPES):
        return False
    recorded = NONE
    where = optional["recorded_cluster"]
    if where is not None and cells[where].strip():
        if not cells[where].strip().isdigit():
            return False
        recorded = int(cells[where])
    where = optional["group"]
    group = (cells[where].strip() or None) if where is not None else None
    return builder.add(record_id, date.strip(), codes, group, recorded)


# ---- progress -------------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on ``stream`` when it is a terminal; silent otherwise."""

    WIDTH = 24
    EVERY = 0.1  # seconds between redraws

    def __init__(self, stream: IO[str], label: str):
        self.stream, self.label = stream, label
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.binary, self.total, self.began, self.drawn = None, None, time.monotonic(), 0.0

    def start(self, binary: IO[bytes] | None, total: int | None) -> None:
        self.binary, self.total, self.began = binary, total, time.monotonic()

    def update(self, records: int, ok: int, failed: int, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.drawn < self.EVERY):
            return
        self.drawn = now
        elapsed = max(now - self.began, 1e-9)
        counts = (f"{records:,} in · {ok:,} ok · {failed:,} failed · "
                  f"{records / elapsed:,.0f} records/s")
        done = None
        if self.total and self.binary is not None and not self.binary.closed:
            done = min(1.0, self.binary.tell() / self.total)
        if final:
            done = 1.0 if self.total else done
        if done is None:
            line = f"{self.label} {counts} · {elapsed:.1f}s"
        else:
            filled = int(done * self.WIDTH)
            left = elapsed * (1 - done) / done if done > 0 else 0.0
            line = (f"{self.label} [{'█' * filled}{'░' * (self.WIDTH - filled)}] "
                    f"{done:4.0%} {counts} · {'done' if final else f'{left:.0f}s left'}")
        self.stream.write("\r\x1b[2K" + line + ("\n" if final else ""))
        self.stream.flush()
