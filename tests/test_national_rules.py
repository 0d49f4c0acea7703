"""Pin the national rule set (``rules/``) to the Mental Health Clustering Booklet, Appendix 3.

The expectations in ``tests/booklet_expectations.py`` are a second, independent transcription of
the booklet (typed from its text copy, not generated from the rule files). These tests check:

1. each cluster's name, kind, indicative episode, review interval and column quantifiers;
2. each criterion's booklet wording and formal condition, position by position, and that the rule
   files hold no criterion the booklet lacks;
3. that every criterion's wording really is in the booklet's text copy, inside its cluster's
   protocol table and column (see ``column_fragments`` for the approximation used);
4. that each cluster's transitions name exactly the clusters its transition diagram lists.

The booklet's text copy is read from ``$MHCT_BOOKLET_TEXT``, else from the shared seeds folder
(``seeds/004_cdb5cde344a63715.txt``); the tests that need it fail (they never skip) when it is
missing. Tests 1 and 2 also check the typed tables against the text copy where the text copy says
the same thing (headings, episode/review lines, column headers), so the tables cannot drift either.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import pytest

import mhct_dsl
from mhct_dsl.formatter import format_condition
from mhct_dsl.model import COLUMN_ORDER

from booklet_expectations import CLUSTERS, CRITERIA, DIAGRAMS

RULESET = mhct_dsl.load_ruleset()

BOOKLET_NAME = "004_cdb5cde344a63715.txt"
_REPO = Path(__file__).resolve().parent.parent
_CANDIDATES = [
    Path(os.environ["MHCT_BOOKLET_TEXT"]) if os.environ.get("MHCT_BOOKLET_TEXT") else None,
    _REPO.parent / "shared" / "seeds" / BOOKLET_NAME,  # CI and the README: ../shared
]

#: Criteria whose rule file disagrees with the booklet in a way judged to be a rule bug, keyed by
#: test id; each becomes a strict xfail so that fixing the rule file turns it into a failure here.
KNOWN_RULE_BUGS: dict[str, str] = {}


def norm(text: str) -> str:
    """Drop ``|`` table borders and collapse runs of whitespace."""
    return " ".join(text.replace("|", " ").split())


def crit_id(cluster: int, column: str, index: int) -> str:
    return f"c{cluster}-{column}-{index}"


# ---------------------------------------------------------------------------------------------
# The booklet's text copy
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def booklet_lines() -> tuple[str, ...]:
    for path in _CANDIDATES:
        if path is not None and path.is_file():
            return tuple(path.read_text(encoding="utf-8").splitlines())
    pytest.fail(
        "booklet text copy not found; set MHCT_BOOKLET_TEXT to seeds/" + BOOKLET_NAME
        + " (looked in: " + ", ".join(str(p) for p in _CANDIDATES if p) + ")"
    )


def protocol_region(cluster: int) -> list[str]:
    """The lines of 'CARE TRANSITION PROTOCOLS - Cluster N' up to its '|Key:' row."""
    lines = booklet_lines()
    head = re.compile(rf"^CARE TRANSITION PROTOCOLS - Cluster {cluster}:")
    starts = [i for i, line in enumerate(lines) if head.match(line)]
    assert len(starts) == 1, f"protocol page of cluster {cluster} not found once in the text copy"
    region = []
    for line in lines[starts[0]:]:
        if line.startswith("|Key:"):
            return region
        region.append(line)
    raise AssertionError(f"protocol table of cluster {cluster} has no Key row")


def table_rows(cluster: int) -> list[list[str]]:
    """The protocol table's four-cell rows (Cluster | Step-up | Discharge | Step-down), normalised.

    The text copy prints every row of these tables with exactly four cells; the only other rows
    are empty filler (``| | | |``), which are dropped.
    """
    rows = []
    for line in protocol_region(cluster):
        if not line.startswith("|"):
            continue
        cells = line.split("|")[1:-1]
        if len(cells) == 4:
            rows.append([norm(c) for c in cells])
        else:
            assert not norm(line), f"unexpected table row in cluster {cluster}: {line!r}"
    assert rows[0][1:] == [
        "Step-up Criteria",
        "Example local discharge Criteria for MH services",
        "Step-down Criteria",
    ], rows[0]
    return rows


#: Text in the text copy that belongs to no criterion: cluster 7's last discharge line is printed
#: "MHCT V1 item 8 (Other) = 1 or less N/A", yet its step-down column holds a criterion, so the
#: "N/A" is a stray of the conversion. (cluster, column, fragment as printed) -> fragment used.
STRAY_TEXT = {
    (7, "discharge", "MHCT V1 item 8 (Other) = 1 or less N/A"):
        "MHCT V1 item 8 (Other) = 1 or less",
}

_COLUMN_CELL = {"step_up": 1, "discharge": 2, "step_down": 3}


def column_fragments(cluster: int, column: str) -> list[str]:
    """One column's physical lines (cell fragments) below the header rows, in order.

    The text copy interleaves the three columns line by line, but each line keeps its columns in
    separate ``|`` cells, and every criterion starts on a new line of its cell. So a criterion's
    wording must equal a run of consecutive fragments of its own column joined by single spaces.
    That is the approximation used: exact per word, including punctuation and quotes, and bounded by
    cell lines (a wording that drops or adds a word, or runs into the next criterion, fails).
    """
    cell = _COLUMN_CELL[column]
    fragments = [row[cell] for row in table_rows(cluster)[2:] if row[cell]]
    return [STRAY_TEXT.get((cluster, column, f), f) for f in fragments]


def column_header(cluster: int, column: str) -> str:
    return table_rows(cluster)[1][_COLUMN_CELL[column]]


HEADER_QUANTIFIER = {
    "(The following criterion is met)": "one",
    "(All of the following criteria are met)": "all",
    "(Any of the following criteria are met)": "any",
}


def heading_names() -> dict[int, str]:
    """'CARE CLUSTER N: name' headings; for 1-21 the last one (the transition-diagram page)."""
    names = {}
    for line in booklet_lines():
        m = re.match(r"^CARE CLUSTER (\d+): (.*?)\s*$", line)
        if m:
            names[int(m.group(1))] = m.group(2)
    return names


def episode_review_line(cluster: int) -> tuple[str | None, str | None]:
    """(episode, review) as printed on the cluster's protocol (or, for cluster 0, profile) page."""
    lines = booklet_lines()
    if cluster == 0:
        start = lines.index("CARE CLUSTER 0: Variance")
        for line in lines[start:start + 5]:
            m = re.match(r"^Cluster reviews at least every:\s*(.*?)\s*$", line)
            if m:
                return None, m.group(1)
        raise AssertionError("cluster 0 review line not found")
    for line in protocol_region(cluster):
        m = re.match(
            r"^Indicative episode of care:\s*(.*?)\s*"
            r"Cluster reviews at least(?: every)?:\s*(.*?)\s*$",
            line,
        )
        if m:
            return (m.group(1) or None), (m.group(2) or None)
    raise AssertionError(f"cluster {cluster}: no 'Indicative episode of care' line")


