"""The checker's scales block: a national rule set declares all 18 MHCT scales, each with its part
(current or historical), its worded ratings and (scale 8 only) its problem types; a local rule set
inherits them."""

from __future__ import annotations

import collections

from . import model as m
from . import nodes as n
from . import schema
from .check_base import CheckerBase


class ScaleChecks(CheckerBase):
    """The ``scale`` declarations, checked and built into `model.Scale`s."""

    def _scales(self, decls: list[n.ScaleDecl], local: bool) -> dict[str, m.Scale]:
        if local:
            for decl in decls:
                self.error("misplaced-entry", "a local rule set cannot redefine MHCT scales",
                           decl.span, "scales come from the national rule set it extends")
            return dict(self.base.scales)
        scales: dict[str, m.Scale] = {}
        for decl in decls:
            if decl.id not in m.SCALE_IDS:
                self.error("unknown-scale", f"there is no MHCT scale `{decl.id}`", decl.span,
                           "scales are 1-13 and A-E")
                continue
            if decl.id in scales:
                self.error("duplicate-definition", f"scale {decl.id} is declared twice", decl.span)
                continue
            self._entries(decl.entries, schema.SCALE, decl)
            self._source(decl.source)
            scales[decl.id] = self._scale(decl)
        missing = [s for s in m.SCALE_IDS if s not in scales]
        if decls and missing:
            self.error("missing-entry", "scales not declared: " + ", ".join(missing),
                       decls[0].span, "a national rule set declares all 18 MHCT scales")
        if not decls:
            self.error("missing-entry", "no MHCT scales are declared", None,
                       "a national rule set declares all 18 MHCT scales (1-13, A-E)")
        return dict(sorted(scales.items(), key=lambda kv: m.SCALE_IDS.index(kv[0])))

    def _scale(self, decl: n.ScaleDecl) -> m.Scale:
        expected_part = "current" if decl.id in m.CURRENT_SCALES else "historical"
        words = {e.key: e for e in decl.entries if isinstance(e, n.WordAttr)}
        part = words.get("part")
        if part is None:
            self.error("missing-entry", f"scale {decl.id} has no `part`", decl.span,
                       f"add: part {expected_part}")
        elif part.word in ("current", "historical") and part.word != expected_part:
            self.error("invalid-value", f"scale {decl.id} is a {expected_part} scale, not "
                       f"{part.word}", part.span, "scales 1-13 are current, A-E historical")
        ratings: dict[int, str] = {}
        problem_types: dict[str, str] = {}
        for entry in decl.entries:
            if isinstance(entry, n.Rating):
                if entry.value not in (*m.RATINGS, m.NOT_KNOWN):
                    self.error("rating-out-of-range", f"rating {entry.value} is not an MHCT rating",
                               entry.span, "ratings are 0-4, and 9 for not known")
                elif entry.value in ratings:
                    self.error("duplicate-entry", f"rating {entry.value} is worded twice",
                               entry.span)
                ratings[entry.value] = entry.text
            elif isinstance(entry, n.ProblemType):
                if decl.id != "8":
                    self.error("misplaced-entry", "only scale 8 has problem types", entry.span)
                elif entry.letter not in "ABCDEFGHIJ":
                    self.error("invalid-value", f"problem type {entry.letter} is not A-J",
                               entry.span)
                elif entry.letter in problem_types:
                    self.error("duplicate-entry", f"problem type {entry.letter} twice", entry.span)
                problem_types[entry.letter] = entry.text
        missing = [str(r) for r in m.RATINGS if r not in ratings]
        if missing:
            self.error("missing-entry", f"scale {decl.id} does not word rating(s) "
                       + ", ".join(missing), decl.span, 'add: rating N "..."')
        texts = collections.defaultdict(list)
        for entry in decl.entries:
            if isinstance(entry, n.TextAttr):
                texts[entry.key].append(entry.text)
        return m.Scale(
            decl.id, decl.title, part.word if part else expected_part,
            dict(sorted(ratings.items())),
            tuple(texts["include"]), tuple(texts["exclude"]), tuple(texts["note"]),
            problem_types, decl.source or n.Source("booklet"),
        )
