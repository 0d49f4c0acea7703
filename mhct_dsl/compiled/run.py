"""`mhct allocate --format csv` on the compiled path: stream in, evaluate a chunk, stream out.

The rows are those of `batch` (same columns, same values as the interpreter's result would give,
error rows included); the tests hold the two paths equal on the same input.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import itertools
import re
import sys
from typing import IO, Callable

import numpy as np

from .. import dates
from ..batch import CSV_COLUMNS, FORMULA_START, RecordIds, escaped_for, formula_safe, summary
from ..memo import IdentityMemo
from ..model import SCALE_IDS, RuleSet
from ..records import Assessment, Record, RecordError
from ..results import ErrorResult
from ..stream import Chunk, Progress, read_chunks
from .kernel import LABELS, NONE, OUTCOMES, Batch, evaluate
from .tables import CODES, UNKNOWN_9, UNRATED, Compiled, compile_ruleset, truth_table

__all__ = ["run_allocate_csv", "compiled_for", "collected_per_chunk"]

_COMPILED = IdentityMemo(8)  # per rule set: its compiled tables
_WORDINGS = IdentityMemo(8)  # per compiled rule set: its `_Wording`


def compiled_for(ruleset: RuleSet) -> Compiled:
    """The compiled tables of a loaded rule set, built once per rule set object."""
    return _COMPILED.get(id(ruleset), (ruleset,), lambda: compile_ruleset(ruleset))


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
    return lambda text: escaped_for(out, formula_safe(text))


_SEGMENT = 62  # (row, scale) pairs a segment's bits hold in one int64


class _Wording:
    """What wording a chunk's ``blocking_unknowns`` needs of a compiled rule set, made once per
    set: the rows by the scale columns they read, with each row's value for every combination of
    their codes (0 false, 1 true, 2 unknown; index = sum(code_i * CODES ** i)); each cluster's
    red and orange (row, scale) pairs in row order, cut into *segments* of at most `_SEGMENT`;
    and the scales a segment's bit pattern names, remembered as they are met."""

    def __init__(self, compiled: Compiled):
        by_scales: dict[tuple[int, ...], list[int]] = {}
        for n, row in enumerate(compiled.rows):
            by_scales.setdefault(tuple(compiled.scales.index(s) for s in row.scales), []).append(n)
        self.tables = [(at, np.array(rows), np.stack([truth_table(
            compiled.rows[n].allowed, compiled.rows[n].reading, len(at)) for n in rows]))
            for at, rows in by_scales.items()]
        self.red = np.array([row.colour == "red" for row in compiled.rows])
        self.orange = np.array([row.colour == "orange" for row in compiled.rows])
        self.segments: list[tuple[int, list[int], list[int], np.ndarray]] = []
        for column, cluster in enumerate(compiled.clusters.tolist()):
            pairs = [(n, compiled.scales.index(s)) for n, row in enumerate(compiled.rows)
                     if row.cluster == cluster and row.colour in ("red", "orange")
                     for s in row.scales]
            for start in range(0, len(pairs), _SEGMENT):
                rows, scales = (list(x) for x in zip(*pairs[start:start + _SEGMENT]))
                weights = np.left_shift(1, np.arange(len(rows), dtype=np.int64))
                self.segments.append((column, rows, scales, weights))
        self.of_cluster = [[j for j, segment in enumerate(self.segments) if segment[0] == c]
                           for c in range(len(compiled.clusters))]
        self.names = [str(int(c)) for c in compiled.clusters]
        self.listed = [compiled.scales.index(s) for s in SCALE_IDS if s in compiled.scales]
        self.spelled: dict[tuple[int, int], list[int]] = {}

    def hits(self, read: np.ndarray, unknown: np.ndarray) -> list[list[int]]:
        """Per record, per segment: which of its pairs have their row read and their rating
        unknown, as bits."""
        if not self.segments:
            return [[]] * len(read)
        return np.stack([(read[:, rows] & unknown[:, scales]) @ weights
                         for _, rows, scales, weights in self.segments], axis=1).tolist()

    def scales(self, segment: int, bits: int) -> list[int]:
        """The scale columns of the pairs ``bits`` names in ``segment``, in order."""
        key = (segment, bits)
        if key not in self.spelled:
            if len(self.spelled) >= 1 << 16:
                self.spelled.clear()
            self.spelled[key] = [s for p, s in enumerate(self.segments[segment][2])
                                 if bits >> p & 1]
        return self.spelled[key]


