"""The national booklets shipped with mhct and which one is in force on a date.

Each national rule set (the bundled ``rules/`` and every nested national rule set in it, such as
``rules/2012-13``) declares ``effective YYYY-MM-DD`` in its header. Without ``--rules``, a review
uses the booklet in force on its as-of date and an allocation the one in force on the assessment's
date: the one with the latest ``effective`` on or before that date. A date before every booklet is
an error for that record, not a silent choice.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path

from . import nodes as n
from .diagnostics import Diagnostic, RuleError
from .loader import bundled_rules_path, cached_ruleset, has_header, load_ruleset, nested_rulesets
from .model import RuleSet
from .records import Record, RecordError


class Editions:
    """The national editions under ``root`` (default: the bundled rules). Only their headers are
    read to date them; an edition is loaded when a record first needs it."""

    def __init__(self, root: Path | None = None):
        self.root = root if root is not None else bundled_rules_path()
        self._loaded: dict[Path, RuleSet] = {}

    def _load(self, path: Path) -> RuleSet:
        if path not in self._loaded:
            self._loaded[path] = load_ruleset(path)
        return self._loaded[path]

    @cached_property
    def dated(self) -> list[tuple[dt.date, Path]]:
        """Every national edition's effective date and directory, oldest first. Found from the
        headers once, then remembered in the cache (`rulecache.remembered`) by the contents of
        the files a header may sit in, so a command does not load every edition to date them."""
        from .rulecache import remembered

        paths = [self.root, *nested_rulesets(self.root)]
        parts = [part for path in paths for part in _header_files(self.root, path)]
        found = remembered("editions", parts, lambda: self._dates(paths))
        return [(dt.date.fromisoformat(effective), self.root / within)
                for effective, within in found]

    def _dates(self, paths: list[Path]) -> list[tuple[str, str]]:
        """``(effective, directory within the root)`` of the national editions, oldest first."""
        out = []
        for path in paths:
            header = _header(path)
            if header is None or header.extends is not None:
                continue  # a local rule set (or a broken one: loading it will say why)
            effective = next((e.date for e in header.entries
                              if isinstance(e, n.DateAttr) and e.key == "effective"), None)
            if effective is None:
                raise RuleError([Diagnostic(
                    "missing-entry", f"{path}: a national rule set must declare `effective "
                    "YYYY-MM-DD` to be chosen by date", header.span)])
            out.append((effective.isoformat(), path.relative_to(self.root).as_posix()))
        return sorted(out, key=lambda pair: pair[0])

    def latest(self) -> RuleSet:
        return self._load(self.root)

    def in_force(self, date: dt.date | None, record_id: str | None, field: str) -> RuleSet:
        """The edition in force on ``date`` (the newest one when the date is unknown)."""
        if date is None or date == dt.date.min:
            return self._load(self.dated[-1][1])
        chosen = [path for effective, path in self.dated if effective <= date]
        if not chosen:
            first = self.dated[0][0].isoformat()
            raise RecordError(record_id, field, f"{date.isoformat()} is before the earliest "
                              f"national booklet (in force from {first}); name one with --rules")
        return self._load(chosen[-1])

    def for_review(self, record: Record, as_of: dt.date | None) -> RuleSet:
        latest = record.latest()
        date = as_of or (latest.date if latest else None)
        return self.in_force(date, record.id, "as_of" if as_of else "assessments")

    def for_allocation(self, record: Record) -> RuleSet:
        latest = record.latest()
        return self.in_force(latest.date if latest else None, record.id, "assessments")


def _header_files(root: Path, path: Path) -> list[bytes]:
    """What the header of the rule set at ``path`` is read from: its place within ``root`` and
    its top-level rule files' names and bytes."""
    parts = [path.relative_to(root).as_posix().encode()]
    for file in sorted(path.glob("*.mhr")):
        try:
            parts += [file.name.encode(), file.read_bytes()]
        except OSError:
            parts += [file.name.encode(), b"\0unreadable"]
    return parts


def _header(path: Path) -> n.RuleSetDecl | None:
    """The ``ruleset`` header of the rule set at ``path`` (it sits in a top-level file): from the
    checked rule set (cached after the first time, so nothing is parsed), or, for a set that does
    not load, parsed from its header file."""
    known = cached_ruleset(path)
    if known is None:
        try:
            known = load_ruleset(path)
        except RuleError:
            known = None
    if known is not None:
        return n.RuleSetDecl(known.name, known.extends, known.header_entries)
    from .parser import parse_text

    for file in sorted(path.glob("*.mhr")):
        if has_header(file):
            declarations = parse_text(file.read_text(encoding="utf-8"), file.name).declarations
            return next((d for d in declarations if isinstance(d, n.RuleSetDecl)), None)
    return None
