"""A diff (and its replay) as JSON (schema in docs/diff.md), text for a person, or an HTML page."""

from __future__ import annotations

from collections import Counter
from itertools import groupby
from typing import Any

from ..lint.report import share_text
from ..lint.space import TOTAL
from ..model import RuleSet
from .compare import Change, word_diff
from .coverage import ABSENT, ShareChange, coverage_json, coverage_lines
from .items import Item

SCHEMA = "mhct-dsl/diff/1"
_SIGN = {"added": "+", "removed": "-", "changed": "~"}
# Kinds whose text is prose: the text output adds a word-level diff line for them.
WORDED = frozenset({"description", "note", "scale", "ruleset", "fact", "event", "criterion",
                    "decision_tree", "cluster"})


def sections(changes: list[Change]) -> list[tuple[str, list[Change]]]:
    """Changes grouped by section, in booklet order (changes are already sorted)."""
    return [(name, list(group)) for name, group in groupby(changes, key=lambda c: c.section)]


def _side(item: Item | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {"value": item.value, "text": item.text, "source": item.source or None,
            "at": item.at}


def _receipt(label: str, ruleset: RuleSet) -> dict[str, Any]:
    effective = ruleset.header.get("effective")
    return {"label": label, **ruleset.receipt(),
            "effective": effective.isoformat() if effective else None}


def to_json(old: tuple[str, RuleSet], new: tuple[str, RuleSet], changes: list[Change],
            coverage: list[ShareChange], replay: dict | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "old": _receipt(*old),
        "new": _receipt(*new),
        "summary": {"changes": len(changes),
                    "by_kind": dict(sorted(Counter(c.kind for c in changes).items()))},
        "sections": [
            {"section": name, "changes": [
                {"kind": c.kind, "label": c.label, "change": c.change, "fields": list(c.fields),
                 "old": _side(c.old), "new": _side(c.new),
                 "words": [list(run) for run in c.words]}
                for c in group]}
            for name, group in sections(changes)],
        "coverage": coverage_json(coverage),
    }
    if replay is not None:
        out["replay"] = replay
    return out


class _Style:
    def __init__(self, colour: bool):
        self.colour = colour

    def __call__(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text


def _words(runs, style: _Style) -> str:
    shown = []
    for op, text in runs:
        if op == "=":
            shown.append(text)
        elif style.colour:
            shown.append(style("9;31" if op == "-" else "1;32", text))
        else:
            shown.append(f"[-{text}-]" if op == "-" else f"{{+{text}+}}")
    return " ".join(shown)


def _titles(ruleset: RuleSet) -> dict[str, str]:
    titles = {f"cluster {c.number}": c.name for c in ruleset.clusters.values()}
    titles.update({f"scale {s.id}": s.title for s in ruleset.scales.values()})
    return titles


def to_text(old: tuple[str, RuleSet], new: tuple[str, RuleSet], changes: list[Change],
            coverage: list[ShareChange], colour: bool = False) -> str:
    style = _Style(colour)
    titles = {**_titles(old[1]), **_titles(new[1])}
    lines = [f"--- {old[0]}: {old[1].name} {old[1].version}",
             f"+++ {new[0]}: {new[1].name} {new[1].version}"]
    for name, group in sections(changes):
        title = titles.get(name)
        lines.append("")
        lines.append(style("1", f"{name}" + (f": {title}" if title else "")))
        for change in group:
            lines.extend(_change_lines(change, style))
    by_kind = Counter(c.kind for c in changes)
    lines.append("")
    lines.append(f"{len(changes)} change{'s' if len(changes) != 1 else ''}"
                 + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())) + ")"
                    if by_kind else ": no semantic differences"))
    lines.append("")
    lines.extend(coverage_lines(coverage))
    return "\n".join(lines) + "\n"


def _change_lines(change: Change, style: _Style) -> list[str]:
    head = f"  {_SIGN[change.change]} {change.label} {change.change}"
    if change.fields:
        head += f" ({', '.join(change.fields)})"
    lines = [head]
    if change.old is not None:
        lines.append("      " + style("31", f"- {change.old.shown}"))
    if change.new is not None:
        lines.append("      " + style("32", f"+ {change.new.shown}"))
    if change.old is not None and change.new is not None and change.new.parts:
        lines.extend(_part_lines(change.old.parts, change.new.parts, style))
        return lines
    ops = {op for op, _ in change.words}
    if change.kind in WORDED and "=" in ops and len(ops) > 1:
        lines.append("      words: " + _words(change.words, style))
    return lines


def _part_lines(old: tuple[tuple[str, str], ...], new: tuple[tuple[str, str], ...],
                style: _Style) -> list[str]:
    """One line per part that changed: prose as a word-level diff (when words are kept), a
    formal part (a condition) as old → new, since braces read badly in diff markers."""
    lines = []
    for (name, was), (_, now) in zip(old, new):
        if was == now:
            continue
        runs = word_diff(was, now)
        if name == "condition" or "=" not in {op for op, _ in runs}:
            lines.append(f"      {name}: " + style("31", was) + " → " + style("32", now))
        else:
            lines.append(f"      {name}: " + _words(runs, style))
    return lines


def _page_of(section: str) -> str | None:
    """The rendered booklet page that shows ``section``."""
    from ..render import cluster_page

    if section.startswith("cluster "):
        return cluster_page(int(section.split()[1]))
    return {"ruleset": "process.html", "decision tree": "decision-tree.html"}.get(
        section, "scales.html" if section.startswith("scale ") else None)


def to_html(old: tuple[str, RuleSet], new: tuple[str, RuleSet], changes: list[Change],
            coverage: list[ShareChange], replay: dict | None = None) -> str:
    """One self-contained page: each section's changes as a table, then the booklet pages that
    show it (rendered by ``mhct render`` from each rule set) side by side."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    from ..render import render_pages

    grouped = sections(changes)
    old_pages, new_pages = render_pages(old[1]), render_pages(new[1])
    pages = {}
    for name, _ in grouped:
        page = _page_of(name)
        if page is not None:
            pages[name] = tuple(None if p.get(page) is None else p[page].decode("utf-8")
                                for p in (old_pages, new_pages))
    env = Environment(loader=PackageLoader("mhct_dsl.diff", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    titles = {**_titles(old[1]), **_titles(new[1])}
    return env.get_template("diff.html.j2").render(
        old=_receipt(*old), new=_receipt(*new), sections=grouped, titles=titles,
        total=len(changes), replay=replay, pages=pages, coverage=coverage, absent=ABSENT,
        share_text=share_text, profiles=TOTAL)
