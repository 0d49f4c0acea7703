"""Hypothesis strategies for random ``.mhr`` syntax trees (after attrs' ``tests/strategies.py``).

Every tree built here is one the grammar can express, so ``parse(format(tree)) == tree`` must hold.
The trees need not make sense (unknown facts, a ``grid`` in a scale, cluster 0..99): the checker
judges meaning, the formatter only layout. Conditions nest through ``st.recursive``.

Expressibility limits (what the grammar cannot say, so the strategies never build it):
- names are ``[a-z][a-z0-9_]*`` and never a keyword or a unit word (`RESERVED`);
- ``RuleSetDecl.extends`` of "national" is the keyword, so no path is literally "national";
- a column with quantifier ``n/a`` has no criteria; int lists and ``all``/``any`` are never empty;
"""

from __future__ import annotations

import string

import attrs
from hypothesis import strategies as st

from mhct_dsl import nodes as n

# Every quoted literal in grammar/mhr.lark (test_formatter checks this list against the grammar),
# plus the words the UNIT terminal matches.
KEYWORDS = frozenset(
    """
    ruleset extends scale fact event cluster amend decision_tree group branch clusters rating
    problem_type episode review every grid red orange yellow transitions not scale remained for
    stable within no fits consistently in source national none step_up step_down discharge one any
    all up same down likely possible rare in_service in_cluster booklet reconstructed local max mhct
    team with_team add replace remove quantifier accept
    """.split()
)
UNIT_WORDS = frozenset(u + s for u in ("day", "week", "month", "year") for s in ("", "s"))
RESERVED = KEYWORDS | UNIT_WORDS


UNITS = ("day", "week", "month", "year")

# ---- atoms ----------------------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(lambda s: s not in RESERVED)

# Anything a STRING literal can carry: the formatter escapes \ " newline and tab. Other control
# characters and line/paragraph separators are left out: the grammar would take most of them raw,
# but they are line breaks to str.splitlines (which the comment scan and diagnostics use).
_BAD_CATEGORIES = ("Cc", "Cs", "Zl", "Zp")
_string_chars = st.one_of(
    st.characters(blacklist_categories=_BAD_CATEGORIES),
    st.sampled_from('"\\\t\n #{}'),
)
_word_chars = st.one_of(
    st.characters(blacklist_categories=_BAD_CATEGORIES + ("Zs",)),
    st.sampled_from('"\\'),
)
_words = st.text(_word_chars, min_size=1, max_size=14)

short_texts = st.text(_string_chars, max_size=24)
# Long prose with single and double spaces (wrapped at spaces by the formatter).
long_spaced_texts = st.lists(
    st.tuples(_words, st.sampled_from([" ", " ", " ", "  "])), min_size=8, max_size=40
).map(lambda pairs: "".join(word + gap for word, gap in pairs).rstrip(" "))
# Long text with no space at all: must stay one literal however long.
long_unspaced_texts = st.text(_word_chars, min_size=90, max_size=160)
texts = st.one_of(
    short_texts,
    short_texts,
    long_spaced_texts,
    long_unspaced_texts,
    st.sampled_from([
        "",
        " ",
        "Service User fits description and scoring profile of any likely/ possible 'step-up' "
        "cluster.",
        'a "quoted" word and a back\\slash',
        "  leading and trailing spaces  ",
    ]),
)

comment_lines = st.text(
    st.characters(blacklist_categories=_BAD_CATEGORIES + ("Zs",)) | st.just(" "), max_size=30
).map(lambda s: ("#" + s).rstrip())
comments = st.one_of(st.just(()), st.lists(comment_lines, min_size=1, max_size=2).map(tuple))

scale_ids = st.one_of(st.integers(0, 20).map(str), st.sampled_from(string.ascii_uppercase))
small_ints = st.integers(0, 30)
durations = st.builds(n.Duration, st.integers(0, 120), st.sampled_from(UNITS))


