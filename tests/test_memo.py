"""The identity-keyed memos (`memo.IdentityMemo`: cluster targets, the step pool, review_json's
encoded parts) never hand one rule set's answer to another: a rule set whose cluster 8 moves
elsewhere, built after the national one was asked, gets its own targets and pool, and the national
set's stay as they were. Equal but distinct objects get their own entries; an entry holds its
objects, so their ids cannot be reused while it is remembered."""

from __future__ import annotations

import gc
import weakref

import attrs

import mhct_dsl
from mhct_dsl import nodes as n
from mhct_dsl.memo import IdentityMemo
from mhct_dsl.stepfit import COUNTED, pool

NATIONAL = mhct_dsl.load_ruleset()


def test_a_rule_set_with_other_transitions_gets_its_own_targets_and_pool():
    eight = NATIONAL.clusters[8]
    assert eight.targets("up", COUNTED) == (14, 15)
    assert pool(NATIONAL, eight) == (6, 7, 8, 10, 12, 13, 14, 15, 16, 17)
    moves = (n.Move("up", (("likely", (20,)),)), n.Move("down", (("possible", (6,)),)))
    changed = attrs.evolve(eight, transitions=attrs.evolve(eight.transitions, moves=moves))
    other = attrs.evolve(NATIONAL, clusters={**NATIONAL.clusters, 8: changed})
    assert changed.targets("up", COUNTED) == (20,)
    assert pool(other, changed) == (6, 8, 20)
    assert eight.targets("up", COUNTED) == (14, 15)
    assert pool(NATIONAL, eight) == (6, 7, 8, 10, 12, 13, 14, 15, 16, 17)


class Thing:
    pass


def test_equal_objects_apart_and_each_held_while_remembered():
    memo, made = IdentityMemo(limit=3), []
    one, two = Thing(), Thing()
    for thing in (one, two, one):
        memo.get(("thing", id(thing)), (thing,), lambda: made.append(1) or len(made))
    assert made == [1, 1]
    held = weakref.ref(one)
    del one, thing
    gc.collect()
    assert held() is not None
    for i in range(3):  # full: cleared, and the object let go
        memo.get(("other", i), (), lambda: i)
    gc.collect()
    assert held() is None
