"""`mhct audit --engine duckdb` gives the default engine's answers on awkward CSV: empty lines
(DuckDB's reader skips them; error records still name the file's row) and cells padded with
whitespace other than spaces (the default engine strips what Python's ``str.strip`` strips;
SQL's ``TRIM`` strips only spaces)."""

from __future__ import annotations

import io
import json

import pytest

from mhct_dsl.audit import run_audit
from mhct_dsl.sql import WHITESPACE

from evalkit import national_ruleset

RULES = national_ruleset()
SCALES = "1 2 3 4 5 6 7 8 9 10 11 12 13 A B C D E".split()
HEADER = ",".join(["id", "date", *SCALES, "recorded_cluster", "group"])


def _row(record_id: str, ten: str = "2", date: str = "2014-01-13", recorded: str = "7",
         group: str = "non_psychotic", thirteen: str = "0") -> str:
    # cluster 7's only red row (2013/14) is scale 10 at 2..4
    cells = {s: "0" for s in SCALES} | {"10": ten, "13": thirteen}
    return ",".join([record_id, date, *cells.values(), recorded, group])


LINES = [
    HEADER,                                                           # row 1
    "",
    _row("plain"),                                                    # row 3
    "",
    "",
    _row("\ttabbed\t", ten="\t3"),                                    # row 6: 3, adheres
    _row("\u3000wide\u00a0", ten="1\x0b"),                            # row 7: 1, breaches row 10
    "",
    _row("dated", date="\t2014-01-13\x0c ", recorded="\t7\x0c",
         group="\x1fnon_psychotic\t", thirteen="\u20039\u2029"),      # row 9
    _row("\t\t\u00a0"),                                               # row 10: no id
    "",
    _row("seven", ten="\t7"),                                         # row 12: not a rating
    _row("late", date="\t2014-02-30"),                                # row 13: not a date
    "",
    "",
    _row("last", ten="\x1c4\x1d", recorded=" 7\u2028"),               # row 16
]


