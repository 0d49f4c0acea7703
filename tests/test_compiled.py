"""The compiled batch path against a brute-force oracle of the allocation semantics.

Random rule sets and records (`compiledkit`); the oracle enumerates every filling of the unknown
ratings, so each expected value comes from the definition, not from the code under test.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compiledkit import fillings, oracle_best, oracle_labels, ratings, rule_sets
from mhct_dsl.compiled import LABELS, OUTCOMES, compile_ruleset, encode_rating, evaluate
from mhct_dsl.compiled.kernel import NONE


def _codes(compiled, records):
    return np.array([[encode_rating(r.get(s)) for s in compiled.scales] for r in records],
                    dtype=np.uint8)


def _one(ruleset, record, group=None, recorded=None):
    compiled = compile_ruleset(ruleset)
    index = np.array([NONE if group is None else compiled.group_names.index(group)])
    batch = evaluate(compiled, _codes(compiled, [record]), index, np.array([1]),
                     np.array([NONE if recorded is None else recorded]))
    return compiled, batch


@settings(max_examples=300)
@given(rule_sets(), ratings())
def test_labels_and_possible_labels_are_those_of_every_filling(ruleset, record):
    compiled, batch = _one(ruleset, record)
    expected = oracle_labels(ruleset, record)
    label, possible = batch.label()[0], batch.states.possible[batch.state[0]]
    for column, number in enumerate(compiled.clusters):
        labels = expected[int(number)]
        assert LABELS[label[column]] == (next(iter(labels)) if len(labels) == 1 else "unknown")
        got = {name for name, bit in (("fits", 1), ("weaker", 2), ("no", 4))
               if possible[column] & bit}
        assert got == labels


@settings(max_examples=300)
@given(rule_sets(), ratings(), st.data())
def test_a_decided_suggestion_is_the_best_under_every_filling(ruleset, record, data):
    group = data.draw(st.sampled_from([g.name for g in ruleset.tree.groups]))
    members = [m for g in ruleset.tree.groups if g.name == group
               for b in g.branches for m in b.clusters]
    _, batch = _one(ruleset, record, group)
    suggested, outcome = int(batch.suggested[0]), OUTCOMES[batch.outcome[0]]
    bests = {oracle_best(ruleset, filled, members) for filled in fillings(record)}
    every = {oracle_best(ruleset, filled, [c for c in ruleset.clusters
                                           if ruleset.clusters[c].grid is not None])
             for filled in fillings(record)}
    known = [v for v in record.values() if v != 9]
    if all(v == 0 for v in known) and len(known) == 18:
        assert (outcome, suggested) == ("no_rated_needs", NONE)
    elif all(v == 0 for v in known):  # the person may have no rated needs
        assert (outcome, suggested) == ("further_assessment_required", NONE)
    elif every == {None}:
        assert (outcome, suggested) == ("variance", 0)
    elif bests == {None}:
        assert (outcome, suggested) == ("no_fit_in_group", NONE)
    elif len(bests) == 1:
        # Sound: whatever the compiled path decides holds for every filling; with no unknowns
        # (one filling) it always decides.
        assert suggested in (NONE, *bests)
        assert suggested != NONE or len(list(fillings(record))) > 1
    else:
        assert (outcome, suggested) == ("further_assessment_required", NONE)
