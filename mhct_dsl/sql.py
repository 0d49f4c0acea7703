"""`mhct sql`: the allocation and red-rule adherence as one SQL query over a table of ratings.

The query is generated from the compiled rule set and follows `compiled.kernel` step by step, as
relational lookups a warehouse runs fast:

1. every rating becomes a code (0-4, or 5 for 9 / not rated), and the scales are grouped in the
   compiled path's blocks (7 and 8 always together); each block's codes make one index;
2. a small table per block (emitted inline as ``VALUES``) maps the index to every cluster's
   *packed counts*: red rows false and unknown, orange rows false and unknown (5 bits each), and
   the bit set of the cluster's red rows that are false. A row's value under unknown ratings is
   `compiled.tables.row_truth`, the one the interpreter gives. Joining the block tables and
   adding gives each cluster's counts;
3. labels, rank keys (the kernel's integer keys), the decision-tree group (the record's own, else
   the recorded cluster's), interval dominance, outcome, suggestion and the recorded cluster's
   adherence, as column expressions.

Dialects: ``duckdb`` (embedded, `mhct audit --engine duckdb`) and ``spark`` (Spark SQL, for data
that outgrows one machine).

Input table (default ``ratings``): columns ``id``, ``1``..``13``, ``A``..``E`` (0-4, 9 = not known,
NULL or blank = not rated; text or integer), ``recorded_cluster`` and ``group`` (NULL or blank when
absent). Output, one row per input row: ``id, error, "group", group_source, outcome, suggested,
recorded_cluster, recorded_fit, recorded_adheres, orange_mismatches, red_breaches`` and
``fit_N`` for every cluster N with a grid (and ``mhct_order``, the ``order_by`` column, if given). ``error`` names the first unreadable field (a rating
that is not 0-4/9/blank, an unknown group or recorded cluster); such a row's other columns are
NULL (the CLI reports the record instead of allocating it).
"""

from __future__ import annotations

import itertools

from .compiled.tables import UNKNOWN_9, Compiled, row_truth

__all__ = ["allocation_sql", "DIALECTS"]

DIALECTS = ("duckdb", "spark")
_BIG = 2 ** 31 - 1
_CODES = 6  # 0-4 and unknown
_FIELD = 32  # packed count fields: red false, red unknown, orange false, orange unknown
_MASK_SHIFT = _FIELD ** 4  # then the red-rows-false bit set


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Dialect:
    def __init__(self, name: str):
        if name not in DIALECTS:
            raise ValueError(f"unknown SQL dialect {name!r}; use one of {', '.join(DIALECTS)}")
        self.name = name
        self.string = "STRING" if name == "spark" else "VARCHAR"

    def quote(self, column: str) -> str:
        return f"`{column}`" if self.name == "spark" else f'"{column}"'

    def text(self, expression: str) -> str:
        """A cell as trimmed text, NULL when blank."""
        return f"NULLIF(TRIM(CAST({expression} AS {self.string})), '')"

    def integer(self, expression: str) -> str:
        """A cell as an integer; NULL when blank or not a whole number."""
        text = self.text(expression)
        cast = "CAST" if self.name == "spark" else "TRY_CAST"
        return f"CASE WHEN {text} RLIKE '^[0-9]+$' THEN {cast}({text} AS BIGINT) END" \
            if self.name == "spark" else \
            f"CASE WHEN regexp_full_match({text}, '[0-9]+') THEN {cast}({text} AS BIGINT) END"

    def field(self, packed: str, position: int) -> str:
        """Bits of a packed count: the ``position``-th 5-bit field."""
        div = "DIV" if self.name == "spark" else "//"
        return f"(({packed} {div} {_FIELD ** position}) % {_FIELD})"

    def bit(self, packed: str, bit: int) -> str:
        div = "DIV" if self.name == "spark" else "//"
        return f"(({packed} {div} {_MASK_SHIFT * 2 ** bit}) % 2)"


def _red_rows(compiled: Compiled) -> dict[int, list[int]]:
    """Cluster -> indexes (into compiled.rows) of its red rows, in grid order."""
    out: dict[int, list[int]] = {}
    for n, row in enumerate(compiled.rows):
        if row.colour == "red":
            out.setdefault(row.cluster, []).append(n)
    return out


