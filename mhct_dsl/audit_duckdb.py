"""`mhct audit --engine duckdb`: the audit as the generated SQL (`sql`) run in-process by DuckDB
over a CSV or Parquet file, giving the records the default engine gives (`audit`).

What the default engine checks before the ratings is checked here too, so that both engines give
the same error records: the ids and dates are judged in Python over the input's distinct cells
(`open_input`); rows the default engine would not audit are kept out of the query and merged back
in row order (`audit_records`); an error record names the file's line, as DuckDB's row numbers skip
empty lines (`_FileLines`). Without ``--rules``, every record is judged by the one national booklet
in force on all the dates, or the input is refused with what to do (`edition`).
"""

from __future__ import annotations

import bisect
import codecs
import datetime as dt
import heapq
import os
import re
from typing import Any, Callable, Iterator, NamedTuple

from . import dates
from .compiled.run import compiled_for
from .editions import Editions
from .model import RuleSet
from .records import MAX_ID_LENGTH, RecordError
from .results import ErrorResult
from .sql import Dialect, allocation_sql

__all__ = ["DuckDBInput", "open_input", "audit_records", "edition"]


# ---- the DuckDB engine ----------------------------------------------------------------------------


class DuckDBInput(NamedTuple):
    """An input opened in DuckDB: the connection, the input's path, the expression that reads it,
    its columns, and what the default engine reads before the ratings, judged as it judges it:
    whether an ``id`` is blank or too long, the message for each unreadable ``date`` cell (a blank
    cell is ``""``) and the readable dates (of records with an id)."""

    connection: Any
    path: str
    reader: str
    present: dict[str, str]  # column -> DuckDB type
    bad_ids: bool
    unreadable: dict[str, str]
    days: list[dt.date]


_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")  # and U- variants
_DATE_CELL = """coalesce(CAST("date" AS VARCHAR), '')"""
_DUCKDB = Dialect("duckdb")  # its cells stripped as the default engine strips: any whitespace
_ID_CELL = f"coalesce({_DUCKDB.strip('CAST(id AS VARCHAR)')}, '')"
_ID_PROBLEM = (f"CASE WHEN {_ID_CELL} = '' THEN 'id' "
               f"WHEN length({_ID_CELL}) > {MAX_ID_LENGTH} THEN 'long' END")


def open_input(source) -> DuckDBInput:
    """``source`` opened in DuckDB, its ids and dates judged (one query over the distinct
    dates)."""
    try:
        import duckdb
    except ImportError:
        raise OSError("--engine duckdb needs the duckdb package: pip install 'mhct-dsl[duckdb]'")
    path = os.fspath(source)
    ext = os.path.splitext(path)[1].lower()
    if path == "-" or ext not in (".csv", ".parquet"):
        raise OSError(f"--engine duckdb reads a .csv or .parquet file, not {path!r}")
    if not os.path.exists(path):
        raise OSError(f"cannot read input: no such file {path!r}")
    reader = ("read_parquet(?)" if ext == ".parquet"
              else "read_csv(?, header = true, all_varchar = true)")
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")  # it would write into standard output
    reader = reader.replace("?", "'" + path.replace("'", "''") + "'")
    present = {row[0]: row[1] for row in
               connection.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()}
    date = _DATE_CELL if "date" in present else "NULL"
    problem = _ID_PROBLEM if "id" in present else "NULL"
    distinct = connection.execute(f"SELECT DISTINCT {date}, {problem} FROM {reader}").fetchall()
    unreadable, days = {}, []
    for cell in {cell for cell, problem in distinct if cell is not None and problem is None}:
        try:
            days.append(dates.parse_iso(cell))
        except ValueError as error:
            unreadable[cell] = str(error)
    bad_ids = any(problem is not None for _, problem in distinct)
    return DuckDBInput(connection, path, reader, present, bad_ids, unreadable, days)


