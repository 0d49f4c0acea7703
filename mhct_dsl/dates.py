"""Calendar arithmetic for the interpreter: explicit, and never reading the wall clock.

Every date the interpreter uses comes from the input (assessment dates, ``as_of``, record start
dates); nothing here calls ``date.today()``.

Rules (decided, and tested at their edges):

- ``day`` and ``week`` are exact: a week is 7 days.
- ``month`` and ``year`` move the calendar month and clamp the day to the end of the target month:
  31 January + 1 month = 28 February (29 in a leap year); 29 February 2012 + 1 year =
  28 February 2013; 31 March - 1 month = 28/29 February. A year is 12 months.
- Dates read from input (`parse_iso`) lie in 1900-2199 and the checker bounds durations (at most
  100 years), so no window or next-review date can leave Python's calendar.
- ``window_start(as_of, D) = as_of - D``: the first day of the window "for the past D" that ends on
  ``as_of``. Windows are inclusive of both ends (see `conditions`).

Units may be written singular or plural (``month``/``months``); the parser stores them singular.
"""

from __future__ import annotations

import calendar
import functools
import datetime as dt
import re

from .nodes import Duration

__all__ = ["add", "subtract", "window_start", "parse_iso", "parse_date", "describe", "in_range",
           "UNITS", "EARLIEST", "LATEST"]

UNITS = ("day", "week", "month", "year")

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


def _unit(unit: str) -> str:
    base = unit[:-1] if unit.endswith("s") else unit
    if base not in UNITS:
        raise ValueError(f"unknown duration unit {unit!r}; expected one of {', '.join(UNITS)}")
    return base


def _add_months(date: dt.date, months: int) -> dt.date:
    index = date.year * 12 + (date.month - 1) + months
    year, month0 = divmod(index, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise OverflowError(f"date out of range: {date.isoformat()} + {months} months")
    month = month0 + 1
    day = min(date.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def add(date: dt.date, duration: Duration, sign: int = +1) -> dt.date:
    """``date`` moved by ``duration`` forwards (``sign=+1``) or backwards (``sign=-1``).

    Months and years clamp to the end of the target month; days and weeks are exact.
    """
    if sign not in (1, -1):
        raise ValueError("sign must be +1 or -1")
    return _moved(date, sign * duration.amount, _unit(duration.unit))


@functools.lru_cache(maxsize=4096)
def _moved(date: dt.date, amount: int, unit: str) -> dt.date:
    """`add` of a signed amount (a review moves the same few dates by the same few durations)."""
    if unit == "day":
        return date + dt.timedelta(days=amount)
    if unit == "week":
        return date + dt.timedelta(weeks=amount)
    if unit == "month":
        return _add_months(date, amount)
    return _add_months(date, 12 * amount)


def subtract(date: dt.date, duration: Duration) -> dt.date:
    """``date - duration`` (same clamping rules as `add`)."""
    return add(date, duration, -1)


def window_start(as_of: dt.date, duration: Duration) -> dt.date:
    """First day of the window "for the past ``duration``" ending on ``as_of``: ``as_of - D``."""
    return subtract(as_of, duration)


def parse_iso(text: object) -> dt.date:
    """A strict ``YYYY-MM-DD`` date; raises ``ValueError`` with a readable message otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"expected a date as a YYYY-MM-DD string, got {type(text).__name__}")
    value = text.strip()
    if not _ISO.fullmatch(value):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}")
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a calendar date: {text!r}") from None
    return in_range(date)


def in_range(date: dt.date) -> dt.date:
    """``date`` if it lies in `EARLIEST`..`LATEST`, else ``ValueError``: a wider range could carry
    a review's date arithmetic off the calendar (9999-12-31 + 1 year)."""
    if not EARLIEST <= date <= LATEST:
        raise ValueError(f"{date.isoformat()} is outside the dates this tool accepts "
                         f"({EARLIEST.isoformat()} to {LATEST.isoformat()})")
    return date


def parse_date(text: object) -> dt.date:
    """The same as `parse_iso` (the name the CLI uses for ``--as-of``)."""
    return parse_iso(text)


def describe(duration: Duration) -> str:
    """``12 months``, ``1 year``: the unit is plural unless the amount is exactly 1."""
    unit = _unit(duration.unit)
    return f"{duration.amount} {unit}" + ("" if duration.amount == 1 else "s")
