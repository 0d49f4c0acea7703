"""Calendar arithmetic: month-end clamping, leap days, weeks, windows, strict ISO parsing."""

import datetime as dt

import pytest

from mhct_dsl import dates
from mhct_dsl.nodes import Duration


def D(text):
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize("start, duration, expected", [
    ("2013-01-31", Duration(1, "month"), "2013-02-28"),
    ("2012-01-31", Duration(1, "month"), "2012-02-29"),      # leap year
    ("2012-02-29", Duration(1, "year"), "2013-02-28"),       # leap day, next year has none
    ("2012-02-29", Duration(4, "year"), "2016-02-29"),
    ("2013-03-31", Duration(1, "month"), "2013-04-30"),
    ("2013-12-15", Duration(1, "month"), "2014-01-15"),      # year rollover
    ("2013-03-01", Duration(12, "month"), "2014-03-01"),
    ("2013-03-01", Duration(2, "week"), "2013-03-15"),
    ("2013-02-27", Duration(3, "day"), "2013-03-02"),
    ("2013-03-01", Duration(12, "months"), "2014-03-01"),    # plural units accepted
])
def test_add(start, duration, expected):
    assert dates.add(D(start), duration) == D(expected)


@pytest.mark.parametrize("start, duration, expected", [
    ("2013-03-31", Duration(1, "month"), "2013-02-28"),
    ("2012-03-31", Duration(1, "month"), "2012-02-29"),
    ("2013-02-28", Duration(1, "year"), "2012-02-28"),
    ("2013-03-01", Duration(12, "month"), "2012-03-01"),
    ("2013-03-01", Duration(1, "week"), "2013-02-22"),
])
def test_subtract_and_window_start(start, duration, expected):
    assert dates.subtract(D(start), duration) == D(expected)
    assert dates.window_start(D(start), duration) == D(expected)
    assert dates.add(D(start), duration, sign=-1) == D(expected)


def test_year_equals_twelve_months():
    for start in ("2012-02-29", "2013-01-31", "2013-07-15"):
        assert dates.add(D(start), Duration(1, "year")) == dates.add(D(start), Duration(12, "month"))


def test_bad_sign_and_unit():
    with pytest.raises(ValueError):
        dates.add(D("2013-01-01"), Duration(1, "month"), sign=2)
    with pytest.raises(ValueError, match="unknown duration unit"):
        dates.add(D("2013-01-01"), Duration(1, "fortnight"))


@pytest.mark.parametrize("text", ["2013-3-1", "01/03/2013", "2013-02-30", "", "2013-03-01T00:00"])
def test_parse_iso_rejects(text):
    with pytest.raises(ValueError):
        dates.parse_iso(text)


def test_parse_iso_rejects_non_strings():
    with pytest.raises(ValueError, match="string"):
        dates.parse_iso(20130301)


def test_parse_iso_accepts():
    assert dates.parse_iso("2012-02-29") == D("2012-02-29")
    assert dates.parse_iso(" 2013-03-01 ") == D("2013-03-01")


def test_describe():
    assert dates.describe(Duration(1, "year")) == "1 year"
    assert dates.describe(Duration(12, "month")) == "12 months"


def test_parse_date_reads_iso_dates_only():
    assert dates.parse_date("2013-03-01") == D("2013-03-01")
    assert dates.parse_date(" 2012-02-29 ") == D("2012-02-29")
    with pytest.raises(ValueError):
        dates.parse_date("1 March 2013")
