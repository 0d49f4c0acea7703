"""The Python embedding contract (docs/api.md): signatures, reprs and values that match the JSON."""

from __future__ import annotations

import inspect

import pytest

import mhct_dsl
from mhct_dsl import RecordError

RULES = mhct_dsl.load_ruleset()
RATINGS = {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0, "7": 2, "8": 1, "9": 0, "10": 0,
           "11": 0, "12": 0, "13": 0, "A": 0, "B": 0, "C": 0, "D": 0, "E": 0}


def test_load_ruleset_takes_only_a_path():
    assert list(inspect.signature(mhct_dsl.load_ruleset).parameters) == ["path"]


def test_a_rule_set_prints_briefly():
    text = repr(RULES)
    assert text.startswith("<RuleSet 'Mental Health Clustering Booklet' 'V3.0 (2013/14)' "
                           "22 clusters sha256:")
    assert len(text) < 120 and str(RULES) == text


def test_an_undated_allocation_has_no_date_in_python_as_in_json():
    result = mhct_dsl.allocate(RULES, RATINGS)
    assert result.date is None and result.to_json()["date"] is None


def test_string_ratings_read_as_numbers_as_csv_cells_do():
    as_text = {scale: str(value) for scale, value in RATINGS.items()}
    assert mhct_dsl.allocate(RULES, as_text).to_json() == mhct_dsl.allocate(RULES, RATINGS).to_json()


@pytest.mark.parametrize("bad", ["", " 1", "1.0", "٣", "²", "-1", "5", True])
def test_other_strings_and_booleans_are_still_refused(bad):
    with pytest.raises(RecordError) as error:
        mhct_dsl.allocate(RULES, {**RATINGS, "7": bad})
    assert error.value.field == "ratings.7"


@pytest.mark.parametrize("change", [
    lambda rules: rules.clusters.__setitem__(3, None),
    lambda rules: rules.clusters.pop(3),
    lambda rules: rules.facts.clear(),
    lambda rules: rules.clusters[3].columns.update({}),
    lambda rules: rules.scales["7"].ratings.setdefault(5, "x"),
], ids=["setitem", "pop", "clear", "update", "setdefault"])
def test_a_loaded_rule_set_cannot_be_changed(change):
    # README and docs/api.md: "A loaded rule set is immutable ... shareable between threads"
    rules = mhct_dsl.load_ruleset()
    with pytest.raises(TypeError, match="immutable"):
        change(rules)
    assert rules.clusters[3].number == 3 and rules.facts


def test_allocating_a_record_dict_says_to_parse_it():
    # review() takes a record dict; allocate() takes ratings, an Assessment or a Record. Given a
    # record dict it used to say "ratings.id: unknown scale 'id'".
    record = {"id": "r", "group": "organic",
              "assessments": [{"date": "2014-01-01", "ratings": {"7": 2}}]}
    rules = mhct_dsl.load_ruleset()
    with pytest.raises(RecordError, match=r"parse_record\(record\)"):
        mhct_dsl.allocate(rules, record)
    assert mhct_dsl.allocate(rules, mhct_dsl.parse_record(record)).group == "organic"


def test_the_allocation_example_in_api_md_says_what_it_gives():
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "api.md").read_text("utf-8")
    lines = [line for line in text.splitlines()
             if line.startswith(("scales = ", "ratings = ", "result = mhct_dsl.allocate(rules"))]
    assert len(lines) == 3
    scope = {"mhct_dsl": mhct_dsl, "rules": mhct_dsl.load_ruleset()}
    exec("\n".join(lines), scope)
    assert (scope["result"].suggested, scope["result"].outcome) == (1, "fits")
    four = mhct_dsl.allocate(scope["rules"], {"1": 0, "2": 1, "7": 2, "8": 1}, "non_psychotic")
    assert (four.suggested, four.outcome) == (None, "further_assessment_required")


@pytest.mark.parametrize("doc", ["README.md", "docs/api.md"])
def test_the_python_examples_run_as_written(doc, monkeypatch, capsys):
    # from the source checkout, each document's blocks in order, in one namespace (as a reader
    # pastes them into one session)
    import re
    from pathlib import Path

    root = Path(__file__).parent.parent
    blocks = re.findall(r"```python\n(.*?)```", (root / doc).read_text("utf-8"), re.S)
    assert blocks
    monkeypatch.chdir(root)
    scope: dict = {}
    for block in blocks:
        exec(compile(block, doc, "exec"), scope)
    assert scope["decision"].decision in ("step_up", "discharge", "step_down", "remain")
    assert capsys.readouterr().out
