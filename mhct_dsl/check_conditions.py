"""The checker's conditions: every name a criterion's condition uses resolves (scales, facts,
events, teams, clusters), its ratings and durations are in range, and it nests at most
MAX_CONDITION_DEPTH deep (evaluation stays well inside Python's recursion limit)."""

from __future__ import annotations

from . import model as m
from . import nodes as n
from .check_base import CheckerBase
from .diagnostics import did_you_mean

MAX_CONDITION_DEPTH = 32


class ConditionChecks(CheckerBase):
    """One condition, checked against the rule set's vocabulary (``facts``, ``events``, ``teams``,
    set by the checker before any cluster is checked) and its clusters."""

    def _condition(self, cond, cluster: m.Cluster, clusters, depth: int = 1) -> None:
        if depth > MAX_CONDITION_DEPTH:
            self.error("too-deep", f"conditions nested more than {MAX_CONDITION_DEPTH} levels "
                       "deep", cond.span, "split the condition, or name its parts with facts")
        elif isinstance(cond, n.Not):
            self._condition(cond.operand, cluster, clusters, depth + 1)
        elif isinstance(cond, (n.AllOf, n.AnyOf)):
            for operand in cond.operands:
                self._condition(operand, cluster, clusters, depth + 1)
        elif isinstance(cond, (n.ScaleIs, n.ScaleRemained)):
            self._scale_id(cond.scale, cond.span)
            self._comparison(cond.comparison)
            if isinstance(cond, n.ScaleRemained):
                self._duration(cond.duration)
        elif isinstance(cond, n.ScaleStable):
            self._scale_id(cond.scale, cond.span)
            self._duration(cond.duration)
        elif isinstance(cond, n.FactIs):
            self._declared("fact", cond.name, self.facts, cond.span)
        elif isinstance(cond, n.EventWithin):
            self._duration(cond.duration)
            self._declared("event", cond.name, self.events, cond.span)
        elif isinstance(cond, n.Tenure):
            self._duration(cond.duration)
            if cond.team is not None:
                self._declared("team", cond.team, self.teams, cond.span)
        elif isinstance(cond, n.FitsClusters):
            if cond.consistently is not None:
                self._duration(cond.consistently)
            for number in cond.clusters:
                if number not in clusters:
                    self.error("unknown-cluster", f"cluster {number} is not declared", cond.span)
                elif clusters[number].grid is None:
                    self.error("invalid-value", f"cluster {number} has no grid to fit",
                               cond.span)
        elif isinstance(cond, n.FitsTransition):
            if cond.consistently is not None:
                self._duration(cond.consistently)
            direction = "up" if cond.direction == "step_up" else "down"
            if cluster.transitions is not None and not cluster.targets(direction):
                self.error("no-transition-targets", f"`fits {cond.direction}`: cluster "
                           f"{cluster.number} has no likely or possible {direction} transitions",
                           cond.span, f"list them in transitions: {direction} likely ...")

    def _declared(self, what: str, name: str, declared: dict, span) -> None:
        """A fact, event or team a condition names must be declared."""
        if name not in declared:
            self.error(f"unknown-{what}", f"{what} `{name}` is not declared", span,
                       did_you_mean(name, declared)
                       or f'declare it: {what} {name} "booklet wording"')
