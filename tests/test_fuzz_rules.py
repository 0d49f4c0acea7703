"""A bounded, seeded run of the rule-file mutation fuzzer (`fuzz_rules.py`; a longer run there)."""

import pytest

from fuzz_rules import run_one


@pytest.mark.parametrize("seed", range(60))
def test_a_mutated_rule_file_loads_or_gives_located_errors(seed):
    assert run_one(seed) in ("ok", "errors")
