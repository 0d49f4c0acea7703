"""What the booklet pages show, computed from a checked rule set (the templates only lay it out).

Everything a page needs that takes more than a lookup lives here: each item's effective provenance,
the grid's cells, the care transition columns with local amendments folded in, plain-language
durations, formal conditions highlighted by the ``.mhr`` Pygments lexer, and the geometry of the
transition and decision-tree diagrams.
"""

from __future__ import annotations

import attrs
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter

from .. import model as m
from .. import nodes as n
from ..formatter import format_condition, format_duration, format_int_list
from ..lexer import MhrLexer

COLUMN_TITLES = {"step_up": "Step-up criteria", "discharge": "Discharge criteria",
                 "step_down": "Step-down criteria"}
QUANTIFIER_HEADERS = {"one": "The following criterion is met",
                      "any": "Any of the following criteria are met",
                      "all": "All of the following criteria are met", "n/a": "N/A"}
TEXT_LABELS = {"description": "Description", "likely_diagnosis": "Likely diagnosis",
               "unlikely_diagnosis": "Unlikely diagnosis", "impairment": "Impairment",
               "risk": "Risk", "course": "Course", "nice_guidance": "NICE guidance"}
COLOUR_LETTERS = {"red": "R", "orange": "O", "yellow": "Y"}
COLOUR_MEANINGS = {"red": "must be rated", "orange": "expected", "yellow": "may occur"}


@attrs.frozen
class Prov:
    """Effective provenance of an item: ``kind`` booklet/reconstructed/local and its note."""

    kind: str
    note: str | None


def prov(own: n.Source | None, *inherited: n.Source | None) -> Prov:
    """An item's own provenance, else the nearest block's it inherits."""
    for source in (own, *inherited):
        if source is not None:
            return Prov(source.kind, source.note)
    return Prov("booklet", None)


def mhr(text: str) -> Markup:
    """``.mhr`` text highlighted as inline HTML (escaped by Pygments, hence safe markup)."""
    html = highlight(text, MhrLexer(), HtmlFormatter(nowrap=True)).rstrip("\n")
    return Markup(html)  # noqa: S704 - Pygments escapes every token


