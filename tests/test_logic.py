"""Kleene three-valued logic: full truth tables, quantifiers, JSON form."""

import itertools

import pytest

from mhct_dsl import logic

T, F, U = True, False, None

AND = {(T, T): T, (T, F): F, (T, U): U, (F, T): F, (F, F): F, (F, U): F,
       (U, T): U, (U, F): F, (U, U): U}
OR = {(T, T): T, (T, F): T, (T, U): T, (F, T): T, (F, F): F, (F, U): U,
      (U, T): T, (U, F): U, (U, U): U}


@pytest.mark.parametrize("a, b", list(AND))
def test_and_table(a, b):
    assert logic.and_(a, b) is AND[(a, b)]
    assert logic.all_of([a, b]) is AND[(a, b)]


@pytest.mark.parametrize("a, b", list(OR))
def test_or_table(a, b):
    assert logic.or_(a, b) is OR[(a, b)]
    assert logic.any_of([a, b]) is OR[(a, b)]


def test_not_table():
    assert logic.not_(T) is F
    assert logic.not_(F) is T
    assert logic.not_(U) is U


def test_empty():
    assert logic.all_of([]) is True
    assert logic.any_of([]) is False


def test_de_morgan_over_all_triples():
    for values in itertools.product((T, F, U), repeat=3):
        assert logic.not_(logic.all_of(values)) is logic.any_of(map(logic.not_, values))


def test_works_on_generators_and_false_dominates():
    assert logic.all_of(v for v in (U, F, U)) is False
    assert logic.any_of(v for v in (U, T)) is True


def test_quantify():
    assert logic.quantify("all", [T, U]) is U
    assert logic.quantify("any", [F, U]) is U
    assert logic.quantify("any", [F, T]) is T
    for v in (T, F, U):
        assert logic.quantify("one", [v]) is v      # the single criterion's value
    with pytest.raises(ValueError):
        logic.quantify("most", [T])


def test_json_and_words():
    assert [logic.to_json(v) for v in (T, F, U)] == [True, False, "unknown"]
    assert [logic.from_json(logic.to_json(v)) for v in (T, F, U)] == [T, F, U]
    assert [logic.word(v) for v in (T, F, U)] == ["yes", "no", "unknown"]
    with pytest.raises(ValueError):
        logic.from_json("maybe")
