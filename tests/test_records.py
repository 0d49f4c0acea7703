"""Record validation: every check names its field; CSV and JSON readers keep going past bad input."""

import datetime as dt
import json

import pytest

from evalkit import mini_ruleset, ratings
from mhct_dsl.readers import read_csv, read_json
from mhct_dsl.records import (
    Assessment, RecordError, assessment_from_ratings, parse_ratings, parse_record,
)

RULES = mini_ruleset()


def good(**extra):
    data = {
        "id": "SU-0001", "current_cluster": 10, "cluster_since": "2011-06-01",
        "in_service_since": "2010-05-12",
        "assessments": [{"date": "2013-03-01", "ratings": ratings(0, s6=1), "scale8_type": "B"},
                        {"date": "2012-03-01", "ratings": ratings(0, s6=2)}],
        "facts": {"medication_stable_past_year": True, "detained_mha": False},
        "events": [{"kind": "inpatient_or_iht", "date": "2011-09-14"}],
    }
    data.update(extra)
    return data


def error_of(data, ruleset=RULES) -> RecordError:
    with pytest.raises(RecordError) as info:
        parse_record(data, ruleset)
    return info.value


def test_good_record_is_read_and_sorted():
    record = parse_record(good(), RULES)
    assert record.id == "SU-0001"
    assert [a.date for a in record.assessments] == [dt.date(2012, 3, 1), dt.date(2013, 3, 1)]
    assert record.latest().rating("6") == 1
    assert record.latest().scale8_type == "B"
    assert record.facts == {"medication_stable_past_year": True, "detained_mha": False}
    assert record.events[0].kind == "inpatient_or_iht"
    assert record.in_service_since == dt.date(2010, 5, 12)


def test_latest_as_of_and_history():
    record = parse_record(good(), RULES)
    assert record.latest(dt.date(2012, 12, 31)).date == dt.date(2012, 3, 1)
    assert record.latest(dt.date(2012, 1, 1)) is None
    assert len(record.history(dt.date(2012, 3, 1))) == 1


def test_nine_and_missing_are_distinct_unknowns():
    a = Assessment(dt.date(2013, 1, 1), {"7": 9, "6": 2})
    assert a.rating("7") is None and a.rating("8") is None and a.rating("6") == 2
    assert (a.status("7"), a.status("8"), a.status("6")) == ("not_known", "missing", "rated")
    assert a.describe("7") == "9 (not known)"
    assert a.describe("8") == "not rated"


def test_events_absent_means_unknown_history_and_empty_means_none():
    data = good()
    del data["events"]
    assert parse_record(data, RULES).events is None
    assert parse_record(good(events=[]), RULES).events == ()
    assert parse_record(good(events=None), RULES).events is None


def test_null_fact_is_unasserted():
    record = parse_record(good(facts={"detained_mha": None}), RULES)
    assert record.fact("detained_mha") is None


@pytest.mark.parametrize("mutate, field, words", [
    (lambda r: r.pop("id"), "id", "required"),
    (lambda r: r.update(id=""), "id", "empty"),
    (lambda r: r.update(id=7), "id", "string"),
    (lambda r: r.update(id="x" * 201), "id", "longer than 200"),
    (lambda r: r.update(extra=1), "extra", "unexpected key"),
    (lambda r: r.pop("assessments"), "assessments", "required"),
    (lambda r: r.update(assessments=[]), "assessments", "at least one"),
    (lambda r: r.update(assessments={}), "assessments", "list"),
    (lambda r: r["assessments"][1].update(date="2013-02-30"), "assessments[1].date", "calendar"),
    (lambda r: r["assessments"][1].update(date="1/3/2012"), "assessments[1].date", "YYYY-MM-DD"),
    (lambda r: r["assessments"][0].pop("date"), "assessments[0].date", "required"),
    (lambda r: r["assessments"][0].pop("ratings"), "assessments[0].ratings", "required"),
    (lambda r: r["assessments"][0].update(note="x"), "assessments[0].note", "unexpected"),
    (lambda r: r["assessments"][1]["ratings"].update({"7": 5}), "assessments[1].ratings.7", "0-4"),
    (lambda r: r["assessments"][1]["ratings"].update({"7": True}), "assessments[1].ratings.7", "0-4"),
    (lambda r: r["assessments"][1]["ratings"].update({"7": 1.0}), "assessments[1].ratings.7", "0-4"),
    (lambda r: r["assessments"][1]["ratings"].update({"14": 0}), "assessments[1].ratings.14",
     "unknown scale"),
    (lambda r: r["assessments"][0].update(scale8_type="K"), "assessments[0].scale8_type", "A-J"),
    (lambda r: r["assessments"][1].update(date="2013-03-01"), "assessments[1].date", "two assessments"),
    (lambda r: r.update(facts={"detained": True}), "facts.detained", "does not declare"),
    (lambda r: r.update(facts={"detained_mha": "yes"}), "facts.detained_mha", "true, false"),
    (lambda r: r.update(facts=[]), "facts", "object"),
    (lambda r: r.update(events=[{"kind": "admission", "date": "2012-01-01"}]), "events[0].kind",
     "does not declare"),
    (lambda r: r.update(events=[{"kind": "inpatient_or_iht"}]), "events[0].date", "required"),
    (lambda r: r.update(events=[{"kind": "inpatient_or_iht", "date": "x", "n": 1}]),
     "events[0].n", "unexpected"),
    (lambda r: r.update(events={}), "events", "list"),
    (lambda r: r.update(current_cluster="10"), "current_cluster", "cluster number"),
    (lambda r: r.update(current_cluster=-1), "current_cluster", "cluster number"),
    (lambda r: r.update(cluster_since="June 2011"), "cluster_since", "YYYY-MM-DD"),
    (lambda r: r.update(in_service_since=20100512), "in_service_since", "string"),
    (lambda r: r.update(group=""), "group", "group name"),
])
def test_each_validation_names_its_field(mutate, field, words):
    data = json.loads(json.dumps(good()))
    mutate(data)
    error = error_of(data)
    assert error.field == field
    assert words in error.message
    assert error.to_json()["field"] == field


