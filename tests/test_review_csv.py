"""``mhct review`` from and to CSV: a row per dated assessment in, a row per record out."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import mhct_dsl
from mhct_dsl.batch import run_review
from mhct_dsl.review_csv import REVIEW_COLUMNS, read_review_csv, review_row

DATA = Path(__file__).parent / "data"
RULES = mhct_dsl.load_ruleset()
SCALES = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
          "A", "B", "C", "D", "E"]
HEADER = ["id", "date", "current_cluster", "cluster_since", "in_service_since", *SCALES,
          "detained_mha", "medication_stable_past_year", "events"]


def read(text: str):
    return list(read_review_csv(text, RULES))


def test_rows_of_one_id_are_one_record_equal_to_its_json_form():
    (location, record), *_ = read((DATA / "reviews.csv").read_text())
    expected = mhct_dsl.parse_record({
        "id": "SU-1", "current_cluster": 10, "cluster_since": "2011-06-01",
        "in_service_since": "2010-05-12",
        "assessments": [
            {"date": "2013-03-01", "ratings": dict(zip(SCALES, [0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0,
                                                                1, 0, 0, 0, 0, 1, 0]))},
            {"date": "2014-03-01", "ratings": dict(zip(SCALES, [0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0,
                                                                1, 0, 0, 0, 0, 1, 0]))}],
        "facts": {"detained_mha": False, "medication_stable_past_year": True},
        "events": [{"kind": "inpatient_or_iht", "date": "2011-09-14", "end": "2011-10-02"}],
        "team_since": {"eip": "2011-06-01"}}, RULES)
    assert location == {"row": 2} and record == expected


def test_rows_need_not_be_adjacent_and_blank_events_are_unknown():
    row = ["2014-01-06", "3", "", ""] + ["0"] * 18 + ["", "", ""]
    text = "\n".join([",".join(HEADER), ",".join(["B", *row]), ",".join(["A", *row]),
                      ",".join(["B", "2014-02-03", *row[1:]])])
    records = [record for _, record in read(text)]
    assert [r.id for r in records] == ["B", "A"]
    assert [len(r.assessments) for r in records] == [2, 1]
    assert records[0].events is None and records[0].facts == {}


def test_an_ongoing_event():
    row = ["A", "2014-01-06", "3", "", ""] + ["0"] * 18 + ["", "", "inpatient_or_iht 2013-12-01..ongoing"]
    (_, record), = read(",".join(HEADER) + "\n" + ",".join(row))
    assert [(e.kind, e.date.isoformat(), e.ongoing) for e in record.events] == [
        ("inpatient_or_iht", "2013-12-01", True)]


def test_none_says_there_were_no_events():
    row = ["A", "2014-01-06", "3", "", ""] + ["0"] * 18 + ["", "", "none"]
    (_, record), = read(",".join(HEADER) + "\n" + ",".join(row))
    assert record.events == ()


@pytest.mark.parametrize("change, field, message", [
    (("detained_mha", "maybe"), "facts.detained_mha", "must be true, false or blank, got 'maybe'"),
    (("7", "5"), "7", "rating must be 0-4, or 9 for not known; got 5"),
    (("current_cluster", "x"), "current_cluster", "must be a cluster number, got 'x'"),
    (("events", "inpatient_or_iht"), "events", "'inpatient_or_iht': write `kind date`"),
])
def test_a_bad_cell_names_record_field_and_row(change, field, message):
    column, value = change
    good = ["A", "2014-01-06", "3", "", ""] + ["0"] * 18 + ["", "", ""]
    second = ["A", "2014-02-03", "", "", ""] + ["0"] * 18 + ["", "", ""]
    good[HEADER.index(column)], second[HEADER.index(column)] = "", value
    (location, error), = read("\n".join(map(",".join, [HEADER, good, second])))
    assert isinstance(error, mhct_dsl.RecordError)
    assert (error.record_id, error.field, error.location) == ("A", field, {"row": 3})
    assert error.message.startswith(message)


def test_record_level_cells_that_disagree_are_an_error():
    first = ["A", "2014-01-06", "3", "", ""] + ["0"] * 18 + ["", "", ""]
    second = ["A", "2014-02-03", "4", "", ""] + ["0"] * 18 + ["", "", ""]
    (_, error), = read("\n".join(map(",".join, [HEADER, first, second])))
    assert error.field == "current_cluster"
    assert error.message == "differs between rows: '3' (row 2), '4' (row 3)"


def test_a_header_without_current_cluster_is_one_error():
    (location, error), = read("id,date," + ",".join(SCALES) + "\nA,2014-01-06" + ",0" * 18)
    assert location == {"row": 1} and "missing column(s): current_cluster" in error.message


def test_blank_lines_before_the_header_are_skipped_and_rows_keep_their_line_numbers():
    row = ["A", "2014-01-06", "3", "", ""] + ["0"] * 18 + ["", "", ""]
    (location, record), = read("\n \t\n" + ",".join(HEADER) + "\n" + ",".join(row))
    assert location == {"row": 4} and record.id == "A"
    (location, error), = read("\r\n\r\nid,date\r\n")
    assert location == {"row": 3} and "missing column(s): current_cluster" in error.message


def test_csv_out_is_one_row_a_record_matching_the_json():
    out, as_json = io.StringIO(), io.StringIO()
    assert run_review(RULES, str(DATA / "reviews.csv"), "csv", out, io.StringIO()) == 1
    run_review(RULES, str(DATA / "reviews.csv"), "json", as_json, io.StringIO())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == REVIEW_COLUMNS
    results = json.loads(as_json.getvalue())
    assert [r["id"] for r in rows] == ["SU-1", "SU-2", "SU-3"]
    assert rows[0] == {
        "id": "SU-1", "current_cluster": "10", "decision": "needs_assessment",
        "suggested_clusters": "",
        "blocking_unknowns": "discharge 5: fact residual_risks_manageable_in_primary_care: not "
                             "asserted; discharge 7: fact social_inclusion_meets_expectations: "
                             "not asserted; discharge 8: fact no_longer_requires_service: not "
                             "asserted",
        "next_review_due": "2015-03-01", "review_overdue": "false", "as_of": "2014-03-01",
        "error": ""}
    assert rows[1]["decision"] == results[1]["decision"] == "discharge"
    assert rows[2]["error"] == "7: rating must be 0-4, or 9 for not known; got 7 (row 5)"


def test_a_misspelt_column_gets_a_did_you_mean():
    header = [h.replace("detained_mha", "detained_mah") for h in HEADER]
    row = ["A", "2014-01-06", "3", "", ""] + ["0"] * 18 + ["", "", ""]
    [(_, error)] = read(",".join(header) + "\n" + ",".join(row))
    assert error.field == "header"
    assert "'detained_mah': did you mean `detained_mha`?" in error.message


def test_a_stale_mhct_reads_as_review_step_2_in_csv_and_explain():
    # was "assessment 2: assessment latest: the latest MHCT is dated ..."
    record = {"id": "S", "current_cluster": 3, "events": [], "assessments": [
        {"date": "2014-01-27", "ratings": {s: 0 for s in SCALES} | {"7": 2, "8": 2}}]}
    result = mhct_dsl.review(RULES, record, as_of="2015-06-01")
    expected = ("review step 2: the latest MHCT is dated 2014-01-27, more than 6 months before "
                "the review on 2015-06-01")
    assert review_row(result)[REVIEW_COLUMNS.index("blocking_unknowns")] == expected
    assert "needs assessment: " + expected in " ".join(result.explain(width=200).split())


def test_an_unclosed_quote_is_one_bad_row_and_the_rows_after_it_are_read():
    # issue 12 finding 5 for the review reader: it used to swallow the rest of the file
    head = "id,date,current_cluster," + ",".join(SCALES)
    text = "\n".join([head, 'X3,2014-01-01,3,"0' + ",0" * 17,
                      "X4,2014-01-01,3" + ",0" * 18])
    [(bad_at, bad), (good_at, good)] = read(text)
    assert bad_at == {"row": 2} and "unclosed quote" in bad.message and bad.record_id == "X3"
    assert good_at == {"row": 3} and good.id == "X4"
