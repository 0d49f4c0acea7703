"""Allocation results (`AllocationResult`): the candidates ranked, each with its grid rows checked
colour by colour, the suggestion, and what blocks one if none (shape: `mhct_dsl.results`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from . import logic
from .logic import Truth
from .results_common import TRACE_SCHEMA, Unknown, iso, known_date

if TYPE_CHECKING:
    from .model import RuleSet

FITS = ("fits", "weaker", "unknown", "no")


@attrs.frozen
class RowCheck:
    """One grid row checked: its scales, class colour, the bands of that colour, the ratings seen."""

    scales: tuple[str, ...]
    colour: str
    expected: tuple[tuple[int, int], ...]
    ratings: tuple[int | None, ...]
    value: Truth
    label: str = attrs.field(
        default=attrs.Factory(lambda self: "|".join(self.scales), takes_self=True))

    def unknowns(self, date: dt.date | None = None) -> tuple[Unknown, ...]:
        if self.value is not None:
            return ()
        return tuple(scale_unknown(scale, raw, date)
                     for scale, raw in zip(self.scales, self.ratings) if raw is None or raw == 9)


def scale_unknown(scale: str, raw: int | None, date: dt.date | None = None) -> Unknown:
    """An unknown rating: "rated 9 (not known)" or "not rated", with the assessment's date."""
    when = "" if date is None or date == dt.date.min else f" on {date.isoformat()}"
    return Unknown("scale", scale, ("rated 9 (not known)" if raw == 9 else "not rated") + when)


@attrs.frozen
class ColourSummary:
    """Row labels of one colour class: met, missed (known and outside), unknown."""

    met: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        return {"met": list(self.met), "missed": list(self.missed), "unknown": list(self.unknown)}


class Tally(NamedTuple):
    """How many of one cluster's red and orange rows are met, missed and unknown: all its fit
    label, red check and rank keys depend on (`ranking`). A named tuple: a review makes a dozen
    a record."""

    cluster: int
    red_met: int
    red_missed: int
    red_unknown: int
    orange_met: int
    orange_missed: int
    orange_unknown: int


def _tally(candidate: "Candidate") -> Tally:
    red, orange = candidate.red, candidate.orange
    return Tally(candidate.cluster, len(red.met), len(red.missed), len(red.unknown),
                 len(orange.met), len(orange.missed), len(orange.unknown))


@attrs.frozen
class Candidate:
    """One cluster's fit to an assessment (booklet Step 3) with its row checks; ``possible``
    lists the labels some filling of the unknown ratings could give (one when ``fit`` is definite)."""

    cluster: int
    name: str
    group: str | None
    branch: str | None
    fit: str
    red: ColourSummary
    orange: ColourSummary
    yellow: ColourSummary
    row_checks: Any = attrs.field(default=lambda unknown=None: (), eq=False, repr=False)
    possible: tuple[str, ...] = attrs.field(
        default=attrs.Factory(lambda self: (self.fit,), takes_self=True))
    tally: Tally = attrs.field(default=attrs.Factory(_tally, takes_self=True), eq=False,
                               repr=False)

    @property
    def rows(self) -> tuple[RowCheck, ...]:
        """Every checked grid row in grid order (built on demand: allocation only needs the
        summaries, explanations need the rows)."""
        return tuple(self.row_checks())

    def unknown_rows(self, colours: tuple[str, ...]) -> tuple[RowCheck, ...]:
        """The rows of these colours that unknown ratings leave undecided, in grid order."""
        return tuple(self.row_checks(unknown=colours))

    @property
    def orange_mismatches(self) -> int:
        return len(self.orange.missed)

    @property
    def truth(self) -> Truth:
        """The red check (every red row met) as a truth value: Kleene AND of the red rows."""
        return False if self.red.missed else None if self.red.unknown else True

    def note(self) -> str:
        """``cluster 14: no (red missed 6)``: the fit and the rows behind it."""
        details = []
        if self.red.missed:
            details.append("red missed " + ", ".join(self.red.missed))
        if self.red.unknown:
            details.append("red unknown " + ", ".join(self.red.unknown))
        if self.fit in ("weaker", "unknown") and self.orange.missed:
            details.append("orange missed " + ", ".join(self.orange.missed))
        if self.fit == "unknown" and self.orange.unknown:
            details.append("orange unknown " + ", ".join(self.orange.unknown))
        return f"cluster {self.cluster}: {self.fit}" + (f" ({'; '.join(details)})" if details else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster, "name": self.name, "group": self.group,
            "branch": self.branch, "fit": self.fit, "possible": list(self.possible),
            "red": self.red.to_json(),
            "orange": self.orange.to_json(), "yellow": self.yellow.to_json(),
            "orange_mismatches": self.orange_mismatches,
        }


