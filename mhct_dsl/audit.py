"""`mhct audit`: do recorded clusters satisfy the grids? Red-rule adherence over whole caseloads.

For every record with a ``recorded_cluster``: ``recorded_adheres`` (the recorded cluster's red rows
all met: true / false / "unknown" while a red row hinges on an unknown rating; for the variance
cluster: no cluster's red rows can all be met), ``recorded_fit``, ``orange_mismatches`` (its orange
rows not met), ``red_breaches`` (its red rows not met, as the rule file writes them) and what the
engine would suggest (``suggested``, ``outcome``, ``group``). Records without a recorded cluster
are counted, not listed. Unreadable records are error records, as in ``mhct allocate``.

The summary, per recorded cluster: records, how many adhere / breach / are unknown, adherence %
(adhering records of all the cluster's records) and the most common red breaches. It goes to
standard error as a table and, in JSON output, under ``summary``::

    {"ruleset": {...}, "records": [...], "summary": {"records_in", "audited", "failed",
     "without_recorded_cluster", "clusters": [{"cluster", "records", "adheres", "breaches",
     "unknown", "adherence_percent", "most_common_breaches": [{"row", "count"}]}],
     "editions": [{"name", "version", "fingerprint", "effective", "audited"}]}}

Engines: ``default`` streams the input through the compiled path (`compiled`, `stream`) in
bounded memory; ``duckdb`` runs the generated SQL (`sql`) in-process on CSV or Parquet. Both give
the same records and summary (tested); DuckDB's error messages are shorter. Without ``--rules``
the default engine judges each record by the booklet in force on its date (`editions`); DuckDB
by the one booklet in force on all of them, or it refuses (docs/scale.md). In both, a record whose
date is unreadable is an error record on ``date``.
"""

from __future__ import annotations

import bisect
import codecs
import collections
import csv
import datetime as dt
import heapq
import itertools
import json
import os
import re
import sys
from typing import IO, Any, Callable, Iterator, NamedTuple

import numpy as np

from .compiled.kernel import GROUP_SOURCES, LABELS, NONE, OUTCOMES, Batch, evaluate
from .compiled.run import collected_per_chunk, compiled_for, error_row, evaluated_by_edition, \
    text_cell
from . import dates
from .compiled.tables import CODES, Compiled, row_truth
from .editions import Editions
from .model import RuleSet
from .records import MAX_ID_LENGTH, Record, RecordError
from .results import ErrorResult
from .sql import _Dialect
from .stream import CHUNK_SIZE, Progress, read_chunks

__all__ = ["run_audit", "ENGINES", "FORMATS", "CSV_COLUMNS"]

ENGINES = ("default", "duckdb")
FORMATS = ("json", "csv")
CSV_COLUMNS = ("id", "recorded_cluster", "recorded_fit", "recorded_adheres", "orange_mismatches",
               "red_breaches", "suggested", "outcome", "group", "error")
TOP_BREACHES = 3
_ADHERES = {1: True, 0: False, NONE: "unknown"}


# ---- the compiled engine --------------------------------------------------------------------------


def _red_breaches(compiled: Compiled, codes: np.ndarray, recorded: np.ndarray) -> list[list[str]]:
    """Per record, the labels of its recorded cluster's red rows that are not met."""
    out: list[list[str]] = [[] for _ in range(len(recorded))]
    for row in compiled.rows:
        if row.colour != "red":
            continue
        mine = np.flatnonzero(recorded == row.cluster)
        if not len(mine):
            continue
        at = [compiled.scales.index(s) for s in row.scales]
        index = sum(codes[mine, a].astype(np.intp) * CODES ** i for i, a in enumerate(at))
        missed = np.zeros(CODES ** len(at), dtype=bool)
        for combo in itertools.product(range(CODES), repeat=len(at)):
            missed[sum(c * CODES ** i for i, c in enumerate(combo))] = (
                row_truth(combo, row.allowed, row.reading) is False)
        for k in mine[missed[index]].tolist():
            out[k].append(row.label)
    return out


def _compiled_records(ruleset: RuleSet, source, progress: Progress | None,
                      choose: Callable[[Record], RuleSet] | None = None) -> Iterator[tuple]:
    """``(item, rule set that judged it)`` per record (None for an error record). ``choose``
    picks each record's rule set by its date, as `mhct allocate` does; the input is read against
    ``ruleset``."""
    compiled = compiled_for(ruleset)
    for chunk in read_chunks(source, ruleset, compiled, progress=progress):
        if choose is None:
            batch = evaluate(compiled, chunk.codes, chunk.group, chunk.group_source,
                             chunk.recorded)
            for item in _chunk_records(compiled, chunk, batch):
                yield item, ruleset
            continue
        parts, refused = evaluated_by_edition(chunk, choose)
        judged: dict[int, tuple] = {}
        for edition, take, tables, part, batch in parts:
            judged.update(zip(take, ((item, edition)
                                     for item in _chunk_records(tables, part, batch))))
        for entry in chunk.entries:
            if isinstance(entry, ErrorResult):
                yield entry, None
            else:
                yield (refused[entry], None) if entry in refused else judged[entry]


