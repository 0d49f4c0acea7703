"""`mhct audit --engine duckdb`: the audit as the generated SQL (`sql`) run in-process by DuckDB
over a CSV or Parquet file, giving the records the default engine gives (`audit`).

What the default engine checks before the ratings is checked here too, so that both engines give
the same error records (`open_input`): the header, found and checked by the default engine's own
code; the ids and dates, judged in Python over the input's distinct cells; a CSV's rows with too
few or too many cells (or unreadable), which DuckDB's reader rejects, worded by the default
engine's reader. Those rows are kept out of the query and merged back in row order
(`audit_records`); an error record names the file's line, as DuckDB numbers neither empty nor
rejected lines (`_FileLines`). A CSV that DuckDB would read as other rows than the default engine
(a quoted cell spanning lines, line endings that change) is refused with what to do. Without
``--rules``, every record is judged by the one national booklet in force on all the dates, or the
input is refused with what to do (`edition`)."""

from __future__ import annotations

import bisect
import codecs
import datetime as dt
import heapq
import os
import re
from typing import IO, Any, Callable, Iterable, Iterator, NamedTuple

from . import dates
from .compiled.run import compiled_for
from .editions import Editions
from .model import RuleSet
from .readers import csv_item, csv_row, file_rows, header_problem, read_header
from .records import MAX_ID_LENGTH, RecordError, scale_ids
from .results import ErrorResult
from .sql import allocation_sql
from .sql_dialect import Dialect

__all__ = ["DuckDBInput", "open_input", "audit_records", "edition"]


class DuckDBInput(NamedTuple):
    """An input opened in DuckDB: the connection, the input's path, the expression that reads it,
    its columns, and what the default engine reads before the ratings, judged as it judges it:
    ``instead``, the records to give instead of auditing (the header's error record; none for a
    CSV without a header); whether an ``id`` is blank or too long; the message for each
    unreadable ``date`` cell (a blank cell is ``""``); the readable dates (of records with an
    id); a CSV's rows that DuckDB rejected, as the error records the default engine gives them
    (by line); and the map from DuckDB's rows to a CSV's lines."""

    connection: Any
    path: str
    reader: str
    present: dict[str, str]  # column -> DuckDB type
    instead: list[ErrorResult] | None
    bad_ids: bool = False
    unreadable: dict[str, str] = {}
    days: list[dt.date] = []
    rejected: dict[int, ErrorResult] = {}
    lines: _FileLines | None = None


_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")  # and U- variants
_DATE_CELL = """coalesce(CAST("date" AS VARCHAR), '')"""
_DUCKDB = Dialect("duckdb")  # its cells stripped as the default engine strips: any whitespace
_ID_CELL = f"coalesce({_DUCKDB.strip('CAST(id AS VARCHAR)')}, '')"
_ID_PROBLEM = (f"CASE WHEN {_ID_CELL} = '' THEN 'id' "
               f"WHEN length({_ID_CELL}) > {MAX_ID_LENGTH} THEN 'long' END")
_USE_DEFAULT = "use the default engine (it reads one row a line and reports each unreadable row)"


def open_input(source, ruleset: RuleSet) -> DuckDBInput:
    """``source`` opened in DuckDB, its header checked against ``ruleset`` and its ids and dates
    judged (one query over the distinct dates) as the default engine checks and judges them. A
    CSV that DuckDB reads otherwise than the default engine is refused (ValueError)."""
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
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")  # it would write into standard output
    if ext == ".parquet":
        reader = f"read_parquet({_DUCKDB.literal(path)})"
        present = {row[0]: row[1] for row in
                   connection.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()}
        at, header = 1, list(present)
        problem = header_problem(header, ruleset)
    else:
        first = _csv_header(path, ruleset)
        if first is None:  # no line that is not blank: no records
            return DuckDBInput(connection, path, "", {}, [])
        at, header, problem = first
        present = dict.fromkeys(header, "VARCHAR")
    if problem:
        return DuckDBInput(connection, path, "", present,
                           [ErrorResult(None, "header", problem, {"row": at})])
    if ext == ".csv":
        reader = _csv_reader(path, at, header)
    try:
        grouped = connection.execute(f"SELECT {_DATE_CELL}, {_ID_PROBLEM}, count(*) "
                                     f"FROM {reader} GROUP BY ALL").fetchall()
    except duckdb.Error as error:
        raise ValueError(f"--engine duckdb cannot read {path}: {str(error).splitlines()[0]}; "
                         f"{_USE_DEFAULT}") from None
    unreadable, days = {}, []
    for cell in {cell for cell, problem, _ in grouped if problem is None}:
        try:
            days.append(dates.parse_iso(cell))
        except ValueError as error:
            unreadable[cell] = str(error)
    bad_ids = any(problem is not None for _, problem, _ in grouped)
    rejected, lines = {}, None
    if ext == ".csv":
        rejected, lines = _rejected(connection, path, at, header, ruleset,
                                    sum(n for _, _, n in grouped))
    return DuckDBInput(connection, path, reader, present, None, bad_ids, unreadable, days,
                       rejected, lines)


