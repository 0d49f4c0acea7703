"""`mhct allocate --format csv` on the compiled path: stream in, evaluate a chunk, stream out.

The rows are those of `batch` (same columns, same values as the interpreter's result would give,
error rows included); the tests hold the two paths equal on the same input.
"""

from __future__ import annotations

import csv
import sys
from typing import IO

from ..model import RuleSet
from ..results import ErrorResult
from ..stream import Progress, read_chunks
from .kernel import LABELS, NONE, Batch, evaluate
from .tables import Compiled, compile_ruleset

__all__ = ["run_allocate_csv", "compiled_for"]

_CACHE: dict[int, tuple[RuleSet, Compiled]] = {}
_CACHE_SIZE = 8


def compiled_for(ruleset: RuleSet) -> Compiled:
    """The compiled tables of a loaded rule set, built once per rule set object."""
    hit = _CACHE.get(id(ruleset))
    if hit is not None and hit[0] is ruleset:
        return hit[1]
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    compiled = compile_ruleset(ruleset)
    _CACHE[id(ruleset)] = (ruleset, compiled)
    return compiled


def error_row(result: ErrorResult, width: int) -> list[str]:
    """An error record as a CSV row of ``width`` cells, the message in the last."""
    where = "".join(f" ({k} {v})" for k, v in result.location.items())
    field = f"{result.field}: " if result.field else ""
    return [result.id or ""] + [""] * (width - 2) + [f"{field}{result.message}{where}"]


def _recorded_fit(compiled: Compiled, column_of, labels, i: int, recorded: int) -> str:
    if recorded in column_of:
        return LABELS[labels[i, column_of[recorded]]]
    return "variance" if recorded == compiled.variance else "not_allocatable"


def allocation_rows(compiled: Compiled, chunk, batch: Batch, top: int) -> list[list[str]]:
    """The chunk's CSV rows (batch.CSV_COLUMNS), errors in place."""
    labels = batch.label()
    order = batch.order()[:, :top]
    names = [[f"{c}:{LABELS[k]}" for k in range(len(LABELS))] for c in compiled.clusters]
    adheres = {1: "true", 0: "false", NONE: "unknown"}
    column_of = compiled.column_of
    rows = []
    for entry in chunk.entries:
        if isinstance(entry, ErrorResult):
            rows.append(error_row(entry, 8))
            continue
        i = entry
        cells = order[i]
        shown = ";".join(names[c][labels[i, c]] for c in cells)
        suggested = int(batch.suggested[i])
        recorded = int(chunk.recorded[i])
        rows.append([
            chunk.ids[i], "" if suggested == NONE else str(suggested),
            LABELS[labels[i, cells[0]]], shown,
            "" if recorded == NONE else str(recorded),
            "" if recorded == NONE else _recorded_fit(compiled, column_of, labels, i, recorded),
            "" if recorded == NONE else adheres[int(batch.recorded_adheres[i])], ""])
    return rows


def run_allocate_csv(ruleset: RuleSet, input, columns, top: int, out: IO[str] | None = None,
                     err: IO[str] | None = None, group: str | None = None) -> int:
    """Allocate every record of ``input`` on the compiled path; CSV to ``out``, the summary (and
    a progress bar on a terminal) to ``err``. Returns 0 when nothing failed, else 1."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    compiled = compiled_for(ruleset)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    progress = Progress(err, "allocate")
    total = failed = 0
    for chunk in read_chunks(input, ruleset, compiled, group, progress=progress):
        batch = evaluate(compiled, chunk.codes, chunk.group, chunk.group_source, chunk.recorded)
        writer.writerows(allocation_rows(compiled, chunk, batch, top))
        total += len(chunk.entries)
        failed += chunk.failed
        progress.update(total, total - failed, failed)
    progress.update(total, total - failed, failed, final=True)
    err.write(f"records in: {total}, ok: {total - failed}, failed: {failed}\n")
    return 0 if failed == 0 else 1
