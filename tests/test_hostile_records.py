"""Hostile records (issue 12): nothing lost, nothing leaked.

Each numbered finding of the issue has a test named after it; the property at the end mixes good
and bad records and checks every good record comes out as it would alone.
"""

import csv
import io
import json
import shutil

from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit import mini_ruleset, ratings, record_json
from mhct_dsl.batch import formula_safe, run_allocate, run_review
from mhct_dsl.loader import bundled_rules_path
from mhct_dsl.model import SCALE_IDS
from mhct_dsl.readers import read_csv, read_json

RULES = mini_ruleset()
HEADER = ",".join(("id", "date") + SCALE_IDS)


def csv_row(id, date="2013-03-01", **by_scale):
    r = ratings(0, **by_scale)
    return ",".join([id, date] + [str(r.get(s, "")) for s in SCALE_IDS])


def review_record(id, **by_scale):
    return record_json(("2013-03-01", ratings(0, **by_scale)), id=id, current_cluster=10,
                       facts={"detained_mha": False, "medication_stable_past_year": True},
                       events=[])


def run(fn, source, out=None, **kw):
    out = out if out is not None else io.StringIO()
    err = io.StringIO()
    code = fn(RULES, source, out=out, err=err, **kw)
    return code, out, err.getvalue()


def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def ids_and_errors(text: str):
    return [(r["id"], r.get("error")) for r in json.loads(text)]


# ---- 1. one bad value ends the whole batch ------------------------------------------------------


def test_1_superscript_and_non_ascii_digits_are_not_ratings():
    text = "\n".join([HEADER, csv_row("a").replace(",0,", ",³,", 1),
                      csv_row("b").replace(",0,", ",٣,", 1),
                      csv_row("c").replace(",0,", ",３,", 1), csv_row("d")])
    code, out, err = run(run_allocate, io.StringIO(text))
    results = json.loads(out.getvalue())
    assert [r["id"] for r in results] == ["a", "b", "c", "d"]
    assert [r["error"]["message"] for r in results[:3]] == [
        "rating must be 0-4, 9 or blank; got '³'", "rating must be 0-4, 9 or blank; got '٣'",
        "rating must be 0-4, 9 or blank; got '３'"]
    assert "error" not in results[3] and results[3]["candidates"]
    assert err == "records in: 4, ok: 1, failed: 3\n" and code == 1


def test_1_a_number_of_5000_digits_fails_its_record_only():
    huge = "7" * 5000
    csv_text = "\n".join([HEADER, csv_row("a").replace(",0,", f",{huge},", 1), csv_row("b")])
    _, out, err = run(run_allocate, io.StringIO(csv_text))
    assert ids_and_errors(out.getvalue())[1] == ("b", None)
    assert err == "records in: 2, ok: 1, failed: 1\n"
    as_string = json.dumps(review_record("s")).replace('"1": 0', f'"1": "{huge}"')
    _, out, _ = run(run_review, io.StringIO(jsonl(as_string, review_record("t"))))
    (_, error), (_, ok) = ids_and_errors(out.getvalue())
    assert error["field"] == "assessments[0].ratings.1" and ok is None
    bad = json.dumps(review_record("x")).replace('"1": 0', f'"1": {huge}')
    for text in (jsonl(bad, review_record("y")), f"[{bad}, {json.dumps(review_record('y'))}]"):
        _, out, err = run(run_review, io.StringIO(text))
        (first, error), (second, ok) = ids_and_errors(out.getvalue())
        assert (first, error["field"]) == ("x", "assessments[0].ratings.1")
        assert error["message"].endswith("got a number of 5000 digits")
        assert (second, ok) == ("y", None)
        assert err == "records in: 2, ok: 1, failed: 1\n"


# ---- 2. a result that cannot be written ---------------------------------------------------------