# ---------------------------------------------------------------------------------------------
# 1. Cluster headers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(CLUSTERS), ids=lambda n: f"c{n}")
def test_cluster_header(number):
    name, kind, _, episode, _, review, quantifiers = CLUSTERS[number]
    cluster = RULESET.clusters[number]
    assert cluster.name == name
    assert cluster.kind == kind
    if episode is None:
        assert cluster.episode is None
    else:
        got = cluster.episode
        assert (got.low, got.high, got.open_ended, got.unit) == episode
    if review is None:
        assert cluster.review is None
    else:
        assert (cluster.review.every.amount, cluster.review.every.unit) == review
    assert {k: col.quantifier for k, col in cluster.columns.items()} == quantifiers
    for kind_, quantifier in quantifiers.items():
        criteria = cluster.columns[kind_].criteria
        if quantifier == "n/a":
            assert criteria == ()
        elif quantifier == "one":
            assert len(criteria) == 1
        else:
            assert criteria
    if not quantifiers:  # clusters 0 and 9: no care transition protocol in the rules
        assert cluster.grid is None and cluster.transitions is None


def test_every_cluster_is_pinned():
    assert sorted(RULESET.clusters) == sorted(CLUSTERS) == list(range(22))


@pytest.mark.parametrize("number", sorted(CLUSTERS), ids=lambda n: f"c{n}")
def test_expectations_match_booklet_headings(number):
    """The typed table itself against the text copy: name, episode/review lines, column headers."""
    name, _, episode_text, _, review_text, _, quantifiers = CLUSTERS[number]
    assert heading_names()[number] == name
    assert episode_review_line(number) == (episode_text, review_text)
    if number == 0:
        return
    if number == 9:  # a blank page: one "." in the step-up column and nothing else
        assert [column_fragments(9, k) for k in COLUMN_ORDER] == [["."], [], []]
        assert quantifiers == {}
        return
    for kind in COLUMN_ORDER:
        fragments = column_fragments(number, kind)
        if fragments == ["N/A"]:
            assert quantifiers[kind] == "n/a"
        else:
            assert quantifiers[kind] == HEADER_QUANTIFIER[column_header(number, kind)]


