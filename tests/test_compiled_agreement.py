"""Compiled = interpreter = DuckDB SQL = Spark SQL, on random rule sets and on seeded records.

The interpreter (`allocation.allocate`) is the reference. The compiled kernel, the CSV it writes,
the audit records and the generated SQL must give exactly its answers: every cluster's fit, the
ranking, the group and where it came from, outcome, suggestion and the recorded cluster's fit and
red-rule adherence.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiledkit import ratings, rule_sets
from evalkit import national_ruleset
from mhct_dsl.allocation import allocate
from mhct_dsl.audit import run_audit
from mhct_dsl.batch import run_allocate
from mhct_dsl.compiled import LABELS, OUTCOMES, compile_ruleset, encode_rating, evaluate
from mhct_dsl.compiled.kernel import GROUP_SOURCES, NONE
from mhct_dsl.editions import Editions
from mhct_dsl.records import RecordError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synthetic  # noqa: E402

RULES = national_ruleset()


def _interpreted(ruleset, record, group, recorded):
    result = allocate(ruleset, record, group, recorded_cluster=recorded)
    return {
        "fits": {c.cluster: c.fit for c in result.candidates},
        "order": [c.cluster for c in result.candidates],
        "suggested": result.suggested, "outcome": result.outcome, "group": result.group,
        "group_source": result.group_source, "recorded_fit": result.recorded_fit,
        "recorded_adheres": result.recorded_adheres,
    }


def _compiled(ruleset, record, group, recorded):
    compiled = compile_ruleset(ruleset)
    codes = np.array([[encode_rating(record.get(s)) for s in compiled.scales]], dtype=np.uint8)
    index = np.array([NONE if group is None else compiled.group_names.index(group)])
    batch = evaluate(compiled, codes, index, np.array([NONE if group is None else 1]),
                     np.array([NONE if recorded is None else recorded]))
    labels = batch.label()[0]
    source = int(batch.group_source[0])
    adheres = {1: True, 0: False, NONE: None}[int(batch.recorded_adheres[0])]
    column = compiled.column_of
    recorded_fit = None if recorded is None else (
        LABELS[labels[column[recorded]]] if recorded in column else
        "variance" if recorded == compiled.variance else "not_allocatable")
    group_index = int(batch.group[0])
    return {
        "fits": {int(c): LABELS[labels[i]] for i, c in enumerate(compiled.clusters)},
        "order": [int(compiled.clusters[i]) for i in batch.order()[0]],
        "suggested": None if batch.suggested[0] == NONE else int(batch.suggested[0]),
        "outcome": OUTCOMES[batch.outcome[0]],
        "group": None if group_index == NONE else compiled.group_names[group_index],
        "group_source": None if source == NONE else GROUP_SOURCES[source],
        "recorded_fit": recorded_fit, "recorded_adheres": adheres,
    }


@settings(max_examples=300, deadline=None)
@given(rule_sets(), ratings(), st.data())
def test_compiled_equals_interpreter_on_random_rule_sets(ruleset, record, data):
    groups = [g.name for g in ruleset.tree.groups]
    group = data.draw(st.one_of(st.none(), st.sampled_from(groups)))
    recorded = data.draw(st.one_of(st.none(), st.sampled_from(sorted(ruleset.clusters))))
    assert _compiled(ruleset, record, group, recorded) == _interpreted(ruleset, record, group,
                                                                       recorded)


@pytest.fixture(scope="module")
def seeded_csv(tmp_path_factory):
    """5,000 seeded synthetic assessments (benchmarks/synthetic.py) with a few bad rows mixed in."""
    assert RULES is not None, "the national rules must load"
    out = io.StringIO()
    synthetic.write(out, 5000, 2013, "csv")
    lines = out.getvalue().splitlines()
    cells = lines[10].split(",")
    lines[10] = ",".join(cells[:5] + ["7"] + cells[6:])  # scale 4 rated 7
    lines[20] = lines[20] + ",extra"
    lines[30] = ""
    path = tmp_path_factory.mktemp("seeded") / "seeded.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _allocate_csv(path, compiled: bool, editions=None) -> str:
    out, err = io.StringIO(), io.StringIO()
    run_allocate(RULES if editions is None else editions.latest(), str(path), "csv", out, err,
                 choose=editions and editions.for_allocation, compiled=compiled)
    return out.getvalue() + err.getvalue()


def test_compiled_csv_equals_interpreter_csv_on_5000_seeded_records(seeded_csv):
    compiled = _allocate_csv(seeded_csv, compiled=True)
    assert compiled == _allocate_csv(seeded_csv, compiled=False)
    assert "failed: 2" in compiled


def test_with_the_booklet_in_force_per_record_compiled_csv_equals_interpreter_csv(tmp_path):
    """The CLI's default: each record gets the national edition in force on its date (the
    seeded dates span 2012-13 and 2013-14; one row predates every booklet)."""
    out = io.StringIO()
    synthetic.write(out, 1500, 7, "csv")
    lines = out.getvalue().splitlines()
    cells = lines[5].split(",")
    lines[5] = ",".join(cells[:1] + ["2001-01-01"] + cells[2:])
    path = tmp_path / "dated.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    editions = Editions()
    compiled = _allocate_csv(path, True, editions)
    assert compiled == _allocate_csv(path, False, editions)
    assert "before the earliest national booklet" in compiled


def _audit(path, engine: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    run_audit(RULES, str(path), "json", engine, out, err)
    return json.loads(out.getvalue())


def _valid_rows(path) -> Path:
    """The seeded file without its deliberately bad rows (DuckDB's error messages are shorter)."""
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    keep = rows[:1] + [r for r in rows[1:] if len(r) == len(rows[0]) and "7" not in r[2:20]]
    target = path.with_name("valid.csv")
    with open(target, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(keep)
    return target


def test_duckdb_audit_equals_compiled_audit_on_5000_seeded_records(seeded_csv):
    pytest.importorskip("duckdb")
    valid = _valid_rows(seeded_csv)
    compiled = _audit(valid, "default")
    assert _audit(valid, "duckdb") == compiled
    assert compiled["summary"]["audited"] > 2500


def test_duckdb_audit_of_integer_parquet_equals_compiled_audit_of_the_csv(seeded_csv, tmp_path):
    """Parquet ratings held as integers are read as numbers (not through text): same records."""
    duckdb = pytest.importorskip("duckdb")
    valid = _valid_rows(seeded_csv)
    parquet = tmp_path / "seeded.parquet"
    integers = ", ".join(f'CAST("{s}" AS TINYINT) AS "{s}"'
                         for s in (*compile_ruleset(RULES).scales, "recorded_cluster"))
    duckdb.connect().execute(f"COPY (SELECT * REPLACE ({integers}) FROM read_csv('{valid}', "
                             f"all_varchar = true)) TO '{parquet}' (FORMAT parquet)")
    assert _audit(parquet, "duckdb") == _audit(valid, "default")


def _sql_rows(connection, query):
    result = connection.execute(query)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def _expected_from_interpreter(ruleset, records):
    """The SQL output columns, computed by the interpreter."""
    out = []
    for record_id, ratings_, group, recorded in records:
        try:
            got = _interpreted(ruleset, ratings_, group, recorded)
        except RecordError:
            continue
        adheres = got["recorded_adheres"]
        out.append({"id": record_id, "outcome": got["outcome"], "suggested": got["suggested"],
                    "group": got["group"], "recorded_fit": got["recorded_fit"],
                    "recorded_adheres": None if recorded is None else
                    {True: "true", False: "false"}.get(adheres, "unknown"),
                    **{f"fit_{c}": fit for c, fit in got["fits"].items()}})
    return out


def _table(ruleset, records):
    scales = compile_ruleset(ruleset).scales
    header = ["id", *scales, "recorded_cluster", "group"]
    rows = [[record_id, *[None if r.get(s) is None else str(r[s]) for s in scales],
             None if recorded is None else str(recorded), group]
            for record_id, r, group, recorded in records]
    return header, rows


def _pick(rows, keys):
    return [{k: row[k] for k in keys} for row in rows]


@settings(max_examples=25, deadline=None)
@given(rule_sets(), st.lists(ratings(), min_size=1, max_size=12), st.data())
def test_duckdb_sql_equals_interpreter_on_random_rule_sets(ruleset, ratings_list, data):
    duckdb = pytest.importorskip("duckdb")
    from mhct_dsl.sql import allocation_sql

    groups = [None] + [g.name for g in ruleset.tree.groups]
    records = [(f"r{i}", r, data.draw(st.sampled_from(groups)),
                data.draw(st.one_of(st.none(), st.sampled_from(sorted(ruleset.clusters)))))
               for i, r in enumerate(ratings_list)]
    expected = _expected_from_interpreter(ruleset, records)
    header, rows = _table(ruleset, records)
    compiled = compile_ruleset(ruleset)
    integers = (*compiled.scales, "recorded_cluster")
    connection = duckdb.connect()
    columns = ", ".join(f'"{h}" VARCHAR' for h in header)
    connection.execute(f"CREATE TABLE ratings ({columns}, n INTEGER)")
    connection.executemany(f"INSERT INTO ratings VALUES ({', '.join('?' * (len(header) + 1))})",
                           [row + [i] for i, row in enumerate(rows)])
    # The same records with the ratings and recorded cluster as integers (as Parquet holds them).
    connection.execute("CREATE TABLE typed AS SELECT * REPLACE ("
                       + ", ".join(f'CAST("{h}" AS TINYINT) AS "{h}"' for h in integers)
                       + ") FROM ratings")
    keys = expected[0].keys() if expected else ()
    got = _sql_rows(connection, allocation_sql(compiled, "duckdb", "ratings", "n"))
    assert _pick(got, keys) == expected
    got = _sql_rows(connection, allocation_sql(compiled, "duckdb", "typed", "n", integers))
    assert _pick(got, keys) == expected


_ALLOCATION_COLUMNS = ("group", "group_source", "outcome", "suggested", "recorded_fit",
                       "recorded_adheres", "orange_mismatches", "red_breaches", "fit_1", "fit_21")
# Rows of the national rule set, unreadable but the last: (cells, recorded_cluster, group, error,
# whether an integer-typed table can hold it).
_BAD_ROWS = [
    ({"4": "7"}, "3", None, "4: rating must be 0-4, 9 or blank; got '7'", True),
    ({"E": " x "}, None, None, "E: rating must be 0-4, 9 or blank; got 'x'", False),
    ({}, None, "nonsense", "group: unknown decision-tree group", True),
    ({}, "abc", None, "recorded_cluster: must be a cluster number or blank", False),
    ({}, "-1", None, "recorded_cluster: must be a cluster number or blank", True),
    ({}, "99", None, "recorded_cluster: not a cluster of the rule set", True),
    ({}, "123456789012345678901234567890", None,
     "recorded_cluster: not a cluster of the rule set", False),
    ({"E": "0000000003"}, None, None, "E: rating must be 0-4, 9 or blank; got '0000000003'",
     False),
    ({"9": " 2 ", "4": "03", "A": "009"}, " 3 ", None, None, False),  # read as the interpreter
    ({}, "3", None, None, True),
    # stripped of whitespace as Python's str.strip() strips it (SQL's TRIM strips spaces only)
    ({"E": "\tx\u00a0"}, None, None, "E: rating must be 0-4, 9 or blank; got 'x'", False),
    ({"9": "\t2\x0b", "A": "\u30004\u2029"}, "\t3\x0c", "\x1fnon_psychotic\t", None, False),
]


def _bad_table(connection, integers: bool) -> dict[str, str | None]:
    """Table ``bad``; returns id -> the error the query must name."""
    scales = compile_ruleset(RULES).scales
    kind = "TINYINT" if integers else "VARCHAR"
    connection.execute("CREATE TABLE bad (id VARCHAR, "
                       + ", ".join(f'"{s}" {kind}' for s in scales)
                       + f', recorded_cluster {"BIGINT" if integers else "VARCHAR"}, '
                         '"group" VARCHAR, n INTEGER)')
    errors = {}
    for n, (cells, recorded, group, error, typed) in enumerate(_BAD_ROWS):
        if integers and not typed:
            continue
        connection.execute(f"INSERT INTO bad VALUES ({', '.join('?' * (len(scales) + 4))})",
                           [f"b{n}", *[cells.get(s, "1") for s in scales], recorded, group, n])
        errors[f"b{n}"] = error
    return errors


@pytest.mark.parametrize("integers", [False, True], ids=["text", "integer"])
def test_duckdb_sql_names_the_first_unreadable_field_and_leaves_the_rest_null(integers):
    duckdb = pytest.importorskip("duckdb")
    from mhct_dsl.sql import allocation_sql

    connection = duckdb.connect()
    wanted = _bad_table(connection, integers)
    compiled = compile_ruleset(RULES)
    query = allocation_sql(compiled, "duckdb", "bad", "n",
                           (*compiled.scales, "recorded_cluster") if integers else ())
    got = {row["id"]: row for row in _sql_rows(connection, query)}
    assert {k: row["error"] for k, row in got.items()} == wanted
    assert len(wanted) == (5 if integers else 12)
    _assert_only_errors_null(got, wanted)



def test_duckdb_sql_small_set_columns_are_enums_that_read_and_sort_as_their_text():
    duckdb = pytest.importorskip("duckdb")
    from mhct_dsl.sql import allocation_sql

    connection = duckdb.connect()
    header, rows = _table(RULES, [(f"r{i}", record["assessments"][0]["ratings"],
                                   record.get("group"), record.get("recorded_cluster"))
                                  for i, record in enumerate(synthetic.records(300, 5))])
    connection.execute("CREATE TABLE ratings (" + ", ".join(f'"{h}" VARCHAR' for h in header)
                       + ")")
    connection.executemany(f"INSERT INTO ratings VALUES ({', '.join('?' * len(header))})", rows)
    connection.execute("CREATE TABLE result AS "
                       + allocation_sql(compile_ruleset(RULES), "duckdb", "ratings"))
    types = dict(connection.execute("SELECT column_name, data_type FROM "
                                    "information_schema.columns WHERE table_name = 'result'"
                                    ).fetchall())
    words = {"fits", "weaker", "unknown", "no"}
    assert types["fit_1"] == "ENUM(" + ", ".join(f"'{w}'" for w in sorted(words)) + ")"
    small = ["group", "group_source", "outcome", "recorded_fit", "recorded_adheres", "fit_21"]
    assert [types[c].startswith("ENUM(") for c in small] == [True] * len(small)
    assert [types[c] for c in ("id", "error", "red_breaches")] == ["VARCHAR"] * 3
    for column in small:
        as_text = connection.execute(f'SELECT CAST("{column}" AS VARCHAR) FROM result '
                                     f'ORDER BY "{column}", id').fetchall()
        assert as_text == connection.execute(
            f'SELECT CAST("{column}" AS VARCHAR) AS t FROM result ORDER BY t, id').fetchall()
        assert len({value for value, in as_text}) > 1


def _assert_only_errors_null(got: dict, wanted: dict) -> None:
    """An unreadable row's allocation columns are all NULL; a readable row's are filled in."""
    failed = [got[k] for k, error in wanted.items() if error]
    assert {c: row[c] for row in failed for c in _ALLOCATION_COLUMNS} == dict.fromkeys(
        _ALLOCATION_COLUMNS)
    ok = [got[k] for k, error in wanted.items() if not error]
    assert ok and all(row["outcome"] and row["group"] and row["fit_1"] for row in ok)


def test_spark_sql_equals_interpreter_on_seeded_records():
    pyspark = pytest.importorskip(
        "pyspark", reason="Spark SQL agreement needs the [spark] extra (pip install -e '.[spark]')")
    if shutil.which("java") is None:
        pytest.skip("Spark SQL agreement needs Java (apt-get install -y default-jre-headless)")
    from pyspark.sql import SparkSession

    from mhct_dsl.sql import allocation_sql

    records = []
    for i, record in enumerate(synthetic.records(400, 16)):
        ratings_ = record["assessments"][0]["ratings"]
        records.append((record["id"], ratings_, record.get("group"),
                        record.get("recorded_cluster")))
    expected = _expected_from_interpreter(RULES, records)
    header, rows = _table(RULES, records)
    spark = (SparkSession.builder.master("local[1]").appName("mhct-agreement")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
             .getOrCreate())
    try:
        frame = spark.createDataFrame([row + [i] for i, row in enumerate(rows)],
                                      schema=", ".join(f"`{h}` string" for h in header)
                                      + ", n int")
        frame.createOrReplaceTempView("ratings")
        query = allocation_sql(compile_ruleset(RULES), "spark", "ratings", "n")
        got = [row.asDict() for row in spark.sql(query).collect()]
        scales = compile_ruleset(RULES).scales
        bad = spark.createDataFrame(
            [[f"b{n}", *[cells.get(s, "1") for s in scales], recorded, group, n]
             for n, (cells, recorded, group, _, _) in enumerate(_BAD_ROWS)],
            schema=", ".join(f"`{h}` string" for h in header) + ", n int")
        bad.createOrReplaceTempView("bad")
        got_bad = {row["id"]: row.asDict() for row in spark.sql(
            allocation_sql(compile_ruleset(RULES), "spark", "bad", "n")).collect()}
    finally:
        spark.stop()
    assert pyspark.__version__
    assert _pick(got, expected[0].keys()) == expected
    wanted = {f"b{n}": error for n, (_, _, _, error, _) in enumerate(_BAD_ROWS)}
    assert {k: row["error"] for k, row in got_bad.items()} == wanted
    _assert_only_errors_null(got_bad, wanted)