def _block_values(compiled: Compiled, scales: list[str], red_bits: dict[int, int]) -> list[list[int]]:
    """Rows (index, packed value per cluster) of one block's table."""
    column_of = compiled.column_of
    inside = [(n, row) for n, row in enumerate(compiled.rows) if set(row.scales) <= set(scales)]
    table = []
    for index, combo in enumerate(itertools.product(range(_CODES), repeat=len(scales))):
        coded = dict(zip(reversed(scales), combo))  # the first scale varies fastest
        packed = [0] * len(compiled.clusters)
        for n, row in inside:
            value = row_truth(tuple(UNKNOWN_9 if coded[s] == 5 else coded[s] for s in row.scales),
                              row.allowed, row.reading)
            column = column_of[row.cluster]
            if row.colour == "red" and value is False:
                packed[column] += 1 + _MASK_SHIFT * 2 ** red_bits[n]
            elif row.colour == "red" and value is None:
                packed[column] += _FIELD
            elif row.colour == "orange" and value is False:
                packed[column] += _FIELD ** 2
            elif row.colour == "orange" and value is None:
                packed[column] += _FIELD ** 3
        table.append([index] + packed)
    return table


def _key(fails: str, misses: str, red_met: str, orange_met: str, column: int) -> str:
    """The kernel's rank key (5-bit fields, 8-bit column) by arithmetic."""
    return (f"(((({fails}) * 32 + ({misses})) * 32 + (31 - ({red_met}))) * 32 "
            f"+ (31 - ({orange_met}))) * 256 + {column}")


_FITS = ("fits", "weaker", "unknown", "no")


def _fit_word(index: str) -> str:
    """A fit (an index into _FITS: small integers travel the stages cheaper than text) as text."""
    return f"CASE {index} " + " ".join(f"WHEN {k} THEN {_literal(w)}"
                                       for k, w in enumerate(_FITS)) + " END"


