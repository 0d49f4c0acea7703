"""The example records kept beside the national rules (`rules/tests/*.json`, run by `mhct test`).

Every example passes, and together they decide every care-transition column that is not N/A:
for each cluster and each of its step-up / discharge / step-down columns, some passing example
reaches that decision. Each cluster's file also keeps a `remain`, a `needs_assessment` and an
allocation example, so a commissioner who amends a criterion sees what it means.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mhct_dsl import ruletests
from mhct_dsl.cli import main
from mhct_dsl.loader import bundled_rules_path, load_ruleset

RULES = bundled_rules_path()


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset(RULES)


@pytest.fixture(scope="module")
def files() -> list[Path]:
    return ruletests.test_files(RULES)


@pytest.fixture(scope="module")
def results(ruleset, files):
    return [result for file in files for result in ruletests.run_file(ruleset, file)]


def _report(failed) -> str:
    return "\n".join(f"FAIL {r.file}: {r.name}\n" + "\n".join(f"    {f}" for f in r.failures)
                     for r in failed)


def test_every_cluster_with_a_protocol_has_an_example_file(ruleset, files):
    names = {file.name for file in files}
    expected = {f"cluster-{n:02d}.json" for n, c in ruleset.clusters.items() if c.columns}
    assert expected - names == set()
    assert "variance-and-blank.json" in names


def test_every_example_passes(results):
    failed = [r for r in results if not r.passed]
    assert not failed, f"{len(failed)} of {len(results)} rule examples fail:\n" + _report(failed)


def test_every_applicable_column_is_decided_by_a_passing_example(ruleset, results):
    decided = {r.decided for r in results if r.decided}
    assert ruletests.columns_to_cover(ruleset) - decided == set()


def test_each_cluster_file_has_remain_needs_assessment_and_allocation_examples(ruleset, files):
    by_name = {file.name: file for file in files}
    for number, cluster in sorted(ruleset.clusters.items()):
        if not cluster.columns:
            continue
        cases = json.loads(by_name[f"cluster-{number:02d}.json"].read_text("utf-8"))["cases"]
        decisions = {c["expect"].get("decision") for c in cases if "review" in c}
        assert {"remain", "needs_assessment"} <= decisions, f"cluster {number}: {decisions}"
        allocations = [c for c in cases if "allocate" in c]
        assert any(c["expect"].get("suggested") == number for c in allocations), \
            f"cluster {number}: no allocation example suggesting it"


def test_example_record_ids_are_unique(files):
    seen: dict[str, str] = {}
    for file in files:
        for case in json.loads(file.read_text("utf-8"))["cases"]:
            record = case.get("review")
            if record is None:
                continue
            assert record["id"] not in seen, f"{record['id']} in {file.name} and {seen[record['id']]}"
            seen[record["id"]] = file.name


def test_mhct_test_command_passes(files, capsys):
    cases = sum(len(json.loads(file.read_text("utf-8"))["cases"]) for file in files)
    code = main(["test"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.strip().splitlines()[-1] == f"rule tests: {cases} passed, 0 failed"
    assert "columns no example decides" not in out


def test_a_criterion_the_review_does_not_have_is_named_as_missing():
    # cluster 4's discharge column has three criteria: discharge.9 is a mistake in the example
    criteria = [{"column": "discharge", "index": i, "value": True} for i in (1, 2, 3)]
    assert list(ruletests._compare({"criteria": {"discharge.9": True, "discharge.2": False}},
                                   {"criteria": criteria})) == [
        "criterion discharge.9: expected true, but the review has no criterion discharge.9 "
        "(it has discharge.1, discharge.2, discharge.3)",
        "criterion discharge.2: expected false, got true"]


def test_a_case_expecting_nothing_fails(ruleset):
    # it would pass whatever the rules said, even for ratings that are not a mapping
    case = {"name": "vacuous", "allocate": {"ratings": "x"}, "expect": {}}
    assert ruletests.run_case(ruleset, case, "t.json", 0).failures == (
        "`expect` is empty, so the case could never fail: name a key of the result to check, "
        "e.g. `decision` or `suggested`",)
