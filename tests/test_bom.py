"""A byte-order mark is dropped at the very start of the input only, as UTF-8-sig drops it, and
every reader agrees: the compiled path and the interpreter (from a file and from a Python text
stream), ``audit`` on both engines, and the review CSV reader. Anywhere else it is content: a
header cell holding it is an unexpected column."""

from __future__ import annotations

import io
import json

import pytest

from evalkit import national_ruleset
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

# (input before the header, the header's row or None when the file is read)
CASES = {
    "at the start": ("\ufeff", None),
    "at the start, then a blank line": ("\ufeff\n", None),
    "after a blank line": ("\n\ufeff", 2),
    "twice at the start": ("\ufeff\ufeff", 1),
}


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
    before, bad_row = CASES[case]
    text = before + HEADER + "\n" + ROW + "\n"
    path = tmp_path / "bom.csv"
    path.write_bytes(text.encode("utf-8"))
    compiled = _allocate(str(path), True)
    for other in (_allocate(str(path), False), _allocate(io.StringIO(text), True),
                  _allocate(io.StringIO(text), False)):
        assert other == compiled
    lines = compiled[1].splitlines()
    if bad_row is None:
        assert compiled[0] == 0 and lines[1].startswith("r1,")
    else:
        assert compiled[0] == 1 and f'"{BAD}; ' in lines[1]
        assert lines[1].endswith(f'(row {bad_row})"')


@pytest.mark.parametrize("case", CASES)
def test_audit_reads_a_byte_order_mark_alike_on_both_engines(tmp_path, case):
    pytest.importorskip("duckdb")
    before, bad_row = CASES[case]
    text = before + HEADER + "\n" + ROW + "\n"
    path = tmp_path / "bom.csv"
    path.write_bytes(text.encode("utf-8"))
    default = _audit(str(path), "default")
    assert _audit(str(path), "duckdb") == default
    assert _audit(io.StringIO(text), "default") == default
    [record] = json.loads(default)["records"]
    if bad_row is None:
        assert record["id"] == "r1" and "error" not in record
    else:
        assert record["error"]["row"] == bad_row
        assert record["error"]["message"].startswith(BAD.removeprefix("header: "))


@pytest.mark.parametrize("case", CASES)
def test_the_review_csv_reads_a_byte_order_mark_alike(tmp_path, case):
    before, bad_row = CASES[case]
    text = before + REVIEW_HEADER + "\n" + REVIEW_ROW + "\n"
    path = tmp_path / "bom.csv"
    path.write_bytes(text.encode("utf-8"))
    read = [list(read_records(source, RULES, csv_reader=read_review_csv))
            for source in (str(path), io.StringIO(text))] + [list(read_review_csv(text, RULES))]
    assert len({repr(items) for items in read}) == 1  # a RecordError equals only itself
    [(location, item)] = read[0]
    if bad_row is None:
        assert location == {"row": 2 + before.count("\n")} and item.id == "r1"
    else:
        assert location == {"row": bad_row} and item.field == "header"
        assert item.message.startswith(BAD.removeprefix("header: "))
