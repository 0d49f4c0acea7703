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
bounded memory; ``duckdb`` runs the generated SQL (`sql`) in-process on CSV or Parquet
(`audit_duckdb`). Both give the same records and summary (tested); DuckDB's error messages are
shorter. Without ``--rules`` the default engine judges each record by the booklet in force on its
date (`editions`); DuckDB by the one booklet in force on all of them, or it refuses
(docs/scale.md). In both, a record whose date is unreadable is an error record on ``date``.
"""

from __future__ import annotations

import collections
import csv
import itertools
import json
import sys
from typing import IO, Any, Callable, Iterator

import numpy as np

from . import audit_duckdb
from .compiled.kernel import GROUP_SOURCES, LABELS, NONE, OUTCOMES, Batch, evaluate
from .compiled.run import (
    collected_per_chunk, compiled_for, error_row, evaluated_by_edition, text_cell,
)
from .compiled.tables import CODES, Compiled, row_truth
from .editions import Editions
from .model import RuleSet
from .records import Record
from .results import ErrorResult
from .stream import CHUNK_SIZE, Progress, read_chunks

__all__ = ["run_audit", "ENGINES", "FORMATS", "CSV_COLUMNS"]

ENGINES = ("default", "duckdb")
FORMATS = ("json", "csv")
CSV_COLUMNS = ("id", "recorded_cluster", "recorded_fit", "recorded_adheres", "orange_mismatches",
               "red_breaches", "suggested", "outcome", "group", "error")
TOP_BREACHES = 3
_ADHERES = {1: True, 0: False, NONE: "unknown"}


# ---- the compiled engine -------------------------------------------------------------------------


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


# ---- output --------------------------------------------------------------------------------------


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
        source = audit_duckdb.open_input(input, ruleset)
        if editions is not None:
            ruleset = audit_duckdb.edition(editions, source)
        items = ((item, ruleset) for item in audit_duckdb.audit_records(ruleset, source))
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