def test_2_lone_surrogate_id_is_written_as_an_escape():
    text = jsonl(review_record("SU-\ud800"), review_record("SU-2"))
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    code, out, err = run(run_review, io.StringIO(text), out=out, fmt="jsonl")
    out.flush()
    lines = out.buffer.getvalue().decode("utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["SU-\ud800", "SU-2"]
    assert "\\ud800" in lines[0]
    assert err == "records in: 2, ok: 2, failed: 0\n" and code == 0


def test_2_an_output_encoding_that_cannot_hold_an_id():
    text = "\n".join([HEADER, csv_row("Ł-1"), csv_row("=Ł-2"), csv_row("b")])
    for fmt in ("json", "csv"):
        out = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
        code, out, err = run(run_allocate, io.StringIO(text), out=out, fmt=fmt)
        out.flush()
        written = out.buffer.getvalue().decode("cp1252")
        assert err == "records in: 3, ok: 3, failed: 0\n" and code == 0
        if fmt == "json":
            assert [r["id"] for r in json.loads(written)] == ["Ł-1", "=Ł-2", "b"]
        else:
            rows = list(csv.DictReader(io.StringIO(written)))
            assert [r["id"] for r in rows] == ["\\u0141-1", "'=\\u0141-2", "b"]


# ---- 3. JSON-lines whose first line is broken ---------------------------------------------------


def test_3_broken_first_line_costs_one_record(tmp_path):
    text = '{"id": "a", "assessments": [\n' + jsonl(review_record("b"), review_record("c"))
    sources = [io.StringIO(text), tmp_path / "in.json", tmp_path / "in.txt"]
    for path in sources[1:]:
        path.write_text(text)
    for source in sources:
        code, out, err = run(run_review, source)
        results = json.loads(out.getvalue())
        assert results[0]["error"]["line"] == 1 and "not valid JSON" in results[0]["error"][
            "message"]
        assert [r["id"] for r in results[1:]] == ["b", "c"]
        assert all("decision" in r for r in results[1:])
        assert err == "records in: 3, ok: 2, failed: 1\n"


def test_3_a_garbage_first_line_is_not_read_as_a_csv_header():
    text = "oops\n" + jsonl(review_record("b"))
    _, out, err = run(run_review, io.StringIO(text))
    assert [r["id"] for r in json.loads(out.getvalue())] == [None, "b"]
    assert err == "records in: 2, ok: 1, failed: 1\n"


def test_3_a_broken_pretty_printed_document_is_one_error():
    text = json.dumps([review_record("a")], indent=2)[:-3]
    items = list(read_json(text, RULES))
    assert len(items) == 1 and "not valid JSON" in items[0][1].message


# ---- 4. lines end at \n only --------------------------------------------------------------------


def test_4_unicode_line_breaks_inside_strings_are_content():
    text = jsonl(review_record("a\u2028b"), review_record("c\u0085d"), "{broken",
                 review_record("e\x0cf"))
    items = list(read_json(text, RULES))
    assert [loc for loc, _ in items] == [{"line": 1}, {"line": 2}, {"line": 3}, {"line": 4}]
    assert [getattr(item, "id", None) for _, item in items] == ["a\u2028b", "c\u0085d", None,
                                                                 "e\x0cf"]


def test_4_crlf_lines_are_read():
    text = jsonl(review_record("a"), review_record("b")).replace("\n", "\r\n")
    assert [item.id for _, item in read_json(text, RULES, jsonl=True)] == ["a", "b"]


# ---- 5. an unclosed quote in CSV ----------------------------------------------------------------


def test_5_unclosed_quote_is_named_and_later_rows_kept():
    text = "\n".join([HEADER, csv_row("a"), '"b' + csv_row("")[0:], csv_row("c"),
                      csv_row('"d"')])
    items = list(read_csv(text, RULES))
    assert [loc for loc, _ in items] == [{"row": 2}, {"row": 3}, {"row": 4}, {"row": 5}]
    assert items[1][1].message == ("unreadable CSV row: unclosed quote: a quoted cell does not "
                                   "end on its row")
    assert [items[i][1].id for i in (0, 2, 3)] == ["a", "c", "d"]


# ---- 6. dates that leave the calendar -----------------------------------------------------------


def test_6_far_future_dates_are_located_record_errors():
    late = review_record("a")
    late["assessments"][0]["date"] = "9999-12-31"
    code, out, err = run(run_review, io.StringIO(jsonl(late, review_record("b"))))
    (first, error), (second, ok) = ids_and_errors(out.getvalue())
    assert (first, error) == ("a", {
        "field": "assessments[0].date", "line": 1,
        "message": "9999-12-31 is outside the dates this tool accepts (1900-01-01 to 2199-12-31)"})
    assert (second, ok) == ("b", None)
    code, out, err = run(run_review, io.StringIO(jsonl(review_record("b"))), as_of="9999-12-31")
    assert code == 1 and "--as-of: 9999-12-31 is outside" in err


# ---- 13. output that a spreadsheet or terminal would run ----------------------------------------


def test_13_csv_cells_are_formula_safe():
    evil = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "ok"]
    quoted = ['"' + i.replace('"', '""') + '"' for i in evil]
    text = "\n".join([HEADER] + [csv_row(i) for i in quoted])
    _, out, _ = run(run_allocate, io.StringIO(text), fmt="csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["id"] for r in rows] == ["'" + i for i in evil[:-1]] + ["ok"]


def test_13_formula_safe_prefixes_tab_and_carriage_return_too():
    assert [formula_safe(c) for c in ("\tx", "\rx", "a=b", "")] == ["'\tx", "'\rx", "a=b", ""]


def test_13_explain_escapes_terminal_control_characters():
    evil = review_record("SU-\x1b[31mRED\x1b]0;title\x07")
    _, out, _ = run(run_review, io.StringIO(jsonl(evil, {"id": "\x1b[2J"})), explain=True)
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "SU-\\x1b[31mRED\\x1b]0;title\\x07" in text and "\\x1b[2J" in text


# ---- 14. duplicates, digits, numeric ids --------------------------------------------------------


def test_14_duplicate_ids_are_warned_about_and_both_kept():
    text = jsonl(review_record("a"), review_record("b"), review_record("a"), review_record("a"))
    _, out, err = run(run_review, io.StringIO(text))
    assert [r["id"] for r in json.loads(out.getvalue())] == ["a", "b", "a", "a"]
    assert err == ("records in: 4, ok: 4, failed: 0\n"
                   "warning: 1 record id(s) given more than once: 'a' (line 1, line 3, line 4)\n")


def test_14_duplicate_json_keys_reject_their_record():
    one = json.dumps(review_record("a"))
    twice_top = one[:-1] + ', "current_cluster": 11}'
    twice_rating = one.replace('"1": 0', '"1": 0, "1": 4')
    text = jsonl(twice_top, twice_rating, review_record("b"))
    items = list(read_json(text, RULES))
    assert [(e.record_id, e.field, e.message) for _, e in items[:2]] == [
        ("a", "current_cluster",
         "the key 'current_cluster' is given twice; which value counts would be a guess"),
        ("a", "assessments[0].ratings.1",
         "the key '1' is given twice; which value counts would be a guess")]
    assert items[2][1].id == "b"


def test_14_a_numeric_id_is_reported_with_its_value():
    text = jsonl({**review_record("x"), "id": 1234}, review_record("y"))
    _, out, _ = run(run_review, io.StringIO(text))
    assert json.loads(out.getvalue())[0] == {"id": "1234", "error": {
        "field": "id", "message": 'must be a string, got the number 1234; quote it: "1234"',
        "line": 1}}


# ---- the property: good records come out as they would alone ------------------------------------


BAD_LINES = st.sampled_from([
    "{broken", "[1, 2", '{"id": "x", "assessments": [{"date": "2013-13-01", "ratings": {}}]}',
    json.dumps({"id": 7}), '{"id": "dup", "id": "dup"}', "null", '"just a string"',
    '{"id": "big", "assessments": [{"date": "2013-03-01", "ratings": {"1": ' + "9" * 4400 + "}}]}",
    '{"id": "late", "assessments": [{"date": "9999-12-31", "ratings": {}}]}',
    '{"id": "\\ud800", "assessments": "nope"}', "\u2028", "\ufeff{}",
])


@st.composite
def good_records(draw):
    scales = {f"s{s}": draw(st.sampled_from([0, 1, 2, 3, 4, 9, None])) for s in ("6", "7", "10")}
    name = draw(st.text(min_size=1, max_size=8).filter(str.strip))
    return review_record(name, **scales)


class JsonLinesFile(io.StringIO):
    name = "records.jsonl"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(good_records(), BAD_LINES), min_size=1, max_size=12))
