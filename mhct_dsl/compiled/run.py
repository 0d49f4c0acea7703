"""`mhct allocate --format csv` on the compiled path: stream in, evaluate a chunk, stream out.

The rows are those of `batch` (same columns, same values as the interpreter's result would give,
error rows included); the tests hold the two paths equal on the same input.
"""

from __future__ import annotations

import csv
import itertools
import sys
from typing import IO, Callable

import numpy as np

from .. import dates
from ..batch import CSV_COLUMNS, _for, formula_safe
from ..model import SCALE_IDS, RuleSet
from ..records import Assessment, Record, RecordError
from ..results import ErrorResult
from ..stream import Chunk, Progress, read_chunks
from .kernel import LABELS, NONE, OUTCOMES, Batch, evaluate
from .tables import CODES, UNKNOWN_9, Compiled, compile_ruleset, row_truth

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


def _row_tables(compiled: Compiled) -> list[tuple[list[int], np.ndarray]]:
    """Per compiled row: its scales' columns and its value (0 false, 1 true, 2 unknown) for every
    combination of their codes (index = sum(code_i * CODES ** i))."""
    out = []
    for row in compiled.rows:
        at = [compiled.scales.index(s) for s in row.scales]
        table = np.zeros(CODES ** len(at), dtype=np.uint8)
        for combo in itertools.product(range(CODES), repeat=len(at)):
            value = row_truth(combo, row.allowed, row.reading)
            table[sum(c * CODES ** i for i, c in enumerate(combo))] = 2 if value is None \
                else int(value)
        out.append((at, table))
    return out


def _blocking_texts(compiled: Compiled, chunk, batch: Batch, far: np.ndarray) -> dict[int, str]:
    """The ``blocking_unknowns`` cell of each record whose outcome is further assessment, as the
    interpreter words it (`batch._blocking`): every unknown rating that could change the answer,
    once, with the clusters it blocks."""
    if not len(far):
        return {}
    tables = _row_tables(compiled)
    codes = chunk.codes[far]
    values = np.stack([table[sum(codes[:, a].astype(np.intp) * CODES ** i
                                 for i, a in enumerate(at))] for at, table in tables], axis=1)
    states = batch.states
    state = batch.state[far]
    in_group = compiled.group_masks[batch.group[far]]
    live = in_group & states.could_fit[state]
    big = np.iinfo(np.int32).max
    worst = np.where(live, states.worst[state], big)
    leader = worst.argmin(axis=1)
    bar = worst[np.arange(len(far)), leader]
    best = states.best[state]
    columns = np.arange(len(compiled.clusters))
    contender = live & ((best < bar[:, None]) | (columns == leader[:, None]))
    rows_of = [[n for n, row in enumerate(compiled.rows) if row.cluster == c and
                row.colour in ("red", "orange")] for c in compiled.clusters]
    scale_codes = {s: i for i, s in enumerate(compiled.scales)}
    out = {}
    for k, i in enumerate(far.tolist()):
        record_codes = codes[k]
        on = f" on {chunk.dates[i]}" if chunk.dates[i] else ""

        def unknown(scale):
            code = record_codes[scale_codes[scale]]
            return (f"scale {scale}: "
                    f"{'rated 9 (not known)' if code == UNKNOWN_9 else 'not rated'}{on}")

        blocks: list[tuple[str, list[str]]] = []
        if ((record_codes == 0) | (record_codes >= UNKNOWN_9)).all():
            blocks.append(("no rated needs", [unknown(s) for s in SCALE_IDS
                                              if s in scale_codes and
                                              record_codes[scale_codes[s]] >= UNKNOWN_9]))
        else:
            suggested = int(batch.suggested[i])
            if suggested != NONE:
                columns = [compiled.column_of[suggested]]
                colours = ("orange",)
            else:
                columns = sorted(np.flatnonzero(contender[k]).tolist(), key=lambda c: best[k, c])
                colours = ("red", "orange")
            for c in columns:
                found = [unknown(s) for n in rows_of[c] if compiled.rows[n].colour in colours
                         and values[k, n] == 2 for s in compiled.rows[n].scales
                         if record_codes[scale_codes[s]] >= UNKNOWN_9]
                if found:
                    blocks.append((str(int(compiled.clusters[c])), list(dict.fromkeys(found))))
        clusters: dict[str, list[str]] = {}
        for who, unknowns in blocks:
            for text in unknowns:
                clusters.setdefault(text, []).append(who)
        out[i] = "; ".join(f"{text} (clusters {', '.join(dict.fromkeys(who))})"
                           for text, who in clusters.items())
    return out