def _audit(path, engine: str, fmt: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    run_audit(RULES, str(path), fmt, engine, out, err)
    return out.getvalue()


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_duckdb_audit_equals_the_default_engines_on_empty_lines_and_whitespace(tmp_path, ending):
    pytest.importorskip("duckdb")
    path = tmp_path / "awkward.csv"
    path.write_bytes((ending.join(LINES) + ending).encode("utf-8"))
    default = json.loads(_audit(path, "default", "json"))
    assert json.loads(_audit(path, "duckdb", "json")) == default
    assert _audit(path, "duckdb", "csv") == _audit(path, "default", "csv")
    records = {r["id"]: r for r in default["records"] if "error" not in r}
    # "\t3" is read as 3 (cluster 7's red row met), "1\v" as 1 (not met)
    assert (records["tabbed"]["recorded_adheres"], records["tabbed"]["red_breaches"]) == (
        True, [])
    assert (records["wide"]["recorded_adheres"], records["wide"]["red_breaches"]) == (
        False, ["10"])
    assert list(records) == ["plain", "tabbed", "wide", "dated", "last"]
    assert records["dated"]["group_source"] == "record"
    errors = [(r["id"], r["error"]) for r in default["records"] if "error" in r]
    assert errors == [
        (None, {"field": "id", "message": "is required", "row": 10}),
        ("seven", {"field": "10", "message": "rating must be 0-4, 9 or blank; got '7'",
                   "row": 12}),
        ("late", {"field": "date", "message": "not a calendar date: '\\t2014-02-30'",
                  "row": 13}),
    ]


def test_the_sql_strips_what_python_strips():
    assert WHITESPACE == "".join(ch for ch in map(chr, range(0x110000)) if ch.isspace())


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("block", [1, 2, 3, 5, 1 << 22])
def test_the_empty_lines_are_found_across_blocks(tmp_path, monkeypatch, ending, block):
    from mhct_dsl.audit_duckdb import _FileLines

    path = tmp_path / "awkward.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (ending.join(["", *LINES]) + ending).encode("utf-8"))
    monkeypatch.setattr(_FileLines, "_BLOCK", block)
    lines = _FileLines(str(path))
    assert lines._scan() == ([1, 3, 5, 6, 9, 12, 15, 16], 17)
    # DuckDB's rows (header 2: the leading empty line is skipped) -> the file's lines
    assert [lines(n) for n in (1, 2, 3, 4, 5, 8, 9)] == [2, 4, 7, 8, 10, 14, 17]
    assert lines.rows() == 9
    # line 8 rejected by DuckDB: not numbered, and it comes after row 3 (line 7)
    rejected = _FileLines(str(path), [8])
    assert [rejected(n) for n in (3, 4, 8)] == [7, 10, 17]
    assert (rejected.rows(), rejected.after(8)) == (8, 3.5)


BROKEN = [
    "", " \t",                                                        # rows 1-2: before the header
    HEADER,                                                           # row 3
    _row("plain"),
    _row("short").rsplit(",", 5)[0],                                  # row 5: 17 cells
    "   ",                                                            # row 6: no record
    _row("long") + ",extra",                                          # row 7: 23 cells
    "",
    '"quoted"b,' + _row("x").split(",", 1)[1],                        # row 9: a quote, then text
    _row("seven", ten="7"),                                           # row 10
    "\t",
    _row("last", ten="1"),                                            # row 12
]


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_duckdb_audit_equals_the_default_engines_on_broken_rows(tmp_path, ending):
    pytest.importorskip("duckdb")
    path = tmp_path / "broken.csv"
    data = (ending.join(BROKEN) + ending).encode("utf-8")
    path.write_bytes(data.replace(b"\nlast", b"\nl\xffst"))  # a byte that is not UTF-8
    default = json.loads(_audit(path, "default", "json"))
    assert json.loads(_audit(path, "duckdb", "json")) == default
    assert _audit(path, "duckdb", "csv") == _audit(path, "default", "csv")
    assert [(r["id"], r["error"]["row"], r["error"]["message"]) if "error" in r else r["id"]
            for r in default["records"]] == [
        "plain",
        ("short", 5, "has 17 cells; the header has 22"),
        ("long", 7, "has 23 cells; the header has 22"),
        (None, 9, "unreadable CSV row: ',' expected after '\"'"),
        ("seven", 10, "rating must be 0-4, 9 or blank; got '7'"),
        (None, 12, "unreadable CSV row: not UTF-8 text: byte 0xff (column 2); save the file as "
                   "UTF-8"),
    ]


@pytest.mark.parametrize("header", [
    HEADER.replace("date,", ""), HEADER + ",notes", HEADER + ",id", "\n" + HEADER.replace("A", "a"),
], ids=["missing", "unexpected", "duplicate", "after-a-blank-line"])
def test_both_engines_report_a_bad_header_as_one_error_record(tmp_path, header):
    pytest.importorskip("duckdb")
    path = tmp_path / "header.csv"
    path.write_text(header + "\n" + _row("plain") + "\n")
    default = json.loads(_audit(path, "default", "json"))
    assert json.loads(_audit(path, "duckdb", "json")) == default
    [record] = default["records"]
    assert (record["id"], record["error"]["field"]) == (None, "header")
    assert record["error"]["row"] == header.count("\n") + 1


@pytest.mark.parametrize("text, says", [
    ("\n".join([HEADER, _row("plain"), _row('"two\nlines"'), _row("last")]),
     "row 3 of {path} has a quoted cell that does not end on its line"),
    ("\n".join([HEADER, _row("plain"), _row("one\rline"), _row("last")]),
     "cannot read {path}"),
    ("\n \n" + "\r\n".join([HEADER, _row("plain"), _row("last")]),
     "reads {path} as 0 row(s) of records where the default engine reads 2 (do its line endings "
     "change within the file?)"),
], ids=["quoted-line-break", "lone-cr", "line-endings-change"])
def test_duckdb_refuses_a_csv_it_would_read_otherwise_and_says_what_to_do(tmp_path, text, says):
    # the default engine reads one row a line, both breaks included; DuckDB cannot
    pytest.importorskip("duckdb")
    path = tmp_path / "lines.csv"
    path.write_bytes((text + "\n").encode("utf-8"))
    with pytest.raises(ValueError) as refusal:
        _audit(path, "duckdb", "json")
    assert says.format(path=path) in str(refusal.value)
    assert "use the default engine" in str(refusal.value)


def test_a_parquet_files_column_names_are_checked_as_a_csv_header(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    csv_path, parquet = tmp_path / "no-date.csv", tmp_path / "no-date.parquet"
    csv_path.write_text(HEADER.replace("date,", "") + "\n" + _row("plain").replace(
        "2014-01-13,", "") + "\n")
    duckdb.execute(f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar = true)) "
                   f"TO '{parquet}' (FORMAT parquet)")
    audit = json.loads(_audit(parquet, "duckdb", "json"))
    assert audit == json.loads(_audit(csv_path, "default", "json"))
    assert audit["records"][0]["error"]["message"].startswith("missing column(s): date")