def test_every_good_record_comes_out_as_it_would_alone(items):
    alone = []
    for item in items:
        if isinstance(item, dict):
            _, single, _ = run(run_review, io.StringIO(jsonl(item)), fmt="jsonl")
            alone.append(json.loads(single.getvalue()))
    for source in (JsonLinesFile(jsonl(*items)), io.StringIO(jsonl(*items))):
        _, out, err = run(run_review, source, fmt="jsonl")
        written = [json.loads(line) for line in out.getvalue().split("\n") if line]
        good = [r for r in written if "error" not in r]
        assert good == alone
        failed = len(written) - len(good)
        assert err.startswith(f"records in: {len(written)}, ok: {len(good)}, failed: {failed}\n")
    _, out, _ = run(run_review, JsonLinesFile(jsonl(*items)), fmt="jsonl")
    assert len(out.getvalue().split("\n")) - 1 == len(items)


# ---- 6. `mhct test` survives a malformed case ---------------------------------------------------


def test_6_mhct_test_names_file_and_case_and_goes_on(tmp_path, monkeypatch):
    from mhct_dsl import ruletests

    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules_path(), rules, ignore=shutil.ignore_patterns("tests"))
    (rules / "tests").mkdir()
    record = {"id": "x", "current_cluster": 10,
              "assessments": [{"date": "2013-01-01", "ratings": {}}]}
    cases = [{"name": "criteria a list", "review": record, "expect": {"criteria": [1]}},
             {"name": "far future", "review": {**record, "assessments": [
                 {"date": "9999-12-31", "ratings": {}}]}, "expect": {"decision": "remain"}},
             {"name": "explodes", "allocate": {"ratings": {}}, "expect": {"suggested": None}},
             {"name": "fine", "allocate": {"ratings": {}}, "expect": {"suggested": None}}]
    (rules / "tests" / "bad.json").write_text(json.dumps({"cases": cases}))
    real_allocate = ruletests.allocate

    def allocate(ruleset, ratings, group):
        if not ratings and group is None and allocate.calls == 0:
            allocate.calls += 1
            raise OverflowError("boom")
        return real_allocate(ruleset, ratings, group)
    allocate.calls = 0
    monkeypatch.setattr(ruletests, "allocate", allocate)
    out, err = io.StringIO(), io.StringIO()
    assert ruletests.run_rule_tests(str(rules), out, err) == 1
    text = out.getvalue()
    bad = str(rules / "tests" / "bad.json")
    assert f"FAIL {bad}: criteria a list\n    `criteria` must be an object" in text
    assert f"FAIL {bad}: far future\n    the result has no `decision` (error: " in text
    assert "9999-12-31 is outside the dates this tool accepts" in text
    assert (f"FAIL {bad}: case 3 (explodes)\n    the case cannot be run (OverflowError: boom); "
            "see docs/rule-tests.md") in text
    assert "rule tests: 1 passed, 3 failed" in text