def audit_records(ruleset: RuleSet, source: DuckDBInput
                    ) -> Iterator[dict[str, Any] | ErrorResult | None]:
    """The audit of every row, in input order. A row the default engine does not audit (`_refusal`)
    is an error record as it reports it, or skipped when blank; the others go through the SQL."""
    connection = source.connection
    compiled = compiled_for(ruleset)
    missing = [name for name in ("id",) + compiled.scales if name not in source.present]
    if missing:
        raise ValueError(f"{source.path}: missing column(s): {', '.join(missing)}")
    absent = "".join(f'CAST(NULL AS VARCHAR) AS "{name}", '
                     for name in ("recorded_cluster", "group") if name not in source.present)
    # DuckDB's row number (the header is row 1), for order; error records name the file's line.
    connection.execute(f"CREATE VIEW numbered AS SELECT *, {absent}"
                       f"row_number() OVER () + 1 AS mhct_row FROM {source.reader}")
    table, refused = "numbered", []
    if source.bad_ids or source.unreadable:
        connection.execute(f"CREATE VIEW judged AS SELECT *, {_refusal(source)} AS mhct_refused "
                           "FROM numbered")
        table = "judged WHERE mhct_refused IS NULL"
        date = _DATE_CELL if "date" in source.present else "''"
        refused = connection.execute(
            f"SELECT mhct_row, {_ID_CELL}, {date}, mhct_refused FROM judged "
            "WHERE mhct_refused <> 'blank' ORDER BY mhct_row").fetchall()
    connection.execute(f"CREATE VIEW ratings AS SELECT * FROM {table}")
    line = _FileLines(source.path) if source.reader.startswith("read_csv") else None
    errors = ((row, _refused(source, why, record_id, cell, line(row) if line else row))
              for row, record_id, cell, why in refused)
    # Integer columns (Parquet) are read as numbers, not as text.
    integers = [name for name in compiled.scales + ("recorded_cluster",)
                if source.present.get(name, "").endswith(_INTEGER_TYPES)]
    rows = _rows(connection.execute(allocation_sql(compiled, "duckdb", "ratings",
                                                          "mhct_row", integers)), line)
    for _, item in heapq.merge(rows, errors, key=lambda pair: pair[0]):
        yield item


def _refusal(source: DuckDBInput) -> str:
    """SQL naming why the default engine would not audit a row of ``numbered`` (NULL: it would):
    ``blank`` (every cell blank: no record at all), ``id`` (blank), ``long`` (an id too long),
    ``date`` (unreadable), checked in that order as `readers` checks them."""
    blank = " AND ".join(f"{_DUCKDB.text(_DUCKDB.quote(name))} IS NULL"
                         for name in sorted(source.present))
    whens = f"WHEN {blank} THEN 'blank' " + _ID_PROBLEM.removeprefix("CASE ").removesuffix(" END")
    if source.unreadable:
        source.connection.execute("CREATE TABLE mhct_unreadable AS SELECT unnest(?::VARCHAR[]) "
                                  "AS cell", [list(source.unreadable)])
        whens += f" WHEN {_DATE_CELL} IN (SELECT cell FROM mhct_unreadable) THEN 'date'"
    return f"CASE {whens} END"


def _refused(source: DuckDBInput, why: str, record_id: str, cell: str, row: int) -> ErrorResult:
    """The error record the default engine gives a row `_refusal` names."""
    if why == "id":
        return ErrorResult(None, "id", "is required", {"row": row})
    if why == "long":
        return ErrorResult(record_id[:MAX_ID_LENGTH], "id",
                           f"is longer than {MAX_ID_LENGTH} characters", {"row": row})
    return ErrorResult(record_id, "date", source.unreadable[cell], {"row": row})


