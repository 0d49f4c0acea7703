"""`review_json.dumps` writes exactly ``json.dumps(result.to_json(), ensure_ascii=False)``: over
the seeded golden records under the national and a local rule set in one process, and for
random records whose ids hold any character (controls, lone surrogates, non-ASCII)."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mhct_dsl
from budget import examples
from mhct_dsl import review_json
from mhct_dsl.records import RecordError, parse_record
from mhct_dsl.review import review
from test_invariants import RULES as MINI, record_and_as_of

ROOT = Path(__file__).resolve().parent.parent
RECORDS = [json.loads(line) for line in
           (ROOT / "tests" / "fixtures" / "review-golden.jsonl").read_text().splitlines()]


def reference(result) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False)


def test_national_and_local_results_alternating_in_one_process():
    national = mhct_dsl.load_ruleset()
    local = mhct_dsl.load_ruleset(ROOT / "rules" / "local")
    written = 0
    for data in RECORDS:
        for rules in (national, local):
            try:
                result = review(rules, parse_record(data, rules))
            except RecordError:
                continue
            assert review_json.dumps(result) == reference(result)
            written += 1
    assert written > 1000


@settings(max_examples=examples(200), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(record_and_as_of(), st.text(st.characters(blacklist_categories=())))
def test_any_record_and_id(case, record_id):
    record, as_of = case
    result = review(MINI, attrs.evolve(record, id=record_id), as_of)
    assert review_json.dumps(result) == reference(result)
