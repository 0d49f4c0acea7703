"""Compare two rule sets item by item: what was added, removed or changed, in booklet order.

Items match by identity (a cluster's grid row for scale 13, its discharge column's criterion with
a given wording). Unmatched items of one group pair up as one change when that is the plain
reading: a criterion whose wording changed but not its condition, two criteria (notes) whose texts
are mostly the same, or the only removed and the only added criterion of a column, note of a
cluster, target of a transition. A section (a cluster
or a scale) present on one side only is one change, not one per item.
"""

from __future__ import annotations

import difflib
from typing import Any

import attrs

from .. import model as m
from .items import Item, items

_WHOLE = ("cluster ", "scale ")


@attrs.frozen
class Change:
    """One semantic change. ``change`` is added, removed or changed; ``fields`` the fields of the
    item's value that differ; ``words`` a word-level diff of its text (changed items only)."""

    section: str
    kind: str
    label: str
    change: str
    old: Item | None
    new: Item | None
    fields: tuple[str, ...] = ()
    words: tuple[tuple[str, str], ...] = ()

    @property
    def order(self) -> tuple:
        return (self.new or self.old).order


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """``(op, words)`` runs, op ``=``, ``-`` or ``+``, turning ``old`` into ``new``."""
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", " ".join(b[j1:j2])))
    return tuple(out)


def _fields(old: Any, new: Any) -> tuple[str, ...]:
    if isinstance(old, dict) and isinstance(new, dict):
        return tuple(k for k in dict.fromkeys([*old, *new])
                     if k != "type" and old.get(k) != new.get(k))
    return ()


def _changed(old: Item, new: Item) -> Change:
    return Change(new.section, new.kind, new.label, "changed", old, new,
                  _fields(old.value, new.value), word_diff(old.text, new.text))


# Two unmatched items of one group are one changed item when the longer text keeps at least this
# share of the shorter one.
SIMILAR = 0.8


def _similarity(old: Item, new: Item) -> float:
    """How much of the shorter text the longer one keeps (1.0: one extends the other)."""
    matcher = difflib.SequenceMatcher(None, old.text, new.text, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    return kept / max(1, min(len(old.text), len(new.text)))


def _pair(removed: list[Item], added: list[Item]) -> tuple[list[Change], list[Item], list[Item]]:
    """Pair unmatched items of the same group: first by ``match``, then the most alike texts
    (`SIMILAR`), then a lone pair."""
    pairs: list[Change] = []
    groups: dict[tuple, tuple[list[Item], list[Item]]] = {}
    for item in removed:
        if item.pair is not None:
            groups.setdefault(item.pair, ([], []))[0].append(item)
    for item in added:
        if item.pair is not None:
            groups.setdefault(item.pair, ([], []))[1].append(item)
    used: set[int] = set()
    for olds, news in groups.values():
        for old in olds:
            new = next((x for x in news if id(x) not in used and old.match is not None
                        and x.match == old.match), None)
            if new is not None:
                used.update((id(old), id(new)))
                pairs.append(_changed(old, new))
        scored = sorted(((_similarity(old, new), i, j) for i, old in enumerate(olds)
                         for j, new in enumerate(news)
                         if id(old) not in used and id(new) not in used), reverse=True)
        for score, i, j in scored:
            if score >= SIMILAR and id(olds[i]) not in used and id(news[j]) not in used:
                used.update((id(olds[i]), id(news[j])))
                pairs.append(_changed(olds[i], news[j]))
        olds_left = [x for x in olds if id(x) not in used]
        news_left = [x for x in news if id(x) not in used]
        if len(olds_left) == 1 and len(news_left) == 1:
            used.update((id(olds_left[0]), id(news_left[0])))
            pairs.append(_changed(olds_left[0], news_left[0]))
    return (pairs, [x for x in removed if id(x) not in used],
            [x for x in added if id(x) not in used])


def diff_items(old_items: list[Item], new_items: list[Item]) -> list[Change]:
    old_by_key = {item.key: item for item in old_items}
    new_by_key = {item.key: item for item in new_items}
    old_sections = {item.section for item in old_items}
    new_sections = {item.section for item in new_items}
    changes: list[Change] = []
    whole: dict[str, Change] = {}
    removed, added = [], []
    for item in old_items:
        if item.section not in new_sections and item.section.startswith(_WHOLE):
            whole.setdefault(item.section, Change(item.section, item.section.split()[0],
                                                  item.section, "removed", item, None))
        elif item.key not in new_by_key:
            removed.append(item)
    for item in new_items:
        if item.section not in old_sections and item.section.startswith(_WHOLE):
            whole.setdefault(item.section, Change(item.section, item.section.split()[0],
                                                  item.section, "added", None, item))
        elif item.key not in old_by_key:
            added.append(item)
        elif old_by_key[item.key].value != item.value:
            changes.append(_changed(old_by_key[item.key], item))
    pairs, removed, added = _pair(removed, added)
    changes += pairs + list(whole.values())
    changes += [Change(x.section, x.kind, x.label, "removed", x, None) for x in removed]
    changes += [Change(x.section, x.kind, x.label, "added", None, x) for x in added]
    return sorted(changes, key=lambda change: change.order)


def diff_rulesets(old: m.RuleSet, new: m.RuleSet) -> list[Change]:
    """Every semantic change from ``old`` to ``new``, in booklet order."""
    return diff_items(items(old), items(new))