def _chunk_records(compiled: Compiled, chunk, batch: Batch):
    rows = np.arange(len(chunk.ids))
    column = {int(c): i for i, c in enumerate(compiled.clusters)}
    cols = np.array([column.get(int(c), 0) for c in chunk.recorded], dtype=np.intp)
    state = batch.state[rows, cols] if len(rows) else np.zeros(0, dtype=np.intp)
    labels = batch.states.label[state]
    misses = batch.states.counts[state, 2]
    breaches = _red_breaches(compiled, chunk.codes, chunk.recorded)
    for entry in chunk.entries:
        if isinstance(entry, ErrorResult):
            yield entry
            continue
        i = entry
        recorded = int(chunk.recorded[i])
        if recorded == NONE:
            yield None
            continue
        has_grid = recorded in column
        group = int(batch.group[i])
        yield {
            "id": chunk.ids[i], "recorded_cluster": recorded,
            "recorded_fit": LABELS[labels[i]] if has_grid else
            "variance" if recorded == compiled.variance else "not_allocatable",
            "recorded_adheres": _ADHERES[int(batch.recorded_adheres[i])],
            "orange_mismatches": int(misses[i]) if has_grid else 0,
            "red_breaches": breaches[i],
            "suggested": None if batch.suggested[i] == NONE else int(batch.suggested[i]),
            "outcome": OUTCOMES[batch.outcome[i]],
            "group": None if group == NONE else compiled.group_names[group],
            "group_source": None if batch.group_source[i] == NONE
            else GROUP_SOURCES[batch.group_source[i]],
        }


# ---- the DuckDB engine ----------------------------------------------------------------------------


class _DuckDBInput(NamedTuple):
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
_DUCKDB = _Dialect("duckdb")  # its cells stripped as the default engine strips: any whitespace
_ID_CELL = f"coalesce({_DUCKDB.strip('CAST(id AS VARCHAR)')}, '')"
_ID_PROBLEM = (f"CASE WHEN {_ID_CELL} = '' THEN 'id' "
               f"WHEN length({_ID_CELL}) > {MAX_ID_LENGTH} THEN 'long' END")


def _duckdb_input(source) -> _DuckDBInput:
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
    return _DuckDBInput(connection, path, reader, present, bad_ids, unreadable, days)


def _duckdb_records(ruleset: RuleSet, source: _DuckDBInput
                    ) -> Iterator[dict[str, Any] | ErrorResult | None]:
    """The audit of every row, in input order. A row the default engine does not audit (`_refusal`)
    is an error record as it reports it, or skipped when blank; the others go through the SQL."""
    from .sql import allocation_sql

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
    rows = _duckdb_rows(connection.execute(allocation_sql(compiled, "duckdb", "ratings",
                                                          "mhct_row", integers)), line)
    for _, item in heapq.merge(rows, errors, key=lambda pair: pair[0]):
        yield item


def _refusal(source: _DuckDBInput) -> str:
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


def _refused(source: _DuckDBInput, why: str, record_id: str, cell: str, row: int) -> ErrorResult:
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


