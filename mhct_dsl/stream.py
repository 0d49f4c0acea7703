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
from .readers import _UNDECODABLE, _csv_record, csv_header, csv_row, header_problem, read_json
from .records import MAX_ID_LENGTH, PROBLEM_TYPES, Record, RecordError, _scale_ids
from .results import ErrorResult

__all__ = ["Chunk", "read_chunks", "Progress", "CHUNK_SIZE"]

CHUNK_SIZE = 32768
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
    locations: list  # (m,) where each record is in the input ({"row": n} or {"line": n})

    @property
    def failed(self) -> int:
        return len(self.entries) - len(self.ids)


class _Builder:
    """Collects one chunk's records."""

    def __init__(self, compiled: Compiled, ruleset: RuleSet, group: str | None):
        self.compiled, self.ruleset, self.argument = compiled, ruleset, group
        self.group_index = {name: i for i, name in enumerate(compiled.group_names)}
        self.entries, self.ids, self.dates, self.codes = [], [], [], []
        self.groups, self.sources, self.recorded, self.locations = [], [], [], []

    def add(self, record_id: str, date: str, codes, group: str | None, recorded: int,
            location: dict) -> bool:
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
        self.locations.append(location)
        return True

    def add_record(self, record: Record, location: dict) -> None:
        """Add a validated `Record` (its latest assessment), or its error."""
        latest = record.latest()
        recorded = NONE if record.recorded_cluster is None else record.recorded_cluster
        if latest is not None and self.add(
                record.id, latest.date.isoformat(),
                [_code(latest.ratings.get(s)) for s in self.compiled.scales], record.group,
                recorded, location):
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
                     np.array(self.recorded, dtype=np.int64), self.locations)


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
        return (io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape",
                                 newline=""), None, None, None)
    path = os.fspath(source)
    binary = open(path, "rb")
    size = os.fstat(binary.fileno()).st_size
    # bytes that are not UTF-8 survive as surrogates and fail only their own row or line
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
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
    # one row a line, numbered as `readers.read_csv` numbers and reads it (a quote must close on
    # its line; the header is the first line that is not blank)
    numbered = enumerate(lines, start=1)
    first = csv_header((number, csv_row(line.rstrip("\r\n"))) for number, line in numbered)
    if first is None:
        return
    at, header_cells = first
    header = None if isinstance(header_cells, str) else [
        h.strip().lstrip("\ufeff") for h in header_cells]
    problem = header_cells if header is None else header_problem(header, ruleset)
    if problem:
        error = RecordError(None, "header", problem, row=at)
        yield from _items_chunks([({"row": at}, error)], ruleset, compiled, group, size)
        return
    columns = _Columns(header, ruleset, compiled, group)
    row = at + 1
    while block := list(itertools.islice(lines, size)):
        yield columns.chunk(row, block)
        row += len(block)


def _cells(text: str, lines: list[str]) -> list[list[str] | str]:
    """Each line's cells or why it cannot be read, as `readers.csv_row` reads it (``text``: the
    lines joined). Lines without a quote or a byte that was not UTF-8 are split at their commas,
    which is what `csv_row` does with them."""
    clean = _UNDECODABLE.search(text) is None
    if clean and '"' not in text:  # a blank line gives [""] (csv_row: []): both no record
        return [line.rstrip("\r\n").split(",") for line in lines]
    return [csv_row(line.rstrip("\r\n"), clean) for line in lines]


