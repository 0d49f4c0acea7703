"""The short path for records of the usual shape (`records_usual.usual`) reads what
`records.parse_record` reads, and gives every other record to it."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from hypothesis import given, strategies as st

import mhct_dsl
from mhct_dsl.records import ASSESSMENT_KEYS, RECORD_KEYS, RecordError, parse_record
from mhct_dsl.records_usual import usual

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synthetic  # noqa: E402

RULES = mhct_dsl.load_ruleset()
SYNTHETIC = list(synthetic.review_records(60, 7))
FULL = {"facts": {"detained_mha": False, "medication_stable_past_year": None},
        "events": [{"kind": "inpatient_or_iht", "date": "2012-05-01", "end": "2012-06-01"}],
        "team_since": {"eip": "2011-01-01"}, "group": "psychosis",
        "in_service_since": "2010-01-01"}
VALUE_LIST = [
    None, True, False, 0, 1, 4, 5, 9, 10, -1, 1.0, 2 ** 70, "3", "", " ", "A", "K", "AB", "x" * 201,
    "2013-02-30", "2013-01-01", " 2012-06-01 ", "1899-12-31", "2013-1-1", [], {}, [{}],
    {"detained_mha": True}, {"nonsense": True}, [{"kind": "inpatient_or_iht", "date": "2013-01-02"}],
    {"eip": "2012-01-01"}, {"x": 1},
]
VALUES = st.sampled_from(VALUE_LIST)
SCALE_LIST = [*synthetic.SCALES, "14", "F", 7, ""]
SCALES = st.sampled_from(SCALE_LIST)


@st.composite
def near_usual(draw) -> dict:
    """A synthetic record (one to three assessments, sometimes every optional field) with a few
    keys changed, removed or added at any level."""
    record = copy.deepcopy(draw(st.sampled_from(SYNTHETIC)))
    if draw(st.booleans()):
        record.update(copy.deepcopy(FULL))
    for other in draw(st.lists(st.sampled_from(SYNTHETIC), max_size=2)):
        record["assessments"].append(copy.deepcopy(other["assessments"][0]))
    for _ in range(draw(st.integers(0, 3))):
        level = draw(st.sampled_from(["record", "assessment", "ratings"]))
        if level == "record":
            target, key = record, draw(st.sampled_from([*RECORD_KEYS, "extra"]))
        else:
            assessments = record.get("assessments")
            if not isinstance(assessments, list) or not assessments:
                continue
            target = draw(st.sampled_from(assessments))
            if not isinstance(target, dict):
                continue
            key = draw(st.sampled_from([*ASSESSMENT_KEYS, "note"]))
            if level == "ratings":
                target, key = target.get("ratings"), draw(SCALES)
                if not isinstance(target, dict):
                    continue
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(VALUES)
    return record


def parsed(data, ruleset):
    try:
        return parse_record(data, ruleset)
    except RecordError as error:
        return error.record_id, error.field, error.message


@given(near_usual(), st.booleans())
def test_the_short_path_reads_what_parse_record_reads(data, with_rules):
    ruleset = RULES if with_rules else None
    expected = parsed(data, ruleset)
    short = usual(data, ruleset)
    assert short is None or short == expected


def test_the_usual_shape_takes_the_short_path():
    for data in SYNTHETIC + [{**record, **FULL} for record in SYNTHETIC]:
        record = usual(data, RULES)
        assert record is not None and record == parse_record(data, RULES)


def _changed(data: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(data)
    *into, key = path
    target = data
    for step in into:
        target = target[step]
    if value is _GONE:
        target.pop(key, None)
    else:
        target[key] = value
    return data


_GONE = object()
_TWO = {**SYNTHETIC[2], "assessments": [  # a change of the second date to the first's: one date
    {**SYNTHETIC[2]["assessments"][0], "date": "2013-01-01"},
    {**SYNTHETIC[3]["assessments"][0], "scale8_type": "B"}]}


def test_every_single_change_reads_as_parse_record_reads_it():
    """Each key of each level (the record, an assessment, its ratings) changed to each value or
    removed, in three records: the plain synthetic shape, every optional field, two assessments."""
    taken = 0
    for base in (SYNTHETIC[0], {**SYNTHETIC[1], **FULL}, _TWO):
        paths = [(key,) for key in (*RECORD_KEYS, "extra")]
        for i in range(len(base["assessments"])):
            paths += [("assessments", i, key) for key in (*ASSESSMENT_KEYS, "note")]
            paths += [("assessments", i, "ratings", scale) for scale in SCALE_LIST]
        for path in paths:
            for value in [_GONE, *VALUE_LIST]:
                data = _changed(base, path, value)
                for ruleset in (RULES, None):
                    short = usual(data, ruleset)
                    assert short is None or short == parsed(data, ruleset), (path, value)
                    taken += short is not None
    assert taken > 1000  # the valid changes are read on the short path
