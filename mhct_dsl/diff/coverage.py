"""How `mhct lint`'s exact coverage changes from one rule set to the other (docs/diff.md).

Coverage depends only on the clusters' grids and the decision tree's groups, so when those are
the same on both sides nothing is computed: the coverage is the same. Otherwise `lint.coverages`
runs on each side (about 0.3 s of CPU each for the national rules) and every share that differs
is one `ShareChange`.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..lint import coverages
from ..lint.checks import group_members
from ..lint.coverage import Coverage, Share
from ..lint.report import SHARES, share_figures, share_text
from ..lint.space import TOTAL, gridded
from ..model import RuleSet


# Shown for the side of a group that only the other rule set has.
ABSENT = "(no such group)"


@attrs.frozen
class ShareChange:
    """One coverage share that differs: ``scope`` is ``"all"`` or a group's name, ``share`` one
    of none / one / several / ties; a side is None when the scope (a group) is not on it."""

    scope: str
    share: str
    old: Share | None
    new: Share | None


def coverage_changes(old: RuleSet, new: RuleSet) -> list[ShareChange]:
    """The shares that differ, all clusters first, then the groups in the new side's order."""
    old_grids, new_grids = gridded(old), gridded(new)
    if old_grids == new_grids and group_members(old, old_grids) == group_members(new, new_grids):
        return []
    before, after = coverages(old, old_grids), coverages(new, new_grids)
    changes = []
    for scope in dict.fromkeys([*after, *before]):
        for name in SHARES:
            was, now = _share(before.get(scope), name), _share(after.get(scope), name)
            if _count(was) != _count(now):
                changes.append(ShareChange(scope, name, was, now))
    return changes


def _share(cov: Coverage | None, name: str) -> Share | None:
    return None if cov is None else getattr(cov, name)


def _count(share: Share | None) -> int | None:
    return None if share is None else share.count


def _scope_label(scope: str) -> str:
    return "all clusters" if scope == "all" else f"group {scope}"


def coverage_json(changes: list[ShareChange]) -> dict[str, Any]:
    """The ``coverage`` key of the diff's JSON."""
    return {"profiles": TOTAL, "changes": [
        {"scope": c.scope, "share": c.share,
         "old": None if c.old is None else share_figures(c.old),
         "new": None if c.new is None else share_figures(c.new)} for c in changes]}


def coverage_lines(changes: list[ShareChange]) -> list[str]:
    """The text block: a heading, then each scope whose coverage changed with its shares
    ``old → new``."""
    head = f"coverage of the {TOTAL:,} complete profiles (mhct lint)"
    if not changes:
        return [f"{head}: unchanged"]
    lines = [f"{head}:"]
    scope = None
    for change in changes:
        if change.scope != scope:
            scope = change.scope
            lines.append(f"  ~ {_scope_label(scope)}")
        was, now = (ABSENT if s is None else share_text(s) for s in (change.old, change.new))
        lines.append(f"      {change.share} {was} → {now}")
    return lines