class _Bounds:
    """The cells of a block of plain lines, found at once as byte offsets: ASCII text without a
    quote, every line ending in ``\n`` (or every one in ``\r\n``) and holding the header's number
    of cells, so its cells are exactly the runs between its commas (as `csv_row` splits them).
    `of` gives None for any other block."""

    def __init__(self, text: str, starts: np.ndarray, ends: np.ndarray, data: np.ndarray):
        self.text, self.starts, self.ends, self.data = text, starts, ends, data

    @classmethod
    def of(cls, text: str, lines: int, width: int) -> _Bounds | None:
        if not text.isascii() or '"' in text:
            return None
        data = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        offset = np.int32 if len(data) < 2 ** 31 else np.int64
        breaks = np.flatnonzero(data == ord("\n")).astype(offset)
        if len(breaks) != lines or breaks[-1] != len(data) - 1:
            return None
        returns = np.flatnonzero(data == ord("\r")).astype(offset)
        if len(returns) and (len(returns) != lines or (returns != breaks - 1).any()):
            return None
        line_ends = returns if len(returns) else breaks
        commas = np.flatnonzero(data == ord(",")).astype(offset)
        if len(commas) != lines * (width - 1):
            return None
        commas = commas.reshape(lines, width - 1)
        line_starts = np.concatenate([np.zeros(1, offset), breaks[:-1] + 1])
        # each line's share of the commas lies within it, so each line has width - 1 of them
        if (commas[:, 0] < line_starts).any() or (commas[:, -1] >= line_ends).any():
            return None
        return cls(text, np.concatenate([line_starts[:, None], commas + 1], axis=1),
                   np.concatenate([commas, line_ends[:, None]], axis=1), data)

    def texts(self, column: int) -> list[str]:
        return [self.text[a:b] for a, b in zip(self.starts[:, column].tolist(),
                                               self.ends[:, column].tolist())]

    def codes(self, columns: list[int]) -> np.ndarray:
        """As `_rating_codes`, for each column: 255 where a cell is not exactly 0-4, 9 or
        empty."""
        starts, ends = self.starts[:, columns], self.ends[:, columns]
        first = self.data[np.minimum(starts, len(self.data) - 1)]
        code = np.where(ends == starts, UNRATED, _CELL_CODE[first])
        return np.where(ends - starts > 1, 255, code).astype(np.uint8)


# A rating cell's code by its one character (code point 0: an empty cell); 255: not plain.
_CELL_CODE = np.full(128, 255, dtype=np.uint8)
_CELL_CODE[0] = UNRATED
_CELL_CODE[[ord(str(v)) for v in range(5)]] = range(5)
_CELL_CODE[ord("9")] = UNKNOWN_9


def _rating_codes(cells: tuple[str, ...]) -> np.ndarray:
    """Codes of a column of rating cells, 255 where a cell is not exactly 0-4, 9 or empty."""
    joined = np.frombuffer(",".join(cells).encode("utf-8", "replace"), dtype=np.uint8)
    commas = np.flatnonzero(joined == ord(","))
    if len(commas) == len(cells) - 1:  # no cell holds a comma: cells are the runs between them
        starts = np.concatenate([[0], commas + 1])
        lengths = np.concatenate([commas, [len(joined)]]) - starts
        first = joined[np.minimum(starts, max(len(joined) - 1, 0))] if len(joined) else starts
        code = np.where(lengths == 0, UNRATED, _CELL_CODE[np.minimum(first, 127)])
        return np.where(lengths > 1, 255, code).astype(np.uint8)
    return np.array([_CELL_CODE[ord(c)] if len(c) == 1 and ord(c) < 128 else
                     UNRATED if not c else 255 for c in cells], dtype=np.uint8)


