"""A small embedding of mhct_dsl, type-checked by tests/test_typing.py with ``mypy --strict``."""

import datetime as dt

import mhct_dsl

rules: mhct_dsl.RuleSet = mhct_dsl.load_ruleset()
ratings = {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0, "7": 2, "8": 1}
result = mhct_dsl.allocate(rules, ratings, group="non_psychotic")
suggested: int | None = result.suggested
reveal_type(result.suggested)
reveal_type(result.candidates[0].fit)

record = {"id": "SU-1", "current_cluster": 3, "assessments": [
    {"date": "2014-01-06", "ratings": ratings}]}
decision = mhct_dsl.review(rules, record, as_of="2014-03-01")
due: dt.date | None = decision.next_review_due
reveal_type(decision.decision)
reveal_type(decision.review_overdue)

exported = mhct_dsl.export(rules)
reveal_type(mhct_dsl.parse_record(record, rules).assessments)
