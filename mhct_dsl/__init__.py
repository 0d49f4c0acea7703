"""mhct-dsl: the Mental Health Clustering Booklet (MHCT V3.0, 2013/14) as rules-as-data.

    rules = load_ruleset()                         # the bundled national rules, checked
    allocate(rules, ratings, group="psychotic")    # ranked cluster fits (booklet Steps 2-3)
    review(rules, record, as_of="2014-03-01")      # the six-step care-review decision, traced

Importing has no side effects; the parser and checker load on first use (so a command that
does not parse rules never imports Lark), the grammar is compiled on first parse. A loaded
`RuleSet` is immutable and may be shared between threads.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .allocation import allocate
    from .diagnostics import Diagnostic, RuleError
    from .export import export
    from .formatter import format_file
    from .loader import bundled_rules_path, load_ruleset
    from .model import RuleSet
    from .parser import parse_text
    from .records import Record, RecordError, parse_record
    from .review import review

# The names load on first use (PEP 562), so a command imports only what it uses: `mhct` does not
# import the parser and checker (Lark) for a command that does not parse rules, nor the review
# and export modules to allocate.
_HOME = {
    "allocate": "allocation", "Diagnostic": "diagnostics", "RuleError": "diagnostics",
    "export": "export", "format_file": "formatter", "bundled_rules_path": "loader",
    "load_ruleset": "loader", "RuleSet": "model", "parse_text": "parser", "Record": "records",
    "RecordError": "records", "parse_record": "records", "review": "review",
}
_SHADOWED = ("export", "review")  # functions named as the modules that define them


class _Package(types.ModuleType):
    """Keeps `mhct_dsl.export` and `mhct_dsl.review` the functions: importing their modules
    (as anything may) would otherwise set the package attribute to the module."""

    def __setattr__(self, name, value):
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'mhct_dsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Diagnostic", "Record", "RecordError", "RuleError", "RuleSet", "allocate",
    "bundled_rules_path", "export", "format_file", "load_ruleset", "parse_record", "parse_text",
    "review",
]
__version__ = "0.1.0"
