"""Kleene's strong three-valued logic, as the booklet's criteria need it.

A truth value is ``True``, ``False`` or ``None`` (unknown). A rating of 9, a missing rating, an
unasserted fact or a history that does not reach back far enough is *unknown*, never false.

- ``not_``: flips True/False; unknown stays unknown.
- ``all_of``: False if any value is False; else unknown if any is unknown; else True (empty = True).
- ``any_of``: True if any value is True; else unknown if any is unknown; else False (empty = False).
- ``quantify``: a column's quantifier. ``all`` -> `all_of`; ``any`` -> `any_of`; ``one`` -> the
  single criterion's value (the booklet's "The following criterion is met"). The checker requires
  a ``one`` column to hold exactly one criterion; should one hold more, it reads as the booklet's
  "Only 1 needs to be met", i.e. `any_of`, which equals the single value when there is one.

In JSON a truth value is ``true``, ``false`` or the string ``"unknown"`` (`to_json`).

These functions are monotone in the information order (unknown < True, unknown < False): making an
input less known never makes the output more known, and never flips True to False or back.
"""

from __future__ import annotations

from typing import Iterable, Optional

__all__ = ["Truth", "UNKNOWN", "not_", "and_", "or_", "all_of", "any_of", "quantify",
           "to_json", "from_json", "word", "is_unknown"]

Truth = Optional[bool]
UNKNOWN: Truth = None

QUANTIFIERS = ("one", "any", "all")


def not_(value: Truth) -> Truth:
    """Kleene negation."""
    return None if value is None else not value


def and_(a: Truth, b: Truth) -> Truth:
    """Kleene conjunction of two values."""
    return all_of((a, b))


def or_(a: Truth, b: Truth) -> Truth:
    """Kleene disjunction of two values."""
    return any_of((a, b))


def all_of(values: Iterable[Truth]) -> Truth:
    """False dominates, then unknown; the empty conjunction is True."""
    unknown = False
    for value in values:
        if value is False:
            return False
        if value is None:
            unknown = True
    return None if unknown else True


def any_of(values: Iterable[Truth]) -> Truth:
    """True dominates, then unknown; the empty disjunction is False."""
    unknown = False
    for value in values:
        if value is True:
            return True
        if value is None:
            unknown = True
    return None if unknown else False


def quantify(quantifier: str, values: Iterable[Truth]) -> Truth:
    """A column's value under its quantifier ``one``/``any``/``all`` (see the module docstring)."""
    if quantifier == "all":
        return all_of(values)
    if quantifier in ("any", "one"):
        return any_of(values)
    raise ValueError(f"unknown quantifier {quantifier!r}; expected one of {', '.join(QUANTIFIERS)}")


def is_unknown(value: Truth) -> bool:
    return value is None


def to_json(value: Truth) -> bool | str:
    """``true`` / ``false`` / ``"unknown"``."""
    return "unknown" if value is None else bool(value)


def from_json(value: object) -> Truth:
    """Inverse of `to_json`."""
    if value == "unknown" or value is None:
        return None
    if isinstance(value, bool):
        return value
    raise ValueError(f"not a truth value: {value!r}")


def word(value: Truth) -> str:
    """``yes`` / ``no`` / ``unknown`` for people."""
    return "unknown" if value is None else ("yes" if value else "no")
