"""A review result's JSON text written directly: the same text as ``json.dumps(result.to_json(),
ensure_ascii=False)`` (`ReviewResult.to_json` stays the reference; tests/test_review_json.py and
the review goldens hold the two equal) at a fraction of the cost, because nothing builds the
intermediate dicts and the parts every record repeats (a criterion's condition text, its source,
the rule set's receipt) are encoded once and remembered."""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _text  # the C encoder's, with ensure_ascii=False
from typing import Any

from .formatter import format_condition
from .memo import IdentityMemo
from .results_common import TRACE_SCHEMA, Evidence, Outcome, Unknown
from .results_review import BlockingCriterion, CriterionTrace, ReviewResult

__all__ = ["dumps"]

_memo = IdentityMemo()  # condition text, criterion heads, sources, receipts


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        return _text(value)
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


_TRUTHS = {True: "true", False: "false", None: '"unknown"'}
_truth = _TRUTHS.__getitem__  # a truth value's JSON


def _texts(items) -> str:
    return "[" + ", ".join(map(_text, items)) + "]"


def _list(items, encode) -> str:
    return "[" + ", ".join(map(encode, items)) + "]" if items else "[]"


def _condition(condition) -> str:
    return _memo.get(("condition", id(condition)), (condition,),
                       lambda: _text(format_condition(condition)))


def _evidence(e: Evidence) -> str:
    return (f'{{"kind": {_text(e.kind)}, "name": {_text(e.name)}, "value": {_value(e.value)}, '
            f'"date": {"null" if e.date is None else _text(e.date.isoformat())}, '
            f'"note": {_text(e.note)}}}')


def _unknown(u: Unknown) -> str:
    return f'{{"kind": {_text(u.kind)}, "name": {_text(u.name)}, "reason": {_text(u.reason)}}}'


def _part(o: Outcome) -> str:
    return (f'{{"condition": {_condition(o.condition)}, "value": {_truth(o.value)}, '
            f'"explanation": {_text(o.finding + "; " + o.requirement)}, '
            f'"evidence": {_list(o.evidence, _evidence)}, "parts": {_list(o.parts, _part)}}}')


def _source(source, span) -> str:
    def make() -> str:
        return (f'{{"kind": {_value(getattr(source, "kind", None))}, '
                f'"note": {_value(getattr(source, "note", None))}, '
                f'"file": {_value(getattr(span, "path", None))}, '
                f'"line": {_value(getattr(span, "line", None))}}}')
    return _memo.get(("source", id(source), id(span)), (source, span), make)


def _head(c: CriterionTrace) -> str:
    condition = c.outcome.condition
    return _memo.get(
        ("head", c.column, c.quantifier, c.index, id(c.wording), id(condition)),
        (c.wording, condition),
        lambda: (f'{{"column": {_text(c.column)}, "quantifier": {_text(c.quantifier)}, '
                 f'"index": {_value(c.index)}, "wording": {_text(c.wording)}, '
                 f'"condition": {_condition(condition)}, "value": '))


def _criterion(c: CriterionTrace) -> str:
    o = c.outcome
    evidence, unknowns, parts = o.evidence, o.unknowns, o.parts
    return (f'{_head(c)}{_TRUTHS[o.value]}, '
            f'"evidence": {_list(evidence, _evidence) if evidence else "[]"}, '
            f'"explanation": {_text(o.finding + "; " + o.requirement)}, '
            f'"unknowns": {_list(unknowns, _unknown) if unknowns else "[]"}, '
            f'"source": {_source(c.source, c.span)}, "decisive": {_TRUTHS[c.decisive]}, '
            f'"parts": {_list(parts, _part) if parts else "[]"}}}')


def _blocking(b: BlockingCriterion) -> str:
    return (f'{{"column": {_text(b.column)}, "index": {_value(b.index)}, '
            f'"wording": {_text(b.wording)}, "unknowns": {_list(b.unknowns, _unknown)}}}')


def _column(c) -> str:
    value = "null" if c.status != "evaluated" else _truth(c.value)
    return (f'{{"column": {_text(c.column)}, "quantifier": {_value(c.quantifier)}, '
            f'"value": {value}, "status": {_text(c.status)}, "decisive": {_truth(c.decisive)}}}')


def _target(t) -> str:
    due = "null" if t.next_review_due is None else _text(t.next_review_due.isoformat())
    return (f'{{"cluster": {_value(t.cluster)}, "likelihood": {_text(t.likelihood)}, '
            f'"fit": {_text(t.fit)}, "review_every": {_value(t.review_every)}, '
            f'"next_review_due": {due}}}')


def _receipt(receipt: dict) -> str:
    key = ("receipt",) + tuple(receipt.items())
    return _memo.get(key, (), lambda: json.dumps(receipt, ensure_ascii=False))


def current_fit(fit: str, truth, missed, unknown) -> str:
    """A result's ``current_fit`` object from the current cluster's fit label, red check and red
    rows missed and unknown (the labels)."""
    return (f'{{"fit": {_text(fit)}, "red_rules_met": {_TRUTHS[truth]}, '
            f'"red_missed": {_texts(missed)}, "red_unknown": {_texts(unknown)}}}')


def document(id: str, receipt: str, cluster: str, decision: str, criteria: str, suggested: str,
             blocking: str, due: str, as_of: str, overdue: str, note: str, columns: str,
             targets: str, current: str, flags: str, allocation: str) -> str:
    """A result's JSON text from its members' JSON texts (the layout `dumps` and the compiled
    review plan, `review_plan`, share)."""
    return (f'{{"id": {id}, "ruleset": {receipt}, "trace_schema": {_text(TRACE_SCHEMA)}, '
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
    due = "null" if r.next_review_due is None else _text(r.next_review_due.isoformat())
    allocation = "null" if r.allocation is None else json.dumps(r.allocation.to_json(),
                                                                 ensure_ascii=False)
    return document(
        _value(r.id), _receipt(r.ruleset), _value(r.current_cluster), _text(r.decision),
        _list(r.criteria, _criterion), _list(r.suggested_clusters, _value),
        _list(r.blocking_unknowns, _blocking), due, _text(r.as_of.isoformat()),
        _value(r.review_overdue), _text(r.note), _list(r.columns, _column),
        _list(r.targets, _target), current, _texts(r.flags), allocation)
