"""mhct-dsl: the Mental Health Clustering Booklet (MHCT V3.0, 2013/14) as rules-as-data.

    rules = load_ruleset()                         # the bundled national rules, checked
    allocate(rules, ratings, group="psychotic")    # ranked cluster fits (booklet Steps 2-3)
    review(rules, record, as_of="2014-03-01")      # the six-step care-review decision, traced

Importing has no side effects; the grammar is compiled on first parse. A loaded `RuleSet` is
immutable and may be shared between threads.
"""

from .allocation import allocate
from .diagnostics import Diagnostic, RuleError
from .export import export
from .formatter import format_file
from .loader import bundled_rules_path, load_ruleset
from .model import RuleSet
from .parser import parse_text
from .records import Record, RecordError, parse_record
from .review import review

__all__ = [
    "Diagnostic", "Record", "RecordError", "RuleError", "RuleSet", "allocate",
    "bundled_rules_path", "export", "format_file", "load_ruleset", "parse_record", "parse_text",
    "review",
]
__version__ = "0.1.0"