# ---------------------------------------------------------------------------------------------
# 2. Criteria: wording and formal condition
# ---------------------------------------------------------------------------------------------


def _criterion_params():
    params = []
    for cluster, column, index, wording, condition in CRITERIA:
        ident = crit_id(cluster, column, index)
        marks = ()
        if ident in KNOWN_RULE_BUGS:
            marks = (pytest.mark.xfail(strict=True, reason="rule bug: " + KNOWN_RULE_BUGS[ident]),)
        params.append(
            pytest.param(cluster, column, index, wording, condition, id=ident, marks=marks)
        )
    return params


@pytest.mark.parametrize("cluster, column, index, wording, condition", _criterion_params())
def test_criterion(cluster, column, index, wording, condition):
    criteria = RULESET.clusters[cluster].columns[column].criteria
    assert len(criteria) >= index, f"rule file has only {len(criteria)} {column} criteria"
    criterion = criteria[index - 1]
    assert norm(criterion.wording) == norm(wording)
    assert format_condition(criterion.condition) == condition


def test_no_undocumented_criteria():
    expected = [crit_id(c, k, i) for c, k, i, _, _ in CRITERIA]
    assert len(expected) == len(set(expected)), "duplicate position in CRITERIA"
    actual = [
        crit_id(number, kind, i)
        for number, cluster in sorted(RULESET.clusters.items())
        for kind, column in cluster.columns.items()
        for i, _ in enumerate(column.criteria, start=1)
    ]
    assert sorted(actual) == sorted(expected)


def test_criteria_table_follows_cluster_table():
    """Every typed criterion sits in a column the cluster table says has criteria, numbered 1..n."""
    for number, (_, _, _, _, _, _, quantifiers) in CLUSTERS.items():
        for kind, quantifier in quantifiers.items():
            indices = [i for c, k, i, _, _ in CRITERIA if c == number and k == kind]
            assert indices == list(range(1, len(indices) + 1))
            if quantifier == "n/a":
                assert not indices, (number, kind)
            elif quantifier == "one":
                assert len(indices) == 1, (number, kind)
            else:
                assert indices, (number, kind)
        if not quantifiers:
            assert not [c for c, *_ in CRITERIA if c == number]


# ---------------------------------------------------------------------------------------------
# 3. Wording occurs in the booklet's text copy
# ---------------------------------------------------------------------------------------------


def _rule_criteria():
    return [
        pytest.param(number, kind, i, criterion.wording, id=crit_id(number, kind, i))
        for number, cluster in sorted(RULESET.clusters.items())
        for kind, column in cluster.columns.items()
        for i, criterion in enumerate(column.criteria, start=1)
    ]


@pytest.mark.parametrize("cluster, column, index, wording", _rule_criteria())
def test_wording_is_in_booklet_text(cluster, column, index, wording):
    fragments = column_fragments(cluster, column)
    target = norm(wording)
    runs = {
        " ".join(fragments[i:j])
        for i in range(len(fragments))
        for j in range(i + 1, len(fragments) + 1)
    }
    assert target in runs, (
        f"{target!r} is not a run of whole lines of cluster {cluster}'s {column} column"
    )