def test_error_carries_record_id():
    data = good()
    data["assessments"][0]["ratings"]["7"] = 6
    assert error_of(data).record_id == "SU-0001"


def test_not_an_object():
    error = error_of(["not", "a", "record"])
    assert error.field == "" and "JSON object" in error.message


def test_size_limits():
    many = [{"date": (dt.date(2000, 1, 1) + dt.timedelta(days=i)).isoformat(), "ratings": {}}
            for i in range(1001)]
    assert "more than 1000" in error_of(good(assessments=many)).message
    events = [{"kind": "inpatient_or_iht", "date": "2012-01-01"}] * 10001
    assert error_of(good(events=events)).field == "events"


def test_without_ruleset_facts_and_events_are_not_checked():
    record = parse_record(good(facts={"anything": True},
                               events=[{"kind": "other", "date": "2012-01-01"}]))
    assert record.facts == {"anything": True}
    assert record.events[0].kind == "other"


def test_parse_ratings_accepts_int_keys_and_drops_null():
    assert parse_ratings({7: 2, "8": None, "A": 9}) == {"7": 2, "A": 9}
    with pytest.raises(RecordError) as info:
        parse_ratings({"a": 1})
    assert info.value.field == "ratings.a"


def test_assessment_from_ratings():
    a = assessment_from_ratings({"6": 2}, scale8_type="C")
    assert a.rating("6") == 2 and a.scale8_type == "C"


# ---- JSON readers ---------------------------------------------------------------------------------


def test_read_json_single_list_and_lines():
    one = json.dumps(good())
    assert [r.id for _, r in read_json(one, RULES)] == ["SU-0001"]
    listed = list(read_json(json.dumps([good(), good(id="SU-2")]), RULES))
    assert [loc for loc, _ in listed] == [{"index": 0}, {"index": 1}]
    lines = json.dumps(good()) + "\n\n" + json.dumps(good(id="SU-2")) + "\n"
    read = list(read_json(lines, RULES))
    assert [(loc, r.id) for loc, r in read] == [({"line": 1}, "SU-0001"), ({"line": 3}, "SU-2")]


def test_read_json_lines_bad_line_is_an_error_and_the_rest_continue():
    text = "\n".join([json.dumps(good()), "{not json", json.dumps(good(id="SU-3"))])
    read = list(read_json(text, RULES, jsonl=True))
    assert isinstance(read[1][1], RecordError)
    assert read[1][1].location == {"line": 2}
    assert read[1][1].message == "not valid JSON: Expecting property name enclosed in double quotes (column 2)"
    assert [r.id for _, r in read if not isinstance(r, RecordError)] == ["SU-0001", "SU-3"]


def test_read_json_detects_lines_even_when_first_line_fine():
    text = json.dumps(good()) + "\n" + "oops\n"
    read = list(read_json(text, RULES))
    assert read[0][1].id == "SU-0001"
    assert isinstance(read[1][1], RecordError) and read[1][1].location == {"line": 2}


