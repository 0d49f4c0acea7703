"""Text for a person (``--explain``): a result's headline lines and its table, set with rich.

Everything wraps to the given width (the terminal's, or 80) at spaces, never inside a word unless
the word alone is wider than its column; a table's columns share the width. Declared fact and
event names are shown in the rule set's (booklet) wording when the rule set is given; long lists
are cut to `LIST_LIMIT` items with "and N more", and a fact's wording to its first
`WORDING_WORDS` words (the JSON output has everything). Nothing here is
parsed as markup: rule text is shown as written, control characters from a record as visible
escapes (``\\x1b``), so that a record cannot drive the terminal.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Iterable, Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .diagnostics import escape_controls

if TYPE_CHECKING:
    from .model import RuleSet

DEFAULT_WIDTH = 80
LIST_LIMIT = 4
WORDING_WORDS = 7


def render(head: Sequence[str], columns: Sequence[str], rows: Iterable[Sequence[str]],
           foot: Sequence[str] = (), width: int | None = None,
           ratios: Sequence[int] | None = None,
           more: Sequence[tuple[str, Iterable[Sequence[str]]]] = ()) -> str:
    """Headline lines, a table with a rule under its header, and footnotes, as plain text.
    A column with a ``ratios`` entry of 0 keeps its cells on one line (short labels). ``more``:
    further tables of the same columns, each after a blank line and its title line."""
    width = width or DEFAULT_WIDTH
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, markup=False, highlight=False,
                      emoji=False, force_terminal=False, soft_wrap=False)
    for line in head:
        console.print(Text(escape_controls(line)))
    console.print(_table(columns, rows, ratios))
    for title, section in more:
        console.print()
        console.print(Text(escape_controls(title)))
        console.print(_table(columns, section, ratios))
    for line in foot:
        console.print(Text(escape_controls(line)))
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").splitlines())


def _table(columns: Sequence[str], rows: Iterable[Sequence[str]],
           ratios: Sequence[int] | None) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=True,
                  padding=(0, 1))
    for index, title in enumerate(columns):
        ratio = ratios[index] if ratios else None
        table.add_column(title, ratio=ratio or None, overflow="fold",
                         no_wrap=not ratio)
    for row in rows:
        table.add_row(*(Text(escape_controls(str(cell))) for cell in row))
    return table


def short(items: Sequence[str], separator: str = "; ", limit: int = LIST_LIMIT) -> str:
    """``a; b; c; d; and 13 more``: at most ``limit`` items of a list."""
    shown = list(items[:limit])
    if len(items) > limit:
        shown.append(f"and {len(items) - limit} more")
    return separator.join(shown)


def wordings(ruleset: RuleSet | None) -> dict[str, str]:
    """Declared fact and event names -> their wording (empty without a rule set)."""
    if ruleset is None:
        return {}
    terms = {**ruleset.facts, **ruleset.events}
    return {name: term.wording for name, term in terms.items()}


def in_words(text: str, words: dict[str, str]) -> str:
    """``text`` with each declared fact or event name replaced by the start of its wording, in
    quotes (``“Patient has completed a successful period…”``)."""
    if not words:
        return text
    return re.sub(r"\b[a-z][a-z0-9_]*\b",
                  lambda m: _quote(words[m.group()]) if m.group() in words else m.group(), text)


def _quote(wording: str, limit: int = WORDING_WORDS) -> str:
    parts = wording.split()
    more = "…" if len(parts) > limit else ""
    return "“" + " ".join(parts[:limit]).rstrip(".,;:") + more + "”"


def ruleset_line(receipt: dict[str, str]) -> str:
    """``rules: NAME VERSION (sha256:0123456789ab)``: which rules made the decision."""
    return (f"rules: {receipt.get('name', '?')} {receipt.get('version', '')} "
            f"({str(receipt.get('fingerprint', ''))[:19]})")