@pytest.mark.parametrize(
    "number", [n for n in sorted(CLUSTERS) if CLUSTERS[n][6]], ids=lambda n: f"c{n}"
)
def test_columns_cover_booklet_text(number):
    """Each column's criteria, joined in order, are the whole column of the text copy."""
    cluster = RULESET.clusters[number]
    for kind in COLUMN_ORDER:
        fragments = column_fragments(number, kind)
        column = cluster.columns[kind]
        if column.quantifier == "n/a":
            assert fragments == ["N/A"], (kind, fragments)
        else:
            assert " ".join(norm(c.wording) for c in column.criteria) == " ".join(fragments), kind


def test_stray_text_still_present():
    """The documented strays must still be in the text copy (else STRAY_TEXT is stale)."""
    for (cluster, column, printed), _ in STRAY_TEXT.items():
        cell = _COLUMN_CELL[column]
        assert printed in [row[cell] for row in table_rows(cluster)]


# ---------------------------------------------------------------------------------------------
# 4. Transitions name only (and all) clusters of the booklet's diagram
# ---------------------------------------------------------------------------------------------


def _expand(listing: str) -> set[int]:
    """'1, 7, 11-17 & 19-21' (also '12–13&16-19', '18 - 21') -> the set of clusters."""
    found: set[int] = set()
    for low, high, single in re.findall(r"(\d+)\s*[-–]\s*(\d+)|(\d+)", listing):
        if single:
            found.add(int(single))
        else:
            found |= set(range(int(low), int(high) + 1))
    return found


def diagram_boxes(number: int) -> list[set[int]]:
    """Parse 'CARE CLUSTER N: ...' (the transition-diagram page) into its boxes' cluster sets."""
    lines = [line.strip() for line in booklet_lines()]
    starts = [i for i, line in enumerate(lines) if line.startswith(f"CARE CLUSTER {number}:")]
    assert starts, f"no transition diagram for cluster {number}"
    region = []
    for line in lines[starts[-1] + 1:]:
        if line.startswith("CARE CLUSTER") or line.startswith("...."):
            break
        if line:
            region.append(line)
    assert f"Current Cluster {number}" in region
    assert number == 9 or "Discharge from in-scope MH services" in region
    boxes = []
    for i, line in enumerate(region):
        m = re.match(r"^Clusters?\s*:?\s*(.*)$", line)
        if not m:
            continue
        listing = m.group(1) or region[i + 1]  # "Clusters:" with its list on the next line
        boxes.append(_expand(listing))
    return boxes


def rule_targets(number: int) -> list[int]:
    transitions = RULESET.clusters[number].transitions
    return [
        n
        for move in transitions.moves
        for _, clusters in getattr(move, "groups", ())
        for n in clusters
    ]


@pytest.mark.parametrize("number", sorted(DIAGRAMS), ids=lambda n: f"c{n}")
def test_diagram_expectation_matches_booklet_text(number):
    assert diagram_boxes(number) == DIAGRAMS[number]


@pytest.mark.parametrize("number", sorted(CLUSTERS), ids=lambda n: f"c{n}")
def test_transitions_match_diagram(number):
    cluster = RULESET.clusters[number]
    if number not in DIAGRAMS or not DIAGRAMS[number]:  # cluster 0 (no diagram), 9 (empty)
        assert cluster.transitions is None
        return
    listed = set().union(*DIAGRAMS[number])
    targets = rule_targets(number)
    assert len(targets) == len(set(targets)), f"a cluster is named twice: {targets}"
    # Only clusters the diagram lists (never the current cluster itself) ...
    assert set(targets) <= listed - {number}, sorted(set(targets) - (listed - {number}))
    # ... and all of them, except the blank cluster 9 (no profile to move to) and the current one.
    assert listed - {number, 9} <= set(targets), sorted(listed - {number, 9} - set(targets))
    # Every diagram offers "Discharge from in-scope MH services".
    assert sum(type(m).__name__ == "DischargeMove" for m in cluster.transitions.moves) == 1