def test_read_json_broken_document_is_one_located_error():
    text = '{\n  "id": "x",\n  "assessments": [\n}\n'
    read = list(read_json(text, RULES))
    assert len(read) == 1
    error = read[0][1]
    assert isinstance(error, RecordError) and error.location["line"] >= 3


def test_read_json_invalid_record_is_located():
    bad = good()
    bad["assessments"][0]["ratings"]["3"] = 7
    read = list(read_json(json.dumps([good(), bad]), RULES))
    assert read[1][1].location == {"index": 1}
    assert read[1][1].field == "assessments[0].ratings.3"


def test_read_json_deep_nesting_is_an_error_not_a_crash():
    read = list(read_json("[" * 100000 + "]" * 100000, RULES))
    assert isinstance(read[0][1], RecordError)


# ---- CSV -----------------------------------------------------------------------------------------

HEADER = "id,date,1,2,3,4,5,6,7,8,9,10,11,12,13,A,B,C,D,E"


def csv_text(*rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


def test_read_csv_rows():
    text = csv_text("a,2013-03-01,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0",
                    "b,2013-03-02,,9,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0")
    read = list(read_csv(text, RULES))
    assert [loc for loc, _ in read] == [{"row": 2}, {"row": 3}]
    b = read[1][1].assessments[0]
    assert b.status("1") == "missing" and b.status("2") == "not_known"
    assert read[0][1].assessments[0].rating("6") == 1


def test_read_csv_optional_columns():
    text = csv_text("a,2013-03-01,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0,B,10,psychotic",
                    header=HEADER + ",scale8_type,recorded_cluster,group")
    record = next(read_csv(text, RULES))[1]
    assert (record.recorded_cluster, record.group) == (10, "psychotic")
    assert record.assessments[0].scale8_type == "B"


@pytest.mark.parametrize("row, column, words", [
    ("a,2013-03-01,0,0,5,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0", "3", "0-4, 9 or blank"),
    ("a,2013-03-01,0,0,x,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0", "3", "0-4, 9 or blank"),
    ("a,01/03/2013,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0", "date", "YYYY-MM-DD"),
    (",2013-03-01,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0", "id", "required"),
    ("a,2013-03-01,0,0,1", "", "cells"),
])
def test_read_csv_row_errors_name_row_and_column(row, column, words):
    text = csv_text("ok,2013-03-01,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0", row,
                    "ok2,2013-03-01,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0")
    read = list(read_csv(text, RULES))
    assert len(read) == 3
    error = read[1][1]
    assert isinstance(error, RecordError)
    assert error.field == column and words in error.message
    assert error.location == {"row": 3}
    assert read[2][1].id == "ok2"


def test_read_csv_blank_lines_skipped_but_counted():
    text = csv_text("a,2013-03-01,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0", "",
                    "b,2013-03-01,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0")
    read = list(read_csv(text, RULES))
    assert [loc["row"] for loc, _ in read] == [2, 4]


@pytest.mark.parametrize("header, words", [
    (HEADER.replace(",7,", ",seven,"), "unexpected column"),
    (HEADER.replace(",E", ""), "missing column"),
    (HEADER + ",1", "duplicate"),
])
def test_read_csv_bad_header_is_one_error(header, words):
    read = list(read_csv(csv_text("a,2013-03-01", header=header), RULES))
    assert len(read) == 1
    assert read[0][1].field == "header" and words in read[0][1].message
    assert read[0][0] == {"row": 1}


def test_read_csv_bom_and_empty():
    assert list(read_csv("")) == []
    text = "\ufeff" + csv_text("a,2013-03-01,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0")
    assert next(read_csv(text))[1].id == "a"


def test_read_csv_misspelt_column_gets_a_did_you_mean():
    [(_, error)] = read_csv(csv_text("a,2013-03-01", header=HEADER + ",gruop"), RULES)
    assert "'gruop': did you mean `group`?" in error.message


def test_read_csv_an_unclosed_quote_names_the_row_id_when_it_is_readable():
    text = csv_text('X3,2013-03-01,"0,0', 'b,2013-03-01,0,0,1,0,0,1,1,1,1,0,0,1,0,0,0,0,1,0',
                    '"q,2013-03-01')
    [(_, bad), (_, good), (_, quoted)] = read_csv(text, RULES)
    assert (bad.record_id, good.id, quoted.record_id) == ("X3", "b", None)
    assert "unclosed quote" in bad.message