class _Columns:
    """Reads a block of CSV rows column by column with NumPy; rows that are not plainly valid go
    to the full reader (`records`) and, if it accepts them, the interpreter's checks."""

    def __init__(self, header: list[str], ruleset: RuleSet, compiled: Compiled,
                 group: str | None):
        self.header, self.ruleset, self.compiled, self.group = header, ruleset, compiled, group
        self.at = {name: header.index(name) for name in header}
        self.allowed = _scale_ids(ruleset)
        self.group_index = {name: i for i, name in enumerate(compiled.group_names)}
        self.valid_dates: dict[str, bool] = {}

    def _mapped(self, column, judge) -> tuple[np.ndarray, np.ndarray]:
        """(value per row, plainly valid per row) for a categorical column, judging each distinct
        cell once: ``judge(cell)`` gives the value or raises ValueError."""
        distinct = {cell: k for k, cell in enumerate(dict.fromkeys(column))}
        values = np.full(len(distinct), NONE, dtype=np.int64)
        valid = np.zeros(len(distinct), dtype=bool)
        for cell, k in distinct.items():
            try:
                values[k], valid[k] = judge(cell), True
            except ValueError:
                pass
        at = np.fromiter(map(distinct.__getitem__, column), np.intp, len(column))
        return values[at], valid[at]

    def _date(self, cell: str) -> int:
        if cell not in self.valid_dates:
            try:
                dates.parse_iso(cell)
                self.valid_dates[cell] = True
            except ValueError:
                self.valid_dates[cell] = False
        if not self.valid_dates[cell] or cell != cell.strip():
            raise ValueError(cell)
        return 0

    def _recorded(self, cell: str) -> int:
        cell = cell.strip()
        if not cell:
            return NONE
        if not cell.isdigit() or int(cell) not in self.ruleset.clusters:
            raise ValueError(cell)
        return int(cell)

    def _group(self, cell: str) -> int:
        cell = cell.strip()
        given = cell or self.group
        if given is None:
            return NONE
        if given not in self.group_index or cell and self.group is not None and cell != self.group:
            raise ValueError(cell)
        return self.group_index[given] * 2 + (_RECORD if cell else _ARGUMENT)

    def _scale8(self, cell: str) -> int:
        if cell.strip() not in ("", *PROBLEM_TYPES):
            raise ValueError(cell)
        return 0

    def chunk(self, start: int, lines: list[str]) -> Chunk:
        """A block of consecutive lines from row ``start``."""
        width = len(self.header)
        text = "".join(lines)
        bounds = _Bounds.of(text, len(lines), width)
        if bounds is not None:  # the cells of a row are made only if it needs the full reader
            block = None
            regular: range | list[int] = range(len(lines))
            texts, codes_of = bounds.texts, bounds.codes
        else:
            block = _cells(text, lines)
            regular = [i for i, cells in enumerate(block)
                       if isinstance(cells, list) and len(cells) == width]
            columns = list(zip(*(block[i] for i in regular)))
            texts = columns.__getitem__

            def codes_of(at: list[int]) -> np.ndarray:
                return np.stack([_rating_codes(columns[j]) for j in at], axis=1)
        plain = np.zeros(len(lines), dtype=bool)
        codes = np.zeros((len(regular), len(self.compiled.scales)), dtype=np.uint8)
        ids, day_cells, rows = [], [], []
        group = recorded = np.full(len(regular), NONE, dtype=np.int64)
        if regular:
            ids = list(map(str.strip, texts(self.at["id"])))
            lengths = np.fromiter(map(len, ids), np.intp, len(ids))
            ok = (lengths > 0) & (lengths <= MAX_ID_LENGTH)
            day_cells = texts(self.at["date"])  # a plain date has no spaces to strip
            ok &= self._mapped(day_cells, self._date)[1]
            codes = codes_of([self.at[scale] for scale in self.compiled.scales])
            ok &= (codes != 255).all(axis=1)
            for name, judge in (("scale8_type", self._scale8), ("recorded_cluster", self._recorded),
                                ("group", self._group)):
                if name in self.at:
                    values, valid = self._mapped(texts(self.at[name]), judge)
                    ok &= valid
                    if name == "recorded_cluster":
                        recorded = values
                    elif name == "group":
                        group = values
            if "group" not in self.at and self.group is not None:
                group = np.full(len(regular), self.group_index[self.group] * 2 + _ARGUMENT)
            plain[np.array(regular)[ok]] = True
            rows = [start + i for i in regular]
            if not ok.all():
                keep = np.flatnonzero(ok)
                codes, recorded, group = codes[keep], recorded[keep], group[keep]
                ids = [ids[k] for k in keep.tolist()]
                day_cells = [day_cells[k] for k in keep.tolist()]
                rows = [rows[k] for k in keep.tolist()]
        builder = _Builder(self.compiled, self.ruleset, self.group)
        fast = len(ids)
        entries = list(range(len(lines))) if plain.all() else []
        position = 0
        for i, line in enumerate(lines if not entries else ()):
            if plain[i]:
                entries.append(position)
                position += 1
                continue
            mark = len(builder.entries)
            self._slow(builder, start + i,
                       block[i] if block is not None else line.rstrip("\r\n").split(","))
            for entry in builder.entries[mark:]:
                entries.append(entry if isinstance(entry, ErrorResult) else fast + entry)
        extra = builder.chunk()
        given = np.where(group == NONE, NONE, group // 2)
        source = np.where(group == NONE, NONE, group % 2)
        return Chunk(entries, ids + extra.ids, [*day_cells, *extra.dates],
                     np.concatenate([codes, extra.codes]),
                     np.concatenate([given, extra.group]).astype(np.int16),
                     np.concatenate([source, extra.group_source]).astype(np.int8),
                     np.concatenate([recorded, extra.recorded]),
                     [{"row": row} for row in rows] + extra.locations)

    def _slow(self, builder: _Builder, row: int, cells) -> None:
        if isinstance(cells, str):  # as `readers.read_csv` reports it
            builder.error(RecordError(getattr(cells, "record_id", None), "", cells, row=row),
                          {"row": row})
            return
        if not any(c.strip() for c in cells):
            return
        try:
            record = _csv_record(self.header, cells, row, self.allowed)
        except RecordError as error:
            builder.error(error.located(row=row), {"row": row})
        else:
            builder.add_record(record, {"row": row})


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