def _csv_header(path: str, ruleset: RuleSet) -> tuple[int, list[str], str | None] | None:
    """The CSV's header as the default engine finds, reads and checks it (`readers.read_header`)."""
    with _open_text(path) as handle:
        return read_header(file_rows(handle), lambda names: header_problem(names, ruleset))


def _csv_reader(path: str, at: int, header: list[str]) -> str:
    """DuckDB's reader of the CSV with its header at line ``at``: the default engine's dialect
    (no sniffing), every column text, rows with too few or too many cells kept out and noted in
    the table ``reject_errors``."""
    columns = ", ".join(f"{_DUCKDB.literal(name)}: 'VARCHAR'" for name in header)
    return (f"read_csv({_DUCKDB.literal(path)}, header = true, skip = {at - 1}, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            f"columns = {{{columns}}}, store_rejects = true)")


def _rejected(connection, path: str, at: int, header: list[str], ruleset: RuleSet, rows: int
              ) -> tuple[dict[int, ErrorResult], _FileLines]:
    """The lines DuckDB rejected, as the default engine reports them (lines of only whitespace:
    no record), and the map from DuckDB's rows to the file's lines. Refuses the file when DuckDB
    read another number of rows than the default engine would (a quoted cell spanning lines)."""
    numbers = [line for line, in connection.execute(
        "SELECT DISTINCT line FROM reject_errors ORDER BY line").fetchall()]
    lines = _FileLines(path, [*range(1, at), *numbers])
    if lines.rows() != rows + 1:
        raise ValueError(_misread(path, rows, lines.rows() - 1))
    rejected = {}
    allowed = scale_ids(ruleset)
    for number, cells in _csv_rows(path, set(numbers)):
        item = csv_item(header, cells, number, allowed)
        if item is None:
            continue
        if isinstance(item, RecordError):
            rejected[number] = ErrorResult.from_error(item, row=number)
            continue
        raise ValueError(f"--engine duckdb cannot read row {number} of {path}, which the "
                         f"default engine reads: {_USE_DEFAULT}")
    return rejected, lines


def _open_text(path: str) -> IO[str]:
    """The CSV as the default engine decodes it (a byte-order mark dropped at the very start)."""
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _csv_rows(path: str, numbers: set[int]) -> Iterator[tuple[int, list[str] | str]]:
    """The cells of the CSV's lines ``numbers`` (or why a line cannot be read), as the default
    engine reads them; the file is read only as far as the last of them."""
    last = max(numbers, default=0)
    if not last:
        return
    with _open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            if number in numbers:
                yield number, csv_row(line.rstrip("\r\n"))
            if number == last:
                return


def _misread(path: str, rows: int, expected: int) -> str:
    """Why DuckDB's ``rows`` are not the default engine's: the first quoted cell that does not
    end on its line, if any."""
    with _open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            cells = csv_row(line.rstrip("\r\n")) if '"' in line else []
            if isinstance(cells, str) and "unclosed quote" in cells:
                return (f"--engine duckdb: row {number} of {path} has a quoted cell that does "
                        "not end on its line; DuckDB would read on into the next line: "
                        f"{_USE_DEFAULT}, or take the line breaks out of the cell")
    return (f"--engine duckdb reads {path} as {rows:,} row(s) of records where the default engine "
            f"reads {expected:,} (do its line endings change within the file?): {_USE_DEFAULT}")


