"""Exact counting over the 5^18 profiles by dynamic programming over the factors.

An analysis says, for each factor value, what *effect* it has (a hashable summary: which red rows
it meets, how many orange rows it misses, ...), and how an effect updates a *state*. `run` walks
the factors once; values with the same effect are one class (counted, one value kept as the
witness), states that coincide are merged. So the work is (factors) x (distinct states) x (effect
classes), never the number of profiles, and every count is an exact integer.
"""

from __future__ import annotations

from typing import Callable, Hashable, Iterable

from .space import SIZES, profile

State = Hashable
# Linked list of (factor, value) choices, newest first: cheap to extend, unwound for a witness.
Trail = tuple | None


class TooManyStates(Exception):
    """A search outgrew its budget of states (the caller treats the question as undecided)."""


def run(order: Iterable[int], start: State,
        effect: Callable[[int, int], Hashable],
        step: Callable[[State, Hashable, int], State | None],
        budget: int | None = None) -> dict[State, list]:
    """Final states -> ``[count, trail]`` (count of profiles reaching it, one witness trail).

    ``effect(factor, value)`` summarises a value; ``step(state, effect, position)`` is the next
    state, or None to drop it (``position`` counts the factors done so far, for bounds). With a
    ``budget``, more live states than that raise `TooManyStates`.
    """
    states: dict[State, list] = {start: [1, None]}
    for position, factor in enumerate(order):
        classes: dict[Hashable, list] = {}
        for value in range(SIZES[factor]):
            key = effect(factor, value)
            entry = classes.get(key)
            if entry is None:
                classes[key] = [1, value]
            else:
                entry[0] += 1
        following: dict[State, list] = {}
        for state, (count, trail) in states.items():
            for key, (size, value) in classes.items():
                nxt = step(state, key, position)
                if nxt is None:
                    continue
                entry = following.get(nxt)
                if entry is None:
                    following[nxt] = [count * size, (factor, value, trail)]
                else:
                    entry[0] += count * size
        states = following
        if budget is not None and len(states) > budget:
            raise TooManyStates(len(states))
    return states


def witness(trail: Trail) -> dict[str, int]:
    """The complete profile a trail stands for."""
    values = {}
    while trail is not None:
        factor, value, trail = trail
        values[factor] = value
    return profile(values)
