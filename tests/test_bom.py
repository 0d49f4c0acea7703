"""A byte-order mark is dropped at the very start of the input only, as UTF-8-sig drops it, and
every reader agrees: the compiled path and the interpreter (from a file and from a Python text
stream), ``audit`` on both engines, and the review CSV reader. Anywhere else it is content: a
header cell holding it is an unexpected column."""

from __future__ import annotations

import io
import json

import pytest

from evalkit import national_ruleset
from mhct_dsl import review_batch
from mhct_dsl.audit import run_audit
from mhct_dsl.batch import read_records, run_allocate
from mhct_dsl.model import SCALE_IDS
from mhct_dsl.review_csv import read_review_csv

RULES = national_ruleset()
HEADER = ",".join(("id", "date") + SCALE_IDS + ("recorded_cluster",))
ROW = ",".join(["r1", "2014-01-13"] + ["1"] * len(SCALE_IDS) + ["4"])
REVIEW_HEADER = ",".join(("id", "date", "current_cluster") + SCALE_IDS)
REVIEW_ROW = ",".join(["r1", "2014-01-13", "4"] + ["1"] * len(SCALE_IDS))
BAD = "header: unexpected column(s): '\\ufeffid'"

# (input before the header, the header's row, whether the header is bad)
CASES = {
    "at the start": ("\ufeff", 1, False),
    "at the start, then a blank line": ("\ufeff\n", 2, False),
    "after a blank line": ("\n\ufeff", 2, True),
    "twice at the start": ("\ufeff\ufeff", 1, True),
}


def _written(tmp_path, case: str, header: str, row: str) -> tuple[str, str]:
    """The case's text and the file holding it."""
    text = CASES[case][0] + header + "\n" + row + "\n"
    path = tmp_path / "bom.csv"
    path.write_bytes(text.encode("utf-8"))
    return text, str(path)


def _allocate(source, compiled: bool) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_allocate(RULES, source, "csv", out, err, compiled=compiled)
    return code, out.getvalue(), err.getvalue()


def _audit(source, engine: str) -> str:
    out = io.StringIO()
    run_audit(RULES, source, "json", engine, out, io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("case", CASES)
def test_allocate_reads_a_byte_order_mark_alike_on_both_paths(tmp_path, case):
    text, path = _written(tmp_path, case, HEADER, ROW)
    _, at, bad = CASES[case]
    compiled = _allocate(path, True)
    for other in (_allocate(path, False), _allocate(io.StringIO(text), True),
                  _allocate(io.StringIO(text), False)):
        assert other == compiled
    lines = compiled[1].splitlines()
    if bad:
        assert compiled[0] == 1 and f'"{BAD}; ' in lines[1]
        assert lines[1].endswith(f'(row {at})"')
    else:
        assert compiled[0] == 0 and lines[1].startswith("r1,")


@pytest.mark.parametrize("case", CASES)
def test_audit_reads_a_byte_order_mark_alike_on_both_engines(tmp_path, case):
    pytest.importorskip("duckdb")
    text, path = _written(tmp_path, case, HEADER, ROW)
    _, at, bad = CASES[case]
    default = _audit(path, "default")
    assert _audit(path, "duckdb") == default
    assert _audit(io.StringIO(text), "default") == default
    [record] = json.loads(default)["records"]
    if bad:
        assert record["error"]["row"] == at
        assert record["error"]["message"].startswith(BAD.removeprefix("header: "))
    else:
        assert record["id"] == "r1" and "error" not in record


@pytest.mark.parametrize("case", CASES)
def test_the_review_csv_reads_a_byte_order_mark_alike(tmp_path, case):
    text, path = _written(tmp_path, case, REVIEW_HEADER, REVIEW_ROW)
    _, at, bad = CASES[case]
    read = [list(read_records(source, RULES, csv_reader=read_review_csv))
            for source in (path, io.StringIO(text))] + [list(read_review_csv(text, RULES))]
    assert len({repr(items) for items in read}) == 1  # a RecordError equals only itself
    [(location, item)] = read[0]
    if bad:
        assert location == {"row": at} and item.field == "header"
        assert item.message.startswith(BAD.removeprefix("header: "))
    else:
        assert location == {"row": at + 1} and item.id == "r1"



@pytest.mark.parametrize("case", ["at the start", "twice at the start"])
def test_a_review_jsonl_file_reads_a_byte_order_mark_as_read_records_does(tmp_path, case):
    record = json.dumps({"id": "r1", "current_cluster": 4, "assessments": [
        {"date": "2014-01-13", "ratings": dict.fromkeys(SCALE_IDS, 1)}]})
    path = tmp_path / "bom.jsonl"
    path.write_bytes((CASES[case][0] + record + "\n").encode("utf-8"))
    out = io.StringIO()  # review reads a .jsonl file line by line, not through read_records
    review_batch.run(RULES, str(path), "jsonl", out, io.StringIO(), None, False, None, None,
                     jobs=1)
    [result] = [json.loads(line) for line in out.getvalue().splitlines()]
    [(location, item)] = read_records(str(path), RULES)
    if CASES[case][2]:  # the second mark is content: the line is not JSON
        assert location == {"line": 1} and result["error"]["line"] == 1
        assert result["error"]["message"] == item.message.removeprefix("line 1: ")
        assert result["error"]["message"].startswith("not valid JSON")
    else:
        assert location == {"line": 1} and item.id == result["id"] == "r1"