@st.composite
def int_lists(draw) -> tuple[int, ...]:
    """Cluster numbers: singles and ascending runs (the formatter writes runs of 3+ as a..b)."""
    segments = draw(st.lists(
        st.one_of(
            small_ints.map(lambda x: [x]),
            st.tuples(st.integers(0, 25), st.integers(1, 5)).map(
                lambda t: list(range(t[0], t[0] + t[1] + 1))
            ),
        ),
        min_size=1,
        max_size=4,
    ))
    return tuple(value for segment in segments for value in segment)


sources = st.one_of(
    st.none(),
    st.builds(
        n.Source,
        st.sampled_from(["booklet", "reconstructed", "local"]),
        st.one_of(st.none(), texts),
    ),
)

# ---- conditions -----------------------------------------------------------------------------------


@st.composite
def comparisons(draw) -> n.Comparison:
    op = draw(st.sampled_from(["=", "<=", ">=", "<", ">", "in"]))
    if op == "in":
        low = draw(st.integers(0, 9))
        return n.Comparison("in", low, draw(st.integers(low, 9)))
    return n.Comparison(op, draw(st.integers(0, 9)))


leaf_conditions = st.one_of(
    st.builds(n.ScaleIs, scale_ids, comparisons()),
    st.builds(n.ScaleRemained, scale_ids, comparisons(), durations),
    st.builds(n.ScaleStable, scale_ids, durations),
    st.builds(n.FactIs, names),
    st.builds(n.EventWithin, names, durations, st.booleans()),
    st.builds(n.Tenure, st.sampled_from(["in_service", "in_cluster"]), durations),
    st.builds(n.Tenure, st.just("with_team"), durations, team=names),
    st.builds(n.FitsClusters, int_lists(), st.one_of(st.none(), durations)),
    st.builds(n.FitsTransition, st.sampled_from(["step_up", "step_down"]),
              st.one_of(st.none(), durations)),
)

conditions = st.recursive(
    leaf_conditions,
    lambda inner: st.one_of(
        st.builds(n.Not, inner),
        st.builds(n.AllOf, st.lists(inner, min_size=1, max_size=4)),
        st.builds(n.AnyOf, st.lists(inner, min_size=1, max_size=4)),
    ),
    max_leaves=12,
)

# ---- entries --------------------------------------------------------------------------------------

criteria = st.builds(n.Criterion, texts, conditions, sources, comments=comments)


@st.composite
def columns(draw) -> n.Column:
    kind = draw(st.sampled_from(["step_up", "discharge", "step_down"]))
    quantifier = draw(st.sampled_from(["one", "any", "all", "n/a"]))
    found = () if quantifier == "n/a" else draw(st.lists(criteria, max_size=4))
    return n.Column(kind, quantifier, found, draw(sources), comments=draw(comments))


@st.composite
def criterion_changes(draw) -> n.CriterionChange:
    kind = draw(st.sampled_from(["step_up", "discharge", "step_down"]))
    action = draw(st.sampled_from(["add", "replace", "remove"]))
    index = None if action == "add" else draw(st.one_of(st.none(), st.integers(1, 99)))
    if action == "remove":
        return n.CriterionChange(kind, "remove", index, None, draw(sources),
                                 comments=draw(comments))
    # The comments above a change belong to the change, not to its criterion.
    criterion = attrs.evolve(draw(criteria), comments=())
    return n.CriterionChange(kind, action, index, criterion, criterion.source,
                             comments=draw(comments))


quantifier_changes = st.builds(
    n.QuantifierChange, st.sampled_from(["step_up", "discharge", "step_down"]),
    st.sampled_from(["one", "any", "all", "n/a"]), sources, comments=comments)


@st.composite
def bands(draw) -> n.Band:
    low = draw(st.integers(0, 9))
    high = draw(st.one_of(st.just(low), st.integers(low, 9)))
    return n.Band(draw(st.sampled_from(["red", "orange", "yellow"])), low, high)


