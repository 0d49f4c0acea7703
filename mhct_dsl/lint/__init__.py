"""`mhct lint`: exact analysis of a rule set's grids and criteria.

`lint(ruleset)` returns a `Report`: the coverage of the 5^18 complete profiles by the clusters'
red regions (`coverage`), and the findings of `checks` with the rule files' ``accept`` entries
matched to them. Modules: `space` (profiles as factors, grids as sets), `search` (the exact factor
DP), `coverage`, `ranking`, `solver` (criteria), `checks`, `report` (text and JSON).
"""

from __future__ import annotations

import attrs

from ..model import RuleSet
from .checks import Finding, Solver, findings, grid_overlaps, group_members
from .coverage import Coverage, coverage
from .space import GridSets, gridded, pair_readings

__all__ = ["lint", "coverages", "overlaps", "Report", "Finding"]


@attrs.frozen
class Report:
    """What `lint` found: coverage for all clusters (``"all"``, without ties) and per group,
    findings (accepted ones carry the reason), and the questions left undecided."""

    ruleset: RuleSet
    readings: tuple[str, ...]
    coverage: dict[str, Coverage]
    findings: tuple[Finding, ...]
    undecided: tuple[str, ...]

    @property
    def open(self) -> tuple[Finding, ...]:
        """Findings no ``accept`` entry covers."""
        return tuple(f for f in self.findings if f.accepted is None)


def lint(ruleset: RuleSet) -> Report:
    """Analyse ``ruleset`` (each pair row in its own reading)."""
    grids = gridded(ruleset)
    solve = Solver(grids)
    found = _accept(ruleset, findings(ruleset, solve))
    return Report(ruleset, pair_readings(ruleset), coverages(ruleset, grids), tuple(found),
                  tuple(solve.undecided))


def coverages(ruleset: RuleSet, grids: dict[int, GridSets] | None = None) -> dict[str, Coverage]:
    """Coverage for all clusters (``"all"``, without ties) and per decision-tree group."""
    grids = gridded(ruleset) if grids is None else grids
    shares = {"all": coverage(list(grids.values()), ties=False)}
    for group, members in group_members(ruleset, grids).items():
        shares[group] = coverage([grids[c] for c in members])
    return shares


def overlaps(ruleset: RuleSet) -> list[Finding]:
    """Only the grid overlaps of `lint` (cheap: no search), with their ``accept`` reasons."""
    found = grid_overlaps(ruleset, gridded(ruleset))
    return [f for f in _accept(ruleset, found) if f.code != "unused_accept"]


def _accept(ruleset: RuleSet, found: list[Finding]) -> list[Finding]:
    """Match each finding to an ``accept`` entry of its cluster (same code, same other
    clusters); an entry that matches nothing is itself a finding (``unused_accept``)."""
    used = set()
    out = []
    for finding in found:
        accepts = ruleset.clusters[finding.cluster].accepts
        entry = next((a for a in accepts if a.code == finding.code
                      and sorted(a.clusters) == sorted(finding.others)), None)
        if entry is not None:
            used.add((finding.cluster, id(entry)))
            finding = attrs.evolve(finding, accepted=entry.reason)
        out.append(finding)
    for number, cluster in ruleset.clusters.items():
        for entry in cluster.accepts:
            if (number, id(entry)) not in used:
                out.append(Finding("unused_accept", f"nothing to accept: lint finds no "
                                   f"`{entry.code}` here", entry.span, number,
                                   tuple(entry.clusters)))
    return out