def test_bytes_that_are_not_utf8_fail_only_their_line(tmp_path):
    csv_path = tmp_path / "in.csv"
    csv_path.write_bytes("\n".join([HEADER, csv_row("caf\xe9"), csv_row("b")]).encode("latin-1"))
    code, out, err = run(run_allocate, csv_path)
    (first, error), (second, ok) = ids_and_errors(out.getvalue())
    assert error == {"field": "", "row": 2, "message": "unreadable CSV row: not UTF-8 text: byte "
                     "0xe9 (column 4); save the file as UTF-8"}
    assert (second, ok) == ("b", None) and err == "records in: 2, ok: 1, failed: 1\n"
    lines_path = tmp_path / "in.jsonl"
    text = jsonl(json.dumps(review_record("caf\xe9"), ensure_ascii=False), review_record("b"))
    lines_path.write_bytes(text.encode("latin-1"))
    code, out, err = run(run_review, lines_path)
    (first, error), (second, ok) = ids_and_errors(out.getvalue())
    assert error["line"] == 1 and "byte 0xe9 (column 12)" in error["message"]
    assert (second, ok) == ("b", None)


BAD_ROWS = st.sampled_from([
    '"unclosed' + csv_row("")[0:], csv_row("a").replace(",0,", ",³,", 1),
    csv_row("a").replace(",0,", "," + "7" * 5000 + ",", 1), csv_row("late", "9999-12-31"),
    csv_row("short") + ",1", "x,y", csv_row("=cmd").replace("2013-03-01", "2013-02-30"),
    '"a"b,c', "\x0c,x",
])


@st.composite
def good_rows(draw):
    scales = {f"s{s}": draw(st.sampled_from([0, 1, 2, 3, 4, 9, None])) for s in ("6", "7", "10")}
    name = draw(st.from_regex(r"[A-Za-z0-9=+@-][A-Za-z0-9_-]{0,7}", fullmatch=True))
    return csv_row(name, **scales)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(good_rows().map(lambda row: (True, row)),
                          BAD_ROWS.map(lambda row: (False, row))), min_size=1, max_size=12))
def test_every_good_csv_row_comes_out_as_it_would_alone(rows):
    alone = []
    for row in (row for is_good, row in rows if is_good):
        _, single, _ = run(run_allocate, io.StringIO(HEADER + "\n" + row), fmt="jsonl")
        alone.append(json.loads(single.getvalue()))
    text = "\n".join([HEADER, *(row for _, row in rows)])
    _, out, err = run(run_allocate, io.StringIO(text), fmt="jsonl")
    written = [json.loads(line) for line in out.getvalue().split("\n") if line]
    assert [r for r in written if "error" not in r] == alone
    assert len(written) == len(rows)
    assert err.startswith(f"records in: {len(rows)}, ok: {len(alone)}, "
                          f"failed: {len(rows) - len(alone)}\n")