def _wording(compiled: Compiled) -> _Wording:
    return _WORDINGS.get(id(compiled), (compiled,), lambda: _Wording(compiled))


def _blocking_texts(compiled: Compiled, chunk, batch: Batch, far: np.ndarray) -> list[str]:
    """The ``blocking_unknowns`` cell of each record of ``far`` (those whose outcome is further
    assessment), as the interpreter words it (`batch._blocking`): every unknown rating that could
    change the answer, once, with the clusters it blocks (the row values and the clusters named
    are found for the whole chunk at once; only the words are put together per record)."""
    if not len(far):
        return []
    wording = _wording(compiled)
    codes = chunk.codes[far]
    values = np.empty((len(far), len(compiled.rows)), dtype=np.uint8)
    for at, rows, tables in wording.tables:
        values[:, rows] = tables[:, sum(codes[:, a].astype(np.intp) * CODES ** i
                                        for i, a in enumerate(at))].T
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
    suggested = batch.suggested[far]
    no_rated = ((codes == 0) | (codes >= UNKNOWN_9)).all(axis=1)
    ranked = contender & (suggested == NONE)[:, None]
    order = np.argsort(np.where(ranked, best, big), axis=1, kind="stable")
    column_at = np.zeros(int(compiled.clusters.max()) + 1, dtype=np.intp)
    column_at[compiled.clusters] = columns
    order[:, 0] = np.where(suggested == NONE, order[:, 0], column_at[np.maximum(suggested, 0)])
    named = np.where(suggested == NONE, ranked.sum(axis=1), 1)  # the clusters the text names
    # the rows read: unknown ones of the named clusters (orange only beside a suggestion)
    read = (values == 2) & (wording.orange | (wording.red & (suggested == NONE)[:, None]))
    hits = wording.hits(read, codes >= UNKNOWN_9)
    names, listed, of_cluster = wording.names, wording.listed, wording.of_cluster
    said = {UNKNOWN_9: "rated 9 (not known)", UNRATED: "not rated"}
    out = []
    for k, (i, record_codes, ranking, count, record_hits) in enumerate(zip(
            far.tolist(), codes.tolist(), order.tolist(), named.tolist(), hits)):
        on = f" on {chunk.dates[i]}" if chunk.dates[i] else ""
        who: dict[int, list[str]] = {}
        if no_rated[k]:
            who = {s: ["no rated needs"] for s in listed if record_codes[s] >= UNKNOWN_9}
        else:
            for c in ranking[:count]:
                for j in of_cluster[c]:
                    if record_hits[j]:
                        for s in wording.scales(j, record_hits[j]):
                            clusters = who.setdefault(s, [])
                            if not clusters or clusters[-1] is not names[c]:
                                clusters.append(names[c])
        out.append("; ".join(f"scale {compiled.scales[s]}: {said[record_codes[s]]}{on} "
                             f"(clusters {', '.join(clusters)})" for s, clusters in who.items()))
    return out


_SPECIAL = ('"', "\r", "\n")


def _quoted(text: str) -> str | None:
    """``text`` as a CSV cell the way `csv.writer` writes it, or None when it holds a quote or a
    line break (those rows are left to `csv.writer`)."""
    if any(c in text for c in _SPECIAL):
        return None
    return f'"{text}"' if "," in text else text


