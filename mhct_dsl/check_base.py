"""The checker's shared core: the diagnostics it collects and the small checks every block uses
(entries against their block's schema, sources, texts, scale ids, ratings, durations)."""

from __future__ import annotations

from . import model as m
from . import nodes as n
from . import schema
from .diagnostics import Diagnostic, did_you_mean, one_of

# A duration is at most 100 years in its unit (evaluation stays well inside the calendar).
MAX_DURATION = {"day": 36525, "week": 5218, "month": 1200, "year": 100}


class CheckerBase:
    """What every block's checks share: the rule files, the base rule set (a local rule set's), and
    the diagnostics found so far."""

    def __init__(self, files: list[n.RuleFile], base: m.RuleSet | None):
        self.files = files
        self.base = base
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    def _entries(self, entries, block: schema.BlockSchema, owner) -> None:
        seen: dict[str, object] = {}
        for entry in entries:
            key = schema.entry_key(entry)
            if isinstance(entry, (n.TextAttr, n.WordAttr, n.DateAttr)):
                allowed = {n.TextAttr: block.text_keys, n.WordAttr: frozenset(block.word_keys),
                           n.DateAttr: block.date_keys}[type(entry)]
                if key not in allowed:
                    self._unknown_attribute(entry, block)
                    continue
                if isinstance(entry, n.WordAttr) and entry.word not in block.word_keys[key]:
                    self.error("invalid-value", f"`{key} {entry.word}` is not allowed", entry.span,
                               one_of(sorted(block.word_keys[key])))
                if isinstance(entry, n.TextAttr):
                    self._text(entry.text, entry.span)
            elif type(entry) not in block.nodes:
                self.error("misplaced-entry", f"`{schema.entry_key(entry)}` is not allowed in a "
                           f"{block.name}", entry.span, _placement_hint(type(entry)))
                continue
            self._source(getattr(entry, "source", None))
            if isinstance(entry, (n.Rating, n.ProblemType)):
                continue  # checked with their scale
            if key in seen and key not in block.repeatable:
                self.error("duplicate-entry", f"`{key}` is given twice in this {block.name}",
                           entry.span, f"the first is at {where(seen[key])}")
            seen.setdefault(key, entry)

    def _unknown_attribute(self, entry, block: schema.BlockSchema) -> None:
        elsewhere = [s.name for s in (schema.RULESET, schema.SCALE, schema.CLUSTER)
                     if entry.key in s.keys()]
        if elsewhere:
            self.error("misplaced-entry", f"`{entry.key}` is not allowed in a {block.name}",
                       entry.span, f"`{entry.key}` belongs in a {elsewhere[0]}")
        else:
            self.error("unknown-attribute", f"`{entry.key}` is not a {block.name} attribute",
                       entry.span, did_you_mean(entry.key, block.keys())
                       or one_of(sorted(block.keys())))

    def _source(self, source: n.Source | None) -> None:
        if source is not None and source.kind != "booklet" and not (source.note or "").strip():
            what = "a reason" if source.kind == "reconstructed" else "a reference"
            self.error("missing-reason", f"`source {source.kind}` needs {what}", source.span,
                       f'write: source {source.kind} "..."')

    def _text(self, text: str, span) -> None:
        if not text.strip():
            self.error("empty-text", "empty text", span, "omit the entry, or give its wording")

    def _scale_id(self, scale: str, span) -> bool:
        if scale in m.SCALE_IDS:
            return True
        self.error("unknown-scale", f"there is no MHCT scale `{scale}`", span,
                   "scales are 1-13 and A-E")
        return False

    def _rating_range(self, low: int, high: int, span) -> bool:
        if low not in m.RATINGS or high not in m.RATINGS:
            bad = low if low not in m.RATINGS else high
            self.error("rating-out-of-range", f"rating {bad} is outside 0-4", span,
                       "MHCT ratings are 0-4 (9, not known, is never in a range)")
            return False
        if high < low:
            self.error("inverted-range", f"range {low}..{high} is inverted", span,
                       f"write {high}..{low}")
            return False
        return True

    def _comparison(self, comparison: n.Comparison) -> None:
        if comparison.op == "in":
            if self._rating_range(comparison.value, comparison.high, comparison.span) and (
                comparison.value == comparison.high
            ):
                self.error("empty-range", f"range {comparison.value}..{comparison.high} holds one "
                           "rating", comparison.span, f"write `= {comparison.value}`")
            return
        if comparison.value not in m.RATINGS:
            self.error("rating-out-of-range", f"rating {comparison.value} is outside 0-4",
                       comparison.span, "MHCT ratings are 0-4")
        elif (comparison.op, comparison.value) in (("<", 0), (">", 4)):
            self.error("empty-range", f"no rating is {comparison.op} {comparison.value}",
                       comparison.span, "MHCT ratings are 0-4")

    def _duration(self, duration: n.Duration) -> None:
        if duration.amount <= 0:
            self.error("invalid-value", "a duration must be longer than zero", duration.span)
        elif duration.amount > MAX_DURATION.get(duration.unit, 0):
            self.error("duration-too-long", f"{duration.amount} {duration.unit}s is longer than "
                       "100 years", duration.span,
                       f"at most {MAX_DURATION.get(duration.unit)} {duration.unit}s")


def where(node) -> str:
    span = getattr(node, "span", None)
    return f"{span.path}:{span.line}" if span else "another place"


def _placement_hint(kind: type) -> str:
    if kind in (n.CriterionChange, n.QuantifierChange):
        return ("changes to one criterion or a quantifier belong in a local rule set's "
                "`amend cluster N source local \"reference\" { ... }`; here, edit the column")
    homes = [s.name for s in (schema.SCALE, schema.CLUSTER) if kind in s.nodes]
    return f"`{schema.NODE_NAMES[kind]}` belongs in a {' or '.join(homes)}" if homes else ""