class _FileLines:
    """The file's line of DuckDB's row ``n`` of a CSV file (the header is 1). DuckDB's
    ``read_csv`` skips empty lines; the default engine counts every line (ending at ``\\r\\n``,
    ``\\r`` or ``\\n``) as a row. The file is scanned for empty lines on the first call only (so
    not at all when no record fails)."""

    _BREAK = re.compile(rb"\r\n|\r|\n")
    _BLOCK = 1 << 22

    def __init__(self, path: str):
        self.path, self.before = path, None

    def __call__(self, row: int) -> int:
        if self.before is None:
            # per empty line, how many lines that are not empty come before it
            self.before = [line - 1 - k for k, line in enumerate(self._empty())]
        return row + bisect.bisect_left(self.before, row)

    def _empty(self) -> Iterator[int]:
        """Numbers of the file's empty lines, reading whole lines a block at a time."""
        number, carry = 1, b""
        with open(self.path, "rb") as handle:
            if handle.read(3) != codecs.BOM_UTF8:
                handle.seek(0)
            while block := handle.read(self._BLOCK):
                data = carry + block
                if data.endswith(b"\r"):  # keep a \r\n together
                    data += handle.read(1)
                cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
                lines, carry = data[:cut], data[cut:]
                if lines.startswith((b"\n", b"\r")) or any(
                        pair in lines for pair in (b"\n\n", b"\r\r", b"\n\r")):
                    pieces = self._BREAK.split(lines)[:-1]
                    yield from (number + k for k, piece in enumerate(pieces) if not piece)
                number += lines.count(b"\n") + lines.count(b"\r") - lines.count(b"\r\n")


def _rows(result, line: Callable[[int], int] | None
                 ) -> Iterator[tuple[int, dict[str, Any] | ErrorResult | None]]:
    """(DuckDB's row number, audit) of each row of the SQL's ``result``; ``line`` gives an error
    record's row in the file."""
    names = [d[0] for d in result.description]
    while True:
        rows = result.fetchmany(8192)
        if not rows:
            return
        for values in rows:
            row = dict(zip(names, values))
            order = row["mhct_order"]
            if row["error"] is not None:
                field, message = row["error"].split(": ", 1)
                yield order, ErrorResult(row["id"].strip(), field, message,
                                         {"row": line(order) if line else order})
                continue
            if row["recorded_cluster"] is None:
                yield order, None
                continue
            adheres = row["recorded_adheres"]
            yield order, {
                "id": row["id"].strip(), "recorded_cluster": int(row["recorded_cluster"]),
                "recorded_fit": row["recorded_fit"],
                "recorded_adheres": {"true": True, "false": False}.get(adheres, "unknown"),
                "orange_mismatches": int(row["orange_mismatches"]),
                "red_breaches": [b for b in row["red_breaches"].split(";") if b],
                "suggested": None if row["suggested"] is None else int(row["suggested"]),
                "outcome": row["outcome"], "group": row["group"],
                "group_source": row["group_source"],
            }


def edition(editions: Editions, source: DuckDBInput) -> RuleSet:
    """The one national booklet in force on every record's ``date``, for ``--engine duckdb``
    without ``--rules`` (no readable date: the current one); records whose dates span
    booklets are refused with what to do instead. Unreadable dates (error records) are not
    looked at."""
    first, last = (min(source.days), max(source.days)) if source.days else (None, None)
    try:
        chosen = {id(e): e for e in (editions.in_force(d, None, "date") for d in (first, last))}
    except RecordError as error:
        raise ValueError(f"--engine duckdb: a record's date {error.message.split(';')[0]}: "
                         "name a rule set with --rules, or use the default engine (it reports "
                         "such records as error records)") from None
    if len(chosen) > 1:
        names = " and ".join(f"{e.version} (from {e.header['effective'].isoformat()})"
                             for e in sorted(chosen.values(), key=lambda e: e.header["effective"]))
        raise ValueError(
            f"--engine duckdb judges every record against one rule set, and these records "
            f"({first.isoformat()} to {last.isoformat()}) span the national booklets {names}: "
            "use the default engine (it judges each record by the booklet in force on its "
            "date), split the input by date, or name one rule set with --rules")
    return next(iter(chosen.values()))
