"""A chunk of input records for the compiled path, and the builder that collects one.

A `Chunk` keeps input order: each entry is an index into its arrays (a readable record) or an
`ErrorResult` in the record's place, so a bad row never stops the run. `ChunkBuilder` takes a
record that is plainly valid as cells, a validated `Record`, or an error; a record it cannot
represent is handed to the interpreter, so an error reads exactly as the interpreter's does.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import attrs
import numpy as np

from .allocation import allocate
from .compiled.kernel import NONE
from .compiled.tables import UNKNOWN_9, UNRATED, Compiled
from .model import RuleSet
from .records import Record, RecordError
from .results import ErrorResult

__all__ = ["Chunk", "ChunkBuilder", "items_chunks", "RECORD", "ARGUMENT"]

RECORD, ARGUMENT = 0, 1  # where a given group came from (kernel.GROUP_SOURCES)


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

    @property
    def in_order(self) -> bool:
        """Every entry is a record and entry k is record k (no error; a CSV row that needed the
        full reader can come after the plain rows of its chunk)."""
        return self.entries == list(range(len(self.ids)))


class ChunkBuilder:
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
        self.sources.append(NONE if given is None else RECORD if group is not None else ARGUMENT)
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


def items_chunks(items: Iterable[tuple[dict, Record | RecordError]], ruleset: RuleSet,
                 compiled: Compiled, group: str | None, size: int) -> Iterator[Chunk]:
    """Chunks of at most ``size`` records from ``(location, Record | RecordError)`` pairs."""
    builder = ChunkBuilder(compiled, ruleset, group)
    for location, item in items:
        if isinstance(item, RecordError):
            builder.error(item, location)
        else:
            builder.add_record(item, location)
        if len(builder.entries) >= size:
            yield builder.chunk()
            builder = ChunkBuilder(compiled, ruleset, group)
    if builder.entries:
        yield builder.chunk()