_row_bands = st.one_of(st.just(()), st.lists(bands(), min_size=1, max_size=3).map(tuple))
grid_rows = st.one_of(
    st.builds(n.GridRow, scale_ids.map(lambda s: (s,)), _row_bands, sources, comments=comments),
    st.builds(
        n.GridRow,
        st.one_of(st.just(("7", "8")), st.lists(scale_ids, min_size=2, max_size=4).map(tuple)),
        _row_bands,
        sources,
        st.sampled_from(["either", "max"]),
        comments=comments,
    ),
)
grids = st.builds(n.Grid, st.lists(grid_rows, max_size=5), sources, comments=comments)

likelihoods = st.sampled_from(["likely", "possible", "rare"])
moves = st.one_of(
    st.builds(
        n.Move,
        st.sampled_from(["up", "same", "down"]),
        st.lists(st.tuples(likelihoods, int_lists()), min_size=1, max_size=3).map(tuple),
        sources,
        comments=comments,
    ),
    st.builds(n.DischargeMove, likelihoods, sources, comments=comments),
)
transitions = st.builds(n.Transitions, st.lists(moves, max_size=4), sources, comments=comments)


@st.composite
def episodes(draw) -> n.Episode:
    low = draw(st.integers(0, 60))
    shape = draw(st.sampled_from(["single", "range", "open"]))
    high = draw(st.integers(low, 80)) if shape == "range" else None
    return n.Episode(low, high, shape == "open", draw(st.sampled_from(UNITS)), draw(sources),
                     comments=draw(comments))


entries = st.one_of(
    st.builds(n.TextAttr, names, texts, sources, comments=comments),
    st.builds(n.WordAttr, names, names, sources, comments=comments),
    st.builds(n.DateAttr, names, st.dates(), sources, comments=comments),
    st.builds(n.Rating, st.integers(0, 9), texts, sources, comments=comments),
    st.builds(n.ProblemType, st.sampled_from(string.ascii_uppercase), texts, sources,
              comments=comments),
    episodes(),
    st.builds(n.Review, durations, sources, mhct_within=st.none() | durations, comments=comments),
    grids,
    columns(),
    criterion_changes(),
    quantifier_changes,
    transitions,
    st.builds(n.Accept, names, st.one_of(st.just(()), int_lists()), texts, sources,
              comments=comments),
)
entry_lists = st.lists(entries, max_size=6)

# ---- declarations ---------------------------------------------------------------------------------

branches = st.builds(n.Branch, names, texts, int_lists(), sources, comments=comments)
groups = st.builds(n.Group, names, texts, st.lists(branches, max_size=3), sources,
                   comments=comments)

declarations = st.one_of(
    st.builds(
        n.RuleSetDecl,
        texts,
        st.one_of(st.none(), st.just("national"),
                  texts.filter(lambda t: t != "national")),
        entry_lists,
        sources,
        comments=comments,
    ),
    st.builds(n.ScaleDecl, scale_ids, texts, entry_lists, sources, comments=comments),
    st.builds(n.FactDecl, names, texts, sources, comments=comments),
    st.builds(n.EventDecl, names, texts, sources, comments=comments),
    st.builds(n.TeamDecl, names, texts, sources, comments=comments),
    st.builds(n.DecisionTreeDecl, texts, st.lists(groups, max_size=3), sources,
              comments=comments),
    st.builds(n.ClusterDecl, st.integers(0, 99), texts, entry_lists, sources, comments=comments),
    st.builds(n.AmendDecl, st.integers(0, 99), entry_lists, sources, comments=comments),
)

rule_files = st.builds(
    n.RuleFile,
    st.sampled_from(["<string>", "rules/cluster-10.mhr", "local/amend.mhr"]),
    st.lists(declarations, max_size=4),
    st.one_of(st.just(()), st.lists(comment_lines, min_size=1, max_size=3)),
)