def _column(texts: list[str]) -> tuple[list, set[int]]:
    """`_quoted` of every cell of a column (each distinct text once), "" where `_quoted` gives
    None, and the positions of those."""
    joined = "\x01".join(texts)
    if not any(c in joined for c in (",", *_SPECIAL)):
        return texts, set()
    if not any(c in joined for c in _SPECIAL):
        return [f'"{text}"' if "," in text else text for text in texts], set()
    done = {text: _quoted(text) for text in dict.fromkeys(texts)}
    if None not in done.values():
        return [done[text] for text in texts], set()
    cells = [done[text] for text in texts]
    return [cell or "" for cell in cells], {k for k, cell in enumerate(cells) if cell is None}


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


_FORMULA = re.compile("(?:^|\x00)[" + re.escape("".join(FORMULA_START)) + "]")


def _safe(texts: list[str], cell) -> list[str]:
    """``cell`` of each text: looked for at once when ``cell`` is `formula_safe` (the usual
    case: no text starts like a formula, so none changes)."""
    if cell is formula_safe and not _FORMULA.search("\x00".join(texts)):
        return texts
    return [cell(text) for text in texts]


def allocation_rows(compiled: Compiled, names: dict[int, str], chunk, batch: Batch,
                    cell=formula_safe) -> list[str]:
    """The chunk's CSV lines (`batch.CSV_COLUMNS`), errors in place, exactly as `csv.writer`
    writes them; ``names``: cluster names; ``cell`` makes the free-text cells (ids, names, error
    messages) safe (`text_cell`)."""
    n = len(chunk.ids)
    rows = np.arange(n)
    labels = batch.label()
    order = batch.order()
    shown_names = np.array([f"{c}:{label}" for c in compiled.clusters for label in LABELS],
                           dtype=object)
    shown = list(map(";".join,
                     shown_names[order * len(LABELS) + labels[rows[:, None], order]].tolist()))
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
    blocking[far] = _blocking_texts(compiled, chunk, batch, far)
    name_of = np.array([""] + [cell(names.get(c, "")) for c in range(len(column) - 1)],
                       dtype=object)
    ids = _safe(chunk.ids, cell)
    columns = (ids, _texts(batch.suggested), name_of[batch.suggested + 1],
               fit_of(batch.suggested, len(LABELS) + 2),
               np.array(OUTCOMES, dtype=object)[batch.outcome], shown, blocking,
               _texts(recorded), fit_of(recorded, special), adheres)
    columns = [c if isinstance(c, list) else c.tolist() for c in columns]
    plain = [_column(c) if k in (0, 2, 6) else (c, set()) for k, c in enumerate(columns)]
    awkward = set().union(*(k for _, k in plain))  # rows with quotes or breaks in free text
    # the error cell is empty: each line ends ",\n"
    made = list(map(",".join, zip(*(c for c, _ in plain), itertools.repeat("\n"))))
    for k in awkward:
        made[k] = _csv_line([c[k] for c in columns] + [""])
    if chunk.failed == 0 and chunk.entries == list(range(n)):
        return made
    return [_csv_line(error_row(e, len(CSV_COLUMNS), cell)) if isinstance(e, ErrorResult)
            else made[e] for e in chunk.entries]


def by_edition(chunk, choose
               ) -> tuple[dict[int, tuple[RuleSet, list[int]]], dict[int, ErrorResult]]:
    """The chunk's records grouped by the rule set ``choose`` gives each (by its date: one call
    per distinct date), and the records it refuses as errors."""
    distinct = {date: k for k, date in enumerate(dict.fromkeys(chunk.dates))}
    at = np.fromiter(map(distinct.__getitem__, chunk.dates), np.intp, len(chunk.dates))
    chosen: list[RuleSet | RecordError] = []
    for date in distinct:
        try:
            chosen.append(choose(Record(None, (Assessment(dates.parse_iso(date), {}),))))
        except RecordError as error:
            chosen.append(error)
    editions: dict[int, tuple[RuleSet, list[int]]] = {}
    refused: dict[int, ErrorResult] = {}
    for edition in {id(c): c for c in chosen}.values():
        take = np.flatnonzero(np.isin(at, [k for k, c in enumerate(chosen) if c is edition]))
        if isinstance(edition, RecordError):
            refused.update((i, ErrorResult(chunk.ids[i], edition.field, edition.message,
                                           dict(chunk.locations[i]))) for i in take.tolist())
        else:
            editions[id(edition)] = (edition, take.tolist())
    return editions, refused