def css_string(text: str) -> Markup:
    """A CSS string literal: quotes, backslashes, ``<`` and line breaks escaped by code point."""
    escaped = "".join(c if c.isalnum() or c in " .,:;·()/-_+" else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{escaped}"')  # noqa: S704 - every other character is escaped


def condition_html(condition: n.Condition) -> Markup:
    return mhr(format_condition(condition))


def duration_words(duration: n.Duration) -> str:
    return format_duration(duration)


def interval_words(duration: n.Duration) -> str:
    """'once a year', 'every 6 months': a review interval for a service user."""
    if duration.amount == 1:
        return f"once a {duration.unit}"
    return "every " + format_duration(duration)


def episode_words(episode: n.Episode | None) -> str | None:
    if episode is None:
        return None
    if episode.open_ended:
        return f"{episode.low} {episode.unit}s or more"
    if episode.high is not None:
        return f"{episode.low}–{episode.high} {episode.unit}{'' if episode.high == 1 else 's'}"
    return f"{episode.low} {episode.unit}{'' if episode.low == 1 else 's'}"


def clusters_words(numbers) -> str:
    return format_int_list(numbers).replace("..", "–")


# ---- the grid ------------------------------------------------------------------------------------


@attrs.frozen
class GridRowView:
    label: str
    titles: tuple[str, ...]
    cells: tuple[str | None, ...]
    row_class: str | None
    prov: Prov


def grid_rows(cluster: m.Cluster, scales: dict[str, m.Scale]) -> list[GridRowView]:
    if cluster.grid is None:
        return []
    rows = []
    for row in cluster.grid.rows:
        cells: list[str | None] = [None] * len(m.RATINGS)
        for band in row.bands:
            for rating in range(band.low, band.high + 1):
                cells[rating] = band.colour
        rows.append(GridRowView(
            label=row.label,
            titles=tuple(scales[s].title for s in row.scales if s in scales),
            cells=tuple(cells), row_class=m.row_class(row),
            prov=prov(row.source, cluster.grid.source, cluster.source)))
    return rows


# ---- care transition protocol --------------------------------------------------------------------


@attrs.frozen
class CriterionView:
    number: int | None
    wording: str
    condition: Markup
    condition_text: str
    prov: Prov
    replaced: n.Criterion | None = None
    removed: bool = False


@attrs.frozen
class ColumnView:
    kind: str
    title: str
    quantifier: str
    header: str
    prov: Prov
    criteria: tuple[CriterionView, ...]
    quantifier_change: m.Amendment | None


def columns(cluster: m.Cluster, local: bool) -> list[ColumnView]:
    views = []
    for kind, column in cluster.columns.items():
        column_prov = prov(column.source, cluster.source)
        changes = [a for a in cluster.amendments if a.entry == kind]
        replaced = {a.after: a.before for a in changes if a.action == "replace" and a.index}
        criteria = [
            CriterionView(number, c.wording, condition_html(c.condition),
                          format_condition(c.condition), prov(c.source, column.source,
                                                              cluster.source),
                          replaced=replaced.get(c))
            for number, c in enumerate(column.criteria, 1)]
        criteria += [
            CriterionView(None, a.before.wording, condition_html(a.before.condition),
                          format_condition(a.before.condition), Prov(a.source.kind,
                                                                     a.source.note),
                          removed=True)
            for a in changes if a.action == "remove" and a.index]
        title = COLUMN_TITLES[kind]
        if kind == "discharge":
            title = ("Local discharge criteria" if local
                     else "Example local discharge criteria for MH services")
        views.append(ColumnView(
            kind=kind, title=title, quantifier=column.quantifier,
            header=QUANTIFIER_HEADERS[column.quantifier], prov=column_prov,
            criteria=tuple(criteria),
            quantifier_change=next((a for a in changes if a.action == "quantifier"), None)))
    return views


# ---- transitions diagram -------------------------------------------------------------------------

LINE_STYLES = {  # likelihood is told by line weight, dash pattern and the word, not colour alone
    "likely": {"width": 4, "dash": "none", "word": "most likely"},
    "possible": {"width": 2, "dash": "8 5", "word": "possible"},
    "rare": {"width": 1.5, "dash": "2 4", "word": "rare"},
}
DIAGRAM_WIDTH = 760
_CENTRE = (DIAGRAM_WIDTH / 2, 150)
_ROW_Y = {"up": 30, "same": 128, "down": 226}
_BOX_H = 44


@attrs.frozen
class Box:
    x: float
    y: float
    width: float
    title: str
    label: str
    likelihood: str
    href: str | None
    line: tuple[float, float, float, float]


def _box_width(label: str) -> float:
    return max(96.0, 7.6 * len(label) + 24)


def _line_to(box_x: float, box_y: float, width: float) -> tuple[float, float, float, float]:
    cx, cy = _CENTRE
    bx, by = box_x + width / 2, box_y + _BOX_H / 2
    if box_y + _BOX_H < cy - _BOX_H / 2:  # above
        return (cx + (bx - cx) * 0.25, cy - _BOX_H / 2, bx, box_y + _BOX_H)
    if box_y > cy + _BOX_H / 2:  # below
        return (cx + (bx - cx) * 0.25, cy + _BOX_H / 2, bx, box_y)
    if bx < cx:
        return (cx - 70, cy, box_x + width, by)
    return (cx + 70, cy, box_x, by)


def transition_boxes(cluster: m.Cluster) -> list[Box]:
    """One box per (direction, likelihood) list, laid out above, beside and below the cluster."""
    if cluster.transitions is None:
        return []
    rows: dict[str, list[tuple[str, str, str, str | None]]] = {"up": [], "same": [], "down": []}
    discharge = None
    for move in cluster.transitions.moves:
        if isinstance(move, n.DischargeMove):
            discharge = move.likelihood
            continue
        for likelihood, numbers in move.groups:
            href = f"cluster-{numbers[0]:02d}.html" if len(numbers) == 1 else None
            rows[move.direction].append(
                (f"{move.direction} · {LINE_STYLES[likelihood]['word']}",
                 "cluster " + clusters_words(numbers) if len(numbers) == 1
                 else "clusters " + clusters_words(numbers), likelihood, href))
    boxes = []
    for direction in ("up", "down"):
        items = rows[direction]
        widths = [_box_width(label) for _, label, _, _ in items]
        x = (DIAGRAM_WIDTH - (sum(widths) + 16 * (len(items) - 1))) / 2
        for (title, label, likelihood, href), width in zip(items, widths):
            y = _ROW_Y[direction]
            boxes.append(Box(x, y, width, title, label, likelihood, href, _line_to(x, y, width)))
            x += width + 16
    x = _CENTRE[0] - 80
    for title, label, likelihood, href in rows["same"]:
        width = _box_width(label)
        x -= width + 16
        y = _ROW_Y["same"]
        boxes.append(Box(x, y, width, title, label, likelihood, href, _line_to(x, y, width)))
    if discharge is not None:
        width, x, y = 210.0, _CENTRE[0] + 100, _ROW_Y["same"]
        boxes.append(Box(x, y, width, f"discharge · {LINE_STYLES[discharge]['word']}",
                         "discharge to primary care", discharge, None, _line_to(x, y, width)))
    return boxes


def diagram_height(boxes: list[Box]) -> float:
    return max((box.y + _BOX_H for box in boxes), default=_CENTRE[1] + _BOX_H) + 24


# ---- index and decision tree ---------------------------------------------------------------------


@attrs.frozen
class TreeBranch:
    name: str
    title: str
    clusters: tuple[m.Cluster, ...]
    prov: Prov


@attrs.frozen
class TreeGroup:
    name: str
    title: str
    branches: tuple[TreeBranch, ...]
    prov: Prov


def tree_groups(ruleset: m.RuleSet) -> list[TreeGroup]:
    tree = ruleset.tree
    if tree is None:
        return []
    return [
        TreeGroup(group.name, group.title, tuple(
            TreeBranch(branch.name, branch.title,
                       tuple(ruleset.clusters[c] for c in branch.clusters
                             if c in ruleset.clusters),
                       prov(branch.source, group.source, tree.source))
            for branch in group.branches), prov(group.source, tree.source))
        for group in tree.groups]


def untreed(ruleset: m.RuleSet) -> list[m.Cluster]:
    """Clusters the decision tree does not reach (variance, blank)."""
    return [c for c in ruleset.clusters.values() if c.group is None]


@attrs.frozen
class TreeNode:
    x: float
    y: float
    width: float
    label: str
    detail: str
    href: str | None
    dashed: bool
    parent: tuple[float, float] | None


TREE_ROW = 58


def tree_diagram(groups: list[TreeGroup]) -> tuple[list[TreeNode], float]:
    """Appendix 2 drawn left to right: question, groups, headings, clusters. Dashed boxes are
    reconstructed."""
    nodes: list[TreeNode] = []
    row = 0
    for group in groups:
        first = row
        for branch in group.branches:
            y = 20 + row * TREE_ROW
            numbers = [c.number for c in branch.clusters]
            nodes.append(TreeNode(
                440, y, 300, branch.title,
                ("cluster " if len(numbers) == 1 else "clusters ") + clusters_words(numbers),
                f"cluster-{numbers[0]:02d}.html" if numbers else None,
                branch.prov.kind == "reconstructed", (400, 0)))
            row += 1
        y = 20 + (first + row - 1) / 2 * TREE_ROW
        nodes.append(TreeNode(210, y, 190, group.title, "", None,
                              group.prov.kind == "reconstructed", (190, 0)))
        for i in range(len(nodes) - 1 - len(group.branches), len(nodes) - 1):
            nodes[i] = attrs.evolve(nodes[i], parent=(400, y + 21))
    middle = 20 + (row - 1) / 2 * TREE_ROW
    nodes = [attrs.evolve(node, parent=(190, middle + 21)) if node.x == 210 else node
             for node in nodes]
    nodes.append(TreeNode(10, middle, 180, "Presenting needs", "", None, False, None))
    return nodes, 20 + row * TREE_ROW
