"""``mhct allocate --format csv``: every candidate, the suggested cluster named, what blocks."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import mhct_dsl
from mhct_dsl.batch import CSV_COLUMNS, _allocation_cells, run_allocate
from mhct_dsl.results import AllocationResult

ROOT = Path(__file__).resolve().parent.parent
RULES = mhct_dsl.load_ruleset()


def rows() -> dict[str, dict[str, str]]:
    out = io.StringIO()
    run_allocate(RULES, str(ROOT / "examples/assessments.csv"), "csv", out, io.StringIO())
    return {row["id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}


def test_every_candidate_is_listed():
    row = rows()["NP-101"]
    listed = row["candidates"].split(";")
    assert len(listed) == 20  # every cluster with a grid: 1-8 and 10-21
    # best first across groups: 11 has more red and orange rows met (group non_psychotic picks 1)
    assert listed[:4] == ["11:fits", "1:fits", "2:fits", "3:fits"]
    assert (row["suggested"], row["outcome"]) == ("1", "fits")
    assert row["suggested_name"] == "Common Mental Health Problems (Low Severity)"


def test_an_open_suggestion_says_which_ratings_block_it():
    row = rows()["PS-202"]
    assert (row["suggested"], row["outcome"]) == ("", "further_assessment_required")
    assert row["blocking_unknowns"] == "scale 6: rated 9 (not known) on 2014-02-24 (clusters 13, 12)"


def test_a_variance_row_names_the_variance_cluster():
    result = AllocationResult("V", RULES.receipt(), (), 0, "variance")
    cells = dict(zip(CSV_COLUMNS, _allocation_cells(result, RULES)))
    assert (cells["suggested"], cells["suggested_name"], cells["outcome"]) == \
        ("0", "Variance", "variance")
