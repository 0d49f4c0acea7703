"""The compiled batch path: a checked rule set as lookup tables, evaluated over whole batches.

`compile_ruleset` builds the tables once (`tables`); `evaluate` allocates a batch of coded
ratings as arrays (`kernel`). The interpreter (`mhct_dsl.allocation`) stays the reference and the
tool for one record with its trace; the tests hold the two equal.
"""

from .kernel import LABELS, OUTCOMES, Batch, evaluate
from .tables import Compiled, compile_ruleset, encode_rating

__all__ = ["compile_ruleset", "evaluate", "encode_rating", "Compiled", "Batch", "LABELS",
           "OUTCOMES"]
