"""`mhct sql`: the allocation and red-rule adherence as one SQL query over a table of ratings.

The query is generated from the compiled rule set and follows `compiled.kernel` step by step, as
list lookups and integer arithmetic a columnar engine runs fast (few wide expressions, no string
work until the output columns):

1. every rating becomes a code (0-4, or 5 for 9 / not rated; NULL when unreadable), and the
   scales are grouped in the compiled path's blocks (7 and 8 always together); each block's codes
   make one index (0-215 for three scales);
2. per block, constant lists indexed by that index give every cluster's share of its *state*
   (the compiled path's mixed-radix count of red rows false / unknown and orange rows false /
   unknown), several clusters packed in one integer, and two counts of blocks with ratings that
   are not 0 (for "no rated needs"). Adding one looked-up integer per block gives, for each pack,
   all its clusters' states at once; a row's value under unknown ratings is
   `compiled.tables.row_truth`, the one the interpreter gives;
3. per cluster, a list indexed by its state (computed once by the query from the state's counts)
   gives one integer that orders the candidates: "cannot fit" first, then the kernel's best-case
   rank key, then the worst-case key if every red row is met, then the fit label. The least of
   those over the settled group's clusters is the leading candidate with everything the decision
   needs; the next least decides interval dominance;
4. the group (the record's own, else the recorded cluster's), outcome, suggestion and the recorded
   cluster's fit, adherence, orange misses and red breaches, with text only in the output.

Dialects: ``duckdb`` (embedded, `mhct audit --engine duckdb`) and ``spark`` (Spark SQL, for data
that outgrows one machine); how each is written (`Dialect`, re-exported here with `DIALECTS` and
`WHITESPACE`) is in `sql_dialect`.

Input table (default ``ratings``): columns ``id``, ``1``..``13``, ``A``..``E`` (0-4, 9 = not known,
NULL or blank = not rated; text or integer), ``recorded_cluster`` and ``group`` (NULL or blank when
absent). Output, one row per input row: ``id, error, "group", group_source, outcome, suggested,
recorded_cluster, recorded_fit, recorded_adheres, orange_mismatches, red_breaches`` and
``fit_N`` for every cluster N with a grid (and ``mhct_order``, the ``order_by`` column, if
given). In DuckDB the text columns of a small fixed set of values (``group``, ``group_source``,
``outcome``, ``recorded_fit``, ``recorded_adheres``, ``fit_N``) are ENUM types written inline in
the query (no ``CREATE TYPE``): stored as small integers, they read, print and sort as the same
text (`Dialect.kind`).
``error`` names the first unreadable field (a rating that is not 0-4/9/blank, an unknown
group or recorded cluster); such a row's other columns are NULL (the CLI reports the record
instead of allocating it).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection

import numpy as np

from .compiled.kernel import LABELS, OUTCOMES
from .compiled.tables import CODES, Compiled, row_truth
from .sql_dialect import DIALECTS, WHITESPACE, Dialect

__all__ = ["allocation_sql", "DIALECTS", "Dialect", "WHITESPACE"]

_CODES = 6  # 0-4 and unknown (9 or not rated: the same to every row)
_PACK_BITS = 62  # state fields per packed integer (a BIGINT; sums never carry between fields)
_KEY = 24  # bits of the kernel's rank key: 1 + 5 + 5 + 5 fields and an 8-bit cluster column
_OPEN = 2 ** (_KEY + 1) - 1  # the worst-case field when some red row is not met
# The per-state ordering value: cannot fit (a red row false) | best key | worst key or _OPEN | fit.
_WORST_AT, _BEST_AT, _CANNOT = 2 ** 2, 2 ** (2 + _KEY + 1), 2 ** (2 + _KEY + 1 + _KEY)
_BIG = 2 ** 62  # above every ordering value: "no such candidate"
_NOT_A_NUMBER = "'recorded_cluster: must be a cluster number or blank'"
_NOT_OURS = "'recorded_cluster: not a cluster of the rule set'"


def _red_rows(compiled: Compiled) -> dict[int, list[int]]:
    """Cluster -> indexes (into compiled.rows) of its red rows, in grid order."""
    out: dict[int, list[int]] = {}
    for n, row in enumerate(compiled.rows):
        if row.colour == "red":
            out.setdefault(row.cluster, []).append(n)
    return out


class _Layout:
    """Where each cluster's state sits in the packed integers, and each cluster's state radices."""

    def __init__(self, compiled: Compiled):
        red = compiled.red_total.astype(int) + 1
        orange = compiled.orange_total.astype(int) + 1
        self.radix = list(zip(red.tolist(), orange.tolist()))
        self.size = [r * r * o * o for r, o in self.radix]
        self.count_bits = len(compiled.blocks).bit_length()
        # Pack 0 starts with the two block counts, so it holds a term from every block.
        fields = [("nonzero", self.count_bits), ("known", self.count_bits)] + [
            (c, max(1, (size - 1).bit_length())) for c, size in enumerate(self.size)]
        self.where: dict[object, tuple[int, int, int]] = {}  # field -> (pack, shift, width)
        pack, used = 0, 0
        for name, width in fields:
            if used + width > _PACK_BITS:
                pack, used = pack + 1, 0
            self.where[name] = (pack, used, width)
            used += width
        self.packs = pack + 1

    def block_lists(self, compiled: Compiled) -> list[list[list[int]]]:
        """Per block, per pack: the packed value for every index of the block's codes (the first
        scale's code varies fastest)."""
        # The compiled path's first block also places each cluster's states in one global range.
        offsets = np.array([np.flatnonzero(compiled.state_column == c)[0]
                            for c in range(len(compiled.clusters))], dtype=np.int64)
        out = []
        for b, (columns, table) in enumerate(compiled.blocks):
            values = [[] for _ in range(self.packs)]
            for combo in itertools.product(range(_CODES), repeat=len(columns)):
                codes = combo[::-1]  # codes[i]: the block's i-th scale (SQL code 5 = code 5, 9)
                local = table[sum(c * CODES ** i for i, c in enumerate(codes))].astype(np.int64)
                fields = {"nonzero": int(any(c != 0 for c in codes)),
                          "known": int(any(0 < c < 5 for c in codes))}
                fields.update(enumerate((local - offsets if b == 0 else local).tolist()))
                packed = [0] * self.packs
                for name, amount in fields.items():
                    pack, shift, _ = self.where[name]
                    packed[pack] += amount << shift
                for pack, value in enumerate(packed):
                    values[pack].append(value)
            out.append(values)
        return out