def _least(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"LEAST({', '.join(items)})"


def _members(compiled: Compiled, name: str) -> set[int]:
    index = compiled.group_names.index(name)
    return {int(c) for c, m in zip(compiled.clusters, compiled.group_masks[index]) if m}


def allocation_sql(compiled: Compiled, dialect: str = "duckdb", table: str = "ratings",
                   order_by: str | None = None) -> str:
    """The query (see the module docstring) for ``compiled`` in ``dialect``; ``order_by`` names
    an input column to carry through and sort the output by (e.g. a row number)."""
    d = _Dialect(dialect)
    q = d.quote
    clusters = [int(c) for c in compiled.clusters]
    columns = range(len(clusters))
    scales = compiled.scales
    names = compiled.group_names
    red_rows = _red_rows(compiled)
    red_bits = {n: i for rows in red_rows.values() for i, n in enumerate(rows)}

    # 1. Read and code the ratings; name the first unreadable field.
    read = [f"CAST({q('id')} AS {d.string}) AS id"]
    read += [f"{d.text(q(s))} AS t_{i}" for i, s in enumerate(scales)]
    read += [f"{d.text(q('recorded_cluster'))} AS t_recorded", f"{d.text(q('group'))} AS given"]
    if order_by:
        read.append(f"{q(order_by)} AS mhct_order")
    coded = ["*"] + [
        f"CASE t_{i} WHEN '0' THEN 0 WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 "
        f"WHEN '4' THEN 4 ELSE 5 END AS k_{i}" for i in range(len(scales))]
    coded.append(f"{d.integer('t_recorded')} AS recorded_cluster")
    bad = " ".join(f"WHEN t_{i} NOT IN ('0', '1', '2', '3', '4', '9') THEN concat("
                   f"{_literal(s + ': rating must be 0-4, 9 or blank; got ' + chr(39))}, "
                   f"t_{i}, {_literal(chr(39))})" for i, s in enumerate(scales))
    groups_sql = ", ".join(map(_literal, names)) or "NULL"
    coded.append(
        f"CASE {bad} WHEN given IS NOT NULL AND given NOT IN ({groups_sql}) "
        f"THEN 'group: unknown decision-tree group' "
        f"WHEN t_recorded IS NOT NULL AND NOT regexp_like(t_recorded, '^[0-9]+$') "
        f"THEN 'recorded_cluster: must be a cluster number or blank' "
        f"WHEN t_recorded IS NOT NULL AND CAST(t_recorded AS BIGINT) NOT IN "
        f"({', '.join(map(str, compiled.numbers))}) "
        f"THEN 'recorded_cluster: not a cluster of the rule set' END AS error")
    if dialect == "duckdb":
        coded[-1] = coded[-1].replace("regexp_like(", "regexp_matches(")

    # 2. Block indexes, block tables, packed counts per cluster.
    position = {s: i for i, s in enumerate(scales)}
    blocks = [[scales[c] for c in block_columns] for block_columns, _ in compiled.blocks]
    indexed = ["*"] + [
        " + ".join(f"k_{position[s]} * {_CODES ** j}" for j, s in enumerate(block))
        + f" AS b_{b}" for b, block in enumerate(blocks)]
    tables = []
    for b, block in enumerate(blocks):
        values = ", ".join("(" + ", ".join(map(str, row)) + ")"
                           for row in _block_values(compiled, block, red_bits))
        header = ", ".join(["i"] + [f"p_{c}" for c in columns])
        tables.append(f"block_{b}({header}) AS (VALUES {values})")
    joins = " ".join(f"JOIN block_{b} ON block_{b}.i = indexed.b_{b}" for b in range(len(blocks)))
    packed = ["indexed.*"] + [
        " + ".join(f"block_{b}.p_{c}" for b in range(len(blocks))) + f" AS s_{c}"
        for c in columns]

    # 3. Counts, labels and keys per cluster.
    per = ["*"]
    for c in columns:
        per += [f"{d.field(f's_{c}', k)} AS {name}_{c}"
                for k, name in enumerate(("rf", "ru", "of", "ou"))]
    keyed = ["*"]
    for c in columns:
        red, orange = int(compiled.red_total[c]), int(compiled.orange_total[c])
        keyed += [
            f"CASE WHEN rf_{c} > 0 THEN 3 WHEN ru_{c} > 0 THEN 2 WHEN of_{c} > 0 "
            f"THEN 1 WHEN ou_{c} > 0 THEN 2 ELSE 0 END AS fit_{c}",  # an index into _FITS
            _key(f"CASE WHEN rf_{c} > 0 THEN 1 ELSE 0 END", f"of_{c}", f"{red} - rf_{c}",
                 f"{orange} - of_{c}", c) + f" AS best_{c}",
            _key(f"CASE WHEN rf_{c} + ru_{c} > 0 THEN 1 ELSE 0 END", f"of_{c} + ou_{c}",
                 f"{red} - rf_{c} - ru_{c}", f"{orange} - of_{c} - ou_{c}", c)
            + f" AS worst_{c}",
        ]

    # 4. The group: the record's own, else the recorded cluster's.
    groups = sorted(set(compiled.cluster_group.values()))
    by_recorded = " ".join(
        "WHEN recorded_cluster IN (" + ", ".join(
            str(n) for n, group in sorted(compiled.cluster_group.items()) if group == g)
        + f") THEN {_literal(g)}" for g in groups)
    grouped_clusters = ", ".join(map(str, sorted(compiled.cluster_group))) or "NULL"
    settle = [
        "*",
        f"CASE WHEN given IS NOT NULL THEN given {by_recorded} END AS settled",
        f"CASE WHEN given IS NOT NULL THEN 'record' "
        f"WHEN recorded_cluster IN ({grouped_clusters}) THEN 'recorded_cluster' "
        f"END AS settled_source",
    ]

    # 5. Interval dominance among the settled group's clusters that could fit.
    def live(c):
        within = [name for name in names if clusters[c] in _members(compiled, name)]
        member = f"settled IN ({', '.join(map(_literal, within))})" if within else "1 = 0"
        return f"({member} AND rf_{c} = 0)"

    leader = ["*", _least([f"CASE WHEN {live(c)} THEN best_{c} ELSE {_BIG} END"
                           for c in columns]) + " AS m1"]
    first = "(m1 % 256)"
    runner = ["*"] + [
        _least([f"CASE WHEN {live(c)} AND {first} <> {c} THEN best_{c} ELSE {_BIG} END"
                for c in columns]) + " AS m2",
        f"CASE {first} " + " ".join(f"WHEN {c} THEN worst_{c}" for c in columns)
        + " END AS first_worst",
        f"CASE {first} " + " ".join(f"WHEN {c} THEN rf_{c} + ru_{c}" for c in columns)
        + " END AS first_red_open",
        f"CASE {first} " + " ".join(f"WHEN {c} THEN fit_{c}" for c in columns)
        + " END AS first_fit",
        f"CASE {first} " + " ".join(f"WHEN {c} THEN {clusters[c]}" for c in columns)
        + " END AS first_cluster",
    ]
    zero_or_unknown = " AND ".join(f"k_{i} IN (0, 5)" for i in range(len(scales)))
    all_zero = " AND ".join(f"k_{i} = 0" for i in range(len(scales)))
    none_fit = " AND ".join(f"rf_{c} > 0" for c in columns)
    any_red_met = " OR ".join(f"(rf_{c} = 0 AND ru_{c} = 0)" for c in columns)
    decided = f"(m1 < {_BIG} AND first_red_open = 0 AND first_worst < m2)"
    variance = "NULL" if compiled.variance is None else str(compiled.variance)
    outcome = (
        f"CASE WHEN {all_zero} THEN 'no_rated_needs' "
        f"WHEN {zero_or_unknown} THEN 'further_assessment_required' "
        f"WHEN {none_fit} THEN 'variance' "
        f"WHEN settled IS NULL THEN 'group_needed' "
        f"WHEN m1 = {_BIG} THEN 'no_fit_in_group' "
        f"WHEN {decided} AND first_fit IN (0, 1) THEN {_fit_word('first_fit')} "
        f"ELSE 'further_assessment_required' END")
    suggested = (
        f"CASE WHEN {zero_or_unknown} THEN NULL WHEN {none_fit} THEN {variance} "
        f"WHEN settled IS NULL OR m1 = {_BIG} THEN NULL WHEN {decided} THEN first_cluster END")

    # 6. The recorded cluster: its fit, red-rule adherence, orange misses and red breaches.
    fit_cases = " ".join(f"WHEN {clusters[c]} THEN {_fit_word(f'fit_{c}')}" for c in columns)
    variance_fit = (f"WHEN {compiled.variance} THEN 'variance' "
                    if compiled.variance is not None else "")
    recorded_fit = (f"CASE WHEN recorded_cluster IS NULL THEN NULL ELSE CASE recorded_cluster "
                    f"{fit_cases} {variance_fit}ELSE 'not_allocatable' END END")
    adheres_cases = " ".join(
        f"WHEN {clusters[c]} THEN CASE WHEN rf_{c} > 0 THEN 'false' WHEN ru_{c} > 0 "
        f"THEN 'unknown' ELSE 'true' END" for c in columns)
    variance_adheres = (
        f"WHEN {compiled.variance} THEN CASE WHEN {none_fit} THEN 'true' "
        f"WHEN {any_red_met} THEN 'false' ELSE 'unknown' END "
        if compiled.variance is not None else "")
    adheres = (f"CASE WHEN recorded_cluster IS NULL THEN NULL ELSE CASE recorded_cluster "
               f"{adheres_cases} {variance_adheres}ELSE 'false' END END")
    misses = " ".join(f"WHEN {clusters[c]} THEN of_{c}" for c in columns)
    breach_cases = []
    for c in columns:
        parts = [f"CASE WHEN {d.bit(f's_{c}', red_bits[n])} = 1 THEN "
                 f"{_literal(';' + compiled.rows[n].label)} ELSE '' END"
                 for n in red_rows.get(clusters[c], [])]
        if parts:
            breach_cases.append(f"WHEN {clusters[c]} THEN concat({', '.join(parts)})")
    breaches = (f"SUBSTRING(CASE recorded_cluster {' '.join(breach_cases)} ELSE '' END, 2)"
                if breach_cases else "''")

    ok = "error IS NULL"
    final = [
        "id", "error",
        f"CASE WHEN {ok} THEN settled END AS {q('group')}",
        f"CASE WHEN {ok} THEN settled_source END AS group_source",
        f"CASE WHEN {ok} THEN {outcome} END AS outcome",
        f"CASE WHEN {ok} THEN {suggested} END AS suggested",
        "recorded_cluster",
        f"CASE WHEN {ok} THEN {recorded_fit} END AS recorded_fit",
        f"CASE WHEN {ok} THEN {adheres} END AS recorded_adheres",
        f"CASE WHEN {ok} AND recorded_cluster IS NOT NULL "
        f"THEN COALESCE(CASE recorded_cluster {misses} END, 0) END AS orange_mismatches",
        f"CASE WHEN {ok} AND recorded_cluster IS NOT NULL THEN {breaches} END AS red_breaches",
    ] + [f"CASE WHEN {ok} THEN {_fit_word(f'fit_{c}')} END AS fit_{clusters[c]}"
         for c in columns]
    if order_by:
        final.append("mhct_order")

    def stage(name, select, source):
        # Not MATERIALIZED: DuckDB (2.0) runs the inlined stages 1.4-1.5× faster at 1e6 rows than
        # with the wide middle stages materialised, on one thread or two.
        return f"{name} AS (\n  SELECT {', '.join(select)}\n  FROM {source}\n)"

    ctes = tables + [
        stage("raw_input", read, table),
        stage("coded", coded, "raw_input"),
        stage("indexed", indexed, "coded"),
        stage("packed", packed, "indexed " + joins),
        stage("counted", per, "packed"),
        stage("keyed", keyed, "counted"),
        stage("grouped", settle, "keyed"),
        stage("led", leader, "grouped"),
        stage("decided", runner, "led"),
    ]
    return (f"-- mhct: allocation and red-rule adherence; rule set fingerprint "
            f"{compiled.fingerprint}\nWITH " + ",\n".join(ctes) + "\nSELECT "
            + ",\n  ".join(final) + "\nFROM decided"
            + ("\nORDER BY mhct_order" if order_by else "") + "\n")
