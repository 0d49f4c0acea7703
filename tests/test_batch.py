"""Batch runs: formats in and out, one result per record in order, errors in place, summaries."""

import csv
import io
import json

import attrs
from hypothesis import example, given
from hypothesis import strategies as st

from evalkit import column, mini_ruleset, ratings, record_json
from mhct_dsl.batch import RecordIds, run_allocate, run_review
from mhct_dsl.model import SCALE_IDS

RULES = mini_ruleset()
HEADER = ",".join(("id", "date") + SCALE_IDS)


def csv_row(id, date, **by_scale):
    r = ratings(0, **by_scale)
    return ",".join([id, date] + [str(r.get(s, "")) for s in SCALE_IDS])


def run(fn, source, **kw):
    out, err = io.StringIO(), io.StringIO()
    code = fn(RULES, source, out=out, err=err, **kw)
    return code, out.getvalue(), err.getvalue()


def review_record(id, cluster=10, **by_scale):
    return record_json(("2013-03-01", ratings(0, **by_scale)), id=id, current_cluster=cluster,
                       facts={"detained_mha": False, "medication_stable_past_year": True},
                       events=[])


def test_allocate_csv_to_json_keeps_order_and_errors_in_place(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("\n".join([HEADER + ",group", csv_row("a", "2013-03-01", s6=2) + ",psychotic",
                               csv_row("b", "2013-03-01", s6=7) + ",",
                               csv_row("c", "2013-03-01", s7=1) + ",non_psychotic"]) + "\n")
    code, out, err = run(run_allocate, str(path))
    results = json.loads(out)
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[0]["suggested"] == 10 and results[2]["suggested"] == 1
    assert results[1]["error"] == {"field": "6", "message": "rating must be 0-4, 9 or blank; got '7'",
                                   "row": 3}
    assert err == "records in: 3, ok: 2, failed: 1\n"
    assert code == 1


def test_allocate_all_good_returns_zero_and_csv_output(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("\n".join([HEADER + ",recorded_cluster",
                               csv_row("a", "2013-03-01", s6=2) + ",10",
                               csv_row("b", "2013-03-01", s6=9) + ","]) + "\n")
    code, out, err = run(run_allocate, path, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and err == "records in: 2, ok: 2, failed: 0\n"
    assert list(rows[0]) == ["id", "suggested", "suggested_name", "fit", "outcome", "candidates",
                             "blocking_unknowns", "recorded_cluster", "recorded_fit",
                             "recorded_adheres", "error"]
    assert rows[0]["suggested"] == "10" and rows[0]["fit"] == "fits"    # group from cluster 10
    assert rows[0]["candidates"].startswith("10:fits;11:fits")
    assert (rows[0]["recorded_fit"], rows[0]["recorded_adheres"]) == ("fits", "true")
    assert (rows[1]["suggested"], rows[1]["fit"]) == ("", "")
    assert rows[1]["outcome"] == "further_assessment_required"


def test_allocate_csv_output_error_row(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(HEADER + "\n" + csv_row("a", "2013-13-01") + "\n")
    code, out, _ = run(run_allocate, path, fmt="csv")
    row = next(csv.DictReader(io.StringIO(out)))
    assert code == 1 and row["id"] == "a" and "date" in row["error"] and "(row 2)" in row["error"]


def test_allocate_jsonl_in_and_out_with_a_bad_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record_json(("2013-03-01", ratings(0, s6=2)), id="x")) + "\n"
                    + "{oops\n"
                    + json.dumps(record_json(("2013-03-01", ratings(0, s7=2)), id="y")) + "\n")
    code, out, err = run(run_allocate, path, fmt="jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [x.get("id") for x in lines] == ["x", None, "y"]
    assert lines[1]["error"]["line"] == 2
    assert err == "records in: 3, ok: 2, failed: 1\n" and code == 1


def test_allocate_stream_content_detection_and_group():
    stream = io.StringIO(json.dumps([record_json(("2013-03-01", ratings(0, s6=2, s7=2)), id="x")]))
    code, out, _ = run(run_allocate, stream, group="non_psychotic")
    result = json.loads(out)[0]
    assert code == 0 and result["group"] == "non_psychotic" and result["suggested"] == 1
    assert result["group_source"] == "argument"
    csv_stream = io.StringIO(HEADER + "\n" + csv_row("z", "2013-03-01", s6=2) + "\n")
    code, out, _ = run(run_allocate, csv_stream)
    assert json.loads(out)[0]["id"] == "z"


def test_group_precedence_is_the_python_one():
    # issue 11 finding 5: the record's own group, --group as the default for records without one,
    # and a contradiction is an error record (allocate() raises the same RecordError).
    records = [record_json(("2013-03-01", ratings(0, s6=2, s7=2)), id="own", group="psychotic"),
               record_json(("2013-03-01", ratings(0, s6=2, s7=2)), id="plain"),
               record_json(("2013-03-01", ratings(0, s6=2, s7=2)), id="clash",
                           group="non_psychotic")]
    code, out, err = run(run_allocate, io.StringIO(json.dumps(records)), group="psychotic")
    own, plain, clash = json.loads(out)
    assert (own["group"], own["group_source"], own["suggested"]) == ("psychotic", "record", 10)
    assert (plain["group"], plain["group_source"]) == ("psychotic", "argument")
    assert clash["error"]["field"] == "group" and "differs" in clash["error"]["message"]
    assert code == 1 and "failed: 1" in err
    code, out, _ = run(run_allocate, io.StringIO(json.dumps(records[1:2])))
    assert json.loads(out)[0]["outcome"] == "group_needed"


def test_allocate_bad_group_and_format_are_reported_not_raised():
    code, out, err = run(run_allocate, io.StringIO("[]"), group="nope")
    assert code == 1 and "--group" in err and out == ""
    code, _, err = run(run_allocate, io.StringIO("[]"), fmt="xml")
    assert code == 1 and "format" in err


def test_empty_input_is_an_empty_array():
    code, out, err = run(run_allocate, io.StringIO(""))
    assert (code, json.loads(out), err) == (0, [], "records in: 0, ok: 0, failed: 0\n")


def test_unreadable_file_is_an_error_record(tmp_path):
    code, out, err = run(run_allocate, tmp_path / "missing.csv")
    result = json.loads(out)[0]
    assert code == 1 and result["error"]["field"] == "input"
    assert "cannot read input" in result["error"]["message"]
    binary = tmp_path / "bad.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, out, _ = run(run_allocate, binary)
    assert code == 1 and json.loads(out)[0]["error"] == {
        "field": "", "line": 1,
        "message": "not UTF-8 text: byte 0xff (column 1); save the file as UTF-8"}


def test_review_json_list_with_a_bad_record(tmp_path):
    path = tmp_path / "records.json"
    bad = review_record("bad")
    bad["assessments"][0]["ratings"]["7"] = "two"
    path.write_text(json.dumps([review_record("ok", s6=1), bad, review_record("up", s6=4, s1=2, s3=3)]))
    code, out, err = run(run_review, path)
    results = json.loads(out)
    assert [r["id"] for r in results] == ["ok", "bad", "up"]
    assert results[0]["decision"] == "discharge" and results[2]["decision"] == "step_up"
    assert results[1]["error"]["field"] == "assessments[0].ratings.7"
    assert results[1]["error"]["index"] == 1
    assert err == "records in: 3, ok: 2, failed: 1\n" and code == 1


def test_review_record_errors_from_review_itself_are_located():
    stream = io.StringIO(json.dumps(review_record("c9", cluster=42)) + "\n")
    code, out, _ = run(run_review, stream, fmt="jsonl")
    result = json.loads(out)
    assert code == 1 and result["id"] == "c9" and result["error"]["field"] == "current_cluster"


def test_review_as_of_and_bad_as_of():
    stream = io.StringIO(json.dumps(review_record("a", s6=1)))
    code, out, _ = run(run_review, stream, as_of="2013-06-01")
    assert code == 0 and json.loads(out)[0]["as_of"] == "2013-06-01"
    code, out, err = run(run_review, io.StringIO("[]"), as_of="June")
    assert code == 1 and "--as-of" in err and out == ""
    early = io.StringIO(json.dumps(review_record("a", s6=1)))
    code, out, _ = run(run_review, early, as_of="2000-01-01")
    assert code == 1 and json.loads(out)[0]["error"]["field"] == "as_of"


def test_review_explain_writes_tables():
    stream = io.StringIO(json.dumps([review_record("a", s6=1), {"id": 5}]))
    code, out, err = run(run_review, stream, explain=True)
    assert "a: cluster 10 First Episode in Psychosis" in out
    assert "what would meet it" in out
    assert '5: ERROR id: must be a string, got the number 5; quote it: "5" (index 1)' in out
    assert code == 1 and err.endswith("failed: 1\n")


def test_review_csv_needs_the_current_cluster_column():
    code, out, _ = run(run_review, io.StringIO(HEADER + "\n" + csv_row("a", "2013-03-01") + "\n"))
    assert code == 1
    assert json.loads(out)[0]["error"]["message"] == "missing column(s): current_cluster"


def test_internal_failure_on_one_record_does_not_stop_the_run():
    broken = dict(RULES.clusters)
    broken[11] = attrs.evolve(broken[11], columns={
        "step_up": column("step_up", "one", ("broken", "not a condition"))})
    rules = attrs.evolve(RULES, clusters=broken)
    stream = io.StringIO("\n".join(json.dumps(r) for r in (
        review_record("x", cluster=11, s6=1), review_record("y", s6=1))))
    out, err = io.StringIO(), io.StringIO()
    code = run_review(rules, stream, "jsonl", out, err)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["error"]["field"] == "internal" and "TypeError" in lines[0]["error"]["message"]
    assert lines[1]["decision"] == "discharge"
    assert code == 1


def test_empty_input_is_zero_records_not_an_error(tmp_path):
    path = tmp_path / "empty"
    path.write_text("\n \n")
    code, out, err = run(run_review, path)
    assert (code, json.loads(out), err) == (0, [], "records in: 0, ok: 0, failed: 0\n")


def test_repeated_ids_name_each_place_however_it_was_given():
    ids = RecordIds()
    ids.see("a", {"line": 2})
    ids.see("b", {"record": 1, "line": 3})
    ids.see(None, {"line": 4})
    ids.see("c", {})
    ids.see("a", {"line": 9})
    ids.see("b", {"line": 10})
    ids.see("c", {"record": 7})
    ids.see("d", {"line": 11})
    assert ids.warning() == ("warning: 3 record id(s) given more than once: 'a' (line 2, line 9); "
                             "'b' (record 1 line 3, line 10); 'c' (the input, record 7)\n")


def test_repeated_ids_in_rows():
    ids = RecordIds()
    for row, record_id in enumerate(["x", "y", "x", "x", "y"], start=2):
        ids.see(record_id, {"row": row})
    assert ids.warning() == ("warning: 2 record id(s) given more than once: "
                             "'x' (row 2, row 4, row 5); 'y' (row 3, row 6)\n")


_places = st.one_of(st.builds(lambda n: {"row": n}, st.integers(1, 9)),
                    st.builds(lambda n: {"line": n}, st.integers(1, 9)),
                    st.just({}), st.just({"record": 1, "line": 2}))


@given(st.lists(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from("abcdefgh")), _places),
                         max_size=6), max_size=4))
@example([[("a", {"row": 2}), ("b", {"row": 3})], [("c", {"row": 4}), ("a", {"row": 5})]])
@example([[("a", {"line": 2}), ("a", {"line": 3})]])
@example([[("a", {"row": 2})], [("b", {"line": 3}), ("a", {"line": 4})]])
def test_seeing_a_chunk_at_once_is_seeing_each_id_in_turn(chunks):
    one, many = RecordIds(), RecordIds()
    for chunk in chunks:
        for record_id, place in chunk:
            one.see(record_id, place)
        many.see_all([i for i, _ in chunk], [p for _, p in chunk])
    assert (many.key, many.first, many.repeated) == (one.key, one.first, one.repeated)
    assert many.warning() == one.warning()