def audit_records(ruleset: RuleSet, source: DuckDBInput
                  ) -> Iterator[dict[str, Any] | ErrorResult | None]:
    """The audit of every row, in input order. A row the default engine does not audit (`_refusal`)
    is an error record as it reports it, or skipped when blank; so is a row DuckDB rejected; the
    others go through the SQL."""
    if source.instead is not None:
        yield from source.instead
        return
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
        refused = connection.execute(
            f"SELECT mhct_row, {_ID_CELL}, {_DATE_CELL}, mhct_refused FROM judged "
            "WHERE mhct_refused <> 'blank' ORDER BY mhct_row").fetchall()
    connection.execute(f"CREATE VIEW ratings AS SELECT * FROM {table}")
    line = source.lines
    errors = ((row, _refused(source, why, record_id, cell, line(row) if line else row))
              for row, record_id, cell, why in refused)
    rejected = ((line.after(number), item) for number, item in sorted(source.rejected.items())
                ) if line else iter(())
    # Integer columns (Parquet) are read as numbers, not as text.
    integers = [name for name in compiled.scales + ("recorded_cluster",)
                if source.present.get(name, "").endswith(_INTEGER_TYPES)]
    rows = _rows(connection.execute(allocation_sql(compiled, "duckdb", "ratings", "mhct_row",
                                                   integers)), line)
    for _, item in heapq.merge(rows, errors, rejected, key=lambda pair: pair[0]):
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
    """DuckDB's rows of a CSV file (the header is row 1) and the file's lines. DuckDB's
    ``read_csv`` numbers neither empty lines nor the ``skipped`` ones (before the header, or
    rejected); the default engine counts every line (ending at ``\\r\\n``, ``\\r`` or ``\\n``) as a
    row. The file is scanned once, a block at a time."""

    _BREAK = re.compile(rb"\r\n|\r|\n")
    _BLOCK = 1 << 22

    def __init__(self, path: str, skipped: Iterable[int] = ()):
        self.path = path
        empty, self.total = self._scan()
        self.unnumbered = sorted(set(skipped).union(empty))
        # per line not numbered, how many numbered lines come before it
        self.before = [line - 1 - k for k, line in enumerate(self.unnumbered)]

    def __call__(self, row: int) -> int:
        """The file's line of DuckDB's row ``row``."""
        return row + bisect.bisect_left(self.before, row)

    def rows(self) -> int:
        """How many lines DuckDB numbers (the header included)."""
        return self.total - len(self.unnumbered)

    def after(self, line: int) -> float:
        """Between which of DuckDB's rows a line it does not number lies (the row before, +0.5)."""
        return line - 1 - bisect.bisect_left(self.unnumbered, line) + 0.5

    def _scan(self) -> tuple[list[int], int]:
        """The numbers of the file's empty lines, and how many lines it has."""
        empty, number, carry = [], 1, b""
        with open(self.path, "rb") as handle:
            if handle.read(3) != codecs.BOM_UTF8:
                handle.seek(0)
            while block := handle.read(self._BLOCK):
                data = carry + block
                if data.endswith(b"\r"):  # keep a \r\n together
                    data += handle.read(1)
                cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
                lines, carry = data[:cut], data[cut:]
                returns = b"\r" in lines  # most files have none: fewer passes over the block
                pairs = (b"\n\n", b"\r\r", b"\n\r") if returns else (b"\n\n",)
                if lines.startswith((b"\n", b"\r")) or any(pair in lines for pair in pairs):
                    pieces = self._BREAK.split(lines)[:-1]
                    empty.extend(number + k for k, piece in enumerate(pieces) if not piece)
                number += lines.count(b"\n")
                if returns:  # a \r not before \n ends a line too
                    number += lines.count(b"\r") - lines.count(b"\r\n")
        return empty, number - 1 + bool(carry)


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
