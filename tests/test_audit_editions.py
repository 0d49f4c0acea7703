"""`mhct audit` without --rules judges each record by the national booklet in force on its date,
as `mhct allocate` does (docs/scale.md); `--engine duckdb` uses the one booklet in force on all
the records' dates, or refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mhct_dsl.cli import main

HEADER = "id,date,1,2,3,4,5,6,7,8,9,10,11,12,13,A,B,C,D,E,recorded_cluster,group\n"


def _row(record_id: str, date: str, thirteen: int) -> str:
    # cluster 7's only red row in 2013/14 is scale 10 at 2..4; 2012/13 adds scale 13 at 3..4
    ratings = {"10": 2, "13": thirteen}
    cells = [str(ratings.get(s, 0)) for s in
             ("1 2 3 4 5 6 7 8 9 10 11 12 13 A B C D E".split())]
    return f"{record_id},{date},{','.join(cells)},7,non_psychotic\n"


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "records.csv"
    path.write_text(HEADER + "".join(rows), "utf-8")
    return path


def _audit(capsys, *args) -> tuple[int, dict, str]:
    status = main(["audit", *args])
    captured = capsys.readouterr()
    return status, json.loads(captured.out) if captured.out else {}, captured.err


def _verdicts(data: dict) -> dict[str, tuple]:
    return {r["id"]: (r["recorded_adheres"], r["red_breaches"]) for r in data["records"]}


def test_each_record_is_judged_by_the_booklet_in_force_on_its_date(tmp_path, capsys):
    path = _write(tmp_path, _row("old", "2013-03-31", 1), _row("new", "2013-04-01", 1))
    status, data, err = _audit(capsys, str(path))
    assert status == 0
    # 2012/13: 13=1 misses cluster 7's red 3..4; from 2013-04-01 scale 13 is no red row
    assert _verdicts(data) == {"old": (False, ["13"]), "new": (True, [])}
    editions = [(e["version"], e["effective"], e["audited"]) for e in data["summary"]["editions"]]
    assert editions == [("2012/13 (reconstructed)", "2012-04-01", 1),
                        ("V3.0 (2013/14)", "2013-04-01", 1)]
    assert "judged by: Mental Health Clustering Booklet 2012/13 (reconstructed) (1), " in err
    # --rules judges every record by the set named, whatever its date
    _, named, err = _audit(capsys, "--rules", str(Path(__file__).parent.parent / "rules"),
                          str(path))
    assert _verdicts(named) == {"old": (True, []), "new": (True, [])}
    assert [e["version"] for e in named["summary"]["editions"]] == ["V3.0 (2013/14)"]
    assert "judged by" not in err


def test_a_record_before_every_booklet_is_an_error_record(tmp_path, capsys):
    path = _write(tmp_path, _row("early", "2011-06-01", 1), _row("new", "2014-01-01", 1))
    status, data, _ = _audit(capsys, str(path), "--format", "json")
    assert status == 1
    assert data["records"][0]["id"] == "early"
    assert "before the earliest national booklet" in data["records"][0]["error"]["message"]
    assert _verdicts({"records": data["records"][1:]}) == {"new": (True, [])}


def test_duckdb_uses_the_one_booklet_in_force_or_refuses(tmp_path, capsys):
    pytest.importorskip("duckdb")
    path = _write(tmp_path, _row("a", "2012-05-01", 1), _row("b", "2013-03-01", 4))
    status, data, _ = _audit(capsys, "--engine", "duckdb", str(path))
    assert status == 0
    assert _verdicts(data) == {"a": (False, ["13"]), "b": (True, [])}
    assert data["ruleset"]["version"] == "2012/13 (reconstructed)"
    path = _write(tmp_path, _row("a", "2013-03-01", 1), _row("b", "2013-04-01", 1))
    status, data, err = _audit(capsys, "--engine", "duckdb", str(path))
    assert status == 2 and data == {}
    assert ("span the national booklets 2012/13 (reconstructed) (from 2012-04-01) and "
            "V3.0 (2013/14) (from 2013-04-01): use the default engine") in err
    path = _write(tmp_path, _row("a", "2011-03-01", 1))
    status, _, err = _audit(capsys, "--engine", "duckdb", str(path))
    assert status == 2 and "before the earliest national booklet" in err


BAD_DATES = (_row("ok", "2014-01-13", 1) + _row("feb30", "2014-02-30", 1)
             + _row("short", "2013-3-1", 1) + _row("blank", "", 1))
BAD_DATE_ERRORS = {"feb30": "not a calendar date: '2014-02-30'",
                   "short": "expected a date as YYYY-MM-DD, got '2013-3-1'",
                   "blank": "expected a date as YYYY-MM-DD, got ''"}


@pytest.mark.parametrize("rules", [[], ["--rules", str(Path(__file__).parent.parent / "rules")]])
@pytest.mark.parametrize("engine", ["default", "duckdb"])
def test_an_unreadable_date_is_an_error_record_on_date(tmp_path, capsys, engine, rules):
    # DuckDB would read 2013-3-1 as a 2012/13 date and refuse to mix booklets; it is no date here
    if engine == "duckdb":
        pytest.importorskip("duckdb")
    path = _write(tmp_path, BAD_DATES)
    status, data, _ = _audit(capsys, "--engine", engine, *rules, str(path))
    assert status == 1
    assert [r["id"] for r in data["records"]] == ["ok", "feb30", "short", "blank"]
    errors = {r["id"]: (r["error"]["field"], r["error"]["message"], r["error"]["row"])
              for r in data["records"][1:]}
    assert errors == {key: ("date", message, row)
                      for row, (key, message) in enumerate(BAD_DATE_ERRORS.items(), start=3)}
    assert data["records"][0]["recorded_adheres"] is True
    assert data["ruleset"]["version"] == "V3.0 (2013/14)"


@pytest.mark.parametrize("rules", [[], ["--rules", str(Path(__file__).parent.parent / "rules")]])
def test_both_engines_report_a_missing_date_column_alike(tmp_path, capsys, rules):
    pytest.importorskip("duckdb")
    path = tmp_path / "records.csv"
    path.write_text(HEADER.replace("id,date,", "id,") + _row("a", "", 1).replace("a,,", "a,"))
    default = _audit(capsys, *rules, str(path))
    assert _audit(capsys, "--engine", "duckdb", *rules, str(path)) == default
    status, data, _ = default
    assert status == 1
    assert data["records"] == [{"id": None, "error": {
        "field": "header", "row": 1, "message": "missing column(s): date (leave cells blank for "
        "ratings not made, or 9 for not known)"}}]
    assert data["ruleset"]["version"] == "V3.0 (2013/14)"


def test_both_engines_refuse_the_same_rows_as_the_record_reader_does(tmp_path, capsys):
    # blank id (with a bad date: the id is reported), an id over 200 characters, a row of blank
    # cells (no record: skipped), a bad date; the other rows are audited
    pytest.importorskip("duckdb")
    long_id = "L" * 201
    path = _write(tmp_path, _row("ok", "2014-01-13", 1), _row("  ", "bad", 1),
                  _row(long_id, "2014-01-13", 1), " ," * 21 + "\n", _row("late", "2014-02-30", 1),
                  _row("last", "2014-01-14", 1))
    outputs = {}
    for engine in ("default", "duckdb"):
        status, data, err = _audit(capsys, "--engine", engine, "--format", "json", str(path))
        assert status == 1
        outputs[engine] = data
    assert outputs["duckdb"] == outputs["default"]
    records = outputs["duckdb"]["records"]
    assert [r.get("error") for r in records] == [
        None, {"field": "id", "message": "is required", "row": 3},
        {"field": "id", "message": "is longer than 200 characters", "row": 4},
        {"field": "date", "message": "not a calendar date: '2014-02-30'", "row": 6}, None]
    assert [r["id"] for r in records] == ["ok", None, "L" * 200, "late", "last"]
    assert outputs["duckdb"]["summary"]["records_in"] == 5