def subset(chunk, take: list[int]):
    """The records ``take`` of ``chunk`` as a chunk of their own."""
    index = np.array(take, dtype=np.intp)
    return Chunk(list(range(len(take))), [chunk.ids[i] for i in take],
                 [chunk.dates[i] for i in take], chunk.codes[index], chunk.group[index],
                 chunk.group_source[index], chunk.recorded[index],
                 [chunk.locations[i] for i in take])


def evaluated_by_edition(chunk, choose) -> tuple[list[tuple], dict[int, ErrorResult]]:
    """`by_edition`, each edition's records evaluated with its tables: ``(edition, take, tables,
    part, batch)`` per edition, where ``part`` is the chunk of the records ``take``; and the
    records refused."""
    editions, refused = by_edition(chunk, choose)
    parts = []
    for edition, take in editions.values():
        part, tables = subset(chunk, take), compiled_for(edition)
        parts.append((edition, take, tables, part,
                      evaluate(tables, part.codes, part.group, part.group_source, part.recorded)))
    return parts, refused


def _rows(ruleset: RuleSet, chunk, cell, choose) -> tuple[list, int]:
    """The chunk's CSV lines in input order, and how many records failed."""
    if choose is None:
        compiled = compiled_for(ruleset)
        batch = evaluate(compiled, chunk.codes, chunk.group, chunk.group_source, chunk.recorded)
        return allocation_rows(compiled, _names(ruleset), chunk, batch, cell), chunk.failed
    parts, refused = evaluated_by_edition(chunk, choose)
    if not refused and chunk.in_order:
        lines = np.empty(len(chunk.ids), dtype=object)
        for edition, take, compiled, part, batch in parts:
            lines[take] = allocation_rows(compiled, _names(edition), part, batch, cell)
        return lines.tolist(), 0
    made: dict[int, list] = {}
    for edition, take, compiled, part, batch in parts:
        made.update(zip(take, allocation_rows(compiled, _names(edition), part, batch, cell)))
    rows = [_csv_line(error_row(e, len(CSV_COLUMNS), cell)) if isinstance(e, ErrorResult) else
            _csv_line(error_row(refused[e], len(CSV_COLUMNS), cell)) if e in refused else made[e]
            for e in chunk.entries]
    return rows, chunk.failed + len(refused)


@contextlib.contextmanager
def collected_per_chunk():
    """Pauses Python's cyclic garbage collector, which a chunk's hundreds of thousands of
    short-lived (acyclic) cells and rows would otherwise set off again and again (a quarter of a
    run), and gives the function to call after each chunk: it collects after every eighth, so
    what cycles there are stay bounded."""
    was = gc.isenabled()
    gc.disable()
    done = itertools.count(1)
    try:
        yield lambda: next(done) % 8 == 0 and gc.collect()
    finally:
        if was:
            gc.enable()


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
    out.write(_csv_line(CSV_COLUMNS))
    cell = text_cell(out)
    progress = Progress(err, "allocate")
    total = failed = 0
    ids = RecordIds()
    with collected_per_chunk() as chunk_done:
        for chunk in read_chunks(input, ruleset, compiled_for(ruleset), group,
                                 progress=progress):
            rows, bad = _rows(ruleset, chunk, cell, choose)
            out.write("".join(rows))
            if chunk.in_order:
                ids.see_all(chunk.ids, chunk.locations)
            else:
                for e in chunk.entries:
                    if isinstance(e, ErrorResult):
                        ids.see(e.id, e.location)
                    else:
                        ids.see(chunk.ids[e], chunk.locations[e])
            total += len(chunk.entries)
            failed += bad
            progress.update(total, total - failed, failed)
            chunk_done()
    progress.update(total, total - failed, failed, final=True)
    err.write(summary(total, failed, ids))
    return 0 if failed == 0 else 1