def allocation_rows(compiled: Compiled, names: dict[int, str], chunk, batch: Batch,
                    cell=formula_safe):
    """The chunk's CSV rows (`batch.CSV_COLUMNS`), errors in place; ``names``: cluster names;
    ``cell`` makes the free-text cells (ids, names, error messages) safe (`text_cell`)."""
    n = len(chunk.ids)
    rows = np.arange(n)
    labels = batch.label()
    order = batch.order()
    shown_names = np.array([f"{c}:{label}" for c in compiled.clusters for label in LABELS],
                           dtype=object)
    shown = map(";".join, shown_names[order * len(LABELS) + labels[rows[:, None], order]].tolist())
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
    far = np.flatnonzero(batch.outcome == OUTCOMES.index("further_assessment_required"))
    blocking = np.full(n, "", dtype=object)
    for i, text in _blocking_texts(compiled, chunk, batch, far).items():
        blocking[i] = text
    name_of = np.array([""] + [cell(names.get(c, "")) for c in range(len(column) - 1)],
                       dtype=object)
    ids = [cell(i) for i in chunk.ids]
    out = zip(ids, _texts(batch.suggested), name_of[batch.suggested + 1],
              fit_of(batch.suggested, len(LABELS) + 2),
              np.array(OUTCOMES, dtype=object)[batch.outcome], shown, blocking,
              _texts(recorded), fit_of(recorded, special), adheres, itertools.repeat(""))
    if chunk.failed == 0 and chunk.entries == list(range(n)):
        return out
    made = list(out)
    return [error_row(e, len(CSV_COLUMNS), cell) if isinstance(e, ErrorResult) else made[e]
            for e in chunk.entries]


def _by_edition(chunk, choose) -> tuple[dict[int, tuple[RuleSet, list[int]]], dict[int, ErrorResult]]:
    """The chunk's records grouped by the rule set ``choose`` gives each (by its date: one call
    per distinct date), and the records it refuses as errors."""
    editions: dict[int, tuple[RuleSet, list[int]]] = {}
    refused: dict[int, ErrorResult] = {}
    by_date: dict[str, RuleSet | RecordError] = {}
    for i, date in enumerate(chunk.dates):
        if date not in by_date:
            probe = Record(None, (Assessment(dates.parse_iso(date), {}),))
            try:
                by_date[date] = choose(probe)
            except RecordError as error:
                by_date[date] = error
        chosen = by_date[date]
        if isinstance(chosen, RecordError):
            refused[i] = ErrorResult(chunk.ids[i], chosen.field, chosen.message,
                                     dict(chunk.locations[i]))
        else:
            editions.setdefault(id(chosen), (chosen, []))[1].append(i)
    return editions, refused


def _subset(chunk, take: list[int]):
    index = np.array(take, dtype=np.intp)
    return Chunk(list(range(len(take))), [chunk.ids[i] for i in take],
                 [chunk.dates[i] for i in take], chunk.codes[index], chunk.group[index],
                 chunk.group_source[index], chunk.recorded[index],
                 [chunk.locations[i] for i in take])


def _rows(ruleset: RuleSet, chunk, cell, choose) -> tuple[list, int]:
    """The chunk's CSV rows in input order, and how many records failed."""
    if choose is None:
        compiled = compiled_for(ruleset)
        batch = evaluate(compiled, chunk.codes, chunk.group, chunk.group_source, chunk.recorded)
        return allocation_rows(compiled, _names(ruleset), chunk, batch, cell), chunk.failed
    editions, refused = _by_edition(chunk, choose)
    made: dict[int, list] = {}
    for edition, take in editions.values():
        part = _subset(chunk, take)
        compiled = compiled_for(edition)
        batch = evaluate(compiled, part.codes, part.group, part.group_source, part.recorded)
        made.update(zip(take, allocation_rows(compiled, _names(edition), part, batch, cell)))
    rows = [error_row(e, len(CSV_COLUMNS), cell) if isinstance(e, ErrorResult) else
            error_row(refused[e], len(CSV_COLUMNS), cell) if e in refused else made[e]
            for e in chunk.entries]
    return rows, chunk.failed + len(refused)


def _names(ruleset: RuleSet) -> dict[int, str]:
    return {number: cluster.name for number, cluster in ruleset.clusters.items()}


def run_allocate_csv(ruleset: RuleSet, input, out: IO[str] | None = None,
                     err: IO[str] | None = None, group: str | None = None,
                     choose: Callable[[Record], RuleSet] | None = None) -> int:
    """Allocate every record of ``input`` on the compiled path; CSV to ``out``, the summary (and
    a progress bar on a terminal) to ``err``. ``choose`` picks each record's rule set (the
    booklet in force on its date), as in `batch.run_allocate`; the input is read against
    ``ruleset``. Returns 0 when nothing failed, else 1."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    cell = text_cell(out)
    progress = Progress(err, "allocate")
    total = failed = 0
    for chunk in read_chunks(input, ruleset, compiled_for(ruleset), group, progress=progress):
        rows, bad = _rows(ruleset, chunk, cell, choose)
        writer.writerows(rows)
        total += len(chunk.entries)
        failed += bad
        progress.update(total, total - failed, failed)
    progress.update(total, total - failed, failed, final=True)
    err.write(f"records in: {total}, ok: {total - failed}, failed: {failed}\n")
    return 0 if failed == 0 else 1
