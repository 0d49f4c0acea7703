"""``mhct test``: example records kept beside the rules, with the outcome each must produce.

Like OpenFisca's YAML tests, a commissioner who changes a criterion runs the examples that pin its
meaning. Files live in ``RULES/tests/*.json`` (format in docs/rule-tests.md): each case is either a
``review`` (a service-user record, optional ``as_of``) or an ``allocate`` (``ratings`` and optional
``group``), and an ``expect`` object whose keys must equal the same keys of the result's JSON.
Two keys compare more finely: ``criteria`` maps ``"column.N"`` (N counted from 1 in booklet order)
to true / false / "unknown", and ``fits`` maps a cluster number to its allocation fit.

The runner also reports coverage: which care-transition columns some passing case decided (for a
local rule set, only the columns it amends).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import attrs

from .allocation import allocate
from .loader import bundled_rules_path, load_ruleset
from .model import RuleSet
from .records import RecordError
from .review import review

MAX_TEST_FILE_BYTES = 5_000_000


@attrs.frozen
class CaseResult:
    """One case run: where it is, its name, the failures (empty = passed), the column it decided."""

    file: str
    name: str
    failures: tuple[str, ...]
    decided: tuple[int, str] | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


def test_files(rules: Path) -> list[Path]:
    root = rules if rules.is_dir() else rules.parent
    return sorted((root / "tests").glob("*.json"))


def _name(case: Any, index: int) -> str:
    name = case.get("name") if isinstance(case, dict) else None
    return f"case {index + 1}" + (f" ({name})" if isinstance(name, str) else "")


def run_case(ruleset: RuleSet, case: Any, file: str, index: int) -> CaseResult:
    """One case's result; a malformed case fails alone, named by file and position."""
    try:
        return _run_case(ruleset, case, file, index)
    except Exception as error:  # the edge: one malformed case must not stop the others
        return CaseResult(file, _name(case, index), (
            f"the case cannot be run ({type(error).__name__}: {error}); see docs/rule-tests.md",))


def _run_case(ruleset: RuleSet, case: Any, file: str, index: int) -> CaseResult:
    name = case["name"] if isinstance(case, dict) and isinstance(case.get("name"), str) \
        else _name(case, index)
    if not isinstance(case, dict) or not isinstance(case.get("expect"), dict):
        return CaseResult(file, name, ("a case is an object with `review` or `allocate` and an "
                                       "`expect` object",))
    expect = case["expect"]
    if not expect:
        return CaseResult(file, name, ("`expect` is empty, so the case could never fail: name a "
                                       "key of the result to check, e.g. `decision` or "
                                       "`suggested`",))
    try:
        if "review" in case:
            result = review(ruleset, case["review"], case.get("as_of")).to_json()
        elif "allocate" in case:
            spec = case["allocate"] if isinstance(case["allocate"], dict) else {}
            result = allocate(ruleset, spec.get("ratings"), spec.get("group")).to_json()
        else:
            return CaseResult(file, name, ("the case has neither `review` nor `allocate`",))
    except RecordError as error:
        result = {"error": error.to_json()}
    failures = tuple(_compare(expect, result))
    decided = None
    if "review" in case and not failures and result.get("decision") in (
        "step_up", "discharge", "step_down"
    ):
        decided = (result["current_cluster"], result["decision"])
    return CaseResult(file, name, failures, decided)


def _compare(expect: dict, result: dict):
    for key, wanted in expect.items():
        if key in ("criteria", "fits") and not isinstance(wanted, dict):
            yield f"`{key}` must be an object (see docs/rule-tests.md), got {json.dumps(wanted)}"
        elif key == "criteria":
            yield from _compare_criteria(wanted, result.get("criteria", []))
        elif key == "fits":
            fits = {str(c["cluster"]): c["fit"] for c in result.get("candidates", [])}
            for cluster, fit in wanted.items():
                if fits.get(str(cluster)) != fit:
                    yield f"cluster {cluster}: expected fit {fit!r}, got {fits.get(str(cluster))!r}"
        elif key not in result:
            yield f"the result has no `{key}`" + (
                f" (error: {result['error']})" if "error" in result else "")
        elif result[key] != wanted:
            yield f"{key}: expected {json.dumps(wanted)}, got {json.dumps(result[key])}"


def _compare_criteria(wanted: dict, criteria: list[dict]):
    values = {f"{c['column']}.{c['index']}": c["value"] for c in criteria}
    for key, value in wanted.items():
        if key not in values:
            yield (f"criterion {key}: expected {json.dumps(value)}, but the review has no "
                   f"criterion {key} (it has {', '.join(values) or 'none'})")
        elif values[key] != value:
            yield f"criterion {key}: expected {json.dumps(value)}, got {json.dumps(values[key])}"


def run_file(ruleset: RuleSet, path: Path) -> list[CaseResult]:
    try:
        if path.stat().st_size > MAX_TEST_FILE_BYTES:
            raise ValueError(f"larger than {MAX_TEST_FILE_BYTES} bytes")
        data = json.loads(path.read_text("utf-8"))
        cases = data["cases"]
        if not isinstance(cases, list):
            raise ValueError("`cases` must be a list")
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [CaseResult(str(path), "(file)", (f"cannot read the test file: {error}",))]
    return [run_case(ruleset, case, str(path), i) for i, case in enumerate(cases)]


def columns_to_cover(ruleset: RuleSet) -> set[tuple[int, str]]:
    """Every (cluster, column) that is not n/a: each should be decided by some example. A local
    rule set answers only for the columns it amends (its base's examples cover the rest)."""
    return {(c.number, kind) for c in ruleset.clusters.values()
            for kind, column in c.columns.items() if column.quantifier != "n/a"
            and (ruleset.base is None or kind in c.amended)}


def run_rule_tests(rules: str | None, out: IO[str], err: IO[str]) -> int:
    path = Path(rules) if rules else bundled_rules_path()
    ruleset = load_ruleset(path)
    files = test_files(path)
    if not files:
        print(f"no rule tests in {path / 'tests'}: add example records with their expected "
              "outcomes as JSON files there (format: docs/rule-tests.md)", file=err)
        return 1
    results = [result for file in files for result in run_file(ruleset, file)]
    for result in results:
        if not result.passed:
            print(f"FAIL {result.file}: {result.name}", file=out)
            for failure in result.failures:
                print(f"    {failure}", file=out)
    uncovered = columns_to_cover(ruleset) - {r.decided for r in results if r.decided}
    if uncovered:
        print("columns no example decides: " + ", ".join(
            f"cluster {c} {k}" for c, k in sorted(uncovered)), file=out)
    passed = sum(r.passed for r in results)
    print(f"rule tests: {passed} passed, {len(results) - passed} failed", file=out)
    return 0 if passed == len(results) else 1
