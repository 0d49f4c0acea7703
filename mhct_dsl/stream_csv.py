"""CSV input for the compiled path, a block of rows at a time, read column by column.

Rows are numbered and split as `readers.read_csv` numbers and splits them (one row a line, a
quote closing on its line, the header the first line that is not blank). A row takes the fast
path when every cell is plainly valid: ratings exactly ``0``-``4``, ``9`` or blank, an ISO date,
a known group and recorded cluster, a known scale 8 type. Each categorical column is judged once
per distinct cell. Any other row is read by `records` and judged by the interpreter
(`ChunkBuilder`), so its error reads exactly as the interpreter's does.
"""

from __future__ import annotations

import itertools
from typing import Callable, Iterator, NamedTuple, Sequence

import numpy as np

from . import dates
from .compiled.kernel import NONE
from .compiled.tables import Compiled
from .model import RuleSet
from .readers import csv_item, file_rows, header_problem, read_header
from .records import MAX_ID_LENGTH, PROBLEM_TYPES, RecordError, scale_ids
from .results import ErrorResult
from .stream_cells import Bounds, line_cells, rating_codes
from .stream_chunk import ARGUMENT, RECORD, Chunk, ChunkBuilder, items_chunks

__all__ = ["csv_chunks"]


def csv_chunks(lines, ruleset: RuleSet, compiled: Compiled, group: str | None,
               size: int) -> Iterator[Chunk]:
    """Chunks of at most ``size`` rows from a CSV file's lines."""
    first = read_header(file_rows(lines), lambda names: header_problem(names, ruleset))
    if first is None:
        return
    at, header, problem = first
    if problem:
        error = RecordError(None, "header", problem, row=at)
        yield from items_chunks([({"row": at}, error)], ruleset, compiled, group, size)
        return
    columns = _Columns(header, ruleset, compiled, group)
    row = at + 1
    while block := list(itertools.islice(lines, size)):
        yield columns.chunk(row, block)
        row += len(block)


class _Plain(NamedTuple):
    """A block's plainly valid rows, judged: the lines they are within the block, their ids,
    date cells, rating codes, group (packed as `_Columns._group` packs it) and recorded
    cluster (or NONE)."""

    lines: np.ndarray
    ids: list[str]
    dates: Sequence[str]
    codes: np.ndarray
    group: np.ndarray
    recorded: np.ndarray


class _Columns:
    """Reads a block of CSV rows column by column with NumPy; rows that are not plainly valid go
    to the full reader (`records`) and, if it accepts them, the interpreter's checks."""

    def __init__(self, header: list[str], ruleset: RuleSet, compiled: Compiled,
                 group: str | None):
        self.header, self.ruleset, self.compiled, self.group = header, ruleset, compiled, group
        self.at = {name: header.index(name) for name in header}
        self.allowed = scale_ids(ruleset)
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
        """The group given (the cell's, else ``--group``) and where it came from, packed as
        ``index * 2 + RECORD or ARGUMENT`` (`_mapped` keeps one value per cell; `chunk` unpacks
        them), or NONE."""
        cell = cell.strip()
        given = cell or self.group
        if given is None:
            return NONE
        if given not in self.group_index or cell and self.group is not None and cell != self.group:
            raise ValueError(cell)
        return self.group_index[given] * 2 + (RECORD if cell else ARGUMENT)

    def _scale8(self, cell: str) -> int:
        if cell.strip() not in ("", *PROBLEM_TYPES):
            raise ValueError(cell)
        return 0

    def chunk(self, start: int, lines: list[str]) -> Chunk:
        """A block of consecutive lines from row ``start``: its plainly valid rows judged column
        by column (`_plain`), the others read in full, records and errors in input order."""
        width = len(self.header)
        text = "".join(lines)
        bounds = Bounds.of(text, len(lines), width)
        if bounds is not None:  # the cells of a row are made only if it needs the full reader
            block = None
            regular: range | list[int] = range(len(lines))
            texts, codes_of = bounds.texts, bounds.codes
        else:
            block = line_cells(text, lines)
            regular = [i for i, cells in enumerate(block)
                       if isinstance(cells, list) and len(cells) == width]
            columns = list(zip(*(block[i] for i in regular)))
            texts = columns.__getitem__

            def codes_of(at: list[int]) -> np.ndarray:
                return np.stack([rating_codes(columns[j]) for j in at], axis=1)
        plain = self._plain(regular, texts, codes_of)
        fast = len(plain.ids)
        builder = ChunkBuilder(self.compiled, self.ruleset, self.group)
        entries = list(range(len(lines))) if fast == len(lines) else []
        if not entries:
            is_plain = np.zeros(len(lines), dtype=bool)
            is_plain[plain.lines] = True
            position = 0
            for i, line in enumerate(lines):
                if is_plain[i]:
                    entries.append(position)
                    position += 1
                    continue
                mark = len(builder.entries)
                self._read_fully(builder, start + i, block[i] if block is not None
                                 else line.rstrip("\r\n").split(","))
                for entry in builder.entries[mark:]:
                    entries.append(entry if isinstance(entry, ErrorResult) else fast + entry)
        extra = builder.chunk()
        group = plain.group
        given = np.where(group == NONE, NONE, group // 2)
        source = np.where(group == NONE, NONE, group % 2)
        return Chunk(entries, plain.ids + extra.ids, [*plain.dates, *extra.dates],
                     np.concatenate([plain.codes, extra.codes]),
                     np.concatenate([given, extra.group]).astype(np.int16),
                     np.concatenate([source, extra.group_source]).astype(np.int8),
                     np.concatenate([plain.recorded, extra.recorded]),
                     [{"row": start + i} for i in plain.lines.tolist()] + extra.locations)

    def _plain(self, regular: range | list[int], texts: Callable[[int], Sequence[str]],
               codes_of: Callable[[list[int]], np.ndarray]) -> _Plain:
        """The rows of ``regular`` (a block's lines with the header's number of cells) whose
        every cell is plainly valid; ``texts(column)`` gives a column's cells of those lines and
        ``codes_of(columns)`` their rating codes."""
        n = len(regular)
        group = recorded = np.full(n, NONE, dtype=np.int64)
        if not n:
            return _Plain(np.zeros(0, dtype=np.intp), [], [],
                          np.zeros((0, len(self.compiled.scales)), dtype=np.uint8), group,
                          recorded)
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
            group = np.full(n, self.group_index[self.group] * 2 + ARGUMENT)
        at = np.asarray(regular, dtype=np.intp)
        if ok.all():
            return _Plain(at, ids, day_cells, codes, group, recorded)
        keep = np.flatnonzero(ok)
        return _Plain(at[keep], [ids[k] for k in keep.tolist()],
                      [day_cells[k] for k in keep.tolist()], codes[keep], group[keep],
                      recorded[keep])

    def _read_fully(self, builder: ChunkBuilder, row: int, cells: list[str] | str) -> None:
        """A row that is not plainly valid, read as `readers.read_csv` reads it and judged by the
        interpreter (`ChunkBuilder.add_record`)."""
        item = csv_item(self.header, cells, row, self.allowed)
        if isinstance(item, RecordError):
            builder.error(item, {"row": row})
        elif item is not None:
            builder.add_record(item, {"row": row})
