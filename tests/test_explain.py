"""``--explain``: text for a person, wrapped to the width at word boundaries, in booklet words.

Golden files in golden/explain pin whole outputs at 80 columns; regenerate with
``MHCT_REGEN_GOLDEN=1`` and read the diff.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

import mhct_dsl
from mhct_dsl.batch import run_allocate, run_review
from mhct_dsl.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "explain"
RULES = mhct_dsl.load_ruleset()
RECORDS = [json.loads(line) for line in (ROOT / "examples/records.jsonl").read_text().splitlines()
           if line.strip()]


def reviews():
    for record in RECORDS:
        try:
            yield mhct_dsl.review(RULES, record)
        except mhct_dsl.RecordError:
            continue


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("MHCT_REGEN_GOLDEN"):
        path.write_text(text, "utf-8")
    assert text == path.read_text("utf-8")


def test_review_explain_at_80_columns_golden():
    out = io.StringIO()
    run_review(RULES, str(ROOT / "examples/records.jsonl"), out=out, err=io.StringIO(),
               explain=True, width=80)
    golden("review-examples.txt", out.getvalue())


def test_allocate_explain_at_80_columns_golden():
    out = io.StringIO()
    run_allocate(RULES, str(ROOT / "examples/assessments.csv"), out=out, err=io.StringIO(),
                 explain=True, width=80)
    golden("allocate-examples.txt", out.getvalue())


@pytest.mark.parametrize("width", [60, 80, 120])
def test_every_line_fits_and_no_word_of_the_booklet_is_broken(width):
    for result in reviews():
        text = result.explain(width, RULES)
        assert max(len(line) for line in text.splitlines()) <= width
        words = set(text.split())
        for criterion in result.criteria:
            for word in criterion.wording.split():
                assert word in words, (result.id, word)


def test_the_rule_set_is_named_first_and_facts_are_in_booklet_words():
    for result in reviews():
        text = result.explain(80, RULES)
        assert text.splitlines()[0] == ("rules: Mental Health Clustering Booklet V3.0 (2013/14) "
                                        f"({RULES.fingerprint[:19]})")
        for name in RULES.facts:
            assert name not in text


def test_long_lists_are_cut_and_say_how_many_more():
    # SU-1002 rated monthly: cluster 8's step-down "consistently for the past 12 months" has one
    # piece of evidence per assessment in the window (13), cut to 4 and "and 9 more"
    record = dict(next(r for r in RECORDS if r["id"] == "SU-1002"))
    ratings = record["assessments"][-1]["ratings"]
    record["assessments"] = [{"date": f"{2013 + (m > 12)}-{(m - 1) % 12 + 1:02d}-03",
                              "ratings": ratings} for m in range(2, 15)]
    result = mhct_dsl.review(RULES, record)
    text = " ".join(result.explain(80, RULES).split())
    assert "and 9 more" in text


def test_allocate_explain_on_the_command_line(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["allocate", "--explain", str(ROOT / "examples/assessments.csv")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("rules: Mental Health Clustering Booklet")
    assert max(len(line) for line in out.splitlines()) <= 80


def test_explain_with_a_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["review", "--explain", "--format", "jsonl", str(ROOT / "examples/records.jsonl")])
    assert exit.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and "--explain prints text for a person" in err


def test_an_error_record_is_wrapped_to_the_width_too():
    out = io.StringIO()
    run_review(RULES, io.StringIO((ROOT / "examples/records.jsonl").read_text()), out=out,
               err=io.StringIO(), explain=True, width=40)
    text = out.getvalue()
    assert "SU-1008: ERROR assessments[1].ratings.7:" in text
    assert max(len(line) for line in text.splitlines()) <= 40


def test_allocate_explain_lists_the_settled_groups_candidates_first():
    ratings = {s: 0 for s in "1 2 3 4 5 6 7 8 9 10 11 12 13 A B C D E".split()}
    ratings.update({"3": 1, "7": 2, "8": 1, "11": 1})  # NP-101: non_psychotic, suggested 1
    result = mhct_dsl.allocate(RULES, ratings, group="non_psychotic")
    assert result.suggested == 1 and result.candidates[0].cluster == 11  # JSON/CSV order kept
    text = result.explain(80, RULES)
    lines = text.splitlines()
    first = lines.index("group non_psychotic's clusters, best first (the suggestion is made "
                        "among these):")
    other = lines.index("other groups' clusters (not ranked against the suggestion, shown for "
                        "reference):")
    row = [line.split()[0] for line in lines if line[:1].isdigit()]
    in_group = [line.split()[0] for line in lines[first:other] if line[:1].isdigit()]
    assert in_group[0] == "1" and "11" not in in_group and "18" not in in_group
    assert sorted(in_group, key=int) == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert row.index("11") > row.index("8")  # psychotic 11 fits too, but after the group
    # no group settled: one table ranked across the groups, no headings
    unsettled = mhct_dsl.allocate(RULES, {**ratings, "4": 1, "2": 4, "B": 2})
    assert unsettled.outcome == "group_needed"
    unsettled = unsettled.explain(80, RULES)
    assert "other groups'" not in unsettled and "best first (the suggestion" not in unsettled