def _duckdb_rows(result, line: Callable[[int], int] | None
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


def _duckdb_edition(editions: Editions, source: _DuckDBInput) -> RuleSet:
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


# ---- output ---------------------------------------------------------------------------------------


class _Summary:
    def __init__(self):
        self.total = self.failed = self.without = 0
        self.clusters: dict[int, collections.Counter] = {}
        self.breaches: dict[int, collections.Counter] = {}
        self.editions: dict[str, tuple[RuleSet, int]] = {}

    def add(self, item, judged_by: RuleSet | None) -> None:
        self.total += 1
        if isinstance(item, ErrorResult):
            self.failed += 1
        elif item is None:
            self.without += 1
        else:
            known = self.editions.get(judged_by.fingerprint, (judged_by, 0))
            self.editions[judged_by.fingerprint] = (judged_by, known[1] + 1)
            cluster = item["recorded_cluster"]
            counts = self.clusters.setdefault(cluster, collections.Counter())
            counts[{True: "adheres", False: "breaches"}.get(item["recorded_adheres"],
                                                           "unknown")] += 1
            self.breaches.setdefault(cluster, collections.Counter()).update(item["red_breaches"])

    def to_json(self) -> dict[str, Any]:
        clusters = []
        for cluster in sorted(self.clusters):
            counts = self.clusters[cluster]
            records = sum(counts.values())
            clusters.append({
                "cluster": cluster, "records": records, "adheres": counts["adheres"],
                "breaches": counts["breaches"], "unknown": counts["unknown"],
                "adherence_percent": round(100 * counts["adheres"] / records, 1),
                "most_common_breaches": [
                    {"row": row, "count": n} for row, n in sorted(
                        self.breaches[cluster].items(), key=lambda kv: (-kv[1], kv[0])
                    )[:TOP_BREACHES]],
            })
        return {"records_in": self.total, "audited": self.total - self.failed - self.without,
                "failed": self.failed, "without_recorded_cluster": self.without,
                "clusters": clusters, "editions": [
                    {**edition.receipt(), "effective": _effective(edition), "audited": n}
                    for edition, n in sorted(self.editions.values(),
                                             key=lambda e: _effective(e[0]) or "")]}

    def table(self) -> str:
        data = self.to_json()
        lines = [f"{'cluster':>7}  {'records':>8}  {'adheres':>8}  {'breaches':>8}  "
                 f"{'unknown':>8}  {'adherence':>9}  most common red breaches"]
        for c in data["clusters"]:
            common = ", ".join(f"{b['row']} ×{b['count']}" for b in c["most_common_breaches"])
            lines.append(f"{c['cluster']:>7}  {c['records']:>8,}  {c['adheres']:>8,}  "
                         f"{c['breaches']:>8,}  {c['unknown']:>8,}  "
                         f"{c['adherence_percent']:>8.1f}%  {common or '-'}")
        lines.append(f"records in: {data['records_in']}, audited: {data['audited']}, without "
                     f"recorded cluster: {data['without_recorded_cluster']}, failed: "
                     f"{data['failed']}")
        if len(data["editions"]) > 1:
            lines.append("judged by: " + ", ".join(
                f"{e['name']} {e['version']} ({e['audited']:,})" for e in data["editions"]))
        return "\n".join(lines) + "\n"


def _effective(ruleset: RuleSet) -> str | None:
    effective = ruleset.header.get("effective")
    return effective.isoformat() if effective else None


def _csv_row(item, cell) -> list:
    if isinstance(item, ErrorResult):
        return error_row(item, len(CSV_COLUMNS), cell)
    adheres = item["recorded_adheres"]
    return [cell(item["id"]), item["recorded_cluster"], item["recorded_fit"],
            {True: "true", False: "false"}.get(adheres, "unknown"), item["orange_mismatches"],
            ";".join(item["red_breaches"]), "" if item["suggested"] is None else item["suggested"],
            item["outcome"], item["group"] or "", ""]


def run_audit(ruleset: RuleSet, input, fmt: str = "json", engine: str = "default",
              out: IO[str] | None = None, err: IO[str] | None = None,
              editions: Editions | None = None) -> int:
    """Audit every record of ``input``; records (and, in JSON, the summary) to ``out``, the
    summary table to ``err``. With ``editions`` (no ``--rules``), each record is judged by the
    national booklet in force on its date (the DuckDB engine: one booklet for all, or a refusal);
    ``ruleset`` is what the input is read against. Returns 0 when no record failed, else 1."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    progress = Progress(err, "audit")
    if engine == "duckdb":
        source = _duckdb_input(input)
        if editions is not None:
            ruleset = _duckdb_edition(editions, source)
        items = ((item, ruleset) for item in _duckdb_records(ruleset, source))
    else:
        items = _compiled_records(ruleset, input, progress,
                                  editions and editions.for_allocation)
    summary = _Summary()
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    cell = text_cell(out)
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    else:
        out.write('{"ruleset": ' + json.dumps(ruleset.receipt()) + ', "records": [')
    first = True
    with collected_per_chunk() as collect:
        for item, judged_by in items:
            summary.add(item, judged_by)
            if summary.total % 4096 == 0:
                progress.update(summary.total, summary.total - summary.failed, summary.failed)
            if summary.total % CHUNK_SIZE == 0:
                collect()
            if item is None:
                continue
            if writer is not None:
                writer.writerow(_csv_row(item, cell))
            else:
                record = item.to_json() if isinstance(item, ErrorResult) else item
                out.write(("\n" if first else ",\n") + json.dumps(record, ensure_ascii=False))
                first = False
    progress.update(summary.total, summary.total - summary.failed, summary.failed, final=True)
    if writer is None:
        out.write('\n], "summary": ' + json.dumps(summary.to_json(), ensure_ascii=False) + "}\n")
    err.write(summary.table())
    return 0 if summary.failed == 0 else 1
