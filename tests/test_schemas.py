"""Every output validates against the JSON Schemas in mhct_dsl/schemas (and every valid input)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

import mhct_dsl
from mhct_dsl.batch import run_allocate, run_review
from mhct_dsl.cli import main
from mhct_dsl.json_schemas import SCHEMA_NAMES, json_schema, schema_text
from mhct_dsl.records import RecordError

ROOT = Path(__file__).resolve().parent.parent
RULES = mhct_dsl.load_ruleset()
VALIDATORS = {name: jsonschema.Draft202012Validator(json_schema(name)) for name in SCHEMA_NAMES}
RULE_TESTS = sorted((ROOT / "rules" / "tests").glob("*.json"))


def valid(name: str, instance) -> None:
    errors = sorted(VALIDATORS[name].iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def review_valid(result: dict) -> None:
    valid("review", result)
    if result.get("allocation") is not None:
        valid("allocation", result["allocation"])


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_the_schemas_are_valid_schemas(name):
    jsonschema.Draft202012Validator.check_schema(json_schema(name))


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_mhct_schema_prints_it(name, capsys):
    assert main(["schema", name]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(schema_text(name))


def test_the_examples_outputs_validate():
    for fmt in ("json",):
        out = io.StringIO()
        run_allocate(RULES, str(ROOT / "examples/assessments.csv"), fmt, out, io.StringIO())
        results = json.loads(out.getvalue())
        assert len(results) == 12 and any("error" in r for r in results)
        for result in results:
            valid("allocation", result)
    out = io.StringIO()
    run_review(RULES, str(ROOT / "examples/records.jsonl"), "json", out, io.StringIO())
    results = json.loads(out.getvalue())
    assert any("error" in r for r in results)
    for result in results:
        review_valid(result)


def test_the_example_records_that_are_valid_match_the_record_schema():
    lines = [json.loads(line) for line in (ROOT / "examples/records.jsonl").read_text()
             .splitlines() if line.strip()]
    checked = 0
    for data in lines:
        try:
            mhct_dsl.parse_record(data, RULES)
        except RecordError:
            assert not VALIDATORS["record"].is_valid(data)
            continue
        valid("record", data)
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("path", RULE_TESTS, ids=[p.stem for p in RULE_TESTS])
def test_every_rule_test_case_output_validates(path):
    cases = json.loads(path.read_text("utf-8"))["cases"]
    for case in cases:
        try:
            if "review" in case:
                result = mhct_dsl.review(RULES, case["review"], case.get("as_of")).to_json()
                review_valid(result)
                valid("record", case["review"])
            else:
                spec = case["allocate"]
                result = mhct_dsl.allocate(RULES, spec["ratings"], spec.get("group")).to_json()
                valid("allocation", result)
        except RecordError:
            continue


def test_outcomes_and_decisions_are_enumerated_as_the_code_has_them():
    from mhct_dsl.results import DECISION_TEXT, FITS, OUTCOME_TEXT

    allocation = json_schema("allocation")["$defs"]
    review = json_schema("review")["$defs"]
    assert set(allocation["result"]["properties"]["outcome"]["enum"]) == set(OUTCOME_TEXT)
    assert set(review["result"]["properties"]["decision"]["enum"]) == set(DECISION_TEXT)
    assert allocation["candidate"]["properties"]["fit"]["enum"] == list(FITS)


def test_a_wrong_output_is_caught():
    result = mhct_dsl.allocate(RULES, {"7": 2}).to_json()
    assert not VALIDATORS["allocation"].is_valid({**result, "outcome": "maybe"})
    assert not VALIDATORS["allocation"].is_valid({k: v for k, v in result.items() if k != "suggested"})
    assert VALIDATORS["allocation"].is_valid({**result, "a_later_key": 1})