@attrs.frozen
class BlockingCandidate:
    """A candidate whose unknown rows could change the answer: those rows and the unknown ratings
    behind them (``cluster`` None: unknown ratings that could mean no rated needs)."""

    cluster: int | None
    rows: tuple[str, ...]
    unknowns: tuple[Unknown, ...]

    def to_json(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "rows": list(self.rows),
                "unknowns": [u.to_json() for u in self.unknowns]}


@attrs.frozen
class GroupBest:
    """A decision-tree group's best candidate (not definitely ``no``): cluster and fit label."""

    cluster: int
    fit: str

    def to_json(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "fit": self.fit}


OUTCOME_TEXT = {
    "fits": "fits the suggested cluster's red and orange ratings",
    "weaker": "a weaker fit: red ratings match, some orange ratings do not",
    "variance": "no cluster of any group can fit: variance (cluster 0)",
    "further_assessment_required": "further assessment required: unknown ratings decide it",
    "no_fit_in_group": "no cluster of the group fits; clusters of another group could",
    "no_rated_needs": "no rated needs: every rating is 0",
    "group_needed": "decision-tree group needed (Step 2): clusters of more than one group could fit",
}


@attrs.frozen
class AllocationResult:
    """Ranked candidates for one assessment, the suggestion, and what blocks one if none."""

    id: str | None
    ruleset: dict[str, str]
    candidates: tuple[Candidate, ...]
    suggested: int | None
    outcome: str
    blocking_unknowns: tuple[BlockingCandidate, ...] = ()
    group: str | None = None
    date: dt.date | None = attrs.field(default=None, converter=known_date)
    recorded_cluster: int | None = None
    recorded_fit: str | None = None
    recorded_adheres: Truth = None
    group_source: str | None = None
    by_group: dict[str, GroupBest | None] = attrs.field(factory=dict)

    def candidate(self, cluster: int) -> Candidate | None:
        return next((c for c in self.candidates if c.cluster == cluster), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ruleset": dict(self.ruleset),
            "trace_schema": TRACE_SCHEMA,
            "candidates": [c.to_json() for c in self.candidates],
            "suggested": self.suggested,
            "blocking_unknowns": [b.to_json() for b in self.blocking_unknowns],
            "group": self.group,
            "group_source": self.group_source,
            "by_group": {g: None if b is None else b.to_json() for g, b in self.by_group.items()},
            "outcome": self.outcome,
            "date": iso(self.date),
            "recorded_cluster": self.recorded_cluster,
            "recorded_fit": self.recorded_fit,
            "recorded_adheres": (None if self.recorded_cluster is None
                                 else logic.to_json(self.recorded_adheres)),
        }

    def explain(self, width: int | None = None, ruleset: RuleSet | None = None) -> str:
        """The candidates, best first, as text for a person (``mhct allocate --explain``),
        wrapped to ``width`` (default 80); ``ruleset`` words fact names as the booklet does."""
        from .explain import in_words, render, ruleset_line, short, wordings

        words = wordings(ruleset)
        head = f"{self.id or '(no id)'}: suggested "
        head += "none" if self.suggested is None else f"cluster {self.suggested}"
        head += f" ({OUTCOME_TEXT.get(self.outcome, self.outcome)})"
        lines = [ruleset_line(self.ruleset), head]
        if self.recorded_cluster is not None:
            lines.append(f"recorded cluster {self.recorded_cluster}: {self.recorded_fit}; "
                         f"red rules met: {logic.word(self.recorded_adheres)}")
        if self.group is not None:
            lines.append(f"group: {self.group} (from {self.group_source.replace('_', ' ')})")
        if self.by_group:
            lines.append("best per group: " + "; ".join(
                f"{g} {'none' if b is None else f'{b.cluster} ({b.fit})'}"
                for g, b in self.by_group.items()))
        for block in self.blocking_unknowns:
            who = "no rated needs unless" if block.cluster is None else \
                f"cluster {block.cluster} needs"
            lines.append(f"  {who}: " + in_words(short([str(u) for u in block.unknowns]), words))
        def rows(candidates):
            return [(f"{c.cluster} {c.name}", " or ".join(c.possible),
                     " ".join(c.red.missed) or "-", " ".join(c.red.unknown) or "-",
                     " ".join(c.orange.missed) or "-") for c in candidates]

        columns = ("cluster", "fit", "red missed", "red unknown", "orange missed")
        ratios = (3, 0, 1, 1, 1)
        others = [c for c in self.candidates if c.group != self.group]
        if self.group is None or not others:
            return render(lines, columns, rows(self.candidates), width=width, ratios=ratios)
        # the settled group's candidates first: allocation ranks only those; the others follow
        lines.append(f"group {self.group}'s clusters, best first (the suggestion is made "
                     "among these):")
        return render(lines, columns, rows(c for c in self.candidates if c.group == self.group),
                      width=width, ratios=ratios,
                      more=[("other groups' clusters (not ranked against the suggestion, "
                             "shown for reference):", rows(others))])
