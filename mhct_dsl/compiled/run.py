"""`mhct allocate --format csv` on the compiled path: stream in, evaluate a chunk, stream out.

The rows are those of `batch` (same columns, same values as the interpreter's result would give,
error rows included); the tests hold the two paths equal on the same input.
"""

from __future__ import annotations

import csv
import itertools
import sys
from typing import IO

import numpy as np

from ..model import RuleSet
from ..results import ErrorResult
from ..stream import Progress, read_chunks
from ..batch import _for, formula_safe
from .kernel import LABELS, NONE, OUTCOMES, Batch, evaluate
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


def error_row(result: ErrorResult, width: int, cell=formula_safe) -> list[str]:
    """An error record as a CSV row of ``width`` cells, the message in the last (the same text
    as `batch`'s)."""
    where = "".join(f" ({k} {v})" for k, v in result.location.items())
    field = f"{result.field}: " if result.field else ""
    return [cell(result.id or "")] + [""] * (width - 2) + [cell(f"{field}{result.message}{where}")]


def _texts(values: np.ndarray, blank: int = NONE) -> np.ndarray:
    """Integers as strings (``blank`` as ""), as an object array."""
    table = np.array([""] + [str(v) for v in range(int(values.max(initial=0)) + 1)], dtype=object)
    return table[np.where(values == blank, 0, values + 1)]


def text_cell(out: IO[str]):
    """What makes a free-text cell safe for ``out``: formula-safe, and what its encoding cannot
    hold written as backslash escapes (as `batch` writes it)."""
    encoding = (getattr(out, "encoding", None) or "utf-8").lower().replace("_", "-")
    if encoding in ("utf-8", "utf8", "utf-8-sig"):
        return formula_safe
    return lambda text: _for(out, formula_safe(text))


def allocation_rows(compiled: Compiled, chunk, batch: Batch, top: int, cell=formula_safe):
    """The chunk's CSV rows (`batch.CSV_COLUMNS`), errors in place; ``cell`` makes the free-text
    cells (ids, error messages) safe (`text_cell`)."""
    n = len(chunk.ids)
    rows = np.arange(n)
    labels = batch.label()
    order = batch.order()[:, :top]
    names = np.array([f"{c}:{label}" for c in compiled.clusters for label in LABELS],
                     dtype=object)
    shown = map(";".join, names[order * len(LABELS) + labels[rows[:, None], order]].tolist())
    words = np.array(LABELS + ("variance", "not_allocatable", ""), dtype=object)
    column = np.full(max(int(compiled.clusters.max()), int(chunk.recorded.max(initial=0)),
                         int(batch.suggested.max(initial=0))) + 2, -1)
    column[compiled.clusters] = np.arange(len(compiled.clusters))

    def fit_of(clusters: np.ndarray, other: np.ndarray) -> np.ndarray:
        """The label of each record's cluster; ``other`` (an index into words) where it has no
        grid, "" where there is no cluster."""
        at = column[np.where(clusters == NONE, -1, clusters)]
        known = labels[rows, np.maximum(at, 0)] if n else at
        return words[np.where(clusters == NONE, len(LABELS) + 2,
                              np.where(at >= 0, known, other))]

    recorded = chunk.recorded
    special = np.where(recorded == compiled.variance, len(LABELS), len(LABELS) + 1)
    adheres = np.array(["false", "true", "unknown", ""], dtype=object)[
        np.where(recorded == NONE, 3, np.where(batch.recorded_adheres == NONE, 2,
                                               batch.recorded_adheres))]
    ids = [cell(i) for i in chunk.ids]
    out = zip(ids, _texts(batch.suggested), fit_of(batch.suggested, len(LABELS) + 2),
              np.array(OUTCOMES, dtype=object)[batch.outcome], shown, _texts(recorded),
              fit_of(recorded, special), adheres, itertools.repeat(""))
    if chunk.failed == 0 and chunk.entries == list(range(n)):
        return out
    made = list(out)
    return [error_row(e, 9, cell) if isinstance(e, ErrorResult) else made[e]
            for e in chunk.entries]


def run_allocate_csv(ruleset: RuleSet, input, columns, top: int, out: IO[str] | None = None,
                     err: IO[str] | None = None, group: str | None = None) -> int:
    """Allocate every record of ``input`` on the compiled path; CSV to ``out``, the summary (and
    a progress bar on a terminal) to ``err``. Returns 0 when nothing failed, else 1."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    compiled = compiled_for(ruleset)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    cell = text_cell(out)
    progress = Progress(err, "allocate")
    total = failed = 0
    for chunk in read_chunks(input, ruleset, compiled, group, progress=progress):
        batch = evaluate(compiled, chunk.codes, chunk.group, chunk.group_source, chunk.recorded)
        writer.writerows(allocation_rows(compiled, chunk, batch, top, cell))
        total += len(chunk.entries)
        failed += chunk.failed
        progress.update(total, total - failed, failed)
    progress.update(total, total - failed, failed, final=True)
    err.write(f"records in: {total}, ok: {total - failed}, failed: {failed}\n")
    return 0 if failed == 0 else 1