def _errors(d: Dialect, compiled: Compiled) -> str:
    """The WHEN branches naming an unreadable row's first bad field."""
    branches = [
        f"WHEN k_{i} IS NULL THEN concat("
        f"{d.literal(s + ': rating must be 0-4, 9 or blank; got ' + chr(39))}, "
        f"{d.text(f'cell_{i}')}, {d.literal(chr(39))})" for i, s in enumerate(compiled.scales)]
    branches += [
        "WHEN given IS NOT NULL AND g IS NULL THEN 'group: unknown decision-tree group'",
        "WHEN recorded_error IS NOT NULL THEN recorded_error"]
    return " ".join(branches)


def _members(compiled: Compiled, name: str) -> list[int]:
    """Columns of the clusters (with a grid) in a group or branch."""
    mask = compiled.group_masks[compiled.group_names.index(name)]
    return [c for c in range(len(compiled.clusters)) if mask[c]]


def allocation_sql(compiled: Compiled, dialect: str = "duckdb", table: str = "ratings",
                   order_by: str | None = None, integer_columns: Collection[str] = ()) -> str:
    """The query (see the module docstring) for ``compiled`` in ``dialect``; ``order_by`` names
    an input column to carry through and sort the output by (e.g. a row number).
    ``integer_columns``: rating and ``recorded_cluster`` columns the input holds as integers
    (read without text; any column also reads as text, more slowly)."""
    d = Dialect(dialect)
    q = d.quote
    clusters = [int(c) for c in compiled.clusters]
    columns = range(len(clusters))
    scales = compiled.scales
    names = compiled.group_names
    layout = _Layout(compiled)
    red_rows = _red_rows(compiled)

    # Constant tables, one row: per block and pack the packed state shares; per cluster the
    # ordering value of each of its states (rf/ru/of/ou: red false/unknown, orange
    # false/unknown, digits of the state with radices red rows + 1 and orange rows + 1).
    params = ", ".join(
        f"({c}, {r}, {o}, {r - 1}, {o - 1}, {layout.size[c]})"
        for c, (r, o) in enumerate(layout.radix))
    counts = ["c", "red", "orange", "i",
              "i % r AS rf", f"{d.div('i', 'r')} % r AS ru",
              f"{d.div('i', 'r * r')} % o AS xf", f"{d.div('i', 'r * r * o')} AS xu"]

    def key(fails, misses, red_met, orange_met):
        return (f"(((({fails}) * 32 + ({misses})) * 32 + (31 - ({red_met}))) * 32 "
                f"+ (31 - ({orange_met}))) * 256 + c")

    ordering = (
        f"CASE WHEN rf > 0 THEN {_CANNOT} ELSE 0 END "
        f"+ ({key('CASE WHEN rf > 0 THEN 1 ELSE 0 END', 'xf', 'red - rf', 'orange - xf')})"
        f" * {_BEST_AT} "
        f"+ CASE WHEN rf + ru = 0 THEN {key('0', 'xf + xu', 'red', 'orange - xf - xu')} "
        f"ELSE {_OPEN} END * {_WORST_AT} "
        f"+ CASE WHEN rf > 0 THEN 3 WHEN ru > 0 THEN 2 WHEN xf > 0 THEN 1 WHEN xu > 0 THEN 2 "
        f"ELSE 0 END AS v")
    constants = [f"{d.integers(values)} AS block_{b}_{p}"
                 for b, packs in enumerate(layout.block_lists(compiled))
                 for p, values in enumerate(packs)]
    constants += [f"{d.ordered_list('v', 'i', f'c = {c}')} AS states_{c}" for c in columns]

    # 1. Read and code the ratings (NULL: unreadable), the group and the recorded cluster.
    def code(i, s):
        if s in integer_columns:
            return (f"CASE WHEN {q(s)} IS NULL OR {q(s)} = 9 THEN 5 "
                    f"WHEN {q(s)} >= 0 AND {q(s)} <= 4 THEN CAST({q(s)} AS INT) END AS k_{i}")
        # Most cells are exactly one digit: compared first. Otherwise, as the interpreter reads
        # a cell: trimmed, blank or up to nine ASCII digits ('03' is 3).
        cell = f"CAST({q(s)} AS {d.string})"
        digits = " ".join(f"WHEN '{r}' THEN {r}" for r in range(5))
        number = " ".join(f"WHEN {r} THEN {r}" for r in range(5))
        return (f"CASE {cell} {digits} WHEN '9' THEN 5 ELSE CASE WHEN {d.text(q(s))} IS NULL "
                f"THEN 5 WHEN {d.digits(d.strip(cell), 9)} THEN CASE CAST({d.strip(cell)} AS INT) "
                f"{number} WHEN 9 THEN 5 END END END AS k_{i}")

    read = [f"CAST({q('id')} AS {d.string}) AS id"]
    read += [code(i, s) for i, s in enumerate(scales)]
    read += [f"{q(s)} AS cell_{i}" for i, s in enumerate(scales)]  # for error messages
    numbers = ", ".join(map(str, compiled.numbers))
    if "recorded_cluster" in integer_columns:
        read.append(f"{q('recorded_cluster')} AS recorded_in")
        read.append(f"CASE WHEN {q('recorded_cluster')} >= 0 THEN "
                    f"CAST({q('recorded_cluster')} AS BIGINT) END AS recorded_cluster")
        recorded_error = (
            f"CASE WHEN recorded_in IS NULL OR recorded_cluster IN ({numbers}) "
            f"THEN NULL WHEN recorded_cluster IS NULL THEN {_NOT_A_NUMBER} ELSE {_NOT_OURS} END")
    else:
        # A canonical number is checked without a regular expression; '03' is a number too.
        read.append(f"{d.text(q('recorded_cluster'))} AS t_recorded")
        recorded_error = (
            f"CASE WHEN t_recorded IS NULL OR recorded_cluster IN ({numbers}) THEN NULL "
            f"WHEN {d.digits('t_recorded')} THEN {_NOT_OURS} ELSE {_NOT_A_NUMBER} END")
    read.append(f"{d.text(q('group'))} AS given")
    if order_by:
        read.append(f"{q(order_by)} AS mhct_order")
    recorded = ["*"]
    if "recorded_cluster" not in integer_columns:
        recorded.append(
            f"CASE WHEN (TRY_CAST(t_recorded AS BIGINT) >= 0 AND CAST(TRY_CAST(t_recorded AS "
            f"BIGINT) AS {d.string}) = t_recorded) OR {d.digits('t_recorded')} "
            "THEN TRY_CAST(t_recorded AS BIGINT) END AS recorded_cluster")
    group_of = {name: g for g, name in enumerate(names)}
    by_given = " ".join(f"WHEN {d.literal(name)} THEN {g}" for name, g in group_of.items())
    by_recorded = " ".join(
        "WHEN recorded_cluster IN (" + ", ".join(
            str(n) for n, group in sorted(compiled.cluster_group.items()) if group == name)
        + f") THEN {group_of[name]}" for name in sorted(set(compiled.cluster_group.values())))
    grouped = [
        "*", f"{recorded_error} AS recorded_error",
        (f"CASE WHEN given IS NOT NULL THEN CASE given {by_given} END "
         f"{'ELSE CASE ' + by_recorded + ' END ' if by_recorded else ''}END AS g")
        if by_given else "CAST(NULL AS INT) AS g"]
    valid = "(given IS NULL OR g IS NOT NULL) AND recorded_error IS NULL"

    # 2. Block indexes (NULL for an unreadable row), packed states, per cluster its state.
    blocks = [[int(c) for c in block_columns] for block_columns, _ in compiled.blocks]
    indexed = ["*"] + [
        " + ".join(f"k_{i} * {_CODES ** j}" for j, i in enumerate(block))
        + (f" + CASE WHEN {valid} THEN 0 END" if b == 0 else "") + f" AS b_{b}"
        for b, block in enumerate(blocks)]
    packed = ["*"] + [
        " + ".join(d.at(f"block_{b}_{p}", f"b_{b}") for b in range(len(blocks)))
        + f" AS p_{p}" for p in range(layout.packs)]

    def field(name):
        pack, shift, width = layout.where[name]
        return d.bits(f"p_{pack}", shift, width)

    valued = ["*", f"{field('nonzero')} AS nonzero", f"{field('known')} AS known"] + [
        f"{d.at(f'states_{c}', field(c))} AS v_{c}" for c in columns]

    # 3. The leading candidate of the settled group (least ordering value) and the runner-up.
    def least(items):
        return items[0] if len(items) == 1 else d.least(items)

    def per_group(expression):
        cases = " ".join(
            f"WHEN {g} THEN "
            + least([expression(c) for c in _members(compiled, name)] or [str(_BIG)])
            for g, name in enumerate(names))
        return f"CASE g {cases} END" if cases else "CAST(NULL AS BIGINT)"

    led = ["*", per_group(lambda c: f"v_{c}") + " AS m1",
           least([f"v_{c}" for c in columns]) + " AS lowest"]
    runner = ["*", per_group(lambda c: f"CASE WHEN v_{c} = m1 THEN {_BIG} ELSE v_{c} END")
              + " AS m2"]

    # 4. Outcome, suggestion, the recorded cluster; text only here, of a small fixed set in each
    # column but the id, error and breaches (`Dialect.kind`).
    fit_kind = d.kind(LABELS)
    outcome_kind = d.kind(OUTCOMES)
    recorded_kind = d.kind(LABELS + ("variance", "not_allocatable"))
    adheres_kind = d.kind(("true", "false", "unknown"))
    source_kind = d.kind(("record", "recorded_cluster"))

    def fit_of(value, kind=fit_kind, fits=LABELS):  # parts of an ordering value
        return d.at(d.words(list(fits), kind), d.bits(value, 0, 2))

    def worst_of(value):
        return d.bits(value, 2, _KEY + 1)

    def cannot(value):
        return f"{value} >= {_CANNOT}"

    decided = (f"(m1 < {_CANNOT} AND {worst_of('m1')} < {2 ** _KEY} "
               f"AND {worst_of('m1')} < {d.div('m2', _BEST_AT)})")
    first_cluster = d.at(d.array([str(n) for n in clusters]),
                         d.bits(d.div("m1", _BEST_AT), 0, 8))
    variance = "NULL" if compiled.variance is None else str(compiled.variance)
    ok, bad = "p_0 IS NOT NULL", "p_0 IS NULL"  # an unreadable row's packed states are NULL
    outcome = (
        f"CASE WHEN {bad} THEN NULL "
        f"WHEN nonzero = 0 THEN {d.word('no_rated_needs', outcome_kind)} "
        f"WHEN known = 0 THEN {d.word('further_assessment_required', outcome_kind)} "
        f"WHEN {cannot('lowest')} THEN {d.word('variance', outcome_kind)} "
        f"WHEN g IS NULL THEN {d.word('group_needed', outcome_kind)} "
        f"WHEN {cannot('m1')} THEN {d.word('no_fit_in_group', outcome_kind)} "
        f"WHEN {decided} AND {d.bits('m1', 0, 2)} < 2 "
        f"THEN {fit_of('m1', outcome_kind, LABELS[:2])} "
        f"ELSE {d.word('further_assessment_required', outcome_kind)} END")
    suggested = (
        f"CASE WHEN {bad} OR known = 0 THEN NULL WHEN {cannot('lowest')} THEN {variance} "
        f"WHEN g IS NULL OR {cannot('m1')} THEN NULL WHEN {decided} THEN {first_cluster} END")

    recorded_v = ("CASE recorded_cluster " + " ".join(
        f"WHEN {clusters[c]} THEN v_{c}" for c in columns) + " END")
    variance_fit = (f"WHEN recorded_cluster = {compiled.variance} "
                    f"THEN {d.word('variance', recorded_kind)} "
                    if compiled.variance is not None else "")
    recorded_fit = (f"CASE WHEN {bad} OR recorded_cluster IS NULL THEN NULL "
                    f"WHEN rv IS NOT NULL THEN {fit_of('rv', recorded_kind)} {variance_fit}"
                    f"ELSE {d.word('not_allocatable', recorded_kind)} END")
    any_red_met = least([worst_of(f"v_{c}") for c in columns]) + f" < {2 ** _KEY}"
    true, false, unknown = (d.word(w, adheres_kind) for w in ("true", "false", "unknown"))
    variance_adheres = (
        f"WHEN recorded_cluster = {compiled.variance} THEN CASE WHEN {cannot('lowest')} "
        f"THEN {true} WHEN {any_red_met} THEN {false} ELSE {unknown} END "
        if compiled.variance is not None else "")
    adheres = (f"CASE WHEN {bad} OR recorded_cluster IS NULL THEN NULL "
               f"WHEN rv IS NOT NULL THEN CASE WHEN {cannot('rv')} THEN {false} "
               f"WHEN {worst_of('rv')} >= {2 ** _KEY} THEN {unknown} ELSE {true} END "
               f"{variance_adheres}ELSE {false} END")
    # The best-case key holds the orange rows missed, 18 bits above its cluster column.
    misses = d.bits(d.div("rv", _BEST_AT), 18, 5)
    if not d.spark:
        misses = f"CAST({misses} AS INTEGER)"  # the column's type as it has always been

    def row_false(n):
        row = compiled.rows[n]
        at = [scales.index(s) for s in row.scales]
        index = " + ".join(f"k_{a} * {_CODES ** j}" for j, a in enumerate(at))
        false = [sum(c * _CODES ** j for j, c in enumerate(combo))
                 for combo in itertools.product(range(_CODES), repeat=len(at))
                 if row_truth(combo, row.allowed, row.reading) is False]
        return f"({index}) IN ({', '.join(map(str, false))})" if false else "1 = 0"

    breach_cases = []
    for c in columns:
        parts = [f"CASE WHEN {row_false(n)} THEN {d.literal(';' + compiled.rows[n].label)} "
                 f"ELSE '' END" for n in red_rows.get(clusters[c], [])]
        if parts:
            breach_cases.append(f"WHEN {clusters[c]} THEN concat({', '.join(parts)})")
    breaches = (f"SUBSTRING(CASE recorded_cluster {' '.join(breach_cases)} ELSE '' END, 2)"
                if breach_cases else "''")
    names_list = d.words(list(names), d.kind(names)) if names else None

    final = [
        "id",
        f"CASE WHEN {ok} THEN NULL {_errors(d, compiled)} END AS error",
        (f"CASE WHEN {ok} THEN {d.at(names_list, 'g')} END" if names_list
         else "CAST(NULL AS " + d.string + ")") + f" AS {q('group')}",
        f"CASE WHEN {ok} THEN CASE WHEN given IS NOT NULL THEN {d.word('record', source_kind)} "
        f"WHEN g IS NOT NULL THEN {d.word('recorded_cluster', source_kind)} END END "
        "AS group_source",
        f"{outcome} AS outcome",
        f"{suggested} AS suggested",
        "recorded_cluster",
        f"{recorded_fit} AS recorded_fit",
        f"{adheres} AS recorded_adheres",
        f"CASE WHEN {ok} AND recorded_cluster IS NOT NULL "
        f"THEN COALESCE({misses}, 0) END AS orange_mismatches",
        f"CASE WHEN {ok} AND recorded_cluster IS NOT NULL THEN {breaches} END AS red_breaches",
    ] + [f"{fit_of(f'v_{c}')} AS fit_{clusters[c]}" for c in columns]
    if order_by:
        final.append("mhct_order")

    def stage(name, select, source):
        return f"{name} AS (\n  SELECT {', '.join(select)}\n  FROM {source}\n)"

    ctes = [
        f"params(c, r, o, red, orange, size) AS (VALUES {params})",
        stage("states", counts, f"(SELECT *, {d.numbers_below('size')} AS i FROM params)"),
        stage("constants", constants, f"(SELECT *, {ordering} FROM states)"),
        stage("raw_input", read, table),
        stage("recorded", recorded, "raw_input"),
        stage("grouped", grouped, "recorded"),
        stage("indexed", indexed, "grouped"),
        stage("packed", packed, "indexed CROSS JOIN constants"),
        stage("valued", valued, "packed"),
        stage("led", led, "valued"),
        stage("decided", runner + [f"{recorded_v} AS rv"], "led"),
    ]
    return (f"-- mhct: allocation and red-rule adherence; rule set fingerprint "
            f"{compiled.fingerprint}\nWITH " + ",\n".join(ctes) + "\nSELECT "
            + ",\n  ".join(final) + "\nFROM decided"
            + ("\nORDER BY mhct_order" if order_by else "") + "\n")
