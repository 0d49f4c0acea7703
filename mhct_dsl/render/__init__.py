"""The booklet as HTML pages (and, optionally, one PDF) rendered from a checked rule set.

`render_pages` returns every page's file name and bytes: an index, the process pages, the scales
(Appendix 1), a blank rating sheet, the decision tree (Appendix 2), one page per cluster laid out
like Appendix 3, a plain-language page per cluster for service users and carers, and the whole
booklet on one page for printing. Jinja is confined to this subpackage; templates autoescape and
fail on any undefined name. Output is deterministic: the same rules give the same bytes (no dates,
no absolute paths, no external assets).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from .. import model as m
from .. import nodes as n
from ..lint import overlaps
from . import view

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("mhct_dsl.render", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2", "svg"),
                                        disabled_extensions=("css",), default=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["mhr"] = view.mhr
_ENV.filters["duration"] = view.duration_words
_ENV.filters["interval"] = view.interval_words
_ENV.filters["episode"] = view.episode_words
_ENV.filters["clusters"] = view.clusters_words
_ENV.filters["css_string"] = view.css_string
_ENV.globals.update(prov=view.prov, QUANTIFIER_HEADERS=view.QUANTIFIER_HEADERS,
                    TEXT_LABELS=view.TEXT_LABELS, COLOUR_LETTERS=view.COLOUR_LETTERS,
                    COLOUR_MEANINGS=view.COLOUR_MEANINGS, LINE_STYLES=view.LINE_STYLES,
                    RATINGS=tuple(m.RATINGS), DIAGRAM_WIDTH=view.DIAGRAM_WIDTH)


def cluster_page(number: int) -> str:
    return f"cluster-{number:02d}.html"


def leaflet_page(number: int) -> str:
    return f"about-cluster-{number:02d}.html"


_ENV.globals.update(cluster_page=cluster_page, leaflet_page=leaflet_page)

NAV = (("index.html", "Contents"), ("process.html", "Using the booklet"),
       ("scales.html", "MHCT scales"), ("rating-sheet.html", "Rating sheet"),
       ("decision-tree.html", "Decision tree"), ("booklet.html", "Whole booklet"))


def _header_notes(ruleset: m.RuleSet) -> list[tuple[str, list]]:
    """The rule sets' notes (base first), grouped into sections by their source's section name."""
    chain = []
    while ruleset is not None:
        chain.insert(0, ruleset)
        ruleset = ruleset.base
    sections: list[tuple[str, list]] = []
    for rules in chain:
        for entry in rules.header_entries:
            if entry.key != "note":
                continue
            section = (entry.source.note or "Notes").split(" / ")[-1]
            if not sections or sections[-1][0] != section:
                sections.append((section, []))
            sections[-1][1].append(entry)
    return sections


def _context(ruleset: m.RuleSet) -> dict:
    notes = _header_notes(ruleset)
    amendments = [(c, a) for c in ruleset.clusters.values() for a in c.amendments]
    groups = view.tree_groups(ruleset)
    tree_nodes, tree_height = view.tree_diagram(groups)
    return {
        "rules": ruleset, "local": ruleset.extends is not None, "nav": NAV,
        "process_notes": [s for s in notes if not s[1][0].source.note
                          or not s[1][0].source.note.startswith("Appendix 1")],
        "scale_notes": [s for s in notes if s[1][0].source.note
                        and s[1][0].source.note.startswith("Appendix 1")],
        "groups": groups, "untreed": view.untreed(ruleset),
        "tree_nodes": tree_nodes, "tree_height": tree_height,
        "amendments": amendments,
        "overlaps": overlaps(ruleset),
    }


def _cluster_context(ruleset: m.RuleSet, cluster: m.Cluster, local: bool,
                     context_overlaps) -> dict:
    boxes = view.transition_boxes(cluster)
    return {
        "cluster": cluster,
        "group": next((g for g in view.tree_groups(ruleset) if g.name == cluster.group), None),
        "cluster_prov": view.prov(cluster.source),
        "texts": [(view.TEXT_LABELS[k], t, view.prov(t.source, cluster.source))
                  for k, t in cluster.texts.items() if k in view.TEXT_LABELS],
        "notes": [(t, view.prov(t.source, cluster.source)) for t in cluster.notes],
        "rows": view.grid_rows(cluster, ruleset.scales),
        "grid_prov": view.prov(cluster.grid.source, cluster.source) if cluster.grid else None,
        "columns": view.columns(cluster, local),
        "boxes": boxes, "diagram_height": view.diagram_height(boxes),
        "transitions_prov": (view.prov(cluster.transitions.source, cluster.source)
                             if cluster.transitions else None),
        "discharge": next((move.likelihood for move in (cluster.transitions.moves
                                                         if cluster.transitions else ())
                           if isinstance(move, n.DischargeMove)), None),
        "changes": cluster.amendments,
        "cluster_overlaps": [f for f in context_overlaps
                             if cluster.number in (f.cluster, *f.others)],
    }


def _section(name: str, context: dict) -> Markup:
    return Markup(_ENV.get_template(name).render(**context))  # noqa: S704 - autoescaped output


def _page(title: str, body: Markup, context: dict) -> bytes:
    html = _ENV.get_template("layout.html.j2").render(title=title, body=body, **context)
    return html.encode("utf-8")


def render_pages(ruleset: m.RuleSet) -> dict[str, bytes]:
    """Every page of the booklet: file name -> UTF-8 HTML."""
    context = _context(ruleset)
    sections: list[tuple[str, str, Markup]] = [
        ("index.html", "Contents", _section("index.html.j2", context)),
        ("process.html", "Using the booklet", _section("process.html.j2", context)),
        ("scales.html", "MHCT scales (Appendix 1)", _section("scales.html.j2", context)),
        ("rating-sheet.html", "MHCT rating sheet", _section("rating-sheet.html.j2", context)),
        ("decision-tree.html", "Decision tree (Appendix 2)",
         _section("decision-tree.html.j2", context)),
    ]
    leaflets = []
    for cluster in ruleset.clusters.values():
        cluster_context = {**context, **_cluster_context(ruleset, cluster, context["local"],
                                                         context["overlaps"])}
        sections.append((cluster_page(cluster.number),
                         f"Cluster {cluster.number}: {cluster.name}",
                         _section("cluster.html.j2", cluster_context)))
        leaflets.append((leaflet_page(cluster.number),
                         f"About cluster {cluster.number}: {cluster.name}",
                         _section("leaflet.html.j2", cluster_context)))
    pages = {name: _page(title, body, context) for name, title, body in sections + leaflets}
    whole = Markup("\n").join(body for _, _, body in sections + leaflets)
    pages["booklet.html"] = _page(ruleset.name, whole, context)
    return dict(sorted(pages.items()))


def write_pages(ruleset: m.RuleSet, out: Path) -> list[Path]:
    """Render into ``out`` (created if need be); stale pages from an earlier run are removed."""
    pages = render_pages(ruleset)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.html"):
        if old.name not in pages:
            old.unlink()
    written = []
    for name, data in pages.items():
        path = out / name
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        written.append(path)
    return written
