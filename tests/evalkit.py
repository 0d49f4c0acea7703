"""Fixtures for the interpreter tests: small rule sets built straight from syntax nodes.

`mini_ruleset()` is a hand-made rule set shaped like the booklet (variance 0, blank 9, a few
non-psychotic and psychotic clusters with grids, columns and transitions) whose every grid row
and criterion is chosen to make the tests readable. `ratings()`, `assessment()` and `record()`
build inputs. Nothing here depends on the parser or the checker.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from mhct_dsl import nodes as n
from mhct_dsl.model import SCALE_IDS, Cluster, RuleSet, Term
from mhct_dsl.records import Assessment, Event, Record

BOOKLET = n.Source("booklet", "test fixture")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def dur(amount: int, unit: str = "month") -> n.Duration:
    return n.Duration(amount, unit)


def cmp(op: str, value: int, high: int | None = None) -> n.Comparison:
    return n.Comparison(op, value, high)


def row(scales: str, *bands: tuple) -> n.GridRow:
    """``row("7|8", ("red", 1, 2), ("yellow", 3))``."""
    built = [n.Band(b[0], b[1], b[2] if len(b) > 2 else b[1]) for b in bands]
    return n.GridRow(tuple(scales.split("|")), built)


def grid(*rows: n.GridRow) -> n.Grid:
    return n.Grid(rows)


def column(kind: str, quantifier: str, *criteria) -> n.Column:
    """``column("discharge", "all", ("wording", condition), ...)``."""
    return n.Column(kind, quantifier, [n.Criterion(w, c) for w, c in criteria])


def transitions(up=(), up_possible=(), down=(), down_possible=()) -> n.Transitions:
    moves = []
    if up or up_possible:
        moves.append(n.Move("up", [g for g in (("likely", tuple(up)), ("possible", tuple(up_possible)))
                                   if g[1]]))
    if down or down_possible:
        moves.append(n.Move("down", [g for g in (("likely", tuple(down)),
                                                 ("possible", tuple(down_possible))) if g[1]]))
    return n.Transitions(moves)


def cluster(number: int, name: str, *, kind: str = "care", group=None, branch=None, grid=None,
            columns: Iterable[n.Column] = (), transitions=None, review=None) -> Cluster:
    return Cluster(
        number=number, name=name, kind=kind, group=group, branch=branch, texts={},
        episode=None, review=None if review is None else n.Review(review),
        grid=grid, columns={c.kind: c for c in columns}, transitions=transitions,
        source=BOOKLET,
    )


FACTS = (
    "medication_stable_past_year", "medication_stable_adherent", "detained_mha",
    "residual_risks_manageable_in_primary_care", "social_inclusion_meets_expectations",
    "completed_treatment_residual_comorbidities", "no_longer_requires_service",
    "prescribed_eip_period", "need_maintained_until_next_review", "support_reduced_6_months",
    "substance_use_prevents_usual_care", "organic_causes_excluded", "achei_dose_stable_6_months",
    "achei_dose_stable_12_months",
)


def tree() -> n.DecisionTreeDecl:
    return n.DecisionTreeDecl("Appendix 2", [
        n.Group("non_psychotic", "Non-psychotic", [
            n.Branch("mild_moderate", "Mild/moderate/severe", (1, 2)),
        ]),
        n.Group("psychotic", "Psychotic", [
            n.Branch("first_episode", "First episode", (10,)),
            n.Branch("ongoing", "Ongoing or recurrent", (11,)),
            n.Branch("crisis", "Psychotic crisis", (14, 15)),
        ]),
    ])


def clusters_mini() -> dict[int, Cluster]:
    c10_columns = [
        column("step_up", "one", ("Fits a likely/possible step-up cluster.",
                                  n.FitsTransition("step_up"))),
        column("discharge", "all",
               ("Not currently detained under the Mental Health Act.",
                n.Not(n.FactIs("detained_mha"))),
               ("Has required no inpatient / IHT packages for the past year.",
                n.EventWithin("inpatient_or_iht", dur(12), absent=True)),
               ("Scores 0-1 on item 6.", n.ScaleIs("6", cmp("in", 0, 1))),
               ("Requires no medication or a stable dose for the past year.",
                n.FactIs("medication_stable_past_year"))),
        column("step_down", "all",
               ("Fits a likely/possible step-down cluster consistently for 12 months.",
                n.FitsTransition("step_down", dur(12))),
               ("Item 3 has remained at 2 or less for 12 months.",
                n.ScaleRemained("3", cmp("<=", 2), dur(12)))),
    ]
    c11_columns = [
        column("step_up", "any",
               ("Fits a likely/possible step-up cluster.", n.FitsTransition("step_up")),
               ("Scores above 2 on problem drinking.", n.ScaleIs("3", cmp(">", 2)))),
        column("discharge", "n/a"),
        column("step_down", "one", ("Has received 2 years of specialist intervention.",
                                    n.Tenure("in_service", dur(2, "year")))),
    ]
    return {
        0: cluster(0, "Variance", kind="variance"),
        1: cluster(1, "Common Mental Health Problems (Low Severity)", group="non_psychotic",
                   branch="mild_moderate",
                   grid=grid(row("7|8", ("red", 1, 2), ("yellow", 3)),
                             row("1", ("orange", 0, 1)),
                             row("2", ("orange", 0, 1)),
                             row("6", ("orange", 0)),
                             row("3", ("yellow", 0, 2)))),
        2: cluster(2, "Common Mental Health Problems (Low Severity with greater need)",
                   group="non_psychotic", branch="mild_moderate",
                   grid=grid(row("7|8", ("red", 2, 3)),
                             row("1", ("orange", 0, 2)),
                             row("6", ("orange", 0)))),
        9: cluster(9, "Blank", kind="blank"),
        10: cluster(10, "First Episode in Psychosis", group="psychotic", branch="first_episode",
                    grid=grid(row("6", ("red", 1, 4)),
                              row("7|8", ("orange", 0, 3), ("yellow", 4)),
                              row("3", ("orange", 0, 2), ("yellow", 3, 4)),
                              n.GridRow(("5",), ())),
                    columns=c10_columns, transitions=transitions(up=(14,), up_possible=(15,),
                                                                 down=(11,)),
                    review=dur(12)),
        11: cluster(11, "Ongoing or Recurrent Psychosis (Low Symptoms)", group="psychotic",
                    branch="ongoing",
                    grid=grid(row("6", ("red", 1, 3)),
                              row("D", ("orange", 0, 2)),
                              row("12", ("orange", 0, 2))),
                    columns=c11_columns, transitions=transitions(up=(14,), down=(1,)),
                    review=dur(6)),
        14: cluster(14, "Psychotic Crisis", group="psychotic", branch="crisis",
                    grid=grid(row("6", ("red", 3, 4)), row("1", ("orange", 2, 4)))),
        15: cluster(15, "Severe Psychotic Depression", group="psychotic", branch="crisis",
                    grid=grid(row("6", ("red", 2, 4)), row("2", ("red", 2, 4)),
                              row("1", ("orange", 0, 3)))),
    }


def mini_ruleset(clusters: dict[int, Cluster] | None = None) -> RuleSet:
    return RuleSet(
        name="Test booklet", version="T1", header={}, scales={},
        facts={f: Term(f, f.replace("_", " "), BOOKLET) for f in FACTS},
        events={"inpatient_or_iht": Term("inpatient_or_iht", "an inpatient stay", BOOKLET)},
        tree=tree(), clusters=clusters if clusters is not None else clusters_mini(),
        fingerprint="sha256:test",
    )


def ratings(default: int | None = 0, **by_scale: int | None) -> dict[str, int]:
    """All 18 scales at ``default`` (None = leave out), overridden by ``s7=2``, ``sD=1`` ..."""
    out = {} if default is None else {s: default for s in SCALE_IDS}
    for key, value in by_scale.items():
        scale = key[1:]
        if value is None:
            out.pop(scale, None)
        else:
            out[scale] = value
    return out


def assessment(date: str, default: int | None = 0, **by_scale) -> Assessment:
    return Assessment(d(date), ratings(default, **by_scale))


def record(*assessments: Assessment, current_cluster=10, facts=None, events=(),
           in_service_since=None, cluster_since=None, id="SU-T") -> Record:
    """A record; ``events=None`` means no event history."""
    return Record(
        id=id, assessments=tuple(sorted(assessments, key=lambda a: a.date)),
        current_cluster=current_cluster,
        cluster_since=None if cluster_since is None else d(cluster_since),
        in_service_since=None if in_service_since is None else d(in_service_since),
        facts=facts or {},
        events=None if events is None else tuple(Event(k, d(w)) for k, w in events),
    )


def record_json(*assessments: tuple[str, dict], **extra) -> dict:
    """A record dict as in DESIGN.md."""
    out = {"id": extra.pop("id", "SU-J"),
           "assessments": [{"date": w, "ratings": r} for w, r in assessments]}
    out.update(extra)
    return out


# ---- rule sets parsed from .mhr text (through the real parser and checker) ----------------------

LOCAL_DISCHARGE = '''\
ruleset "Test Trust local booklet" extends national source local "test fixture" {
    version "L1"
}

amend cluster 10 source local "discharge ref 7" {
    discharge all {
        "Not currently detained under the Mental Health Act."
            not fact detained_mha
        "Item 6 has remained at 1 or less for 6 months."
            scale 6 remained <= 1 for 6 months
    }
}
'''


def load_text_ruleset(tmp_path, text: str, name: str = "local.mhr"):
    """Write ``text`` as a rule file in ``tmp_path`` and load it with `loader.load_ruleset`."""
    from mhct_dsl.loader import load_ruleset

    (tmp_path / name).write_text(text, encoding="utf-8")
    return load_ruleset(tmp_path)


def national_ruleset():
    """The bundled national rules; a rule set that fails to load fails the test that asked."""
    from mhct_dsl.loader import load_ruleset

    return load_ruleset()
