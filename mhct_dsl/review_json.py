"""A review result's JSON text written directly: the same text as ``json.dumps(result.to_json(),
ensure_ascii=False)`` (`ReviewResult.to_json` stays the reference; tests/test_review_json.py and
the review goldens hold the two equal) at a fraction of the cost, because nothing builds the
intermediate dicts and the parts every record repeats (a criterion's condition text, its source,
the rule set's receipt) are encoded once and remembered."""

from __future__ import annotations

import json
# A string's JSON: the C encoder's, with ensure_ascii=False.
from json.encoder import encode_basestring as encode_text
from typing import Any

from .formatter import format_condition
from .memo import IdentityMemo
from .results_common import TRACE_SCHEMA, Evidence, Outcome, Unknown
from .results_review import BlockingCriterion, CriterionTrace, ReviewResult

__all__ = ["dumps"]

_memo = IdentityMemo()  # condition text, criterion heads, sources, receipts


def encode_value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        return encode_text(value)
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


TRUTHS = {True: "true", False: "false", None: '"unknown"'}
_truth = TRUTHS.__getitem__  # a truth value's JSON


def encode_texts(items) -> str:
    return "[" + ", ".join(map(encode_text, items)) + "]"


def encode_list(items, encode) -> str:
    return "[" + ", ".join(map(encode, items)) + "]" if items else "[]"


def _condition(condition) -> str:
    return _memo.get(("condition", id(condition)), (condition,),
                       lambda: encode_text(format_condition(condition)))


def _evidence(e: Evidence) -> str:
    return (f'{{"kind": {encode_text(e.kind)}, "name": {encode_text(e.name)}, '
            f'"value": {encode_value(e.value)}, '
            f'"date": {"null" if e.date is None else encode_text(e.date.isoformat())}, '
            f'"note": {encode_text(e.note)}}}')


def encode_unknown(u: Unknown) -> str:
    return (f'{{"kind": {encode_text(u.kind)}, "name": {encode_text(u.name)}, '
            f'"reason": {encode_text(u.reason)}}}')


def _part(o: Outcome) -> str:
    return (f'{{"condition": {_condition(o.condition)}, "value": {_truth(o.value)}, '
            f'"explanation": {encode_text(o.finding + "; " + o.requirement)}, '
            f'"evidence": {encode_list(o.evidence, _evidence)}, '
            f'"parts": {encode_list(o.parts, _part)}}}')


def _source(source, span) -> str:
    def make() -> str:
        return (f'{{"kind": {encode_value(getattr(source, "kind", None))}, '
                f'"note": {encode_value(getattr(source, "note", None))}, '
                f'"file": {encode_value(getattr(span, "path", None))}, '
                f'"line": {encode_value(getattr(span, "line", None))}}}')
    return _memo.get(("source", id(source), id(span)), (source, span), make)


def criterion_head(c: CriterionTrace) -> str:
    condition = c.outcome.condition
    return _memo.get(
        ("head", c.column, c.quantifier, c.index, id(c.wording), id(condition)),
        (c.wording, condition),
        lambda: (f'{{"column": {encode_text(c.column)}, '
                 f'"quantifier": {encode_text(c.quantifier)}, '
                 f'"index": {encode_value(c.index)}, "wording": {encode_text(c.wording)}, '
                 f'"condition": {_condition(condition)}, "value": '))


def encode_criterion(c: CriterionTrace) -> str:
    o = c.outcome
    evidence, unknowns, parts = o.evidence, o.unknowns, o.parts
    return (f'{criterion_head(c)}{TRUTHS[o.value]}, '
            f'"evidence": {encode_list(evidence, _evidence) if evidence else "[]"}, '
            f'"explanation": {encode_text(o.finding + "; " + o.requirement)}, '
            f'"unknowns": {encode_list(unknowns, encode_unknown) if unknowns else "[]"}, '
            f'"source": {_source(c.source, c.span)}, "decisive": {TRUTHS[c.decisive]}, '
            f'"parts": {encode_list(parts, _part) if parts else "[]"}}}')


def encode_blocking(b: BlockingCriterion) -> str:
    return (f'{{"column": {encode_text(b.column)}, "index": {encode_value(b.index)}, '
            f'"wording": {encode_text(b.wording)}, '
            f'"unknowns": {encode_list(b.unknowns, encode_unknown)}}}')


def encode_column(c) -> str:
    value = "null" if c.status != "evaluated" else _truth(c.value)
    return (f'{{"column": {encode_text(c.column)}, "quantifier": {encode_value(c.quantifier)}, '
            f'"value": {value}, "status": {encode_text(c.status)}, '
            f'"decisive": {_truth(c.decisive)}}}')


def encode_target(t) -> str:
    due = "null" if t.next_review_due is None else encode_text(t.next_review_due.isoformat())
    return (f'{{"cluster": {encode_value(t.cluster)}, "likelihood": {encode_text(t.likelihood)}, '
            f'"fit": {encode_text(t.fit)}, "review_every": {encode_value(t.review_every)}, '
            f'"next_review_due": {due}}}')


def encode_receipt(receipt: dict) -> str:
    key = ("receipt",) + tuple(receipt.items())
    return _memo.get(key, (), lambda: json.dumps(receipt, ensure_ascii=False))


def current_fit(fit: str, truth, missed, unknown) -> str:
    """A result's ``current_fit`` object from the current cluster's fit label, red check and red
    rows missed and unknown (the labels)."""
    return (f'{{"fit": {encode_text(fit)}, "red_rules_met": {TRUTHS[truth]}, '
            f'"red_missed": {encode_texts(missed)}, "red_unknown": {encode_texts(unknown)}}}')


def document(id: str, receipt: str, cluster: str, decision: str, criteria: str, suggested: str,
             blocking: str, due: str, as_of: str, overdue: str, note: str, columns: str,
             targets: str, current: str, flags: str, allocation: str) -> str:
    """A result's JSON text from its members' JSON texts (the layout `dumps` and the compiled
    review plan, `review_plan`, share)."""
    return (f'{{"id": {id}, "ruleset": {receipt}, "trace_schema": {encode_text(TRACE_SCHEMA)}, '
            f'"current_cluster": {cluster}, "decision": {decision}, "criteria": {criteria}, '
            f'"suggested_clusters": {suggested}, "blocking_unknowns": {blocking}, '
            f'"next_review_due": {due}, "as_of": {as_of}, "review_overdue": {overdue}, '
            f'"note": {note}, "columns": {columns}, "targets": {targets}, '
            f'"current_fit": {current}, "flags": {flags}, "allocation": {allocation}}}')


def dumps(r: ReviewResult) -> str:
    """``json.dumps(r.to_json(), ensure_ascii=False)``, written directly."""
    fit = r.current_fit
    current = "null" if fit is None else current_fit(fit.fit, fit.truth, fit.red.missed,
                                                     fit.red.unknown)
    due = "null" if r.next_review_due is None else encode_text(r.next_review_due.isoformat())
    allocation = "null" if r.allocation is None else json.dumps(r.allocation.to_json(),
                                                                 ensure_ascii=False)
    return document(
        encode_value(r.id), encode_receipt(r.ruleset), encode_value(r.current_cluster),
        encode_text(r.decision),
        encode_list(r.criteria, encode_criterion), encode_list(r.suggested_clusters, encode_value),
        encode_list(r.blocking_unknowns, encode_blocking), due, encode_text(r.as_of.isoformat()),
        encode_value(r.review_overdue), encode_text(r.note), encode_list(r.columns, encode_column),
        encode_list(r.targets, encode_target), current, encode_texts(r.flags), allocation)
